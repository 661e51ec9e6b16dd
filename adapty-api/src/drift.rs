//! Drift seen in production: answers that hold a field or an enum value the spec does not
//! describe.
//!
//! Adapty adds fields and enum values before its docs (and this crate's spec) catch up. Decoding
//! survives them (unknown fields are ignored, unknown enum values are kept as `Unrecognized`), so
//! nothing fails, and nothing would tell you either. With the [`TARGET`] enabled at `DEBUG`, the
//! client compares each success body with the shape its operation's spec describes and emits
//! **one event per (operation, path, kind)** for the life of the process:
//!
//! ```text
//! DEBUG adapty_api::drift: the answer holds something the spec does not describe
//!     operation="get_profile" endpoint="/api/v2/server-side-api/profile/"
//!     path="data.access_levels[].renewal_kind" kind="unknown_field"
//! ```
//!
//! - `kind` is `unknown_field` or `unknown_enum_value`;
//! - `path` names fields only: `[]` stands for any array item and `{}` for any key of a map
//!   (whose keys are data, such as access level IDs). **No value is ever logged**, neither the
//!   unknown enum value nor any field's content.
//!
//! It is quiet by default: `DEBUG` under its own target, and the comparison runs only when a
//! subscriber enables that target (otherwise it costs one check per answer). With
//! `tracing-subscriber`, `RUST_LOG=adapty_api::drift=debug` (or the filter
//! `adapty_api::drift=debug` beside your others) turns it on:
//!
//! ```no_run
//! // tracing_subscriber::fmt().with_env_filter("info,adapty_api::drift=debug").init();
//! assert_eq!(adapty_api::drift::TARGET, "adapty_api::drift");
//! ```
//!
//! An event is a hint to read Adapty's changelog and docs, then to update the spec (see the
//! workspace's `MAINTAINING.md`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::Value;

use crate::call::Endpoint;
use crate::lock;

/// The `tracing` target of drift events.
pub const TARGET: &str = "adapty_api::drift";

/// How many distinct (operation, path, kind) events a process remembers; past that, no new
/// drift events are emitted (a guard against answers with unbounded key sets).
pub const MAX_REMEMBERED: usize = 4096;

/// Which kind of drift an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    UnknownField,
    UnknownEnumValue,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::UnknownField => "unknown_field",
            Self::UnknownEnumValue => "unknown_enum_value",
        }
    }
}

/// Compares a success body with its operation's shape and emits the new drift events, when the
/// drift target is enabled.
pub(crate) fn observe(endpoint: &Endpoint, body: &[u8]) {
    if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
        return;
    }
    let Some(shape) = endpoint.response_shape.and_then(shape) else {
        return;
    };
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    let mut found = Vec::new();
    walk(&shape, &value, &mut String::new(), &mut found);
    if found.is_empty() {
        return;
    }
    let mut seen = lock(seen());
    for (path, kind) in found {
        if seen.len() >= MAX_REMEMBERED {
            return;
        }
        if seen.insert((endpoint.path, endpoint.name, path.clone(), kind)) {
            tracing::debug!(
                target: TARGET,
                operation = endpoint.name,
                endpoint = endpoint.path,
                path = %path,
                kind = kind.as_str(),
                "the answer holds something the spec does not describe"
            );
        }
    }
}

/// The drift of `body` against the generated shape `shape`: (path, kind) pairs; for tests.
#[doc(hidden)]
pub fn unknown_in(shape: &str, body: &[u8]) -> Result<Vec<(String, &'static str)>, String> {
    let shape: Value = serde_json::from_str(shape).map_err(|e| format!("shape: {e}"))?;
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?;
    let mut found = Vec::new();
    walk(&shape, &value, &mut String::new(), &mut found);
    Ok(found.into_iter().map(|(p, k)| (p, k.as_str())).collect())
}

type Seen = HashSet<(&'static str, &'static str, String, Kind)>;

fn seen() -> &'static Mutex<Seen> {
    static SEEN: OnceLock<Mutex<Seen>> = OnceLock::new();
    SEEN.get_or_init(Mutex::default)
}

/// The parsed shape of a generated shape text, parsed once per process.
fn shape(text: &'static str) -> Option<Arc<Value>> {
    static SHAPES: OnceLock<Mutex<HashMap<&'static str, Arc<Value>>>> = OnceLock::new();
    let mut shapes = lock(SHAPES.get_or_init(Mutex::default));
    if let Some(shape) = shapes.get(text) {
        return Some(shape.clone());
    }
    let shape = Arc::new(serde_json::from_str::<Value>(text).ok()?);
    shapes.insert(text, shape.clone());
    Some(shape)
}

/// Collects the places where `value` goes beyond `shape` (see the facts' `*_RESPONSE_SHAPE`:
/// `props`, `more`, `items`, `enum`; `{}` allows anything).
fn walk(shape: &Value, value: &Value, path: &mut String, found: &mut Vec<(String, Kind)>) {
    match value {
        Value::Object(fields) => {
            let props = shape.get("props").and_then(Value::as_object);
            let more = shape.get("more");
            if props.is_none() && more.is_none() {
                return;
            }
            for (name, field) in fields {
                let (inner, segment) = match props.and_then(|p| p.get(name)) {
                    Some(inner) => (inner, name.as_str()),
                    None => match more {
                        Some(inner) => (inner, "{}"),
                        None => {
                            found.push((join(path, name), Kind::UnknownField));
                            continue;
                        }
                    },
                };
                let length = path.len();
                push(path, segment);
                walk(inner, field, path, found);
                path.truncate(length);
            }
        }
        Value::Array(items) => {
            let Some(inner) = shape.get("items") else {
                return;
            };
            let length = path.len();
            path.push_str("[]");
            for item in items {
                walk(inner, item, path, found);
            }
            path.truncate(length);
        }
        Value::String(text) => {
            if let Some(values) = shape.get("enum").and_then(Value::as_array)
                && !values.iter().any(|v| v.as_str() == Some(text))
            {
                found.push((path.clone(), Kind::UnknownEnumValue));
            }
        }
        _ => {}
    }
}

fn push(path: &mut String, segment: &str) {
    if !path.is_empty() {
        path.push('.');
    }
    path.push_str(segment);
}

fn join(path: &str, name: &str) -> String {
    let mut joined = path.to_owned();
    push(&mut joined, name);
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drift(shape: Value, value: Value) -> Vec<(String, &'static str)> {
        let mut found = Vec::new();
        walk(&shape, &value, &mut String::new(), &mut found);
        found.into_iter().map(|(p, k)| (p, k.as_str())).collect()
    }

    #[test]
    fn names_unknown_fields_and_enum_values_by_path_only() {
        let shape = serde_json::json!({"props": {
            "data": {"props": {
                "store": {"enum": ["app_store", "play_store"]},
                "levels": {"items": {"props": {"id": {}}}},
                "by_id": {"props": {}, "more": {"props": {"n": {}}}},
                "free": {}
            }}
        }});
        let value = serde_json::json!({"data": {
            "store": "secret_store_name",
            "levels": [{"id": 1, "new": "x"}, {"id": 2, "new": "y"}],
            "by_id": {"user@example.com": {"n": 1, "extra": true}},
            "free": {"anything": [1, 2]},
            "added": null
        }});
        let mut found = drift(shape, value);
        found.sort();
        assert_eq!(
            found,
            vec![
                ("data.added".to_owned(), "unknown_field"),
                ("data.by_id.{}.extra".to_owned(), "unknown_field"),
                ("data.levels[].new".to_owned(), "unknown_field"),
                ("data.levels[].new".to_owned(), "unknown_field"),
                ("data.store".to_owned(), "unknown_enum_value"),
            ]
        );
    }

    #[test]
    fn a_body_the_shape_describes_has_no_drift() {
        let shape = serde_json::json!({"props": {"a": {"enum": ["x"]}, "b": {"items": {}}}});
        assert!(drift(shape, serde_json::json!({"a": "x", "b": [1, {"c": 2}]})).is_empty());
    }
}
