//! Tolerant decoding: a corpus of response bodies Adapty may send (unknown enum values, unknown
//! fields, `null` arrays, every datetime form, integers for floats, empty IDs) goes through the
//! client over HTTP, decodes, and serializes back without losing what it knew.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::v1::types::CustomAttributeValue;
use adapty_api::v1::{self, CancellationReason, Environment, OfferCategory, OfferType};
use adapty_api::{ApiKey, ProfileSelector, Timestamp};
use serde_json::Value;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use common::{assert_no_field_lost, at, root, without_nulls};

const CORPUS: &[&str] = &[
    "datetime-forms",
    "empty-ids",
    "integer-floats",
    "null-arrays",
    "unknown-enum-values",
    "unknown-fields",
];

fn corpus(name: &str) -> Value {
    let path = root()
        .join("tests/fixtures/corpus")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves `body` and reads it through `Client::get_profile`, the way a caller would.
async fn fetch(body: &Value) -> Result<v1::types::Profile, adapty_api::Error> {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = v1::Client::builder(ApiKey::new("secret_test_key").unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    let who = ProfileSelector::customer_user_id("user-1").unwrap();
    client.get_profile(&who).await.map(|r| r.into_inner())
}

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[tokio::test]
async fn every_corpus_body_decodes_through_the_client() {
    for name in CORPUS {
        let body = corpus(name);
        let profile = fetch(&body)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        // Back to JSON: everything the spec knows is still there (unknown fields excepted; an
        // optional field that was `null` is left out, which means the same).
        let again = serde_json::json!({ "data": profile });
        if *name != "unknown-fields" {
            assert_no_field_lost(&without_nulls(&body), &again, name);
        }
    }
}

#[tokio::test]
async fn unknown_enum_values_are_kept_and_written_back_unchanged() {
    let body = corpus("unknown-enum-values");
    let profile = fetch(&body).await.unwrap();

    let level = &profile.access_levels.as_ref().unwrap()[0];
    assert_eq!(
        level.environment,
        Some(Environment::Unrecognized("Staging".into()))
    );
    assert_eq!(
        level.cancellation_reason,
        Some(CancellationReason::Unrecognized(
            "chargeback_dispute".into()
        ))
    );
    let offer = level.offer.as_ref().unwrap();
    assert_eq!(
        offer.any_category(),
        Some(&OfferCategory::Unrecognized("loyalty".into()))
    );
    assert_eq!(
        offer.any_type(),
        Some(&OfferType::Unrecognized("pay_later".into()))
    );
    assert_eq!(
        profile.non_subscriptions.as_ref().unwrap()[0].store,
        "galaxy_store"
    );

    let again = serde_json::json!({ "data": profile });
    for pointer in [
        "/data/access_levels/0/environment",
        "/data/access_levels/0/cancellation_reason",
        "/data/access_levels/0/offer/offer_category",
        "/data/access_levels/0/offer/offer_type",
        "/data/subscriptions/0/environment",
        "/data/subscriptions/0/cancellation_reason",
        "/data/subscriptions/0/offer/offer_category",
        "/data/non_subscriptions/0/environment",
        "/data/non_subscriptions/0/store",
        "/data/gender",
    ] {
        assert_eq!(at(&again, pointer), at(&body, pointer), "{pointer}");
    }
}

#[tokio::test]
async fn unknown_fields_are_ignored() {
    let body = corpus("unknown-fields");
    let profile = fetch(&body).await.unwrap();
    let documented = fetch(&common::doc_fixture("profile-response.json"))
        .await
        .unwrap();
    assert_eq!(profile, documented);
}

#[tokio::test]
async fn null_arrays_and_ids_decode_as_none() {
    let profile = fetch(&corpus("null-arrays")).await.unwrap();
    assert_eq!(profile.custom_attributes, None);
    assert_eq!(profile.access_levels, None);
    assert_eq!(profile.subscriptions, None);
    assert_eq!(profile.non_subscriptions, None);
    assert_eq!(profile.customer_user_id, None);
}

#[tokio::test]
async fn every_datetime_form_adapty_uses_decodes_to_the_same_instant() {
    let profile = fetch(&corpus("datetime-forms")).await.unwrap();
    let level = &profile.access_levels.as_ref().unwrap()[0];
    let instant = utc("2022-10-12T09:42:50Z");
    assert_eq!(level.starts_at, Some(instant), "+0000 with microseconds");
    assert_eq!(level.purchased_at, instant, "+0000 without fraction");
    assert_eq!(
        level.originally_purchased_at,
        utc("2022-10-12T09:42:50.123456Z"),
        "+00:00 with microseconds"
    );
    assert_eq!(level.expires_at, Some(instant), "+00:00");
    assert_eq!(level.renewal_cancelled_at, Some(instant), "Z");
    assert_eq!(
        level.billing_issue_detected_at,
        Some(utc("2022-10-12T09:42:50.5Z")),
        "Z with a fraction"
    );
    let subscription = &profile.subscriptions.as_ref().unwrap()[0];
    assert_eq!(subscription.purchased_at, instant, "+0300");
    assert_eq!(subscription.originally_purchased_at, instant, "-05:30");
    assert_eq!(subscription.expires_at, None, "null: lifetime");
}

#[tokio::test]
async fn integers_are_accepted_where_floats_are_expected() {
    let profile = fetch(&corpus("integer-floats")).await.unwrap();
    assert_eq!(profile.total_revenue_usd, 12.0);
    let values: Vec<&CustomAttributeValue> = profile
        .custom_attributes
        .iter()
        .flatten()
        .map(|a| &a.value)
        .collect();
    assert_eq!(
        values,
        [
            &CustomAttributeValue::Number(3.0),
            &CustomAttributeValue::Number(2.5),
            &CustomAttributeValue::String("x".into()),
        ]
    );
}

#[tokio::test]
async fn empty_ids_are_accepted() {
    let profile = fetch(&corpus("empty-ids")).await.unwrap();
    assert_eq!(profile.app_id, "");
    assert_eq!(profile.customer_user_id.as_deref(), Some(""));
    let level = &profile.access_levels.as_ref().unwrap()[0];
    assert_eq!(level.store_base_plan_id.as_deref(), Some(""));
    assert_eq!(level.offer.as_ref().unwrap().offer_id.as_deref(), Some(""));
    assert_eq!(
        profile.non_subscriptions.as_ref().unwrap()[0].purchase_id,
        ""
    );
}
