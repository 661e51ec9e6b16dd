//! Helpers shared by the test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::Value;

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The v1 spec, parsed.
pub fn spec_v1() -> Value {
    let text = std::fs::read_to_string(root().join("openapi/adapty-server-side-api-v1.yaml"))
        .expect("read the v1 spec");
    serde_yaml::from_str(&text).expect("the v1 spec is YAML")
}

/// A documented example copied from Adapty's docs (`tests/fixtures/docs/NAME`).
pub fn doc_fixture(name: &str) -> Value {
    let path = root().join("tests/fixtures/docs").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Looks up a JSON pointer, naming it on failure.
pub fn at<'a>(value: &'a Value, pointer: &str) -> &'a Value {
    value
        .pointer(pointer)
        .unwrap_or_else(|| panic!("nothing at {pointer}"))
}

/// Every key path of a JSON value (`data.access_levels[].offer.offer_id`), array indices folded.
pub fn key_paths(value: &Value) -> BTreeSet<String> {
    fn walk(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    out.insert(path.clone());
                    walk(child, &path, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{prefix}[]"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    walk(value, "", &mut out);
    out
}

/// Asserts that `after` kept every key path of `before`, listing the ones lost.
pub fn assert_no_field_lost(before: &Value, after: &Value, what: &str) {
    let lost: Vec<String> = key_paths(before)
        .difference(&key_paths(after))
        .cloned()
        .collect();
    assert!(
        lost.is_empty(),
        "{what}: fields lost on the way through our types: {lost:?}"
    );
}
