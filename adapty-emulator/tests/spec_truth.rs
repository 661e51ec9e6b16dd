//! What the spec now says, through the client and the emulator together: a v2-shaped offer, a
//! boolean attribute value, `gender: null`, every datetime form Adapty writes, and revenue read
//! exactly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::v1::types::ProfileRequest;
use adapty_api::v1::{
    CancellationReason, Gender, Nullable, OfferCategory, OfferType, types::CustomAttributeValue,
};
use adapty_api::{ProfileSelector, Timestamp};
use adapty_emulator::Emulator;
use common::*;
use serde_json::json;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[tokio::test]
async fn demo_purchases_decode_with_both_offer_shapes_nulls_and_every_datetime_form() {
    let emulator = Emulator::new()
        .api_key(KEY)
        .demo_purchases(true)
        .start()
        .await
        .unwrap();
    let who = ProfileSelector::customer_user_id("buyer").unwrap();
    let created = client(&emulator)
        .create_profile(&who, &ProfileRequest::default())
        .await
        .unwrap();
    let profile = client(&emulator).get_profile(&who).await.unwrap();
    assert_eq!(profile.access_levels, created.access_levels);

    let levels = profile.access_levels.as_deref().unwrap();
    let premium = &levels[0];
    let v1_offer = premium.offer.as_ref().unwrap();
    assert_eq!(v1_offer.any_category(), Some(&OfferCategory::Introductory));
    assert_eq!(v1_offer.any_type(), Some(&OfferType::FreeTrial));
    assert_eq!(v1_offer.any_id(), None);
    assert_eq!(premium.cancellation_reason, None);
    assert_eq!(premium.store_base_plan_id, None);
    // `…000000+0000`, the documented v1 form.
    assert_eq!(premium.purchased_at, at("2022-10-12T09:42:50Z"));

    let lifetime = &levels[1];
    assert_eq!(lifetime.offer, None);
    assert_eq!(lifetime.starts_at, None);
    assert_eq!(lifetime.expires_at, None);
    assert_eq!(lifetime.store_base_plan_id.as_deref(), Some(""));
    assert_eq!(
        lifetime.cancellation_reason,
        Some(CancellationReason::VoluntarilyCancelled)
    );
    // `+00:00`, `Z`, microseconds with `+00:00`, and `+0530`.
    assert_eq!(lifetime.purchased_at, at("2024-12-24T10:50:23Z"));
    assert_eq!(lifetime.originally_purchased_at, at("2024-12-24T10:50:23Z"));
    assert_eq!(
        lifetime.renewal_cancelled_at,
        Some(at("2025-01-05T13:27:47.461425Z"))
    );
    assert_eq!(
        lifetime.billing_issue_detected_at,
        Some(at("2025-01-06T02:30:00Z"))
    );

    // The v2 shape of an offer, a fraction of a second with `Z`, and a negative offset.
    let subscription = &profile.subscriptions.as_deref().unwrap()[0];
    let v2_offer = subscription.offer.as_ref().unwrap();
    assert_eq!(v2_offer.any_category(), Some(&OfferCategory::Promotional));
    assert_eq!(v2_offer.any_type(), Some(&OfferType::PayAsYouGo));
    assert_eq!(v2_offer.any_id(), Some("spring-sale"));
    assert_eq!(subscription.purchased_at, at("2025-03-01T00:00:00.5Z"));
    assert_eq!(
        subscription.originally_purchased_at,
        at("2025-01-01T05:00:00Z")
    );

    let one_time = &profile.non_subscriptions.as_deref().unwrap()[0];
    assert_eq!(one_time.purchased_at, at("2023-06-01T12:00:00.123456Z"));

    // What the client read, written back by it, reads the same again.
    let again: adapty_api::v1::types::Profile =
        serde_json::from_value(serde_json::to_value(&*profile).unwrap()).unwrap();
    assert_eq!(again, *profile);
}

#[tokio::test]
async fn a_boolean_attribute_is_stored_as_a_number_and_gender_null_clears() {
    let emulator = emulator().await;
    let who = ProfileSelector::customer_user_id("flags").unwrap();
    // The wire form the spec admits: booleans in a custom attribute value.
    let created = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "flags")],
        Some(r#"{"gender": "f", "custom_attributes": [{"key": "beta", "value": true}, {"key": "ads", "value": false}]}"#),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);

    let client = client(&emulator);
    let profile = client.get_profile(&who).await.unwrap();
    let values: Vec<(&str, &CustomAttributeValue)> = profile
        .custom_attributes
        .iter()
        .flatten()
        .map(|a| (a.key.as_str(), &a.value))
        .collect();
    assert_eq!(
        values,
        [
            ("beta", &CustomAttributeValue::Number(1.0)),
            ("ads", &CustomAttributeValue::Number(0.0))
        ]
    );
    assert_eq!(profile.gender, Some(Gender::Female));

    // `gender: null` is valid under the spec and clears the stored gender.
    let cleared = client
        .update_profile(&who, &gender(Nullable::Null))
        .await
        .unwrap();
    assert_eq!(cleared.gender, None);
    let set_again = client
        .update_profile(&who, &gender(Nullable::Value(Gender::Other)))
        .await
        .unwrap();
    assert_eq!(set_again.gender, Some(Gender::Other));
}

fn gender(value: Nullable<Gender>) -> ProfileRequest {
    let mut request = ProfileRequest::default();
    request.gender = Some(value);
    request
}

#[tokio::test]
async fn revenue_reads_as_any_json_reader_reads_it() {
    let emulator = emulator().await;
    let documented = "109.88999999999999";
    let id = emulator
        .seed(json!({
            "customer_user_id": "payer",
            "total_revenue_usd": serde_json::from_str::<serde_json::Value>(documented).unwrap(),
        }))
        .unwrap();
    let profile = client(&emulator)
        .get_profile(&ProfileSelector::profile_id(id))
        .await
        .unwrap();
    // Rust's own correctly rounded parser, as Python's float() or JavaScript's Number() read it.
    let exact: f64 = documented.parse().unwrap();
    assert_eq!(profile.total_revenue_usd.to_bits(), exact.to_bits());
}
