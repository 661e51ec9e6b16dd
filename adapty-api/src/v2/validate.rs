//! The documented limits of v2 requests that their types cannot hold, checked before anything is
//! sent with the shared checks (`src/validate.rs`) and v2's facts. The error names the field.

use std::sync::OnceLock;

use serde::Serialize;

use crate::Error;
use crate::v2::facts;
use crate::v2::types::{
    IntegrationIdentifiersRequest, ProfileRequest, RefundSaverSettingsRequest, TransactionRequest,
    VirtualCurrencyTransactionRequest,
};
use crate::validate::{count, custom_attributes, known, known_nullable, range, unique};

/// The most custom attributes one profile request may carry (the spec's `maxItems`).
pub const MAX_CUSTOM_ATTRIBUTES: usize = facts::PROFILE_REQUEST_CUSTOM_ATTRIBUTES_MAX_ITEMS;

/// A profile request: at most 30 custom attributes, no key twice, the enums' values known,
/// `att_status` within 0..=3.
pub(crate) fn profile_request(request: &ProfileRequest) -> Result<(), Error> {
    let keys = request.custom_attributes.iter().map(|a| a.key.as_str());
    custom_attributes(keys, MAX_CUSTOM_ATTRIBUTES)?;
    known_nullable("gender", request.gender.as_ref())?;
    known_nullable("store", request.store.as_ref())?;
    if let Some(meta) = &request.installation_meta {
        known_nullable("installation_meta.platform", meta.platform.as_ref())?;
    }
    if let Some(status) = request.att_status.as_ref().and_then(|s| s.as_ref()) {
        range(
            "att_status",
            u64::from(*status),
            facts::CLEARABLE_ATT_STATUS_MINIMUM,
            facts::CLEARABLE_ATT_STATUS_MAXIMUM,
        )?;
    }
    Ok(())
}

/// A transaction: its enums' values known (the open enums can hold others, read from responses).
pub(crate) fn transaction(request: &TransactionRequest) -> Result<(), Error> {
    let (environment, reason, offer) = match request {
        TransactionRequest::OneTimePurchase(p) => {
            (&p.environment, &p.cancellation_reason, &p.offer)
        }
        TransactionRequest::SubscriptionPurchase(p) => {
            (&p.environment, &p.cancellation_reason, &p.offer)
        }
    };
    known("environment", Some(environment))?;
    known("cancellation_reason", reason.as_ref())?;
    if let Some(offer) = offer {
        known("offer.category", Some(&offer.category))?;
        known("offer.type", Some(&offer.type_))?;
    }
    Ok(())
}

/// A virtual currency transaction: 1 to 20 items, each with a non-zero amount and its own
/// currency; at most 5 metadata entries whose keys follow the documented pattern.
pub(crate) fn currency_transaction(
    request: &VirtualCurrencyTransactionRequest,
) -> Result<(), Error> {
    count(
        "items",
        request.items.len(),
        facts::VIRTUAL_CURRENCY_TRANSACTION_REQUEST_ITEMS_MIN_ITEMS,
        facts::VIRTUAL_CURRENCY_TRANSACTION_REQUEST_ITEMS_MAX_ITEMS,
    )?;
    if let Some(index) = request.items.iter().position(|item| item.amount == 0) {
        return Err(Error::invalid_input(
            &format!("items[{index}].amount"),
            "0 changes nothing; credit with a positive amount, debit with a negative one",
        ));
    }
    unique(
        "items",
        "currency_code",
        request.items.iter().map(|item| item.currency_code.as_str()),
    )?;
    if let Some(metadata) = &request.metadata {
        count(
            "metadata",
            metadata.len(),
            0,
            facts::VIRTUAL_CURRENCY_METADATA_MAX_PROPERTIES,
        )?;
        static KEY: OnceLock<Option<regress::Regex>> = OnceLock::new();
        let pattern = KEY
            .get_or_init(|| regress::Regex::new(facts::VIRTUAL_CURRENCY_METADATA_KEY_PATTERN).ok());
        for key in metadata.keys() {
            if pattern.as_ref().is_some_and(|p| p.find(key).is_none()) {
                return Err(Error::invalid_input(
                    &format!("metadata.{key}"),
                    format!(
                        "the key must match {}",
                        facts::VIRTUAL_CURRENCY_METADATA_KEY_PATTERN
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Refund Saver settings: at least one setting sent, the preference a known value.
pub(crate) fn refund_saver(request: &RefundSaverSettingsRequest) -> Result<(), Error> {
    at_least(
        "body",
        request,
        facts::REFUND_SAVER_SETTINGS_REQUEST_MIN_PROPERTIES,
        facts::REFUND_SAVER_SETTINGS_REQUEST_PROPERTIES,
    )?;
    known_nullable("custom_preference", request.custom_preference.as_ref())
}

/// Integration identifiers: at least one sent.
pub(crate) fn integration_identifiers(
    request: &IntegrationIdentifiersRequest,
) -> Result<(), Error> {
    at_least(
        "body",
        request,
        facts::INTEGRATION_IDENTIFIERS_REQUEST_MIN_PROPERTIES,
        facts::INTEGRATION_IDENTIFIERS_REQUEST_PROPERTIES,
    )
}

/// The body, written as JSON, has at least `min` of `properties` (the spec's `minProperties`).
fn at_least(
    field: &str,
    body: &impl Serialize,
    min: usize,
    properties: &[&str],
) -> Result<(), Error> {
    let json =
        serde_json::to_value(body).map_err(|e| Error::invalid_input(field, e.to_string()))?;
    let sent = json.as_object().map_or(0, serde_json::Map::len);
    if sent < min {
        return Err(Error::invalid_input(
            field,
            format!("set at least {min} of {}", properties.join(", ")),
        ));
    }
    Ok(())
}

/// A page size or limit within the parameter's documented range.
pub(crate) fn page_size(field: &str, size: u32, min: usize, max: usize) -> Result<(), Error> {
    range(field, u64::from(size), min, max)
}

/// The same checks the client makes before sending, for callers who build a request early (and
/// for servers that must refuse what the client would never send, like the emulator).
macro_rules! validate_method {
    ($($ty:ident => $check:ident),+ $(,)?) => {$(
        impl $ty {
            /// Checks the documented limits the type cannot hold (the spec's facts), as the
            /// client does before sending; the error names the field at fault.
            pub fn validate(&self) -> Result<(), Error> {
                $check(self)
            }
        }
    )+};
}

validate_method!(
    ProfileRequest => profile_request,
    TransactionRequest => transaction,
    VirtualCurrencyTransactionRequest => currency_transaction,
    RefundSaverSettingsRequest => refund_saver,
    IntegrationIdentifiersRequest => integration_identifiers,
);
