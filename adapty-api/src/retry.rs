//! Retries: which failures are worth another attempt, and how long to wait before it.
//!
//! [`RetryPolicy`] is the caller's setting; [`classify`] decides per attempt; the loop that uses
//! both lives in [`crate::send`].

use std::fmt;
use std::time::{Duration, SystemTime};

use backon::{BackoffBuilder, ExponentialBuilder};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// How failed attempts are retried.
///
/// Retried, with exponential backoff and jitter between attempts:
/// - `408`, `429`, `500`, `502`, `503` and `504` answers;
/// - connection failures (refused, DNS, TLS, connect timeout);
/// - attempts that timed out or lost the connection before the whole response arrived.
///
/// `GET`, `PATCH` and `DELETE` are retried for all of these. `POST` (create) is retried only when
/// the request provably was not processed: a failed connection, or a `429`. A `Retry-After`
/// header (seconds or an HTTP date) replaces the backoff delay; when it asks for more than
/// [`max_retry_after`](Self::max_retry_after), or the wait would pass the operation timeout, the
/// client stops and returns the error, whose [`ApiError::retry_after`](crate::ApiError::retry_after)
/// tells when to come back.
///
/// ```
/// use std::time::Duration;
/// use adapty_api::{ApiKey, RetryPolicy, v1};
///
/// let client = v1::Client::builder(ApiKey::new("secret_live_...")?)
///     .retry_policy(
///         RetryPolicy::default()
///             .with_max_attempts(5)
///             .with_base_delay(Duration::from_millis(100))
///             .with_max_delay(Duration::from_secs(2)),
///     )
///     .build()?;
/// # let _ = client;
/// let never = RetryPolicy::disabled();
/// assert_eq!(never.max_attempts(), 1);
/// # Ok::<(), adapty_api::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    base_delay: Duration,
    max_delay: Duration,
    max_retry_after: Duration,
}

/// The longest backoff delay a [`RetryPolicy`] keeps (one day): longer settings are clamped to it,
/// so that doubling and jitter never overflow. (The operation timeout ends a call long before.)
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(24 * 60 * 60);

impl Default for RetryPolicy {
    /// Three attempts in all; delays start at 200 ms, double, and stay under 5 s before jitter;
    /// `Retry-After` is honoured up to 30 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        Self::default().with_max_attempts(1)
    }

    /// Sets the attempts in all, the first included (at least 1; 1 disables retries).
    #[must_use = "the policy is a value: use the one this returns"]
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the wait before the first retry; each later wait doubles, up to
    /// [`max_delay`](Self::max_delay). A random jitter of up to the same amount is added. A delay
    /// above [`MAX_RETRY_DELAY`] is taken as that.
    #[must_use = "the policy is a value: use the one this returns"]
    pub fn with_base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay.min(MAX_RETRY_DELAY);
        self
    }

    /// Sets the longest backoff wait before jitter; above [`MAX_RETRY_DELAY`], that.
    #[must_use = "the policy is a value: use the one this returns"]
    pub fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay.min(MAX_RETRY_DELAY);
        self
    }

    /// Sets the longest `Retry-After` the client waits for; a longer one ends the retries.
    #[must_use = "the policy is a value: use the one this returns"]
    pub fn with_max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Attempts in all, the first included.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait before the first retry, before jitter.
    pub fn base_delay(&self) -> Duration {
        self.base_delay
    }

    /// The longest backoff wait, before jitter.
    pub fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The longest `Retry-After` the client waits for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The delays between attempts (one fewer than the attempts).
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(self.max_delay.max(self.base_delay))
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .with_jitter()
            .build()
    }
}

/// Why an attempt is worth repeating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// A retryable status.
    Status(StatusCode),
    /// The connection could not be made: the request was not sent.
    Connect,
    /// The attempt ran out of time.
    Timeout,
    /// The connection failed after the request was sent, or while the response was read.
    ConnectionLost,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => write!(f, "status {}", status.as_u16()),
            Self::Connect => f.write_str("connection failed"),
            Self::Timeout => f.write_str("attempt timed out"),
            Self::ConnectionLost => f.write_str("connection lost"),
        }
    }
}

/// Whether a call may run twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replay {
    /// As its method says: `GET`, `PUT`, `PATCH`, `DELETE` (and `HEAD`, `OPTIONS`) may; a `POST`
    /// may have created something already, so it follows the create rule.
    ByMethod,
    /// The spec marks the operation `x-idempotent`: a `POST` that sets a state, which the same
    /// request sets again to the same value.
    Idempotent,
    /// The call carries an `Idempotency-Key`: the server applies it once however often it
    /// arrives, so it may run again whatever its method, and a `409 idempotency_in_flight` (the
    /// first attempt is still being processed) is waited out.
    Keyed,
}

/// The `error_code` of a `409` that asks to wait for the same key's first attempt.
const IN_FLIGHT: &str = "idempotency_in_flight";

/// Whether the outcome of an attempt with `method` is worth another attempt, and why.
pub(crate) fn classify(
    method: &Method,
    replay: Replay,
    outcome: &Result<crate::transport::Answer, crate::transport::Failure>,
) -> Option<Reason> {
    use crate::transport::Failure;
    // Only these may run twice; a POST may have created a profile already.
    let idempotent = replay != Replay::ByMethod
        || matches!(
            *method,
            Method::GET
                | Method::HEAD
                | Method::OPTIONS
                | Method::PUT
                | Method::PATCH
                | Method::DELETE
        );
    match outcome {
        Ok(answer) => {
            let status = answer.status;
            let retryable = match status.as_u16() {
                429 => true,
                408 | 500 | 502 | 503 | 504 => idempotent,
                409 => replay == Replay::Keyed && error_code(&answer.body) == Some(IN_FLIGHT),
                _ => false,
            };
            retryable.then_some(Reason::Status(status))
        }
        // A body over the limit, a redirect or a request the HTTP stack could not make would
        // come again: final.
        Err(Failure::TooLarge { .. } | Failure::Redirected | Failure::Other(_)) => None,
        Err(Failure::Connect { .. }) => Some(Reason::Connect),
        Err(Failure::TimedOut { .. }) => idempotent.then_some(Reason::Timeout),
        Err(Failure::Lost(_)) => idempotent.then_some(Reason::ConnectionLost),
    }
}

/// The `error_code` of an error body, read without copying it.
fn error_code(body: &[u8]) -> Option<&str> {
    #[derive(serde::Deserialize)]
    struct Code<'a> {
        #[serde(borrow)]
        error_code: Option<&'a str>,
    }
    serde_json::from_slice::<Code<'_>>(body)
        .ok()
        .and_then(|c| c.error_code)
}

/// The wait a response asks for in `Retry-After`: delay-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn response(status: u16) -> Result<crate::transport::Answer, crate::transport::Failure> {
        answer(status, "")
    }

    fn answer(
        status: u16,
        body: &'static str,
    ) -> Result<crate::transport::Answer, crate::transport::Failure> {
        Ok(crate::transport::Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            headers: HeaderMap::new(),
            body: bytes::Bytes::from_static(body.as_bytes()),
        })
    }

    #[test]
    fn a_keyed_call_is_retried_like_an_idempotent_one_and_waits_out_its_key() {
        let keyed = |status, body| classify(&Method::POST, Replay::Keyed, &answer(status, body));
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(keyed(status, "").is_some(), "{status}");
        }
        let in_flight = r#"{"errors":[],"error_code":"idempotency_in_flight","status_code":409}"#;
        let duplicate =
            r#"{"errors":[],"error_code":"duplicate_source_transaction","status_code":409}"#;
        assert!(keyed(409, in_flight).is_some());
        assert_eq!(keyed(409, duplicate), None);
        assert_eq!(keyed(409, "not json"), None);
        // Without a key the same 409 is final: the call may not run twice.
        assert_eq!(
            classify(&Method::POST, Replay::ByMethod, &answer(409, in_flight)),
            None
        );
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(keyed(status, ""), None, "{status}");
        }
        // A POST the spec marks idempotent is retried like a PUT, without the 409 rule.
        let marked =
            |status, body| classify(&Method::POST, Replay::Idempotent, &answer(status, body));
        assert!(marked(503, "").is_some());
        assert_eq!(marked(409, in_flight), None);
    }

    #[test]
    fn statuses_are_retried_by_method() {
        for status in [408, 429, 500, 502, 503, 504] {
            for method in [Method::GET, Method::PATCH, Method::DELETE] {
                assert_eq!(
                    classify(&method, Replay::ByMethod, &response(status)),
                    Some(Reason::Status(
                        StatusCode::from_u16(status).unwrap_or_default()
                    )),
                    "{method} {status}"
                );
            }
        }
        assert!(classify(&Method::POST, Replay::ByMethod, &response(429)).is_some());
        for status in [408, 500, 502, 503, 504] {
            assert_eq!(
                classify(&Method::POST, Replay::ByMethod, &response(status)),
                None,
                "{status}"
            );
        }
        for status in [200, 204, 400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(
                classify(&Method::GET, Replay::ByMethod, &response(status)),
                None,
                "{status}"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        let later = SystemTime::now() + Duration::from_secs(120);
        let date = httpdate::fmt_http_date(later);
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_str(&date).unwrap_or(HeaderValue::from_static("")),
        );
        let wait = retry_after(&headers).unwrap_or_default();
        assert!(
            wait > Duration::from_secs(110) && wait <= Duration::from_secs(120),
            "{wait:?}"
        );
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            Some(Duration::ZERO),
            "a past date: retry now"
        );
        headers.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_grows_and_stops() {
        let policy = RetryPolicy::default()
            .with_max_attempts(4)
            .with_base_delay(Duration::from_millis(100))
            .with_max_delay(Duration::from_millis(250));
        let waits: Vec<Duration> = policy.backoff().collect();
        assert_eq!(waits.len(), 3);
        // Jitter adds up to the delay itself: 100..200, 200..400, 250..500 ms.
        let bounds = [(100, 200), (200, 400), (250, 500)];
        for (wait, (low, high)) in waits.iter().zip(bounds) {
            assert!(
                *wait >= Duration::from_millis(low) && *wait <= Duration::from_millis(high),
                "{wait:?} not in {low}..{high} ms"
            );
        }
        assert_eq!(RetryPolicy::disabled().backoff().count(), 0);
        assert_eq!(
            RetryPolicy::default().with_max_attempts(0).max_attempts(),
            1
        );
    }
}
