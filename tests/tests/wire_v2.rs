//! The v2 client against a real HTTP server on loopback (wiremock): for every one of the 19
//! operations, what goes on the wire (method, exact path, query, headers, body) and how the
//! documented answer comes back. The bodies are the spec's documented examples.
//!
//! Retries, pagination, error shapes and validation: `resilience_v2.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use adapty_api::v2::types::{
    GrantAccessLevelRequest, IntegrationIdentifiersRequest, OfferInput, OneTimePurchase,
    PaywallUpdateRequest, Price, ProfileRequest, RefundSaverSettingsRequest, RemoteConfig,
    RevokeAccessLevelRequest, SubscriptionPurchase, TransactionRequest,
    VirtualCurrencyBalanceAdjustment, VirtualCurrencyTransactionRequest,
};
use adapty_api::v2::{
    Client, Nullable, OfferCategory, OfferType, PaywallState, Platform, ProductSet,
    RefundPreference, TransactionsQuery, VirtualCurrencyTransactionType, custom_attribute, facts,
};
use adapty_api::{ApiKey, CustomerUserId, IdempotencyKey, ProfileSelector, RetryPolicy};
use common::{header, serve, spec_v2, the_request, v2_example, without_nulls};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "secret_live_BEHrYLTr.ce5zuDEWz06lFRNiaJC8mrLtL8fUwswD";
const PROFILE_ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
const USER: &str = "jane.doe@example.com";
const PAYWALL_ID: &str = "fd891d4f-5906-45b9-97c1-13cc3dc665df";
const REQUEST_ID: &str = "758f01dfd9e74ccfbabb4934241c4966";

// The exact paths, written out (not read from the facts): a drift of the facts fails the tests.
const PROFILE: &str = "/api/v2/server-side-api/profile/";
const SET_TRANSACTION: &str = "/api/v2/server-side-api/purchase/set/transaction/";
const GRANT: &str = "/api/v2/server-side-api/purchase/profile/grant/access-level/";
const REVOKE: &str = "/api/v2/server-side-api/purchase/profile/revoke/access-level/";
const REFUND_SAVER: &str = "/api/v2/server-side-api/purchase/profile/refund-saver/settings/";
const STRIPE: &str = "/api/v1/sdk/purchase/stripe/token/validate/";
const PADDLE: &str = "/api/v2/server-side-api/purchase/paddle/token/validate/";
const INTEGRATIONS: &str =
    "/api/v2/server-side-api/integration/profile/set/integration-identifiers/";
const PAYWALLS: &str = "/api/v2/server-side-api/paywalls/";
const PAYWALL: &str = "/api/v2/server-side-api/paywalls/fd891d4f-5906-45b9-97c1-13cc3dc665df/";
const VC_TRANSACTIONS: &str = "/api/v2/server-side-api/vc/transactions/";
const VC_BALANCES: &str = "/api/v2/server-side-api/vc/balances/";

/// Every operation a test of this file sends and checks on the wire: (name, method, path as the
/// facts write it). `every_operation_has_a_wire_test` holds it equal to the spec's operations.
const EXERCISED: &[(&str, &str, &str)] = &[
    ("get_profile", "GET", PROFILE),
    ("create_profile", "POST", PROFILE),
    ("delete_profile", "DELETE", PROFILE),
    ("update_profile", "PATCH", PROFILE),
    ("set_transaction", "POST", SET_TRANSACTION),
    ("grant_access_level", "POST", GRANT),
    ("revoke_access_level", "POST", REVOKE),
    ("get_refund_saver_settings", "GET", REFUND_SAVER),
    ("set_refund_saver_settings", "POST", REFUND_SAVER),
    ("validate_stripe_purchase", "POST", STRIPE),
    ("validate_paddle_purchase", "POST", PADDLE),
    ("get_integration_identifiers", "GET", INTEGRATIONS),
    ("set_integration_identifiers", "POST", INTEGRATIONS),
    ("list_paywalls", "GET", PAYWALLS),
    (
        "get_paywall",
        "GET",
        "/api/v2/server-side-api/paywalls/{paywall_id}/",
    ),
    (
        "update_paywall",
        "PUT",
        "/api/v2/server-side-api/paywalls/{paywall_id}/",
    ),
    (
        "create_virtual_currency_transaction",
        "POST",
        VC_TRANSACTIONS,
    ),
    ("list_virtual_currency_transactions", "GET", VC_TRANSACTIONS),
    ("list_virtual_currency_balances", "GET", VC_BALANCES),
];

// ------------------------------------------------------------------------------------ helpers

/// A client of `server` that makes one attempt per call: these tests look at single exchanges
/// (retries are tested in `resilience_v2.rs`).
fn client(server: &MockServer) -> Client {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn by_id() -> ProfileSelector {
    ProfileSelector::profile_id(PROFILE_ID.parse().unwrap())
}

fn by_user() -> ProfileSelector {
    ProfileSelector::customer_user_id(USER).unwrap()
}

fn selectors() -> [ProfileSelector; 2] {
    [by_id(), by_user()]
}

/// A documented example of the v2 spec (see `common::v2_example`).
fn example(operation_id: &str, part: &str, name: Option<&str>) -> Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    v2_example(SPEC.get_or_init(spec_v2), operation_id, part, name)
}

/// A `200` with `body` and a request ID.
fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(body)
        .insert_header("request-id", REQUEST_ID)
}

/// The documented profile (`getProfile`'s `200`), the answer of every call that returns one
/// without an example of its own.
fn ok_profile() -> ResponseTemplate {
    ok(example("getProfile", "200", None))
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

/// The query parameters, decoded, in order.
fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Which identity headers a request carries.
#[derive(Clone, Copy)]
enum Identity<'a> {
    /// Neither (Stripe, Paddle, paywalls).
    None,
    /// Exactly the selector's.
    One(&'a ProfileSelector),
    /// Both: `link_customer_user_id`.
    Both,
}

/// What a request must look like, besides its body.
struct Envelope<'a> {
    verb: &'a str,
    path: &'a str,
    identity: Identity<'a>,
    /// The `Content-Type` of a request with a body; `None` for a request without one.
    content_type: Option<&'a str>,
    platform: Option<&'a str>,
    query: &'a [(&'a str, &'a str)],
    /// Whether an `Idempotency-Key` is sent (its value is checked by the test).
    idempotency_key: bool,
}

impl<'a> Envelope<'a> {
    fn new(verb: &'a str, path: &'a str, identity: Identity<'a>) -> Self {
        let content_type = matches!(verb, "POST" | "PATCH" | "PUT").then_some("application/json");
        Self {
            verb,
            path,
            identity,
            content_type,
            platform: None,
            query: &[],
            idempotency_key: false,
        }
    }

    fn content_type(mut self, content_type: Option<&'a str>) -> Self {
        self.content_type = content_type;
        self
    }

    fn platform(mut self, platform: &'a str) -> Self {
        self.platform = Some(platform);
        self
    }

    fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    fn idempotency_key(mut self) -> Self {
        self.idempotency_key = true;
        self
    }

    /// Asserts method, exact path, query, authentication, content type (on requests with a body,
    /// and only those), the identity headers and the optional headers.
    fn check(&self, request: &Request) {
        let what = format!("{} {}", self.verb, self.path);
        assert_eq!(request.method.as_str(), self.verb, "{what}");
        assert_eq!(
            request.url.path(),
            self.path,
            "exact path, trailing slash included"
        );
        let expected: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(query(request), expected, "{what}: query");
        if self.query.is_empty() {
            assert_eq!(request.url.query(), None, "{what}: no query at all");
        }
        assert_eq!(
            header(request, "authorization"),
            Some(&*format!("Api-Key {KEY}")),
            "{what}"
        );
        assert_eq!(
            header(request, "content-type"),
            self.content_type,
            "{what}: content type"
        );
        assert_eq!(
            request.body.is_empty(),
            self.content_type.is_none(),
            "{what}: a body exactly when there is a content type"
        );
        let (profile_id, customer_user_id) = match self.identity {
            Identity::None => (None, None),
            Identity::One(ProfileSelector::ProfileId(id)) => (Some(id.to_string()), None),
            Identity::One(ProfileSelector::CustomerUserId(id)) => {
                (None, Some(id.as_str().to_owned()))
            }
            Identity::One(other) => panic!("a selector these tests do not know: {other:?}"),
            Identity::Both => (Some(PROFILE_ID.to_owned()), Some(USER.to_owned())),
        };
        assert_eq!(
            header(request, "adapty-profile-id"),
            profile_id.as_deref(),
            "{what}: adapty-profile-id"
        );
        assert_eq!(
            header(request, "adapty-customer-user-id"),
            customer_user_id.as_deref(),
            "{what}: adapty-customer-user-id"
        );
        assert_eq!(
            header(request, "adapty-platform"),
            self.platform,
            "{what}: adapty-platform"
        );
        assert_eq!(
            header(request, "idempotency-key").is_some(),
            self.idempotency_key,
            "{what}: Idempotency-Key"
        );
        assert_eq!(header(request, "api-version"), None, "{what}");
        let agent = header(request, "user-agent").expect("a user agent");
        assert!(agent.starts_with("adapty-rs/"), "{agent}");
    }
}

// ------------------------------------------------------------------- the list of operations

#[test]
fn every_operation_has_a_wire_test() {
    let exercised: BTreeSet<(&str, &str, &str)> = EXERCISED.iter().copied().collect();
    assert_eq!(exercised.len(), EXERCISED.len(), "a name listed twice");
    let spec: BTreeSet<(&str, &str, &str)> = facts::OPERATIONS
        .iter()
        .map(|op| (op.name, op.method, op.path))
        .collect();
    assert_eq!(spec.len(), 19, "the v2 spec has 19 operations");
    let untested: Vec<_> = spec.difference(&exercised).collect();
    let unknown: Vec<_> = exercised.difference(&spec).collect();
    assert!(
        untested.is_empty(),
        "operations without a wire test (add one, then list it in EXERCISED): {untested:?}"
    );
    assert!(
        unknown.is_empty(),
        "EXERCISED lists what the spec does not: {unknown:?}"
    );
    // And the spec's media types: JSON everywhere but the Stripe import (JSON:API).
    for op in facts::OPERATIONS {
        let expected = match (op.method, op.name) {
            ("GET" | "DELETE", _) => None,
            (_, "validate_stripe_purchase") => Some("application/vnd.api+json"),
            _ => Some("application/json"),
        };
        assert_eq!(op.content_type, expected, "{}", op.name);
        let marked = matches!(
            op.name,
            "set_refund_saver_settings" | "set_integration_identifiers"
        );
        assert_eq!(op.idempotent, marked, "{}: x-idempotent", op.name);
    }
}

#[tokio::test]
async fn only_the_spec_methods_and_paths_are_served() {
    // A server that answers only the exact method and path of each operation, once each: any
    // drift fails a call, and `verify` fails if a call went elsewhere.
    let server = MockServer::start().await;
    let answers: [(&str, &str, ResponseTemplate); 19] = [
        ("GET", PROFILE, ok_profile()),
        ("POST", PROFILE, ok_profile()),
        ("PATCH", PROFILE, ok_profile()),
        ("DELETE", PROFILE, ResponseTemplate::new(204)),
        ("POST", SET_TRANSACTION, ok_profile()),
        ("POST", GRANT, ok_profile()),
        ("POST", REVOKE, ok_profile()),
        (
            "GET",
            REFUND_SAVER,
            ok(example("getRefundSaverSettings", "200", None)),
        ),
        (
            "POST",
            REFUND_SAVER,
            ok(example("setRefundSaverSettings", "200", None)),
        ),
        ("POST", STRIPE, ok(json!({"data": null}))),
        (
            "POST",
            PADDLE,
            ok(example("validatePaddlePurchase", "200", None)),
        ),
        (
            "GET",
            INTEGRATIONS,
            ok(example("getIntegrationIdentifiers", "200", None)),
        ),
        ("POST", INTEGRATIONS, ResponseTemplate::new(200)),
        ("GET", PAYWALLS, ok(example("listPaywalls", "200", None))),
        (
            "GET",
            PAYWALL,
            ok(example("getPaywall", "200", Some("paywall"))),
        ),
        (
            "PUT",
            PAYWALL,
            ok(example("updatePaywall", "200", Some("paywall"))),
        ),
        (
            "POST",
            VC_TRANSACTIONS,
            ok(example("createVirtualCurrencyTransaction", "200", None)),
        ),
        (
            "GET",
            VC_TRANSACTIONS,
            ok(example("listVirtualCurrencyTransactions", "200", None)),
        ),
        (
            "GET",
            VC_BALANCES,
            ok(example("listVirtualCurrencyBalances", "200", None)),
        ),
    ];
    for (verb, at, answer) in answers {
        Mock::given(method(verb))
            .and(path(at))
            .respond_with(answer)
            .expect(1)
            .named(format!("{verb} {at}"))
            .mount(&server)
            .await;
    }
    let client = client(&server);
    let who = by_user();
    let user = CustomerUserId::new(USER).unwrap();
    let paywall: Uuid = PAYWALL_ID.parse().unwrap();
    let empty = ProfileRequest::default();
    client.get_profile(&who).await.unwrap();
    client.create_profile(&who, &empty).await.unwrap();
    client.update_profile(&who, &empty).await.unwrap();
    client.delete_profile(&who).await.unwrap();
    client
        .set_transaction(&who, &one_time_purchase())
        .await
        .unwrap();
    client
        .grant_access_level(&who, &GrantAccessLevelRequest::new("premium"))
        .await
        .unwrap();
    client
        .revoke_access_level(&who, &RevokeAccessLevelRequest::new("premium"))
        .await
        .unwrap();
    client.get_refund_saver_settings(&who).await.unwrap();
    let mut settings = RefundSaverSettingsRequest::default();
    settings.consent = Some(Nullable::Value(true));
    client
        .set_refund_saver_settings(&who, &settings)
        .await
        .unwrap();
    client
        .validate_stripe_purchase(&user, "sub_1")
        .await
        .unwrap();
    client
        .validate_paddle_purchase(&user, "txn_1")
        .await
        .unwrap();
    client.get_integration_identifiers(&who).await.unwrap();
    let mut identifiers = IntegrationIdentifiersRequest::default();
    identifiers.appsflyer_id = Some("af-1".into());
    client
        .set_integration_identifiers(&who, &identifiers)
        .await
        .unwrap();
    client.list_paywalls(1, 20).await.unwrap();
    client.get_paywall(paywall).await.unwrap();
    client
        .update_paywall(paywall, &PaywallUpdateRequest::new(vec![]))
        .await
        .unwrap();
    let credit =
        VirtualCurrencyTransactionRequest::new(vec![VirtualCurrencyBalanceAdjustment::new(
            "COINS", 500,
        )]);
    client
        .create_virtual_currency_transaction(&who, &credit, None)
        .await
        .unwrap();
    client
        .list_virtual_currency_transactions(&who, &TransactionsQuery::new(), None)
        .await
        .unwrap();
    client.list_virtual_currency_balances(&who).await.unwrap();
    server.verify().await;
}

// ------------------------------------------------------------------------------- profiles

#[tokio::test]
async fn get_profile_sends_one_identity_header_and_decodes_the_documented_profile() {
    for who in selectors() {
        let server = serve(ok_profile()).await;
        let profile = client(&server).get_profile(&who).await.unwrap();
        Envelope::new("GET", PROFILE, Identity::One(&who)).check(&the_request(&server).await);
        assert_eq!(
            profile.profile_id.to_string(),
            "d8533a10-bcce-4e33-8c9d-88b05ac56559"
        );
        assert_eq!(
            profile.customer_user_id.as_deref(),
            Some("77B14FB4-FD2A-4D38-AA3A-4C433F79863C")
        );
        assert_eq!(profile.total_revenue_usd, 9.99);
        let levels = profile.access_levels.as_deref().unwrap();
        assert_eq!(levels[0].access_level_id, "premium");
        assert_eq!(levels[0].store, "app_store");
        assert_eq!(profile.request_id(), Some(REQUEST_ID));
        assert_eq!(profile.status(), 200);
    }
}

#[tokio::test]
async fn create_profile_posts_the_documented_attributes() {
    // Every field of the spec's request example, read into the request type and sent back out.
    for name in ["create_profile", "all_fields"] {
        let documented = example("createProfile", "request", Some(name));
        let attributes: ProfileRequest = serde_json::from_value(documented.clone()).unwrap();
        for who in selectors() {
            let server = serve(ok(example("createProfile", "200", None))).await;
            let created = client(&server)
                .create_profile(&who, &attributes)
                .await
                .unwrap();
            let request = the_request(&server).await;
            Envelope::new("POST", PROFILE, Identity::One(&who)).check(&request);
            assert_eq!(body(&request), documented, "{name}");
            assert_eq!(
                created.profile_id.to_string(),
                "3286abd3-48b0-4e9c-a5f6-ac0a006804a6"
            );
            assert_eq!(created.customer_user_id.as_deref(), Some(USER));
            assert_eq!(
                created.custom_attributes.as_deref().unwrap()[0].key,
                "favourite_sport"
            );
        }
    }
}

#[tokio::test]
async fn create_profile_with_no_attributes_sends_an_empty_object() {
    let server = serve(ok(example("createProfile", "200", None))).await;
    client(&server)
        .create_profile(&by_user(), &ProfileRequest::default())
        .await
        .unwrap();
    let request = the_request(&server).await;
    Envelope::new("POST", PROFILE, Identity::One(&by_user())).check(&request);
    assert_eq!(body(&request), json!({}));
}

#[tokio::test]
async fn create_profile_on_sends_the_platform_header() {
    for (platform, value) in [
        (Platform::Ios, "iOS"),
        (Platform::Android, "Android"),
        (Platform::Web, "web"),
    ] {
        let server = serve(ok(example("createProfile", "200", None))).await;
        let mut attributes = ProfileRequest::default();
        attributes.first_name = Some("Jane".into());
        client(&server)
            .create_profile_on(&platform, &by_id(), &attributes)
            .await
            .unwrap();
        let request = the_request(&server).await;
        Envelope::new("POST", PROFILE, Identity::One(&by_id()))
            .platform(value)
            .check(&request);
        assert_eq!(body(&request), json!({"first_name": "Jane"}));
    }
}

#[tokio::test]
async fn link_customer_user_id_sends_both_identity_headers() {
    let server = serve(ok(example("createProfile", "200", None))).await;
    let mut attributes = ProfileRequest::default();
    attributes.email = Some(USER.into());
    let linked = client(&server)
        .link_customer_user_id(
            PROFILE_ID.parse().unwrap(),
            &CustomerUserId::new(USER).unwrap(),
            &attributes,
        )
        .await
        .unwrap();
    let request = the_request(&server).await;
    Envelope::new("POST", PROFILE, Identity::Both).check(&request);
    assert_eq!(body(&request), json!({"email": USER}));
    assert_eq!(linked.customer_user_id.as_deref(), Some(USER));
}

/// Sets, clears and leaves fields: only the set and cleared ones are sent.
fn profile_changes() -> (ProfileRequest, Value) {
    let mut changes = ProfileRequest::default();
    changes.store = Some(Nullable::Value(adapty_api::v2::Store::PlayStore));
    changes.phone_number = Some(Nullable::Null);
    changes.att_status = Some(Nullable::Value(3));
    changes.birthday = Some(Nullable::Value("2000-12-31".parse().unwrap()));
    changes.custom_attributes = vec![
        custom_attribute("plan", "pro").unwrap(),
        custom_attribute("level", 7).unwrap(),
    ];
    let json = json!({
        "store": "play_store",
        "phone_number": null,
        "att_status": 3,
        "birthday": "2000-12-31",
        "custom_attributes": [
            {"key": "plan", "value": "pro"},
            {"key": "level", "value": 7.0}
        ]
    });
    (changes, json)
}

#[tokio::test]
async fn update_profile_patches_the_changes_only() {
    let (changes, expected) = profile_changes();
    for who in selectors() {
        let server = serve(ok_profile()).await;
        let profile = client(&server)
            .update_profile(&who, &changes)
            .await
            .unwrap();
        let request = the_request(&server).await;
        Envelope::new("PATCH", PROFILE, Identity::One(&who)).check(&request);
        assert_eq!(body(&request), expected);
        assert_eq!(profile.segment_hash, "fdaeef7f8aaa33c9");
    }
}

#[tokio::test]
async fn update_profile_on_sends_the_platform_header() {
    let (changes, expected) = profile_changes();
    let server = serve(ok_profile()).await;
    client(&server)
        .update_profile_on(&Platform::MacOs, &by_user(), &changes)
        .await
        .unwrap();
    let request = the_request(&server).await;
    Envelope::new("PATCH", PROFILE, Identity::One(&by_user()))
        .platform("macOS")
        .check(&request);
    assert_eq!(body(&request), expected);
}

#[tokio::test]
async fn delete_profile_answers_204_with_no_body() {
    for who in selectors() {
        let server =
            serve(ResponseTemplate::new(204).insert_header("Request-Id", REQUEST_ID)).await;
        let deleted = client(&server).delete_profile(&who).await.unwrap();
        Envelope::new("DELETE", PROFILE, Identity::One(&who)).check(&the_request(&server).await);
        assert_eq!(deleted.status(), 204);
        assert_eq!(deleted.request_id(), Some(REQUEST_ID));
    }
}

// ------------------------------------------------------------------- access and purchases

/// The spec's `one_time_purchase` example, built with the constructor.
fn one_time_purchase() -> TransactionRequest {
    let mut purchase = OneTimePurchase::new(
        "app_store",
        "premium_lifetime",
        "1000000123456789",
        Price::new("US", "USD", 9.99),
        "2024-01-15T10:30:00Z".parse().unwrap(),
    )
    .unwrap();
    purchase.variation_id = Some("variation_123".into());
    purchase.into()
}

/// The spec's `subscription` example, built with the constructor.
fn subscription_purchase() -> TransactionRequest {
    let mut purchase = SubscriptionPurchase::new(
        "app_store",
        "premium_monthly",
        "1000000123456789",
        Price::new("US", "USD", 4.99),
        "2024-01-15T10:30:00Z".parse().unwrap(),
        "2024-02-15T10:30:00Z".parse().unwrap(),
    )
    .unwrap();
    purchase.variation_id = Some("variation_123".into());
    let mut offer = OfferInput::new(OfferCategory::Introductory, OfferType::FreeTrial);
    offer.id = Some("trial_offer_123".into());
    purchase.offer = Some(offer);
    purchase.into()
}

#[tokio::test]
async fn set_transaction_posts_the_documented_purchases() {
    let cases = [
        ("one_time_purchase", one_time_purchase()),
        ("subscription", subscription_purchase()),
    ];
    for (name, transaction) in cases {
        for who in selectors() {
            let server = serve(ok_profile()).await;
            let profile = client(&server)
                .set_transaction(&who, &transaction)
                .await
                .unwrap();
            let request = the_request(&server).await;
            Envelope::new("POST", SET_TRANSACTION, Identity::One(&who)).check(&request);
            // The example spells the unset optional fields `null`; the client leaves them out.
            assert_eq!(
                body(&request),
                without_nulls(&example("setTransaction", "request", Some(name))),
                "{name}"
            );
            assert_eq!(profile.non_subscriptions.as_deref().unwrap().len(), 1);
        }
    }
}

#[tokio::test]
async fn grant_access_level_posts_the_documented_grants() {
    let mut scheduled = GrantAccessLevelRequest::new("premium");
    scheduled.starts_at = Some("2024-01-01T00:00:00Z".parse().unwrap());
    scheduled.expires_at = Some("2024-12-31T23:59:59Z".parse().unwrap());
    let mut lifetime = GrantAccessLevelRequest::new("premium");
    lifetime.starts_at = Some("2024-01-01T00:00:00Z".parse().unwrap());
    let cases = [
        ("immediate_grant", GrantAccessLevelRequest::new("premium")),
        ("scheduled_grant", scheduled),
        ("lifetime_grant", lifetime),
    ];
    for (name, grant) in cases {
        for who in selectors() {
            let server = serve(ok_profile()).await;
            let profile = client(&server)
                .grant_access_level(&who, &grant)
                .await
                .unwrap();
            let request = the_request(&server).await;
            Envelope::new("POST", GRANT, Identity::One(&who)).check(&request);
            assert_eq!(
                body(&request),
                example("grantAccessLevel", "request", Some(name)),
                "{name}"
            );
            assert!(
                profile
                    .access_levels
                    .iter()
                    .flatten()
                    .any(|level| level.access_level_id == "premium")
            );
        }
    }
}

#[tokio::test]
async fn revoke_access_level_posts_the_documented_revocations() {
    let mut scheduled = RevokeAccessLevelRequest::new("premium");
    scheduled.revoke_at = Some("2024-12-31T23:59:59Z".parse().unwrap());
    let cases = [
        ("immediate_revoke", RevokeAccessLevelRequest::new("premium")),
        ("scheduled_revoke", scheduled),
    ];
    for (name, revoke) in cases {
        for who in selectors() {
            let server = serve(ok(example("createProfile", "200", None))).await;
            let profile = client(&server)
                .revoke_access_level(&who, &revoke)
                .await
                .unwrap();
            let request = the_request(&server).await;
            Envelope::new("POST", REVOKE, Identity::One(&who)).check(&request);
            assert_eq!(
                body(&request),
                example("revokeAccessLevel", "request", Some(name)),
                "{name}"
            );
            assert_eq!(profile.access_levels.as_deref(), Some(&[][..]));
        }
    }
}

// ---------------------------------------------------------------------------- Refund Saver

#[tokio::test]
async fn get_refund_saver_settings_reads_the_documented_settings() {
    for who in selectors() {
        let server = serve(ok(example("getRefundSaverSettings", "200", None))).await;
        let settings = client(&server)
            .get_refund_saver_settings(&who)
            .await
            .unwrap();
        Envelope::new("GET", REFUND_SAVER, Identity::One(&who)).check(&the_request(&server).await);
        assert_eq!(
            settings.profile_id.to_string(),
            "e5aab402-b1bd-4039-b632-57a91ebc0779"
        );
        assert_eq!(settings.settings.consent, Some(true));
        assert_eq!(
            settings.settings.custom_preference,
            Some(RefundPreference::NoPreference)
        );
    }
}

#[tokio::test]
async fn set_refund_saver_settings_posts_the_documented_settings() {
    let mut settings = RefundSaverSettingsRequest::default();
    settings.custom_preference = Some(Nullable::Value(RefundPreference::Grant));
    settings.consent = Some(Nullable::Value(true));
    for who in selectors() {
        let server = serve(ok(example("setRefundSaverSettings", "200", None))).await;
        let answer = client(&server)
            .set_refund_saver_settings(&who, &settings)
            .await
            .unwrap();
        let request = the_request(&server).await;
        Envelope::new("POST", REFUND_SAVER, Identity::One(&who)).check(&request);
        assert_eq!(
            body(&request),
            example("setRefundSaverSettings", "request", None)
        );
        assert_eq!(
            answer.settings.custom_preference,
            Some(RefundPreference::Grant)
        );
    }
    // One setting alone is enough, and `null` clears the preference.
    let mut clear = RefundSaverSettingsRequest::default();
    clear.custom_preference = Some(Nullable::Null);
    let server = serve(ok(example("setRefundSaverSettings", "200", None))).await;
    client(&server)
        .set_refund_saver_settings(&by_id(), &clear)
        .await
        .unwrap();
    assert_eq!(
        body(&the_request(&server).await),
        json!({"custom_preference": null})
    );
}

// ------------------------------------------------------------------------ payment providers

#[tokio::test]
async fn validate_stripe_purchase_posts_json_api_and_reads_an_empty_data() {
    // The spec's example, placeholders included (they are valid values).
    let documented = example("validateStripePurchase", "request", None);
    let server = serve(
        ResponseTemplate::new(200)
            .set_body_raw(
                serde_json::to_vec(&example("validateStripePurchase", "200", None)).unwrap(),
                "application/vnd.api+json",
            )
            .insert_header("request-id", REQUEST_ID),
    )
    .await;
    let answer = client(&server)
        .validate_stripe_purchase(
            &CustomerUserId::new("<YOUR_CUSTOMER_USER_ID>").unwrap(),
            "<YOUR_STRIPE_TOKEN>",
        )
        .await
        .unwrap();
    let request = the_request(&server).await;
    Envelope::new("POST", STRIPE, Identity::None)
        .content_type(Some("application/vnd.api+json"))
        .check(&request);
    assert_eq!(body(&request), documented);
    assert_eq!(
        documented,
        json!({"data": {"type": "stripe_receipt_validation_result", "attributes": {
            "customer_user_id": "<YOUR_CUSTOMER_USER_ID>", "stripe_token": "<YOUR_STRIPE_TOKEN>"}}})
    );
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.request_id(), Some(REQUEST_ID));
}

#[tokio::test]
async fn validate_paddle_purchase_posts_the_token_and_reads_the_profile() {
    let server = serve(ok(example("validatePaddlePurchase", "200", None))).await;
    let profile = client(&server)
        .validate_paddle_purchase(
            &CustomerUserId::new("<YOUR_CUSTOMER_USER_ID>").unwrap(),
            "live_7d279f61a3339fed520f7cd8c08",
        )
        .await
        .unwrap();
    let request = the_request(&server).await;
    Envelope::new("POST", PADDLE, Identity::None).check(&request);
    assert_eq!(
        body(&request),
        example("validatePaddlePurchase", "request", None)
    );
    assert_eq!(
        profile.customer_user_id.as_deref(),
        Some("Jane.doe@example.com")
    );
    let bought = profile.non_subscriptions.as_deref().unwrap();
    assert_eq!(bought[0].store_product_id, "1year.premium");
    assert!(!bought[0].is_refund);
}

// ----------------------------------------------------------------------------- integrations

#[tokio::test]
async fn get_integration_identifiers_reads_the_documented_identifiers() {
    for who in selectors() {
        let server = serve(ok(example("getIntegrationIdentifiers", "200", None))).await;
        let ids = client(&server)
            .get_integration_identifiers(&who)
            .await
            .unwrap();
        Envelope::new("GET", INTEGRATIONS, Identity::One(&who)).check(&the_request(&server).await);
        assert_eq!(ids.appsflyer_id.as_deref(), Some("1741933337626-3179568"));
        assert_eq!(
            ids.mixpanel_user_id.as_deref(),
            Some("33w6yv5DPqVlyMVbjW31xvzJLtJ3")
        );
        assert_eq!(ids.amplitude_user_id, None);
    }
}

#[tokio::test]
async fn set_integration_identifiers_posts_them_and_reads_an_empty_200() {
    let documented = example("setIntegrationIdentifiers", "request", None);
    let every: IntegrationIdentifiersRequest = serde_json::from_value(documented.clone()).unwrap();
    let mut one = IntegrationIdentifiersRequest::default();
    one.appsflyer_id = Some("1741933337626-3179568".into());
    one.branch_id = Some(Nullable::Null);
    let cases = [
        (every, documented),
        (
            one,
            json!({"appsflyer_id": "1741933337626-3179568", "branch_id": null}),
        ),
    ];
    for (identifiers, expected) in cases {
        for who in selectors() {
            // 200 with an empty body, as Adapty answers.
            let server =
                serve(ResponseTemplate::new(200).insert_header("request-id", REQUEST_ID)).await;
            let answer = client(&server)
                .set_integration_identifiers(&who, &identifiers)
                .await
                .unwrap();
            let request = the_request(&server).await;
            Envelope::new("POST", INTEGRATIONS, Identity::One(&who)).check(&request);
            assert_eq!(body(&request), expected);
            assert_eq!(answer.status(), 200);
            assert_eq!(answer.request_id(), Some(REQUEST_ID));
        }
    }
}

// --------------------------------------------------------------------------------- paywalls

#[tokio::test]
async fn list_paywalls_sends_the_page_parameters() {
    let server = serve(ok(example("listPaywalls", "200", None))).await;
    let page = client(&server).list_paywalls(2, 50).await.unwrap();
    let request = the_request(&server).await;
    Envelope::new("GET", PAYWALLS, Identity::None)
        .query(&[("page[number]", "2"), ("page[size]", "50")])
        .check(&request);
    // Brackets are percent-encoded on the wire.
    assert_eq!(
        request.url.query(),
        Some("page%5Bnumber%5D=2&page%5Bsize%5D=50")
    );
    assert_eq!(page.data.len(), 2);
    assert_eq!(page.data[1].title, "Premium Subscription");
    assert_eq!(page.data[1].state, PaywallState::Live);
    assert_eq!(
        page.data[1].products[0].offer.as_ref().unwrap().title,
        "Free Trial"
    );
    assert_eq!(page.data[0].web_purchase_url, None);
    assert_eq!(page.meta.pagination.count, 365);
    assert_eq!(page.meta.pagination.pages, 183);
}

#[tokio::test]
async fn get_paywall_fills_the_path_and_reads_the_documented_paywall() {
    let server = serve(ok(example("getPaywall", "200", Some("paywall")))).await;
    let paywall = client(&server)
        .get_paywall(PAYWALL_ID.parse().unwrap())
        .await
        .unwrap();
    Envelope::new("GET", PAYWALL, Identity::None).check(&the_request(&server).await);
    assert_eq!(paywall.paywall_id.to_string(), PAYWALL_ID);
    assert_eq!(paywall.title, "Premium Subscription");
    assert_eq!(paywall.state, PaywallState::Live);
    assert_eq!(paywall.products[0].product_set, ProductSet::Uncategorised);
    let config: Value = paywall.remote_configs[0].data_as().unwrap();
    assert_eq!(config["title"], "Premium Features");
    assert_eq!(paywall.main_screenshot.as_ref().unwrap().image_id, 123_456);
}

#[tokio::test]
async fn update_paywall_puts_the_documented_remote_configs() {
    let documented = example("updatePaywall", "request", None);
    let update: PaywallUpdateRequest = serde_json::from_value(documented.clone()).unwrap();
    let server = serve(ok(example("updatePaywall", "200", Some("paywall")))).await;
    let paywall = client(&server)
        .update_paywall(PAYWALL_ID.parse().unwrap(), &update)
        .await
        .unwrap();
    let request = the_request(&server).await;
    Envelope::new("PUT", PAYWALL, Identity::None).check(&request);
    assert_eq!(body(&request), documented);
    assert_eq!(paywall.remote_configs[0].locale, "en");

    // Built with the constructors: the config data goes as a JSON string.
    let server = serve(ok(example("updatePaywall", "200", Some("paywall")))).await;
    let update = PaywallUpdateRequest::new(vec![
        RemoteConfig::new("fr", &json!({"title": "Premium"})).unwrap(),
    ]);
    client(&server)
        .update_paywall(PAYWALL_ID.parse().unwrap(), &update)
        .await
        .unwrap();
    assert_eq!(
        body(&the_request(&server).await),
        json!({"remote_configs": [{"locale": "fr", "data": "{\"title\":\"Premium\"}"}]})
    );
}

// ------------------------------------------------------------------------ virtual currency

fn conversion() -> VirtualCurrencyTransactionRequest {
    VirtualCurrencyTransactionRequest::new(vec![
        VirtualCurrencyBalanceAdjustment::new("SILVER", -100),
        VirtualCurrencyBalanceAdjustment::new("GOLD", 10),
    ])
    .with_metadata("reason", "exchange")
    .unwrap()
}

#[tokio::test]
async fn create_virtual_currency_transaction_sends_a_v4_idempotency_key() {
    for who in selectors() {
        let server = serve(ok(example("createVirtualCurrencyTransaction", "200", None))).await;
        let answer = client(&server)
            .create_virtual_currency_transaction(&who, &conversion(), None)
            .await
            .unwrap();
        let request = the_request(&server).await;
        Envelope::new("POST", VC_TRANSACTIONS, Identity::One(&who))
            .idempotency_key()
            .check(&request);
        let key = header(&request, "idempotency-key").unwrap();
        let uuid = Uuid::parse_str(key).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 4, "{key}");
        assert_eq!(key, uuid.hyphenated().to_string(), "hyphenated, lowercase");
        assert_eq!(
            body(&request),
            example(
                "createVirtualCurrencyTransaction",
                "request",
                Some("conversion")
            )
        );
        assert_eq!(
            answer.transaction_id.to_string(),
            "0190e8a4-1c2b-7def-8abc-2c1a4b6d8e90"
        );
        assert_eq!(answer.balances[0].code, "COINS");
        assert_eq!(answer.balances[0].balance, 12950);
        assert_eq!(answer.balances[0].available, 12950);
    }
}

#[tokio::test]
async fn create_virtual_currency_transaction_sends_every_documented_request() {
    let cases = [
        (
            "debit",
            VirtualCurrencyTransactionRequest::new(vec![VirtualCurrencyBalanceAdjustment::new(
                "COINS", -10,
            )]),
        ),
        (
            "credit",
            VirtualCurrencyTransactionRequest::new(vec![VirtualCurrencyBalanceAdjustment::new(
                "COINS", 500,
            )]),
        ),
        (
            "multi_currency",
            VirtualCurrencyTransactionRequest::new(vec![
                VirtualCurrencyBalanceAdjustment::new("GOLD", -50),
                VirtualCurrencyBalanceAdjustment::new("SILVER", -200),
            ]),
        ),
        ("conversion", conversion()),
    ];
    let key = IdempotencyKey::new();
    for (name, transaction) in cases {
        let server = serve(ok(example("createVirtualCurrencyTransaction", "200", None))).await;
        client(&server)
            .create_virtual_currency_transaction(&by_user(), &transaction, Some(key))
            .await
            .unwrap();
        let request = the_request(&server).await;
        assert_eq!(
            body(&request),
            example("createVirtualCurrencyTransaction", "request", Some(name)),
            "{name}"
        );
        assert_eq!(
            header(&request, "idempotency-key"),
            Some(key.to_string().as_str())
        );
    }
}

#[tokio::test]
async fn list_virtual_currency_transactions_sends_the_query_and_reads_the_page() {
    let cursor = "MjAyNi0wNS0yMFQwOTowMDowMFowMTkwZTVjMC0zZjE4LTdiOWEtOWU2ZC00NGExYzhiMjdlMDM=";
    let everything = TransactionsQuery::new();
    let coins = TransactionsQuery::new().currency("COINS").limit(20);
    // (query, cursor, the query parameters expected on the wire)
    type Case<'a> = (
        &'a TransactionsQuery,
        Option<&'a str>,
        &'a [(&'a str, &'a str)],
    );
    let cases: [Case<'_>; 3] = [
        (&everything, None, &[]),
        (&coins, None, &[("currency_code", "COINS"), ("limit", "20")]),
        (
            &coins,
            Some(cursor),
            &[
                ("currency_code", "COINS"),
                ("cursor", cursor),
                ("limit", "20"),
            ],
        ),
    ];
    for (query, from, expected) in cases {
        for who in selectors() {
            let server = serve(ok(example("listVirtualCurrencyTransactions", "200", None))).await;
            let page = client(&server)
                .list_virtual_currency_transactions(&who, query, from)
                .await
                .unwrap();
            Envelope::new("GET", VC_TRANSACTIONS, Identity::One(&who))
                .query(expected)
                .check(&the_request(&server).await);
            assert_eq!(page.data.len(), 3);
            assert_eq!(
                page.data[0].transaction_type,
                VirtualCurrencyTransactionType::ApiTransaction
            );
            assert_eq!(page.data[0].items[0].balance_after, 12950);
            assert_eq!(
                page.data[0].metadata.as_ref().unwrap()["reason"].to_string(),
                "promo_bonus"
            );
            assert_eq!(
                page.data[1].transaction_type,
                VirtualCurrencyTransactionType::StorePurchase
            );
            assert_eq!(page.pagination.next_cursor.as_deref(), Some(cursor));
        }
    }
}

#[tokio::test]
async fn list_virtual_currency_balances_reads_every_balance() {
    for who in selectors() {
        let server = serve(ok(example("listVirtualCurrencyBalances", "200", None))).await;
        let balances = client(&server)
            .list_virtual_currency_balances(&who)
            .await
            .unwrap();
        Envelope::new("GET", VC_BALANCES, Identity::One(&who)).check(&the_request(&server).await);
        assert_eq!(balances.response_created_at, 1_779_791_400_000);
        let codes: Vec<(&str, i32)> = balances
            .data
            .iter()
            .map(|b| (b.code.as_str(), b.balance))
            .collect();
        assert_eq!(codes, [("COINS", 12450), ("GEMS", 3280), ("ENERGY", 840)]);
        assert_eq!(balances.data[1].name, "Gems");
    }
}
