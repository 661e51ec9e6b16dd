//! Tolerant decoding of v2 answers: a corpus of bodies Adapty may send (`tests/fixtures/v2/`:
//! every datetime form, `null` arrays, integers for floats, empty IDs, enum values and fields the
//! spec does not list, identifiers left out, the extremes of an `int32`) goes through the client
//! over HTTP, decodes, and writes back what it knew.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::v2::{
    self, OfferCategory, PaywallState, ProductSet, VirtualCurrencyTransactionType,
};
use adapty_api::{ApiKey, ProfileSelector, Timestamp};
use serde_json::Value;
use wiremock::ResponseTemplate;

use common::{assert_no_field_lost, root, serve, without_nulls};

fn corpus(name: &str) -> Value {
    let path = root().join("tests/fixtures/v2").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A v2 client of a server that answers `body` to every request.
async fn client_serving(body: &Value) -> (v2::Client, wiremock::MockServer) {
    let server = serve(ResponseTemplate::new(200).set_body_json(body)).await;
    let client = v2::Client::builder(ApiKey::new("secret_test_key").unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    (client, server)
}

fn utc(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[tokio::test]
async fn a_profile_in_every_documented_form_decodes_and_loses_nothing() {
    let body = corpus("profile-forms.json");
    let (client, _server) = client_serving(&body).await;
    let who = ProfileSelector::customer_user_id("user-1").unwrap();
    let profile = client.get_profile(&who).await.unwrap().into_inner();

    assert_eq!(profile.customer_user_id, None);
    assert_eq!(profile.total_revenue_usd, 0.0);
    assert_eq!(profile.subscriptions, None);
    let level = &profile.access_levels.as_ref().unwrap()[0];
    // `+0000`, `Z` and `+00:00` offsets, with and without fractions.
    assert_eq!(level.purchased_at, utc("2024-12-24T10:50:23Z"));
    assert_eq!(level.originally_purchased_at, utc("2024-11-24T10:50:23Z"));
    assert_eq!(level.expires_at, Some(utc("2025-01-24T10:50:23.461425Z")));
    assert_eq!(level.store_base_plan_id.as_deref(), Some(""));
    let offer = level.offer.as_ref().unwrap();
    assert_eq!(offer.any_category(), Some(&OfferCategory::Introductory));

    // An offer's `id: null` is written as no `id` (the offer's keys are all optional: it comes in
    // two shapes), which means the same; every other field is kept.
    let written = serde_json::to_value(&profile).unwrap();
    assert_no_field_lost(
        &without_nulls(&body["data"]),
        &written,
        "profile-forms.json",
    );
    assert!(written["customer_user_id"].is_null() && written["subscriptions"].is_null());
}

#[tokio::test]
async fn unknown_paywall_values_are_kept_and_unknown_fields_ignored() {
    let body = corpus("paywall-unknown-values.json");
    let (client, _server) = client_serving(&body).await;
    let paywall = client
        .get_paywall(body["paywall_id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        paywall.state,
        PaywallState::Unrecognized("scheduled".into())
    );
    assert!(!paywall.state.is_known());
    assert_eq!(
        paywall.products[0].product_set,
        ProductSet::Unrecognized("biweekly".into())
    );
    assert_eq!(paywall.updated_at, utc("2025-07-30T11:13:58.798Z"));
    // The remote config is a JSON document in a string; it reads back as one.
    let config: Value = paywall.remote_configs[0].data_as().unwrap();
    assert_eq!(config["title"], "Premium");
    // Unknown values are written back as they came.
    let written = serde_json::to_value(&paywall).unwrap();
    assert_eq!(written["state"], "scheduled");
    assert_eq!(written["products"][0]["product_set"], "biweekly");
}

#[tokio::test]
async fn unknown_transaction_types_and_int32_extremes_decode() {
    let body = corpus("vc-history-unknown-values.json");
    let (client, _server) = client_serving(&body).await;
    let who = ProfileSelector::customer_user_id("user-1").unwrap();
    let page = client
        .list_virtual_currency_transactions(&who, &v2::TransactionsQuery::new(), None)
        .await
        .unwrap()
        .into_inner();
    let transaction = &page.data[0];
    assert_eq!(
        transaction.transaction_type,
        VirtualCurrencyTransactionType::Unrecognized("gift_from_friend".into())
    );
    assert_eq!(transaction.items[0].amount, i32::MIN);
    assert_eq!(transaction.items[0].balance_after, i32::MAX);
    assert_eq!(transaction.metadata, None);
    assert_eq!(
        transaction.created_at,
        utc("2026-05-23T10:30:00.123456789Z")
    );
    assert_eq!(page.pagination.next_cursor, None);
}

#[tokio::test]
async fn identifiers_left_out_read_as_none() {
    let body = corpus("integration-identifiers-partial.json");
    let (client, _server) = client_serving(&body).await;
    let who = ProfileSelector::customer_user_id("user-1").unwrap();
    let identifiers = client
        .get_integration_identifiers(&who)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        identifiers.appsflyer_id.as_deref(),
        Some("1741933337626-3179568")
    );
    assert_eq!(identifiers.mixpanel_user_id, None);
    assert_eq!(identifiers.branch_id, None);
}
