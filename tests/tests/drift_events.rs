//! Drift seen in production (`adapty_api::drift`): an answer with a field or an enum value the
//! spec does not describe gives one `DEBUG` event per (operation, path, kind), with names only;
//! the documented answers give none; at the default levels nothing is logged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::{ApiKey, ProfileSelector, v1, v2};
use common::{Captured, doc_fixture, spec_v2, v2_example};
use wiremock::ResponseTemplate;

const KEY: &str = "secret_live_drift.Pq1Zx8";

impl Captured {
    /// The drift events logged so far.
    fn drift_lines(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(adapty_api::drift::TARGET))
            .map(str::to_owned)
            .collect()
    }
}

fn capture(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    (logs, tracing::subscriber::set_default(subscriber))
}

fn who() -> ProfileSelector {
    ProfileSelector::customer_user_id("drift-user").unwrap()
}

#[tokio::test]
async fn one_event_per_operation_path_and_kind_with_names_only() {
    let (logs, _guard) = capture(tracing::Level::DEBUG);
    let mut body = doc_fixture("profile-response.json");
    body["data"]["renewal_forecast_v1"] = "private-forecast-value".into();
    body["data"]["gender"] = "private-gender-value".into();
    body["data"]["access_levels"][0]["grace_reason_v1"] = "private-reason".into();
    let server = common::serve(ResponseTemplate::new(200).set_body_json(&body)).await;
    let client = v1::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    for _ in 0..3 {
        let profile = client.get_profile(&who()).await.unwrap();
        // Decoding survived both: the enum value is kept, the field ignored.
        assert!(profile.gender.is_some());
    }
    let lines = logs.drift_lines();
    assert_eq!(lines.len(), 3, "{lines:#?}");
    let expected = [
        ("data.renewal_forecast_v1", "unknown_field"),
        ("data.gender", "unknown_enum_value"),
        ("data.access_levels[].grace_reason_v1", "unknown_field"),
    ];
    for (path, kind) in expected {
        assert!(
            lines.iter().any(|l| l.contains(&format!("path={path} "))
                && l.contains(&format!("kind=\"{kind}\""))
                && l.contains("operation=\"get_profile\"")
                && l.contains("endpoint=\"/api/v1/server-side-api/profiles/\"")),
            "{path} {kind}: {lines:#?}"
        );
    }
    for line in &lines {
        assert!(!line.contains("private"), "a value was logged: {line}");
    }
}

#[tokio::test]
async fn the_documented_answers_hold_no_drift() {
    let (logs, _guard) = capture(tracing::Level::DEBUG);
    let server = common::serve(
        ResponseTemplate::new(200).set_body_json(doc_fixture("profile-response.json")),
    )
    .await;
    let client = v1::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    client.get_profile(&who()).await.unwrap();

    let spec = spec_v2();
    let example = v2_example(&spec, "getProfile", "200", None);
    let server = common::serve(ResponseTemplate::new(200).set_body_json(&example)).await;
    let client = v2::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    client.get_profile(&who()).await.unwrap();
    assert_eq!(logs.drift_lines(), Vec::<String>::new());
}

#[tokio::test]
async fn quiet_at_the_default_levels() {
    let (logs, _guard) = capture(tracing::Level::INFO);
    let mut body = doc_fixture("profile-response.json");
    body["data"]["quiet_field_v1"] = 1.into();
    let server = common::serve(ResponseTemplate::new(200).set_body_json(&body)).await;
    let client = v1::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    client.get_profile(&who()).await.unwrap();
    assert!(logs.drift_lines().is_empty());
}

/// Every documented success example of both specs fits its operation's generated shape: the
/// shapes describe what the specs describe, so a documented answer never reads as drift.
#[test]
fn every_documented_success_example_fits_its_shape() {
    use serde_json::Value;
    let mut checked = 0;
    for (spec, operations) in [
        (common::spec_v1(), adapty_api::v1::facts::OPERATIONS),
        (spec_v2(), adapty_api::v2::facts::OPERATIONS),
    ] {
        for paths in spec["paths"].as_object().unwrap().values() {
            for op in paths.as_object().unwrap().values() {
                let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                    continue;
                };
                let snake: String = id
                    .chars()
                    .flat_map(|c| {
                        let lower = c.to_ascii_lowercase();
                        if c.is_ascii_uppercase() {
                            vec!['_', lower]
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
                let operation = operations.iter().find(|o| o.name == snake).unwrap();
                for (status, response) in op["responses"].as_object().unwrap() {
                    if !status.starts_with('2') {
                        continue;
                    }
                    let response = common::resolve(&spec, response);
                    for media in response["content"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(_, m)| m)
                    {
                        let mut examples: Vec<Value> =
                            media.get("example").cloned().into_iter().collect();
                        for named in media["examples"]
                            .as_object()
                            .into_iter()
                            .flatten()
                            .map(|(_, e)| e)
                        {
                            examples.push(common::resolve(&spec, named)["value"].clone());
                        }
                        let shape = operation
                            .response_shape()
                            .unwrap_or_else(|| panic!("{id}: no shape"));
                        for example in examples {
                            let body = serde_json::to_vec(&example).unwrap();
                            let drift = adapty_api::drift::unknown_in(shape, &body).unwrap();
                            assert!(drift.is_empty(), "{id} {status}: {drift:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(
        checked >= 15,
        "only {checked} examples (15 when this test was written)"
    );
    println!("{checked} documented success examples fit their shapes");
}
