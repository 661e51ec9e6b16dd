//! Where v2 differs from v1, against real servers on loopback (wiremock): the `Idempotency-Key`
//! of a virtual currency transaction and the retries it allows, the retry rule of each kind of
//! operation, the two kinds of pagination, the error shapes and typed codes, and the checks made
//! before anything is sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use adapty_api::v2::types::{
    GrantAccessLevelRequest, InstallationMeta, IntegrationIdentifiersRequest, OneTimePurchase,
    PaywallUpdateRequest, Price, ProfileRequest, RefundSaverSettingsRequest,
    RevokeAccessLevelRequest, TransactionRequest, VirtualCurrencyBalanceAdjustment as Change,
    VirtualCurrencyTransactionRequest,
};
use adapty_api::v2::{
    Client, Environment, ErrorCode, Nullable, Platform, RefundPreference, Store, TransactionsQuery,
    facts,
};
use adapty_api::{ApiKey, CustomerUserId, Error, IdempotencyKey, ProfileSelector, RetryPolicy};
use common::{requests, server_answering, spec_v2, v2_example};
use futures_util::{StreamExt as _, TryStreamExt as _};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{any, method, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "secret_live_resilience_v2.Zq8Xw2Lk9";

fn who() -> ProfileSelector {
    ProfileSelector::customer_user_id("user-7").unwrap()
}

/// Fast retries, so the tests take milliseconds, not seconds.
fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_base_delay(Duration::from_millis(10))
        .with_max_delay(Duration::from_millis(20))
}

fn client_of(server: &MockServer, policy: RetryPolicy) -> Client {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .retry_policy(policy)
        .build()
        .unwrap()
}

fn example(operation_id: &str, part: &str, name: Option<&str>) -> Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    v2_example(SPEC.get_or_init(spec_v2), operation_id, part, name)
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn ok_profile() -> ResponseTemplate {
    ok(example("getProfile", "200", None))
}

fn ok_transaction() -> ResponseTemplate {
    ok(example("createVirtualCurrencyTransaction", "200", None))
}

/// An error answer with Adapty's body.
fn error_answer(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "errors": [{"source": null, "errors": [message]}],
        "error_code": code,
        "status_code": status
    }))
}

async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("recording is on")
}

fn key_of(request: &Request) -> String {
    let values: Vec<_> = request.headers.get_all("idempotency-key").iter().collect();
    assert_eq!(values.len(), 1, "one Idempotency-Key per request");
    values[0].to_str().unwrap().to_owned()
}

fn api_error(error: &Error) -> &adapty_api::ApiError {
    match error {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn credit() -> VirtualCurrencyTransactionRequest {
    VirtualCurrencyTransactionRequest::new(vec![Change::new("COINS", 500)])
}

// ------------------------------------------------------------------------------ idempotency

#[tokio::test]
async fn a_vc_transaction_keeps_its_key_across_retries() {
    let server = server_answering(1, ResponseTemplate::new(503), ok_transaction()).await;
    let answer = client_of(&server, quick_retries())
        .create_virtual_currency_transaction(&who(), &credit(), None)
        .await
        .unwrap();
    assert_eq!(answer.balances[0].balance, 12950);
    let seen = received(&server).await;
    assert_eq!(seen.len(), 2, "a keyed POST answered 503 is retried");
    let (first, second) = (key_of(&seen[0]), key_of(&seen[1]));
    assert_eq!(first, second, "the same key on every attempt");
    assert_eq!(Uuid::parse_str(&first).unwrap().get_version_num(), 4);
    assert_eq!(seen[0].body, seen[1].body, "the same body too");
}

#[tokio::test]
async fn a_vc_transaction_keeps_its_key_after_a_slow_attempt() {
    let server = server_answering(
        1,
        ok_transaction().set_delay(Duration::from_secs(3)),
        ok_transaction(),
    )
    .await;
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .retry_policy(quick_retries())
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = Instant::now();
    client
        .create_virtual_currency_transaction(&who(), &credit(), None)
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    let seen = received(&server).await;
    assert_eq!(seen.len(), 2, "a keyed POST that timed out is retried");
    assert_eq!(key_of(&seen[0]), key_of(&seen[1]));
}

#[tokio::test]
async fn a_given_key_is_sent_as_given() {
    let given: IdempotencyKey = "8b0e2f4c-2d1a-4c3e-9f6b-1a2b3c4d5e6f".parse().unwrap();
    let server = server_answering(2, ResponseTemplate::new(502), ok_transaction()).await;
    client_of(&server, quick_retries())
        .create_virtual_currency_transaction(&who(), &credit(), Some(given))
        .await
        .unwrap();
    let seen = received(&server).await;
    assert_eq!(seen.len(), 3);
    for request in &seen {
        assert_eq!(key_of(request), "8b0e2f4c-2d1a-4c3e-9f6b-1a2b3c4d5e6f");
    }
}

#[tokio::test]
async fn two_calls_without_a_key_send_different_keys() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ok_transaction())
        .mount(&server)
        .await;
    let client = client_of(&server, quick_retries());
    for _ in 0..2 {
        client
            .create_virtual_currency_transaction(&who(), &credit(), None)
            .await
            .unwrap();
    }
    let seen = received(&server).await;
    assert_eq!(seen.len(), 2);
    assert_ne!(key_of(&seen[0]), key_of(&seen[1]), "a fresh key per call");
}

#[tokio::test]
async fn an_idempotency_in_flight_409_is_waited_out() {
    for retry_after in ["0", "1"] {
        let in_flight = ResponseTemplate::new(409)
            .set_body_json(example("createVirtualCurrencyTransaction", "409", None))
            .insert_header("retry-after", retry_after);
        let server = server_answering(1, in_flight, ok_transaction()).await;
        let started = Instant::now();
        let answer = client_of(&server, quick_retries())
            .create_virtual_currency_transaction(&who(), &credit(), None)
            .await
            .unwrap_or_else(|e| panic!("Retry-After {retry_after}: {e}"));
        assert_eq!(answer.status(), 200);
        let seen = received(&server).await;
        assert_eq!(seen.len(), 2, "Retry-After {retry_after}");
        assert_eq!(key_of(&seen[0]), key_of(&seen[1]));
        if retry_after == "1" {
            assert!(started.elapsed() >= Duration::from_millis(900), "waited");
        }
    }
}

#[tokio::test]
async fn an_in_flight_409_that_lasts_ends_with_its_code() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(409)
                .set_body_json(example("createVirtualCurrencyTransaction", "409", None))
                .insert_header("retry-after", "0"),
        )
        .mount(&server)
        .await;
    let error = client_of(&server, quick_retries())
        .create_virtual_currency_transaction(&who(), &credit(), None)
        .await
        .expect_err("always in flight");
    assert_eq!(
        error.code::<ErrorCode>(),
        Some(ErrorCode::IdempotencyInFlight)
    );
    assert_eq!(requests(&server).await, 3, "the policy's attempts");
}

#[tokio::test]
async fn a_duplicate_source_transaction_409_is_final() {
    let server = server_answering(
        1,
        error_answer(
            409,
            "duplicate_source_transaction",
            "The source transaction was already applied.",
        )
        .insert_header("retry-after", "0"),
        ok_transaction(),
    )
    .await;
    let error = client_of(&server, quick_retries())
        .create_virtual_currency_transaction(&who(), &credit(), None)
        .await
        .expect_err("a duplicate is an answer");
    assert_eq!(api_error(&error).status(), 409);
    assert_eq!(
        error.code::<ErrorCode>(),
        Some(ErrorCode::DuplicateSourceTransaction)
    );
    assert_eq!(requests(&server).await, 1, "not retried");
}

#[tokio::test]
async fn an_in_flight_409_is_final_for_a_call_without_a_key() {
    // Only a keyed call may wait for its key: an `x-idempotent` POST and a PUT take the 409 as
    // their answer.
    let in_flight = || {
        ResponseTemplate::new(409)
            .set_body_json(example("createVirtualCurrencyTransaction", "409", None))
            .insert_header("retry-after", "0")
    };
    let server = server_answering(
        1,
        in_flight(),
        ok(example("setRefundSaverSettings", "200", None)),
    )
    .await;
    let mut settings = RefundSaverSettingsRequest::default();
    settings.consent = Some(Nullable::Value(true));
    let error = client_of(&server, quick_retries())
        .set_refund_saver_settings(&who(), &settings)
        .await
        .expect_err("409");
    assert_eq!(api_error(&error).status(), 409);
    assert_eq!(requests(&server).await, 1);

    let server = server_answering(
        1,
        in_flight(),
        ok(example("getPaywall", "200", Some("paywall"))),
    )
    .await;
    client_of(&server, quick_retries())
        .update_paywall(Uuid::new_v4(), &PaywallUpdateRequest::new(vec![]))
        .await
        .expect_err("409");
    assert_eq!(requests(&server).await, 1);
}

// ------------------------------------------------------------------------------ retry rules

fn one_time_purchase() -> TransactionRequest {
    OneTimePurchase::new(
        "my_web_store",
        "lifetime",
        "order-1",
        Price::new("US", "USD", 49.0),
        "2024-01-15T10:30:00Z".parse().unwrap(),
    )
    .unwrap()
    .into()
}

/// Calls the operation `name` of `client` once, with a valid request; `Ok(())` on success.
async fn call(client: &Client, name: &str) -> Result<(), Error> {
    let who = who();
    let user = CustomerUserId::new("user-7").unwrap();
    let paywall = Uuid::new_v4();
    let mut settings = RefundSaverSettingsRequest::default();
    settings.custom_preference = Some(Nullable::Value(RefundPreference::Decline));
    let mut identifiers = IntegrationIdentifiersRequest::default();
    identifiers.branch_id = Some("b-1".into());
    let empty = ProfileRequest::default();
    let query = TransactionsQuery::new();
    match name {
        "get_profile" => client.get_profile(&who).await.map(drop),
        "create_profile" => client.create_profile(&who, &empty).await.map(drop),
        "update_profile" => client.update_profile(&who, &empty).await.map(drop),
        "delete_profile" => client.delete_profile(&who).await.map(drop),
        "set_transaction" => client
            .set_transaction(&who, &one_time_purchase())
            .await
            .map(drop),
        "grant_access_level" => client
            .grant_access_level(&who, &GrantAccessLevelRequest::new("premium"))
            .await
            .map(drop),
        "revoke_access_level" => client
            .revoke_access_level(&who, &RevokeAccessLevelRequest::new("premium"))
            .await
            .map(drop),
        "get_refund_saver_settings" => client.get_refund_saver_settings(&who).await.map(drop),
        "set_refund_saver_settings" => client
            .set_refund_saver_settings(&who, &settings)
            .await
            .map(drop),
        "validate_stripe_purchase" => client
            .validate_stripe_purchase(&user, "sub_1")
            .await
            .map(drop),
        "validate_paddle_purchase" => client
            .validate_paddle_purchase(&user, "txn_1")
            .await
            .map(drop),
        "get_integration_identifiers" => client.get_integration_identifiers(&who).await.map(drop),
        "set_integration_identifiers" => client
            .set_integration_identifiers(&who, &identifiers)
            .await
            .map(drop),
        "list_paywalls" => client.list_paywalls(1, 20).await.map(drop),
        "get_paywall" => client.get_paywall(paywall).await.map(drop),
        "update_paywall" => client
            .update_paywall(paywall, &PaywallUpdateRequest::new(vec![]))
            .await
            .map(drop),
        "create_virtual_currency_transaction" => client
            .create_virtual_currency_transaction(&who, &credit(), None)
            .await
            .map(drop),
        "list_virtual_currency_transactions" => client
            .list_virtual_currency_transactions(&who, &query, None)
            .await
            .map(drop),
        "list_virtual_currency_balances" => {
            client.list_virtual_currency_balances(&who).await.map(drop)
        }
        other => panic!("no call for {other}"),
    }
}

/// The documented success answer of the operation `name`.
fn success_of(name: &str) -> ResponseTemplate {
    match name {
        "delete_profile" => ResponseTemplate::new(204),
        "set_integration_identifiers" => ResponseTemplate::new(200),
        "get_refund_saver_settings" => ok(example("getRefundSaverSettings", "200", None)),
        "set_refund_saver_settings" => ok(example("setRefundSaverSettings", "200", None)),
        "validate_stripe_purchase" => ok(json!({"data": null})),
        "get_integration_identifiers" => ok(example("getIntegrationIdentifiers", "200", None)),
        "list_paywalls" => ok(example("listPaywalls", "200", None)),
        "get_paywall" | "update_paywall" => ok(example("getPaywall", "200", Some("paywall"))),
        "create_virtual_currency_transaction" => ok_transaction(),
        "list_virtual_currency_transactions" => {
            ok(example("listVirtualCurrencyTransactions", "200", None))
        }
        "list_virtual_currency_balances" => ok(example("listVirtualCurrencyBalances", "200", None)),
        _ => ok_profile(),
    }
}

/// The operations a `503` may not be retried for: `POST`s that create or record something,
/// without an `Idempotency-Key` and not marked `x-idempotent`.
const NOT_RETRIED_ON_503: &[&str] = &[
    "create_profile",
    "set_transaction",
    "grant_access_level",
    "revoke_access_level",
    "validate_stripe_purchase",
    "validate_paddle_purchase",
];

#[tokio::test]
async fn a_503_is_retried_exactly_for_the_operations_safe_to_repeat() {
    for op in facts::OPERATIONS {
        let name = op.name;
        let server = server_answering(1, ResponseTemplate::new(503), success_of(name)).await;
        let outcome = call(&client_of(&server, quick_retries()), name).await;
        let attempts = requests(&server).await;
        if NOT_RETRIED_ON_503.contains(&name) {
            let error = outcome.expect_err(name);
            assert_eq!(api_error(&error).status(), 503, "{name}");
            assert_eq!(
                attempts, 1,
                "{name}: a POST that may have run is not retried"
            );
        } else {
            outcome.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(attempts, 2, "{name}: retried once, then answered");
        }
    }
}

#[tokio::test]
async fn a_429_is_retried_for_every_operation() {
    // A 429 says the request was not processed: even a create may go again.
    for op in facts::OPERATIONS {
        let server = server_answering(1, ResponseTemplate::new(429), success_of(op.name)).await;
        call(&client_of(&server, quick_retries()), op.name)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", op.name));
        assert_eq!(requests(&server).await, 2, "{}", op.name);
    }
}

#[tokio::test]
async fn the_x_idempotent_posts_are_retried_like_a_put() {
    for name in ["set_refund_saver_settings", "set_integration_identifiers"] {
        for status in [500, 502, 503, 504] {
            let server = server_answering(2, ResponseTemplate::new(status), success_of(name)).await;
            call(&client_of(&server, quick_retries()), name)
                .await
                .unwrap_or_else(|e| panic!("{name} {status}: {e}"));
            assert_eq!(requests(&server).await, 3, "{name} {status}");
        }
    }
}

// ------------------------------------------------------------------------------- pagination

/// A page of paywalls: `titles` (one paywall each), page `page` of `pages`.
fn paywall_page(titles: &[&str], page: u32, pages: u32) -> Value {
    let documented = example("listPaywalls", "200", None);
    let item = &documented["data"][1];
    let data: Vec<Value> = titles
        .iter()
        .map(|title| {
            let mut paywall = item.clone();
            paywall["title"] = json!(title);
            paywall
        })
        .collect();
    json!({"data": data, "meta": {"pagination": {"count": titles.len(), "page": page, "pages": pages}}})
}

/// Serves `pages[i]` for `page[number]` = i + 1 (each once), and a 500 for any other request.
async fn paywall_server(pages: Vec<ResponseTemplate>) -> MockServer {
    let server = MockServer::start().await;
    for (i, answer) in pages.into_iter().enumerate() {
        Mock::given(method("GET"))
            .and(query_param("page[number]", (i + 1).to_string()))
            .and(query_param("page[size]", "1"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .with_priority(10)
        .expect(0)
        .named("a request after the last page")
        .mount(&server)
        .await;
    server
}

/// The `page[number]` of each request received, in order.
async fn pages_asked(server: &MockServer) -> Vec<String> {
    received(server)
        .await
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "page[number]")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn paywalls_stop_after_the_last_page() {
    let server = paywall_server(vec![
        ok(paywall_page(&["one"], 1, 3)),
        ok(paywall_page(&["two"], 2, 3)),
        ok(paywall_page(&["three"], 3, 3)),
    ])
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let mut pages = client.paywalls(1);
    let mut titles = Vec::new();
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        titles.extend(page.data.iter().map(|p| p.title.clone()));
    }
    assert_eq!(titles, ["one", "two", "three"]);
    assert!(pages.next_page().await.is_none(), "stays ended");
    assert_eq!(pages_asked(&server).await, ["1", "2", "3"]);
    server.verify().await;
}

#[tokio::test]
async fn paywalls_read_as_a_stream() {
    let server = paywall_server(vec![
        ok(paywall_page(&["one"], 1, 3)),
        ok(paywall_page(&["two"], 2, 3)),
        ok(paywall_page(&["three"], 3, 3)),
    ])
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let titles: Vec<String> = client
        .paywalls(1)
        .map_ok(|page| page.into_inner().data)
        .try_concat()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.title)
        .collect();
    assert_eq!(titles, ["one", "two", "three"]);
    assert_eq!(pages_asked(&server).await, ["1", "2", "3"]);

    // Pages are asked for only as they are taken.
    let server = paywall_server(vec![
        ok(paywall_page(&["one"], 1, 3)),
        ok(paywall_page(&["two"], 2, 3)),
    ])
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let first_two: Vec<_> = client.paywalls(1).take(2).collect().await;
    assert_eq!(first_two.len(), 2);
    assert_eq!(pages_asked(&server).await, ["1", "2"]);
}

#[tokio::test]
async fn paywalls_stop_on_an_empty_page() {
    // The server says 10 pages, but the second one is empty: nothing more to read.
    let server = paywall_server(vec![
        ok(paywall_page(&["one"], 1, 10)),
        ok(paywall_page(&[], 2, 10)),
    ])
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let pages: Vec<_> = client.paywalls(1).try_collect().await.unwrap();
    assert_eq!(pages.len(), 2);
    assert!(pages[1].data.is_empty());
    assert_eq!(pages_asked(&server).await, ["1", "2"]);
    server.verify().await;
}

#[tokio::test]
async fn an_error_on_page_two_is_yielded_once_and_ends_the_stream() {
    let validation = ResponseTemplate::new(400).set_body_json(example("listPaywalls", "400", None));
    let server = paywall_server(vec![ok(paywall_page(&["one"], 1, 3)), validation]).await;
    let client = client_of(&server, quick_retries());

    let mut pages = client.paywalls(1);
    assert_eq!(
        pages.next_page().await.unwrap().unwrap().data[0].title,
        "one"
    );
    let error = pages.next_page().await.unwrap().expect_err("page 2 fails");
    let api = api_error(&error);
    assert_eq!(api.status(), 400);
    assert_eq!(error.code::<ErrorCode>(), Some(ErrorCode::ValidationError));
    assert_eq!(
        api.messages_for("page_size").next(),
        Some("Invalid page_size parameter. Must be between 1 and 100.")
    );
    assert!(pages.next_page().await.is_none(), "ends after the error");
    assert!(pages.next_page().await.is_none());
    assert_eq!(pages_asked(&server).await, ["1", "2"]);

    // The same through the Stream API: two items, the second the error.
    let server2 = paywall_server(vec![
        ok(paywall_page(&["one"], 1, 3)),
        ResponseTemplate::new(400).set_body_json(example("listPaywalls", "400", None)),
    ])
    .await;
    let client = client_of(&server2, quick_retries());
    let items: Vec<_> = client.paywalls(1).collect().await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert!(items[1].is_err());
    assert_eq!(pages_asked(&server2).await, ["1", "2"]);
}

/// A page of virtual currency transactions (the documented one) whose `next_cursor` is `next`.
fn transaction_page(next: Option<&str>) -> ResponseTemplate {
    let mut page = example("listVirtualCurrencyTransactions", "200", None);
    page["pagination"]["next_cursor"] = json!(next);
    ok(page)
}

/// The `cursor` of each request received, in order (`None` when absent), checking that every
/// request carried the query's other parameters.
async fn cursors_sent(server: &MockServer) -> Vec<Option<String>> {
    received(server)
        .await
        .iter()
        .map(|r| {
            let pairs: Vec<(String, String)> = r
                .url
                .query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            assert!(pairs.contains(&("currency_code".into(), "COINS".into())));
            assert!(pairs.contains(&("limit".into(), "3".into())));
            assert_eq!(
                r.headers.get("adapty-customer-user-id").unwrap(),
                "user-7",
                "every page is the profile's"
            );
            pairs
                .into_iter()
                .find(|(k, _)| k == "cursor")
                .map(|(_, v)| v)
        })
        .collect()
}

/// Serves `first` to the request without a cursor and `answers[c]` to `cursor=c`.
async fn cursor_server(
    first: ResponseTemplate,
    answers: Vec<(&str, ResponseTemplate)>,
) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(query_param_is_missing("cursor"))
        .respond_with(first)
        .mount(&server)
        .await;
    for (cursor, answer) in answers {
        Mock::given(method("GET"))
            .and(query_param("cursor", cursor))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    server
}

fn coins() -> TransactionsQuery {
    TransactionsQuery::new().currency("COINS").limit(3)
}

#[tokio::test]
async fn vc_transactions_follow_the_cursor_until_null() {
    let server = cursor_server(
        transaction_page(Some("c2==")),
        vec![
            ("c2==", transaction_page(Some("c3+/"))),
            ("c3+/", transaction_page(None)),
        ],
    )
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let mut pages = client.virtual_currency_transactions(&who(), coins());
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        count += page.unwrap().data.len();
    }
    assert_eq!(count, 9);
    assert_eq!(
        cursors_sent(&server).await,
        [None, Some("c2==".to_owned()), Some("c3+/".to_owned())]
    );

    // The same through the Stream API.
    let server = cursor_server(
        transaction_page(Some("c2==")),
        vec![("c2==", transaction_page(None))],
    )
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let all: Vec<_> = client
        .virtual_currency_transactions(&who(), coins())
        .map_ok(|page| page.into_inner().data)
        .try_concat()
        .await
        .unwrap();
    assert_eq!(all.len(), 6);
    assert_eq!(cursors_sent(&server).await, [None, Some("c2==".to_owned())]);
}

#[tokio::test]
async fn vc_transactions_stop_when_the_cursor_repeats() {
    let server = cursor_server(
        transaction_page(Some("same")),
        vec![("same", transaction_page(Some("same")))],
    )
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    let pages = tokio::time::timeout(
        Duration::from_secs(5),
        client
            .virtual_currency_transactions(&who(), coins())
            .take(10)
            .collect::<Vec<_>>(),
    )
    .await
    .expect("the stream ends");
    assert_eq!(pages.len(), 2);
    assert_eq!(cursors_sent(&server).await, [None, Some("same".to_owned())]);
}

#[tokio::test]
async fn vc_transactions_stop_when_an_earlier_cursor_comes_back() {
    // A server that cycles (a → b → a) would make the stream loop forever; "a cursor that repeats
    // itself ends the stream rather than looping" (the method's documentation).
    let server = cursor_server(
        transaction_page(Some("a")),
        vec![
            ("a", transaction_page(Some("b"))),
            ("b", transaction_page(Some("a"))),
        ],
    )
    .await;
    let client = client_of(&server, RetryPolicy::disabled());
    // `take` bounds the test; a correct stream ends on its own after 3 pages.
    let pages: Vec<_> = client
        .virtual_currency_transactions(&who(), coins())
        .take(10)
        .collect()
        .await;
    assert_eq!(
        cursors_sent(&server).await,
        [None, Some("a".to_owned()), Some("b".to_owned())],
        "the cursor `a` was followed a second time"
    );
    assert_eq!(pages.len(), 3);
}

#[tokio::test]
async fn an_error_in_the_cursor_stream_ends_it() {
    let invalid = error_answer(400, "invalid_cursor", "Invalid cursor.");
    let server = cursor_server(transaction_page(Some("c2")), vec![("c2", invalid)]).await;
    let client = client_of(&server, quick_retries());
    let items: Vec<_> = client
        .virtual_currency_transactions(&who(), coins())
        .take(10)
        .collect()
        .await;
    assert_eq!(items.len(), 2);
    let error = items[1].as_ref().expect_err("the second page fails");
    assert_eq!(error.code::<ErrorCode>(), Some(ErrorCode::InvalidCursor));
    assert_eq!(cursors_sent(&server).await, [None, Some("c2".to_owned())]);
}

// ------------------------------------------------------------------------------ error shapes

#[tokio::test]
async fn plain_string_errors_are_messages_without_a_source() {
    let cases = [
        (
            "getRefundSaverSettings",
            400,
            example(
                "getRefundSaverSettings",
                "400",
                Some("profile_does_not_exist"),
            ),
            ErrorCode::ProfileDoesNotExist,
            "Profile does not exist",
        ),
        (
            "getRefundSaverSettings",
            401,
            example("getRefundSaverSettings", "401", Some("unauthorized")),
            ErrorCode::Unauthorized,
            "Invalid API key",
        ),
        (
            "validatePaddlePurchase",
            400,
            example("validatePaddlePurchase", "400", Some("no_products_found")),
            ErrorCode::NoProductsFound,
            "No products found",
        ),
    ];
    for (operation, status, body, code, message) in cases {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(
                ResponseTemplate::new(status)
                    .set_body_json(body)
                    .insert_header("request-id", "req-9"),
            )
            .mount(&server)
            .await;
        let client = client_of(&server, quick_retries());
        let error = if operation == "validatePaddlePurchase" {
            client
                .validate_paddle_purchase(&CustomerUserId::new("user-7").unwrap(), "txn_1")
                .await
                .map(drop)
        } else {
            client.get_refund_saver_settings(&who()).await.map(drop)
        }
        .expect_err(operation);
        let api = api_error(&error);
        assert_eq!(api.status(), status);
        assert_eq!(api.field_errors().len(), 1);
        assert_eq!(api.field_errors()[0].source(), None);
        assert_eq!(api.field_errors()[0].messages(), [message]);
        assert_eq!(api.error_code(), Some(code.as_str()));
        assert_eq!(error.code::<ErrorCode>(), Some(code));
        assert_eq!(api.request_id(), Some("req-9"));
        assert_eq!(api.raw_body(), None, "a documented body is decoded");
        assert!(error.to_string().contains(message), "{error}");
        assert_eq!(requests(&server).await, 1);
    }
}

#[tokio::test]
async fn object_errors_keep_their_source() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_json(example(
            "createVirtualCurrencyTransaction",
            "400",
            None,
        )))
        .mount(&server)
        .await;
    let error = client_of(&server, quick_retries())
        .create_virtual_currency_transaction(
            &who(),
            &VirtualCurrencyTransactionRequest::new(vec![Change::new("COINS", -10)]),
            None,
        )
        .await
        .expect_err("insufficient");
    let api = api_error(&error);
    assert_eq!(
        api.messages_for("currency_code").collect::<Vec<_>>(),
        ["Insufficient balance for currency COINS"]
    );
    assert_eq!(
        error.code::<ErrorCode>(),
        Some(ErrorCode::InsufficientBalance)
    );
    assert_eq!(requests(&server).await, 1, "a 400 is an answer");
}

#[tokio::test]
async fn the_stripe_json_api_error_names_the_json_pointer() {
    let body = example("validateStripePurchase", "400", None);
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            serde_json::to_vec(&body).unwrap(),
            "application/vnd.api+json",
        ))
        .mount(&server)
        .await;
    let error = client_of(&server, quick_retries())
        .validate_stripe_purchase(&CustomerUserId::new("user-7").unwrap(), "")
        .await
        .expect_err("400");
    let api = api_error(&error);
    assert_eq!(api.status(), 400);
    assert_eq!(api.field_errors().len(), 1);
    assert_eq!(
        api.field_errors()[0].source(),
        Some("/data/attributes/stripe_token")
    );
    assert_eq!(
        api.field_errors()[0].messages(),
        ["none is not an allowed value"]
    );
    assert_eq!(
        api.messages_for("/data/attributes/stripe_token").next(),
        Some("none is not an allowed value")
    );
    assert_eq!(api.error_code(), None, "JSON:API errors have no error_code");
    assert_eq!(error.code::<ErrorCode>(), None);
    assert_eq!(api.raw_body(), None);
}

#[tokio::test]
async fn every_error_code_reads_as_its_variant_and_an_unknown_one_is_kept() {
    // The codes come from the spec's facts (not a copy here); each must read as a variant of its
    // own (known, and written back as it came), a few of them pinned by name.
    assert_eq!(ErrorCode::KNOWN, facts::ERROR_CODE_VALUES);
    let pinned = [
        ("profile_not_found", ErrorCode::ProfileNotFound),
        ("insufficient_balance", ErrorCode::InsufficientBalance),
        ("idempotency_in_flight", ErrorCode::IdempotencyInFlight),
    ];
    for (code, variant) in &pinned {
        assert_eq!(&ErrorCode::from(*code), variant, "{code}");
    }
    let unknown = "a_code_from_tomorrow";
    let expected = |code: &str| {
        if code == unknown {
            ErrorCode::Unrecognized(unknown.into())
        } else {
            ErrorCode::from(code)
        }
    };
    let mut variants = std::collections::BTreeSet::new();
    for code in facts::ERROR_CODE_VALUES.iter().copied().chain([unknown]) {
        let variant = expected(code);
        variants.insert(format!("{variant:?}"));
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(error_answer(403, code, "no"))
            .mount(&server)
            .await;
        let error = client_of(&server, RetryPolicy::disabled())
            .list_virtual_currency_balances(&who())
            .await
            .expect_err(code);
        assert_eq!(error.code::<ErrorCode>(), Some(variant.clone()), "{code}");
        assert_eq!(api_error(&error).code::<ErrorCode>(), Some(variant.clone()));
        assert_eq!(variant.as_str(), code);
        assert_eq!(variant.is_known(), code != unknown);
        assert_eq!(error.code::<String>().as_deref(), Some(code));
    }
    // One distinct variant per code.
    assert_eq!(variants.len(), facts::ERROR_CODE_VALUES.len() + 1);
    // No body, no code.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(403))
        .mount(&server)
        .await;
    let error = client_of(&server, RetryPolicy::disabled())
        .list_virtual_currency_balances(&who())
        .await
        .expect_err("403");
    assert_eq!(error.code::<ErrorCode>(), None);
}

// ------------------------------------------------------------------ validation before sending

/// Asserts `result` is an `Error::InvalidInput` naming `field`.
fn assert_invalid<T: std::fmt::Debug>(what: &str, result: Result<T, Error>, field: &str) {
    match result {
        Err(Error::InvalidInput(e)) => assert_eq!(e.field(), field, "{what}: {e}"),
        other => panic!("{what}: expected invalid input naming {field}, got {other:?}"),
    }
}

/// A server that must receive nothing.
async fn silent_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn invalid_vc_transactions_never_reach_the_network() {
    let server = silent_server().await;
    let client = client_of(&server, quick_retries());
    let many = |n: usize| {
        (0..n)
            .map(|i| Change::new(format!("C{i}"), 1))
            .collect::<Vec<_>>()
    };
    let with_metadata = |entries: &[&str]| {
        let mut transaction = credit();
        for key in entries {
            transaction = transaction.with_metadata(key, "v").unwrap();
        }
        transaction
    };
    let cases = [
        (
            "no items",
            VirtualCurrencyTransactionRequest::new(vec![]),
            "items",
        ),
        (
            "21 items",
            VirtualCurrencyTransactionRequest::new(many(21)),
            "items",
        ),
        (
            "an amount of 0",
            VirtualCurrencyTransactionRequest::new(vec![
                Change::new("GOLD", 5),
                Change::new("COINS", 0),
            ]),
            "items[1].amount",
        ),
        (
            "a currency twice",
            VirtualCurrencyTransactionRequest::new(vec![
                Change::new("GOLD", 5),
                Change::new("SILVER", -5),
                Change::new("GOLD", 1),
            ]),
            "items[2].currency_code",
        ),
        (
            "6 metadata entries",
            with_metadata(&["a", "b", "c", "d", "e", "f"]),
            "metadata",
        ),
        (
            "a metadata key with capitals",
            with_metadata(&["Bad-Key"]),
            "metadata.Bad-Key",
        ),
        (
            "a metadata key of 31 characters",
            with_metadata(&[&"k".repeat(31)]),
            &format!("metadata.{}", "k".repeat(31)),
        ),
    ];
    for (what, transaction, field) in &cases {
        for key in [None, Some(IdempotencyKey::new())] {
            assert_invalid(
                what,
                client
                    .create_virtual_currency_transaction(&who(), transaction, key)
                    .await,
                field,
            );
        }
    }
    // A metadata value over 200 characters is refused when it is added.
    let long_key = "v".repeat(30);
    assert_invalid(
        "a metadata value of 201 characters",
        credit().with_metadata(&long_key, &"x".repeat(201)),
        &format!("metadata.{long_key}"),
    );
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn invalid_settings_identifiers_and_pages_never_reach_the_network() {
    let server = silent_server().await;
    let client = client_of(&server, quick_retries());
    assert_invalid(
        "no Refund Saver setting",
        client
            .set_refund_saver_settings(&who(), &RefundSaverSettingsRequest::default())
            .await,
        "body",
    );
    let mut unknown = RefundSaverSettingsRequest::default();
    unknown.custom_preference = Some(Nullable::Value(RefundPreference::from("maybe")));
    assert_invalid(
        "an unknown refund preference",
        client.set_refund_saver_settings(&who(), &unknown).await,
        "custom_preference",
    );
    assert_invalid(
        "no integration identifier",
        client
            .set_integration_identifiers(&who(), &IntegrationIdentifiersRequest::default())
            .await,
        "body",
    );
    for size in [0, 101] {
        assert_invalid(
            &format!("page size {size}"),
            client.list_paywalls(1, size).await,
            "page[size]",
        );
        let mut pages = client.paywalls(size);
        assert_invalid(
            &format!("paywalls({size})"),
            pages.next_page().await.expect("the error"),
            "page[size]",
        );
        assert!(pages.next_page().await.is_none());
    }
    assert_invalid("page 0", client.list_paywalls(0, 20).await, "page[number]");
    for limit in [0, 101] {
        let query = TransactionsQuery::new().limit(limit);
        assert_invalid(
            &format!("limit {limit}"),
            client
                .list_virtual_currency_transactions(&who(), &query, None)
                .await,
            "limit",
        );
        let items: Vec<_> = client
            .virtual_currency_transactions(&who(), query)
            .collect()
            .await;
        assert_eq!(items.len(), 1);
        assert_invalid(
            &format!("the stream with limit {limit}"),
            items.into_iter().next().unwrap(),
            "limit",
        );
    }
    assert_eq!(requests(&server).await, 0);
}

#[tokio::test]
async fn invalid_profile_requests_never_reach_the_network() {
    let server = silent_server().await;
    let client = client_of(&server, quick_retries());
    let with = |change: &dyn Fn(&mut ProfileRequest)| {
        let mut request = ProfileRequest::default();
        change(&mut request);
        request
    };
    let cases = [
        (
            "att_status 4",
            with(&|r| r.att_status = Some(Nullable::Value(4))),
            "att_status",
        ),
        (
            "an unrecognized store",
            with(&|r| r.store = Some(Nullable::Value(Store::Unrecognized("amazon".into())))),
            "store",
        ),
        (
            "an unrecognized gender",
            with(&|r| r.gender = Some(Nullable::Value("x".into()))),
            "gender",
        ),
        (
            "an unrecognized installation platform",
            with(&|r| {
                let mut meta = InstallationMeta::new("device-1");
                meta.platform = Some(Nullable::Value(Platform::from("tvOS")));
                r.installation_meta = Some(meta);
            }),
            "installation_meta.platform",
        ),
        (
            "31 custom attributes",
            with(&|r| {
                r.custom_attributes = (0..31)
                    .map(|i| adapty_api::v2::custom_attribute(&format!("k{i}"), 1).unwrap())
                    .collect();
            }),
            "custom_attributes",
        ),
    ];
    let user = CustomerUserId::new("user-7").unwrap();
    for (what, request, field) in &cases {
        assert_invalid(what, client.create_profile(&who(), request).await, field);
        assert_invalid(what, client.update_profile(&who(), request).await, field);
        assert_invalid(
            what,
            client
                .create_profile_on(&Platform::Ios, &who(), request)
                .await,
            field,
        );
        assert_invalid(
            what,
            client
                .update_profile_on(&Platform::Android, &who(), request)
                .await,
            field,
        );
        assert_invalid(
            what,
            client
                .link_customer_user_id(Uuid::new_v4(), &user, request)
                .await,
            field,
        );
    }
    // The platform header takes only a value the spec lists.
    assert_invalid(
        "an unrecognized platform header",
        client
            .create_profile_on(&Platform::from("tvOS"), &who(), &ProfileRequest::default())
            .await,
        "adapty-platform",
    );
    // A transaction's enums, and its ID's length (checked when it is made).
    let mut purchase = OneTimePurchase::new(
        "app_store",
        "lifetime",
        "1",
        Price::new("US", "USD", 1.0),
        "2024-01-15T10:30:00Z".parse().unwrap(),
    )
    .unwrap();
    purchase.environment = Environment::from("Staging");
    assert_invalid(
        "an unrecognized environment",
        client
            .set_transaction(&who(), &TransactionRequest::from(purchase))
            .await,
        "environment",
    );
    assert_invalid(
        "a transaction ID of 51 characters",
        OneTimePurchase::new(
            "app_store",
            "lifetime",
            &"9".repeat(51),
            Price::new("US", "USD", 1.0),
            "2024-01-15T10:30:00Z".parse().unwrap(),
        ),
        "store_transaction_id",
    );
    assert_eq!(requests(&server).await, 0);
}
