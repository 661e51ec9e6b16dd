//! Building v2 requests: a constructor per request type that takes its required fields, so a
//! request cannot be sent without them. The generated types are `#[non_exhaustive]` (Adapty adds
//! fields), so a request starts from one of these (or `Default` where every field is optional)
//! and its optional fields are then set one by one.

use crate::v2::types::{
    GrantAccessLevelRequest, InstallationMeta, OfferInput, OneTimePurchase,
    OneTimePurchasePurchaseType, PaywallUpdateRequest, Price, RemoteConfig,
    RevokeAccessLevelRequest, SubscriptionPurchase, SubscriptionPurchasePurchaseType,
    VirtualCurrencyBalanceAdjustment, VirtualCurrencyMetadata, VirtualCurrencyTransactionRequest,
};
use crate::v2::{Environment, OfferCategory, OfferType};
use crate::{Error, Timestamp};

impl InstallationMeta {
    /// Installation details of the device `device_id` (its one required field); set the others
    /// on the value returned.
    pub fn new(device_id: impl Into<String>) -> Self {
        Self {
            device_id: device_id.into(),
            adapty_sdk_version: None,
            advertising_id: None,
            android_app_set_id: None,
            android_id: None,
            app_build: None,
            app_version: None,
            device: None,
            idfa: None,
            idfv: None,
            locale: None,
            os: None,
            platform: None,
            timezone: None,
            user_agent: None,
        }
    }
}

impl GrantAccessLevelRequest {
    /// Grants the access level `access_level_id` (e.g. `premium`) from now on, for life; set
    /// `starts_at` and `expires_at` for a period.
    ///
    /// ```
    /// use adapty_api::Timestamp;
    /// use adapty_api::chrono::Duration;
    /// use adapty_api::v2::types::GrantAccessLevelRequest;
    ///
    /// let mut grant = GrantAccessLevelRequest::new("premium");
    /// grant.expires_at = Timestamp::now().plus(Duration::days(30));
    /// ```
    pub fn new(access_level_id: impl Into<String>) -> Self {
        Self {
            access_level_id: access_level_id.into(),
            starts_at: None,
            expires_at: None,
        }
    }
}

impl RevokeAccessLevelRequest {
    /// Revokes the access level `access_level_id` now; set `revoke_at` to revoke it later.
    pub fn new(access_level_id: impl Into<String>) -> Self {
        Self {
            access_level_id: access_level_id.into(),
            revoke_at: None,
        }
    }
}

impl Price {
    /// A price: the country (ISO 3166-1 alpha-2, e.g. `US`), the currency (ISO 4217, e.g. `USD`)
    /// and the amount in that currency.
    pub fn new(country: impl Into<String>, currency: impl Into<String>, value: f64) -> Self {
        Self {
            country: country.into(),
            currency: currency.into(),
            value,
        }
    }
}

impl OfferInput {
    /// An offer of `category` paid as `type_`, without an ID.
    pub fn new(category: OfferCategory, type_: OfferType) -> Self {
        Self {
            category,
            type_,
            id: None,
        }
    }
}

/// The transaction ID checked against the spec's `maxLength` (50); the error names the field.
fn transaction_id<T: std::str::FromStr>(id: &str) -> Result<T, Error>
where
    T::Err: std::fmt::Display,
{
    id.parse().map_err(|e: T::Err| {
        Error::invalid_input(
            "store_transaction_id",
            format!("{e}; trim or hash a longer ID before sending it"),
        )
    })
}

impl OneTimePurchase {
    /// A one-time purchase of `store_product_id` in `store` (`app_store`, `play_store`, `stripe`,
    /// `paddle` or a custom store's name), made at `purchased_at` for `price`.
    ///
    /// The original transaction ID is the transaction ID, the environment `Production`; change
    /// them (and set the optional fields) on the value returned. Fails when `store_transaction_id`
    /// is longer than the 50 characters Adapty accepts.
    ///
    /// ```
    /// use adapty_api::Timestamp;
    /// use adapty_api::v2::types::{OneTimePurchase, Price, TransactionRequest};
    ///
    /// let purchased_at: Timestamp = "2024-01-15T10:30:00Z".parse()?;
    /// let purchase = OneTimePurchase::new(
    ///     "app_store", "premium_lifetime", "1000000123456789", Price::new("US", "USD", 9.99), purchased_at,
    /// )?;
    /// let request = TransactionRequest::from(purchase);
    /// let json = serde_json::to_value(&request)?;
    /// assert_eq!(json["purchase_type"], "one_time_purchase");
    /// assert_eq!(json["store_original_transaction_id"], "1000000123456789");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        store: impl Into<String>,
        store_product_id: impl Into<String>,
        store_transaction_id: &str,
        price: Price,
        purchased_at: Timestamp,
    ) -> Result<Self, Error> {
        Ok(Self {
            purchase_type: OneTimePurchasePurchaseType::OneTimePurchase,
            store: store.into(),
            store_product_id: store_product_id.into(),
            store_transaction_id: transaction_id(store_transaction_id)?,
            store_original_transaction_id: store_transaction_id.to_owned(),
            price,
            purchased_at,
            environment: Environment::Production,
            is_family_shared: false,
            variation_id: None,
            offer: None,
            refunded_at: None,
            cancellation_reason: None,
        })
    }
}

impl SubscriptionPurchase {
    /// A subscription purchase (or renewal) of `store_product_id` in `store`, paying for the
    /// period from `purchased_at` to `expires_at` at `price`.
    ///
    /// The original transaction ID is the transaction ID and `originally_purchased_at` is
    /// `purchased_at` (a first purchase), the environment `Production`, and the subscription
    /// renews (`renew_status`); change them on the value returned for a renewal or a cancelled
    /// subscription. Fails when `store_transaction_id` is longer than 50 characters.
    ///
    /// ```
    /// use adapty_api::Timestamp;
    /// use adapty_api::v2::types::{Price, SubscriptionPurchase, TransactionRequest};
    ///
    /// let mut renewal = SubscriptionPurchase::new(
    ///     "stripe", "premium_monthly", "in_1PqR2", Price::new("US", "USD", 4.99),
    ///     "2024-02-15T10:30:00Z".parse()?, "2024-03-15T10:30:00Z".parse()?,
    /// )?;
    /// renewal.store_original_transaction_id = "in_1AbC0".into();
    /// renewal.originally_purchased_at = "2024-01-15T10:30:00Z".parse::<Timestamp>()?;
    /// let json = serde_json::to_value(TransactionRequest::from(renewal))?;
    /// assert_eq!(json["purchase_type"], "subscription");
    /// assert_eq!(json["renew_status"], true);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        store: impl Into<String>,
        store_product_id: impl Into<String>,
        store_transaction_id: &str,
        price: Price,
        purchased_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<Self, Error> {
        Ok(Self {
            purchase_type: SubscriptionPurchasePurchaseType::Subscription,
            store: store.into(),
            store_product_id: store_product_id.into(),
            store_transaction_id: transaction_id(store_transaction_id)?,
            store_original_transaction_id: store_transaction_id.to_owned(),
            price,
            originally_purchased_at: purchased_at,
            purchased_at,
            expires_at,
            renew_status: true,
            environment: Environment::Production,
            is_family_shared: false,
            variation_id: None,
            offer: None,
            refunded_at: None,
            cancellation_reason: None,
            renew_status_changed_at: None,
            billing_issue_detected_at: None,
            grace_period_expires_at: None,
        })
    }
}

impl VirtualCurrencyBalanceAdjustment {
    /// Changes the balance of `currency_code` by `amount`: positive credits, negative debits
    /// (zero is refused when sent).
    pub fn new(currency_code: impl Into<String>, amount: i32) -> Self {
        Self {
            currency_code: currency_code.into(),
            amount,
        }
    }
}

impl VirtualCurrencyTransactionRequest {
    /// A transaction applying every adjustment of `items` at once (all or none), without
    /// metadata.
    ///
    /// ```
    /// use adapty_api::v2::types::{VirtualCurrencyBalanceAdjustment as Change, VirtualCurrencyTransactionRequest};
    ///
    /// // Convert 100 SILVER into 10 GOLD, noting why.
    /// let exchange = VirtualCurrencyTransactionRequest::new(vec![Change::new("SILVER", -100), Change::new("GOLD", 10)])
    ///     .with_metadata("reason", "exchange")?;
    /// assert_eq!(
    ///     serde_json::to_value(&exchange)?,
    ///     serde_json::json!({
    ///         "items": [{"currency_code": "SILVER", "amount": -100}, {"currency_code": "GOLD", "amount": 10}],
    ///         "metadata": {"reason": "exchange"},
    ///     }),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(items: Vec<VirtualCurrencyBalanceAdjustment>) -> Self {
        Self {
            items,
            metadata: None,
        }
    }

    /// Adds the metadata entry `key` = `value` (stored with the transaction); fails when the
    /// value is longer than 200 characters. The key rule and the count are checked when sent.
    pub fn with_metadata(mut self, key: &str, value: &str) -> Result<Self, Error> {
        let value = value
            .parse()
            .map_err(|e: crate::v2::types::error::ConversionError| {
                Error::invalid_input(&format!("metadata.{key}"), e.to_string())
            })?;
        self.metadata
            .get_or_insert_with(|| VirtualCurrencyMetadata(Default::default()))
            .0
            .insert(key.to_owned(), value);
        Ok(self)
    }
}

impl RemoteConfig {
    /// The remote config of `locale` (e.g. `en`): `data` written as the JSON string Adapty
    /// stores.
    ///
    /// ```
    /// use adapty_api::v2::types::RemoteConfig;
    ///
    /// let config = RemoteConfig::new("en", &serde_json::json!({"title": "Premium"}))?;
    /// assert_eq!(config.data, r#"{"title":"Premium"}"#);
    /// assert_eq!(config.data_as::<serde_json::Value>()?["title"], "Premium");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(locale: impl Into<String>, data: &impl serde::Serialize) -> Result<Self, Error> {
        let data = serde_json::to_string(data)
            .map_err(|e| Error::invalid_input("remote_configs.data", e.to_string()))?;
        Ok(Self {
            locale: locale.into(),
            data,
        })
    }

    /// The config read as `T` from its JSON string.
    pub fn data_as<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_str(&self.data)
    }
}

impl PaywallUpdateRequest {
    /// Replaces every remote config of the paywall with `remote_configs`: read the paywall first
    /// and send back the configs to keep.
    pub fn new(remote_configs: Vec<RemoteConfig>) -> Self {
        Self { remote_configs }
    }
}
