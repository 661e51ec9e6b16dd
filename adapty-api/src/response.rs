//! A successful answer with its metadata, and which timeout ended a call.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};

/// A successful answer: the decoded value plus the status and Adapty's request ID.
///
/// It dereferences to the value, so `response.profile_id` works; [`into_inner`](Self::into_inner)
/// takes the value out.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    value: T,
    status: StatusCode,
    // The header's value as received (a reference-counted copy, not a new string).
    request_id: Option<HeaderValue>,
}

impl<T> Response<T> {
    pub(crate) fn new(value: T, status: StatusCode, headers: &HeaderMap) -> Self {
        Self {
            value,
            status,
            request_id: request_id_value(headers).cloned(),
        }
    }

    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The same answer with its value converted (e.g. a `ProfileResponse` to its `data`).
    pub(crate) fn map<U>(self, convert: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            value: convert(self.value),
            status: self.status,
            request_id: self.request_id,
        }
    }

    /// The HTTP status (200, or 204 for a deletion).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Adapty's request ID (`Request-Id` header), if the response had one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_ref().and_then(|v| v.to_str().ok())
    }
}

impl<T> std::ops::Deref for Response<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

const REQUEST_ID_HEADERS: [&str; 2] = ["request-id", "x-request-id"];

/// The request ID of a response: Adapty documents `Request-Id`; `X-Request-Id` is read as a
/// fallback for proxies that rename it.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<String> {
    request_id_value(headers)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The request ID header's value, when it is text (a `Response` keeps it as is, uncopied).
fn request_id_value(headers: &HeaderMap) -> Option<&HeaderValue> {
    REQUEST_ID_HEADERS
        .into_iter()
        .find_map(|name| headers.get(name))
        .filter(|v| v.to_str().is_ok())
}

/// The status and headers of a response whose body is described by an error.
#[derive(Debug, Clone)]
pub(crate) struct ResponseMeta {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
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
