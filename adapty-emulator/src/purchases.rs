//! What a profile bought: access levels, subscriptions and one-time purchases. The v1 API has no
//! operation that creates them, so they only come from seeding (`POST /__emulator/profiles` or
//! [`crate::RunningEmulator::seed`]). Their fields follow the spec's `AccessLevel`,
//! `Subscription` and `NonSubscription` schemas; unknown fields are refused, so a typo in a seed
//! is an error rather than a silently missing value.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

/// Datetimes as the documented examples write them: microseconds and an offset without a colon
/// (`2022-10-12T09:42:50.000000+0000`). Seeds may use that form or RFC 3339.
pub(crate) mod adapty_datetime {
    use super::*;

    /// The documented format, for `chrono::format`.
    pub(crate) const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f%z";

    /// Reads the documented form or RFC 3339 (`Z`, `+00:00`).
    pub(crate) fn parse(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z"))
            .ok()
            .map(|d| d.with_timezone(&Utc))
    }

    pub(crate) fn serialize<S: Serializer>(value: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&value.format(FORMAT))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{text:?} is not a datetime like 2022-10-12T09:42:50.000000+0000 or 2022-10-12T09:42:50Z"
            ))
        })
    }

    /// The same, for nullable fields.
    pub(crate) mod option {
        use super::*;

        pub(crate) fn serialize<S: Serializer>(
            value: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(value) => super::serialize(value, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => super::parse(&text).map(Some).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "{text:?} is not a datetime like 2022-10-12T09:42:50.000000+0000 or 2022-10-12T09:42:50Z"
                    ))
                }),
            }
        }
    }
}

/// The spec's `Environment`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) enum Environment {
    Sandbox,
    Production,
}

/// The spec's `OfferCategory`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OfferCategory {
    Introductory,
    Promotional,
    OfferCode,
    WinBack,
}

/// The spec's `OfferType`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum OfferType {
    FreeTrial,
    PayAsYouGo,
    PayUpFront,
    Unknown,
}

/// The spec's `CancellationReason`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum CancellationReason {
    VoluntarilyCancelled,
    BillingError,
    PriceIncrease,
    ProductWasNotAvailable,
    Refund,
    Upgraded,
    Unknown,
    CancelledByDeveloper,
    NewSubscriptionReplace,
    AdaptyRevoked,
}

/// The spec's `Offer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Offer {
    offer_category: OfferCategory,
    offer_type: OfferType,
    #[serde(default)]
    offer_id: Option<String>,
}

/// The spec's `AccessLevel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccessLevel {
    access_level_id: String,
    store: String,
    store_product_id: String,
    #[serde(default)]
    store_base_plan_id: Option<String>,
    store_transaction_id: String,
    store_original_transaction_id: String,
    #[serde(default)]
    offer: Option<Offer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<Environment>,
    #[serde(default, with = "adapty_datetime::option")]
    starts_at: Option<DateTime<Utc>>,
    #[serde(with = "adapty_datetime")]
    purchased_at: DateTime<Utc>,
    #[serde(with = "adapty_datetime")]
    originally_purchased_at: DateTime<Utc>,
    #[serde(default, with = "adapty_datetime::option")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, with = "adapty_datetime::option")]
    renewal_cancelled_at: Option<DateTime<Utc>>,
    #[serde(default, with = "adapty_datetime::option")]
    billing_issue_detected_at: Option<DateTime<Utc>>,
    is_in_grace_period: bool,
    #[serde(default)]
    cancellation_reason: Option<CancellationReason>,
}

/// The spec's `Subscription`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Subscription {
    store: String,
    store_product_id: String,
    #[serde(default)]
    store_base_plan_id: Option<String>,
    store_transaction_id: String,
    store_original_transaction_id: String,
    #[serde(default)]
    offer: Option<Offer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<Environment>,
    #[serde(with = "adapty_datetime")]
    purchased_at: DateTime<Utc>,
    #[serde(with = "adapty_datetime")]
    originally_purchased_at: DateTime<Utc>,
    #[serde(default, with = "adapty_datetime::option")]
    expires_at: Option<DateTime<Utc>>,
    #[serde(default, with = "adapty_datetime::option")]
    renewal_cancelled_at: Option<DateTime<Utc>>,
    #[serde(default, with = "adapty_datetime::option")]
    billing_issue_detected_at: Option<DateTime<Utc>>,
    is_in_grace_period: bool,
    #[serde(default)]
    cancellation_reason: Option<CancellationReason>,
}

/// The spec's `NonSubscription`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NonSubscription {
    purchase_id: Uuid,
    store: String,
    store_product_id: String,
    #[serde(default)]
    store_base_plan_id: Option<String>,
    store_transaction_id: String,
    store_original_transaction_id: String,
    #[serde(with = "adapty_datetime")]
    purchased_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    environment: Option<Environment>,
    is_refund: bool,
    is_consumable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_written_as_documented_and_read_in_every_documented_form() {
        let json = r#"{"access_level_id":"premium","store":"app_store","store_product_id":"p",
            "store_transaction_id":"t","store_original_transaction_id":"t",
            "purchased_at":"2022-10-12T09:42:50.000000+0000",
            "originally_purchased_at":"2024-12-24T10:50:23+00:00",
            "expires_at":"2025-01-05T13:27:47.461425Z","is_in_grace_period":false}"#;
        let level: AccessLevel = serde_json::from_str(json).unwrap();
        let out = serde_json::to_value(&level).unwrap();
        assert_eq!(out["purchased_at"], "2022-10-12T09:42:50.000000+0000");
        assert_eq!(
            out["originally_purchased_at"],
            "2024-12-24T10:50:23.000000+0000"
        );
        assert_eq!(out["expires_at"], "2025-01-05T13:27:47.461425+0000");
        assert_eq!(out["starts_at"], serde_json::Value::Null);
    }

    #[test]
    fn seeds_with_unknown_fields_or_values_are_refused() {
        let bad_date = r#"{"purchase_id":"3fa85f64-5717-4562-b3fc-2c963f66afa6","store":"s","store_product_id":"p",
            "store_transaction_id":"t","store_original_transaction_id":"t","purchased_at":"yesterday",
            "is_refund":false,"is_consumable":true}"#;
        assert!(
            serde_json::from_str::<NonSubscription>(bad_date)
                .unwrap_err()
                .to_string()
                .contains("yesterday")
        );
        let unknown = r#"{"store":"s","store_product_id":"p","store_transaction_id":"t",
            "store_original_transaction_id":"t","purchased_at":"2022-10-12T09:42:50Z",
            "originally_purchased_at":"2022-10-12T09:42:50Z","is_in_grace_period":false,"colour":"red"}"#;
        assert!(
            serde_json::from_str::<Subscription>(unknown)
                .unwrap_err()
                .to_string()
                .contains("colour")
        );
    }
}
