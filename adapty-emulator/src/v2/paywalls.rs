//! v2's paywall operations, over the catalog's paywalls: a page of them, one, and a `PUT` that
//! replaces one's remote configs.

use std::sync::Arc;

use adapty_api::v2::facts;
use adapty_api::v2::types::PaywallUpdateRequest;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{body, failure, invalid, ok, prelude};
use crate::error::ApiFailure;
use crate::net::ConnectionHandle;
use crate::server::App;

type Shared = State<Arc<App>>;

/// The query parameter `name` as a whole number within `min..=max`, `default` when left out.
fn page_parameter(
    operation: &adapty_api::Operation,
    query: &[(String, String)],
    name: &str,
    min: usize,
    max: usize,
    default: usize,
) -> Result<usize, ApiFailure> {
    match query.iter().rev().find(|(key, _)| key == name) {
        None => Ok(default),
        Some((_, value)) => match value.parse::<usize>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(invalid(
                operation,
                name,
                format!(
                    "Invalid {name} parameter {value:?}. Must be a whole number from {min} to {max}."
                ),
            )),
        },
    }
}

/// `page[number]`: a whole number from the spec's minimum, of any size the spec allows (it states
/// no maximum; a number too large to count pages with is a page past the last), `default` when
/// left out.
fn page_number(
    operation: &adapty_api::Operation,
    query: &[(String, String)],
) -> Result<u128, ApiFailure> {
    let name = facts::PAGE_NUMBER_PARAMETER_NAME;
    let min = facts::PAGE_NUMBER_PARAMETER_MINIMUM as u128;
    match query.iter().rev().find(|(key, _)| key == name) {
        None => Ok(facts::PAGE_NUMBER_PARAMETER_DEFAULT as u128),
        Some((_, value)) => match value.parse::<u128>() {
            Ok(n) if n >= min => Ok(n),
            _ => Err(invalid(
                operation,
                name,
                format!(
                    "Invalid {name} parameter {value:?}. Must be a whole number from {min} up."
                ),
            )),
        },
    }
}

/// One page of the list, as `PaywallListResponse` (typed: the page number echoed may exceed what
/// a `serde_json::Value` holds).
#[derive(serde::Serialize)]
struct ListPage {
    data: Vec<Value>,
    meta: ListMeta,
}

#[derive(serde::Serialize)]
struct ListMeta {
    pagination: Pagination,
}

#[derive(serde::Serialize)]
struct Pagination {
    count: usize,
    page: u128,
    pages: usize,
}

/// The query string's pairs, decoded.
pub(crate) fn pairs(query: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `GET /api/v2/server-side-api/paywalls/`: page `page[number]` of `page[size]` paywalls, in the
/// catalog's order (the list items leave out the remote configs and screenshot, as the spec's
/// `PaywallListItem` does); a page past the last is empty, its number echoed (`page[number]` has
/// no documented maximum: any whole number from 1 up is a page).
pub(crate) async fn list(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::LIST_PAYWALLS;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let query = pairs(query.as_deref());
    let page = match page_number(operation, &query) {
        Ok(page) => page,
        Err(failure) => return failure.into_response(),
    };
    let size = match page_parameter(
        operation,
        &query,
        facts::PAGE_SIZE_PARAMETER_NAME,
        facts::PAGE_SIZE_PARAMETER_MINIMUM,
        facts::PAGE_SIZE_PARAMETER_MAXIMUM,
        facts::PAGE_SIZE_PARAMETER_DEFAULT,
    ) {
        Ok(size) => size,
        Err(failure) => return failure.into_response(),
    };
    let paywalls = app.catalog.paywalls();
    let count = paywalls.len();
    let pages = count.div_ceil(size);
    // A first item past what `usize` counts is past the last paywall.
    let first = usize::try_from(page.saturating_sub(1))
        .ok()
        .and_then(|pages_before| pages_before.checked_mul(size))
        .unwrap_or(usize::MAX);
    let data: Vec<Value> = paywalls
        .iter()
        .skip(first)
        .take(size)
        .map(|paywall| {
            let mut item = paywall.clone();
            if let Some(object) = item.as_object_mut() {
                object.retain(|key, _| facts::PAYWALL_LIST_ITEM_PROPERTIES.contains(&key.as_str()));
            }
            item
        })
        .collect();
    ok(&ListPage {
        data,
        meta: ListMeta {
            pagination: Pagination { count, page, pages },
        },
    })
}

/// The catalog paywall `paywall_id`, or the documented 404.
fn find(paywalls: &[Value], paywall_id: &str) -> Result<usize, ApiFailure> {
    paywalls
        .iter()
        .position(|p| p["paywall_id"].as_str() == Some(paywall_id))
        .ok_or_else(|| {
            failure(
                404,
                "paywall_does_not_exist",
                None,
                "Paywall not found".to_owned(),
            )
        })
}

/// `GET /api/v2/server-side-api/paywalls/{paywall_id}/`
pub(crate) async fn get(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    Path(paywall_id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let operation = &facts::GET_PAYWALL;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let paywalls = app.catalog.paywalls();
    match find(&paywalls, &paywall_id) {
        Ok(at) => ok(&paywalls[at]),
        Err(failure) => failure.into_response(),
    }
}

/// `PUT /api/v2/server-side-api/paywalls/{paywall_id}/`: replaces every remote config of the
/// paywall with those sent (a locale sent twice is refused) and moves `updated_at` to now.
pub(crate) async fn update(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    Path(paywall_id): Path<String>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::UPDATE_PAYWALL;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let request: PaywallUpdateRequest = match body(operation, &headers, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let mut locales = std::collections::BTreeSet::new();
    for (i, config) in request.remote_configs.iter().enumerate() {
        if !locales.insert(config.locale.as_str()) {
            return invalid(
                operation,
                &format!("remote_configs[{i}].locale"),
                format!("The locale {:?} appears more than once.", config.locale),
            )
            .into_response();
        }
    }
    let mut paywalls = app.catalog.paywalls_mut();
    match find(&paywalls, &paywall_id) {
        Ok(at) => {
            let paywall = &mut paywalls[at];
            paywall["remote_configs"] = json!(request.remote_configs);
            paywall["updated_at"] = json!(crate::v2::now());
            ok(&*paywall)
        }
        Err(failure) => failure.into_response(),
    }
}
