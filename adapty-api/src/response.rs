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

tokio::task_local! {
    static LAST_RESPONSE: RefCell<Option<ResponseMeta>>;
}

/// Runs a generated call and returns its result with the record of its response, if any.
pub(crate) async fn recording<F: Future>(call: F) -> (F::Output, Option<ResponseMeta>) {
    LAST_RESPONSE
        .scope(RefCell::new(None), async {
            let output = call.await;
            let meta = LAST_RESPONSE.with(|slot| slot.borrow_mut().take());
            (output, meta)
        })
        .await
}

/// Records a response for the enclosing [`recording`] call; outside one it does nothing.
pub(crate) fn record(response: &reqwest::Response) {
    let _ = LAST_RESPONSE.try_with(|slot| {
        *slot.borrow_mut() = Some(ResponseMeta {
            status: response.status(),
            headers: response.headers().clone(),
        });
    });
}
