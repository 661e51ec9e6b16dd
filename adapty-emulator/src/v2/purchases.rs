//! v2's purchase operations: record a transaction, grant and revoke an access level, and the
//! Stripe and Paddle imports.
//!
//! Every purchase is kept where v1 serves it from (the profile's `access_levels`,
//! `subscriptions` and `non_subscriptions`, in v1's shapes; [`super::view`] shows them in v2's),
//! so v1 sees what v2 records. Each datetime is stored in one form ([`super::stamp`]) and each
//! offer as `{"category", "type", "id"}`. The transactions recorded are also remembered by their
//! store transaction ID (`V2State::transactions`), which tells an update from a new transaction.
//!
//! Where Adapty's docs are silent, the rules chosen are written on each handler; in short:
//!
//! - an access level shows one purchase: the one that gives it the longest (never expiring beats
//!   any date; a tie goes to the newer), except that a grant always replaces what it showed, and a
//!   transaction of the chain it already shows always updates it;
//! - a subscription entry shows its chain's latest transaction (by `purchased_at`): an older
//!   transaction, or an update of one a renewal superseded, changes no entry;
//! - `total_revenue_usd` counts the `price.value` of each new transaction priced in USD (other
//!   currencies are not converted: the emulator has no exchange rates, so they add nothing) that
//!   is not refunded; a refund sent later as an update takes that amount back; an update never
//!   adds revenue.

use std::sync::Arc;

use adapty_api::v2::facts;
use adapty_api::v2::types::{
    GrantAccessLevelRequest, OneTimePurchase, OneTimePurchasePurchaseType, PaddleValidationRequest,
    RevokeAccessLevelRequest, StripeValidationRequest, SubscriptionPurchase,
    SubscriptionPurchasePurchaseType, TransactionRequest,
};
use adapty_api::v2::{CancellationReason, Environment, ErrorCode, OfferCategory, OfferType};
use adapty_api::v2::{ProductSet, Store};
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    body, failure, field_error, invalid, ok, prelude, profile_failure, refused, stamp, view,
};
use crate::catalog::Catalog;
use crate::error::{ApiFailure, NON_FIELD_ERRORS, json_response};
use crate::net::ConnectionHandle;
use crate::server::{App, MAX_REQUEST_BODY, identity};
use crate::store::Profile;

type Shared = State<Arc<App>>;
type Time = DateTime<Utc>;

/// What the store transaction IDs of a grant start with: a grant has no store transaction, so
/// the emulator makes up `grant-<UUID>`, and tells an earlier grant by it.
const GRANT_PREFIX: &str = "grant-";

/// How long the period of an imported Stripe or Paddle subscription is (a monthly product).
const IMPORTED_PERIOD_DAYS: i64 = 30;

/// What a Stripe or Paddle token names, by its prefix: a subscription (`sub_`, both providers)
/// or a one-time payment (Stripe's payment intents `pi_`, Paddle's transactions `txn_`).
const SUBSCRIPTION_TOKEN: &str = "sub_";
const STRIPE_ONE_TIME_TOKEN: &str = "pi_";
const PADDLE_ONE_TIME_TOKEN: &str = "txn_";

// ------------------------------------------------------------------------- set transaction

/// `POST /api/v2/server-side-api/purchase/set/transaction/`: records a one-time purchase or a
/// subscription transaction and makes the profile's purchases and access level follow it.
///
/// - A one-time purchase adds a `non_subscriptions` entry (a new `purchase_id`; `is_consumable`
///   when the catalog's product is in the `consumable` product set, `false` for a product the
///   catalog does not know; `is_refund` when `refunded_at` is set) and, when the catalog maps its
///   `store_product_id` to an access level, gives that level for life (until `refunded_at`).
/// - A subscription transaction sets its chain's `subscriptions` entry (one per
///   `store_original_transaction_id`: a new transaction of the chain is a renewal and replaces
///   the period) and gives the product's access level until `expires_at` (`refunded_at` when
///   refunded); `renewal_cancelled_at` is `renew_status_changed_at` (now when not sent) when
///   `renew_status` is `false`; `is_in_grace_period` is whether `grace_period_expires_at` is in
///   the future.
/// - `cancellation_reason` is as sent; when none is sent and `refunded_at` is, `refund`.
/// - The same `store_transaction_id` again updates that transaction (Adapty's documented rule):
///   no new entry and no revenue again. Sent with another `store_original_transaction_id` or
///   `purchase_type` than recorded, it is refused (400 naming that field).
/// - A product the catalog does not know is recorded all the same, with no access level.
/// - Refused (400 `validation_error` naming the field): a negative `price.value`; a `free_trial`
///   offer with a non-zero `price.value`; a `promotional` offer without `offer.id`; `expires_at`
///   not after `purchased_at`; `originally_purchased_at` after `purchased_at`.
pub(crate) async fn set_transaction(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::SET_TRANSACTION;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let sent: Value = match body(operation, &headers, request).await {
        Ok(sent) => sent,
        Err(response) => return response,
    };
    let request = match transaction(operation, &sent) {
        Ok(request) => request,
        Err(failure) => return failure.into_response(),
    };
    if let Err(error) = request.validate() {
        return refused(operation, error).into_response();
    }
    let purchase = match Purchase::of(&request) {
        Ok(purchase) => purchase,
        Err((source, message)) => return invalid(operation, source, message).into_response(),
    };
    let mut profiles = app.store.write();
    let profile = match profiles.find_mut(&identity(&headers)) {
        Ok(profile) => profile,
        Err(failure) => return profile_failure(operation, failure).into_response(),
    };
    match record(profile, &app.catalog, &purchase) {
        Ok(()) => ok(&view::data(profile, app.app_id)),
        Err((source, message)) => invalid(operation, source, message).into_response(),
    }
}

/// The body as the kind of transaction its `purchase_type` names, so that a bad field is refused
/// with its path (the untagged `TransactionRequest` would only say that no kind matched).
fn transaction(
    operation: &adapty_api::Operation,
    sent: &Value,
) -> Result<TransactionRequest, ApiFailure> {
    let one_time = OneTimePurchasePurchaseType::OneTimePurchase.to_string();
    let subscription = SubscriptionPurchasePurchaseType::Subscription.to_string();
    let kind = sent.get("purchase_type").and_then(Value::as_str);
    let typed = if kind == Some(one_time.as_str()) {
        serde_path_to_error::deserialize::<_, OneTimePurchase>(sent).map(TransactionRequest::from)
    } else if kind == Some(subscription.as_str()) {
        serde_path_to_error::deserialize::<_, SubscriptionPurchase>(sent)
            .map(TransactionRequest::from)
    } else {
        return Err(invalid(
            operation,
            "purchase_type",
            format!("purchase_type must be {one_time:?} or {subscription:?}."),
        ));
    };
    typed.map_err(|e| field_error(operation, e))
}

/// A transaction to record, from any of the three ways in (set transaction, Stripe, Paddle).
struct Purchase {
    store: String,
    environment: String,
    store_product_id: String,
    store_transaction_id: String,
    store_original_transaction_id: String,
    /// What the transaction adds to `total_revenue_usd` when new and not refunded.
    revenue_usd: f64,
    purchased_at: Time,
    /// `{"category", "type", "id"}` or `null`.
    offer: Value,
    refunded_at: Option<Time>,
    cancellation_reason: Option<String>,
    /// The period, for a subscription transaction; `None` for a one-time purchase.
    period: Option<Period>,
}

/// What a subscription transaction adds to a purchase.
struct Period {
    originally_purchased_at: Time,
    expires_at: Time,
    renewal_cancelled_at: Option<Time>,
    billing_issue_detected_at: Option<Time>,
    is_in_grace_period: bool,
}

impl Purchase {
    /// The purchase a checked request records, or the field at fault and why.
    fn of(request: &TransactionRequest) -> Result<Self, (&'static str, String)> {
        let now = clock();
        let (common, period) = match request {
            TransactionRequest::OneTimePurchase(p) => (
                Common {
                    store: &p.store,
                    environment: &p.environment,
                    store_product_id: &p.store_product_id,
                    store_transaction_id: &p.store_transaction_id,
                    store_original_transaction_id: &p.store_original_transaction_id,
                    price: &p.price,
                    purchased_at: p.purchased_at.as_datetime(),
                    offer: p.offer.as_ref(),
                    refunded_at: p.refunded_at.map(|t| t.as_datetime()),
                    cancellation_reason: p.cancellation_reason.as_ref(),
                },
                None,
            ),
            TransactionRequest::SubscriptionPurchase(p) => {
                let purchased_at = p.purchased_at.as_datetime();
                let expires_at = p.expires_at.as_datetime();
                let originally_purchased_at = p.originally_purchased_at.as_datetime();
                if expires_at <= purchased_at {
                    return Err((
                        "expires_at",
                        "expires_at must be after purchased_at.".to_owned(),
                    ));
                }
                if originally_purchased_at > purchased_at {
                    return Err((
                        "originally_purchased_at",
                        "originally_purchased_at must not be after purchased_at.".to_owned(),
                    ));
                }
                let renewal_cancelled_at = (!p.renew_status)
                    .then(|| p.renew_status_changed_at.map_or(now, |t| t.as_datetime()));
                let period = Period {
                    originally_purchased_at,
                    expires_at,
                    renewal_cancelled_at,
                    billing_issue_detected_at: p.billing_issue_detected_at.map(|t| t.as_datetime()),
                    is_in_grace_period: p
                        .grace_period_expires_at
                        .is_some_and(|t| t.as_datetime() > now),
                };
                (
                    Common {
                        store: &p.store,
                        environment: &p.environment,
                        store_product_id: &p.store_product_id,
                        store_transaction_id: &p.store_transaction_id,
                        store_original_transaction_id: &p.store_original_transaction_id,
                        price: &p.price,
                        purchased_at,
                        offer: p.offer.as_ref(),
                        refunded_at: p.refunded_at.map(|t| t.as_datetime()),
                        cancellation_reason: p.cancellation_reason.as_ref(),
                    },
                    Some(period),
                )
            }
            // A kind of transaction a later spec adds: not one this emulator records.
            _ => {
                return Err((
                    "purchase_type",
                    "The emulator records one-time purchases and subscriptions only.".to_owned(),
                ));
            }
        };
        let price = common.price;
        if price.value < 0.0 {
            return Err(("price.value", "The price must not be negative.".to_owned()));
        }
        let offer = match common.offer {
            None => Value::Null,
            Some(offer) => {
                if offer.type_ == OfferType::FreeTrial && price.value != 0.0 {
                    return Err((
                        "price.value",
                        format!(
                            "A {} offer is free: the price must be 0.",
                            OfferType::FreeTrial.as_str()
                        ),
                    ));
                }
                if offer.category == OfferCategory::Promotional
                    && offer.id.as_deref().is_none_or(str::is_empty)
                {
                    return Err((
                        "offer.id",
                        format!(
                            "A {} offer needs its ID.",
                            OfferCategory::Promotional.as_str()
                        ),
                    ));
                }
                json!({
                    "category": offer.category.as_str(),
                    "type": offer.type_.as_str(),
                    "id": offer.id,
                })
            }
        };
        let cancellation_reason = common
            .cancellation_reason
            .map(|reason| reason.as_str().to_owned())
            .or_else(|| {
                common
                    .refunded_at
                    .map(|_| CancellationReason::Refund.as_str().to_owned())
            });
        Ok(Self {
            store: common.store.clone(),
            environment: common.environment.as_str().to_owned(),
            store_product_id: common.store_product_id.clone(),
            store_transaction_id: common.store_transaction_id.to_owned(),
            store_original_transaction_id: common.store_original_transaction_id.clone(),
            revenue_usd: if price.currency.eq_ignore_ascii_case("USD") {
                price.value
            } else {
                0.0
            },
            purchased_at: common.purchased_at,
            offer,
            refunded_at: common.refunded_at,
            cancellation_reason,
            period,
        })
    }

    /// An imported Stripe or Paddle purchase of `product` (the token is the transaction ID):
    /// bought now, in production, price unknown (so it adds no revenue); a subscription runs
    /// for [`IMPORTED_PERIOD_DAYS`] and renews.
    fn imported(store: Store, token: &str, product: &str, subscription: bool) -> Self {
        let now = clock();
        Self {
            store: store.as_str().to_owned(),
            environment: Environment::Production.as_str().to_owned(),
            store_product_id: product.to_owned(),
            store_transaction_id: token.to_owned(),
            store_original_transaction_id: token.to_owned(),
            revenue_usd: 0.0,
            purchased_at: now,
            offer: Value::Null,
            refunded_at: None,
            cancellation_reason: None,
            period: subscription.then(|| Period {
                originally_purchased_at: now,
                expires_at: now + Duration::days(IMPORTED_PERIOD_DAYS),
                renewal_cancelled_at: None,
                billing_issue_detected_at: None,
                is_in_grace_period: false,
            }),
        }
    }

    /// When the purchase stops giving access: the refund, else the end of the period, else never.
    fn ends_at(&self) -> Option<Time> {
        match (self.refunded_at, self.period.as_ref().map(|p| p.expires_at)) {
            (Some(refunded), Some(expires)) => Some(refunded.min(expires)),
            (refunded, expires) => refunded.or(expires),
        }
    }

    /// The `subscriptions` entry (v1's `Subscription`) of a subscription transaction.
    fn subscription_entry(&self, period: &Period) -> Value {
        json!({
            "store": self.store,
            "store_product_id": self.store_product_id,
            "store_base_plan_id": null,
            "store_transaction_id": self.store_transaction_id,
            "store_original_transaction_id": self.store_original_transaction_id,
            "offer": self.offer,
            "environment": self.environment,
            "purchased_at": stamp(self.purchased_at),
            "originally_purchased_at": stamp(period.originally_purchased_at),
            "expires_at": self.ends_at().map(stamp),
            "renewal_cancelled_at": period.renewal_cancelled_at.map(stamp),
            "billing_issue_detected_at": period.billing_issue_detected_at.map(stamp),
            "is_in_grace_period": period.is_in_grace_period,
            "cancellation_reason": self.cancellation_reason,
        })
    }

    /// The `non_subscriptions` entry (v1's `NonSubscription`) of a one-time purchase.
    fn one_time_entry(&self, purchase_id: &str, is_consumable: bool) -> Value {
        json!({
            "purchase_id": purchase_id,
            "store": self.store,
            "store_product_id": self.store_product_id,
            "store_base_plan_id": null,
            "store_transaction_id": self.store_transaction_id,
            "store_original_transaction_id": self.store_original_transaction_id,
            "purchased_at": stamp(self.purchased_at),
            "environment": self.environment,
            "is_refund": self.refunded_at.is_some(),
            "is_consumable": is_consumable,
        })
    }

    /// The `access_levels` entry (v1's `AccessLevel`) the purchase gives `level`.
    fn access_level_entry(&self, level: &str) -> Value {
        let period = self.period.as_ref();
        json!({
            "access_level_id": level,
            "store": self.store,
            "store_product_id": self.store_product_id,
            "store_base_plan_id": null,
            "store_transaction_id": self.store_transaction_id,
            "store_original_transaction_id": self.store_original_transaction_id,
            "offer": self.offer,
            "environment": self.environment,
            "starts_at": null,
            "purchased_at": stamp(self.purchased_at),
            "originally_purchased_at":
                stamp(period.map_or(self.purchased_at, |p| p.originally_purchased_at)),
            "expires_at": self.ends_at().map(stamp),
            "renewal_cancelled_at": period.and_then(|p| p.renewal_cancelled_at).map(stamp),
            "billing_issue_detected_at":
                period.and_then(|p| p.billing_issue_detected_at).map(stamp),
            "is_in_grace_period": period.is_some_and(|p| p.is_in_grace_period),
            "cancellation_reason": self.cancellation_reason,
        })
    }
}

/// The fields both kinds of transaction request have.
struct Common<'a> {
    store: &'a String,
    environment: &'a Environment,
    store_product_id: &'a String,
    store_transaction_id: &'a str,
    store_original_transaction_id: &'a String,
    price: &'a adapty_api::v2::types::Price,
    purchased_at: Time,
    offer: Option<&'a adapty_api::v2::types::OfferInput>,
    refunded_at: Option<Time>,
    cancellation_reason: Option<&'a CancellationReason>,
}

/// What is remembered of a recorded transaction (`V2State::transactions`, by its ID).
#[derive(Serialize, Deserialize)]
struct Recorded {
    store_original_transaction_id: String,
    subscription: bool,
    /// What it counts in `total_revenue_usd` now.
    revenue_usd: f64,
}

/// Records `purchase` in `profile` (see [`set_transaction`] for the rules), or says which field
/// contradicts the transaction recorded earlier with the same ID.
fn record(
    profile: &mut Profile,
    catalog: &Catalog,
    purchase: &Purchase,
) -> Result<(), (&'static str, String)> {
    let id = &purchase.store_transaction_id;
    let earlier: Option<Recorded> = profile
        .v2
        .transactions
        .get(id)
        .and_then(|value| serde_json::from_value(value.clone()).ok());
    if let Some(earlier) = &earlier {
        if earlier.store_original_transaction_id != purchase.store_original_transaction_id {
            return Err((
                "store_original_transaction_id",
                format!(
                    "The transaction {id:?} was recorded with the original transaction {:?}.",
                    earlier.store_original_transaction_id
                ),
            ));
        }
        if earlier.subscription != purchase.period.is_some() {
            let recorded = if earlier.subscription {
                SubscriptionPurchasePurchaseType::Subscription.to_string()
            } else {
                OneTimePurchasePurchaseType::OneTimePurchase.to_string()
            };
            return Err((
                "purchase_type",
                format!("The transaction {id:?} was recorded as {recorded:?}."),
            ));
        }
    }
    // Revenue: a new transaction counts once; an update adds nothing, and a refund takes back
    // what the transaction counted.
    let counted_before = earlier.as_ref().map_or(0.0, |e| e.revenue_usd);
    let counted = match (&earlier, purchase.refunded_at) {
        (_, Some(_)) => 0.0,
        (None, None) => purchase.revenue_usd,
        (Some(earlier), None) => earlier.revenue_usd,
    };
    profile.total_revenue_usd += counted - counted_before;
    let recorded = Recorded {
        store_original_transaction_id: purchase.store_original_transaction_id.clone(),
        subscription: purchase.period.is_some(),
        revenue_usd: counted,
    };
    if let Ok(value) = serde_json::to_value(&recorded) {
        profile.v2.transactions.insert(id.clone(), value);
    }

    let product = catalog.product(&purchase.store_product_id);
    let latest = match &purchase.period {
        None => {
            let at = profile.non_subscriptions.iter().position(|entry| {
                entry["store_transaction_id"] == json!(id)
                    && entry["store"] == json!(purchase.store)
            });
            let purchase_id = at
                .and_then(|at| profile.non_subscriptions[at]["purchase_id"].as_str())
                .map_or_else(|| Uuid::new_v4().to_string(), str::to_owned);
            let consumable =
                product.is_some_and(|p| p.product_set == ProductSet::Consumable.as_str());
            let entry = purchase.one_time_entry(&purchase_id, consumable);
            match at {
                Some(at) => profile.non_subscriptions[at] = entry,
                None => profile.non_subscriptions.push(entry),
            }
            true
        }
        Some(period) => {
            let at = profile
                .subscriptions
                .iter()
                .position(|entry| same_chain(entry, purchase));
            let latest = at.is_none_or(|at| {
                time(&profile.subscriptions[at]["purchased_at"])
                    .is_none_or(|shown| shown <= purchase.purchased_at)
            });
            let entry = purchase.subscription_entry(period);
            match at {
                Some(at) if latest => profile.subscriptions[at] = entry,
                Some(_) => {}
                None => profile.subscriptions.push(entry),
            }
            latest
        }
    };
    if let Some(level) = product.and_then(|p| p.access_level_id.as_deref())
        && latest
    {
        let entry = purchase.access_level_entry(level);
        match profile
            .access_levels
            .iter()
            .position(|shown| shown["access_level_id"] == json!(level))
        {
            None => profile.access_levels.push(entry),
            Some(at) => {
                let shown = &profile.access_levels[at];
                if same_chain(shown, purchase)
                    || lasts_as_long(purchase.ends_at(), time(&shown["expires_at"]))
                {
                    profile.access_levels[at] = entry;
                }
            }
        }
    }
    Ok(())
}

/// Whether a stored entry is of the purchase's chain (its store and original transaction).
fn same_chain(entry: &Value, purchase: &Purchase) -> bool {
    entry["store"] == json!(purchase.store)
        && entry["store_original_transaction_id"] == json!(purchase.store_original_transaction_id)
}

/// Whether access ending at `new` lasts at least as long as access ending at `shown` (`None`:
/// never ends).
fn lasts_as_long(new: Option<Time>, shown: Option<Time>) -> bool {
    match (new, shown) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(new), Some(shown)) => new >= shown,
    }
}

/// Now, from the system clock.
fn clock() -> Time {
    Time::from(std::time::SystemTime::now())
}

/// A stored datetime (any form v1 seeds use); `None` for `null` or a text that is not one.
fn time(value: &Value) -> Option<Time> {
    value
        .as_str()
        .and_then(|text| text.parse::<adapty_api::Timestamp>().ok())
        .map(|t| t.as_datetime())
}

// ------------------------------------------------------------------------ grant and revoke

/// `POST .../purchase/profile/grant/access-level/`: gives the profile an access level of the
/// catalog (else 400 `validation_error` on `access_level_id`) from `starts_at` (now when not
/// sent) until `expires_at` (for life when not sent); `expires_at` before `starts_at` is refused.
///
/// The entry is a purchase of the store `adapty` with an empty `store_product_id` (a grant buys
/// no product), `grant-<UUID>` as its transaction and original transaction IDs, no offer, bought
/// now. A grant replaces whatever the access level showed; a second grant of the same level
/// replaces the earlier grant's dates (`starts_at`, `expires_at`, `purchased_at`) and keeps its
/// IDs and `originally_purchased_at`. The grant adds no revenue.
pub(crate) async fn grant(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::GRANT_ACCESS_LEVEL;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let request: GrantAccessLevelRequest = match body(operation, &headers, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let level = request.access_level_id.as_str();
    if let Err(failure) = known_level(operation, &app.catalog, level) {
        return failure.into_response();
    }
    let now = clock();
    let starts_at = request.starts_at.map_or(now, |t| t.as_datetime());
    let expires_at = request.expires_at.map(|t| t.as_datetime());
    if request.starts_at.is_some() && expires_at.is_some_and(|expires| expires < starts_at) {
        return invalid(
            operation,
            "expires_at",
            "expires_at must not be before starts_at.".to_owned(),
        )
        .into_response();
    }
    let mut profiles = app.store.write();
    let profile = match profiles.find_mut(&identity(&headers)) {
        Ok(profile) => profile,
        Err(failure) => return profile_failure(operation, failure).into_response(),
    };
    let at = profile
        .access_levels
        .iter()
        .position(|shown| shown["access_level_id"] == json!(level));
    let earlier_grant = at
        .map(|at| &profile.access_levels[at])
        .filter(|shown| is_grant(shown));
    let (transaction_id, originally_purchased_at) = match earlier_grant {
        Some(shown) => (
            shown["store_transaction_id"].clone(),
            shown["originally_purchased_at"].clone(),
        ),
        None => (
            json!(format!("{GRANT_PREFIX}{}", Uuid::new_v4())),
            json!(stamp(now)),
        ),
    };
    let entry = json!({
        "access_level_id": level,
        "store": Store::Adapty.as_str(),
        "store_product_id": "",
        "store_base_plan_id": null,
        "store_transaction_id": transaction_id,
        "store_original_transaction_id": transaction_id,
        "offer": null,
        "starts_at": stamp(starts_at),
        "purchased_at": stamp(now),
        "originally_purchased_at": originally_purchased_at,
        "expires_at": expires_at.map(stamp),
        "renewal_cancelled_at": null,
        "billing_issue_detected_at": null,
        "is_in_grace_period": false,
        "cancellation_reason": null,
    });
    match at {
        Some(at) => profile.access_levels[at] = entry,
        None => profile.access_levels.push(entry),
    }
    ok(&view::data(profile, app.app_id))
}

/// Whether an access level entry was made by a grant.
fn is_grant(entry: &Value) -> bool {
    entry["store"] == json!(Store::Adapty.as_str())
        && entry["store_transaction_id"]
            .as_str()
            .is_some_and(|id| id.starts_with(GRANT_PREFIX))
}

/// `POST .../purchase/profile/revoke/access-level/`: ends the profile's access level at
/// `revoke_at`, or now (a `revoke_at` in the past is taken as now, and one after the level
/// already ends changes nothing: a revoke never extends access). The entry's `expires_at` becomes
/// that time and its `cancellation_reason` `adapty_revoked`; the purchase behind it (its
/// `subscriptions` or `non_subscriptions` entry) stays as the store recorded it.
///
/// Refused (400 `validation_error` on `access_level_id`): an access level the catalog does not
/// have, one the profile does not have, and one already expired.
pub(crate) async fn revoke(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::REVOKE_ACCESS_LEVEL;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let request: RevokeAccessLevelRequest = match body(operation, &headers, request).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let level = request.access_level_id.as_str();
    if let Err(failure) = known_level(operation, &app.catalog, level) {
        return failure.into_response();
    }
    let mut profiles = app.store.write();
    let profile = match profiles.find_mut(&identity(&headers)) {
        Ok(profile) => profile,
        Err(failure) => return profile_failure(operation, failure).into_response(),
    };
    let Some(entry) = profile
        .access_levels
        .iter_mut()
        .find(|shown| shown["access_level_id"] == json!(level))
    else {
        return invalid(
            operation,
            "access_level_id",
            format!("The profile has no access level {level:?}."),
        )
        .into_response();
    };
    let now = clock();
    let ends = time(&entry["expires_at"]);
    if let Some(ends) = ends
        && ends <= now
    {
        return invalid(
            operation,
            "access_level_id",
            format!(
                "The access level {level:?} has already expired (at {}).",
                stamp(ends)
            ),
        )
        .into_response();
    }
    let revoke_at = request.revoke_at.map_or(now, |t| t.as_datetime()).max(now);
    let revoke_at = ends.map_or(revoke_at, |ends| ends.min(revoke_at));
    entry["expires_at"] = json!(stamp(revoke_at));
    entry["cancellation_reason"] = json!(CancellationReason::AdaptyRevoked.as_str());
    ok(&view::data(profile, app.app_id))
}

/// An access level of the catalog, or the 400 naming `access_level_id`.
fn known_level(
    operation: &adapty_api::Operation,
    catalog: &Catalog,
    level: &str,
) -> Result<(), ApiFailure> {
    if catalog.access_levels.iter().any(|known| known == level) {
        Ok(())
    } else {
        Err(invalid(
            operation,
            "access_level_id",
            format!(
                "The app has no access level {level:?} (it has {}).",
                catalog.access_levels.join(", ")
            ),
        ))
    }
}

// ------------------------------------------------------------------------ Stripe and Paddle

/// Why a Stripe or Paddle token imports nothing.
enum Refusal {
    /// The token has neither prefix.
    UnknownToken,
    /// The catalog has no product of the set the token needs.
    NoProduct(ProductSet),
}

/// What a Stripe or Paddle token imports, by the emulator's rule (there is no Stripe or Paddle
/// here): `sub_…` a monthly subscription of the catalog's first `monthly` product, the provider's
/// one-time prefix a purchase of its first `lifetime` product.
fn import(
    catalog: &Catalog,
    store: Store,
    token: &str,
    one_time_prefix: &str,
) -> Result<Purchase, Refusal> {
    let (subscription, set) = if token.starts_with(SUBSCRIPTION_TOKEN) {
        (true, ProductSet::Monthly)
    } else if token.starts_with(one_time_prefix) {
        (false, ProductSet::Lifetime)
    } else {
        return Err(Refusal::UnknownToken);
    };
    match catalog
        .products
        .iter()
        .find(|p| p.product_set == set.as_str())
    {
        Some(product) => Ok(Purchase::imported(
            store,
            token,
            &product.store_product_id,
            subscription,
        )),
        None => Err(Refusal::NoProduct(set)),
    }
}

/// Imports into the profile of `customer_user_id` (created when there is none); a token already
/// imported (or recorded) changes nothing. Returns the profile's v2 view.
fn import_into(
    app: &App,
    customer_user_id: &str,
    purchase: &Purchase,
) -> Result<Value, (&'static str, String)> {
    let mut profiles = app.store.write();
    let profile = profiles.find_or_create(customer_user_id);
    if !profile
        .v2
        .transactions
        .contains_key(&purchase.store_transaction_id)
    {
        record(profile, &app.catalog, purchase)?;
    }
    Ok(view::data(profile, app.app_id))
}

/// `POST /api/v1/sdk/purchase/stripe/token/validate/`: imports a Stripe purchase by the rule of
/// [`import`]: `sub_…` a subscription (store `stripe`, the token as its transaction ID, bought
/// now, expiring in 30 days), `pi_…` a one-time purchase; anything else (or an empty
/// `customer_user_id`) is a 400 in JSON:API's error shape, pointing at the field. A body the spec
/// refuses gets that shape too. Validating the same token again adds nothing. 200 `{"data":
/// null}`; every answer is `application/vnd.api+json`, as the spec declares.
pub(crate) async fn validate_stripe(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let response = stripe(&app, &conn, &headers, request).await;
    json_api_media_type(response)
}

async fn stripe(
    app: &App,
    conn: &ConnectionHandle,
    headers: &HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::VALIDATE_STRIPE_PURCHASE;
    if let Err(early) = prelude(app, conn, operation, headers).await {
        return early;
    }
    let request: StripeValidationRequest = match body(operation, headers, request).await {
        Ok(request) => request,
        Err(response) => {
            let (source, messages) = envelope(response).await;
            let pointer = match source.as_deref() {
                None | Some(NON_FIELD_ERRORS) => String::new(),
                Some(path) => format!("/{}", path.replace('.', "/")),
            };
            return json_api_error(&pointer, &messages.join(" "));
        }
    };
    let attributes = &request.data.attributes;
    if attributes.customer_user_id.is_empty() {
        return json_api_error(
            "/data/attributes/customer_user_id",
            "The customer user ID must not be empty.",
        );
    }
    let token = "/data/attributes/stripe_token";
    let purchase = match import(
        &app.catalog,
        Store::Stripe,
        &attributes.stripe_token,
        STRIPE_ONE_TIME_TOKEN,
    ) {
        Ok(purchase) => purchase,
        Err(Refusal::UnknownToken) => {
            return json_api_error(
                token,
                &format!(
                    "Not a Stripe subscription ({SUBSCRIPTION_TOKEN}…) or payment intent \
                     ({STRIPE_ONE_TIME_TOKEN}…)."
                ),
            );
        }
        Err(Refusal::NoProduct(set)) => {
            return json_api_error(
                token,
                &format!(
                    "The app has no {} product to import this purchase as.",
                    set.as_str()
                ),
            );
        }
    };
    match import_into(app, &attributes.customer_user_id, &purchase) {
        Ok(_) => json_response(StatusCode::OK, &json!({ "data": null })),
        Err((_, message)) => json_api_error(token, &message),
    }
}

/// A 400 in JSON:API's error shape (the spec's `StripeErrorResponse`).
fn json_api_error(pointer: &str, detail: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"errors": [{
            "detail": detail,
            "source": {"pointer": pointer},
            "status": StatusCode::BAD_REQUEST.as_str(),
        }]}),
    )
}

/// A JSON answer of the Stripe operation as the media type its responses declare (the one of its
/// request body); a fault's non-JSON answer keeps its own.
fn json_api_media_type(mut response: Response) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json");
    if is_json {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(facts::VALIDATE_STRIPE_PURCHASE_CONTENT_TYPE),
        );
    }
    response
}

/// The first source and the messages of an error answer of [`body`] (its text when it is not
/// the error envelope, e.g. a body too large).
async fn envelope(response: Response) -> (Option<String>, Vec<String>) {
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), MAX_REQUEST_BODY)
        .await
        .unwrap_or_default();
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(envelope) => {
            let first = &envelope["errors"][0];
            let messages = first["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
            (first["source"].as_str().map(str::to_owned), messages)
        }
        Err(_) => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let text = if text.is_empty() {
                status.to_string()
            } else {
                text
            };
            (None, vec![text])
        }
    }
}

/// `POST .../purchase/paddle/token/validate/`: imports a Paddle purchase by the rule of
/// [`import`]: `sub_…` a subscription (store `paddle`, the token as its transaction ID, bought
/// now, expiring in 30 days), `txn_…` a one-time purchase. Anything else, an empty
/// `customer_user_id`, and a body the spec refuses are 400
/// `invalid_paddle_credentials_or_purchase_not_found` naming the field (the only documented code
/// that fits); a catalog without the product set the token needs is 400 `no_products_found`.
/// Validating the same token again adds nothing. 200 with the v2 profile.
pub(crate) async fn validate_paddle(
    State(app): Shared,
    ConnectInfo(conn): ConnectInfo<ConnectionHandle>,
    headers: HeaderMap,
    request: Body,
) -> Response {
    let operation = &facts::VALIDATE_PADDLE_PURCHASE;
    if let Err(early) = prelude(&app, &conn, operation, &headers).await {
        return early;
    }
    let not_found = ErrorCode::InvalidPaddleCredentialsOrPurchaseNotFound;
    let refuse = |source: Option<&str>, message: String| {
        failure(400, not_found.as_str(), source, message).into_response()
    };
    let request: PaddleValidationRequest = match body(operation, &headers, request).await {
        Ok(request) => request,
        Err(response) => {
            let (source, messages) = envelope(response).await;
            return refuse(source.as_deref(), messages.join(" "));
        }
    };
    if request.customer_user_id.is_empty() {
        return refuse(
            Some("customer_user_id"),
            "The customer user ID must not be empty.".to_owned(),
        );
    }
    let purchase = match import(
        &app.catalog,
        Store::Paddle,
        &request.paddle_token,
        PADDLE_ONE_TIME_TOKEN,
    ) {
        Ok(purchase) => purchase,
        Err(Refusal::UnknownToken) => {
            return refuse(
                Some("paddle_token"),
                format!(
                    "Invalid Paddle credentials or purchase not found: not a Paddle subscription \
                     ({SUBSCRIPTION_TOKEN}…) or transaction ({PADDLE_ONE_TIME_TOKEN}…)."
                ),
            );
        }
        Err(Refusal::NoProduct(set)) => {
            return failure(
                400,
                ErrorCode::NoProductsFound.as_str(),
                Some("paddle_token"),
                format!(
                    "No products found: the app has no {} product.",
                    set.as_str()
                ),
            )
            .into_response();
        }
    };
    match import_into(&app, &request.customer_user_id, &purchase) {
        Ok(profile) => ok(&profile),
        Err((source, message)) => refuse(Some(source), message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::purchases::{AccessLevel, NonSubscription, Subscription, checked};

    fn catalog() -> Catalog {
        Catalog::default_catalog().unwrap()
    }

    fn subscription(id: &str, original: &str, price: f64, expires_in_days: i64) -> Purchase {
        let mut purchase = Purchase::imported(Store::AppStore, id, "premium_monthly", true);
        purchase.store_original_transaction_id = original.to_owned();
        purchase.revenue_usd = price;
        if let Some(period) = &mut purchase.period {
            period.expires_at = clock() + Duration::days(expires_in_days);
        }
        purchase
    }

    #[test]
    fn the_codes_and_values_used_are_the_specs() {
        assert!(super::super::documents(
            &facts::VALIDATE_PADDLE_PURCHASE,
            400,
            ErrorCode::InvalidPaddleCredentialsOrPurchaseNotFound.as_str()
        ));
        assert!(super::super::documents(
            &facts::VALIDATE_PADDLE_PURCHASE,
            400,
            ErrorCode::NoProductsFound.as_str()
        ));
        for operation in [
            &facts::SET_TRANSACTION,
            &facts::GRANT_ACCESS_LEVEL,
            &facts::REVOKE_ACCESS_LEVEL,
        ] {
            assert!(super::super::documents(operation, 400, "validation_error"));
        }
        assert!(CancellationReason::AdaptyRevoked.is_known());
    }

    #[test]
    fn every_entry_written_is_v1s_shape() {
        let catalog = catalog();
        let mut profile = Profile::new(Uuid::new_v4(), None);
        let mut lifetime = Purchase::imported(Store::Stripe, "pi_1", "lifetime.unlock", false);
        lifetime.offer = json!({"category": "promotional", "type": "pay_up_front", "id": "x"});
        record(&mut profile, &catalog, &lifetime).unwrap();
        record(&mut profile, &catalog, &subscription("t1", "t1", 4.99, 30)).unwrap();
        for entry in &profile.access_levels {
            checked::<AccessLevel>(entry.clone()).unwrap();
        }
        checked::<Subscription>(profile.subscriptions[0].clone()).unwrap();
        checked::<NonSubscription>(profile.non_subscriptions[0].clone()).unwrap();
        let v2: adapty_api::v2::types::Profile =
            serde_json::from_value(view::profile(&profile, Uuid::new_v4())).unwrap();
        assert_eq!(v2.access_levels.unwrap().len(), 2);
    }

    #[test]
    fn renewals_replace_the_period_and_older_transactions_change_no_entry() {
        let catalog = catalog();
        let mut profile = Profile::new(Uuid::new_v4(), None);
        record(&mut profile, &catalog, &subscription("t1", "t1", 5.0, 30)).unwrap();
        let mut renewal = subscription("t2", "t1", 5.0, 60);
        renewal.purchased_at += Duration::days(30);
        record(&mut profile, &catalog, &renewal).unwrap();
        assert_eq!(profile.subscriptions.len(), 1);
        assert_eq!(profile.subscriptions[0]["store_transaction_id"], "t2");
        assert_eq!(profile.access_levels[0]["store_transaction_id"], "t2");
        // An update of the superseded transaction: recorded, shown nowhere.
        let mut late = subscription("t1", "t1", 5.0, 30);
        late.refunded_at = Some(clock());
        record(&mut profile, &catalog, &late).unwrap();
        assert_eq!(profile.subscriptions[0]["store_transaction_id"], "t2");
        assert_eq!(
            profile.access_levels[0]["expires_at"],
            profile.subscriptions[0]["expires_at"]
        );
        // Revenue: 5 + 5, then the refund of t1 takes its 5 back.
        assert!((profile.total_revenue_usd - 5.0).abs() < 1e-9);
        // The same ID with another original transaction is refused.
        let clash = subscription("t2", "other", 5.0, 30);
        assert_eq!(
            record(&mut profile, &catalog, &clash).unwrap_err().0,
            "store_original_transaction_id"
        );
    }

    #[test]
    fn an_access_level_shows_the_purchase_that_lasts_longest() {
        let catalog = catalog();
        let mut profile = Profile::new(Uuid::new_v4(), None);
        record(
            &mut profile,
            &catalog,
            &subscription("long", "long", 0.0, 60),
        )
        .unwrap();
        record(
            &mut profile,
            &catalog,
            &subscription("short", "short", 0.0, 10),
        )
        .unwrap();
        assert_eq!(profile.subscriptions.len(), 2);
        assert_eq!(profile.access_levels.len(), 1);
        assert_eq!(profile.access_levels[0]["store_transaction_id"], "long");
        assert!(lasts_as_long(None, Some(clock())));
        assert!(!lasts_as_long(Some(clock()), None));
    }
}
