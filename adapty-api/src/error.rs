//! The one error type of the crate, and how every failure of a call becomes it.

use std::fmt;

use bytes::Bytes;
use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use std::time::Duration;

use reqwest::header::HeaderMap;

use crate::response::{ResponseMeta, TimeoutKind, request_id};
use crate::retry::retry_after;
use crate::send::Record;
use crate::transport::{BoxError, Failure};

/// Everything that can go wrong with a call.
///
/// Match on the variant to tell the server's answer ([`Error::Api`]) from a body that did not match
/// the spec ([`Error::Decode`]), a network failure ([`Error::Transport`]), a call that ran out of
/// time ([`Error::Timeout`]) and input rejected before anything was sent ([`Error::InvalidInput`]).
/// Retryable failures have been retried already (see [`RetryPolicy`](crate::RetryPolicy)) when
/// they reach you.
///
/// ```
/// # async fn demo(client: adapty_api::v1::Client, who: adapty_api::ProfileSelector) {
/// match client.get_profile(&who).await {
///     Ok(profile) => println!("{} access levels", profile.access_levels.as_deref().unwrap_or_default().len()),
///     Err(adapty_api::Error::Api(e)) if e.is_not_found() => println!("no such profile"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Adapty answered with an error status (4xx or 5xx, or a status the spec does not document).
    #[error(transparent)]
    Api(Box<ApiError>),
    /// Adapty answered with success, but the body does not match the spec.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request could not be sent or its response could not be read (DNS, connect, TLS,
    /// connection reset); [`TransportError::kind`] says which.
    #[error(transparent)]
    Transport(TransportError),
    /// A timeout passed: connecting, the last attempt, or the whole operation.
    #[error(transparent)]
    Timeout(TimeoutError),
    /// A value was rejected before anything was sent; it names the field.
    #[error(transparent)]
    InvalidInput(InvalidInputError),
}

impl From<std::convert::Infallible> for Error {
    /// Lets a conversion that cannot fail stand where one that can is expected (e.g. an integer
    /// given to [`custom_attribute`](crate::v1::custom_attribute)).
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

impl Error {
    /// `true` when a timeout ended the call.
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::Timeout(_))
    }

    pub(crate) fn invalid_input(field: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput(InvalidInputError {
            field: field.to_owned(),
            reason: reason.into(),
        })
    }

    /// A transport error of `kind` with the HTTP stack's own error as its source.
    pub(crate) fn transport(kind: TransportKind, source: BoxError) -> Self {
        Self::Transport(TransportError::new(kind, source))
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(e) => Some(e.status),
            Self::Decode(e) => Some(e.status),
            Self::Transport(_) | Self::Timeout(_) | Self::InvalidInput(_) => None,
        }
    }

    /// Adapty's request ID of the response, when there was one (quote it to Adapty's support).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(e) => e.request_id(),
            Self::Decode(e) => e.request_id(),
            Self::Transport(_) | Self::Timeout(_) | Self::InvalidInput(_) => None,
        }
    }

    /// Adapty's `error_code` as a version's typed code (e.g. [`v2::ErrorCode`]), when Adapty
    /// answered with one. The codes are open enums: one the spec does not list is kept as
    /// `Unrecognized`.
    ///
    /// ```
    /// use adapty_api::{Error, v2::ErrorCode};
    ///
    /// fn is_short_of_coins(error: &Error) -> bool {
    ///     error.code::<ErrorCode>() == Some(ErrorCode::InsufficientBalance)
    /// }
    /// ```
    ///
    /// [`v2::ErrorCode`]: crate::v2::ErrorCode
    pub fn code<C: for<'a> From<&'a str>>(&self) -> Option<C> {
        match self {
            Self::Api(e) => e.code(),
            _ => None,
        }
    }
}

/// A value rejected before anything was sent: which field, and why.
///
/// ```
/// let error = adapty_api::v1::AttributeValue::text("x".repeat(31)).unwrap_err();
/// match &error {
///     adapty_api::Error::InvalidInput(e) => assert_eq!(e.field(), "custom_attributes.value"),
///     other => panic!("{other}"),
/// }
/// assert_eq!(
///     error.to_string(),
///     "invalid custom_attributes.value: 31 characters; at most 30 are allowed"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {reason}")]
#[non_exhaustive]
pub struct InvalidInputError {
    field: String,
    reason: String,
}

impl InvalidInputError {
    /// The field, argument or setting at fault (e.g. `customer_user_id`, `base_url`,
    /// `custom_attributes[3].key`).
    pub fn field(&self) -> &str {
        &self.field
    }

    /// Why it was rejected. It never repeats a secret or a personal value.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// What a [`TransportError`] was: the request could not go out, or the answer did not come back
/// whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// No connection could be made (DNS, refused, TLS handshake): nothing reached Adapty.
    Connect,
    /// The connection was reset or closed while the request was sent or before the whole response
    /// arrived.
    ConnectionLost,
    /// Anything else the HTTP stack reported (e.g. building the HTTP client failed).
    Other,
    /// The response body was longer than the client's limit
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); reading
    /// stopped at the limit.
    ResponseTooLarge,
    /// The answer came from another URL than the request went to: an HTTP client given to
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) followed a redirect.
    /// Adapty's API does not redirect; the client's own HTTP client never follows one.
    Redirected,
}

/// The request could not be sent or its response could not be read.
///
/// The HTTP stack's own error is chained as [`source`](std::error::Error::source), for logs; this
/// crate's API does not depend on its type.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportKind,
    limit: Option<usize>,
    source: Option<BoxError>,
}

impl TransportError {
    pub(crate) fn new(kind: TransportKind, source: BoxError) -> Self {
        Self {
            kind,
            limit: None,
            source: Some(source),
        }
    }

    pub(crate) fn of_kind(kind: TransportKind, limit: Option<usize>) -> Self {
        Self {
            kind,
            limit,
            source: None,
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> TransportKind {
        self.kind
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TransportKind::Connect => f.write_str("could not connect to Adapty"),
            TransportKind::ConnectionLost => {
                f.write_str("the connection to Adapty was lost before the response was complete")
            }
            TransportKind::ResponseTooLarge => write!(
                f,
                "Adapty's response is larger than the limit of {} bytes; reading stopped there",
                self.limit.unwrap_or_default()
            ),
            TransportKind::Redirected => f.write_str(
                "the answer came from another URL: the HTTP client followed a redirect, which \
                 Adapty's API never sends",
            ),
            TransportKind::Other => f.write_str("could not talk to Adapty"),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// An error answer of Adapty's, with everything it said.
///
/// Documented error bodies (`{"errors": [{"source", "errors"}], "error_code", "status_code"}`)
/// are decoded into [`error_code`](Self::error_code) and [`field_errors`](Self::field_errors).
/// Any other body (an HTML page from a proxy, a plain-text 502) is kept in
/// [`raw_body`](Self::raw_body), so nothing the server said is lost.
#[derive(Clone, PartialEq)]
pub struct ApiError {
    status: StatusCode,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    error_code: Option<String>,
    field_errors: Vec<FieldError>,
    raw_body: Option<Bytes>,
}

/// The messages Adapty gave about one field of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FieldError {
    source: Option<String>,
    messages: Vec<String>,
}

impl FieldError {
    /// The field (e.g. `birthday`), `non_field_errors` for the request as a whole, or `None`.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// The messages.
    pub fn messages(&self) -> &[String] {
        &self.messages
    }
}

impl ApiError {
    /// Builds the error from a status, the response headers and the body.
    pub(crate) fn new(status: StatusCode, headers: &HeaderMap, body: Bytes) -> Self {
        let request_id = request_id(headers);
        let retry_after = retry_after(headers);
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(parsed) => Self {
                status,
                request_id,
                retry_after,
                error_code: parsed.error_code,
                field_errors: parsed.errors.into_iter().map(FieldError::from).collect(),
                raw_body: None,
            },
            Err(_) => Self {
                status,
                request_id,
                retry_after,
                error_code: None,
                field_errors: Vec::new(),
                raw_body: Some(body),
            },
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Adapty's request ID (`Request-Id` header), if the response had one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// How long Adapty asked to wait before trying again (`Retry-After`), if it said. The client
    /// has already waited and retried when the wait was within its
    /// [`RetryPolicy`](crate::RetryPolicy); a longer one comes back here.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// Adapty's short error name, e.g. `not_found` or `not_authenticated`.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code.as_deref()
    }

    /// The `error_code` as a version's typed code (e.g. [`v2::ErrorCode`]); see [`Error::code`].
    ///
    /// [`v2::ErrorCode`]: crate::v2::ErrorCode
    pub fn code<C: for<'a> From<&'a str>>(&self) -> Option<C> {
        self.error_code.as_deref().map(C::from)
    }

    /// The messages, grouped by the field they are about (for a JSON:API error body, as the
    /// Stripe validation sends, the source is the JSON pointer of the field, e.g.
    /// `/data/attributes/stripe_token`).
    pub fn field_errors(&self) -> &[FieldError] {
        &self.field_errors
    }

    /// The messages about one field (`source`), e.g. `"birthday"` or `"non_field_errors"`.
    pub fn messages_for<'a>(&'a self, source: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.field_errors
            .iter()
            .filter(move |e| e.source.as_deref() == Some(source))
            .flat_map(|e| e.messages.iter().map(String::as_str))
    }

    /// The body as received, when it was not the documented error JSON.
    ///
    /// It may echo the request, personal data included, so `Debug` and `Display` show only its
    /// kind and length; this is the one way to read it.
    pub fn raw_body(&self) -> Option<&[u8]> {
        self.raw_body.as_deref()
    }

    /// `true` for 404: no profile matches the identity header.
    pub fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }

    /// `true` for 401: the API key is missing or wrong.
    pub fn is_unauthorized(&self) -> bool {
        self.status == StatusCode::UNAUTHORIZED
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Adapty answered {}", self.status)?;
        if let Some(code) = &self.error_code {
            write!(f, " ({code})")?;
        }
        let mut first = true;
        for field in &self.field_errors {
            f.write_str(if first { ": " } else { "; " })?;
            first = false;
            if let Some(source) = &field.source {
                write!(f, "{source}: ")?;
            }
            f.write_str(&field.messages.join(" "))?;
        }
        if let Some(raw) = &self.raw_body {
            write!(f, " with an undocumented body: {}", BodySummary(raw))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .field("error_code", &self.error_code)
            .field("field_errors", &self.field_errors)
            .field("raw_body", &self.raw_body.as_deref().map(BodySummary))
            .finish()
    }
}

impl std::error::Error for ApiError {}

/// A body described by its kind and length, never its contents: an undocumented error page may
/// echo the request, personal data included.
struct BodySummary<'a>(&'a [u8]);

impl fmt::Display for BodySummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = self.0;
        let start = body.iter().position(|b| !b.is_ascii_whitespace());
        let kind = match (std::str::from_utf8(body), start.map(|i| body[i])) {
            (_, None) => "empty",
            (Ok(_), Some(b'<')) => "HTML or XML",
            (Ok(_), Some(b'{' | b'['))
                if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() =>
            {
                "JSON"
            }
            (Ok(_), Some(_)) => "text",
            (Err(_), Some(_)) => "binary",
        };
        write!(f, "{kind}, {} bytes", body.len())
    }
}

impl fmt::Debug for BodySummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{self}>")
    }
}

/// A success response whose body does not match the spec.
///
/// It names the JSON path of the first field that failed (e.g. `data.access_levels[0].expires_at`)
/// and keeps the body, which may hold personal data: `Debug` and `Display` show only its length.
#[derive(Clone)]
pub struct DecodeError {
    status: StatusCode,
    request_id: Option<String>,
    path: String,
    message: String,
    body: Bytes,
}

impl DecodeError {
    /// Decodes `body` again, tracking the path, to describe why it does not fit `T`.
    pub(crate) fn new<T: DeserializeOwned>(meta: &ResponseMeta, body: Bytes) -> Self {
        let (path, message) = match decode_with_path::<T>(&body) {
            Ok(_) => (
                String::new(),
                "the body decodes on a second reading".to_owned(),
            ),
            Err((path, message)) => (path, message),
        };
        Self {
            status: meta.status,
            request_id: request_id(&meta.headers),
            path,
            message,
            body,
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// Adapty's request ID, if the response had one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The JSON path of the field that failed: `.` when the body as a whole is not JSON (or has
    /// something after it), empty when a second reading decoded it after all.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What was wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode Adapty's {} response at `{}`: {} ({} byte body",
            self.status,
            self.path,
            self.message,
            self.body.len()
        )?;
        if let Some(id) = &self.request_id {
            write!(f, ", request id {id}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("path", &self.path)
            .field("message", &self.message)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// Decodes JSON, and on failure gives the path of the failing field and the message.
pub(crate) fn decode_with_path<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, String)> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| (e.path().to_string(), redact_strings(&e.inner().to_string())))?;
    de.end()
        .map_err(|e| (".".to_owned(), redact_strings(&e.to_string())))?;
    Ok(value)
}

/// Replaces the contents of every double-quoted string in a decoder message with `…`: serde quotes
/// the value it could not use (`invalid type: string "jane@example.com", expected …`), and a
/// profile's values are personal data that must not reach logs through an error message.
fn redact_strings(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '"' {
            // Skip to the closing quote, honouring `\"` escapes.
            let mut escaped = false;
            for inner in chars.by_ref() {
                match inner {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => break,
                    _ => escaped = false,
                }
            }
            out.push_str("…\"");
        }
    }
    out
}

/// Turns the failure of a call's last attempt into an [`Error`]: a timeout (which one, from what
/// the attempt loop recorded), a transport failure, a body over the limit or a followed redirect.
pub(crate) fn from_failure(failure: Failure, call: &Record, config: &crate::ClientConfig) -> Error {
    let timeout = |source| {
        let kind = call.timeout.unwrap_or(TimeoutKind::Attempt);
        Error::Timeout(TimeoutError::new(kind, config, call.attempts, source))
    };
    match failure {
        Failure::Connect {
            source,
            timed_out: true,
        } => timeout(Some(source)),
        Failure::Connect { source, .. } => Error::transport(TransportKind::Connect, source),
        Failure::TimedOut { source } => timeout(source),
        Failure::Lost(source) => Error::transport(TransportKind::ConnectionLost, source),
        Failure::Other(source) => Error::transport(TransportKind::Other, source),
        Failure::TooLarge { limit } => Error::Transport(TransportError::of_kind(
            TransportKind::ResponseTooLarge,
            Some(limit),
        )),
        Failure::Redirected => {
            Error::Transport(TransportError::of_kind(TransportKind::Redirected, None))
        }
    }
}

/// A call that ran out of time: which timeout passed, its limit, and how many attempts were made.
#[derive(Debug)]
pub struct TimeoutError {
    kind: TimeoutKind,
    limit: Duration,
    attempts: u32,
    source: Option<BoxError>,
}

impl TimeoutError {
    pub(crate) fn new(
        kind: TimeoutKind,
        config: &crate::ClientConfig,
        attempts: u32,
        source: Option<BoxError>,
    ) -> Self {
        let limit = match kind {
            TimeoutKind::Connect => config.timeouts.connect,
            TimeoutKind::Attempt => config.timeouts.attempt,
            TimeoutKind::Operation => config.timeouts.operation,
        };
        Self {
            kind,
            limit,
            attempts,
            source,
        }
    }

    /// Which timeout passed.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    /// The limit that passed.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// How many attempts were started (the last one included).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TimeoutKind::Connect => "connect timeout",
            TimeoutKind::Attempt => "attempt timeout",
            TimeoutKind::Operation => "operation timeout",
        };
        write!(
            f,
            "Adapty did not answer in time: the {what} of {:?} passed after {} attempt{}",
            self.limit,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for TimeoutError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Adapty's error body, read leniently: `errors` items may be `{source, errors}` objects or bare
/// strings (other Adapty endpoints send those), and unknown fields are ignored.
#[derive(Deserialize)]
struct ErrorBody {
    errors: Vec<ErrorItem>,
    #[serde(default)]
    error_code: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorItem {
    /// A JSON:API error object (`{"detail", "source": {"pointer"}, "status"}`), first: its
    /// `detail` is required, so a `{source, errors}` item never reads as one.
    JsonApi {
        detail: String,
        #[serde(default)]
        source: Option<JsonApiSource>,
    },
    Detail {
        #[serde(default)]
        source: Option<String>,
        #[serde(default)]
        errors: Vec<String>,
    },
    Message(String),
}

#[derive(Deserialize)]
struct JsonApiSource {
    #[serde(default)]
    pointer: Option<String>,
}

impl From<ErrorItem> for FieldError {
    fn from(item: ErrorItem) -> Self {
        match item {
            ErrorItem::JsonApi { detail, source } => Self {
                source: source.and_then(|s| s.pointer),
                messages: vec![detail],
            },
            ErrorItem::Detail { source, errors } => Self {
                source,
                messages: errors,
            },
            ErrorItem::Message(message) => Self {
                source: None,
                messages: vec![message],
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_error_shape_is_read() {
        let read = |body: &'static str| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                &HeaderMap::new(),
                Bytes::from_static(body.as_bytes()),
            )
        };
        // Objects with a source, plain strings (v2 refund saver, Paddle, integrations), and
        // JSON:API objects (v2 Stripe validation).
        let objects = read(
            r#"{"errors":[{"source":"birthday","errors":["bad date"]}],"error_code":"datetime","status_code":400}"#,
        );
        assert_eq!(
            objects.messages_for("birthday").collect::<Vec<_>>(),
            ["bad date"]
        );
        let strings = read(
            r#"{"errors":["Profile does not exist"],"error_code":"profile_does_not_exist","status_code":400}"#,
        );
        assert_eq!(strings.field_errors()[0].source(), None);
        assert_eq!(
            strings.field_errors()[0].messages(),
            ["Profile does not exist"]
        );
        assert_eq!(
            strings.code::<String>().as_deref(),
            Some("profile_does_not_exist")
        );
        let json_api = read(
            r#"{"errors":[{"detail":"none is not an allowed value","source":{"pointer":"/data/attributes/stripe_token"},"status":"400"}]}"#,
        );
        assert_eq!(
            json_api
                .messages_for("/data/attributes/stripe_token")
                .collect::<Vec<_>>(),
            ["none is not an allowed value"]
        );
        assert_eq!(json_api.error_code(), None);
        assert!(json_api.raw_body().is_none());
    }

    #[test]
    fn decoder_messages_do_not_repeat_values() {
        let body = br#"{"email": "jane@example.com"}"#;
        let (path, message) = decode_with_path::<std::collections::BTreeMap<String, u32>>(body)
            .expect_err("a string is not a number");
        assert_eq!(path, "email");
        assert!(!message.contains("jane"), "{message}");
        assert!(
            message.starts_with("invalid type: string \"…\""),
            "{message}"
        );
        assert_eq!(redact_strings(r#"a "b\"c" d "e""#), r#"a "…" d "…""#);
    }

    fn headers_with_request_id(id: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("request-id", reqwest::header::HeaderValue::from_static(id));
        headers
    }

    #[test]
    fn documented_body_is_decoded() {
        let body = br#"{"errors":[{"source":"birthday","errors":["Invalid date."]}],"error_code":"validation_error","status_code":400}"#;
        let e = ApiError::new(
            StatusCode::BAD_REQUEST,
            &headers_with_request_id("r1"),
            Bytes::from_static(body),
        );
        assert_eq!(e.error_code(), Some("validation_error"));
        assert_eq!(
            e.messages_for("birthday").collect::<Vec<_>>(),
            ["Invalid date."]
        );
        assert_eq!(e.raw_body(), None);
        assert_eq!(
            e.to_string(),
            "Adapty answered 400 Bad Request (validation_error): birthday: Invalid date. [request id r1]"
        );
    }

    #[test]
    fn string_items_are_messages_without_source() {
        let body =
            br#"{"errors":["Invalid API key"],"error_code":"unauthorized","status_code":401}"#;
        let e = ApiError::new(
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            Bytes::from_static(body),
        );
        assert_eq!(e.field_errors()[0].source(), None);
        assert_eq!(e.field_errors()[0].messages(), ["Invalid API key"]);
    }

    #[test]
    fn other_bodies_are_kept_raw() {
        let e = ApiError::new(
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            Bytes::from_static(b"<html>bad gateway</html>"),
        );
        assert_eq!(e.raw_body(), Some(&b"<html>bad gateway</html>"[..]));
        assert_eq!(e.error_code(), None);
        assert!(
            e.to_string()
                .contains("undocumented body: HTML or XML, 24 bytes"),
            "{e}"
        );
    }

    #[test]
    fn decode_path_names_the_field() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            data: Vec<Inner>,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Inner {
            n: u8,
        }
        let err = decode_with_path::<Outer>(br#"{"data":[{"n":1},{"n":"x"}]}"#).expect_err("bad");
        assert_eq!(err.0, "data[1].n");
        let err = decode_with_path::<Outer>(br#"{"data":[{"n":1}"#).expect_err("truncated");
        assert!(err.1.contains("EOF"), "{}", err.1);
    }
}
