//! Fault injection, through the library handle and through the control API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use adapty_emulator::{Emulator, Fault, Operation};
use common::*;
use serde_json::json;

#[tokio::test]
async fn rate_limits_carry_retry_after_and_run_out() {
    let emulator = emulator().await;
    emulator
        .inject(
            Some(Operation::Get),
            Fault::RateLimited {
                retry_after_secs: 7,
            },
            2,
        )
        .unwrap();
    for _ in 0..2 {
        let limited = raw(
            &emulator,
            "GET",
            &[AUTH, ("adapty-customer-user-id", "u")],
            None,
        )
        .await;
        assert_eq!(limited.status, 429);
        assert_eq!(limited.headers["retry-after"], "7");
        assert_eq!(limited.error_code(), "rate_limited");
        assert_eq!(limited.json["status_code"], 429);
        limited.request_id();
    }
    // The queue is spent: the next GET is answered normally (404: no such profile).
    assert_eq!(
        raw(
            &emulator,
            "GET",
            &[AUTH, ("adapty-customer-user-id", "u")],
            None
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn faults_come_before_authentication_and_only_for_their_operation() {
    let emulator = emulator().await;
    emulator
        .inject(
            Some(Operation::Delete),
            Fault::ServerError { status: 503 },
            1,
        )
        .unwrap();
    // Another operation is not affected.
    assert_eq!(
        raw(&emulator, "POST", &[AUTH], Some("{}")).await.status,
        200
    );
    // Like a gateway, the fault answers before the key is checked.
    let failed = raw(&emulator, "DELETE", &[], None).await;
    assert_eq!(failed.status, 503);
    assert_eq!(failed.error_code(), "server_error");
    assert_eq!(raw(&emulator, "DELETE", &[], None).await.status, 401);
}

#[tokio::test]
async fn non_json_bodies_keep_their_content_type() {
    let emulator = emulator().await;
    emulator
        .inject(
            None,
            Fault::NonJson {
                status: 502,
                body: "<html>Bad gateway</html>".into(),
                content_type: "text/html".into(),
            },
            1,
        )
        .unwrap();
    let answer = raw(&emulator, "PATCH", &[AUTH], Some("{}")).await;
    assert_eq!(answer.status, 502);
    assert_eq!(answer.headers["content-type"], "text/html");
    assert_eq!(answer.text, "<html>Bad gateway</html>");
    answer.request_id();
}

#[tokio::test]
async fn a_delay_holds_the_answer_then_answers_normally() {
    let emulator = emulator().await;
    emulator
        .inject(Some(Operation::Create), Fault::Delay { millis: 300 }, 1)
        .unwrap();
    let started = Instant::now();
    let answer = raw(&emulator, "POST", &[AUTH], Some("{}")).await;
    // A lower bound only: the fault must have waited at least as long as asked.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(answer.status, 200);
}

#[tokio::test]
async fn a_dropped_connection_sends_no_response() {
    let emulator = emulator().await;
    emulator
        .inject(Some(Operation::Get), Fault::DropConnection, 1)
        .unwrap();
    let url = format!("{}{}", emulator.base_url(), adapty_emulator::PROFILES_PATH);
    let error = reqwest::Client::new()
        .get(&url)
        .header(AUTH.0, AUTH.1)
        .send()
        .await
        .unwrap_err();
    assert!(
        error.status().is_none(),
        "no status was received: {error:?}"
    );
    // The emulator goes on serving.
    assert_eq!(raw(&emulator, "GET", &[AUTH], None).await.status, 404);

    // Through the typed client it is a transport error (queued ten times over, so that a client
    // that retries still ends with the drop).
    emulator
        .inject(Some(Operation::Get), Fault::DropConnection, 10)
        .unwrap();
    let result = client(&emulator)
        .get_profile(&adapty_api::ProfileSelector::customer_user_id("u").unwrap())
        .await;
    assert!(
        matches!(result, Err(adapty_api::Error::Transport(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn reset_clears_profiles_and_faults() {
    let emulator = emulator().await;
    raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "r")],
        Some("{}"),
    )
    .await;
    emulator
        .inject(None, Fault::ServerError { status: 500 }, 5)
        .unwrap();
    emulator.reset();
    assert_eq!(emulator.profile_count(), 0);
    assert_eq!(
        raw(
            &emulator,
            "GET",
            &[AUTH, ("adapty-customer-user-id", "r")],
            None
        )
        .await
        .status,
        404
    );
    emulator
        .inject(None, Fault::ServerError { status: 500 }, 5)
        .unwrap();
    emulator.clear_faults();
    assert_eq!(
        raw(&emulator, "POST", &[AUTH], Some("{}")).await.status,
        200
    );
}

#[tokio::test]
async fn the_control_api_over_http() {
    let emulator = emulator().await;
    let health = raw_to(&emulator, "GET", "/__emulator/health", &[], None).await;
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (200, Some("ok"))
    );

    let seeded = raw_to(
        &emulator,
        "POST",
        "/__emulator/profiles",
        &[],
        Some(r#"{"customer_user_id": "seeded", "email": "s@example.com", "custom_attributes": [{"key": "k", "value": 1}]}"#),
    )
    .await;
    assert_eq!(seeded.status, 201, "{}", seeded.text);
    assert_eq!(seeded.json["data"]["email"], "s@example.com");
    let fetched = raw(
        &emulator,
        "GET",
        &[AUTH, ("adapty-customer-user-id", "seeded")],
        None,
    )
    .await;
    assert_eq!(
        fetched.json["data"]["profile_id"],
        seeded.json["data"]["profile_id"]
    );
    let bad_seed = raw_to(
        &emulator,
        "POST",
        "/__emulator/profiles",
        &[],
        Some(r#"{"gender": "q"}"#),
    )
    .await;
    assert_eq!(
        (bad_seed.status, bad_seed.sources()),
        (400, vec!["gender".to_owned()])
    );

    let queued = raw_to(
        &emulator,
        "POST",
        "/__emulator/faults",
        &[],
        Some(r#"{"operation": "get", "times": 2, "fault": {"type": "rate_limited", "retry_after_secs": 3}}"#),
    )
    .await;
    assert_eq!((queued.status, &queued.json), (201, &json!({"queued": 2})));
    let pending = raw_to(&emulator, "GET", "/__emulator/faults", &[], None).await;
    assert_eq!(
        pending.json["pending"],
        json!({"get": 2, "create": 0, "update": 0, "delete": 0, "any": 0})
    );
    assert_eq!(
        raw(&emulator, "GET", &[AUTH], None).await.headers["retry-after"],
        "3"
    );
    assert_eq!(
        raw_to(&emulator, "DELETE", "/__emulator/faults", &[], None)
            .await
            .status,
        204
    );
    assert_eq!(raw(&emulator, "GET", &[AUTH], None).await.status, 404);

    for (body, source) in [
        (
            r#"{"fault": {"type": "server_error", "status": 200}}"#,
            Some("status"),
        ),
        (
            r#"{"times": 0, "fault": {"type": "drop_connection"}}"#,
            Some("times"),
        ),
        (
            r#"{"fault": {"type": "delay", "millis": 600000}}"#,
            Some("millis"),
        ),
        (
            r#"{"operation": "list", "fault": {"type": "drop_connection"}}"#,
            None,
        ),
        (r#"{"fault": {"type": "meteor"}}"#, None),
    ] {
        let refused = raw_to(&emulator, "POST", "/__emulator/faults", &[], Some(body)).await;
        assert_eq!(refused.status, 400, "{body}");
        if let Some(source) = source {
            assert_eq!(refused.sources(), [source], "{body}");
        }
    }

    assert_eq!(
        raw_to(&emulator, "POST", "/__emulator/reset", &[], None)
            .await
            .status,
        204
    );
    assert_eq!(emulator.profile_count(), 0);
}

#[tokio::test]
async fn the_control_api_is_off_unless_enabled() {
    let emulator = Emulator::new().api_key(KEY).start().await.unwrap();
    for (method, path) in [
        ("GET", "/__emulator/health"),
        ("POST", "/__emulator/reset"),
        ("POST", "/__emulator/faults"),
    ] {
        let answer = raw_to(&emulator, method, path, &[], Some("{}")).await;
        assert_eq!(answer.status, 404, "{method} {path}");
    }
    // The library handle works either way.
    emulator
        .inject(None, Fault::ServerError { status: 500 }, 1)
        .unwrap();
    assert_eq!(raw(&emulator, "GET", &[AUTH], None).await.status, 500);
    emulator.shutdown().await.unwrap();
}
