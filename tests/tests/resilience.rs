//! Retries, timeouts and client-side validation, against real servers on loopback: wiremock for
//! ordinary answers and delays, and a raw TCP server for connections that break mid-response or
//! appear late.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use adapty_api::v1::types::ProfileRequest;
use adapty_api::v1::{Client, Gender, custom_attribute};
use adapty_api::{
    ApiKey, ClientBuilder, Error, ProfileSelector, RetryPolicy, TimeoutKind, TransportKind,
};
use common::{doc_fixture, read_request, requests, server_answering};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "secret_live_resilience.Zq8Xw2Lk9";

fn who() -> ProfileSelector {
    ProfileSelector::customer_user_id("user-7").unwrap()
}

/// Fast retries, so the tests take milliseconds, not seconds.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(20))
        .with_max_delay(Duration::from_millis(50))
}

/// A client builder for `base_url` with `policy`, for the tests that also set timeouts.
fn builder_of(base_url: &str, policy: RetryPolicy) -> ClientBuilder<Client> {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(base_url)
        .retry_policy(policy)
}

fn client_of(base_url: &str, policy: RetryPolicy) -> Client {
    builder_of(base_url, policy).build().unwrap()
}

fn ok_profile() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(doc_fixture("profile-response.json"))
}

fn api_error(error: Error) -> Box<adapty_api::ApiError> {
    match error {
        Error::Api(e) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn timeout(error: Error) -> adapty_api::TimeoutError {
    match error {
        Error::Timeout(e) => e,
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let server = server_answering(
        1,
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        ok_profile(),
    )
    .await;
    let started = Instant::now();
    let profile = client_of(&server.uri(), quick_retries())
        .get_profile(&who())
        .await
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(profile.status(), 200);
    assert_eq!(requests(&server).await, 2, "one retry");
    // The policy's own delays are 20–100 ms: only `Retry-After` explains a wait of a second.
    assert!(waited >= Duration::from_secs(1), "waited {waited:?}");
}

#[tokio::test]
async fn a_retry_after_date_is_honoured_too() {
    let in_two_seconds = httpdate_in(Duration::from_secs(2));
    let server = server_answering(
        1,
        ResponseTemplate::new(503).insert_header("retry-after", in_two_seconds.as_str()),
        ok_profile(),
    )
    .await;
    let started = Instant::now();
    client_of(&server.uri(), quick_retries())
        .get_profile(&who())
        .await
        .unwrap();
    // An HTTP date has a resolution of one second: at least one second of the two is left.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(requests(&server).await, 2);
}

fn httpdate_in(wait: Duration) -> String {
    // RFC 9110 IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
    httpdate::fmt_http_date(std::time::SystemTime::now() + wait)
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_not_waited_for() {
    let server = server_answering(
        1,
        ResponseTemplate::new(429).insert_header("retry-after", "120"),
        ok_profile(),
    )
    .await;
    let started = Instant::now();
    let error = client_of(&server.uri(), quick_retries())
        .get_profile(&who())
        .await
        .expect_err("Retry-After 120 s is beyond the 30 s cap");
    assert!(started.elapsed() < Duration::from_secs(5));
    let api = api_error(error);
    assert_eq!(api.status(), 429);
    assert_eq!(api.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn two_503s_then_success_on_the_third_attempt() {
    let server = server_answering(2, ResponseTemplate::new(503), ok_profile()).await;
    let profile = client_of(&server.uri(), quick_retries())
        .get_profile(&who())
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn with_retries_off_the_first_503_is_the_answer() {
    let server = server_answering(2, ResponseTemplate::new(503), ok_profile()).await;
    let error = client_of(&server.uri(), RetryPolicy::disabled())
        .get_profile(&who())
        .await
        .expect_err("no retries");
    assert_eq!(api_error(error).status(), 503);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn retries_stop_after_the_policys_attempts() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let error = client_of(&server.uri(), quick_retries().with_max_attempts(4))
        .delete_profile(&who())
        .await
        .expect_err("always 500");
    assert_eq!(api_error(error).status(), 500);
    assert_eq!(requests(&server).await, 4);
}

#[tokio::test]
async fn every_documented_retryable_status_is_retried_for_patch() {
    for status in [408, 429, 500, 502, 503, 504] {
        let server = server_answering(1, ResponseTemplate::new(status), ok_profile()).await;
        client_of(&server.uri(), quick_retries())
            .update_profile(&who(), &ProfileRequest::default())
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));
        assert_eq!(requests(&server).await, 2, "{status}");
    }
    // A client error is an answer, not a hiccup.
    let server = server_answering(1, ResponseTemplate::new(400), ok_profile()).await;
    let error = client_of(&server.uri(), quick_retries())
        .update_profile(&who(), &ProfileRequest::default())
        .await
        .expect_err("400 is final");
    assert_eq!(api_error(error).status(), 400);
    assert_eq!(requests(&server).await, 1);
}

// A create answered 503 is not retried: adapty-emulator/tests/client_retries.rs checks it, and
// that nothing was created.

#[tokio::test]
async fn a_create_answered_429_is_retried() {
    let server = server_answering(1, ResponseTemplate::new(429), ok_profile()).await;
    client_of(&server.uri(), quick_retries())
        .create_profile(&who(), &ProfileRequest::default())
        .await
        .unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_non_json_502_keeps_the_last_raw_body_after_the_retries() {
    let server = MockServer::start().await;
    // Each attempt gets its own page, so the one kept is known to be the last.
    for attempt in 1..=3 {
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(502)
                    .set_body_string(format!("<html>attempt {attempt}</html>")),
            )
            .up_to_n_times(1)
            .with_priority(attempt)
            .mount(&server)
            .await;
    }
    let error = client_of(&server.uri(), quick_retries())
        .get_profile(&who())
        .await
        .expect_err("always 502");
    let api = api_error(error);
    assert_eq!(api.status(), 502);
    assert_eq!(api.raw_body(), Some(&b"<html>attempt 3</html>"[..]));
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_the_path() {
    let full = serde_json::to_string(&doc_fixture("profile-response.json")).unwrap();
    let cut = &full[..full.find("\"access_levels\"").unwrap() + 20];
    let server = server_answering(
        1,
        ResponseTemplate::new(200).set_body_string(cut),
        ok_profile(),
    )
    .await;
    let error = client_of(&server.uri(), quick_retries())
        .get_profile(&who())
        .await
        .expect_err("truncated");
    let Error::Decode(decode) = error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(
        decode.path().starts_with("data.access_levels"),
        "{}",
        decode.path()
    );
    assert_eq!(decode.body(), cut.as_bytes());
    assert_eq!(requests(&server).await, 1, "a complete 200 is an answer");
}

// ----------------------------------------------------------------- timeouts

#[tokio::test]
async fn an_attempt_slower_than_the_attempt_timeout_is_retried() {
    let server = server_answering(
        1,
        ok_profile().set_delay(Duration::from_secs(3)),
        ok_profile(),
    )
    .await;
    let client = builder_of(&server.uri(), quick_retries())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    client.get_profile(&who()).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "did not wait for the slow answer"
    );
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn a_slow_create_is_not_retried_and_times_out() {
    let server = server_answering(
        1,
        ok_profile().set_delay(Duration::from_secs(3)),
        ok_profile(),
    )
    .await;
    let client = builder_of(&server.uri(), quick_retries())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let error = client
        .create_profile(&who(), &ProfileRequest::default())
        .await
        .expect_err("slow");
    let timeout = timeout(error);
    assert_eq!(timeout.kind(), TimeoutKind::Attempt);
    assert_eq!(timeout.attempts(), 1);
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn the_operation_timeout_bounds_the_whole_call() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_profile().set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = builder_of(&server.uri(), quick_retries())
        .attempt_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get_profile(&who()).await.expect_err("slow");
    let elapsed = started.elapsed();
    let timeout = timeout(error);
    assert_eq!(timeout.kind(), TimeoutKind::Operation);
    assert_eq!(timeout.limit(), Duration::from_millis(500));
    assert!(
        elapsed >= Duration::from_millis(500) && elapsed < Duration::from_secs(3),
        "ended after {elapsed:?}"
    );
    assert!(
        timeout.to_string().contains("operation timeout"),
        "{timeout}"
    );
}

#[tokio::test]
async fn retries_with_slow_attempts_stay_within_the_operation_timeout() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_profile().set_delay(Duration::from_secs(10)))
        .mount(&server)
        .await;
    let client = builder_of(&server.uri(), quick_retries().with_max_attempts(10))
        .attempt_timeout(Duration::from_millis(200))
        .operation_timeout(Duration::from_millis(900))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get_profile(&who()).await.expect_err("slow");
    let elapsed = started.elapsed();
    let timeout = timeout(error);
    assert_eq!(timeout.kind(), TimeoutKind::Operation);
    assert_eq!(timeout.limit(), Duration::from_millis(900));
    assert!(elapsed < Duration::from_secs(3), "ended after {elapsed:?}");
    let attempts = requests(&server).await;
    assert!((2..10).contains(&attempts), "{attempts} attempts");
    // The error counts the attempts started; the server may not have read the last one yet.
    let counted = timeout.attempts() as usize;
    assert!(
        counted == attempts || counted == attempts + 1,
        "{counted} vs {attempts}"
    );
}

// ------------------------------------------------------ broken connections

/// What the raw server does with one connection.
#[derive(Clone, Copy)]
enum Script {
    /// Sends the status line, headers announcing a long body, half the body, then closes.
    CloseMidBody,
    /// Like `CloseMidBody`, but resets the connection (TCP RST) instead of closing it.
    ResetMidBody,
    /// Answers the documented profile in full.
    Answer,
}

/// A bare HTTP/1.1 server on loopback that plays `scripts` in order, one per connection (the last
/// one repeats), and counts the requests it read.
async fn raw_server(scripts: Vec<Script>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = seen.clone();
    tokio::spawn(async move {
        let body = serde_json::to_vec(&doc_fixture("profile-response.json")).unwrap();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let n = counter.fetch_add(1, Ordering::SeqCst);
            let script = scripts[n.min(scripts.len() - 1)];
            let body = body.clone();
            tokio::spawn(async move {
                let _ = read_request(&mut socket).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                match script {
                    Script::CloseMidBody => {
                        let _ = socket.write_all(&body[..body.len() / 2]).await;
                    }
                    Script::ResetMidBody => {
                        let _ = socket.write_all(&body[..body.len() / 2]).await;
                        let _ = socket.flush().await;
                        // A zero linger turns the close into a reset. (Deprecated because a
                        // non-zero linger blocks on drop; zero returns at once.)
                        #[allow(deprecated)]
                        let _ = socket.set_linger(Some(Duration::ZERO));
                        drop(socket);
                        return;
                    }
                    Script::Answer => {
                        let _ = socket.write_all(&body).await;
                    }
                }
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, seen)
}

#[tokio::test]
async fn a_connection_closed_mid_response_is_retried() {
    let (url, seen) = raw_server(vec![Script::CloseMidBody, Script::Answer]).await;
    let profile = client_of(&url, quick_retries())
        .get_profile(&who())
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_create_cut_mid_response_is_not_retried() {
    let (url, seen) = raw_server(vec![Script::CloseMidBody, Script::Answer]).await;
    let error = client_of(&url, quick_retries())
        .create_profile(&who(), &ProfileRequest::default())
        .await
        .expect_err("the create may have happened");
    assert_connection_lost(&error);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

/// A connection cut short reads as a lost connection, not as a body that failed to decode.
fn assert_connection_lost(error: &Error) {
    match error {
        Error::Transport(e) => assert_eq!(e.kind(), TransportKind::ConnectionLost, "{error:?}"),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "the connection to Adapty was lost before the response was complete"
    );
}

#[tokio::test]
async fn a_reset_connection_is_a_lost_connection() {
    // A create is not retried, so the reset is what comes back.
    let (url, seen) = raw_server(vec![Script::ResetMidBody]).await;
    let error = client_of(&url, quick_retries())
        .create_profile(&who(), &ProfileRequest::default())
        .await
        .expect_err("reset");
    assert_connection_lost(&error);
    assert_eq!(seen.load(Ordering::SeqCst), 1);
    // A read is retried after a reset, like after any lost connection.
    let (url, seen) = raw_server(vec![Script::ResetMidBody, Script::Answer]).await;
    let profile = client_of(&url, quick_retries())
        .get_profile(&who())
        .await
        .unwrap();
    assert_eq!(profile.status(), 200);
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_create_whose_connection_failed_is_retried() {
    // A socket bound (the port stays ours) but not listening yet, so the first attempt is
    // refused; it starts listening 100 ms later, before the first retry (300 ms or more).
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let url = format!("http://{}", socket.local_addr().unwrap());
    let policy = RetryPolicy::default()
        .with_max_attempts(5)
        .with_base_delay(Duration::from_millis(300))
        .with_max_delay(Duration::from_millis(300));
    let (server_tx, server_rx) = tokio::sync::oneshot::channel();
    let late = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let listener = socket.listen(128).unwrap().into_std().unwrap();
        let server = MockServer::builder().listener(listener).start().await;
        Mock::given(any())
            .respond_with(ok_profile())
            .mount(&server)
            .await;
        let _ = server_tx.send(server);
    });
    let started = Instant::now();
    let profile = client_of(&url, policy)
        .create_profile(&who(), &ProfileRequest::default())
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(profile.status(), 200);
    late.await.unwrap();
    let server = server_rx.await.unwrap();
    // The server saw one request: the retry. The refused first attempt never reached it, and the
    // answer came only after a backoff wait.
    assert_eq!(requests(&server).await, 1);
    assert!(
        elapsed >= Duration::from_millis(300),
        "answered after {elapsed:?}"
    );
}

// -------------------------------------------------- validation before sending

#[tokio::test]
async fn invalid_profile_requests_never_reach_the_network() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_profile())
        .expect(0)
        .mount(&server)
        .await;
    let client = client_of(&server.uri(), quick_retries());

    let attribute = |i: usize| custom_attribute(&format!("key_{i}"), 1).unwrap();
    let with = |change: &dyn Fn(&mut ProfileRequest)| {
        let mut request = ProfileRequest::default();
        change(&mut request);
        request
    };
    let cases = [
        (
            "31 custom attributes",
            with(&|r| r.custom_attributes = (0..31).map(attribute).collect()),
            "custom_attributes",
        ),
        (
            "a key twice",
            with(&|r| r.custom_attributes = vec![attribute(1), attribute(2), attribute(1)]),
            "custom_attributes[2].key",
        ),
        (
            "an undocumented gender",
            with(&|r| r.gender = Some(Gender::from("x").into())),
            "gender",
        ),
    ];
    for (what, request, expected_field) in cases {
        for result in [
            client.create_profile(&who(), &request).await,
            client.update_profile(&who(), &request).await,
        ] {
            match result {
                Err(Error::InvalidInput(e)) => assert_eq!(e.field(), expected_field, "{what}"),
                other => panic!("{what}: expected invalid input, got {other:?}"),
            }
        }
    }

    // Keys and values are checked when they are made (unit tests in `custom_attribute.rs`), so an
    // invalid one cannot be put in a request at all.
    // The same limits hold when a request is read from JSON.
    for json in [
        r#"{"custom_attributes": [{"key": "bad key", "value": 1}]}"#,
        r#"{"custom_attributes": [{"key": "ok", "value": "0123456789012345678901234567890"}]}"#,
        r#"{"birthday": "31/12/2000"}"#,
    ] {
        assert!(
            serde_json::from_str::<ProfileRequest>(json).is_err(),
            "{json}"
        );
    }
    // `expect(0)` is verified when the server drops: nothing was sent.
}

// ------------------------------------------------------------ connect timeout

/// A loopback address whose accept queue is full: the kernel drops further connection attempts,
/// so connecting hangs until the client's connect timeout. Returns the URL and the listener and
/// connections that keep the queue full.
async fn unanswered_address() -> (String, tokio::net::TcpListener, Vec<tokio::net::TcpStream>) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let address = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    // Fill the queue: connections that succeed without being accepted, until one hangs.
    for _ in 0..8 {
        match tokio::time::timeout(
            Duration::from_millis(200),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    (format!("http://{address}"), listener, fillers)
}

#[tokio::test]
async fn a_connect_timeout_is_retried_even_for_create_and_named() {
    let (url, _listener, _fillers) = unanswered_address().await;
    let client = builder_of(&url, quick_retries())
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .create_profile(&who(), &ProfileRequest::default())
        .await
        .expect_err("nothing answers");
    let timeout = timeout(error);
    assert_eq!(timeout.kind(), TimeoutKind::Connect);
    assert_eq!(timeout.limit(), Duration::from_millis(200));
    assert_eq!(
        timeout.attempts(),
        3,
        "a connect failure is retried, POST too"
    );
    assert!(started.elapsed() >= Duration::from_millis(600));
}
