//! The HTTP side: the four profile operations, the control API, and what every response gets.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{ApiFailure, NON_FIELD_ERRORS, json_response};
use crate::faults::{Fault, FaultQueue, Operation};
use crate::net::ConnectionHandle;
use crate::purchases::{AccessLevel, NonSubscription, Subscription};
use crate::request::{ProfilePatch, kind, parse_profile_request, profile_patch_from_object};
use crate::store::{Identity, Profile, Profiles, Store};
use crate::traffic::{self, InjectedFault, Recorder};

/// The path of the four profile operations (with its trailing slash, as documented).
pub const PROFILES_PATH: &str = "/api/v1/server-side-api/profiles/";
/// The prefix of the control API, when it is enabled.
pub const CONTROL_PREFIX: &str = "/__emulator";

const PROFILE_ID: &str = "adapty-profile-id";
const CUSTOMER_USER_ID: &str = "adapty-customer-user-id";
const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

/// The state shared by every request.
pub(crate) struct App {
    pub(crate) api_keys: Vec<String>,
    pub(crate) app_id: Uuid,
    pub(crate) store: Store,
    pub(crate) faults: FaultQueue,
    /// The app's access levels, currencies, products and paywalls (the v2 operations read them).
    pub(crate) catalog: crate::catalog::Catalog,
}

impl std::fmt::Debug for App {
    /// The API keys are secrets: only their number is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .field("app_id", &self.app_id)
            .field("profiles", &self.store.read().len())
            .field("faults", &self.faults.pending_by_name())
            .finish()
    }
}

type Shared = State<Arc<App>>;

/// The router: the profile API, the control API when `control` is set, a JSON 404 elsewhere, and a
/// `Request-Id` header on every response.
pub(crate) fn router(app: Arc<App>, control: bool, recorder: Option<Arc<Recorder>>) -> Router {
    let mut router = crate::v2::routes(
        Router::new().route(
            PROFILES_PATH,
            get(get_profile)
                .post(create_profile)
                .patch(update_profile)
                .delete(delete_profile),
        ),
    );
    if control {
        router = router
            .route(&format!("{CONTROL_PREFIX}/health"), get(health))
            .route(&format!("{CONTROL_PREFIX}/reset"), post(reset))
            .route(
                &format!("{CONTROL_PREFIX}/faults"),
                get(list_faults).post(add_fault).delete(clear_faults),
            )
            .route(&format!("{CONTROL_PREFIX}/profiles"), post(seed_profile));
    }
    let mut router = router
        .fallback(no_such_path)
        .layer(middleware::from_fn(add_request_id));
    if let Some(recorder) = recorder {
        router = router.layer(middleware::from_fn_with_state(recorder, traffic::record));
    }
    router.with_state(app)
}

async fn add_request_id(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let id = Uuid::new_v4().simple().to_string();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

async fn no_such_path() -> ApiFailure {
    ApiFailure::not_found(Some(format!(
        "No such path: the profile API is at {PROFILES_PATH} (with the trailing slash)."
    )))
}

// ------------------------------------------------------------------ the profile operations

async fn get_profile(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    if let Err(early) = prelude(&app, &conn, Operation::Get, &headers).await {
        return early;
    }
    let identity = identity(&headers);
    let profiles = app.store.read();
    match profiles.find(&identity) {
        Ok(profile) => profile_response(&app, profile),
        Err(failure) => failure.into_response(),
    }
}

async fn create_profile(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    write_profile(
        &app,
        &conn,
        Operation::Create,
        &headers,
        body,
        Profiles::create,
    )
    .await
}

async fn update_profile(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    write_profile(
        &app,
        &conn,
        Operation::Update,
        &headers,
        body,
        Profiles::update,
    )
    .await
}

/// The longest request body read, as axum's default limit was: 2 MiB.
pub(crate) const MAX_REQUEST_BODY: usize = 2 * 1024 * 1024;

/// Create and update: faults and authentication first (an unauthenticated body is never read),
/// then the body (at most [`MAX_REQUEST_BODY`]) checked, then `apply` under the write lock (one
/// lock for the whole change, so concurrent writes lose nothing).
async fn write_profile(
    app: &App,
    conn: &ConnectionHandle,
    operation: Operation,
    headers: &HeaderMap,
    body: Body,
    apply: for<'p> fn(&'p mut Profiles, &Identity, ProfilePatch) -> Result<&'p Profile, ApiFailure>,
) -> Response {
    if let Err(early) = prelude(app, conn, operation, headers).await {
        return early;
    }
    let body = match axum::body::to_bytes(body, MAX_REQUEST_BODY).await {
        Ok(body) => body,
        Err(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "The request body could not be read whole within {MAX_REQUEST_BODY} bytes."
                ),
            )
                .into_response();
        }
    };
    let body = &body;
    let patch = match json_body(headers, body).and_then(|()| parse_profile_request(body)) {
        Ok(patch) => patch,
        Err(failure) => return failure.into_response(),
    };
    let identity = identity(headers);
    let mut profiles = app.store.write();
    match apply(&mut profiles, &identity, patch) {
        Ok(profile) => profile_response(app, profile),
        Err(failure) => failure.into_response(),
    }
}

async fn delete_profile(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    if let Err(early) = prelude(&app, &conn, Operation::Delete, &headers).await {
        return early;
    }
    let identity = identity(&headers);
    let result = app.store.write().delete(&identity);
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(failure) => failure.into_response(),
    }
}

/// `{"data": ...}`, the wrapper of every profile in a response.
#[derive(serde::Serialize)]
struct Data<T> {
    data: T,
}

fn profile_response(app: &App, profile: &Profile) -> Response {
    json_response(
        StatusCode::OK,
        &Data {
            data: profile.view(app.app_id),
        },
    )
}

/// What every profile operation does first: serve a queued fault, then check the API key.
pub(crate) async fn prelude(
    app: &App,
    conn: &ConnectionHandle,
    operation: Operation,
    headers: &HeaderMap,
) -> Result<(), Response> {
    if let Some(fault) = app.faults.next(operation)
        && let Some(response) = serve_fault(fault, conn).await
    {
        return Err(response);
    }
    authenticate(&app.api_keys, headers).map_err(IntoResponse::into_response)
}

/// The answer a fault gives, or `None` when the request goes on (after a delay). The answer is
/// marked [`InjectedFault`], so the traffic record can tell it from the API's own answers.
pub(crate) async fn serve_fault(fault: Fault, conn: &ConnectionHandle) -> Option<Response> {
    let mut response = fault_response(fault, conn).await?;
    response.extensions_mut().insert(InjectedFault);
    Some(response)
}

async fn fault_response(fault: Fault, conn: &ConnectionHandle) -> Option<Response> {
    match fault {
        Fault::RateLimited { retry_after_secs } => {
            let mut response = ApiFailure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                Some(NON_FIELD_ERRORS),
                vec![format!(
                    "Request was throttled. Expected available in {retry_after_secs} seconds."
                )],
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            Some(response)
        }
        Fault::ServerError { status } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(
                ApiFailure::new(
                    status,
                    "server_error",
                    Some(NON_FIELD_ERRORS),
                    vec!["A server error occurred.".to_owned()],
                )
                .into_response(),
            )
        }
        Fault::NonJson {
            status,
            body,
            content_type,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            let mut response = (status, body).into_response();
            if let Ok(value) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, value);
            }
            Some(response)
        }
        Fault::Delay { millis } => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            None
        }
        Fault::DropConnection => {
            conn.drop_connection();
            // Never written: the connection fails its first write and is closed.
            Some(StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// `Authorization: Api-Key <key>` with one of the configured keys (the scheme in any case).
pub(crate) fn authenticate(keys: &[String], headers: &HeaderMap) -> Result<(), ApiFailure> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiFailure::not_authenticated());
    };
    let value = value.to_str().unwrap_or_default().trim();
    if value.is_empty() {
        return Err(ApiFailure::not_authenticated());
    }
    match value.split_once(' ') {
        Some((scheme, key)) if scheme.eq_ignore_ascii_case("Api-Key") => {
            let key = key.trim();
            if is_configured(keys, key) {
                Ok(())
            } else {
                Err(ApiFailure::invalid_key("Invalid API key."))
            }
        }
        _ => Err(ApiFailure::invalid_key(
            "Invalid Authorization header: send `Api-Key <your secret API key>`.",
        )),
    }
}

/// Whether `key` is one of `keys`, compared in constant time: every configured key is compared,
/// and each comparison takes as long whatever the bytes (only a length difference shows), so the
/// answer's timing does not tell how much of a guess was right.
fn is_configured(keys: &[String], key: &str) -> bool {
    use subtle::ConstantTimeEq;
    let matched = keys.iter().fold(subtle::Choice::from(0), |found, k| {
        found | k.as_bytes().ct_eq(key.as_bytes())
    });
    bool::from(matched)
}

/// The identity headers as sent.
pub(crate) fn identity(headers: &HeaderMap) -> Identity {
    let profile_id = headers.get(PROFILE_ID).map(|v| {
        let raw = String::from_utf8_lossy(v.as_bytes()).into_owned();
        Uuid::try_parse(raw.trim()).map_err(|_| raw)
    });
    let customer_user_id = headers.get(CUSTOMER_USER_ID).map(|v| {
        v.to_str()
            .ok()
            .filter(|s| s.bytes().all(|b| b == b' ' || b.is_ascii_graphic()))
            .map(str::to_owned)
            .ok_or(())
    });
    Identity {
        profile_id,
        customer_user_id,
    }
}

/// A body must come with `Content-Type: application/json`, as the API specs page requires.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<(), ApiFailure> {
    if body.is_empty() {
        return Ok(());
    }
    let essence = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or_default())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiFailure::new(
            StatusCode::BAD_REQUEST,
            "unsupported_media_type",
            Some(NON_FIELD_ERRORS),
            vec![if essence.is_empty() {
                "No Content-Type in a request with a body: send application/json.".to_owned()
            } else {
                format!("Unsupported media type {essence:?} in request: send application/json.")
            }],
        ))
    }
}

// ------------------------------------------------------------------ the control API

async fn health(State(app): Shared) -> Response {
    let profiles = app.store.read().len();
    json_response(
        StatusCode::OK,
        &json!({ "status": "ok", "profiles": profiles }),
    )
}

async fn reset(State(app): Shared) -> StatusCode {
    app.store.write().clear();
    app.faults.clear();
    app.catalog.reset();
    StatusCode::NO_CONTENT
}

/// `{"pending": {"get": 0, "create": 0, "update": 0, "delete": 0, "any": 0, "v2.<name>": N}}`:
/// the v1 operations and `any` always, a v2 operation when it has faults queued.
async fn list_faults(State(app): Shared) -> Response {
    let mut pending = Map::new();
    for name in ["get", "create", "update", "delete", "any"] {
        pending.insert(name.to_owned(), json!(0));
    }
    for (name, count) in app.faults.pending_by_name() {
        pending.insert(name, json!(count));
    }
    json_response(StatusCode::OK, &json!({ "pending": pending }))
}

async fn clear_faults(State(app): Shared) -> StatusCode {
    app.faults.clear();
    StatusCode::NO_CONTENT
}

/// The body of `POST /__emulator/faults`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    /// `get`, `create`, `update`, `delete`, or absent / `null` for any operation.
    #[serde(default)]
    operation: Option<Operation>,
    #[serde(default = "one")]
    times: u32,
    fault: Fault,
}

fn one() -> u32 {
    1
}

async fn add_fault(State(app): Shared, body: Bytes) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return ApiFailure::parse_error(format!("Invalid fault request: {e}")).into_response();
        }
    };
    match app
        .faults
        .push(request.operation, request.fault, request.times)
    {
        Ok(()) => json_response(StatusCode::CREATED, &json!({ "queued": request.times })),
        Err(e) => ApiFailure::validation(vec![(e.field.to_owned(), e.message)]).into_response(),
    }
}

async fn seed_profile(State(app): Shared, body: Bytes) -> Response {
    let result = serde_json::from_slice::<Value>(&body)
        .map_err(|e| ApiFailure::parse_error(format!("JSON parse error - {e}")))
        .and_then(|value| seed(&app, value));
    match result {
        Ok(id) => {
            let profiles = app.store.read();
            match profiles.get(&id) {
                Some(profile) => json_response(
                    StatusCode::CREATED,
                    &Data {
                        data: profile.view(app.app_id),
                    },
                ),
                // Deleted by a concurrent request between the two locks.
                None => ApiFailure::not_found(None).into_response(),
            }
        }
        Err(failure) => failure.into_response(),
    }
}

/// Reads a seed (a `ProfileRequest` object plus `profile_id`, `customer_user_id`,
/// `total_revenue_usd`, `access_levels`, `subscriptions` and `non_subscriptions`) and stores it.
pub(crate) fn seed(app: &App, value: Value) -> Result<Uuid, ApiFailure> {
    let Value::Object(mut object) = value else {
        return Err(ApiFailure::parse_error(format!(
            "Expected a JSON object as the seed, got {}.",
            kind(&value)
        )));
    };
    let mut problems = Vec::new();
    let profile_id = match object.remove("profile_id") {
        None | Some(Value::Null) => Uuid::new_v4(),
        Some(Value::String(s)) => Uuid::try_parse(&s).unwrap_or_else(|_| {
            problems.push(("profile_id".to_owned(), format!("{s:?} is not a UUID.")));
            Uuid::nil()
        }),
        Some(other) => {
            problems.push((
                "profile_id".to_owned(),
                format!("Expected a UUID string, got {}.", kind(&other)),
            ));
            Uuid::nil()
        }
    };
    let customer_user_id = match object.remove("customer_user_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(s))
            if !s.is_empty()
                && s.trim() == s
                && s.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) =>
        {
            Some(s)
        }
        Some(other) => {
            problems.push((
                "customer_user_id".to_owned(),
                format!(
                    "Expected non-empty printable ASCII text (it travels in a header), got {other}."
                ),
            ));
            None
        }
    };
    let revenue = match object.remove("total_revenue_usd") {
        None => 0.0,
        Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f.is_finite() && f >= 0.0) => {
            n.as_f64().unwrap_or(0.0)
        }
        Some(other) => {
            problems.push((
                "total_revenue_usd".to_owned(),
                format!("Expected a number of at least 0, got {other}."),
            ));
            0.0
        }
    };
    let access_levels = purchases::<AccessLevel>(&mut object, "access_levels", &mut problems);
    let subscriptions = purchases::<Subscription>(&mut object, "subscriptions", &mut problems);
    let non_subscriptions =
        purchases::<NonSubscription>(&mut object, "non_subscriptions", &mut problems);
    let patch = profile_patch_from_object(&object);
    if !problems.is_empty() {
        return Err(ApiFailure::validation(problems));
    }
    let mut profile = Profile::new(profile_id, customer_user_id);
    profile.apply(patch?)?;
    profile.total_revenue_usd = revenue;
    profile.access_levels = access_levels;
    profile.subscriptions = subscriptions;
    profile.non_subscriptions = non_subscriptions;
    app.store.write().seed(profile)
}

/// The seed's list `field` of purchases, each checked against the spec's type `T`.
fn purchases<T: serde::de::DeserializeOwned + serde::Serialize>(
    object: &mut Map<String, Value>,
    field: &str,
    problems: &mut Vec<(String, String)>,
) -> Vec<Value> {
    match object.remove(field) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| {
                crate::purchases::checked::<T>(item)
                    .map_err(|e| problems.push((format!("{field}[{i}]"), e)))
                    .ok()
            })
            .collect(),
        Some(other) => {
            problems.push((
                field.to_owned(),
                format!("Expected a list, got {}.", kind(&other)),
            ));
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_exactly() {
        let keys = ["secret_a".to_owned(), "secret_bb".to_owned()];
        assert!(is_configured(&keys, "secret_a"));
        assert!(is_configured(&keys, "secret_bb"));
        for wrong in [
            "",
            "secret_",
            "secret_b",
            "secret_bbb",
            "SECRET_A",
            "secret_a ",
        ] {
            assert!(!is_configured(&keys, wrong), "{wrong:?}");
        }
        assert!(!is_configured(&[], "secret_a"));
    }
}
