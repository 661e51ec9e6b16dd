//! Version 2 of Adapty's server-side API: `/api/v2/server-side-api/` (profiles, purchases,
//! Refund Saver, Stripe and Paddle import, integration identifiers, paywalls, virtual currencies).
//!
//! The data types generated from `openapi/adapty-server-side-api-v2.yaml` are [`types`]; each
//! operation's method and path come from the spec's [`facts`].

#[rustfmt::skip]
#[allow(
    missing_docs,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]
mod generated;

pub use generated::types;

/// Facts of the v2 spec (limits, patterns, enum values, field lists), generated from it: the
/// values the hand-written validators check against.
#[rustfmt::skip]
pub mod facts;

#[rustfmt::skip]
mod enums;
pub use enums::*;

mod custom_attribute;
mod request;
mod validate;
pub use crate::Nullable;
pub use custom_attribute::{AttributeValue, MAX_TEXT_CHARS, custom_attribute};
pub use validate::MAX_CUSTOM_ATTRIBUTES;
crate::offer::offer_accessors!(v2);

use std::collections::BTreeSet;
use std::sync::Arc;

use reqwest::header::{HeaderName, HeaderValue};
use uuid::Uuid;

use crate::call::{Call, Core, Endpoint};
use crate::config::ClientBuilder;
use crate::{ApiKey, CustomerUserId, Error, IdempotencyKey, Pages, ProfileSelector, Response};
use types::{
    GrantAccessLevelRequest, IntegrationIdentifiers, IntegrationIdentifiersRequest,
    PaddleValidationRequest, Paywall, PaywallListResponse, PaywallUpdateRequest, Profile,
    ProfileRequest, RefundSaverSettingsRequest, RefundSaverSettingsResponse,
    RevokeAccessLevelRequest, StripeValidationRequest, StripeValidationRequestData,
    StripeValidationRequestDataAttributes, StripeValidationRequestDataType,
    StripeValidationResponse, TransactionRequest, VirtualCurrencyBalanceList,
    VirtualCurrencyTransactionList, VirtualCurrencyTransactionRequest,
    VirtualCurrencyTransactionResponse,
};

/// A client of the v2 server-side API: one method per operation (19), plus streams of pages for
/// the two lists.
///
/// Every method returns this crate's [`Error`] on failure, and goes through the same checks,
/// authentication, retries, timeouts and tracing as v1. Methods about one end user name the
/// profile with a [`ProfileSelector`] (exactly one identity header). Retries are safe per
/// operation: reads, `PATCH`, `PUT`, `DELETE` and the two "set" operations the spec marks
/// `x-idempotent` are retried on any transient failure; a virtual currency transaction carries an
/// [`IdempotencyKey`] and is retried too; the other `POST`s (create, set transaction, grant,
/// revoke, the two imports) are retried only when Adapty provably did not process them.
///
/// ```no_run
/// use adapty_api::{ApiKey, ProfileSelector, Timestamp, v2};
/// use adapty_api::chrono::Duration;
/// use adapty_api::v2::types::GrantAccessLevelRequest;
///
/// # async fn demo() -> Result<(), adapty_api::Error> {
/// let client = v2::Client::builder(ApiKey::new(std::env::var("ADAPTY_API_KEY").unwrap_or_default())?)
///     .build()?;
/// let who = ProfileSelector::customer_user_id("user-42")?;
///
/// // Premium for 30 days.
/// let mut grant = GrantAccessLevelRequest::new("premium");
/// grant.expires_at = Timestamp::now().plus(Duration::days(30));
/// let profile = client.grant_access_level(&who, &grant).await?;
/// assert!(profile.access_levels.iter().flatten().any(|level| level.access_level_id == "premium"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    core: Core,
    endpoints: Arc<Endpoints>,
}

/// Every operation's endpoint, from the spec's facts, resolved once per client; and the header
/// names the spec declares.
#[derive(Debug)]
struct Endpoints {
    get_profile: Endpoint,
    create_profile: Endpoint,
    update_profile: Endpoint,
    delete_profile: Endpoint,
    set_transaction: Endpoint,
    grant_access_level: Endpoint,
    revoke_access_level: Endpoint,
    get_refund_saver_settings: Endpoint,
    set_refund_saver_settings: Endpoint,
    validate_stripe_purchase: Endpoint,
    validate_paddle_purchase: Endpoint,
    get_integration_identifiers: Endpoint,
    set_integration_identifiers: Endpoint,
    list_paywalls: Endpoint,
    get_paywall: Endpoint,
    update_paywall: Endpoint,
    create_virtual_currency_transaction: Endpoint,
    list_virtual_currency_transactions: Endpoint,
    list_virtual_currency_balances: Endpoint,
    platform: HeaderName,
    idempotency_key: HeaderName,
}

/// A header name the spec declares (HTTP header names are case-insensitive; stored lowercase).
fn header_name(name: &str) -> Result<HeaderName, Error> {
    HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::invalid_input("header", format!("{name:?} is not a header name")))
}

impl Client {
    /// Starts building a client that authenticates with `api_key`.
    pub fn builder(api_key: ApiKey) -> ClientBuilder<Self> {
        ClientBuilder::new(api_key, |parts| {
            let core = Core::new(parts);
            let endpoints = Endpoints {
                get_profile: core.endpoint(&facts::GET_PROFILE)?,
                create_profile: core.endpoint(&facts::CREATE_PROFILE)?,
                update_profile: core.endpoint(&facts::UPDATE_PROFILE)?,
                delete_profile: core.endpoint(&facts::DELETE_PROFILE)?,
                set_transaction: core.endpoint(&facts::SET_TRANSACTION)?,
                grant_access_level: core.endpoint(&facts::GRANT_ACCESS_LEVEL)?,
                revoke_access_level: core.endpoint(&facts::REVOKE_ACCESS_LEVEL)?,
                get_refund_saver_settings: core.endpoint(&facts::GET_REFUND_SAVER_SETTINGS)?,
                set_refund_saver_settings: core.endpoint(&facts::SET_REFUND_SAVER_SETTINGS)?,
                validate_stripe_purchase: core.endpoint(&facts::VALIDATE_STRIPE_PURCHASE)?,
                validate_paddle_purchase: core.endpoint(&facts::VALIDATE_PADDLE_PURCHASE)?,
                get_integration_identifiers: core.endpoint(&facts::GET_INTEGRATION_IDENTIFIERS)?,
                set_integration_identifiers: core.endpoint(&facts::SET_INTEGRATION_IDENTIFIERS)?,
                list_paywalls: core.endpoint(&facts::LIST_PAYWALLS)?,
                get_paywall: core.endpoint(&facts::GET_PAYWALL)?,
                update_paywall: core.endpoint(&facts::UPDATE_PAYWALL)?,
                create_virtual_currency_transaction: core
                    .endpoint(&facts::CREATE_VIRTUAL_CURRENCY_TRANSACTION)?,
                list_virtual_currency_transactions: core
                    .endpoint(&facts::LIST_VIRTUAL_CURRENCY_TRANSACTIONS)?,
                list_virtual_currency_balances: core
                    .endpoint(&facts::LIST_VIRTUAL_CURRENCY_BALANCES)?,
                platform: header_name(facts::ADAPTY_PLATFORM_PARAMETER_NAME)?,
                idempotency_key: header_name(facts::IDEMPOTENCY_KEY_PARAMETER_NAME)?,
            };
            Ok(Self {
                core,
                endpoints: Arc::new(endpoints),
            })
        })
    }

    crate::call::client_basics!();
    crate::bulk::profile_bulk_methods!(v2);

    // ------------------------------------------------------------------------------- profiles

    /// Retrieves a profile with its access levels, subscriptions and purchases
    /// (`GET /api/v2/server-side-api/profile/`).
    ///
    /// Fails with [`Error::Api`] and [`ErrorCode::ProfileDoesNotExist`] (404) when no profile
    /// matches.
    pub async fn get_profile(&self, profile: &ProfileSelector) -> Result<Response<Profile>, Error> {
        let call = Call::new(&self.endpoints.get_profile).profile(profile);
        self.profile_call(call).await
    }

    /// Creates a profile (`POST /api/v2/server-side-api/profile/`) with the given attributes;
    /// every attribute is optional (`&ProfileRequest::default()` sends `{}`).
    ///
    /// The attributes are checked against the documented limits first; on
    /// [`Error::InvalidInput`] nothing was sent. A create is retried only when Adapty provably
    /// did not process it. To also send the `adapty-platform` header, use
    /// [`create_profile_on`](Self::create_profile_on); to give an existing (anonymous) profile
    /// your user ID, [`link_customer_user_id`](Self::link_customer_user_id).
    pub async fn create_profile(
        &self,
        profile: &ProfileSelector,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        self.write_profile(&self.endpoints.create_profile, profile, None, attributes)
            .await
    }

    /// [`create_profile`](Self::create_profile), naming the platform the app runs on in the
    /// `adapty-platform` header (a value the spec lists).
    pub async fn create_profile_on(
        &self,
        platform: &Platform,
        profile: &ProfileSelector,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        self.write_profile(
            &self.endpoints.create_profile,
            profile,
            Some(platform),
            attributes,
        )
        .await
    }

    /// Gives the existing profile `profile_id` (say, an anonymous one the app created) your
    /// `customer_user_id`, and sets `attributes`: a create with both identity headers, the one
    /// case the API takes both.
    pub async fn link_customer_user_id(
        &self,
        profile_id: Uuid,
        customer_user_id: &CustomerUserId,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        let by_id = ProfileSelector::profile_id(profile_id);
        let by_user = ProfileSelector::CustomerUserId(customer_user_id.clone());
        validate::profile_request(attributes)?;
        let call = Call::new(&self.endpoints.create_profile)
            .profile(&by_id)
            .header(by_user.header(), by_user.header_value())
            .json(attributes)?;
        self.profile_call(call).await
    }

    /// Updates a profile (`PATCH /api/v2/server-side-api/profile/`): the attributes set in
    /// `attributes` change, the others stay as they are; a field set to
    /// `Some(`[`Nullable::Null`]`)` is cleared.
    ///
    /// ```
    /// use adapty_api::v2::{Nullable, Store, custom_attribute};
    /// use adapty_api::v2::types::ProfileRequest;
    ///
    /// let mut changes = ProfileRequest::default(); // every field: unchanged
    /// changes.store = Some(Nullable::Value(Store::PlayStore)); // set
    /// changes.phone_number = Some(Nullable::Null); // clear
    /// changes.custom_attributes = vec![custom_attribute("plan", "pro")?];
    /// assert_eq!(
    ///     serde_json::to_value(&changes)?,
    ///     serde_json::json!({
    ///         "store": "play_store",
    ///         "phone_number": null,
    ///         "custom_attributes": [{"key": "plan", "value": "pro"}],
    ///     }),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn update_profile(
        &self,
        profile: &ProfileSelector,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        self.write_profile(&self.endpoints.update_profile, profile, None, attributes)
            .await
    }

    /// [`update_profile`](Self::update_profile) with the `adapty-platform` header.
    pub async fn update_profile_on(
        &self,
        platform: &Platform,
        profile: &ProfileSelector,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        self.write_profile(
            &self.endpoints.update_profile,
            profile,
            Some(platform),
            attributes,
        )
        .await
    }

    /// Creates or updates (`endpoint`) the profile with `attributes`, with the `adapty-platform`
    /// header when `platform` is given.
    async fn write_profile(
        &self,
        endpoint: &Endpoint,
        profile: &ProfileSelector,
        platform: Option<&Platform>,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        validate::profile_request(attributes)?;
        let call = self.with_platform(Call::new(endpoint).profile(profile), platform)?;
        self.profile_call(call.json(attributes)?).await
    }

    /// Deletes a profile and its data (`DELETE /api/v2/server-side-api/profile/`); Adapty
    /// answers `204 No Content`.
    pub async fn delete_profile(&self, profile: &ProfileSelector) -> Result<Response<()>, Error> {
        let call = Call::new(&self.endpoints.delete_profile).profile(profile);
        self.core.send(call).await
    }

    // ------------------------------------------------------------------ access and purchases

    /// Records a transaction made outside the stores Adapty reads itself (a web or custom
    /// store), which gives the access level of its product; it reaches analytics, the event
    /// feed and integrations (`POST /api/v2/server-side-api/purchase/set/transaction/`).
    ///
    /// `transaction` is a one-time purchase or a subscription, each with the fields its kind
    /// requires ([`OneTimePurchase::new`](types::OneTimePurchase::new),
    /// [`SubscriptionPurchase::new`](types::SubscriptionPurchase::new)). Reusing a
    /// `store_transaction_id` updates that transaction instead of recording a renewal. Retried
    /// only when Adapty provably did not process it.
    ///
    /// ```no_run
    /// use adapty_api::{ProfileSelector, v2};
    /// use adapty_api::v2::types::{OneTimePurchase, Price, TransactionRequest};
    ///
    /// # async fn demo(client: v2::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let who = ProfileSelector::customer_user_id("user-42")?;
    /// let purchase = OneTimePurchase::new(
    ///     "my_web_store", "lifetime", "order-2024-0001", Price::new("US", "USD", 49.0),
    ///     "2024-01-15T10:30:00Z".parse()?,
    /// )?;
    /// let profile = client.set_transaction(&who, &TransactionRequest::from(purchase)).await?;
    /// println!("{} non-subscriptions", profile.non_subscriptions.iter().flatten().count());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn set_transaction(
        &self,
        profile: &ProfileSelector,
        transaction: &TransactionRequest,
    ) -> Result<Response<Profile>, Error> {
        validate::transaction(transaction)?;
        let call = Call::new(&self.endpoints.set_transaction).profile(profile);
        self.profile_call(call.json(transaction)?).await
    }

    /// Gives the profile an access level without a transaction (a bonus, a referral reward):
    /// from `starts_at` (now when unset) until `expires_at` (for life when unset)
    /// (`POST /api/v2/server-side-api/purchase/profile/grant/access-level/`). It does not reach
    /// analytics. Retried only when Adapty provably did not process it.
    pub async fn grant_access_level(
        &self,
        profile: &ProfileSelector,
        grant: &GrantAccessLevelRequest,
    ) -> Result<Response<Profile>, Error> {
        let call = Call::new(&self.endpoints.grant_access_level).profile(profile);
        self.profile_call(call.json(grant)?).await
    }

    /// Takes an access level away, now or at `revoke_at`
    /// (`POST /api/v2/server-side-api/purchase/profile/revoke/access-level/`). Retried only
    /// when Adapty provably did not process it.
    pub async fn revoke_access_level(
        &self,
        profile: &ProfileSelector,
        revoke: &RevokeAccessLevelRequest,
    ) -> Result<Response<Profile>, Error> {
        let call = Call::new(&self.endpoints.revoke_access_level).profile(profile);
        self.profile_call(call.json(revoke)?).await
    }

    // ----------------------------------------------------------------------------- Refund Saver

    /// Reads the profile's Refund Saver settings: its refund preference and whether the user
    /// consented to share data with Apple
    /// (`GET /api/v2/server-side-api/purchase/profile/refund-saver/settings/`).
    pub async fn get_refund_saver_settings(
        &self,
        profile: &ProfileSelector,
    ) -> Result<Response<RefundSaverSettingsResponse>, Error> {
        let call = Call::new(&self.endpoints.get_refund_saver_settings).profile(profile);
        self.core.send(call).await
    }

    /// Changes the profile's Refund Saver settings; at least one of the two must be set
    /// (`POST /api/v2/server-side-api/purchase/profile/refund-saver/settings/`). The spec marks
    /// it `x-idempotent`, so it is retried like a `PUT`.
    pub async fn set_refund_saver_settings(
        &self,
        profile: &ProfileSelector,
        settings: &RefundSaverSettingsRequest,
    ) -> Result<Response<RefundSaverSettingsResponse>, Error> {
        validate::refund_saver(settings)?;
        let call = Call::new(&self.endpoints.set_refund_saver_settings).profile(profile);
        self.core.send(call.json(settings)?).await
    }

    // ------------------------------------------------------------------------ payment providers

    /// Imports a Stripe purchase (`sub_...` subscription or `pi_...` payment intent) into the
    /// profile of `customer_user_id`, creating it when there is none
    /// (`POST /api/v1/sdk/purchase/stripe/token/validate/`, a JSON:API body). Adapty answers an
    /// empty `data`. Retried only when Adapty provably did not process it.
    ///
    /// A rejected token is an [`Error::Api`] whose
    /// [`field_errors`](crate::ApiError::field_errors) name the JSON pointer of the field.
    pub async fn validate_stripe_purchase(
        &self,
        customer_user_id: &CustomerUserId,
        stripe_token: &str,
    ) -> Result<Response<()>, Error> {
        let body = StripeValidationRequest {
            data: StripeValidationRequestData {
                type_: StripeValidationRequestDataType::StripeReceiptValidationResult,
                attributes: StripeValidationRequestDataAttributes {
                    customer_user_id: customer_user_id.as_str().to_owned(),
                    stripe_token: stripe_token.to_owned(),
                },
            },
        };
        let call = Call::new(&self.endpoints.validate_stripe_purchase).json(&body)?;
        self.core
            .send::<StripeValidationResponse>(call)
            .await
            .map(|response| response.map(drop))
    }

    /// Imports a Paddle purchase (`txn_...` transaction or `sub_...` subscription) into the
    /// profile of `customer_user_id`, creating it when there is none
    /// (`POST /api/v2/server-side-api/purchase/paddle/token/validate/`). Retried only when Adapty
    /// provably did not process it.
    pub async fn validate_paddle_purchase(
        &self,
        customer_user_id: &CustomerUserId,
        paddle_token: &str,
    ) -> Result<Response<Profile>, Error> {
        let body = PaddleValidationRequest {
            customer_user_id: customer_user_id.as_str().to_owned(),
            paddle_token: paddle_token.to_owned(),
        };
        let call = Call::new(&self.endpoints.validate_paddle_purchase).json(&body)?;
        self.profile_call(call).await
    }

    // ----------------------------------------------------------------------------- integrations

    /// Reads the profile's identifiers in third-party services (AppsFlyer, Amplitude, ...)
    /// (`GET /api/v2/server-side-api/integration/profile/set/integration-identifiers/`).
    pub async fn get_integration_identifiers(
        &self,
        profile: &ProfileSelector,
    ) -> Result<Response<IntegrationIdentifiers>, Error> {
        let call = Call::new(&self.endpoints.get_integration_identifiers).profile(profile);
        self.core.send(call).await
    }

    /// Sets the identifiers given (at least one) and leaves the others
    /// (`POST /api/v2/server-side-api/integration/profile/set/integration-identifiers/`); Adapty
    /// answers with an empty body. Marked `x-idempotent`: retried like a `PUT`.
    pub async fn set_integration_identifiers(
        &self,
        profile: &ProfileSelector,
        identifiers: &IntegrationIdentifiersRequest,
    ) -> Result<Response<()>, Error> {
        validate::integration_identifiers(identifiers)?;
        let call = Call::new(&self.endpoints.set_integration_identifiers).profile(profile);
        self.core.send(call.json(identifiers)?).await
    }

    // --------------------------------------------------------------------------------- paywalls

    /// One page of the app's paywalls (`GET /api/v2/server-side-api/paywalls/`): page `page`
    /// (from 1) of `page_size` paywalls (1 to 100). [`paywalls`](Self::paywalls) goes through
    /// every page.
    pub async fn list_paywalls(
        &self,
        page: u32,
        page_size: u32,
    ) -> Result<Response<PaywallListResponse>, Error> {
        validate::page_size(
            facts::PAGE_NUMBER_PARAMETER_NAME,
            page,
            facts::PAGE_NUMBER_PARAMETER_MINIMUM,
            u32::MAX as usize,
        )?;
        validate::page_size(
            facts::PAGE_SIZE_PARAMETER_NAME,
            page_size,
            facts::PAGE_SIZE_PARAMETER_MINIMUM,
            facts::PAGE_SIZE_PARAMETER_MAXIMUM,
        )?;
        let call = Call::new(&self.endpoints.list_paywalls)
            .query(facts::PAGE_NUMBER_PARAMETER_NAME, page)
            .query(facts::PAGE_SIZE_PARAMETER_NAME, page_size);
        self.core.send(call).await
    }

    /// Every page of the app's paywalls, `page_size` (1 to 100) at a time, from the first; the
    /// next page is requested when the previous one is taken, until the last page
    /// (`meta.pagination.pages`).
    ///
    /// ```no_run
    /// use adapty_api::v2;
    /// use futures_util::TryStreamExt as _;
    ///
    /// # async fn demo(client: v2::Client) -> Result<(), adapty_api::Error> {
    /// let live: Vec<_> = client
    ///     .paywalls(100)
    ///     .map_ok(|page| page.into_inner().data)
    ///     .try_concat()
    ///     .await?
    ///     .into_iter()
    ///     .filter(|paywall| paywall.state == v2::PaywallState::Live)
    ///     .collect();
    /// # Ok(())
    /// # }
    /// ```
    pub fn paywalls(&self, page_size: u32) -> Pages<'_, PaywallListResponse> {
        Pages::new(
            u32::try_from(facts::PAGE_NUMBER_PARAMETER_DEFAULT).unwrap_or(1),
            move |page| async move {
                let response = self.list_paywalls(page, page_size).await?;
                let pages = response.meta.pagination.pages;
                let last = response.data.is_empty() || i64::from(page) >= pages;
                let next = if last { None } else { page.checked_add(1) };
                Ok((response, next))
            },
        )
    }

    /// Retrieves a paywall with its products and remote configs
    /// (`GET /api/v2/server-side-api/paywalls/{paywall_id}/`).
    pub async fn get_paywall(&self, paywall_id: Uuid) -> Result<Response<Paywall>, Error> {
        let id = paywall_id.hyphenated().to_string();
        let call =
            Call::new(&self.endpoints.get_paywall).path(facts::PAYWALL_ID_PARAMETER_NAME, &id);
        self.core.send(call).await
    }

    /// Replaces **all** the remote configs of a paywall with `update.remote_configs`
    /// (`PUT /api/v2/server-side-api/paywalls/{paywall_id}/`): read the paywall first and send
    /// back the configs to keep.
    pub async fn update_paywall(
        &self,
        paywall_id: Uuid,
        update: &PaywallUpdateRequest,
    ) -> Result<Response<Paywall>, Error> {
        let id = paywall_id.hyphenated().to_string();
        let call = Call::new(&self.endpoints.update_paywall)
            .path(facts::PAYWALL_ID_PARAMETER_NAME, &id)
            .json(update)?;
        self.core.send(call).await
    }

    // ------------------------------------------------------------------------ virtual currency

    /// Credits and debits virtual currencies of the profile at once, all or none
    /// (`POST /api/v2/server-side-api/vc/transactions/`): 1 to 20 items, one per currency, none
    /// zero.
    ///
    /// The call carries `idempotency_key` (a fresh one when `None`), the same on every attempt, so
    /// it is retried on any transient failure and a `409 idempotency_in_flight` is waited out;
    /// Adapty applies it once. Pass your own key to make a call you repeat yourself apply once.
    /// Documented refusals come back as typed codes: `error.code::<ErrorCode>()` is
    /// [`ErrorCode::InsufficientBalance`], [`ErrorCode::UnknownCurrency`], ...
    pub async fn create_virtual_currency_transaction(
        &self,
        profile: &ProfileSelector,
        transaction: &VirtualCurrencyTransactionRequest,
        idempotency_key: Option<IdempotencyKey>,
    ) -> Result<Response<VirtualCurrencyTransactionResponse>, Error> {
        validate::currency_transaction(transaction)?;
        let key = idempotency_key.unwrap_or_else(IdempotencyKey::new);
        let call = Call::new(&self.endpoints.create_virtual_currency_transaction)
            .profile(profile)
            .idempotency_key(self.endpoints.idempotency_key.clone(), &key)
            .json(transaction)?;
        self.core.send(call).await
    }

    /// One page of the profile's virtual currency transactions, newest first
    /// (`GET /api/v2/server-side-api/vc/transactions/`): those of `query`, from `cursor` (the
    /// previous page's `pagination.next_cursor`; `None` for the first page).
    /// [`virtual_currency_transactions`](Self::virtual_currency_transactions) goes through every
    /// page.
    pub async fn list_virtual_currency_transactions(
        &self,
        profile: &ProfileSelector,
        query: &TransactionsQuery,
        cursor: Option<&str>,
    ) -> Result<Response<VirtualCurrencyTransactionList>, Error> {
        let mut call =
            Call::new(&self.endpoints.list_virtual_currency_transactions).profile(profile);
        if let Some(code) = &query.currency_code {
            call = call.query(facts::CURRENCY_CODE_PARAMETER_NAME, code);
        }
        if let Some(cursor) = cursor {
            call = call.query(facts::CURSOR_PARAMETER_NAME, cursor);
        }
        if let Some(limit) = query.limit {
            validate::page_size(
                facts::LIMIT_PARAMETER_NAME,
                limit,
                facts::LIMIT_PARAMETER_MINIMUM,
                facts::LIMIT_PARAMETER_MAXIMUM,
            )?;
            call = call.query(facts::LIMIT_PARAMETER_NAME, limit);
        }
        self.core.send(call).await
    }

    /// Every page of the profile's virtual currency transactions (those of `query`), newest
    /// first, following `pagination.next_cursor` until it is `null`. A cursor already
    /// followed ends the stream rather than looping.
    ///
    /// ```no_run
    /// use adapty_api::{ProfileSelector, v2};
    /// use adapty_api::v2::TransactionsQuery;
    ///
    /// # async fn demo(client: v2::Client) -> Result<(), adapty_api::Error> {
    /// let who = ProfileSelector::customer_user_id("user-42")?;
    /// let mut pages = client.virtual_currency_transactions(&who, TransactionsQuery::new().currency("COINS"));
    /// while let Some(page) = pages.next_page().await {
    ///     for transaction in &page?.data {
    ///         println!("{} {:?}", transaction.created_at, transaction.transaction_type);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn virtual_currency_transactions(
        &self,
        profile: &ProfileSelector,
        query: TransactionsQuery,
    ) -> Pages<'_, VirtualCurrencyTransactionList> {
        let profile = profile.clone();
        let query = Arc::new(query);
        // The state: the cursor of the next page and every cursor already followed, so a server
        // whose cursors come back (a, b, a) cannot keep the stream going forever.
        let first: (Option<String>, BTreeSet<String>) = (None, BTreeSet::new());
        Pages::new(first, move |(cursor, mut followed)| {
            let (profile, query) = (profile.clone(), Arc::clone(&query));
            async move {
                let response = self
                    .list_virtual_currency_transactions(&profile, &query, cursor.as_deref())
                    .await?;
                followed.extend(cursor);
                let next = response
                    .pagination
                    .next_cursor
                    .clone()
                    .filter(|next| !followed.contains(next))
                    .map(|next| (Some(next), followed));
                Ok((response, next))
            }
        })
    }

    /// The profile's balance of every virtual currency of the app
    /// (`GET /api/v2/server-side-api/vc/balances/`).
    pub async fn list_virtual_currency_balances(
        &self,
        profile: &ProfileSelector,
    ) -> Result<Response<VirtualCurrencyBalanceList>, Error> {
        let call = Call::new(&self.endpoints.list_virtual_currency_balances).profile(profile);
        self.core.send(call).await
    }

    // ------------------------------------------------------------------------------- helpers

    /// Adds the `adapty-platform` header; only a value the spec lists is sent.
    fn with_platform<'a>(
        &self,
        call: Call<'a>,
        platform: Option<&Platform>,
    ) -> Result<Call<'a>, Error> {
        let Some(platform) = platform else {
            return Ok(call);
        };
        crate::validate::known(facts::ADAPTY_PLATFORM_PARAMETER_NAME, Some(platform))?;
        let value = HeaderValue::from_str(platform.as_str()).map_err(|_| {
            Error::invalid_input(facts::ADAPTY_PLATFORM_PARAMETER_NAME, "not a header value")
        })?;
        Ok(call.header(self.endpoints.platform.clone(), value))
    }
}

/// Which virtual currency transactions to list: all (the default), or one currency's; and how
/// many per page (1 to 100; Adapty's default is 50).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransactionsQuery {
    /// Only the transactions of this currency code.
    pub currency_code: Option<String>,
    /// How many transactions a page holds.
    pub limit: Option<u32>,
}

impl TransactionsQuery {
    /// Every transaction, pages of Adapty's default size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the transactions of `currency_code`.
    #[must_use]
    pub fn currency(mut self, currency_code: impl Into<String>) -> Self {
        self.currency_code = Some(currency_code.into());
        self
    }

    /// Pages of `limit` transactions (1 to 100).
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
}
