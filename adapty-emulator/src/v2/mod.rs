//! The v2 API: its 19 operations on their documented paths, over the same store as v1.
//!
//! Every fact of the v2 spec the handlers need comes from the client's generated
//! `adapty_api::v2::facts` (paths, methods, request media types, each operation's documented
//! error codes) or its generated types (request bodies are read into `adapty_api::v2::types`, so
//! a bad field is refused with its JSON path, and checked with the client's own validators). The
//! answers are written in v2's shapes: [`view`] turns a stored profile (kept in v1's shapes) into
//! v2's `Profile`.

mod currency;
mod paywalls;
mod profiles;
mod purchases;

use std::sync::Arc;

use adapty_api::v2::facts;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiFailure, NON_FIELD_ERRORS, json_response};
use crate::faults::Operation;
use crate::net::ConnectionHandle;
use crate::server::{App, MAX_REQUEST_BODY};

/// The v2 routes, added to the router (paths from the facts; axum's `{param}` is OpenAPI's).
pub(crate) fn routes(router: Router<Arc<App>>) -> Router<Arc<App>> {
    router
        .route(
            facts::GET_PROFILE_PATH,
            get(profiles::get)
                .post(profiles::create)
                .patch(profiles::update)
                .delete(profiles::delete),
        )
        .route(
            facts::SET_TRANSACTION_PATH,
            post(purchases::set_transaction),
        )
        .route(facts::GRANT_ACCESS_LEVEL_PATH, post(purchases::grant))
        .route(facts::REVOKE_ACCESS_LEVEL_PATH, post(purchases::revoke))
        .route(
            facts::GET_REFUND_SAVER_SETTINGS_PATH,
            get(profiles::get_refund_saver).post(profiles::set_refund_saver),
        )
        .route(
            facts::VALIDATE_STRIPE_PURCHASE_PATH,
            post(purchases::validate_stripe),
        )
        .route(
            facts::VALIDATE_PADDLE_PURCHASE_PATH,
            post(purchases::validate_paddle),
        )
        .route(
            facts::GET_INTEGRATION_IDENTIFIERS_PATH,
            get(profiles::get_integrations).post(profiles::set_integrations),
        )
        .route(facts::LIST_PAYWALLS_PATH, get(paywalls::list))
        .route(
            facts::GET_PAYWALL_PATH,
            get(paywalls::get).put(paywalls::update),
        )
        .route(
            facts::LIST_VIRTUAL_CURRENCY_TRANSACTIONS_PATH,
            get(currency::list).post(currency::create),
        )
        .route(
            facts::LIST_VIRTUAL_CURRENCY_BALANCES_PATH,
            get(currency::balances),
        )
}

/// What every v2 operation does first: serve a queued fault, then check the API key (the 401
/// carrying a code the operation documents).
pub(crate) async fn prelude(
    app: &App,
    conn: &ConnectionHandle,
    operation: &adapty_api::Operation,
    headers: &HeaderMap,
) -> Result<(), Response> {
    crate::server::prelude(app, conn, Operation::of(operation), headers)
        .await
        .map_err(|response| {
            if response.status() == StatusCode::UNAUTHORIZED
                && !documents(operation, 401, "not_authenticated")
            {
                // The operation documents another 401 code (Adapty's newer `unauthorized`).
                failure(401, "unauthorized", None, "Invalid API key".to_owned()).into_response()
            } else {
                response
            }
        })
}

/// Whether `operation` documents `code` for `status` (its `x-error-codes`).
pub(crate) fn documents(operation: &adapty_api::Operation, status: u16, code: &str) -> bool {
    operation.error_codes.contains(&(status, code))
}

/// An error answer: `status` and `code` as given, in the error envelope.
pub(crate) fn failure(
    status: u16,
    code: &str,
    source: Option<&str>,
    message: String,
) -> ApiFailure {
    ApiFailure::new(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        code,
        source,
        vec![message],
    )
}

/// The answer of `operation` when no profile matches: the status and code it documents for that
/// (`profile_does_not_exist` or `profile_not_found`; the lowest status when it documents two, as
/// the purchase operations answer 400), else 404 `profile_does_not_exist`.
pub(crate) fn no_profile(operation: &adapty_api::Operation, hint: Option<String>) -> ApiFailure {
    let (status, code) = operation
        .error_codes
        .iter()
        .find(|(_, code)| matches!(*code, "profile_does_not_exist" | "profile_not_found"))
        .copied()
        .unwrap_or((404, "profile_does_not_exist"));
    let mut messages = vec!["Profile not found".to_owned()];
    messages.extend(hint);
    ApiFailure::new(
        StatusCode::from_u16(status).unwrap_or(StatusCode::NOT_FOUND),
        code,
        None,
        messages,
    )
}

/// Turns the store's "no such profile" (a v1 404) into `operation`'s own, and a store refusal
/// whose v1 code `operation` does not document (`profile_already_exists`: a customer user ID
/// held by another profile) into its `validation_error`, source and messages kept.
pub(crate) fn profile_failure(
    operation: &adapty_api::Operation,
    failure: ApiFailure,
) -> ApiFailure {
    let status = failure.status();
    if status == StatusCode::NOT_FOUND {
        no_profile(operation, failure.hint())
    } else if !documents(operation, status.as_u16(), failure.error_code())
        && documents(operation, status.as_u16(), "validation_error")
    {
        failure.with_code("validation_error")
    } else {
        failure
    }
}

/// A 400 (or the status the operation documents for `validation_error`, e.g. 422) naming the
/// field.
pub(crate) fn invalid(
    operation: &adapty_api::Operation,
    source: &str,
    message: String,
) -> ApiFailure {
    let status = operation
        .error_codes
        .iter()
        .find(|(_, code)| *code == "validation_error")
        .map_or(400, |(status, _)| *status);
    failure(status, "validation_error", Some(source), message)
}

/// Reads a request body of `operation` into the v2 spec's type `T`: its media type, a JSON body,
/// then every field (a bad one is refused naming its JSON path).
pub(crate) async fn body<T: DeserializeOwned>(
    operation: &adapty_api::Operation,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, Response> {
    body_and_json(operation, headers, body)
        .await
        .map(|(typed, _)| typed)
}

/// As [`body`], with the body as sent too: the profile handlers read the request's fields by the
/// names the facts list (text fields, v2-only fields), whatever their Rust types.
pub(crate) async fn body_and_json<T: DeserializeOwned>(
    operation: &adapty_api::Operation,
    headers: &HeaderMap,
    body: Body,
) -> Result<(T, serde_json::Map<String, Value>), Response> {
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BODY)
        .await
        .map_err(|_| {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The request body could not be read whole within {MAX_REQUEST_BODY} bytes."
                ),
            )
                .into_response()
        })?;
    read(operation, headers, &bytes).map_err(IntoResponse::into_response)
}

fn read<T: DeserializeOwned>(
    operation: &adapty_api::Operation,
    headers: &HeaderMap,
    bytes: &Bytes,
) -> Result<(T, serde_json::Map<String, Value>), ApiFailure> {
    let expected = operation.content_type.unwrap_or("application/json");
    let sent = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if sent != expected {
        return Err(failure(
            400,
            "parse_error",
            Some(NON_FIELD_ERRORS),
            format!("Unsupported media type {sent:?} in request: send {expected}."),
        ));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| failure(400, "parse_error", None, format!("JSON parse error - {e}")))?;
    let Value::Object(object) = value else {
        return Err(failure(
            400,
            "parse_error",
            None,
            "Expected a JSON object as the body.".to_owned(),
        ));
    };
    let typed = serde_path_to_error::deserialize(&object).map_err(|e| field_error(operation, e))?;
    Ok((typed, object))
}

/// A body field the v2 type refused, as the operation's 400 (or 422) naming its JSON path.
pub(crate) fn field_error(
    operation: &adapty_api::Operation,
    error: serde_path_to_error::Error<serde_json::Error>,
) -> ApiFailure {
    let path = error.path().to_string();
    let source = if path == "." {
        NON_FIELD_ERRORS.to_owned()
    } else {
        path
    };
    invalid(operation, &source, error.into_inner().to_string())
}

/// A check of the client's (`validate()`) refusing the body, as the operation's 400 naming the
/// field.
pub(crate) fn refused(operation: &adapty_api::Operation, error: adapty_api::Error) -> ApiFailure {
    match &error {
        adapty_api::Error::InvalidInput(e) => invalid(operation, e.field(), e.reason().to_owned()),
        other => invalid(operation, NON_FIELD_ERRORS, other.to_string()),
    }
}

/// Now, as Adapty's v2 answers write datetimes (`2025-01-05T13:27:47.461425+00:00`).
pub(crate) fn now() -> String {
    stamp(chrono::DateTime::<chrono::Utc>::from(
        std::time::SystemTime::now(),
    ))
}

/// `at` as Adapty's v2 answers write datetimes (the form of [`now`]).
pub(crate) fn stamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

/// `value` as a `200` JSON answer.
pub(crate) fn ok(value: &impl serde::Serialize) -> Response {
    json_response(StatusCode::OK, value)
}

pub(crate) mod view {
    //! Stored profiles (kept in v1's shapes) in v2's: the v2 spec's `Profile` properties, offers
    //! keyed `category`/`type`/`id`, each purchase with the properties its v2 schema lists.

    use adapty_api::v2::facts;
    use serde_json::{Map, Value};
    use uuid::Uuid;

    use crate::store::Profile;

    /// The v2 `Profile` of a stored profile.
    pub(crate) fn profile(profile: &Profile, app_id: Uuid) -> Value {
        let v1 = serde_json::to_value(profile.view(app_id)).unwrap_or(Value::Null);
        let mut out = Map::new();
        for &field in facts::PROFILE_PROPERTIES {
            let value = v1.get(field).cloned().unwrap_or(Value::Null);
            let value = match field {
                "access_levels" => list(value, facts::ACCESS_LEVEL_PROPERTIES),
                "subscriptions" => list(value, facts::SUBSCRIPTION_PROPERTIES),
                "non_subscriptions" => list(value, facts::NON_SUBSCRIPTION_PROPERTIES),
                _ => value,
            };
            out.insert(field.to_owned(), value);
        }
        Value::Object(out)
    }

    /// `{"data": profile}`.
    pub(crate) fn data(profile: &Profile, app_id: Uuid) -> Value {
        serde_json::json!({ "data": self::profile(profile, app_id) })
    }

    fn list(value: Value, properties: &[&str]) -> Value {
        match value {
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|item| purchase(item, properties))
                    .collect(),
            ),
            other => other,
        }
    }

    fn purchase(item: Value, properties: &[&str]) -> Value {
        let Value::Object(mut item) = item else {
            return item;
        };
        let mut out = Map::new();
        for &field in properties {
            let value = item.remove(field).unwrap_or(Value::Null);
            let value = if field == "offer" {
                offer(value)
            } else {
                value
            };
            out.insert(field.to_owned(), value);
        }
        Value::Object(out)
    }

    /// An offer keyed `category`, `type`, `id` (v1's seeds may use `offer_category`, ...).
    fn offer(value: Value) -> Value {
        let Value::Object(mut offer) = value else {
            return value;
        };
        let mut out = Map::new();
        for (v2, v1) in [
            ("category", "offer_category"),
            ("type", "offer_type"),
            ("id", "offer_id"),
        ] {
            let value = offer
                .remove(v2)
                .or_else(|| offer.remove(v1))
                .unwrap_or(Value::Null);
            out.insert(v2.to_owned(), value);
        }
        Value::Object(out)
    }
}
