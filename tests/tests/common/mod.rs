//! Helpers shared by the test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The v1 spec, parsed.
pub fn spec_v1() -> Value {
    let text = std::fs::read_to_string(root().join("openapi/adapty-server-side-api-v1.yaml"))
        .expect("read the v1 spec");
    serde_yaml::from_str(&text).expect("the v1 spec is YAML")
}

/// A documented example copied from Adapty's docs (`tests/fixtures/docs/NAME`).
pub fn doc_fixture(name: &str) -> Value {
    let path = root().join("tests/fixtures/docs").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Looks up a JSON pointer, naming it on failure.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer}"))
}

/// Every key path of a JSON value (`data.access_levels[].offer.offer_id`), array indices folded.
pub fn key_paths(value: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    out.insert(path.clone());
                    walk(child, &path, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, "", &mut out);
    out
}

/// Asserts that `after` kept every key path of `before`, listing the ones lost.
pub fn assert_no_field_lost(before: &Value, after: &Value, what: &str) {
    let lost: Vec<String> = key_paths(before)
        .difference(&key_paths(after))
        .cloned()
        .collect();
    assert!(
        lost.is_empty(),
        "{what}: fields lost on the way through our types: {lost:?}"
    );
}

/// The v2 spec, parsed.
pub fn spec_v2() -> Value {
    let text = std::fs::read_to_string(root().join("openapi/adapty-server-side-api-v2.yaml"))
        .expect("read the v2 spec");
    serde_yaml::from_str(&text).expect("the v2 spec is YAML")
}

/// The node a `$ref` (`#/components/...`) points to, following chains; any other node itself.
pub fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    for _ in 0..16 {
        let Some(target) = current.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let pointer = target
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("a $ref outside the spec: {target}"));
        current = at(spec, pointer);
    }
    panic!("a $ref chain longer than 16")
}

/// The operation `operation_id` of `spec` (its path item's method entry).
pub fn operation<'a>(spec: &'a Value, operation_id: &str) -> &'a Value {
    spec["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().into_iter().flatten().map(|(_, op)| op))
        .find(|op| op.get("operationId").and_then(Value::as_str) == Some(operation_id))
        .unwrap_or_else(|| panic!("no operation {operation_id}"))
}

/// A documented example of the spec, `$ref`s followed: of operation `operation_id`'s request body
/// (`part` = `"request"`) or response (`part` = a status, e.g. `"200"`), the media type's single
/// `example` (`name` = `None`) or its named one of `examples`.
pub fn v2_example(spec: &Value, operation_id: &str, part: &str, name: Option<&str>) -> Value {
    let op = operation(spec, operation_id);
    let holder = if part == "request" {
        resolve(spec, &op["requestBody"])
    } else {
        resolve(spec, &op["responses"][part])
    };
    let content = holder["content"]
        .as_object()
        .and_then(|media| media.values().next())
        .unwrap_or_else(|| panic!("{operation_id} {part}: no content"));
    let example = match name {
        None => content
            .get("example")
            .unwrap_or_else(|| panic!("{operation_id} {part}: no example")),
        Some(name) => &resolve(spec, &content["examples"][name])["value"],
    };
    assert!(
        !example.is_null(),
        "{operation_id} {part} {name:?}: no such example"
    );
    example.clone()
}

/// `value` without the object members that are `null` (at any depth): what a request type that
/// leaves unset fields out writes for an example that spells them `null`.
pub fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Serves one answer to any request and returns the server.
pub async fn serve(answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(answer)
        .mount(&server)
        .await;
    server
}

/// A server that answers the first `n` requests with `first`, and every later one with `then`.
pub async fn server_answering(
    n: u64,
    first: ResponseTemplate,
    then: ResponseTemplate,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(first)
        .up_to_n_times(n)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(then)
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

/// How many requests the server received.
pub async fn requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .len()
}

/// The one request the server received.
pub async fn the_request(server: &MockServer) -> Request {
    let mut requests = server.received_requests().await.expect("recording is on");
    assert_eq!(requests.len(), 1, "expected exactly one request");
    requests.remove(0)
}

/// The value of header `name` of `request`, which must be sent at most once.
pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    let values: Vec<_> = request.headers.get_all(name).iter().collect();
    assert!(
        values.len() <= 1,
        "header {name} sent {} times",
        values.len()
    );
    values.first().map(|v| v.to_str().expect("ASCII header"))
}

/// A log writer every line lands in (for a `tracing_subscriber::fmt` subscriber), to read back
/// what was logged.
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Reads one HTTP/1.1 request from `socket` (its head and its `content-length` body), for the
/// bare servers of the connection tests; `false` when the connection ended first.
pub async fn read_request(socket: &mut tokio::net::TcpStream) -> bool {
    use tokio::io::AsyncReadExt as _;
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
    }
}
