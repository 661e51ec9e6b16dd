//! The `adapty-api` client against the in-process emulator: the whole lifecycle under both
//! identity headers, and each error the client can meet.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use adapty_api::ProfileSelector;
use common::*;
use serde_json::json;

#[tokio::test]
async fn lifecycle_by_customer_user_id() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let user = ProfileSelector::customer_user_id("user-42").unwrap();

    let created = client
        .create_profile(
            &user,
            &attributes(
                Some("jane@example.com"),
                Some("Jane"),
                &[("sport", Some("yoga"))],
            ),
        )
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(created.customer_user_id.as_deref(), Some("user-42"));
    assert_eq!(created.app_id, emulator.app_id().to_string());
    assert!(created.request_id().is_some_and(|id| id.len() == 32));
    assert_eq!(custom(&created), [("sport".to_owned(), "yoga".to_owned())]);
    assert_eq!(created.access_levels.as_deref(), Some(&[][..]));

    let fetched = client.get_profile(&user).await.unwrap();
    assert_eq!(fetched.profile_id, created.profile_id);
    assert_eq!(fetched.email.as_deref(), Some("jane@example.com"));

    // An update changes what it sends and keeps the rest; a `null` attribute value deletes it.
    let updated = client
        .update_profile(
            &user,
            &attributes(
                Some("j@example.org"),
                None,
                &[("sport", None), ("level", Some("3"))],
            ),
        )
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("j@example.org"));
    assert_eq!(updated.first_name.as_deref(), Some("Jane"));
    assert_eq!(custom(&updated), [("level".to_owned(), "3".to_owned())]);
    assert_ne!(
        updated.segment_hash, created.segment_hash,
        "the attributes changed"
    );

    let deleted = client.delete_profile(&user).await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(deleted.request_id().is_some());
    let gone = api_error(client.get_profile(&user).await);
    assert!(gone.is_not_found());
    assert_eq!(gone.error_code(), Some("not_found"));
    assert_eq!(
        gone.messages_for("non_field_errors").next(),
        Some("Not found.")
    );
    assert!(gone.request_id().is_some());
    assert_eq!(emulator.profile_count(), 0);
}

#[tokio::test]
async fn lifecycle_by_profile_id() {
    let emulator = emulator().await;
    let client = client(&emulator);
    // Created with the customer user ID, then named by the profile ID the emulator gave it.
    let created = client
        .create_profile(
            &ProfileSelector::customer_user_id("by-id").unwrap(),
            &attributes(None, Some("Ann"), &[]),
        )
        .await
        .unwrap();
    let by_id = ProfileSelector::profile_id(created.profile_id);
    assert_eq!(
        client
            .get_profile(&by_id)
            .await
            .unwrap()
            .first_name
            .as_deref(),
        Some("Ann")
    );
    let updated = client
        .update_profile(&by_id, &attributes(None, Some("Anna"), &[]))
        .await
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("Anna"));
    assert_eq!(updated.customer_user_id.as_deref(), Some("by-id"));
    client.delete_profile(&by_id).await.unwrap();
    assert!(api_error(client.get_profile(&by_id).await).is_not_found());
    // The customer user ID went with the profile: it can be used again.
    let again = client
        .create_profile(
            &ProfileSelector::customer_user_id("by-id").unwrap(),
            &attributes(None, None, &[]),
        )
        .await
        .unwrap();
    assert_ne!(again.profile_id, created.profile_id);
}

#[tokio::test]
async fn each_client_error_path() {
    let emulator = emulator().await;
    let user = ProfileSelector::customer_user_id("errors").unwrap();

    // Unknown key: 401 before anything else is looked at.
    let wrong = api_error(
        client_with_key(&emulator, "secret_wrong")
            .get_profile(&user)
            .await,
    );
    assert!(wrong.is_unauthorized());
    // One documented code for every 401 (the emulator's choice; see its README).
    assert_eq!(wrong.error_code(), Some("not_authenticated"));
    assert!(wrong.request_id().is_some());

    let client = client(&emulator);
    // Missing profile on every operation that names one.
    assert!(api_error(client.get_profile(&user).await).is_not_found());
    assert!(
        api_error(
            client
                .update_profile(&user, &attributes(None, None, &[]))
                .await
        )
        .is_not_found()
    );
    assert!(api_error(client.delete_profile(&user).await).is_not_found());

    // Creating a customer user ID that exists: 400 naming the header.
    client
        .create_profile(&user, &attributes(None, None, &[]))
        .await
        .unwrap();
    let taken = api_error(
        client
            .create_profile(&user, &attributes(None, None, &[]))
            .await,
    );
    assert_eq!(taken.status(), 400);
    assert_eq!(taken.error_code(), Some("profile_already_exists"));
    assert_eq!(taken.messages_for("adapty-customer-user-id").count(), 1);

    // More custom attributes than a profile may hold, over two updates: 400, and nothing changed.
    let first_keys: Vec<String> = (0..20).map(|i| format!("a{i}")).collect();
    let second_keys: Vec<String> = (0..11).map(|i| format!("b{i}")).collect();
    let first: Vec<(&str, Option<&str>)> =
        first_keys.iter().map(|k| (k.as_str(), Some("x"))).collect();
    let second: Vec<(&str, Option<&str>)> = second_keys
        .iter()
        .map(|k| (k.as_str(), Some("y")))
        .collect();
    client
        .update_profile(&user, &attributes(None, None, &first))
        .await
        .unwrap();
    let too_many = api_error(
        client
            .update_profile(&user, &attributes(None, None, &second))
            .await,
    );
    assert_eq!(too_many.status(), 400);
    assert_eq!(too_many.error_code(), Some("validation_error"));
    assert!(
        too_many
            .messages_for("custom_attributes")
            .next()
            .unwrap()
            .contains("31")
    );
    assert_eq!(custom(&client.get_profile(&user).await.unwrap()).len(), 20);
}

#[tokio::test]
async fn create_with_both_headers_attaches_the_customer_user_id() {
    let emulator = emulator().await;
    let client = client(&emulator);
    // An anonymous profile (no identity header), as the SDK makes on first launch.
    let anonymous = raw(&emulator, "POST", &[AUTH], Some("{}")).await;
    assert_eq!(anonymous.status, 200, "{}", anonymous.text);
    assert_eq!(
        anonymous.json["data"]["customer_user_id"],
        serde_json::Value::Null
    );
    let id = anonymous.json["data"]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let attached = raw(
        &emulator,
        "POST",
        &[
            AUTH,
            ("adapty-profile-id", &id),
            ("adapty-customer-user-id", "known-later"),
        ],
        Some(r#"{"first_name": "Kim"}"#),
    )
    .await;
    assert_eq!(attached.status, 200, "{}", attached.text);
    assert_eq!(attached.json["data"]["profile_id"], id.as_str());
    assert_eq!(attached.json["data"]["customer_user_id"], "known-later");
    assert_eq!(attached.json["data"]["first_name"], "Kim");
    assert_eq!(emulator.profile_count(), 1);

    let by_user = client
        .get_profile(&ProfileSelector::customer_user_id("known-later").unwrap())
        .await
        .unwrap();
    assert_eq!(by_user.profile_id.to_string(), id);
}

#[tokio::test]
async fn seeded_purchases_decode_in_the_client_with_documented_datetimes() {
    let emulator = emulator().await;
    let id = emulator
        .seed(json!({
            "customer_user_id": "payer",
            "total_revenue_usd": 109.89,
            "access_levels": [{
                "access_level_id": "premium", "store": "app_store", "store_product_id": "monthly",
                "store_base_plan_id": null, "store_transaction_id": "t2", "store_original_transaction_id": "t1",
                "offer": {"offer_category": "introductory", "offer_type": "free_trial", "offer_id": null},
                "environment": "Sandbox", "starts_at": null,
                "purchased_at": "2024-12-24T10:50:23+00:00", "originally_purchased_at": "2022-10-12T09:42:50.000000+0000",
                "expires_at": "2025-01-05T13:27:47.461425Z", "renewal_cancelled_at": null,
                "billing_issue_detected_at": null, "is_in_grace_period": false, "cancellation_reason": null
            }],
            "subscriptions": [{
                "store": "app_store", "store_product_id": "monthly", "store_transaction_id": "t2",
                "store_original_transaction_id": "t1", "environment": "Sandbox",
                "purchased_at": "2024-12-24T10:50:23Z", "originally_purchased_at": "2022-10-12T09:42:50Z",
                "expires_at": "2025-01-05T13:27:47Z", "is_in_grace_period": false,
                "cancellation_reason": "voluntarily_cancelled"
            }],
            "non_subscriptions": [{
                "purchase_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "store": "play_store",
                "store_product_id": "coins", "store_transaction_id": "gpa.1", "store_original_transaction_id": "gpa.1",
                "purchased_at": "2024-01-15T10:30:00Z", "environment": "Production", "is_refund": false,
                "is_consumable": true
            }]
        }))
        .unwrap();

    let raw = raw(
        &emulator,
        "GET",
        &[AUTH, ("adapty-customer-user-id", "payer")],
        None,
    )
    .await;
    let level = &raw.json["data"]["access_levels"][0];
    // Served in the form they were seeded in, like Adapty's own mix of forms.
    assert_eq!(level["purchased_at"], "2024-12-24T10:50:23+00:00");
    assert_eq!(level["expires_at"], "2025-01-05T13:27:47.461425Z");
    assert_eq!(
        raw.json["data"]["non_subscriptions"][0]["purchased_at"],
        "2024-01-15T10:30:00Z"
    );
    // The required nullable fields the seed left out are written, as `null`.
    let subscription = raw.json["data"]["subscriptions"][0].as_object().unwrap();
    for field in ["offer", "store_base_plan_id", "renewal_cancelled_at"] {
        assert_eq!(
            subscription.get(field),
            Some(&serde_json::Value::Null),
            "{field}"
        );
    }

    let profile = client(&emulator)
        .get_profile(&ProfileSelector::profile_id(id))
        .await
        .unwrap();
    assert_eq!(profile.total_revenue_usd, 109.89);
    let levels = profile.access_levels.as_deref().unwrap();
    assert_eq!(levels[0].access_level_id, "premium");
    assert_eq!(
        levels[0].expires_at.unwrap().to_rfc3339(),
        "2025-01-05T13:27:47.461425+00:00"
    );
    assert_eq!(profile.subscriptions.as_deref().unwrap().len(), 1);
    assert_eq!(
        profile.non_subscriptions.as_deref().unwrap()[0].store_product_id,
        "coins"
    );
}

#[tokio::test]
async fn bad_seeds_are_refused_by_field() {
    let emulator = emulator().await;
    let err = emulator
        .seed(json!({"profile_id": "nope"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("profile_id") && err.contains("nope"), "{err}");
    // Each bad field is named on its own too.
    let err = emulator
        .seed(json!({"gender": "x"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("gender"), "{err}");
    let err = emulator
        .seed(json!({"access_levels": [{"access_level_id": "premium"}]}))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("access_levels") && err.contains("missing field"),
        "{err}"
    );
    emulator.seed(json!({"customer_user_id": "twice"})).unwrap();
    let err = emulator
        .seed(json!({"customer_user_id": "twice"}))
        .unwrap_err()
        .to_string();
    assert!(err.contains("customer_user_id"), "{err}");
    assert_eq!(emulator.profile_count(), 1);
}
