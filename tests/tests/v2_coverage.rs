//! Our v2 spec against Adapty's own v2 OpenAPI file (pinned in `openapi/upstream/`): every
//! operation, parameter, status and field Adapty's file describes for the 19 operations is in
//! ours, with no exception. (`cargo xtask drift` compares flags, enums, limits and examples with
//! the facts recorded from the same file; `openapi/upstream/known-differences.toml` is the one
//! place a difference is excused. This test admits none: Adapty's file is covered whole.)
//!
//! A field is named by where it sits: the operation, then `request` or the response status, then
//! the property path (`data.access_levels[].offer.category`). `$ref`s, `allOf`, `oneOf` and
//! `anyOf` are followed, so the test compares what a body may hold, not how each file spells it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_yaml::Value;

const OPERATIONS: usize = 19;

fn load(relative: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

/// The component a `$ref` points to (`#/components/<kind>/<name>`), or the node itself.
fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    let mut current = node;
    for _ in 0..16 {
        let Some(target) = current.get("$ref").and_then(Value::as_str) else {
            return current;
        };
        let mut at = doc;
        for token in target.trim_start_matches("#/").split('/') {
            at = &at[token];
        }
        current = at;
    }
    current
}

/// Every property path below `schema`, each prefixed with `prefix`.
fn fields(doc: &Value, schema: &Value, prefix: &str, out: &mut BTreeSet<String>, depth: u32) {
    if depth > 12 {
        return;
    }
    let schema = resolve(doc, schema);
    for keyword in ["allOf", "oneOf", "anyOf"] {
        for branch in schema[keyword].as_sequence().into_iter().flatten() {
            fields(doc, branch, prefix, out, depth + 1);
        }
    }
    if let Some(properties) = schema["properties"].as_mapping() {
        for (name, property) in properties {
            let path = format!("{prefix}.{}", name.as_str().unwrap_or_default());
            out.insert(path.clone());
            fields(doc, property, &path, out, depth + 1);
        }
    }
    if let Some(items) = schema.get("items") {
        fields(doc, items, &format!("{prefix}[]"), out, depth + 1);
    }
}

/// Each operation's items: parameters (`header adapty-profile-id`), statuses (`status 404`),
/// media types and fields (`request.data.type`, `200.data.profile_id`).
fn items(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut all = BTreeMap::new();
    for (_, path_item) in doc["paths"].as_mapping().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch"] {
            let operation = &path_item[method];
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let mut out = BTreeSet::new();
            let parameters = path_item["parameters"]
                .as_sequence()
                .into_iter()
                .flatten()
                .chain(operation["parameters"].as_sequence().into_iter().flatten());
            for parameter in parameters {
                let parameter = resolve(doc, parameter);
                out.insert(format!(
                    "{} {}",
                    parameter["in"].as_str().unwrap_or_default(),
                    parameter["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_ascii_lowercase()
                ));
            }
            let request = resolve(doc, &operation["requestBody"]);
            for (media, content) in request["content"].as_mapping().into_iter().flatten() {
                out.insert(format!("request {}", media.as_str().unwrap_or_default()));
                fields(doc, &content["schema"], "request", &mut out, 0);
            }
            for (status, response) in operation["responses"].as_mapping().into_iter().flatten() {
                let status = match status {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                out.insert(format!("status {status}"));
                let response = resolve(doc, response);
                for (media, content) in response["content"].as_mapping().into_iter().flatten() {
                    out.insert(format!("{status} {}", media.as_str().unwrap_or_default()));
                    fields(doc, &content["schema"], &status, &mut out, 0);
                }
            }
            all.insert(id.to_owned(), out);
        }
    }
    all
}

#[test]
fn our_v2_spec_covers_adaptys_file() {
    let upstream = items(&load("openapi/upstream/adapty-api.yaml"));
    let ours = items(&load("openapi/adapty-server-side-api-v2.yaml"));
    assert_eq!(
        upstream.len(),
        OPERATIONS,
        "Adapty's file: {:?}",
        upstream.keys()
    );
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        upstream.keys().collect::<Vec<_>>(),
        "the same operations, by operationId"
    );

    let mut missing = Vec::new();
    let (mut total, mut covered) = (0usize, 0usize);
    for (id, theirs) in &upstream {
        for item in theirs {
            total += 1;
            if ours[id].contains(item) {
                covered += 1;
            } else {
                missing.push(format!("{id}: {item}"));
            }
        }
    }
    println!("v2 coverage: {covered} of {total} items of Adapty's file");
    assert!(
        missing.is_empty(),
        "{} items of Adapty's file are missing from ours:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
