//! The properties of `adapty_tests::properties` on stable, with proptest: what the fuzz targets
//! (`fuzz/`) check under libFuzzer for as long as one lets them run, checked here on every run
//! for a few hundred generated inputs each.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_tests::properties;
use proptest::prelude::*;
use serde_json::Value;

/// Text near the validators' edges: printable ASCII, spaces, controls, non-ASCII, the scheme.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop_oneof![
        "[ -~]{0,12}",
        Just(" ".to_owned()),
        Just("Api-Key ".to_owned()),
        Just("é".to_owned()),
        Just("\t".to_owned()),
        Just("\u{7f}".to_owned()),
        Just("https://api.adapty.io".to_owned()),
        Just("http://127.0.0.1:8080".to_owned()),
        Just("http://10.0.0.1".to_owned()),
        Just("http://localhost".to_owned()),
        Just("http://user:pw@127.0.0.1".to_owned()),
        Just("x".repeat(30)),
    ];
    proptest::collection::vec(pieces, 0..4).prop_map(|p| p.concat())
}

/// A JSON value to put somewhere it does not belong.
fn json_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,20}".prop_map(Value::from),
        Just(Value::from("2022-10-12T09:42:50.000000+0000")),
        Just(Value::from("2022-02-30T09:42:50Z")),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
    ]
}

/// The documented profile with one value replaced, at any depth.
fn mutated_profile() -> impl Strategy<Value = Vec<u8>> {
    let documented = common::doc_fixture("profile-response.json");
    let mut pointers = Vec::new();
    collect_pointers(&documented, String::new(), &mut pointers);
    (proptest::sample::select(pointers), json_value()).prop_map(move |(pointer, value)| {
        let mut body = documented.clone();
        if let Some(slot) = body.pointer_mut(&pointer) {
            *slot = value;
        }
        serde_json::to_vec(&body).unwrap()
    })
}

fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                collect_pointers(inner, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                collect_pointers(inner, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

proptest! {
    // No regression files: a run never writes into the tree (CI checks it stays unchanged).
    #![proptest_config(ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn validators_follow_their_rules(text in text()) {
        properties::validators(&text);
    }

    #[test]
    fn decode_and_path_tracking_decode_agree(body in mutated_profile()) {
        properties::decode(&body);
    }

    #[test]
    fn arbitrary_bytes_decode_or_fail_alike(body in proptest::collection::vec(any::<u8>(), 0..64)) {
        properties::decode(&body);
    }

    #[test]
    fn the_emulator_answers_every_request_body_briefly(body in mutated_request()) {
        properties::emulator_request(&body);
    }
}

/// The documented create request with one value replaced, and the same with many bad items.
fn mutated_request() -> impl Strategy<Value = Vec<u8>> {
    let documented = common::doc_fixture("create-profile-request.json");
    let mut pointers = Vec::new();
    collect_pointers(&documented, String::new(), &mut pointers);
    (proptest::sample::select(pointers), json_value(), 0usize..80).prop_map(
        move |(pointer, value, extra)| {
            let mut body = documented.clone();
            if let Some(slot) = body.pointer_mut(&pointer) {
                *slot = value;
            }
            if let Some(list) = body
                .get_mut("custom_attributes")
                .and_then(Value::as_array_mut)
            {
                list.extend(
                    (0..extra)
                        .map(|i| serde_json::json!({"key": format!("bad key {i}"), "value": [i]})),
                );
            }
            serde_json::to_vec(&body).unwrap()
        },
    )
}
