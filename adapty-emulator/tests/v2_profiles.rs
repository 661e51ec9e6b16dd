//! The v2 profile, Refund Saver, integration identifier and paywall operations, through the real
//! `adapty_api::v2::Client`, and the v1 and v2 views of the same store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::v2::types::{
    IntegrationIdentifiersRequest, PaywallUpdateRequest, ProfileRequest,
    RefundSaverSettingsRequest, RemoteConfig,
};
use adapty_api::v2::{ErrorCode, Nullable, RefundPreference, Store, custom_attribute};
use adapty_api::{ApiKey, Error, ProfileSelector, RetryPolicy, v1, v2};
use adapty_emulator::{Emulator, Fault, Operation, RunningEmulator, StartError};
use common::*;
use serde_json::{Value, json};
use uuid::Uuid;

/// The v2 client for the emulator; no retries, so each call is one request.
fn v2_client(emulator: &RunningEmulator) -> v2::Client {
    v2::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(emulator.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn user(id: &str) -> ProfileSelector {
    ProfileSelector::customer_user_id(id).unwrap()
}

/// A v2 profile request with custom attributes (`None` deletes one).
fn v2_attributes(custom: &[(&str, Option<&str>)]) -> ProfileRequest {
    let mut request = ProfileRequest::default();
    request.custom_attributes = custom
        .iter()
        .map(|(key, value)| match value {
            Some(text) => custom_attribute(key, *text).unwrap(),
            None => custom_attribute(key, v2::AttributeValue::delete()).unwrap(),
        })
        .collect();
    request
}

/// A v2 profile's custom attributes as `(key, JSON value)` pairs, sorted.
fn v2_custom(profile: &v2::types::Profile) -> Vec<(String, Value)> {
    let mut pairs: Vec<(String, Value)> = profile
        .custom_attributes
        .iter()
        .flatten()
        .map(|a| (a.key.clone(), serde_json::to_value(&a.value).unwrap()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

/// A v1 profile's custom attributes as `(key, JSON value)` pairs, sorted.
fn v1_custom(profile: &v1::types::Profile) -> Vec<(String, Value)> {
    let mut pairs: Vec<(String, Value)> = profile
        .custom_attributes
        .iter()
        .flatten()
        .map(|a| (a.key.clone(), serde_json::to_value(&a.value).unwrap()))
        .collect();
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
}

/// The typed v2 error code of a failed call.
fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, ErrorCode) {
    let error = api_error(result);
    (
        error.status().as_u16(),
        error.code::<ErrorCode>().expect("an error_code"),
    )
}

const V2_PROFILE: &str = "/api/v2/server-side-api/profile/";
const V2_PAYWALLS: &str = "/api/v2/server-side-api/paywalls/";

// ---------------------------------------------------------------------------------- profiles

#[tokio::test]
async fn create_get_update_delete_in_v2_shapes() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = user("v2-crud");

    let mut request = v2_attributes(&[("sport", Some("yoga")), ("plan", Some("pro"))]);
    request.store = Some(Nullable::Value(Store::PlayStore));
    let created = client.create_profile(&who, &request).await.unwrap();
    assert_eq!(created.status().as_u16(), 200);
    assert_eq!(created.customer_user_id.as_deref(), Some("v2-crud"));
    assert_eq!(created.app_id, emulator.app_id().to_string());
    assert!(created.timestamp > 0);
    assert_eq!(
        v2_custom(&created),
        vec![
            ("plan".to_owned(), json!("pro")),
            ("sport".to_owned(), json!("yoga"))
        ]
    );

    // By customer user ID and by profile ID: the same profile.
    let by_user = client.get_profile(&who).await.unwrap();
    let by_id = client
        .get_profile(&ProfileSelector::profile_id(created.profile_id))
        .await
        .unwrap();
    assert_eq!(by_user.profile_id, created.profile_id);
    assert_eq!(by_id.profile_id, created.profile_id);
    assert_eq!(v2_custom(&by_id), v2_custom(&created));

    // Update: one attribute deleted, one changed, one added; the others stay.
    let updated = client
        .update_profile(
            &who,
            &v2_attributes(&[
                ("sport", None),
                ("plan", Some("team")),
                ("level", Some("3")),
            ]),
        )
        .await
        .unwrap();
    assert_eq!(
        v2_custom(&updated),
        vec![
            ("level".to_owned(), json!("3")),
            ("plan".to_owned(), json!("team"))
        ]
    );
    assert_eq!(
        v2_custom(&client.get_profile(&who).await.unwrap()),
        v2_custom(&updated)
    );

    // The answer is exactly v2's `Profile`: no v1-only field leaks into it.
    let raw = raw_to(
        &emulator,
        "GET",
        V2_PROFILE,
        &[AUTH, ("adapty-customer-user-id", "v2-crud")],
        None,
    )
    .await;
    assert_eq!(raw.status, 200);
    let mut keys: Vec<&str> = raw.json["data"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = adapty_api::v2::facts::PROFILE_PROPERTIES.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    raw.request_id();

    let deleted = client.delete_profile(&who).await.unwrap();
    assert_eq!(deleted.status().as_u16(), 204);
    assert_eq!(
        code(client.get_profile(&who).await),
        (404, ErrorCode::ProfileDoesNotExist)
    );
    assert_eq!(emulator.profile_count(), 0);
}

#[tokio::test]
async fn unknown_profiles_are_typed_404s() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let nobody = user("nobody");
    let expected = (404, ErrorCode::ProfileDoesNotExist);
    assert_eq!(code(client.get_profile(&nobody).await), expected);
    assert_eq!(
        code(client.update_profile(&nobody, &v2_attributes(&[])).await),
        expected
    );
    assert_eq!(code(client.delete_profile(&nobody).await), expected);
    assert_eq!(
        code(
            client
                .get_profile(&ProfileSelector::profile_id(Uuid::new_v4()))
                .await
        ),
        expected
    );
}

#[tokio::test]
async fn null_clears_a_field_sent_through_v2() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let v1 = common::client(&emulator);
    let who = user("v2-nulls");

    let mut request = v2_attributes(&[]);
    request.email = Some(Nullable::Value("jane@example.com".to_owned()));
    request.first_name = Some(Nullable::Value("Jane".to_owned()));
    request.birthday = Some(Nullable::Value("2000-12-31".parse().unwrap()));
    request.analytics_disabled = Some(Nullable::Value(true));
    client.create_profile(&who, &request).await.unwrap();
    let before = v1.get_profile(&who).await.unwrap();
    assert_eq!(before.email.as_deref(), Some("jane@example.com"));
    assert!(before.birthday.is_some());

    // `null` clears; a field left out keeps its value.
    let mut clear = v2_attributes(&[]);
    clear.email = Some(Nullable::Null);
    clear.birthday = Some(Nullable::Null);
    client.update_profile(&who, &clear).await.unwrap();
    let after = v1.get_profile(&who).await.unwrap();
    assert_eq!(after.email, None, "email cleared by null");
    assert_eq!(after.birthday, None, "birthday cleared by null");
    assert_eq!(after.first_name.as_deref(), Some("Jane"), "first name kept");
}

#[tokio::test]
async fn an_unknown_platform_header_is_refused() {
    let emulator = emulator().await;
    let bad = raw_to(
        &emulator,
        "POST",
        V2_PROFILE,
        &[
            AUTH,
            ("adapty-customer-user-id", "platform"),
            ("adapty-platform", "Symbian"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert_eq!(bad.sources(), ["adapty-platform"]);
    assert_eq!(emulator.profile_count(), 0);
    let good = raw_to(
        &emulator,
        "POST",
        V2_PROFILE,
        &[
            AUTH,
            ("adapty-customer-user-id", "platform"),
            ("adapty-platform", "iOS"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(good.status, 200, "{}", good.text);
}

// ---------------------------------------------------------------- one store, two versions

#[tokio::test]
async fn a_profile_created_through_v1_reads_the_same_through_v2() {
    let emulator = emulator().await;
    let v1 = common::client(&emulator);
    let v2 = v2_client(&emulator);
    let who = user("made-in-v1");

    let created = v1
        .create_profile(
            &who,
            &attributes(
                Some("jane@example.com"),
                Some("Jane"),
                &[("sport", Some("yoga")), ("level", Some("3"))],
            ),
        )
        .await
        .unwrap();
    let seen = v2.get_profile(&who).await.unwrap();
    assert_eq!(seen.profile_id, created.profile_id);
    assert_eq!(seen.customer_user_id.as_deref(), Some("made-in-v1"));
    assert_eq!(seen.app_id, created.app_id.to_string());
    assert_eq!(v2_custom(&seen), v1_custom(&created));
    let by_id = v2
        .get_profile(&ProfileSelector::profile_id(created.profile_id))
        .await
        .unwrap();
    assert_eq!(by_id.customer_user_id.as_deref(), Some("made-in-v1"));

    // A v2 update shows in v1; a v1 delete shows in v2.
    v2.update_profile(&who, &v2_attributes(&[("sport", Some("chess"))]))
        .await
        .unwrap();
    let after = v1.get_profile(&who).await.unwrap();
    assert!(v1_custom(&after).contains(&("sport".to_owned(), json!("chess"))));
    assert_eq!(after.email.as_deref(), Some("jane@example.com"));
    v1.delete_profile(&who).await.unwrap();
    assert_eq!(
        code(v2.get_profile(&who).await),
        (404, ErrorCode::ProfileDoesNotExist)
    );
}

#[tokio::test]
async fn a_profile_created_through_v2_reads_the_same_through_v1() {
    let emulator = emulator().await;
    let v1 = common::client(&emulator);
    let v2 = v2_client(&emulator);
    let who = user("made-in-v2");

    let mut request = v2_attributes(&[("sport", Some("yoga"))]);
    request.first_name = Some(Nullable::Value("Ann".to_owned()));
    let created = v2.create_profile(&who, &request).await.unwrap();
    let seen = v1.get_profile(&who).await.unwrap();
    assert_eq!(seen.profile_id, created.profile_id);
    assert_eq!(seen.customer_user_id.as_deref(), Some("made-in-v2"));
    assert_eq!(seen.first_name.as_deref(), Some("Ann"));
    assert_eq!(v1_custom(&seen), v2_custom(&created));

    // A v1 update shows in v2; a v2 delete shows in v1.
    v1.update_profile(&who, &attributes(None, None, &[("sport", None)]))
        .await
        .unwrap();
    assert!(
        v2_custom(&v2.get_profile(&who).await.unwrap()).is_empty(),
        "the attribute deleted through v1 is gone in v2"
    );
    v2.delete_profile(&ProfileSelector::profile_id(created.profile_id))
        .await
        .unwrap();
    assert!(api_error(v1.get_profile(&who).await).is_not_found());
    // The customer user ID is free again, in either version.
    v1.create_profile(&who, &attributes(None, None, &[]))
        .await
        .unwrap();
}

#[tokio::test]
async fn seeded_purchases_appear_in_v2_with_offers_keyed_category_type_id() {
    let emulator = emulator().await;
    let purchases: Value =
        serde_json::from_str(include_str!("../src/demo-purchases.json")).unwrap();
    let mut seed = purchases.clone();
    seed["customer_user_id"] = json!("seeded");
    let profile_id = emulator.seed(seed).unwrap();
    let v1 = common::client(&emulator);
    let v2 = v2_client(&emulator);

    let profile = v2
        .get_profile(&ProfileSelector::profile_id(profile_id))
        .await
        .unwrap()
        .into_inner();
    let levels = profile.access_levels.clone().unwrap();
    assert_eq!(
        levels
            .iter()
            .map(|l| l.access_level_id.as_str())
            .collect::<Vec<_>>(),
        ["premium", "lifetime"]
    );
    // v1's `offer_category` / `offer_type` / `offer_id` are v2's `category` / `type` / `id`.
    let offer = levels[0].offer.as_ref().unwrap();
    assert_eq!(offer.category, Some(v2::OfferCategory::Introductory));
    assert_eq!(offer.type_, Some(v2::OfferType::FreeTrial));
    assert_eq!(offer.id, None);
    assert_eq!(offer.offer_category, None);
    assert_eq!(offer.offer_type, None);
    assert!(levels[1].offer.is_none());
    assert_eq!(levels[0].store_transaction_id, "2000000000000001");
    assert_eq!(
        levels[0].expires_at.unwrap(),
        "2032-10-12T09:42:50Z".parse().unwrap()
    );
    let subscription = &profile.subscriptions.as_ref().unwrap()[0];
    let offer = subscription.offer.as_ref().unwrap();
    assert_eq!(offer.category, Some(v2::OfferCategory::Promotional));
    assert_eq!(offer.type_, Some(v2::OfferType::PayAsYouGo));
    assert_eq!(offer.id.as_deref(), Some("spring-sale"));
    let one_time = &profile.non_subscriptions.as_ref().unwrap()[0];
    assert_eq!(one_time.purchase_id, "9f0e8c3a-3c1d-4d5e-8f6a-2b7c9d0e1f2a");
    assert!(one_time.is_consumable);

    // Every offer key of the v2 answer is v2's, whatever shape the seed used.
    let raw = raw_to(
        &emulator,
        "GET",
        V2_PROFILE,
        &[AUTH, ("adapty-customer-user-id", "seeded")],
        None,
    )
    .await;
    for list in ["access_levels", "subscriptions"] {
        for item in raw.json["data"][list].as_array().unwrap() {
            if let Some(offer) = item["offer"].as_object() {
                let mut keys: Vec<&str> = offer.keys().map(String::as_str).collect();
                keys.sort_unstable();
                assert_eq!(keys, ["category", "id", "type"], "{list}: {item}");
            }
        }
    }

    // v1 serves them as seeded: the same purchases, the same transactions.
    let seen = v1.get_profile(&user("seeded")).await.unwrap();
    let v1_levels: Vec<&str> = seen
        .access_levels
        .iter()
        .flatten()
        .map(|l| l.store_transaction_id.as_str())
        .collect();
    let v2_levels: Vec<&str> = levels
        .iter()
        .map(|l| l.store_transaction_id.as_str())
        .collect();
    assert_eq!(v1_levels, v2_levels);
}

#[tokio::test]
async fn link_customer_user_id_names_an_anonymous_profile() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let anonymous = emulator.seed(json!({})).unwrap();
    let seen = client
        .get_profile(&ProfileSelector::profile_id(anonymous))
        .await
        .unwrap();
    assert_eq!(seen.customer_user_id, None);

    let id = adapty_api::CustomerUserId::new("linked-user").unwrap();
    let linked = client
        .link_customer_user_id(anonymous, &id, &v2_attributes(&[("source", Some("ads"))]))
        .await
        .unwrap();
    assert_eq!(linked.profile_id, anonymous);
    assert_eq!(linked.customer_user_id.as_deref(), Some("linked-user"));
    let by_user = client.get_profile(&user("linked-user")).await.unwrap();
    assert_eq!(by_user.profile_id, anonymous);
    assert_eq!(v2_custom(&by_user), [("source".to_owned(), json!("ads"))]);
    assert_eq!(emulator.profile_count(), 1);

    // Linking again is harmless; linking an unknown profile is the documented 404.
    client
        .link_customer_user_id(anonymous, &id, &v2_attributes(&[]))
        .await
        .unwrap();
    assert_eq!(
        code(
            client
                .link_customer_user_id(Uuid::new_v4(), &id, &v2_attributes(&[]))
                .await
        ),
        (404, ErrorCode::ProfileDoesNotExist)
    );
    // A customer user ID names one profile: another profile cannot take it.
    let other = emulator.seed(json!({})).unwrap();
    let error = api_error(
        client
            .link_customer_user_id(other, &id, &v2_attributes(&[]))
            .await,
    );
    assert_eq!(error.status().as_u16(), 400);
    assert!(
        adapty_api::v2::facts::CREATE_PROFILE
            .error_codes
            .contains(&(400, error.error_code().unwrap())),
        "{error:?} is not a code create documents"
    );
}

// ------------------------------------------------------------------------ Refund Saver

#[tokio::test]
async fn refund_saver_defaults_then_set_then_read_back() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = user("refunds");
    let profile = client
        .create_profile(&who, &v2_attributes(&[]))
        .await
        .unwrap();

    let defaults = client.get_refund_saver_settings(&who).await.unwrap();
    assert_eq!(defaults.profile_id, profile.profile_id);
    assert_eq!(defaults.settings.consent, Some(false));
    assert_eq!(
        defaults.settings.custom_preference,
        Some(RefundPreference::NoPreference)
    );

    let mut change = RefundSaverSettingsRequest::default();
    change.consent = Some(Nullable::Value(true));
    change.custom_preference = Some(Nullable::Value(RefundPreference::Grant));
    let set = client
        .set_refund_saver_settings(&who, &change)
        .await
        .unwrap();
    assert_eq!(set.settings.consent, Some(true));
    assert_eq!(
        set.settings.custom_preference,
        Some(RefundPreference::Grant)
    );
    let read = client
        .get_refund_saver_settings(&ProfileSelector::profile_id(profile.profile_id))
        .await
        .unwrap();
    assert_eq!(read.settings, set.settings);

    // One setting changed, the other kept; `null` puts the preference back to its default.
    let mut only = RefundSaverSettingsRequest::default();
    only.custom_preference = Some(Nullable::Null);
    let reset = client.set_refund_saver_settings(&who, &only).await.unwrap();
    assert_eq!(reset.settings.consent, Some(true));
    assert_eq!(
        reset.settings.custom_preference,
        Some(RefundPreference::NoPreference)
    );

    // Neither setting: the documented 400; no profile: the documented 400 too.
    let empty = raw_to(
        &emulator,
        "POST",
        "/api/v2/server-side-api/purchase/profile/refund-saver/settings/",
        &[AUTH, ("adapty-customer-user-id", "refunds")],
        Some("{}"),
    )
    .await;
    assert_eq!(empty.status, 400);
    assert_eq!(empty.error_code(), "validation_error");
    assert_eq!(
        code(client.get_refund_saver_settings(&user("nobody")).await),
        (400, ErrorCode::ProfileDoesNotExist)
    );
}

// ------------------------------------------------------------ integration identifiers

#[tokio::test]
async fn integration_identifiers_merge_and_null_removes() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = user("integrations");
    client
        .create_profile(&who, &v2_attributes(&[]))
        .await
        .unwrap();

    let none = client.get_integration_identifiers(&who).await.unwrap();
    assert_eq!(none.appsflyer_id, None);
    assert_eq!(none.amplitude_user_id, None);

    let mut first = IntegrationIdentifiersRequest::default();
    first.appsflyer_id = Some(Nullable::Value("af-1".to_owned()));
    first.amplitude_user_id = Some(Nullable::Value("amp-1".to_owned()));
    let answer = client
        .set_integration_identifiers(&who, &first)
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 200);

    // A second call merges: the identifier sent changes, the others stay; `null` removes one.
    let mut second = IntegrationIdentifiersRequest::default();
    second.mixpanel_user_id = Some(Nullable::Value("mp-1".to_owned()));
    second.amplitude_user_id = Some(Nullable::Null);
    client
        .set_integration_identifiers(&who, &second)
        .await
        .unwrap();
    let read = client.get_integration_identifiers(&who).await.unwrap();
    assert_eq!(read.appsflyer_id.as_deref(), Some("af-1"));
    assert_eq!(read.mixpanel_user_id.as_deref(), Some("mp-1"));
    assert_eq!(read.amplitude_user_id, None);

    // Only a `null` is sent: a valid request that removes the identifier.
    let only_null = raw_to(
        &emulator,
        "POST",
        "/api/v2/server-side-api/integration/profile/set/integration-identifiers/",
        &[AUTH, ("adapty-customer-user-id", "integrations")],
        Some(r#"{"appsflyer_id": null}"#),
    )
    .await;
    assert_eq!(only_null.status, 200, "{}", only_null.text);
    let read = client.get_integration_identifiers(&who).await.unwrap();
    assert_eq!(read.appsflyer_id, None);
    assert_eq!(read.mixpanel_user_id.as_deref(), Some("mp-1"));

    // No profile: the code these operations document.
    assert_eq!(
        code(client.get_integration_identifiers(&user("nobody")).await),
        (404, ErrorCode::ProfileNotFound)
    );
}

// ------------------------------------------------------------------------------- paywalls

#[tokio::test]
async fn paywalls_are_listed_a_page_at_a_time() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);

    let page = client.list_paywalls(1, 20).await.unwrap();
    assert_eq!(page.data.len(), 3);
    assert_eq!(page.meta.pagination.count, 3);
    assert_eq!(page.meta.pagination.pages, 1);
    assert_eq!(page.meta.pagination.page, 1);
    assert_eq!(page.data[0].title, "Premium Subscription");

    let second = client.list_paywalls(2, 2).await.unwrap();
    assert_eq!(second.data.len(), 1);
    assert_eq!(second.meta.pagination.pages, 2);
    assert_eq!(second.meta.pagination.page, 2);
    // A page past the last is empty.
    assert!(client.list_paywalls(9, 2).await.unwrap().data.is_empty());

    // The stream goes through every page, in order, and stops after the last.
    for (size, pages) in [(1, 3), (2, 2), (100, 1)] {
        let mut stream = client.paywalls(size);
        let mut seen = Vec::new();
        let mut count = 0;
        while let Some(page) = stream.next_page().await {
            let page = page.unwrap();
            count += 1;
            seen.extend(page.into_inner().data.into_iter().map(|p| p.paywall_id));
        }
        assert_eq!(count, pages, "page size {size}");
        let all: Vec<Uuid> = page.data.iter().map(|p| p.paywall_id).collect();
        assert_eq!(seen, all, "page size {size}");
    }
}

#[tokio::test]
async fn page_sizes_out_of_range_are_400s_naming_the_parameter() {
    let emulator = emulator().await;
    // The client refuses them itself: nothing is sent.
    let client = v2_client(&emulator);
    assert!(matches!(
        client.list_paywalls(1, 0).await,
        Err(Error::InvalidInput(_))
    ));
    assert!(matches!(
        client.list_paywalls(1, 101).await,
        Err(Error::InvalidInput(_))
    ));
    for query in [
        "page[size]=0",
        "page[size]=101",
        "page[size]=ten",
        "page[number]=0",
    ] {
        let answer = raw_to(
            &emulator,
            "GET",
            &format!("{V2_PAYWALLS}?{query}"),
            &[AUTH],
            None,
        )
        .await;
        assert_eq!(answer.status, 400, "{query}: {}", answer.text);
        assert_eq!(answer.error_code(), "validation_error");
        let parameter = query.split('=').next().unwrap();
        assert_eq!(answer.sources(), [parameter], "{query}");
    }
    // A page number of any size is a page past the last: empty, its number echoed.
    let far = raw_to(
        &emulator,
        "GET",
        &format!("{V2_PAYWALLS}?page%5Bnumber%5D=33660401468912234496"),
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(far.status, 200, "{}", far.text);
    assert_eq!(far.json["data"], json!([]));
    assert_eq!(far.json["meta"]["pagination"]["count"], 3);
    assert!(
        far.text.contains(r#""page":33660401468912234496"#),
        "{}",
        far.text
    );
}

#[tokio::test]
async fn a_paywall_is_read_and_its_remote_configs_replaced() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let listed = client.list_paywalls(1, 20).await.unwrap();
    let id = listed.data[0].paywall_id;

    let before = client.get_paywall(id).await.unwrap();
    assert_eq!(before.paywall_id, id);
    assert_eq!(before.title, listed.data[0].title);
    assert_eq!(before.products.len(), 2);
    assert_eq!(before.products[0].title, "Premium Monthly");
    assert_eq!(before.remote_configs.len(), 1);
    assert!(before.main_screenshot.is_some());

    let configs = vec![
        RemoteConfig::new("en", &json!({"title": "New"})).unwrap(),
        RemoteConfig::new("de", &json!({"title": "Neu"})).unwrap(),
    ];
    let updated = client
        .update_paywall(id, &PaywallUpdateRequest::new(configs.clone()))
        .await
        .unwrap();
    assert_eq!(updated.remote_configs, configs);
    assert!(updated.updated_at > before.updated_at);
    let after = client.get_paywall(id).await.unwrap();
    assert_eq!(after.remote_configs, configs);
    assert_eq!(after.updated_at, updated.updated_at);
    assert_eq!(
        after.remote_configs[1].data_as::<Value>().unwrap()["title"],
        "Neu"
    );
    // The list shows the change in `updated_at` too; other paywalls are untouched.
    let listed = client.list_paywalls(1, 20).await.unwrap();
    assert_eq!(listed.data[0].updated_at, updated.updated_at);
    assert_eq!(
        client
            .get_paywall(listed.data[1].paywall_id)
            .await
            .unwrap()
            .remote_configs
            .len(),
        0
    );

    // A locale sent twice is refused, naming the second.
    let twice = vec![
        RemoteConfig::new("en", &json!({})).unwrap(),
        RemoteConfig::new("en", &json!({})).unwrap(),
    ];
    let error = api_error(
        client
            .update_paywall(id, &PaywallUpdateRequest::new(twice))
            .await,
    );
    assert_eq!(error.status().as_u16(), 400);
    assert_eq!(error.code::<ErrorCode>(), Some(ErrorCode::ValidationError));

    // A reset puts the catalog's paywalls back.
    emulator.reset();
    assert_eq!(
        client.get_paywall(id).await.unwrap().remote_configs,
        before.remote_configs
    );
}

#[tokio::test]
async fn an_unknown_paywall_is_a_typed_404() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let missing = Uuid::new_v4();
    assert_eq!(
        code(client.get_paywall(missing).await),
        (404, ErrorCode::PaywallDoesNotExist)
    );
    assert_eq!(
        code(
            client
                .update_paywall(missing, &PaywallUpdateRequest::new(Vec::new()))
                .await
        ),
        (404, ErrorCode::PaywallDoesNotExist)
    );
}

// -------------------------------------------------------------- keys, faults, catalogs

#[tokio::test]
async fn a_wrong_key_is_the_401_each_operation_documents() {
    let emulator = emulator().await;
    let client = v2::Client::builder(ApiKey::new("secret_wrong_key").unwrap())
        .base_url(emulator.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    // Profile operations document `not_authenticated`; paywall operations `unauthorized`.
    assert_eq!(
        code(client.get_profile(&user("u")).await),
        (401, ErrorCode::NotAuthenticated)
    );
    assert_eq!(
        code(client.list_paywalls(1, 20).await),
        (401, ErrorCode::Unauthorized)
    );
    assert_eq!(
        code(client.get_integration_identifiers(&user("u")).await),
        (401, ErrorCode::Unauthorized)
    );
}

#[tokio::test]
async fn a_fault_injected_on_a_v2_operation_is_served_to_it_alone() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    client
        .create_profile(&user("faulty"), &v2_attributes(&[]))
        .await
        .unwrap();
    let get = Operation::v2("get_profile").expect("a v2 operation");
    assert_eq!(get.as_string(), "v2.get_profile");
    assert!(Operation::v2("no_such_operation").is_none());
    emulator
        .inject(Some(get), Fault::ServerError { status: 503 }, 1)
        .unwrap();

    // v1's GET is another operation: not affected.
    common::client(&emulator)
        .get_profile(&user("faulty"))
        .await
        .unwrap();
    client.list_paywalls(1, 20).await.unwrap();
    assert_eq!(emulator.pending_faults(), 1);

    let error = api_error(client.get_profile(&user("faulty")).await);
    assert_eq!(error.status().as_u16(), 503);
    assert_eq!(error.error_code(), Some("server_error"));
    assert_eq!(emulator.pending_faults(), 0);
    client.get_profile(&user("faulty")).await.unwrap();

    // A rate limit carries its Retry-After on a v2 path too.
    emulator
        .inject(
            Operation::v2("list_paywalls"),
            Fault::RateLimited {
                retry_after_secs: 4,
            },
            1,
        )
        .unwrap();
    let limited = raw_to(&emulator, "GET", V2_PAYWALLS, &[AUTH], None).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "4");
}

/// A catalog with one access level, one currency, one product and one paywall.
fn small_catalog() -> Value {
    let product = "11111111-2222-4333-8444-555555555555";
    json!({
        "access_levels": ["gold"],
        "currencies": [{"code": "STARS", "name": "Stars"}],
        "products": [{
            "product_id": product, "title": "Gold Weekly", "store_product_id": "gold_weekly",
            "product_set": "weekly", "access_level_id": "gold"
        }],
        "paywalls": [{
            "paywall_id": "66666666-7777-4888-9999-000000000000", "title": "Gold",
            "use_paywall_builder": false, "use_paywall_builder_legacy": false,
            "created_at": "2025-01-01T00:00:00+00:00", "updated_at": "2025-01-01T00:00:00+00:00",
            "state": "live", "is_deleted": false, "web_purchase_url": null,
            "products": [{"product_id": product, "offer": null}],
            "remote_configs": [], "main_screenshot": null
        }]
    })
}

#[tokio::test]
async fn a_custom_catalog_is_served() {
    let emulator = Emulator::new()
        .api_key(KEY)
        .catalog(small_catalog())
        .start()
        .await
        .unwrap();
    let client = v2_client(&emulator);
    let page = client.list_paywalls(1, 20).await.unwrap();
    assert_eq!(page.meta.pagination.count, 1);
    assert_eq!(page.data[0].title, "Gold");
    let paywall = client.get_paywall(page.data[0].paywall_id).await.unwrap();
    // The product reference is filled in from the catalog's product.
    assert_eq!(paywall.products[0].title, "Gold Weekly");
    assert_eq!(paywall.products[0].product_set, v2::ProductSet::Weekly);
}

#[tokio::test]
async fn a_bad_catalog_is_refused_at_start_naming_the_place() {
    let cases: Vec<(Value, &str)> = vec![
        (
            {
                let mut c = small_catalog();
                c["products"][0]["access_level_id"] = json!("platinum");
                c
            },
            "products[0]",
        ),
        (
            {
                let mut c = small_catalog();
                c["paywalls"][0]["products"][0]["product_id"] =
                    json!("00000000-0000-4000-8000-000000000000");
                c
            },
            "paywalls[0]",
        ),
        (
            {
                let mut c = small_catalog();
                c["currencies"][0]["code"] = json!("two words");
                c
            },
            "currencies[0]",
        ),
        (
            {
                let mut c = small_catalog();
                c["paywalls"][0]["state"] = json!("sleeping");
                c
            },
            "paywalls[0]",
        ),
        (
            {
                let mut c = small_catalog();
                c["colour"] = json!("blue");
                c
            },
            "colour",
        ),
        (json!({"access_levels": []}), "currencies"),
    ];
    for (catalog, place) in cases {
        match Emulator::new().api_key(KEY).catalog(catalog).start().await {
            Err(StartError::Catalog(message)) => {
                assert!(message.contains(place), "{message:?} should name {place}")
            }
            other => panic!("expected StartError::Catalog naming {place}, got {other:?}"),
        }
    }
}
