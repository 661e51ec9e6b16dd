//! Sending one operation: attempts, waits between them, timeouts, and the tracing span that
//! records them.
//!
//! Every request of a generated client goes through [`send`] (from the `exec` hook), so the
//! generated clients retry and time out the same way as the hand-written one.
//!
//! The span `adapty.request` carries `operation`, `method`, `attempt`, `status`, `request_id` and
//! `duration_ms`, and each retry is a `WARN` event with `attempt`, `reason` and `wait_ms`. Neither
//! carries headers, bodies or the URL's query: no API key and no personal data reaches the logs.

use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;
use tracing::{Instrument, field};

use crate::ClientConfig;
use crate::response::{TimeoutKind, record_attempts, record_response, record_timeout, request_id};
use crate::retry::{classify, retry_after};

/// Sends `request` under the configuration's retry policy and timeouts.
///
/// The response body is read here, within the attempt's timeout, so an attempt that loses its
/// connection halfway through the body is retried like one that never got an answer; the
/// returned response carries the body in memory.
pub(crate) async fn send(
    http: &reqwest::Client,
    config: &ClientConfig,
    request: reqwest::Request,
    operation: &'static str,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::info_span!(
        "adapty.request",
        operation,
        method = %request.method(),
        attempt = field::Empty,
        status = field::Empty,
        request_id = field::Empty,
        duration_ms = field::Empty,
    );
    let started = Instant::now();
    let outcome = attempts(http, config, request, started)
        .instrument(span.clone())
        .await;
    span.record("duration_ms", millis(started.elapsed()));
    outcome
}

async fn attempts(
    http: &reqwest::Client,
    config: &ClientConfig,
    mut request: reqwest::Request,
    started: Instant,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    let deadline = started + config.timeouts.operation;
    let method = request.method().clone();
    let mut backoff = config.retry.backoff();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        span.record("attempt", attempt);
        record_attempts(attempt);
        // A copy for the next attempt; a request whose body is a stream cannot be copied and is
        // sent once.
        let spare = request.try_clone();
        let remaining = deadline.saturating_duration_since(Instant::now());
        let limit = config.timeouts.attempt.min(remaining);
        *request.timeout_mut() = Some(limit);

        let outcome = once(http, request).await;
        match &outcome {
            Ok(response) => {
                span.record("status", response.status().as_u16());
                if let Some(id) = request_id(response.headers()) {
                    span.record("request_id", id.as_str());
                }
                record_response(response);
            }
            Err(error) if error.is_timeout() => record_timeout(if error.is_connect() {
                TimeoutKind::Connect
            } else if limit < config.timeouts.attempt {
                TimeoutKind::Operation
            } else {
                TimeoutKind::Attempt
            }),
            Err(_) => {}
        }
        tracing::debug!(attempt, outcome = %describe(&outcome), "attempt finished");

        let Some(reason) = classify(&method, &outcome) else {
            return outcome;
        };
        let Some(next) = spare else {
            return outcome;
        };
        if attempt >= config.retry.max_attempts() {
            return outcome;
        }
        let asked = outcome.as_ref().ok().and_then(|r| retry_after(r.headers()));
        let wait = match asked {
            Some(asked) if asked > config.retry.max_retry_after() => {
                tracing::info!(
                    attempt,
                    %reason,
                    retry_after_ms = millis(asked),
                    "not retrying: Retry-After is longer than the retry policy allows"
                );
                return outcome;
            }
            Some(asked) => asked,
            None => match backoff.next() {
                Some(wait) => wait,
                None => return outcome,
            },
        };
        if Instant::now() + wait >= deadline {
            tracing::info!(
                attempt,
                %reason,
                wait_ms = millis(wait),
                "not retrying: the wait would pass the operation timeout"
            );
            return outcome;
        }
        tracing::warn!(attempt, %reason, wait_ms = millis(wait), "retrying Adapty request");
        tokio::time::sleep(wait).await;
        request = next;
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// One attempt: the response with its whole body read into memory.
async fn once(
    http: &reqwest::Client,
    request: reqwest::Request,
) -> reqwest::Result<reqwest::Response> {
    let response = http.execute(request).await?;
    let status = response.status();
    let version = response.version();
    let headers: HeaderMap = response.headers().clone();
    let body = response.bytes().await?;
    let mut buffered = http::Response::new(body);
    *buffered.status_mut() = status;
    *buffered.version_mut() = version;
    *buffered.headers_mut() = headers;
    Ok(reqwest::Response::from(buffered))
}

/// A short, data-free description of an attempt's outcome for the logs.
fn describe(outcome: &reqwest::Result<reqwest::Response>) -> String {
    match outcome {
        Ok(response) => format!("status {}", response.status().as_u16()),
        Err(error) if error.is_connect() => "connection failed".to_owned(),
        Err(error) if error.is_timeout() => "timed out".to_owned(),
        Err(_) => "connection lost".to_owned(),
    }
}
