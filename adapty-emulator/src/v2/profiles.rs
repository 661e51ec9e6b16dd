//! v2's profile operations (get, create, update, delete) and the per-profile settings (Refund
//! Saver, integration identifiers), over the store v1 uses: a profile made through one version is
//! the same profile through the other.

use std::sync::Arc;

use adapty_api::Nullable;
use adapty_api::v2::facts;
use adapty_api::v2::types::{
    IntegrationIdentifiersRequest, ProfileRequest, RefundSaverSettingsRequest,
};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::{body_and_json, invalid, ok, prelude, profile_failure, refused, view};
use crate::error::ApiFailure;
use crate::net::ConnectionHandle;
use crate::request::{AttributeValue, Change, InstallationPatch, ProfilePatch};
use crate::server::{App, identity};
use crate::store::{Identity, Profile, Profiles};

type Shared = State<Arc<App>>;

/// `GET /api/v2/server-side-api/profile/`
pub(crate) async fn get(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::GET_PROFILE;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let profiles = app.store.read();
    match profiles.find(&identity(&headers)) {
        Ok(profile) => ok(&view::data(profile, app.app_id)),
        Err(failure) => profile_failure(operation, failure).into_response(),
    }
}

/// `POST /api/v2/server-side-api/profile/`: as v1's create (both identity headers attach the
/// customer user ID to the existing profile).
pub(crate) async fn create(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    write(
        &app,
        &conn,
        &facts::CREATE_PROFILE,
        &headers,
        request,
        Profiles::create,
    )
    .await
}

/// `PATCH /api/v2/server-side-api/profile/`
pub(crate) async fn update(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    write(
        &app,
        &conn,
        &facts::UPDATE_PROFILE,
        &headers,
        request,
        Profiles::update,
    )
    .await
}

async fn write(
    app: &App,
    conn: &ConnectionHandle,
    operation: &adapty_api::Operation,
    headers: &HeaderMap,
    request: Body,
    apply: for<'p> fn(&'p mut Profiles, &Identity, ProfilePatch) -> Result<&'p Profile, ApiFailure>,
) -> Response {
    if let Err(early) = prelude(app, conn, operation, headers).await {
        return early;
    }
    if let Err(refusal) = platform(operation, headers) {
        return refusal.into_response();
    }
    let (request, sent): (ProfileRequest, _) =
        match body_and_json(operation, headers, request).await {
            Ok(read) => read,
            Err(response) => return response,
        };
    if let Err(error) = request.validate() {
        return refused(operation, error).into_response();
    }
    let (patch, extra) = patch(&request, &sent);
    let mut profiles = app.store.write();
    let id = match apply(&mut profiles, &identity(headers), patch) {
        Ok(profile) => profile.profile_id,
        Err(failure) => return profile_failure(operation, failure).into_response(),
    };
    match profiles.get_mut(&id) {
        Some(profile) => {
            for (field, value) in extra {
                match value {
                    Value::Null => profile.v2.extra.remove(&field),
                    value => profile.v2.extra.insert(field, value),
                };
            }
            ok(&view::data(profile, app.app_id))
        }
        None => profile_failure(operation, ApiFailure::not_found(None)).into_response(),
    }
}

/// The `adapty-platform` header of create and update, when sent, must be a value the spec lists
/// (the header is not stored: v1 and v2 profiles have no field for it).
fn platform(operation: &adapty_api::Operation, headers: &HeaderMap) -> Result<(), ApiFailure> {
    let name = facts::ADAPTY_PLATFORM_PARAMETER_NAME;
    let Some(value) = headers.get(name) else {
        return Ok(());
    };
    match value.to_str() {
        Ok(platform) if facts::PLATFORM_VALUES.contains(&platform) => Ok(()),
        _ => Err(invalid(
            operation,
            name,
            format!(
                "{value:?} is not one of {}",
                facts::PLATFORM_VALUES.join(", ")
            ),
        )),
    }
}

/// `DELETE /api/v2/server-side-api/profile/`: 204, no body.
pub(crate) async fn delete(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::DELETE_PROFILE;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let result = app.store.write().delete(&identity(&headers));
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(failure) => profile_failure(operation, failure).into_response(),
    }
}

/// A v2 profile request as the store's patch, and the v2 fields v1 does not have (by name, `null`
/// to clear), kept beside it. `sent` is the body as sent (already read into `request`, so every
/// field has its documented type): a field sent as `null` is cleared.
fn patch(
    request: &ProfileRequest,
    sent: &Map<String, Value>,
) -> (ProfilePatch, Vec<(String, Value)>) {
    let empty = Map::new();
    let mut patch = ProfilePatch::default();
    let mut extra = Vec::new();
    // Text fields: those v1 knows go where v1 keeps them; `ip_country` has a slot of its own.
    for &field in facts::PROFILE_REQUEST_NULLABLE_TEXT {
        let change = text(sent, field);
        if field == "ip_country" {
            patch.ip_country = change;
        } else if adapty_api::v1::facts::PROFILE_REQUEST_NULLABLE_TEXT.contains(&field) {
            patch.text.push((field, change));
        } else if let Some(value) = sent.get(field) {
            extra.push((field.to_owned(), value.clone()));
        }
    }
    // The store, an enum in v2, is text in v1.
    patch.text.push(("store", text(sent, "store")));
    patch.gender = text(sent, "gender");
    patch.birthday = nullable(request.birthday.as_ref(), sent, "birthday");
    patch.analytics_disabled = nullable(
        request.analytics_disabled.as_ref(),
        sent,
        "analytics_disabled",
    );
    for field in ["store_account_token", "att_status"] {
        if let Some(value) = sent.get(field) {
            extra.push((field.to_owned(), value.clone()));
        }
    }
    patch.custom_attributes = request
        .custom_attributes
        .iter()
        .map(|attribute| {
            let value = match (attribute.value.as_text(), attribute.value.as_number()) {
                // An empty text deletes the attribute, as `null` does (as in v1).
                (Some(""), _) | (None, None) => None,
                (Some(text), _) => Some(AttributeValue::Text(text.to_owned())),
                (None, Some(number)) => Some(AttributeValue::Number(number)),
            };
            (attribute.key.as_str().to_owned(), value)
        })
        .collect();
    if let Some(meta) = &request.installation_meta {
        let sent_meta = sent["installation_meta"].as_object().unwrap_or(&empty);
        let mut fields: Vec<(&'static str, Change<String>)> =
            facts::INSTALLATION_META_NULLABLE_TEXT
                .iter()
                .map(|&field| (field, text(sent_meta, field)))
                .collect();
        fields.push(("platform", text(sent_meta, "platform")));
        patch.installation_meta = Some(InstallationPatch {
            device_id: meta.device_id.clone(),
            fields,
        });
    }
    (patch, extra)
}

/// A clearable field of the typed request: its value, or `null` when the body sent `null`.
fn nullable<T: Copy>(
    typed: Option<&Nullable<T>>,
    sent: &Map<String, Value>,
    field: &str,
) -> Change<T> {
    match (typed, sent.get(field)) {
        (Some(Nullable::Value(value)), _) => Change::Set(*value),
        (Some(Nullable::Null), _) | (None, Some(Value::Null)) => Change::Clear,
        (None, _) => Change::Keep,
    }
}

/// A field of a request object: left out, `null`, or text (an enum's value included).
fn text(object: &Map<String, Value>, field: &str) -> Change<String> {
    match object.get(field) {
        None => Change::Keep,
        Some(Value::Null) => Change::Clear,
        Some(Value::String(text)) => Change::Set(text.clone()),
        Some(other) => Change::Set(other.to_string()),
    }
}

// ------------------------------------------------------------------------ Refund Saver

/// The Refund Saver settings answer: the preference Adapty applies when none was set is
/// `no_preference`, and consent is `false` until given.
fn refund_saver_answer(profile: &Profile) -> Value {
    json!({
        "profile_id": profile.profile_id,
        "settings": {
            "consent": profile.v2.refund_consent.unwrap_or(false),
            "custom_preference": profile.v2.refund_preference.as_deref().unwrap_or("no_preference"),
        }
    })
}

/// `GET .../purchase/profile/refund-saver/settings/`
pub(crate) async fn get_refund_saver(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::GET_REFUND_SAVER_SETTINGS;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    match app.store.read().find(&identity(&headers)) {
        Ok(profile) => ok(&refund_saver_answer(profile)),
        Err(failure) => profile_failure(operation, failure).into_response(),
    }
}

/// `POST .../purchase/profile/refund-saver/settings/`: sets what is sent; `null` puts a setting
/// back to its default.
pub(crate) async fn set_refund_saver(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::SET_REFUND_SAVER_SETTINGS;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let (request, sent): (RefundSaverSettingsRequest, _) =
        match body_and_json(operation, &headers, request).await {
            Ok(read) => read,
            Err(response) => return response,
        };
    // A setting sent as `null` counts as sent (it goes back to its default); the client's
    // `validate()` cannot see it, the typed request reading `null` as left out.
    let named = facts::REFUND_SAVER_SETTINGS_REQUEST_PROPERTIES
        .iter()
        .filter(|&&field| sent.contains_key(field))
        .count();
    if named < facts::REFUND_SAVER_SETTINGS_REQUEST_MIN_PROPERTIES {
        return invalid(
            operation,
            "body",
            format!(
                "Profile refund saver settings must have either {} or both.",
                facts::REFUND_SAVER_SETTINGS_REQUEST_PROPERTIES.join(" or ")
            ),
        )
        .into_response();
    }
    if let Some(Nullable::Value(preference)) = &request.custom_preference
        && !preference.is_known()
    {
        return invalid(
            operation,
            "custom_preference",
            format!(
                "{:?} is not one of {}",
                preference.as_str(),
                facts::REFUND_PREFERENCE_VALUES.join(", ")
            ),
        )
        .into_response();
    }
    let mut profiles = app.store.write();
    match profiles.find_mut(&identity(&headers)) {
        Ok(profile) => {
            if sent.contains_key("consent") {
                profile.v2.refund_consent = request.consent.and_then(Nullable::into_option);
            }
            if sent.contains_key("custom_preference") {
                profile.v2.refund_preference = request
                    .custom_preference
                    .and_then(Nullable::into_option)
                    .map(|p| p.as_str().to_owned());
            }
            ok(&refund_saver_answer(profile))
        }
        Err(failure) => profile_failure(operation, failure).into_response(),
    }
}

// --------------------------------------------------------------- integration identifiers

/// `GET .../integration/profile/set/integration-identifiers/`: every identifier, `null` where
/// none is set.
pub(crate) async fn get_integrations(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::GET_INTEGRATION_IDENTIFIERS;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    match app.store.read().find(&identity(&headers)) {
        Ok(profile) => {
            let answer: Map<String, Value> = facts::INTEGRATION_IDENTIFIERS_PROPERTIES
                .iter()
                .map(|&field| {
                    let value = profile
                        .v2
                        .integration_identifiers
                        .get(field)
                        .map_or(Value::Null, |v| Value::String(v.clone()));
                    (field.to_owned(), value)
                })
                .collect();
            ok(&answer)
        }
        Err(failure) => profile_failure(operation, failure).into_response(),
    }
}

/// `POST .../integration/profile/set/integration-identifiers/`: sets the identifiers sent (`null`
/// removes one), keeps the others; 200 with an empty body.
pub(crate) async fn set_integrations(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::SET_INTEGRATION_IDENTIFIERS;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    // The typed request checks each identifier's type; what to set or remove is read from the
    // body as sent, where `null` (remove) is kept.
    let (_, sent): (IntegrationIdentifiersRequest, _) =
        match body_and_json(operation, &headers, request).await {
            Ok(read) => read,
            Err(response) => return response,
        };
    let named: Vec<(&str, &Value)> = facts::INTEGRATION_IDENTIFIERS_REQUEST_PROPERTIES
        .iter()
        .filter_map(|&field| sent.get(field).map(|value| (field, value)))
        .collect();
    if named.len() < facts::INTEGRATION_IDENTIFIERS_REQUEST_MIN_PROPERTIES {
        return invalid(
            operation,
            "body",
            format!(
                "set at least {} of {}",
                facts::INTEGRATION_IDENTIFIERS_REQUEST_MIN_PROPERTIES,
                facts::INTEGRATION_IDENTIFIERS_REQUEST_PROPERTIES.join(", ")
            ),
        )
        .into_response();
    }
    let mut profiles = app.store.write();
    match profiles.find_mut(&identity(&headers)) {
        Ok(profile) => {
            for (field, value) in named {
                match value {
                    Value::String(id) => {
                        profile
                            .v2
                            .integration_identifiers
                            .insert(field.to_owned(), id.clone());
                    }
                    _ => {
                        profile.v2.integration_identifiers.remove(field);
                    }
                }
            }
            StatusCode::OK.into_response()
        }
        Err(failure) => profile_failure(operation, failure).into_response(),
    }
}
