//! Sending one operation: attempts, waits between them, timeouts, and the tracing span that
//! records them.
//!
//! The span `adapty.request` carries `operation`, `method`, `attempt`, `status`, `request_id` and
//! `duration_ms`, and each retry is a `WARN` event with `attempt`, `reason` and `wait_ms`. Neither
//! carries headers, bodies or the URL's query: no API key and no personal data reaches the logs.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tracing::{Instrument, field};

use crate::ClientConfig;
use crate::response::{TimeoutKind, request_id};
use crate::retry::{Replay, classify, retry_after};
use crate::transport::{Answer, Failure, Outgoing, Target, Transport};

/// What one operation sends: where to (each form of the address parsed once), the request it
/// makes afresh for each attempt, its name for the logs, and whether it may run twice.
pub(crate) struct Plan<'a> {
    pub(crate) target: &'a Target,
    pub(crate) build: &'a (dyn Fn() -> Outgoing + Sync),
    pub(crate) operation: &'static str,
    pub(crate) replay: Replay,
}

/// What happened on the wire: how many attempts were started, and which timeout, if any, ended
/// the last one.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Record {
    pub(crate) attempts: u32,
    pub(crate) timeout: Option<TimeoutKind>,
}

/// Sends the request `build` makes under the configuration's retry policy and timeouts.
///
/// `build` is called once per attempt, so the happy path makes one request and copies nothing;
/// a retry makes its request afresh from the same parts (the body is shared, not copied).
///
/// Each attempt's timeout is the attempt timeout or what is left of the operation timeout,
/// whichever is shorter, so the operation ends at its deadline, in-flight attempt included, with
/// one timer per attempt. The body is read within the attempt, so an attempt that loses its
/// connection halfway through the body is retried like one that never got an answer.
pub(crate) async fn send(
    http: &Transport,
    config: &ClientConfig,
    plan: &Plan<'_>,
) -> (Result<Answer, Failure>, Record) {
    let request = (plan.build)();
    let operation = plan.operation;
    let span = tracing::info_span!(
        "adapty.request",
        operation,
        method = %request.method,
        attempt = field::Empty,
        status = field::Empty,
        request_id = field::Empty,
        duration_ms = field::Empty,
    );
    let started = Instant::now();
    let outcome = attempts(http, config, plan, request, started, &span)
        .instrument(span.clone())
        .await;
    span.record("duration_ms", millis(started.elapsed()));
    outcome
}

async fn attempts(
    http: &Transport,
    config: &ClientConfig,
    plan: &Plan<'_>,
    mut request: Outgoing,
    started: Instant,
    span: &tracing::Span,
) -> (Result<Answer, Failure>, Record) {
    // `None`: the operation timeout is too long to be a point in time; no deadline.
    let deadline = started.checked_add(config.timeouts.operation);
    let method = request.method.clone();
    let mut backoff = None;
    let mut record = Record::default();
    loop {
        // A call of a bulk run waits out the run's rate-limit pause (at once otherwise).
        crate::bulk::before_attempt().await;
        record.attempts += 1;
        let attempt = record.attempts;
        span.record("attempt", attempt);
        let remaining = deadline.map_or(Duration::MAX, |d| {
            d.saturating_duration_since(Instant::now())
        });
        let limit = config.timeouts.attempt.min(remaining);

        let outcome = http
            .send(plan.target, request, limit, config.max_response_bytes)
            .await;
        record.timeout = None;
        match &outcome {
            Ok(answer) => {
                span.record("status", answer.status.as_u16());
                if answer.status == StatusCode::TOO_MANY_REQUESTS {
                    crate::bulk::after_rate_limit(retry_after(&answer.headers));
                }
                if !span.is_disabled()
                    && let Some(id) = request_id(&answer.headers)
                {
                    span.record("request_id", id.as_str());
                }
            }
            Err(Failure::Connect {
                timed_out: true, ..
            }) => record.timeout = Some(TimeoutKind::Connect),
            Err(Failure::TimedOut { .. }) => {
                record.timeout = Some(if limit < config.timeouts.attempt {
                    TimeoutKind::Operation
                } else {
                    TimeoutKind::Attempt
                });
            }
            Err(_) => {}
        }
        tracing::debug!(attempt, outcome = %describe(&outcome), "attempt finished");

        let Some(reason) = classify(&method, plan.replay, &outcome) else {
            return (outcome, record);
        };
        if attempt >= config.retry.max_attempts() {
            return (outcome, record);
        }
        let asked = outcome.as_ref().ok().and_then(|a| retry_after(&a.headers));
        let wait = match asked {
            Some(asked) if asked > config.retry.max_retry_after() => {
                tracing::info!(
                    attempt,
                    %reason,
                    retry_after_ms = millis(asked),
                    "not retrying: Retry-After is longer than the retry policy allows"
                );
                return (outcome, record);
            }
            Some(asked) => asked,
            None => match backoff.get_or_insert_with(|| config.retry.backoff()).next() {
                Some(wait) => wait,
                None => return (outcome, record),
            },
        };
        let before_deadline = match (Instant::now().checked_add(wait), deadline) {
            (Some(after_wait), Some(deadline)) => after_wait < deadline,
            (Some(_), None) => true,
            // A wait too long to be a point in time never ends in time.
            (None, _) => false,
        };
        if !before_deadline {
            tracing::info!(
                attempt,
                %reason,
                wait_ms = millis(wait),
                "not retrying: the wait would pass the operation timeout"
            );
            return (outcome, record);
        }
        tracing::warn!(attempt, %reason, wait_ms = millis(wait), "retrying Adapty request");
        tokio::time::sleep(wait).await;
        request = (plan.build)();
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// A short, data-free description of an attempt's outcome for the logs.
fn describe(outcome: &Result<Answer, Failure>) -> String {
    match outcome {
        Ok(answer) => format!("status {}", answer.status.as_u16()),
        Err(Failure::Connect { .. }) => "connection failed".to_owned(),
        Err(Failure::TimedOut { .. }) => "timed out".to_owned(),
        Err(Failure::Lost(_)) => "connection lost".to_owned(),
        Err(Failure::Other(_)) => "HTTP client failed".to_owned(),
        Err(Failure::TooLarge { .. }) => "body over the limit".to_owned(),
        Err(Failure::Redirected) => "redirected".to_owned(),
    }
}
