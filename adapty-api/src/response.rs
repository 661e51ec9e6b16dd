//! A successful answer with its metadata, and the record of the raw response that lets errors keep
//! the status and request ID even when progenitor's generated code drops them.

use std::cell::RefCell;
use std::future::Future;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// A successful answer: the decoded value plus the status and Adapty's request ID.
///
/// It dereferences to the value, so `response.profile_id` works; [`into_inner`](Self::into_inner)
/// takes the value out.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    request_id: Option<String>,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: StatusCode, headers: &HeaderMap) -> Self {
        Self {
            value,
            status,
            request_id: request_id(headers),
        }
    }

    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The HTTP status (200, or 204 for a deletion).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Adapty's request ID (`Request-Id` header), if the response had one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// The request ID of a response: Adapty documents `Request-Id`; `X-Request-Id` is read as a
/// fallback for proxies that rename it.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    ["request-id", "x-request-id"]
        .into_iter()
        .find_map(|name| headers.get(name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// What the hooks saw of the last response of a call: its status and headers.
#[derive(Debug, Clone)]
pub(crate) struct ResponseMeta {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
}

impl ResponseMeta {
    /// Stands in when no response was recorded.
    pub(crate) fn unknown() -> Self {
        Self {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
        }
    }
}

/// Which timeout ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// No connection could be made in time ([`ClientBuilder::connect_timeout`](crate::ClientBuilder::connect_timeout)).
    Connect,
    /// One attempt took too long ([`ClientBuilder::attempt_timeout`](crate::ClientBuilder::attempt_timeout)),
    /// and it was the last one (retries used up, or not allowed for the method).
    Attempt,
    /// The whole operation, retries and waits included, took too long
    /// ([`ClientBuilder::operation_timeout`](crate::ClientBuilder::operation_timeout)).
    Operation,
}

/// What the hooks saw of a call: the last response's status and headers, how many attempts were
/// made, and which timeout, if any, ended the last one.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallRecord {
    pub(crate) response: Option<ResponseMeta>,
    pub(crate) attempts: u32,
    pub(crate) timeout: Option<TimeoutKind>,
}

tokio::task_local! {
    static CALL: RefCell<CallRecord>;
}

/// Runs a generated call within `limit`, and returns its result with the record of what happened
/// on the wire; when the time runs out, the call is dropped and only the record is returned.
pub(crate) async fn recording_with_timeout<F: Future>(
    limit: std::time::Duration,
    call: F,
) -> Result<(F::Output, CallRecord), CallRecord> {
    CALL.scope(RefCell::new(CallRecord::default()), async {
        match tokio::time::timeout(limit, call).await {
            Ok(output) => Ok((output, CALL.with(|slot| slot.take()))),
            Err(_) => Err(CALL.with(|slot| slot.take())),
        }
    })
    .await
}

fn update(change: impl FnOnce(&mut CallRecord)) {
    // Outside a record (a generated client used directly) there is nobody to tell.
    let _ = CALL.try_with(|slot| change(&mut slot.borrow_mut()));
}

/// Records a response for the enclosing record, if any.
pub(crate) fn record_response(response: &reqwest::Response) {
    update(|call| {
        call.response = Some(ResponseMeta {
            status: response.status(),
            headers: response.headers().clone(),
        });
        call.timeout = None;
    });
}

/// Records the number of the attempt being made.
pub(crate) fn record_attempts(attempt: u32) {
    update(|call| call.attempts = attempt);
}

/// Records that the last attempt ended with a timeout.
pub(crate) fn record_timeout(kind: TimeoutKind) {
    update(|call| call.timeout = Some(kind));
}
