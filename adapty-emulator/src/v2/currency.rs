//! v2's virtual currency operations: a profile's balances, a transaction crediting and debiting
//! them (all items or none, made safe to repeat by an `Idempotency-Key`), and the history of the
//! transactions, newest first, one cursor page at a time.
//!
//! Balances and transactions live on the profile (`profile.v2`), so a profile deleted or reset
//! through either version loses them; the currencies are the catalog's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use adapty_api::IdempotencyKey;
use adapty_api::v2::VirtualCurrencyTransactionType;
use adapty_api::v2::facts;
use adapty_api::v2::types::{VirtualCurrencyBalanceAdjustment, VirtualCurrencyTransactionRequest};
use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::paywalls::pairs;
use super::{
    body, failure, field_error, invalid, no_profile, ok, prelude, profile_failure, refused,
};
use crate::error::{ApiFailure, NON_FIELD_ERRORS, json_response};
use crate::faults::{Fault, Operation};
use crate::net::ConnectionHandle;
use crate::server::{App, authenticate, identity, serve_fault};
use crate::store::Profile;

type Shared = State<Arc<App>>;

/// How long an `Idempotency-Key` is remembered: the spec's parameter says keys are kept "about an
/// hour", per profile.
const IDEMPOTENCY_WINDOW: Duration = Duration::from_secs(60 * 60);

/// The `Retry-After` (seconds) of a `409 idempotency_in_flight`: [V2] names the header without a
/// value; one second is a short wait for a request that is being applied.
const IN_FLIGHT_RETRY_AFTER_SECS: u32 = 1;

/// One `VirtualCurrencyBalance`: `held` is always 0 (the emulator has no holds), so `available` is
/// the balance.
fn balance(code: &str, name: &str, balance: i64) -> Value {
    json!({"code": code, "name": name, "balance": balance, "held": 0, "available": balance})
}

// ------------------------------------------------------------------------------- balances

/// `GET /api/v2/server-side-api/vc/balances/`: every currency of the catalog, in the catalog's
/// order, with the profile's balance (0 for a currency never changed), and when the answer was
/// made (`response_created_at`, Unix milliseconds).
pub(crate) async fn balances(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::LIST_VIRTUAL_CURRENCY_BALANCES;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let profiles = app.store.read();
    let profile = match profiles.find(&identity(&headers)) {
        Ok(profile) => profile,
        Err(failure) => return profile_failure(operation, failure).into_response(),
    };
    let data: Vec<Value> = app
        .catalog
        .currencies
        .iter()
        .map(|currency| {
            let stored = profile.v2.balances.get(&currency.code).copied();
            balance(&currency.code, &currency.name, stored.unwrap_or(0))
        })
        .collect();
    ok(&json!({
        "response_created_at": now_millis(),
        "data": data,
    }))
}

/// Now, in Unix milliseconds.
fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

// ----------------------------------------------------------------------------- create

/// The `Idempotency-Key` header: absent, a UUID v4 (the client's own rule, [`IdempotencyKey`]),
/// or something else (kept as sent, to say so).
enum Key {
    None,
    Valid(Uuid),
    Invalid(String),
}

fn idempotency_key(headers: &HeaderMap) -> Key {
    match headers.get(facts::IDEMPOTENCY_KEY_PARAMETER_NAME) {
        None => Key::None,
        Some(value) => {
            let raw = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match raw.trim().parse::<IdempotencyKey>() {
                Ok(key) => Key::Valid(*key.as_uuid()),
                Err(_) => Key::Invalid(raw),
            }
        }
    }
}

/// `POST /api/v2/server-side-api/vc/transactions/`: credits and debits the profile's currencies,
/// all items or none, and records the transaction (`api_transaction`).
///
/// The order of the work, and the rules the docs leave open:
/// 1. A queued fault is served first, as every operation does; a `delay` fault is kept and
///    applied after the `Idempotency-Key` is reserved (below), so "the first request is still
///    being processed" really happens and a second request with the key sees it.
/// 2. The API key, then the body (media type, a JSON object), then the profile (404
///    `profile_does_not_exist`).
/// 3. A valid key (a UUID v4) is looked up in the profile's keys of the last hour: a key already
///    answered gets that answer again, status and body (the same `transaction_id`), whatever the
///    new body, and changes nothing; a key whose first request is still being processed gets
///    `409 idempotency_in_flight` with `Retry-After: 1`; a new key is reserved. Every answer
///    given after the reservation is remembered, errors included (only a served fault, which
///    comes before, is not, so a retry after it is applied).
/// 4. The transaction is worked out in a task of its own, so a client that gives up (a timeout, a
///    dropped connection) does not leave the key in flight: the answer is still made and
///    remembered, and a retry with the key gets it.
/// 5. The documented 400 codes, in this order, before any schema check: `empty_items`,
///    `duplicate_currency`, `amount_zero`, `unknown_currency` (a code not in the catalog),
///    `insufficient_balance` (a debit past the balance), `balance_overflow` (a balance past
///    `i32::MAX`), `idempotency_key_invalid`. Items that cannot be read (a wrong type) skip the
///    item checks and are refused by the schema check.
/// 6. The schema (`422 validation_error` naming the field): more than 20 items, more than 5
///    metadata pairs, a metadata key not matching the pattern, a value over 200 characters.
/// 7. The balances change and the transaction is recorded; 200 with its ID and the new balance of
///    each currency it changed, in the items' order.
pub(crate) async fn create(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION;
    let delay = match app.faults.next(Operation::of(operation)) {
        Some(Fault::Delay { millis }) => Some(Duration::from_millis(millis)),
        Some(fault) => match serve_fault(fault, &conn).await {
            Some(response) => return response,
            None => None,
        },
        None => None,
    };
    if let Err(failure) = authenticate(&app.api_keys, &headers) {
        return failure.into_response();
    }
    let sent: Value = match body(operation, &headers, request).await {
        Ok(sent) => sent,
        Err(response) => return response,
    };
    let key = idempotency_key(&headers);
    let (profile_id, early) = {
        let mut profiles = app.store.write();
        let profile = match profiles.find_mut(&identity(&headers)) {
            Ok(profile) => profile,
            Err(failure) => return profile_failure(operation, failure).into_response(),
        };
        let early = match &key {
            Key::Valid(key) => reserve(profile, *key),
            Key::None | Key::Invalid(_) => None,
        };
        (profile.profile_id, early)
    };
    if let Some(response) = early {
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        return response;
    }
    let worker = Arc::clone(&app);
    let task = tokio::spawn(async move {
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let response = match transact(&worker, profile_id, &sent, &key) {
            Ok(answer) => json_response(StatusCode::OK, &answer),
            Err(failure) => failure.into_response(),
        };
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        if let Key::Valid(key) = key
            && let Some(profile) = worker.store.write().get_mut(&profile_id)
            && let Some(entry) = profile.v2.idempotency.get_mut(&key)
        {
            entry.1 = Some((status.as_u16(), bytes.to_vec()));
        }
        (status, bytes)
    });
    match task.await {
        Ok((status, bytes)) => answer(status, bytes.to_vec()),
        // The task does not panic (no `unwrap` in the library); if it ever did, say so.
        Err(e) => ApiFailure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            Some(NON_FIELD_ERRORS),
            vec![format!("The transaction could not be completed: {e}")],
        )
        .into_response(),
    }
}

/// Looks `key` up among the profile's keys of the last hour (forgetting older ones): the answer
/// to give at once (a replay, or `409 idempotency_in_flight`), or `None` after reserving the key
/// for this request.
fn reserve(profile: &mut Profile, key: Uuid) -> Option<Response> {
    let now = Instant::now();
    let keys = &mut profile.v2.idempotency;
    keys.retain(|_, (seen, _)| now.duration_since(*seen) < IDEMPOTENCY_WINDOW);
    match keys.get(&key) {
        Some((_, Some((status, bytes)))) => Some(answer(
            StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
            bytes.clone(),
        )),
        Some((_, None)) => {
            let mut response = failure(
                409,
                "idempotency_in_flight",
                None,
                "A similar request is being processed.".to_owned(),
            )
            .into_response();
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(IN_FLIGHT_RETRY_AFTER_SECS),
            );
            Some(response)
        }
        None => {
            keys.insert(key, (now, None));
            None
        }
    }
}

/// A JSON answer of `status` with `bytes` as its body (a stored answer, replayed as it was sent).
fn answer(status: StatusCode, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The items of a body, read alone: the documented codes are checked on them before the rest of
/// the body is (a bad metadata key must not hide `insufficient_balance`).
#[derive(Deserialize)]
struct Items {
    items: Vec<VirtualCurrencyBalanceAdjustment>,
}

/// One item, checked: the currency's code and name, the change, the balance after it.
struct Change {
    code: String,
    name: String,
    amount: i32,
    after: i64,
}

/// Checks a transaction and applies it to the profile `profile_id`: its answer, or the error
/// (see [`create`] for the order of the checks).
fn transact(app: &App, profile_id: Uuid, sent: &Value, key: &Key) -> Result<Value, ApiFailure> {
    let operation = &facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION;
    let mut profiles = app.store.write();
    let profile = profiles
        .get_mut(&profile_id)
        .ok_or_else(|| no_profile(operation, None))?;
    let items = serde_json::from_value::<Items>(sent.clone()).ok();
    let checked = match &items {
        Some(items) => Some(check(app, profile, &items.items)?),
        None => None,
    };
    if let Key::Invalid(raw) = key {
        return Err(failure(
            400,
            "idempotency_key_invalid",
            Some(facts::IDEMPOTENCY_KEY_PARAMETER_NAME),
            format!("{raw:?} is not a UUID v4."),
        ));
    }
    let request: VirtualCurrencyTransactionRequest =
        serde_path_to_error::deserialize(sent).map_err(|e| field_error(operation, e))?;
    request.validate().map_err(|e| refused(operation, e))?;
    let changes = match checked {
        Some(changes) => changes,
        None => check(app, profile, &request.items)?,
    };

    let transaction_id = Uuid::new_v4();
    let mut items = Vec::with_capacity(changes.len());
    let mut balances = Vec::with_capacity(changes.len());
    for change in &changes {
        profile
            .v2
            .balances
            .insert(change.code.clone(), change.after);
        items.push(json!({
            "currency_code": change.code,
            "amount": change.amount,
            "balance_after": change.after,
        }));
        balances.push(balance(&change.code, &change.name, change.after));
    }
    profile.v2.currency_transactions.push(json!({
        "transaction_id": transaction_id,
        "transaction_type": VirtualCurrencyTransactionType::ApiTransaction.as_str(),
        "items": items,
        "metadata": request.metadata,
        "created_at": super::now(),
    }));
    Ok(json!({"transaction_id": transaction_id, "balances": balances}))
}

/// The documented 400 codes about the items, in order (each over every item before the next):
/// `empty_items`, `duplicate_currency`, `amount_zero`, `unknown_currency`,
/// `insufficient_balance`, `balance_overflow`. The changes they allow, in the items' order.
fn check(
    app: &App,
    profile: &Profile,
    items: &[VirtualCurrencyBalanceAdjustment],
) -> Result<Vec<Change>, ApiFailure> {
    let refuse =
        |code: &str, source: &str, message: String| Err(failure(400, code, Some(source), message));
    if items.is_empty() {
        return refuse(
            "empty_items",
            "items",
            "At least one item is required.".to_owned(),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some(item) = items
        .iter()
        .find(|i| !seen.insert(i.currency_code.as_str()))
    {
        return refuse(
            "duplicate_currency",
            "currency_code",
            format!(
                "Currency {} appears more than once in the request",
                item.currency_code
            ),
        );
    }
    if let Some(index) = items.iter().position(|item| item.amount == 0) {
        return refuse(
            "amount_zero",
            "amount",
            format!(
                "The amount of item {index} is 0: credit with a positive amount, debit with a negative one"
            ),
        );
    }
    let mut changes = Vec::with_capacity(items.len());
    for item in items {
        let Some(currency) = app.catalog.currency(&item.currency_code) else {
            return refuse(
                "unknown_currency",
                "currency_code",
                format!("Unknown currency {}", item.currency_code),
            );
        };
        let before = profile
            .v2
            .balances
            .get(&currency.code)
            .copied()
            .unwrap_or(0);
        changes.push(Change {
            code: currency.code.clone(),
            name: currency.name.clone(),
            amount: item.amount,
            after: before + i64::from(item.amount),
        });
    }
    if let Some(change) = changes.iter().find(|change| change.after < 0) {
        return refuse(
            "insufficient_balance",
            "currency_code",
            format!("Insufficient balance for currency {}", change.code),
        );
    }
    if let Some(change) = changes
        .iter()
        .find(|change| change.after > i64::from(i32::MAX))
    {
        return refuse(
            "balance_overflow",
            "currency_code",
            format!(
                "The balance of currency {} would pass {}",
                change.code,
                i32::MAX
            ),
        );
    }
    Ok(changes)
}

// ------------------------------------------------------------------------------- list

/// `GET /api/v2/server-side-api/vc/transactions/`: the profile's transactions, newest first,
/// `limit` per page (1 to 100, 50 by default; out of range is a 400 `validation_error` naming
/// `limit`), only those with an item of `currency_code` when it is given.
///
/// The cursor (the docs call it opaque) is the ID of the last transaction of the page, as 32 hex
/// digits: the next page holds the transactions recorded before that one, so transactions added
/// in the meantime neither repeat nor skip one. A cursor that names no transaction of the profile
/// is a 400 `invalid_cursor`. `next_cursor` is `null` on the last page (when no transaction is
/// left, not only when a page is short).
pub(crate) async fn list(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::LIST_VIRTUAL_CURRENCY_TRANSACTIONS;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let query = pairs(query.as_deref());
    // A parameter sent twice counts once, the last (as the paywall list's do).
    let last = |name: &str| {
        query
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let limit = match last(facts::LIMIT_PARAMETER_NAME).map(str::parse::<usize>) {
        None => facts::LIMIT_PARAMETER_DEFAULT,
        Some(Ok(limit))
            if (facts::LIMIT_PARAMETER_MINIMUM..=facts::LIMIT_PARAMETER_MAXIMUM)
                .contains(&limit) =>
        {
            limit
        }
        Some(_) => {
            let (name, min, max) = (
                facts::LIMIT_PARAMETER_NAME,
                facts::LIMIT_PARAMETER_MINIMUM,
                facts::LIMIT_PARAMETER_MAXIMUM,
            );
            let sent = last(name).unwrap_or_default();
            return invalid(
                operation,
                name,
                format!(
                    "Invalid {name} parameter {sent:?}. Must be a whole number from {min} to {max}."
                ),
            )
            .into_response();
        }
    };
    let currency = last(facts::CURRENCY_CODE_PARAMETER_NAME);
    let cursor = last(facts::CURSOR_PARAMETER_NAME);

    let profiles = app.store.read();
    let profile = match profiles.find(&identity(&headers)) {
        Ok(profile) => profile,
        Err(failure) => return profile_failure(operation, failure).into_response(),
    };
    let history = &profile.v2.currency_transactions;
    let end = match cursor {
        None => history.len(),
        Some(cursor) => match position(history, cursor) {
            Some(at) => at,
            None => {
                return failure(
                    400,
                    "invalid_cursor",
                    Some(facts::CURSOR_PARAMETER_NAME),
                    format!("{cursor:?} is not a cursor of this profile's transactions."),
                )
                .into_response();
            }
        },
    };
    let mut matching = history[..end]
        .iter()
        .rev()
        .filter(|transaction| currency.is_none_or(|code| involves(transaction, code)));
    let data: Vec<&Value> = matching.by_ref().take(limit).collect();
    let next_cursor = match matching.next() {
        Some(_) => data.last().map(|transaction| cursor_of(transaction)),
        None => None,
    };
    ok(&json!({"data": data, "pagination": {"next_cursor": next_cursor}}))
}

/// A transaction's ID (a UUID) as the cursor of the page after it.
fn cursor_of(transaction: &Value) -> String {
    let id = transaction["transaction_id"].as_str().unwrap_or_default();
    Uuid::try_parse(id).map_or_else(|_| id.to_owned(), |id| id.simple().to_string())
}

/// Where the transaction a cursor names is in the history (oldest first).
fn position(history: &[Value], cursor: &str) -> Option<usize> {
    if cursor.is_empty() {
        return None;
    }
    history.iter().position(|t| cursor_of(t) == cursor)
}

/// Whether a transaction has an item of currency `code`.
fn involves(transaction: &Value, code: &str) -> bool {
    transaction["items"]
        .as_array()
        .is_some_and(|items| items.iter().any(|i| i["currency_code"] == code))
}
