//! v2's virtual currency operations through the real client (`adapty_api::v2::Client`): balances,
//! credits and debits, every documented refusal, idempotency (replay and in flight), the history's
//! pages; and through raw HTTP what the client refuses to send.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use adapty_api::v2::types::{
    ProfileRequest, VirtualCurrencyBalance, VirtualCurrencyBalanceAdjustment as Change,
    VirtualCurrencyTransaction, VirtualCurrencyTransactionRequest,
};
use adapty_api::v2::{self, ErrorCode, TransactionsQuery, VirtualCurrencyTransactionType, facts};
use adapty_api::{ApiKey, Error, IdempotencyKey, ProfileSelector, RetryPolicy};
use adapty_emulator::{Emulator, Fault, Operation, RunningEmulator};
use common::*;
use serde_json::{Value, json};
use uuid::Uuid;

const TRANSACTIONS: &str = facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION_PATH;
const BALANCES: &str = facts::LIST_VIRTUAL_CURRENCY_BALANCES_PATH;

/// A v2 client of the emulator; five attempts, so a wait for a key in flight has room.
fn v2_client(emulator: &RunningEmulator) -> v2::Client {
    v2::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(emulator.base_url())
        .retry_policy(RetryPolicy::default().with_max_attempts(5))
        .build()
        .unwrap()
}

/// A new profile with customer user ID `user`, made through v2.
async fn profile(client: &v2::Client, user: &str) -> ProfileSelector {
    let who = ProfileSelector::customer_user_id(user).unwrap();
    client
        .create_profile(&who, &ProfileRequest::default())
        .await
        .unwrap();
    who
}

fn request(items: &[(&str, i32)]) -> VirtualCurrencyTransactionRequest {
    VirtualCurrencyTransactionRequest::new(
        items
            .iter()
            .map(|(code, amount)| Change::new(*code, *amount))
            .collect(),
    )
}

/// Applies `items` (a fresh key), returning the transaction's ID.
async fn transact(client: &v2::Client, who: &ProfileSelector, items: &[(&str, i32)]) -> Uuid {
    client
        .create_virtual_currency_transaction(who, &request(items), None)
        .await
        .unwrap()
        .transaction_id
}

/// `(code, balance)` of every currency, as listed.
async fn balances(client: &v2::Client, who: &ProfileSelector) -> Vec<(String, i32)> {
    client
        .list_virtual_currency_balances(who)
        .await
        .unwrap()
        .data
        .iter()
        .map(|b| (b.code.clone(), b.balance))
        .collect()
}

fn pairs(list: &[(&str, i32)]) -> Vec<(String, i32)> {
    list.iter().map(|(c, b)| ((*c).to_owned(), *b)).collect()
}

/// The typed `error_code` and the status of a failed call.
fn refusal<T: std::fmt::Debug>(result: Result<T, Error>) -> (u16, ErrorCode) {
    let error = match result {
        Err(error @ Error::Api(_)) => error,
        other => panic!("expected an API error, got {other:?}"),
    };
    let code = error.code::<ErrorCode>().expect("an error_code");
    (error.status().unwrap().as_u16(), code)
}

/// A raw create for the customer user `user`, with extra headers.
async fn raw_create(
    emulator: &RunningEmulator,
    user: &str,
    extra: &[(&str, &str)],
    body: &Value,
) -> Answer {
    let mut headers = vec![AUTH, ("adapty-customer-user-id", user)];
    headers.extend_from_slice(extra);
    raw_to(
        emulator,
        "POST",
        TRANSACTIONS,
        &headers,
        Some(&body.to_string()),
    )
    .await
}

/// A raw list of `user`'s transactions with `query`.
async fn raw_list(emulator: &RunningEmulator, user: &str, query: &str) -> Answer {
    raw_to(
        emulator,
        "GET",
        &format!("{TRANSACTIONS}?{query}"),
        &[AUTH, ("adapty-customer-user-id", user)],
        None,
    )
    .await
}

/// Every transaction of the stream, page by page (the sizes of the pages, then the transactions).
async fn history(
    client: &v2::Client,
    who: &ProfileSelector,
    query: TransactionsQuery,
) -> (Vec<usize>, Vec<VirtualCurrencyTransaction>) {
    let mut pages = client.virtual_currency_transactions(who, query);
    let (mut sizes, mut all) = (Vec::new(), Vec::new());
    while let Some(page) = pages.next_page().await {
        let page = page.unwrap();
        sizes.push(page.data.len());
        all.extend(page.data.iter().cloned());
    }
    (sizes, all)
}

// ------------------------------------------------------------------------------ balances

#[tokio::test]
async fn credits_and_debits_change_the_balances_of_the_catalogs_currencies() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    // Made through v1: the same store serves v2.
    common::client(&emulator)
        .create_profile(
            &ProfileSelector::customer_user_id("wallet").unwrap(),
            &adapty_api::v1::types::ProfileRequest::default(),
        )
        .await
        .unwrap();
    let who = ProfileSelector::customer_user_id("wallet").unwrap();

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let fresh = client.list_virtual_currency_balances(&who).await.unwrap();
    assert!(
        (before - 1_000..before + 60_000).contains(&fresh.response_created_at),
        "{}",
        fresh.response_created_at
    );
    let zero = |code: &str, name: &str| {
        VirtualCurrencyBalance::builder()
            .code(code)
            .name(name)
            .balance(0)
            .held(0)
            .available(0)
            .try_into()
            .unwrap()
    };
    assert_eq!(
        fresh.data,
        vec![zero("COINS", "Gold Coins"), zero("GEMS", "Gems")],
        "every currency of the catalog, in its order, 0 when never changed"
    );

    let credit = client
        .create_virtual_currency_transaction(&who, &request(&[("COINS", 500)]), None)
        .await
        .unwrap();
    assert_eq!(credit.balances.len(), 1);
    let coins = &credit.balances[0];
    assert_eq!(
        (
            coins.code.as_str(),
            coins.name.as_str(),
            coins.balance,
            coins.held,
            coins.available
        ),
        ("COINS", "Gold Coins", 500, 0, 500)
    );

    // Two currencies at once: one balance per item, in the items' order.
    let exchange = client
        .create_virtual_currency_transaction(&who, &request(&[("GEMS", 7), ("COINS", -120)]), None)
        .await
        .unwrap();
    assert_ne!(exchange.transaction_id, credit.transaction_id);
    let after: Vec<(&str, &str, i32, i32)> = exchange
        .balances
        .iter()
        .map(|b| (b.code.as_str(), b.name.as_str(), b.balance, b.available))
        .collect();
    assert_eq!(
        after,
        [("GEMS", "Gems", 7, 7), ("COINS", "Gold Coins", 380, 380)]
    );
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 380), ("GEMS", 7)])
    );

    // The whole balance can be spent.
    transact(&client, &who, &[("COINS", -380)]).await;
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 0), ("GEMS", 7)])
    );
}

#[tokio::test]
async fn an_overdraft_is_refused_and_changes_nothing() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "spender").await;
    transact(&client, &who, &[("COINS", 100)]).await;

    // All or none: the GEMS credit is not applied either.
    let overdraft = client
        .create_virtual_currency_transaction(&who, &request(&[("GEMS", 50), ("COINS", -101)]), None)
        .await;
    assert_eq!(refusal(overdraft), (400, ErrorCode::InsufficientBalance));
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 100), ("GEMS", 0)])
    );
    let (_, recorded) = history(&client, &who, TransactionsQuery::new()).await;
    assert_eq!(recorded.len(), 1, "a refused transaction is not recorded");

    // A debit on a currency never credited.
    let empty = client
        .create_virtual_currency_transaction(&who, &request(&[("GEMS", -1)]), None)
        .await;
    assert_eq!(refusal(empty), (400, ErrorCode::InsufficientBalance));

    // The answer's body is the documented one.
    let raw = raw_create(
        &emulator,
        "spender",
        &[],
        &json!({"items": [{"currency_code": "COINS", "amount": -500}]}),
    )
    .await;
    assert_eq!(raw.status, 400);
    assert_eq!(
        raw.json,
        json!({"errors": [{"source": "currency_code", "errors": ["Insufficient balance for currency COINS"]}],
               "error_code": "insufficient_balance", "status_code": 400})
    );
}

// ------------------------------------------------------------------ documented refusals

#[tokio::test]
async fn documented_codes_reach_the_client_typed() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "codes").await;

    let unknown = client
        .create_virtual_currency_transaction(&who, &request(&[("COINS", 1), ("SILVER", 5)]), None)
        .await;
    assert_eq!(refusal(unknown), (400, ErrorCode::UnknownCurrency));

    let insufficient = client
        .create_virtual_currency_transaction(&who, &request(&[("COINS", -1)]), None)
        .await;
    assert_eq!(refusal(insufficient), (400, ErrorCode::InsufficientBalance));

    transact(&client, &who, &[("COINS", i32::MAX)]).await;
    let overflow = client
        .create_virtual_currency_transaction(&who, &request(&[("COINS", 1)]), None)
        .await;
    assert_eq!(refusal(overflow), (400, ErrorCode::BalanceOverflow));
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", i32::MAX), ("GEMS", 0)])
    );

    let nobody = ProfileSelector::customer_user_id("nobody").unwrap();
    let missing = client
        .create_virtual_currency_transaction(&nobody, &request(&[("COINS", 1)]), None)
        .await;
    assert_eq!(refusal(missing), (404, ErrorCode::ProfileDoesNotExist));
    assert_eq!(
        refusal(client.list_virtual_currency_balances(&nobody).await),
        (404, ErrorCode::ProfileDoesNotExist)
    );
    assert_eq!(
        refusal(
            client
                .list_virtual_currency_transactions(&nobody, &TransactionsQuery::new(), None)
                .await
        ),
        (404, ErrorCode::ProfileDoesNotExist)
    );
}

#[tokio::test]
async fn what_the_client_refuses_to_send_gets_its_documented_code() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "raw").await;
    // The client checks these itself, before sending.
    for items in [vec![], vec![("COINS", 0)], vec![("COINS", 1), ("COINS", 2)]] {
        let result = client
            .create_virtual_currency_transaction(&who, &request(&items), None)
            .await;
        assert!(
            matches!(result, Err(Error::InvalidInput(_))),
            "{items:?}: {result:?}"
        );
    }
    let cases = [
        (json!({"items": []}), &[][..], "empty_items"),
        (
            json!({"items": [{"currency_code": "COINS", "amount": 1}, {"currency_code": "COINS", "amount": 2}]}),
            &[][..],
            "duplicate_currency",
        ),
        (
            json!({"items": [{"currency_code": "COINS", "amount": 0}]}),
            &[][..],
            "amount_zero",
        ),
        (
            json!({"items": [{"currency_code": "COINS", "amount": 5}]}),
            &[("idempotency-key", "not-a-uuid")][..],
            "idempotency_key_invalid",
        ),
        (
            // A UUID, but version 1.
            json!({"items": [{"currency_code": "COINS", "amount": 5}]}),
            &[("idempotency-key", "3fa85f64-5717-1562-b3fc-2c963f66afa6")][..],
            "idempotency_key_invalid",
        ),
    ];
    for (body, headers, code) in cases {
        let answer = raw_create(&emulator, "raw", headers, &body).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        assert_eq!(answer.error_code(), code, "{body}");
        assert_eq!(answer.json["status_code"], 400);
        // As the client reads it.
        let typed: ErrorCode = answer.error_code().into();
        assert!(typed.is_known(), "{code} is documented");
    }
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 0), ("GEMS", 0)]),
        "nothing refused was applied (an invalid key included)"
    );
}

#[tokio::test]
async fn the_documented_codes_come_in_order_and_win_over_the_schema_check() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    profile(&client, "order").await;
    let item = |code: &str, amount: i64| json!({"currency_code": code, "amount": amount});
    let bad_key = [("idempotency-key", "nope")];
    let cases = [
        // empty_items before idempotency_key_invalid.
        (json!({"items": []}), &bad_key[..], "empty_items"),
        // duplicate_currency before amount_zero and unknown_currency.
        (
            json!({"items": [item("X", 0), item("X", 1)]}),
            &[][..],
            "duplicate_currency",
        ),
        // amount_zero before unknown_currency.
        (
            json!({"items": [item("X", 1), item("COINS", 0)]}),
            &[][..],
            "amount_zero",
        ),
        // unknown_currency before insufficient_balance.
        (
            json!({"items": [item("COINS", -5), item("X", 1)]}),
            &[][..],
            "unknown_currency",
        ),
        // insufficient_balance before idempotency_key_invalid.
        (
            json!({"items": [item("COINS", -5)]}),
            &bad_key[..],
            "insufficient_balance",
        ),
        // The documented codes win over the schema: 21 items, a bad metadata key.
        (
            json!({"items": (0..21).map(|_| item("COINS", 1)).collect::<Vec<_>>()}),
            &[][..],
            "duplicate_currency",
        ),
        (
            json!({"items": [item("COINS", -5)], "metadata": {"Bad Key": "x"}}),
            &[][..],
            "insufficient_balance",
        ),
        (
            json!({"items": [item("COINS", 5)], "metadata": {"k": "x".repeat(201)}}),
            &bad_key[..],
            "idempotency_key_invalid",
        ),
    ];
    for (body, headers, code) in cases {
        let answer = raw_create(&emulator, "order", headers, &body).await;
        assert_eq!(
            (answer.status, answer.error_code()),
            (400, code),
            "{body}: {}",
            answer.text
        );
    }
}

#[tokio::test]
async fn schema_problems_are_422_naming_the_field() {
    // 21 currencies, so 21 distinct known items reach the schema check.
    let codes: Vec<String> = (0..21).map(|i| format!("C{i}")).collect();
    let catalog = json!({
        "access_levels": [],
        "currencies": codes.iter().map(|c| json!({"code": c, "name": c})).collect::<Vec<_>>(),
        "products": [],
        "paywalls": [],
    });
    let emulator = Emulator::new()
        .api_key(KEY)
        .catalog(catalog)
        .start()
        .await
        .unwrap();
    let client = v2_client(&emulator);
    let who = profile(&client, "schema").await;
    let metadata = |pairs: usize| -> Value {
        (0..pairs)
            .map(|i| (format!("k{i}"), json!("v")))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let one = json!([{"currency_code": "C0", "amount": 1}]);
    let cases = [
        (
            json!({"items": codes.iter().map(|c| json!({"currency_code": c, "amount": 1})).collect::<Vec<_>>()}),
            "items",
        ),
        (json!({"items": one, "metadata": metadata(6)}), "metadata"),
        (
            json!({"items": one, "metadata": {"Bad-Key": "v"}}),
            "metadata.Bad-Key",
        ),
        (
            json!({"items": one, "metadata": {"note": "x".repeat(201)}}),
            "metadata.note",
        ),
        (
            json!({"items": [{"currency_code": "C0", "amount": "ten"}]}),
            "items[0].amount",
        ),
        (json!({"metadata": null}), "non_field_errors"),
    ];
    for (body, source) in cases {
        let answer = raw_create(&emulator, "schema", &[], &body).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.text);
        assert_eq!(answer.error_code(), "validation_error");
        assert_eq!(answer.json["status_code"], 422);
        assert_eq!(answer.sources(), [source], "{}", answer.text);
    }
    // 20 items and 5 metadata pairs are within the limits.
    let mut twenty = request(
        &codes[..20]
            .iter()
            .map(|c| (c.as_str(), 3))
            .collect::<Vec<_>>(),
    );
    for i in 0..5 {
        twenty = twenty.with_metadata(&format!("k{i}"), "v").unwrap();
    }
    let applied = client
        .create_virtual_currency_transaction(&who, &twenty, None)
        .await
        .unwrap();
    assert_eq!(applied.balances.len(), 20);
    let listed = client.list_virtual_currency_balances(&who).await.unwrap();
    assert_eq!(listed.data.len(), 21);
    assert!(listed.data[..20].iter().all(|b| b.balance == 3));
    assert_eq!(listed.data[20].balance, 0);
}

// -------------------------------------------------------------------------- idempotency

#[tokio::test]
async fn a_replayed_key_returns_the_same_transaction_and_applies_once() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "replay").await;
    let key = IdempotencyKey::new();
    let grant = request(&[("GEMS", 25)]);
    let first = client
        .create_virtual_currency_transaction(&who, &grant, Some(key))
        .await
        .unwrap();
    let again = client
        .create_virtual_currency_transaction(&who, &grant, Some(key))
        .await
        .unwrap();
    assert_eq!(again.transaction_id, first.transaction_id);
    assert_eq!(again.balances, first.balances);
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 0), ("GEMS", 25)])
    );
    let (_, recorded) = history(&client, &who, TransactionsQuery::new()).await;
    assert_eq!(recorded.len(), 1);

    // Another key is another transaction.
    let other = client
        .create_virtual_currency_transaction(&who, &grant, Some(IdempotencyKey::new()))
        .await
        .unwrap();
    assert_ne!(other.transaction_id, first.transaction_id);
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 0), ("GEMS", 50)])
    );

    // Keys are per profile: the same key on another profile is a transaction of its own.
    let someone = profile(&client, "replay-2").await;
    let theirs = client
        .create_virtual_currency_transaction(&someone, &grant, Some(key))
        .await
        .unwrap();
    assert_ne!(theirs.transaction_id, first.transaction_id);

    // A refusal is remembered too: the same key answers it again even once the debit would pass.
    let refused_key = IdempotencyKey::new().to_string();
    let debit = json!({"items": [{"currency_code": "COINS", "amount": -10}]});
    let refused = raw_create(
        &emulator,
        "replay",
        &[("idempotency-key", refused_key.as_str())],
        &debit,
    )
    .await;
    assert_eq!(refused.error_code(), "insufficient_balance");
    transact(&client, &who, &[("COINS", 100)]).await;
    let replayed = raw_create(
        &emulator,
        "replay",
        &[("idempotency-key", refused_key.as_str())],
        &debit,
    )
    .await;
    assert_eq!((replayed.status, &replayed.json), (400, &refused.json));
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 100), ("GEMS", 50)])
    );
}

#[tokio::test]
async fn a_key_in_flight_is_409_and_the_client_waits_it_out() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "in-flight").await;
    emulator
        .inject(
            Some(Operation::v2(facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION_NAME).unwrap()),
            Fault::Delay { millis: 1500 },
            1,
        )
        .unwrap();
    let key = IdempotencyKey::new();
    let grant = request(&[("COINS", 40)]);

    let started = Instant::now();
    let first = {
        let (client, who, grant, key) = (client.clone(), who.clone(), grant.clone(), key);
        tokio::spawn(async move {
            let response = client
                .create_virtual_currency_transaction(&who, &grant, Some(key))
                .await
                .unwrap();
            (response.transaction_id, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;

    // While the first request sleeps, its key is in flight.
    let key_text = key.to_string();
    let busy = raw_create(
        &emulator,
        "in-flight",
        &[("idempotency-key", key_text.as_str())],
        &json!({"items": [{"currency_code": "COINS", "amount": 40}]}),
    )
    .await;
    assert_eq!(busy.status, 409, "{}", busy.text);
    assert_eq!(busy.error_code(), "idempotency_in_flight");
    assert_eq!(busy.headers["retry-after"], "1");

    // The client waits `Retry-After` and tries again until the first answer is there.
    let second_started = Instant::now();
    let second = client
        .create_virtual_currency_transaction(&who, &grant, Some(key))
        .await
        .unwrap();
    let waited = second_started.elapsed();
    let (first_id, first_took) = first.await.unwrap();
    assert!(
        first_took >= Duration::from_millis(1500),
        "the delay was served: {first_took:?}"
    );
    assert!(
        waited >= Duration::from_millis(900),
        "the second call waited Retry-After: {waited:?}"
    );
    assert_eq!(second.transaction_id, first_id);
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 40), ("GEMS", 0)])
    );
    let (_, recorded) = history(&client, &who, TransactionsQuery::new()).await;
    assert_eq!(recorded.len(), 1, "applied once");
}

#[tokio::test]
async fn a_served_fault_is_not_remembered_under_the_key() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "faulty").await;
    emulator
        .inject(
            Some(Operation::v2(facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION_NAME).unwrap()),
            Fault::ServerError { status: 503 },
            1,
        )
        .unwrap();
    // The client retries the keyed call after the 503; the retry is applied, once.
    transact(&client, &who, &[("GEMS", 9)]).await;
    assert_eq!(emulator.pending_faults(), 0);
    assert_eq!(
        balances(&client, &who).await,
        pairs(&[("COINS", 0), ("GEMS", 9)])
    );
}

// ------------------------------------------------------------------------------ history

#[tokio::test]
async fn the_history_pages_newest_first_and_filters_by_currency() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "history").await;
    let mut made = Vec::new();
    for (code, amount) in [
        ("COINS", 10),
        ("GEMS", 1),
        ("COINS", 20),
        ("GEMS", 2),
        ("COINS", -5),
    ] {
        made.push(transact(&client, &who, &[(code, amount)]).await);
    }
    let noted = request(&[("COINS", 3), ("GEMS", 3)])
        .with_metadata("reason", "promo")
        .unwrap();
    made.push(
        client
            .create_virtual_currency_transaction(&who, &noted, None)
            .await
            .unwrap()
            .transaction_id,
    );
    let newest_first: Vec<Uuid> = made.iter().rev().copied().collect();

    let (sizes, all) = history(&client, &who, TransactionsQuery::new().limit(2)).await;
    assert_eq!(sizes, [2, 2, 2]);
    let ids: Vec<Uuid> = all.iter().map(|t| t.transaction_id).collect();
    assert_eq!(ids, newest_first);
    let latest = &all[0];
    assert_eq!(
        latest.transaction_type,
        VirtualCurrencyTransactionType::ApiTransaction
    );
    let items: Vec<(&str, i32, i32)> = latest
        .items
        .iter()
        .map(|i| (i.currency_code.as_str(), i.amount, i.balance_after))
        .collect();
    assert_eq!(items, [("COINS", 3, 28), ("GEMS", 3, 6)]);
    assert_eq!(
        latest
            .metadata
            .as_ref()
            .and_then(|m| m.get("reason"))
            .map(|v| v.as_str()),
        Some("promo")
    );
    assert!(all[1].metadata.is_none());
    assert!(all[0].created_at >= all[5].created_at);

    // One page holds everything by default.
    let (sizes, _) = history(&client, &who, TransactionsQuery::new()).await;
    assert_eq!(sizes, [6]);
    let (sizes, _) = history(&client, &who, TransactionsQuery::new().limit(3)).await;
    assert_eq!(sizes, [3, 3], "no empty page after an exact fit");

    // Only the transactions with a GEMS item, newest first.
    let (sizes, gems) = history(
        &client,
        &who,
        TransactionsQuery::new().currency("GEMS").limit(2),
    )
    .await;
    assert_eq!(sizes, [2, 1]);
    let gem_ids: Vec<Uuid> = gems.iter().map(|t| t.transaction_id).collect();
    assert_eq!(gem_ids, [made[5], made[3], made[1]]);
    let (_, none) = history(&client, &who, TransactionsQuery::new().currency("SILVER")).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_cursor_survives_new_transactions() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "cursor").await;
    let mut made = Vec::new();
    for amount in 1..=4 {
        made.push(transact(&client, &who, &[("COINS", amount)]).await);
    }
    let query = TransactionsQuery::new().limit(2);
    let first = client
        .list_virtual_currency_transactions(&who, &query, None)
        .await
        .unwrap();
    let cursor = first.pagination.next_cursor.clone().expect("a next page");
    // Recorded after the cursor was issued: it belongs before the first page, not in the next.
    let newer = transact(&client, &who, &[("GEMS", 1)]).await;
    let second = client
        .list_virtual_currency_transactions(&who, &query, Some(&cursor))
        .await
        .unwrap();
    let ids = |page: &adapty_api::v2::types::VirtualCurrencyTransactionList| -> Vec<Uuid> {
        page.data.iter().map(|t| t.transaction_id).collect()
    };
    assert_eq!(ids(&first), [made[3], made[2]]);
    assert_eq!(ids(&second), [made[1], made[0]]);
    assert_eq!(second.pagination.next_cursor, None);
    let again = client
        .list_virtual_currency_transactions(&who, &query, None)
        .await
        .unwrap();
    assert_eq!(ids(&again), [newer, made[3]]);
}

#[tokio::test]
async fn a_bad_cursor_or_limit_is_400() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "bad-query").await;
    let other = profile(&client, "bad-query-other").await;
    for amount in 1..=3 {
        transact(&client, &who, &[("COINS", amount)]).await;
        transact(&client, &other, &[("COINS", amount)]).await;
    }
    let foreign = client
        .list_virtual_currency_transactions(&other, &TransactionsQuery::new().limit(1), None)
        .await
        .unwrap()
        .pagination
        .next_cursor
        .clone()
        .unwrap();
    let own = raw_list(&emulator, "bad-query", "limit=1").await;
    let own_cursor = own.json["pagination"]["next_cursor"].as_str().unwrap();
    assert_eq!(
        raw_list(&emulator, "bad-query", &format!("cursor={own_cursor}"))
            .await
            .status,
        200
    );

    let stranger = Uuid::new_v4().simple().to_string();
    for cursor in ["nope", "", foreign.as_str(), stranger.as_str()] {
        let answer = raw_list(&emulator, "bad-query", &format!("cursor={cursor}")).await;
        assert_eq!(answer.status, 400, "{cursor:?}: {}", answer.text);
        assert_eq!(answer.error_code(), "invalid_cursor");
        assert_eq!(answer.sources(), ["cursor"]);
        let typed: ErrorCode = answer.error_code().into();
        assert_eq!(typed, ErrorCode::InvalidCursor);
    }
    for limit in ["0", "101", "-1", "ten", ""] {
        let answer = raw_list(&emulator, "bad-query", &format!("limit={limit}")).await;
        assert_eq!(answer.status, 400, "{limit:?}: {}", answer.text);
        assert_eq!(answer.error_code(), "validation_error");
        assert_eq!(answer.sources(), ["limit"]);
    }
    for limit in ["1", "100"] {
        let answer = raw_list(&emulator, "bad-query", &format!("limit={limit}")).await;
        assert_eq!(answer.status, 200, "{limit}");
    }
    // The client refuses an out-of-range limit itself.
    let result = client
        .list_virtual_currency_transactions(&who, &TransactionsQuery::new().limit(0), None)
        .await;
    assert!(matches!(result, Err(Error::InvalidInput(_))), "{result:?}");
}

#[tokio::test]
async fn the_default_limit_is_the_documented_one() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    let who = profile(&client, "many").await;
    for _ in 0..=facts::LIMIT_PARAMETER_DEFAULT {
        transact(&client, &who, &[("COINS", 1)]).await;
    }
    let first = raw_list(&emulator, "many", "").await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.json["data"].as_array().unwrap().len(),
        facts::LIMIT_PARAMETER_DEFAULT
    );
    let next = first.json["pagination"]["next_cursor"].as_str().unwrap();
    let last = raw_list(&emulator, "many", &format!("cursor={next}")).await;
    assert_eq!(last.json["data"].as_array().unwrap().len(), 1);
    assert_eq!(last.json["pagination"]["next_cursor"], Value::Null);
    assert_eq!(last.json["data"][0]["items"][0]["balance_after"], 1);
}

// ------------------------------------------------------------------- faults, credentials

#[tokio::test]
async fn faults_and_credentials_apply_to_the_three_operations() {
    let emulator = emulator().await;
    let client = v2_client(&emulator);
    profile(&client, "guarded").await;
    let body = json!({"items": [{"currency_code": "COINS", "amount": 1}]}).to_string();
    let calls = [
        (
            facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION_NAME,
            "POST",
            TRANSACTIONS,
            Some(body.as_str()),
        ),
        (
            facts::LIST_VIRTUAL_CURRENCY_TRANSACTIONS_NAME,
            "GET",
            TRANSACTIONS,
            None,
        ),
        (
            facts::LIST_VIRTUAL_CURRENCY_BALANCES_NAME,
            "GET",
            BALANCES,
            None,
        ),
    ];
    for (name, method, path, body) in calls {
        emulator
            .inject(
                Some(Operation::v2(name).unwrap()),
                Fault::RateLimited {
                    retry_after_secs: 4,
                },
                1,
            )
            .unwrap();
        let who = [AUTH, ("adapty-customer-user-id", "guarded")];
        let limited = raw_to(&emulator, method, path, &who, body).await;
        assert_eq!(limited.status, 429, "{name}");
        assert_eq!(limited.error_code(), "rate_limited");
        assert_eq!(limited.headers["retry-after"], "4");

        let anonymous = raw_to(
            &emulator,
            method,
            path,
            &[("adapty-customer-user-id", "guarded")],
            body,
        )
        .await;
        assert_eq!(anonymous.status, 401, "{name}");
        assert_eq!(anonymous.error_code(), "not_authenticated");

        let ok = raw_to(&emulator, method, path, &who, body).await;
        assert_eq!(ok.status, 200, "{name}: {}", ok.text);
    }
    assert_eq!(
        balances(
            &client,
            &ProfileSelector::customer_user_id("guarded").unwrap()
        )
        .await,
        pairs(&[("COINS", 1), ("GEMS", 0)]),
        "only the answered create was applied"
    );
}
