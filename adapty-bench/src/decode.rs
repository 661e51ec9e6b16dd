//! Decoding the documented profile: the generated types against a plain serde struct of the same
//! shape with `String` datetimes, IDs and enum values (the cheapest typed decode), and against
//! `serde_json::Value`.

use adapty_api::v1::types::ProfileResponse;
use serde::Deserialize;

use crate::{Comparison, PROFILE_RESPONSE, Settings, compare, measure_sync};

/// The baseline: the documented profile's fields, datetimes and enums as plain strings. Every
/// struct denies unknown fields, so the documented body decoding at all shows that the baseline
/// reads every field the generated types read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct PlainResponse {
    data: PlainProfile,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainProfile {
    app_id: String,
    profile_id: String,
    customer_user_id: Option<String>,
    total_revenue_usd: f64,
    segment_hash: String,
    timestamp: i64,
    custom_attributes: Option<Vec<PlainAttribute>>,
    access_levels: Option<Vec<PlainAccessLevel>>,
    subscriptions: Option<Vec<PlainSubscription>>,
    non_subscriptions: Option<Vec<PlainNonSubscription>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainAttribute {
    key: String,
    value: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainOffer {
    offer_category: Option<String>,
    offer_type: Option<String>,
    offer_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainAccessLevel {
    access_level_id: String,
    store: String,
    store_product_id: String,
    store_base_plan_id: Option<String>,
    store_transaction_id: String,
    store_original_transaction_id: String,
    offer: Option<PlainOffer>,
    environment: Option<String>,
    starts_at: Option<String>,
    purchased_at: String,
    originally_purchased_at: String,
    expires_at: Option<String>,
    renewal_cancelled_at: Option<String>,
    billing_issue_detected_at: Option<String>,
    is_in_grace_period: bool,
    cancellation_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainSubscription {
    store: String,
    store_product_id: String,
    store_base_plan_id: Option<String>,
    store_transaction_id: String,
    store_original_transaction_id: String,
    offer: Option<PlainOffer>,
    environment: Option<String>,
    purchased_at: String,
    originally_purchased_at: String,
    expires_at: Option<String>,
    renewal_cancelled_at: Option<String>,
    billing_issue_detected_at: Option<String>,
    is_in_grace_period: bool,
    cancellation_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PlainNonSubscription {
    purchase_id: String,
    store: String,
    store_product_id: String,
    store_base_plan_id: Option<String>,
    store_transaction_id: String,
    store_original_transaction_id: String,
    purchased_at: String,
    environment: Option<String>,
    is_refund: bool,
    is_consumable: bool,
}

fn decode_many<T: for<'de> Deserialize<'de>>(n: usize) -> crate::Cost {
    measure_sync(|| {
        for _ in 0..n {
            let value: T = serde_json::from_slice(std::hint::black_box(PROFILE_RESPONSE))
                .expect("the documented profile decodes");
            std::hint::black_box(value);
        }
    })
}

/// Generated types / plain struct, and `serde_json::Value` / plain struct.
pub fn compare_all(settings: Settings) -> Vec<Comparison> {
    let n = settings.decodes;
    vec![
        compare(
            "decode the documented profile",
            ("generated types", "plain struct"),
            settings.rounds,
            n,
            || decode_many::<ProfileResponse>(n),
            || decode_many::<PlainResponse>(n),
        ),
        compare(
            "decode the documented profile",
            ("serde_json::Value", "plain struct"),
            settings.rounds,
            n,
            || decode_many::<serde_json::Value>(n),
            || decode_many::<PlainResponse>(n),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The baseline reads every field the generated types read: it is not cheaper by skipping.
    #[test]
    fn the_plain_struct_reads_the_same_fields() {
        let generated: ProfileResponse = serde_json::from_slice(PROFILE_RESPONSE).unwrap();
        let plain: PlainResponse = serde_json::from_slice(PROFILE_RESPONSE).unwrap();
        let profile = &generated.data;
        assert_eq!(plain.data.profile_id, profile.profile_id.to_string());
        let levels = plain.data.access_levels.as_ref().unwrap();
        assert_eq!(levels.len(), profile.access_levels.as_ref().unwrap().len());
        assert_eq!(
            plain.data.subscriptions.as_ref().unwrap().len(),
            profile.subscriptions.as_ref().unwrap().len()
        );
        // The plain structs deny unknown fields, so decoding at all shows no field was skipped.
    }
}
