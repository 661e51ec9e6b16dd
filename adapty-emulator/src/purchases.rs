//! What a profile bought: access levels, subscriptions and one-time purchases. The v1 API has no
//! operation that creates them, so they only come from seeding (`POST /__emulator/profiles`,
//! [`crate::RunningEmulator::seed`], or the binary's `--demo-purchases`).
//!
//! A seeded purchase is checked by decoding it into the client's types generated from the spec
//! (`adapty_api::v1::types`), so the emulator holds no copy of the spec's purchase schemas: a field
//! added to the spec is accepted here after `cargo xtask generate`. It is then served as it was
//! seeded (datetimes keep the form they were given in, e.g. `…000000+0000` or `…Z`), with every
//! required field the seed left out filled in by the generated type (`null` for the nullable
//! ones). A key the spec does not know is refused, so a typo in a seed is an error rather than a
//! silently missing value.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub(crate) use adapty_api::v1::types::{AccessLevel, NonSubscription, Subscription};

use crate::store::Purchases;

/// The demo purchases (`src/demo-purchases.json`): two access levels, a subscription and a
/// one-time purchase between them holding both offer shapes, a `null` offer, `null` and set
/// cancellation reasons, lifetime access, and every datetime form Adapty writes.
pub(crate) fn demo() -> Result<Purchases, String> {
    let Value::Object(mut all) = serde_json::from_str(include_str!("demo-purchases.json"))
        .map_err(|e| format!("demo-purchases.json: {e}"))?
    else {
        return Err("demo-purchases.json: not an object".to_owned());
    };
    let mut list = |field: &str, check: fn(Value) -> Result<Value, String>| match all.remove(field)
    {
        Some(Value::Array(items)) => items.into_iter().map(check).collect(),
        _ => Err(format!("demo-purchases.json: no list {field}")),
    };
    Ok(Purchases {
        access_levels: list("access_levels", checked::<AccessLevel>)?,
        subscriptions: list("subscriptions", checked::<Subscription>)?,
        non_subscriptions: list("non_subscriptions", checked::<NonSubscription>)?,
    })
}

/// Checks one seeded purchase against the spec's type `T`; returns it as it will be served, or
/// the problem, naming the JSON path.
pub(crate) fn checked<T: DeserializeOwned + Serialize>(value: Value) -> Result<Value, String> {
    let typed: T = serde_path_to_error::deserialize(&value).map_err(|e| {
        let path = e.path().to_string();
        format!("at {path}: {}", e.into_inner())
    })?;
    let typed = serde_json::to_value(&typed).map_err(|e| e.to_string())?;
    let mut served = value;
    merge(&mut served, &typed, &mut String::new())?;
    Ok(served)
}

/// Walks the seed beside its typed reading: refuses keys the type dropped (unknown to the spec),
/// and adds the keys the type wrote that the seed left out (required fields, as `null` or their
/// value).
fn merge(seed: &mut Value, typed: &Value, path: &mut String) -> Result<(), String> {
    match (seed, typed) {
        (Value::Object(seed), Value::Object(typed)) => {
            for (key, value) in seed.iter_mut() {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                match typed.get(key) {
                    Some(typed) => merge(value, typed, path)?,
                    // Optional fields sent as `null` are skipped when written; anything else
                    // the type dropped is a key the spec does not have.
                    None if value.is_null() => {}
                    None => return Err(format!("at {path}: unknown field")),
                }
                path.truncate(len);
            }
            add_missing(seed, typed);
            Ok(())
        }
        (Value::Array(seed), Value::Array(typed)) => {
            for (i, (seed, typed)) in seed.iter_mut().zip(typed).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                merge(seed, typed, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn add_missing(seed: &mut Map<String, Value>, typed: &Map<String, Value>) {
    for (key, value) in typed {
        if !seed.contains_key(key) {
            seed.insert(key.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn datetimes_keep_their_form_and_missing_nullable_fields_are_written_as_null() {
        let level = checked::<AccessLevel>(json!({
            "access_level_id": "premium", "store": "app_store", "store_product_id": "p",
            "store_transaction_id": "t", "store_original_transaction_id": "t",
            "purchased_at": "2022-10-12T09:42:50.000000+0000",
            "originally_purchased_at": "2024-12-24T10:50:23+00:00",
            "expires_at": "2025-01-05T13:27:47.461425Z", "is_in_grace_period": false,
            "offer": {"category": "promotional", "type": "pay_up_front", "id": null}
        }))
        .unwrap();
        assert_eq!(level["purchased_at"], "2022-10-12T09:42:50.000000+0000");
        assert_eq!(
            level["originally_purchased_at"],
            "2024-12-24T10:50:23+00:00"
        );
        assert_eq!(level["expires_at"], "2025-01-05T13:27:47.461425Z");
        for nullable in [
            "starts_at",
            "renewal_cancelled_at",
            "billing_issue_detected_at",
            "cancellation_reason",
            "store_base_plan_id",
        ] {
            assert_eq!(level[nullable], Value::Null, "{nullable}");
        }
        assert_eq!(level["offer"]["category"], "promotional");
    }

    #[test]
    fn the_demo_purchases_are_valid() {
        let demo = demo().unwrap();
        assert_eq!(demo.access_levels.len(), 2);
        assert_eq!(demo.subscriptions.len(), 1);
        assert_eq!(demo.non_subscriptions.len(), 1);
    }

    #[test]
    fn seeds_with_unknown_fields_or_bad_values_are_refused_with_the_path() {
        let bad_date = checked::<NonSubscription>(json!({
            "purchase_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "store": "s",
            "store_product_id": "p", "store_transaction_id": "t",
            "store_original_transaction_id": "t", "purchased_at": "yesterday",
            "is_refund": false, "is_consumable": true
        }))
        .unwrap_err();
        assert!(bad_date.contains("purchased_at"), "{bad_date}");
        let unknown = checked::<Subscription>(json!({
            "store": "s", "store_product_id": "p", "store_transaction_id": "t",
            "store_original_transaction_id": "t", "purchased_at": "2022-10-12T09:42:50Z",
            "originally_purchased_at": "2022-10-12T09:42:50Z", "is_in_grace_period": false,
            "offer": {"offer_category": "introductory", "colour": "red"}
        }))
        .unwrap_err();
        assert_eq!(unknown, "at .offer.colour: unknown field");
    }
}
