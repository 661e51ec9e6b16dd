//! The `adapty-api` client's retry policy against faults the emulator injects: the two crates'
//! views of "what production throws" agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use adapty_api::v1::Client;
use adapty_api::{ApiKey, Error, ProfileSelector, RetryPolicy};
use adapty_emulator::{Fault, Operation, RunningEmulator};
use common::*;

/// A client with the default policy's shape but short waits.
fn retrying_client(emulator: &RunningEmulator) -> Client {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(emulator.base_url())
        .retry_policy(
            RetryPolicy::default()
                .with_base_delay(Duration::from_millis(20))
                .with_max_delay(Duration::from_millis(50)),
        )
        .attempt_timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn user(id: &str) -> ProfileSelector {
    ProfileSelector::customer_user_id(id).unwrap()
}

#[tokio::test]
async fn a_rate_limited_create_is_retried_after_retry_after_and_creates_one_profile() {
    let emulator = emulator().await;
    emulator
        .inject(
            Some(Operation::Create),
            Fault::RateLimited {
                retry_after_secs: 1,
            },
            1,
        )
        .unwrap();
    let started = Instant::now();
    let created = retrying_client(&emulator)
        .create_profile(
            &user("u-429"),
            &attributes(Some("a@example.com"), None, &[]),
        )
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(created.customer_user_id.as_deref(), Some("u-429"));
    assert_eq!(emulator.profile_count(), 1);
}

#[tokio::test]
async fn a_create_answered_503_is_not_retried_and_creates_nothing() {
    let emulator = emulator().await;
    emulator
        .inject(
            Some(Operation::Create),
            Fault::ServerError { status: 503 },
            1,
        )
        .unwrap();
    let client = retrying_client(&emulator);
    let error = client
        .create_profile(&user("u-503"), &attributes(None, None, &[]))
        .await
        .expect_err("503");
    assert!(
        matches!(&error, Error::Api(e) if e.status() == 503),
        "{error:?}"
    );
    assert_eq!(emulator.profile_count(), 0);
    // The caller decides; a second try goes through.
    client
        .create_profile(&user("u-503"), &attributes(None, None, &[]))
        .await
        .unwrap();
    assert_eq!(emulator.profile_count(), 1);
}

#[tokio::test]
async fn reads_updates_and_deletes_ride_out_5xx_drops_and_delays() {
    let emulator = emulator().await;
    let client = retrying_client(&emulator);
    let who = user("u-faults");
    client
        .create_profile(&who, &attributes(Some("old@example.com"), None, &[]))
        .await
        .unwrap();

    emulator
        .inject(Some(Operation::Get), Fault::ServerError { status: 503 }, 2)
        .unwrap();
    let fetched = client.get_profile(&who).await.unwrap();
    assert_eq!(fetched.email.as_deref(), Some("old@example.com"));
    assert_eq!(emulator.pending_faults(), 0, "both 503s were served");

    emulator
        .inject(Some(Operation::Update), Fault::DropConnection, 1)
        .unwrap();
    let updated = client
        .update_profile(&who, &attributes(Some("new@example.com"), None, &[]))
        .await
        .unwrap();
    assert_eq!(updated.email.as_deref(), Some("new@example.com"));
    assert_eq!(
        emulator.pending_faults(),
        0,
        "the dropped connection was served"
    );

    emulator
        .inject(
            Some(Operation::Delete),
            Fault::NonJson {
                status: 502,
                body: "<html>bad gateway</html>".into(),
                content_type: "text/html".into(),
            },
            1,
        )
        .unwrap();
    emulator
        .inject(Some(Operation::Delete), Fault::Delay { millis: 3_000 }, 1)
        .unwrap();
    let started = Instant::now();
    let deleted = client.delete_profile(&who).await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the slow attempt was cut short"
    );
    assert_eq!(
        emulator.pending_faults(),
        0,
        "the 502 and the delay were served"
    );
    assert_eq!(emulator.profile_count(), 0);
}

#[tokio::test]
async fn with_retries_off_the_first_fault_is_the_answer() {
    let emulator = emulator().await;
    emulator
        .inject(Some(Operation::Get), Fault::ServerError { status: 502 }, 1)
        .unwrap();
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(emulator.base_url())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.get_profile(&user("nobody")).await.expect_err("502");
    assert!(
        matches!(&error, Error::Api(e) if e.status() == 502),
        "{error:?}"
    );
    // The fault was used up by the one attempt: the next call reaches the API (no such profile).
    let error = client.get_profile(&user("nobody")).await.expect_err("404");
    assert!(
        matches!(&error, Error::Api(e) if e.is_not_found()),
        "{error:?}"
    );
}
