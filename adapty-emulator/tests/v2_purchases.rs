//! v2's purchase operations through the real client (`adapty_api::v2::Client`): grants and
//! revokes, recorded transactions, the Stripe and Paddle imports, and that v1 sees the same
//! purchases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::chrono::Duration;
use adapty_api::v2::types::{
    AccessLevel, GrantAccessLevelRequest, OfferInput, OneTimePurchase, Price, Profile,
    ProfileRequest, RevokeAccessLevelRequest, SubscriptionPurchase, TransactionRequest,
};
use adapty_api::v2::{self, CancellationReason, ErrorCode, OfferCategory, OfferType};
use adapty_api::{ApiKey, CustomerUserId, ProfileSelector, Timestamp};
use adapty_emulator::{Emulator, Fault, Operation, RunningEmulator};
use common::{KEY, api_error, emulator};
use serde_json::json;

fn v2_client(emulator: &RunningEmulator) -> v2::Client {
    v2::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(emulator.base_url())
        .build()
        .unwrap()
}

fn user(id: &str) -> ProfileSelector {
    ProfileSelector::customer_user_id(id).unwrap()
}

/// A client and a new profile of the customer user ID `id`.
async fn with_profile(emulator: &RunningEmulator, id: &str) -> (v2::Client, ProfileSelector) {
    let client = v2_client(emulator);
    let who = user(id);
    client
        .create_profile(&who, &ProfileRequest::default())
        .await
        .unwrap();
    (client, who)
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn level<'p>(profile: &'p Profile, id: &str) -> Option<&'p AccessLevel> {
    profile
        .access_levels
        .iter()
        .flatten()
        .find(|level| level.access_level_id == id)
}

/// Whether `time` is within a minute of now (the emulator's clock is the test's).
fn about_now(time: Timestamp) -> bool {
    (time.as_datetime() - Timestamp::now().as_datetime())
        .num_seconds()
        .abs()
        < 60
}

fn one_time(product: &str, id: &str, price: Price) -> OneTimePurchase {
    OneTimePurchase::new("web", product, id, price, at("2024-01-15T10:30:00Z")).unwrap()
}

fn monthly(id: &str, expires_at: Timestamp) -> SubscriptionPurchase {
    SubscriptionPurchase::new(
        "web",
        "premium_monthly",
        id,
        Price::new("US", "USD", 4.99),
        at("2024-01-15T10:30:00Z"),
        expires_at,
    )
    .unwrap()
}

/// `days` from now, to the second (the emulator keeps microseconds, as Adapty writes them).
fn later(days: i64) -> Timestamp {
    let then = Timestamp::now().plus(Duration::days(days)).unwrap();
    at(&then.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

// --------------------------------------------------------------------------------- grant

#[tokio::test]
async fn a_grant_appears_with_its_dates_and_a_second_grant_replaces_them() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "granted").await;
    let mut grant = GrantAccessLevelRequest::new("premium");
    grant.starts_at = Some(at("2024-01-01T00:00:00Z"));
    grant.expires_at = Some(at("2030-12-31T23:59:59Z"));
    let profile = client.grant_access_level(&who, &grant).await.unwrap();
    let premium = level(&profile, "premium").expect("premium granted");
    assert_eq!(premium.store, "adapty");
    assert_eq!(premium.store_product_id, "");
    assert_eq!(premium.starts_at, Some(at("2024-01-01T00:00:00Z")));
    assert_eq!(premium.expires_at, Some(at("2030-12-31T23:59:59Z")));
    assert!(about_now(premium.purchased_at));
    assert!(about_now(premium.originally_purchased_at));
    assert_eq!(premium.offer, None);
    assert_eq!(premium.renewal_cancelled_at, None);
    assert_eq!(premium.billing_issue_detected_at, None);
    assert!(!premium.is_in_grace_period);
    assert_eq!(premium.cancellation_reason, None);
    assert_eq!(
        premium.store_transaction_id,
        premium.store_original_transaction_id
    );
    let first_id = premium.store_transaction_id.clone();

    // A second grant without dates: from now, for life; the same grant (its IDs) with new dates.
    let profile = client
        .grant_access_level(&who, &GrantAccessLevelRequest::new("premium"))
        .await
        .unwrap();
    assert_eq!(profile.access_levels.iter().flatten().count(), 1);
    let premium = level(&profile, "premium").unwrap();
    assert_eq!(premium.store_transaction_id, first_id);
    assert_eq!(premium.expires_at, None);
    assert!(about_now(premium.starts_at.unwrap()));

    // v1 reads the same access level.
    let v1 = common::client(&emulator)
        .get_profile(&who)
        .await
        .unwrap()
        .into_inner();
    let levels: Vec<_> = v1.access_levels.iter().flatten().collect();
    assert_eq!(levels.len(), 1);
    assert_eq!(levels[0].access_level_id, "premium");
    assert_eq!(levels[0].store_transaction_id, first_id);
    assert_eq!(levels[0].expires_at, None);
}

#[tokio::test]
async fn a_grant_of_a_level_the_app_lacks_or_with_reversed_dates_is_refused() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "greedy").await;
    let error = api_error(
        client
            .grant_access_level(&who, &GrantAccessLevelRequest::new("platinum"))
            .await,
    );
    assert_eq!(error.status(), 400);
    assert_eq!(error.code::<ErrorCode>(), Some(ErrorCode::ValidationError));
    assert_eq!(error.field_errors()[0].source(), Some("access_level_id"));

    let mut reversed = GrantAccessLevelRequest::new("premium");
    reversed.starts_at = Some(at("2030-01-01T00:00:00Z"));
    reversed.expires_at = Some(at("2029-01-01T00:00:00Z"));
    let error = api_error(client.grant_access_level(&who, &reversed).await);
    assert_eq!(error.field_errors()[0].source(), Some("expires_at"));
    let profile = client.get_profile(&who).await.unwrap();
    assert_eq!(profile.access_levels.iter().flatten().count(), 0);
}

// -------------------------------------------------------------------------------- revoke

#[tokio::test]
async fn a_revoke_ends_the_access_level_now_or_later_but_never_extends_it() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "revoked").await;
    let mut grant = GrantAccessLevelRequest::new("premium");
    grant.expires_at = Some(later(100));
    client.grant_access_level(&who, &grant).await.unwrap();

    // Scheduled: at `revoke_at`.
    let mut scheduled = RevokeAccessLevelRequest::new("premium");
    scheduled.revoke_at = Some(later(10));
    let profile = client.revoke_access_level(&who, &scheduled).await.unwrap();
    let premium = level(&profile, "premium").unwrap();
    assert_eq!(premium.expires_at, scheduled.revoke_at);
    assert_eq!(
        premium.cancellation_reason,
        Some(CancellationReason::AdaptyRevoked)
    );

    // Later than the level ends: nothing moves.
    let mut too_late = RevokeAccessLevelRequest::new("premium");
    too_late.revoke_at = Some(later(50));
    let profile = client.revoke_access_level(&who, &too_late).await.unwrap();
    assert_eq!(
        level(&profile, "premium").unwrap().expires_at,
        scheduled.revoke_at
    );

    // In the past: taken as now.
    let mut past = RevokeAccessLevelRequest::new("premium");
    past.revoke_at = Some(at("2020-01-01T00:00:00Z"));
    let profile = client.revoke_access_level(&who, &past).await.unwrap();
    assert!(about_now(
        level(&profile, "premium").unwrap().expires_at.unwrap()
    ));

    // v1 sees the revoke too.
    let v1 = common::client(&emulator)
        .get_profile(&who)
        .await
        .unwrap()
        .into_inner();
    let premium = v1.access_levels.iter().flatten().next().unwrap();
    assert_eq!(
        premium.cancellation_reason.as_ref().unwrap().as_str(),
        "adapty_revoked"
    );
}

#[tokio::test]
async fn a_revoke_is_refused_for_levels_unknown_absent_or_expired() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "nothing-to-revoke").await;
    let refused = |error: Box<adapty_api::ApiError>| {
        assert_eq!(error.status(), 400);
        assert_eq!(error.code::<ErrorCode>(), Some(ErrorCode::ValidationError));
        assert_eq!(error.field_errors()[0].source(), Some("access_level_id"));
        error.field_errors()[0].messages()[0].clone()
    };
    let unknown = refused(api_error(
        client
            .revoke_access_level(&who, &RevokeAccessLevelRequest::new("platinum"))
            .await,
    ));
    assert!(unknown.contains("app has no access level"), "{unknown}");
    let absent = refused(api_error(
        client
            .revoke_access_level(&who, &RevokeAccessLevelRequest::new("premium"))
            .await,
    ));
    assert!(absent.contains("profile has no access level"), "{absent}");

    let mut expired = GrantAccessLevelRequest::new("premium");
    expired.starts_at = Some(at("2020-01-01T00:00:00Z"));
    expired.expires_at = Some(at("2021-01-01T00:00:00Z"));
    client.grant_access_level(&who, &expired).await.unwrap();
    let expired = refused(api_error(
        client
            .revoke_access_level(&who, &RevokeAccessLevelRequest::new("premium"))
            .await,
    ));
    assert!(expired.contains("already expired"), "{expired}");
}

// -------------------------------------------------------------------------- transactions

#[tokio::test]
async fn a_one_time_purchase_is_recorded_with_its_access_level_for_life() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "buyer").await;
    let purchase = one_time("lifetime.unlock", "order-1", Price::new("US", "USD", 49.99));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(purchase))
        .await
        .unwrap();
    let bought: Vec<_> = profile.non_subscriptions.iter().flatten().collect();
    assert_eq!(bought.len(), 1);
    assert_eq!(bought[0].store_transaction_id, "order-1");
    assert_eq!(bought[0].store, "web");
    assert!(!bought[0].is_consumable);
    assert!(!bought[0].is_refund);
    assert_eq!(bought[0].purchased_at, at("2024-01-15T10:30:00Z"));
    adapty_api::uuid::Uuid::parse_str(&bought[0].purchase_id).unwrap();
    let lifetime = level(&profile, "lifetime").expect("the product's access level");
    assert_eq!(lifetime.expires_at, None);
    assert_eq!(lifetime.store_product_id, "lifetime.unlock");
    assert!((profile.total_revenue_usd - 49.99).abs() < 1e-9);

    // A consumable: no access level, marked consumable.
    let coins = one_time("coins_500", "order-2", Price::new("US", "USD", 0.99));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(coins))
        .await
        .unwrap();
    let coins = profile
        .non_subscriptions
        .iter()
        .flatten()
        .find(|p| p.store_transaction_id == "order-2")
        .unwrap();
    assert!(coins.is_consumable);
    assert_eq!(profile.access_levels.iter().flatten().count(), 1);

    // A product the catalog does not know: recorded, no access level.
    let unknown = one_time("mystery", "order-3", Price::new("US", "USD", 1.0));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(unknown))
        .await
        .unwrap();
    assert_eq!(profile.non_subscriptions.iter().flatten().count(), 3);
    assert_eq!(profile.access_levels.iter().flatten().count(), 1);
    assert!((profile.total_revenue_usd - 51.98).abs() < 1e-9);

    // v1 reads the same purchases and revenue.
    let v1 = common::client(&emulator)
        .get_profile(&who)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(v1.non_subscriptions.iter().flatten().count(), 3);
    assert_eq!(v1.access_levels.iter().flatten().count(), 1);
    assert!((v1.total_revenue_usd - 51.98).abs() < 1e-9);
}

#[tokio::test]
async fn a_subscription_gives_its_access_level_until_it_expires() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "subscriber").await;
    let expires_at = at("2030-02-15T10:30:00Z");
    let mut subscription = monthly("sub-1", expires_at);
    subscription.price = Price::new("US", "USD", 0.0);
    let mut offer = OfferInput::new(OfferCategory::Introductory, OfferType::FreeTrial);
    offer.id = Some("trial".to_owned());
    subscription.offer = Some(offer);
    subscription.renew_status = false;
    subscription.renew_status_changed_at = Some(at("2024-01-20T00:00:00Z"));
    subscription.billing_issue_detected_at = Some(at("2024-01-21T00:00:00Z"));
    subscription.grace_period_expires_at = Some(later(3));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(subscription))
        .await
        .unwrap();
    let subscriptions: Vec<_> = profile.subscriptions.iter().flatten().collect();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].expires_at, Some(expires_at));
    assert_eq!(
        subscriptions[0].renewal_cancelled_at,
        Some(at("2024-01-20T00:00:00Z"))
    );
    let premium = level(&profile, "premium").unwrap();
    assert_eq!(premium.expires_at, Some(expires_at));
    assert_eq!(premium.store_transaction_id, "sub-1");
    assert_eq!(premium.originally_purchased_at, at("2024-01-15T10:30:00Z"));
    assert_eq!(
        premium.renewal_cancelled_at,
        Some(at("2024-01-20T00:00:00Z"))
    );
    assert_eq!(
        premium.billing_issue_detected_at,
        Some(at("2024-01-21T00:00:00Z"))
    );
    assert!(premium.is_in_grace_period);
    let offer = premium.offer.as_ref().unwrap();
    assert_eq!(offer.category, Some(OfferCategory::Introductory));
    assert_eq!(offer.type_, Some(OfferType::FreeTrial));
    assert_eq!(offer.id.as_deref(), Some("trial"));
    assert_eq!(profile.total_revenue_usd, 0.0);
}

#[tokio::test]
async fn the_same_transaction_id_updates_it_and_counts_its_revenue_once() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "renewer").await;
    let first = monthly("t-1", at("2030-02-15T10:30:00Z"));
    client
        .set_transaction(&who, &TransactionRequest::from(first.clone()))
        .await
        .unwrap();
    // The same transaction again, with a billing issue: an update.
    let mut update = first.clone();
    update.billing_issue_detected_at = Some(at("2024-02-14T00:00:00Z"));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(update))
        .await
        .unwrap();
    let subscriptions: Vec<_> = profile.subscriptions.iter().flatten().collect();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(
        subscriptions[0].billing_issue_detected_at,
        Some(at("2024-02-14T00:00:00Z"))
    );
    assert!((profile.total_revenue_usd - 4.99).abs() < 1e-9);

    // A new transaction of the chain: a renewal replaces the period, and counts.
    let mut renewal = monthly("t-2", at("2030-03-15T10:30:00Z"));
    renewal.store_original_transaction_id = "t-1".to_owned();
    renewal.purchased_at = at("2024-02-15T10:30:00Z");
    renewal.originally_purchased_at = at("2024-01-15T10:30:00Z");
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(renewal.clone()))
        .await
        .unwrap();
    let subscriptions: Vec<_> = profile.subscriptions.iter().flatten().collect();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].store_transaction_id, "t-2");
    assert_eq!(
        subscriptions[0].expires_at,
        Some(at("2030-03-15T10:30:00Z"))
    );
    assert_eq!(
        level(&profile, "premium").unwrap().store_transaction_id,
        "t-2"
    );
    assert!((profile.total_revenue_usd - 9.98).abs() < 1e-9);

    // A refund of the renewal: the access ends then, and its revenue is taken back.
    let mut refund = renewal;
    refund.refunded_at = Some(at("2024-02-20T00:00:00Z"));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(refund))
        .await
        .unwrap();
    let premium = level(&profile, "premium").unwrap();
    assert_eq!(premium.expires_at, Some(at("2024-02-20T00:00:00Z")));
    assert_eq!(
        premium.cancellation_reason,
        Some(CancellationReason::Refund)
    );
    assert!((profile.total_revenue_usd - 4.99).abs() < 1e-9);

    // Another currency than USD is not converted: it adds nothing.
    let euros = one_time("coins_500", "eur-1", Price::new("DE", "EUR", 5.0));
    let profile = client
        .set_transaction(&who, &TransactionRequest::from(euros))
        .await
        .unwrap();
    assert!((profile.total_revenue_usd - 4.99).abs() < 1e-9);

    // The same ID with another original transaction contradicts the record.
    let mut clash = first;
    clash.store_original_transaction_id = "elsewhere".to_owned();
    let error = api_error(
        client
            .set_transaction(&who, &TransactionRequest::from(clash))
            .await,
    );
    assert_eq!(
        error.field_errors()[0].source(),
        Some("store_original_transaction_id")
    );
}

#[tokio::test]
async fn each_refused_transaction_names_its_field() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "careless").await;
    let mut paid_trial = monthly("bad-1", later(30));
    paid_trial.offer = Some(OfferInput::new(
        OfferCategory::Introductory,
        OfferType::FreeTrial,
    ));
    let mut anonymous_promotion = monthly("bad-2", later(30));
    anonymous_promotion.offer = Some(OfferInput::new(
        OfferCategory::Promotional,
        OfferType::PayAsYouGo,
    ));
    let backwards = monthly("bad-3", at("2024-01-15T10:30:00Z"));
    let mut from_the_future = monthly("bad-4", later(30));
    from_the_future.originally_purchased_at = at("2024-06-01T00:00:00Z");
    let mut negative = one_time("coins_500", "bad-5", Price::new("US", "USD", -1.0));
    negative.store = "web".to_owned();
    let cases: [(TransactionRequest, &str); 5] = [
        (paid_trial.into(), "price.value"),
        (anonymous_promotion.into(), "offer.id"),
        (backwards.into(), "expires_at"),
        (from_the_future.into(), "originally_purchased_at"),
        (negative.into(), "price.value"),
    ];
    for (request, field) in cases {
        let error = api_error(client.set_transaction(&who, &request).await);
        assert_eq!(error.status(), 400, "{field}");
        assert_eq!(
            error.code::<ErrorCode>(),
            Some(ErrorCode::ValidationError),
            "{field}"
        );
        assert_eq!(error.field_errors()[0].source(), Some(field));
    }
    let profile = client.get_profile(&who).await.unwrap();
    assert_eq!(profile.subscriptions.iter().flatten().count(), 0);
    assert_eq!(profile.non_subscriptions.iter().flatten().count(), 0);
    assert_eq!(profile.total_revenue_usd, 0.0);
}

#[tokio::test]
async fn a_body_of_neither_kind_is_refused_naming_purchase_type_or_the_field() {
    let emulator = emulator().await;
    with_profile(&emulator, "raw").await;
    let path = adapty_api::v2::facts::SET_TRANSACTION_PATH;
    let headers = [common::AUTH, ("adapty-customer-user-id", "raw")];
    let answer = common::raw_to(
        &emulator,
        "POST",
        path,
        &headers,
        Some(r#"{"purchase_type": "rental"}"#),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.sources(), ["purchase_type"]);
    let mut body = serde_json::to_value(TransactionRequest::from(monthly("x", later(3)))).unwrap();
    body["expires_at"] = json!("next tuesday");
    let answer = common::raw_to(&emulator, "POST", path, &headers, Some(&body.to_string())).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error_code(), "validation_error");
    assert_eq!(answer.sources(), ["expires_at"]);
}

// ------------------------------------------------------------------------ Stripe and Paddle

#[tokio::test]
async fn stripe_tokens_import_by_their_prefix_once() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let customer = CustomerUserId::new("stripe-customer").unwrap();
    let who = user("stripe-customer");
    // No profile yet: the import creates it.
    client
        .validate_stripe_purchase(&customer, "sub_1AbC")
        .await
        .unwrap();
    client
        .validate_stripe_purchase(&customer, "sub_1AbC")
        .await
        .unwrap();
    let profile = client.get_profile(&who).await.unwrap();
    let subscriptions: Vec<_> = profile.subscriptions.iter().flatten().collect();
    assert_eq!(subscriptions.len(), 1, "validating again adds nothing");
    assert_eq!(subscriptions[0].store, "stripe");
    assert_eq!(subscriptions[0].store_transaction_id, "sub_1AbC");
    assert_eq!(subscriptions[0].store_product_id, "premium_monthly");
    let premium = level(&profile, "premium").unwrap();
    let days =
        (premium.expires_at.unwrap().as_datetime() - premium.purchased_at.as_datetime()).num_days();
    assert_eq!(days, 30);

    client
        .validate_stripe_purchase(&customer, "pi_3XyZ")
        .await
        .unwrap();
    let v1 = common::client(&emulator)
        .get_profile(&who)
        .await
        .unwrap()
        .into_inner();
    let bought: Vec<_> = v1.non_subscriptions.iter().flatten().collect();
    assert_eq!(bought.len(), 1);
    assert_eq!(bought[0].store_product_id, "lifetime.unlock");
    assert_eq!(v1.access_levels.iter().flatten().count(), 2);

    let error = api_error(client.validate_stripe_purchase(&customer, "tok_visa").await);
    assert_eq!(error.status(), 400);
    assert_eq!(error.error_code(), None);
    assert_eq!(
        error.field_errors()[0].source(),
        Some("/data/attributes/stripe_token")
    );
    assert_eq!(emulator.profile_count(), 1);
}

#[tokio::test]
async fn stripe_answers_are_json_api_documents() {
    let emulator = emulator().await;
    let url = format!(
        "{}{}",
        emulator.base_url(),
        adapty_api::v2::facts::VALIDATE_STRIPE_PURCHASE_PATH
    );
    let media = adapty_api::v2::facts::VALIDATE_STRIPE_PURCHASE_CONTENT_TYPE;
    let send = |body: serde_json::Value, media: &'static str| {
        reqwest::Client::new()
            .post(&url)
            .header("authorization", common::AUTH.1)
            .header("content-type", media)
            .body(body.to_string())
            .send()
    };
    let document = |token: &str| {
        json!({"data": {"type": "stripe_receipt_validation_result",
                        "attributes": {"customer_user_id": "json-api", "stripe_token": token}}})
    };
    let ok = send(document("sub_9"), media).await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["content-type"], media);
    assert_eq!(
        ok.json::<serde_json::Value>().await.unwrap(),
        json!({"data": null})
    );

    let bad = send(document("nope"), media).await.unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.headers()["content-type"], media);
    let body: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["source"]["pointer"],
        "/data/attributes/stripe_token"
    );
    assert_eq!(body["errors"][0]["status"], "400");

    // A body missing a field, or of the wrong media type, is refused in the same shape.
    let missing = send(
        json!({"data": {"type": "stripe_receipt_validation_result",
                                        "attributes": {"customer_user_id": "json-api"}}}),
        media,
    )
    .await
    .unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(missing.headers()["content-type"], media);
    let body: serde_json::Value = missing.json().await.unwrap();
    assert_eq!(body["errors"][0]["source"]["pointer"], "/data/attributes");
    let plain = send(document("sub_9"), "application/json").await.unwrap();
    assert_eq!(plain.status(), 400);
    let body: serde_json::Value = plain.json().await.unwrap();
    assert!(body["errors"][0]["detail"].is_string());

    // Without a key: 401, in the operation's media type.
    let anonymous = reqwest::Client::new()
        .post(&url)
        .header("content-type", media)
        .body(document("sub_9").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(anonymous.headers()["content-type"], media);
}

#[tokio::test]
async fn paddle_tokens_import_by_their_prefix_with_typed_error_codes() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let customer = CustomerUserId::new("paddle-customer").unwrap();
    let profile = client
        .validate_paddle_purchase(&customer, "sub_01h")
        .await
        .unwrap();
    assert_eq!(profile.customer_user_id.as_deref(), Some("paddle-customer"));
    let subscriptions: Vec<_> = profile.subscriptions.iter().flatten().collect();
    assert_eq!(subscriptions.len(), 1);
    assert_eq!(subscriptions[0].store, "paddle");
    assert!(level(&profile, "premium").is_some());

    let profile = client
        .validate_paddle_purchase(&customer, "txn_01h")
        .await
        .unwrap();
    let bought: Vec<_> = profile.non_subscriptions.iter().flatten().collect();
    assert_eq!(bought.len(), 1);
    assert_eq!(bought[0].store, "paddle");
    assert_eq!(bought[0].store_transaction_id, "txn_01h");
    assert!(level(&profile, "lifetime").is_some());
    let again = client
        .validate_paddle_purchase(&customer, "txn_01h")
        .await
        .unwrap();
    assert_eq!(again.non_subscriptions.iter().flatten().count(), 1);

    let error = api_error(client.validate_paddle_purchase(&customer, "pi_123").await);
    assert_eq!(error.status(), 400);
    assert_eq!(
        error.code::<ErrorCode>(),
        Some(ErrorCode::InvalidPaddleCredentialsOrPurchaseNotFound)
    );
    assert_eq!(error.field_errors()[0].source(), Some("paddle_token"));
}

#[tokio::test]
async fn imports_the_catalog_has_no_product_for_are_refused() {
    let catalog = json!({
        "access_levels": ["premium"],
        "currencies": [],
        "products": [{"product_id": "b136422f-8153-402a-afbb-986929c68f6a", "title": "Monthly",
                      "store_product_id": "premium_monthly", "product_set": "monthly",
                      "access_level_id": "premium"}],
        "paywalls": []
    });
    let emulator = Emulator::new()
        .api_key(KEY)
        .catalog(catalog)
        .start()
        .await
        .unwrap();
    let client = v2_client(&emulator);
    let customer = CustomerUserId::new("no-lifetime").unwrap();
    let error = api_error(client.validate_paddle_purchase(&customer, "txn_1").await);
    assert_eq!(error.code::<ErrorCode>(), Some(ErrorCode::NoProductsFound));
    let error = api_error(client.validate_stripe_purchase(&customer, "pi_1").await);
    assert_eq!(
        error.field_errors()[0].source(),
        Some("/data/attributes/stripe_token")
    );
    assert_eq!(emulator.profile_count(), 0);
    client
        .validate_paddle_purchase(&customer, "sub_1")
        .await
        .unwrap();
}

// ------------------------------------------------------------------ missing profiles, faults

#[tokio::test]
async fn each_operation_answers_a_missing_profile_with_its_documented_code() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let nobody = user("nobody");
    let purchase =
        TransactionRequest::from(one_time("coins_500", "o-1", Price::new("US", "USD", 1.0)));
    let errors = [
        api_error(client.set_transaction(&nobody, &purchase).await),
        api_error(
            client
                .grant_access_level(&nobody, &GrantAccessLevelRequest::new("premium"))
                .await,
        ),
        api_error(
            client
                .revoke_access_level(&nobody, &RevokeAccessLevelRequest::new("premium"))
                .await,
        ),
    ];
    for error in errors {
        // Each documents profile_does_not_exist under 400 and 404; the emulator answers the 400
        // Adapty's purchase snippets show.
        assert_eq!(error.status(), 400);
        assert_eq!(
            error.code::<ErrorCode>(),
            Some(ErrorCode::ProfileDoesNotExist)
        );
    }
    assert_eq!(emulator.profile_count(), 0);
}

#[tokio::test]
async fn a_fault_on_grant_hits_only_grant() {
    let emulator = emulator().await;
    let (client, who) = with_profile(&emulator, "unlucky").await;
    emulator
        .inject(
            Operation::v2("grant_access_level"),
            Fault::ServerError { status: 500 },
            1,
        )
        .unwrap();
    // Another operation is not affected.
    let purchase = one_time("coins_500", "f-1", Price::new("US", "USD", 1.0));
    client
        .set_transaction(&who, &TransactionRequest::from(purchase))
        .await
        .unwrap();
    let error = api_error(
        client
            .grant_access_level(&who, &GrantAccessLevelRequest::new("premium"))
            .await,
    );
    assert_eq!(error.status(), 500);
    let profile = client.get_profile(&who).await.unwrap();
    assert!(
        level(&profile, "premium").is_none(),
        "the fault granted nothing"
    );
    let profile = client
        .grant_access_level(&who, &GrantAccessLevelRequest::new("premium"))
        .await
        .unwrap();
    assert!(level(&profile, "premium").is_some());
    assert_eq!(emulator.pending_faults(), 0);
}
