//! Faults that production throws, queued per operation and served to the next requests.

use std::collections::VecDeque;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// An operation of the emulated API: one of v1's four profile operations, or one of v2's (by its
/// name in the v2 spec's facts, e.g. `get_profile`).
///
/// In JSON (the control API) an operation is a string: `get`, `create`, `update` or `delete` for
/// v1, `v2.<name>` for v2 (e.g. `v2.create_virtual_currency_transaction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `GET /api/v1/server-side-api/profiles/`
    Get,
    /// `POST /api/v1/server-side-api/profiles/`
    Create,
    /// `PATCH /api/v1/server-side-api/profiles/`
    Update,
    /// `DELETE /api/v1/server-side-api/profiles/`
    Delete,
    /// A v2 operation: see [`Operation::v2`].
    V2(V2Operation),
}

/// One of the v2 spec's operations (`adapty_api::v2::facts::OPERATIONS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct V2Operation(usize);

impl V2Operation {
    /// The operation's name in the v2 spec's facts, e.g. `get_profile`.
    pub fn name(self) -> &'static str {
        V2_OPERATIONS[self.0].name
    }
}

const V2_OPERATIONS: &[adapty_api::Operation] = adapty_api::v2::facts::OPERATIONS;
const V1_NAMES: [&str; 4] = ["get", "create", "update", "delete"];

/// How many operations have a queue of their own.
const OPERATIONS: usize = V1_NAMES.len() + V2_OPERATIONS.len();

impl Operation {
    /// The v2 operation named `name` in the v2 spec (`get_profile`, `grant_access_level`, ...),
    /// or `None` when the spec has no such operation.
    pub fn v2(name: &str) -> Option<Self> {
        V2_OPERATIONS
            .iter()
            .position(|op| op.name == name)
            .map(|i| Self::V2(V2Operation(i)))
    }

    /// The v2 operation `operation` of the facts (`adapty_api::v2::facts::GET_PROFILE`, ...).
    pub(crate) fn of(operation: &adapty_api::Operation) -> Self {
        Self::v2(operation.name).unwrap_or(Self::Get)
    }

    /// The operation as the control API writes it: `get`, ..., `v2.<name>`.
    pub fn as_string(self) -> String {
        match self {
            Self::V2(op) => format!("v2.{}", op.name()),
            other => V1_NAMES[other.index()].to_owned(),
        }
    }

    fn index(self) -> usize {
        match self {
            Operation::Get => 0,
            Operation::Create => 1,
            Operation::Update => 2,
            Operation::Delete => 3,
            Operation::V2(op) => V1_NAMES.len() + op.0,
        }
    }

    fn from_index(index: usize) -> Option<Self> {
        match index {
            0 => Some(Self::Get),
            1 => Some(Self::Create),
            2 => Some(Self::Update),
            3 => Some(Self::Delete),
            i if i < OPERATIONS => Some(Self::V2(V2Operation(i - V1_NAMES.len()))),
            _ => None,
        }
    }
}

impl Serialize for Operation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_string())
    }
}

impl<'de> Deserialize<'de> for Operation {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        let found = match name.strip_prefix("v2.") {
            Some(v2) => Self::v2(v2),
            None => V1_NAMES
                .iter()
                .position(|n| *n == name)
                .and_then(Self::from_index),
        };
        found.ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown operation {name:?}: use get, create, update, delete or v2.<name> \
                 (v2.{})",
                V2_OPERATIONS
                    .iter()
                    .map(|op| op.name)
                    .collect::<Vec<_>>()
                    .join(", v2.")
            ))
        })
    }
}

/// What a request gets instead of (or before) its normal answer.
///
/// In JSON (the control API), a fault is an object tagged by `type`:
/// `{"type": "rate_limited", "retry_after_secs": 2}`, `{"type": "server_error", "status": 503}`,
/// `{"type": "non_json", "status": 502, "body": "<html>Bad gateway</html>"}`,
/// `{"type": "delay", "millis": 1500}` or `{"type": "drop_connection"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Fault {
    /// 429 with a `Retry-After` header (in seconds) and a JSON error body
    /// (`error_code` `rate_limited`).
    RateLimited {
        /// The value of `Retry-After`, in seconds.
        retry_after_secs: u32,
    },
    /// A 5xx status with a JSON error body (`error_code` `server_error`).
    ServerError {
        /// The status, 500 to 599.
        status: u16,
    },
    /// A response whose body is not JSON, as a proxy or load balancer would send.
    NonJson {
        /// The status, 400 to 599 (default 502).
        #[serde(default = "bad_gateway")]
        status: u16,
        /// The body (default an HTML "502 Bad Gateway" page).
        #[serde(default = "html_page")]
        body: String,
        /// Its `Content-Type` (default `text/html`).
        #[serde(default = "text_html")]
        content_type: String,
    },
    /// Waits this long, then answers normally.
    Delay {
        /// The wait, in milliseconds (at most 60 000).
        millis: u64,
    },
    /// Closes the connection without sending a response.
    DropConnection,
}

fn bad_gateway() -> u16 {
    502
}

fn html_page() -> String {
    "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
        .to_owned()
}

fn text_html() -> String {
    "text/html".to_owned()
}

/// The longest [`Fault::Delay`].
pub const MAX_DELAY_MILLIS: u64 = 60_000;
/// The most requests one [`crate::RunningEmulator::inject`] call may cover.
pub const MAX_TIMES: u32 = 10_000;

/// The longest body of a `non_json` fault, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The most fault entries one queue holds (an entry is one fault and how many times it is
/// served), so the control API cannot make the queues grow without bound.
pub const MAX_QUEUED: usize = 1_000;

/// Why a fault was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
#[non_exhaustive]
pub struct FaultError {
    /// The field of the fault that is wrong (`status`, `millis`, `times`, ...).
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl Fault {
    /// Checks the fault's values: statuses in range, a delay of at most [`MAX_DELAY_MILLIS`], a
    /// `Content-Type` that fits in a header, a body of at most [`MAX_BODY_BYTES`].
    pub fn validate(&self) -> Result<(), FaultError> {
        let bad = |field, message: String| Err(FaultError { field, message });
        match self {
            Fault::ServerError { status } if !(500..=599).contains(status) => {
                bad("status", format!("{status} is not a 5xx status"))
            }
            Fault::NonJson { status, .. } if !(400..=599).contains(status) => bad(
                "status",
                format!("{status} is not an error status (400 to 599)"),
            ),
            Fault::NonJson { content_type, .. }
                if axum::http::HeaderValue::from_str(content_type).is_err() =>
            {
                bad(
                    "content_type",
                    format!("{content_type:?} cannot be sent as a header value"),
                )
            }
            Fault::NonJson { body, .. } if body.len() > MAX_BODY_BYTES => bad(
                "body",
                format!(
                    "{} bytes is longer than the limit of {MAX_BODY_BYTES} bytes",
                    body.len()
                ),
            ),
            Fault::Delay { millis } if *millis > MAX_DELAY_MILLIS => bad(
                "millis",
                format!("{millis} ms is longer than the limit of {MAX_DELAY_MILLIS} ms"),
            ),
            _ => Ok(()),
        }
    }
}

/// Queued faults: one queue per operation and one for any operation. A request takes the next
/// fault of its operation's queue, or else of the any-operation queue. A fault queued `times`
/// times is stored once, with its count.
#[derive(Debug)]
pub(crate) struct FaultQueue(Mutex<Vec<VecDeque<(Fault, u32)>>>);

impl Default for FaultQueue {
    /// A queue per operation, and one for any operation (the last).
    fn default() -> Self {
        Self(Mutex::new(vec![VecDeque::new(); OPERATIONS + 1]))
    }
}

impl FaultQueue {
    fn slot(operation: Option<Operation>) -> usize {
        operation.map_or(OPERATIONS, Operation::index)
    }

    /// Queues `fault` for the next `times` requests of `operation` (`None`: of any operation).
    pub(crate) fn push(
        &self,
        operation: Option<Operation>,
        fault: Fault,
        times: u32,
    ) -> Result<(), FaultError> {
        fault.validate()?;
        if times == 0 || times > MAX_TIMES {
            return Err(FaultError {
                field: "times",
                message: format!("{times} is not within 1 to {MAX_TIMES}"),
            });
        }
        let mut queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let queue = &mut queues[Self::slot(operation)];
        if queue.len() >= MAX_QUEUED {
            return Err(FaultError {
                field: "operation",
                message: format!(
                    "{MAX_QUEUED} faults are queued already; clear them or let them be served"
                ),
            });
        }
        queue.push_back((fault, times));
        Ok(())
    }

    /// Takes the fault for the next request of `operation`, if one is queued.
    pub(crate) fn next(&self, operation: Operation) -> Option<Fault> {
        let mut queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let index = if queues[operation.index()].is_empty() {
            OPERATIONS
        } else {
            operation.index()
        };
        let queue = &mut queues[index];
        let (fault, left) = queue.front_mut()?;
        *left -= 1;
        if *left == 0 {
            queue.pop_front().map(|(fault, _)| fault)
        } else {
            Some(fault.clone())
        }
    }

    /// How many faults are queued, per operation and for any operation.
    pub(crate) fn pending(&self) -> Vec<usize> {
        let queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        queues
            .iter()
            .map(|queue| queue.iter().map(|(_, left)| *left as usize).sum())
            .collect()
    }

    /// The queued faults by operation (as the control API writes it; `any` for any operation),
    /// leaving out the empty queues.
    pub(crate) fn pending_by_name(&self) -> Vec<(String, usize)> {
        self.pending()
            .into_iter()
            .enumerate()
            .filter(|&(_, n)| n > 0)
            .map(|(i, n)| {
                let name =
                    Operation::from_index(i).map_or_else(|| "any".to_owned(), Operation::as_string);
                (name, n)
            })
            .collect()
    }

    /// Drops every queued fault.
    pub(crate) fn clear(&self) {
        let mut queues = self.0.lock().unwrap_or_else(|e| e.into_inner());
        queues.iter_mut().for_each(VecDeque::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_faults_come_before_any_operation_faults_and_run_out() {
        let queue = FaultQueue::default();
        queue.push(None, Fault::DropConnection, 1).unwrap();
        queue
            .push(
                Some(Operation::Get),
                Fault::RateLimited {
                    retry_after_secs: 1,
                },
                2,
            )
            .unwrap();
        assert_eq!(
            queue.next(Operation::Get),
            Some(Fault::RateLimited {
                retry_after_secs: 1
            })
        );
        assert_eq!(
            queue.pending_by_name(),
            [("get".to_owned(), 1), ("any".to_owned(), 1)]
        );
        assert_eq!(queue.next(Operation::Delete), Some(Fault::DropConnection));
        assert_eq!(
            queue.next(Operation::Get),
            Some(Fault::RateLimited {
                retry_after_secs: 1
            })
        );
        assert_eq!(queue.next(Operation::Get), None);
    }

    #[test]
    fn bad_faults_are_refused_by_field() {
        let queue = FaultQueue::default();
        assert_eq!(
            queue
                .push(None, Fault::ServerError { status: 404 }, 1)
                .unwrap_err()
                .field,
            "status"
        );
        assert_eq!(
            queue
                .push(None, Fault::Delay { millis: 60_001 }, 1)
                .unwrap_err()
                .field,
            "millis"
        );
        assert_eq!(
            queue
                .push(None, Fault::DropConnection, 0)
                .unwrap_err()
                .field,
            "times"
        );
        let bad_type = Fault::NonJson {
            status: 502,
            body: String::new(),
            content_type: "a\nb".into(),
        };
        assert_eq!(
            queue.push(None, bad_type, 1).unwrap_err().field,
            "content_type"
        );
        assert!(queue.pending_by_name().is_empty());
    }

    #[test]
    fn faults_read_from_json_with_defaults() {
        let fault: Fault = serde_json::from_str(r#"{"type": "non_json"}"#).unwrap();
        assert!(
            matches!(fault, Fault::NonJson { status: 502, ref content_type, .. } if content_type == "text/html")
        );
        assert!(serde_json::from_str::<Fault>(r#"{"type": "explode"}"#).is_err());
    }

    #[test]
    fn a_fault_queued_many_times_is_stored_once_and_the_queues_are_bounded() {
        let queue = FaultQueue::default();
        let page = Fault::NonJson {
            status: 502,
            body: "x".repeat(MAX_BODY_BYTES),
            content_type: "text/html".into(),
        };
        queue
            .push(Some(Operation::Get), page.clone(), MAX_TIMES)
            .unwrap();
        assert_eq!(queue.pending()[Operation::Get.index()], MAX_TIMES as usize);
        // One entry holds the body once, whatever the count.
        assert_eq!(queue.0.lock().unwrap()[Operation::Get.index()].len(), 1);
        for _ in 0..MAX_TIMES {
            assert_eq!(queue.next(Operation::Get).as_ref(), Some(&page));
        }
        assert_eq!(queue.next(Operation::Get), None);

        let too_long = Fault::NonJson {
            status: 502,
            body: "x".repeat(MAX_BODY_BYTES + 1),
            content_type: "text/html".into(),
        };
        assert_eq!(queue.push(None, too_long, 1).unwrap_err().field, "body");
        for _ in 0..MAX_QUEUED {
            queue.push(None, Fault::DropConnection, 1).unwrap();
        }
        assert_eq!(
            queue
                .push(None, Fault::DropConnection, 1)
                .unwrap_err()
                .field,
            "operation"
        );
    }
}
