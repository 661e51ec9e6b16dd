//! The v2 documented examples: every one goes through the crate's types without losing a field,
//! and all of them are snapshotted as the types write them back. (That they are Adapty's is
//! `cargo xtask drift`'s check, against the facts recorded from Adapty's file.)

mod common;

use std::collections::BTreeMap;

use adapty_api::v2::types;
use common::{assert_no_field_lost, resolve, root, without_nulls};
use serde_json::Value;

/// One example: where it is (`createProfile request`, `getProfile 404`) plus its name in an
/// `examples` map, the schema it is an instance of, and its value.
struct Example {
    place: String,
    schema: String,
    value: Value,
}

fn load(relative: &str) -> Value {
    let text = std::fs::read_to_string(root().join(relative)).expect(relative);
    serde_yaml::from_str(&text).expect(relative)
}

/// Every example of every request body and response of `doc`.
fn examples(doc: &Value) -> Vec<Example> {
    let mut out = Vec::new();
    let mut media = |doc: &Value, place: String, content: &Value| {
        for (_, mt) in content.as_object().into_iter().flatten() {
            let schema = mt["schema"]["$ref"]
                .as_str()
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
                .unwrap_or("(inline)")
                .to_owned();
            if let Some(value) = mt.get("example") {
                out.push(Example {
                    place: place.clone(),
                    schema: schema.clone(),
                    value: value.clone(),
                });
            }
            for (name, example) in mt["examples"].as_object().into_iter().flatten() {
                out.push(Example {
                    place: format!("{place} {name}"),
                    schema: schema.clone(),
                    value: resolve(doc, example)["value"].clone(),
                });
            }
        }
    };
    for (_, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in ["get", "put", "post", "delete", "patch"] {
            let operation = &item[method];
            let Some(id) = operation["operationId"].as_str() else {
                continue;
            };
            let body = resolve(doc, &operation["requestBody"]);
            media(doc, format!("{id} request"), &body["content"]);
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let response = resolve(doc, response);
                media(doc, format!("{id} {status}"), &response["content"]);
            }
        }
    }
    out
}

/// The example decoded as its schema's Rust type and encoded again.
fn round_trip(example: &Example) -> Value {
    fn through<T: serde::de::DeserializeOwned + serde::Serialize>(example: &Example) -> Value {
        let decoded: T = serde_json::from_value(example.value.clone()).unwrap_or_else(|e| {
            panic!(
                "{} ({}) does not decode: {e}",
                example.place, example.schema
            )
        });
        serde_json::to_value(&decoded).expect("encodes")
    }
    match example.schema.as_str() {
        "ProfileRequest" => through::<types::ProfileRequest>(example),
        "ProfileResponse" => through::<types::ProfileResponse>(example),
        "ErrorResponse" => through::<types::ErrorResponse>(example),
        "TransactionRequest" => through::<types::TransactionRequest>(example),
        "GrantAccessLevelRequest" => through::<types::GrantAccessLevelRequest>(example),
        "RevokeAccessLevelRequest" => through::<types::RevokeAccessLevelRequest>(example),
        "RefundSaverSettingsRequest" => through::<types::RefundSaverSettingsRequest>(example),
        "RefundSaverSettingsResponse" => through::<types::RefundSaverSettingsResponse>(example),
        "StripeValidationRequest" => through::<types::StripeValidationRequest>(example),
        "StripeValidationResponse" => through::<types::StripeValidationResponse>(example),
        "StripeErrorResponse" => through::<types::StripeErrorResponse>(example),
        "PaddleValidationRequest" => through::<types::PaddleValidationRequest>(example),
        "IntegrationIdentifiers" => through::<types::IntegrationIdentifiers>(example),
        "IntegrationIdentifiersRequest" => through::<types::IntegrationIdentifiersRequest>(example),
        "PaywallListResponse" => through::<types::PaywallListResponse>(example),
        "Paywall" => through::<types::Paywall>(example),
        "PaywallUpdateRequest" => through::<types::PaywallUpdateRequest>(example),
        "VirtualCurrencyTransactionRequest" => {
            through::<types::VirtualCurrencyTransactionRequest>(example)
        }
        "VirtualCurrencyTransactionResponse" => {
            through::<types::VirtualCurrencyTransactionResponse>(example)
        }
        "VirtualCurrencyTransactionList" => {
            through::<types::VirtualCurrencyTransactionList>(example)
        }
        "VirtualCurrencyBalanceList" => through::<types::VirtualCurrencyBalanceList>(example),
        other => panic!(
            "{}: no Rust type is mapped for the schema {other}; add it to round_trip",
            example.place
        ),
    }
}

/// Request schemas whose nullable fields mean the same left out as `null` (the spec says "`null`
/// or left out"): the types leave them out. Every other request keeps a `null` (`Nullable`: it
/// clears a field), and every response keeps every field.
const NULL_IS_LEFT_OUT: &[&str] = &[
    "TransactionRequest",
    "GrantAccessLevelRequest",
    "RevokeAccessLevelRequest",
    "VirtualCurrencyTransactionRequest",
];

#[test]
fn every_example_goes_through_our_types_and_is_snapshotted() {
    let all = examples(&load("openapi/adapty-server-side-api-v2.yaml"));
    assert!(all.len() > 40, "{} examples", all.len());
    let mut written = BTreeMap::new();
    for example in &all {
        let after = round_trip(example);
        let before = if NULL_IS_LEFT_OUT.contains(&example.schema.as_str()) {
            without_nulls(&example.value)
        } else {
            example.value.clone()
        };
        assert_no_field_lost(&before, &after, &example.place);
        written.insert(example.place.clone(), after);
    }
    insta::assert_json_snapshot!("v2_documented_examples", written);
}

#[test]
fn typed_values_of_the_examples() {
    let spec = load("openapi/adapty-server-side-api-v2.yaml");
    let find = |place: &str| {
        examples(&spec)
            .into_iter()
            .find(|e| e.place == place)
            .unwrap_or_else(|| panic!("no example {place}"))
            .value
    };
    // The one-of request: each documented shape decodes as its own variant.
    let subscription: types::TransactionRequest =
        serde_json::from_value(find("setTransaction request subscription")).expect("decodes");
    assert!(matches!(
        subscription,
        types::TransactionRequest::SubscriptionPurchase(_)
    ));
    let one_time: types::TransactionRequest =
        serde_json::from_value(find("setTransaction request one_time_purchase")).expect("decodes");
    assert!(matches!(
        one_time,
        types::TransactionRequest::OneTimePurchase(_)
    ));
    // Error codes are typed; string error items are kept.
    let error: types::ErrorResponse =
        serde_json::from_value(find("createVirtualCurrencyTransaction 409")).expect("decodes");
    assert_eq!(
        error.error_code,
        adapty_api::v2::ErrorCode::IdempotencyInFlight
    );
    // Balances and the cursor.
    let history: types::VirtualCurrencyTransactionList =
        serde_json::from_value(find("listVirtualCurrencyTransactions 200")).expect("decodes");
    assert_eq!(history.data.len(), 3);
    assert!(history.pagination.next_cursor.is_some());
    assert_eq!(
        history.data[0].transaction_type,
        adapty_api::v2::VirtualCurrencyTransactionType::ApiTransaction
    );
}
