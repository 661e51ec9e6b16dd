//! A record of every answer on the profile API, for checking them against the spec with a tool we
//! did not write (`tests/strict/validate.py` in the workspace, run by CI).
//!
//! When [`TRAFFIC_ENV`] names a directory (or [`Emulator::record_traffic`](crate::Emulator::record_traffic)
//! was called), each emulator appends one JSON object per line to its own file there:
//!
//! ```json
//! {"method":"GET","path":"/api/v1/server-side-api/profiles/","status":200,
//!  "content_type":"application/json","body":"{\"data\":…}","fault":false}
//! ```
//!
//! `fault` is `true` for answers made by fault injection (they imitate a gateway, not the API, and
//! the spec does not describe them). The control API is not recorded.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, HttpBody as _};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use serde::Serialize;

use crate::server::CONTROL_PREFIX;

/// The environment variable that turns recording on: a directory to write `*.jsonl` files into.
pub const TRAFFIC_ENV: &str = "ADAPTY_EMULATOR_TRAFFIC";

/// The largest body kept in a record; a larger one is recorded without its body.
const MAX_RECORDED_BODY: usize = 4 * 1024 * 1024;

/// Marks a response made by fault injection (a response extension).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InjectedFault;

/// One emulator's record file.
#[derive(Debug)]
pub(crate) struct Recorder {
    file: Mutex<File>,
}

#[derive(Serialize)]
struct Record<'a> {
    method: &'a str,
    path: &'a str,
    status: u16,
    content_type: Option<&'a str>,
    body: &'a str,
    fault: bool,
}

impl Recorder {
    /// A new file in `dir` (created if missing), named after the process and a counter so that
    /// emulators of one process, and test processes run in parallel, never share a file.
    pub(crate) fn create(dir: &Path) -> io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        std::fs::create_dir_all(dir)?;
        let name = format!(
            "emulator-{}-{}.jsonl",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(name))?;
        Ok(Self {
            file: Mutex::new(file),
        })
    }

    /// The directory named by [`TRAFFIC_ENV`], if it is set and not empty.
    pub(crate) fn dir_from_env() -> Option<PathBuf> {
        std::env::var_os(TRAFFIC_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    fn write(&self, record: &Record<'_>) {
        let Ok(mut line) = serde_json::to_vec(record) else {
            return;
        };
        line.push(b'\n');
        if let Ok(mut file) = self.file.lock() {
            // A failed write loses one record; it must never fail the answer itself.
            let _ = file.write_all(&line);
        }
    }
}

/// The middleware: passes the request on, then records the answer (buffering its body, which the
/// emulator built in memory anyway).
pub(crate) async fn record(
    State(recorder): State<std::sync::Arc<Recorder>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    if path.starts_with(CONTROL_PREFIX) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let fault = parts.extensions.get::<InjectedFault>().is_some();
    // Only a body known to be whole and small is read here: recording must never change an answer
    // (a streamed or cut body would). Every body the emulator builds is whole; anything else is
    // recorded without its body, which the validator reports.
    let small = body
        .size_hint()
        .exact()
        .is_some_and(|len| len <= MAX_RECORDED_BODY as u64);
    if !small {
        recorder.write(&Record {
            method: &method,
            path: &path,
            status: parts.status.as_u16(),
            content_type: None,
            body: "<not recorded: a streamed or large body>",
            fault,
        });
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, MAX_RECORDED_BODY).await {
        Ok(bytes) => bytes,
        // A whole in-memory body cannot fail to read; if one ever does, the answer is an error.
        Err(_) => return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    recorder.write(&Record {
        method: &method,
        path: &path,
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        body: &String::from_utf8_lossy(&bytes),
        fault,
    });
    Response::from_parts(parts, Body::from(bytes))
}
