//! Raw HTTP against the emulator: what the typed client cannot send (no or both identity headers,
//! bad JSON, wrong types, wrong credentials) and what every response carries.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn authentication_errors_use_the_documented_body() {
    let emulator = emulator().await;
    for method in ["GET", "POST", "PATCH", "DELETE"] {
        let missing = raw(
            &emulator,
            method,
            &[("adapty-customer-user-id", "u")],
            Some("{}"),
        )
        .await;
        assert_eq!(missing.status, 401, "{method}");
        assert_eq!(
            missing.json,
            json!({"errors": [{"source": "non_field_errors", "errors": ["Authentication credentials were not provided."]}],
                   "error_code": "not_authenticated", "status_code": 401})
        );
        assert_eq!(missing.headers["content-type"], "application/json");
        missing.request_id();
    }
    for value in [
        "Api-Key wrong",
        "Bearer secret_test_emulator_key",
        "secret_test_emulator_key",
        "Api-Key ",
    ] {
        let answer = raw(
            &emulator,
            "GET",
            &[("authorization", value), ("adapty-customer-user-id", "u")],
            None,
        )
        .await;
        assert_eq!(answer.status, 401, "{value:?}");
        assert_eq!(answer.sources(), ["non_field_errors"], "{value:?}");
        assert_eq!(answer.error_code(), "not_authenticated", "{value:?}");
    }
    // The scheme is matched without regard to case, as Django REST framework does.
    let lower = raw(
        &emulator,
        "GET",
        &[("authorization", "api-key secret_test_emulator_key")],
        None,
    )
    .await;
    assert_eq!(lower.status, 404, "authenticated, then no profile named");
}

#[tokio::test]
async fn more_than_one_key_is_accepted() {
    let emulator = adapty_emulator::Emulator::new()
        .api_key("k1")
        .api_key("k2")
        .start()
        .await
        .unwrap();
    for key in ["k1", "k2"] {
        let answer = raw(
            &emulator,
            "POST",
            &[("authorization", &format!("Api-Key {key}"))],
            Some("{}"),
        )
        .await;
        assert_eq!(answer.status, 200, "{key}");
    }
    let answer = raw(
        &emulator,
        "POST",
        &[("authorization", "Api-Key k3")],
        Some("{}"),
    )
    .await;
    assert_eq!(answer.status, 401);
}

#[tokio::test]
async fn identity_headers_where_the_docs_are_silent() {
    let emulator = emulator().await;
    let created = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "alice")],
        Some("{}"),
    )
    .await;
    let id = created.json["data"]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "bob")],
        Some("{}"),
    )
    .await;
    let other_id = other.json["data"]["profile_id"]
        .as_str()
        .unwrap()
        .to_owned();

    // No identity header: nothing is named, so nothing is found (create makes an anonymous profile).
    for method in ["GET", "PATCH", "DELETE"] {
        let answer = raw(&emulator, method, &[AUTH], Some("{}")).await;
        assert_eq!(answer.status, 404, "{method}");
        assert_eq!(answer.json["errors"][0]["errors"][0], "Not found.");
        assert!(
            answer.text.contains("No profile was named"),
            "{}",
            answer.text
        );
    }
    // Both headers: the profile must have both.
    let both = [
        AUTH,
        ("adapty-profile-id", id.as_str()),
        ("adapty-customer-user-id", "alice"),
    ];
    assert_eq!(raw(&emulator, "GET", &both, None).await.status, 200);
    assert_eq!(
        raw(&emulator, "PATCH", &both, Some(r#"{"last_name": "A"}"#))
            .await
            .status,
        200
    );
    let mismatch = [
        AUTH,
        ("adapty-profile-id", other_id.as_str()),
        ("adapty-customer-user-id", "alice"),
    ];
    for method in ["GET", "PATCH", "DELETE"] {
        let answer = raw(&emulator, method, &mismatch, Some("{}")).await;
        assert_eq!(answer.status, 404, "{method}");
        assert!(answer.text.contains("both"), "{}", answer.text);
    }
    // A profile ID that is not a UUID names no profile.
    let answer = raw(
        &emulator,
        "GET",
        &[AUTH, ("adapty-profile-id", "not-a-uuid")],
        None,
    )
    .await;
    assert_eq!(answer.status, 404);
    assert!(answer.text.contains("not a UUID"), "{}", answer.text);
    // Create with both: attaching a customer user ID that another profile holds, or replacing the
    // one a profile has, is refused; attaching the one it already has changes nothing.
    let steal = raw(
        &emulator,
        "POST",
        &[
            AUTH,
            ("adapty-profile-id", &other_id),
            ("adapty-customer-user-id", "alice"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(
        (steal.status, steal.error_code()),
        (400, "profile_already_exists")
    );
    assert_eq!(steal.sources(), ["adapty-customer-user-id"]);
    let rename = raw(
        &emulator,
        "POST",
        &[
            AUTH,
            ("adapty-profile-id", &other_id),
            ("adapty-customer-user-id", "carol"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(rename.status, 400);
    assert_eq!(rename.sources(), ["adapty-customer-user-id"]);
    let same = raw(
        &emulator,
        "POST",
        &[
            AUTH,
            ("adapty-profile-id", &other_id),
            ("adapty-customer-user-id", "bob"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(same.status, 200);
    let unknown = raw(
        &emulator,
        "POST",
        &[
            AUTH,
            ("adapty-profile-id", "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            ("adapty-customer-user-id", "dave"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(unknown.status, 404);
    // Create with only a profile ID: profile IDs are given by the emulator, nothing to create.
    let only_id = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-profile-id", &id)],
        Some("{}"),
    )
    .await;
    assert_eq!(only_id.status, 400);
    assert_eq!(only_id.sources(), ["adapty-profile-id"]);
    let only_unknown_id = raw(
        &emulator,
        "POST",
        &[
            AUTH,
            ("adapty-profile-id", "3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ],
        Some("{}"),
    )
    .await;
    assert_eq!(only_unknown_id.status, 404);
    // An empty customer user ID cannot be created.
    let empty = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "")],
        Some("{}"),
    )
    .await;
    assert_eq!(empty.status, 400);
    assert_eq!(empty.sources(), ["adapty-customer-user-id"]);
    assert_eq!(emulator.profile_count(), 2);
}

#[tokio::test]
async fn bodies_that_are_not_a_profile_request_are_400s_naming_the_field() {
    let emulator = emulator().await;
    raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "v")],
        Some("{}"),
    )
    .await;
    let who = [AUTH, ("adapty-customer-user-id", "v")];
    let cases: &[(&str, &str, &[&str])] = &[
        ("{", "parse_error", &["non_field_errors"]),
        ("[1]", "parse_error", &["non_field_errors"]),
        ("", "parse_error", &["non_field_errors"]),
        (r#"{"gender": "male"}"#, "validation_error", &["gender"]),
        (
            r#"{"birthday": "31.12.2000"}"#,
            "validation_error",
            &["birthday"],
        ),
        (
            r#"{"birthday": "2001-02-29"}"#,
            "validation_error",
            &["birthday"],
        ),
        (r#"{"email": 42}"#, "validation_error", &["email"]),
        (
            r#"{"analytics_disabled": null}"#,
            "validation_error",
            &["analytics_disabled"],
        ),
        (
            r#"{"custom_attributes": {"a": 1}}"#,
            "validation_error",
            &["custom_attributes"],
        ),
        (
            r#"{"custom_attributes": [{"key": "bad key!", "value": 1}]}"#,
            "validation_error",
            &["custom_attributes"],
        ),
        (
            r#"{"custom_attributes": [{"key": "k", "value": "0123456789012345678901234567890"}]}"#,
            "validation_error",
            &["custom_attributes"],
        ),
        (
            r#"{"installation_meta": {"device_id": 7}}"#,
            "validation_error",
            &["installation_meta.device_id"],
        ),
        (
            r#"{"installation_meta": {"device_id": "d", "locale": 5, "idfa": null}}"#,
            "validation_error",
            &["installation_meta.locale"],
        ),
        (
            r#"{"gender": "x", "phone_number": false}"#,
            "validation_error",
            &["gender", "phone_number"],
        ),
    ];
    for (body, code, sources) in cases {
        for method in ["POST", "PATCH"] {
            let headers: &[(&str, &str)] = if method == "POST" { &[AUTH] } else { &who };
            let answer = raw(&emulator, method, headers, Some(body)).await;
            assert_eq!(answer.status, 400, "{method} {body}: {}", answer.text);
            assert_eq!(answer.error_code(), *code, "{method} {body}");
            let mut got = answer.sources();
            got.sort_unstable();
            assert_eq!(got, *sources, "{method} {body}");
            assert_eq!(answer.json["status_code"], 400);
        }
    }
    // Nothing was created or changed by the refused requests.
    assert_eq!(emulator.profile_count(), 1);
    let profile = raw(&emulator, "GET", &who, None).await;
    assert_eq!(profile.json["data"]["gender"], Value::Null);

    // A body that says it is not JSON.
    let http = reqwest::Client::new();
    let response = http
        .post(format!(
            "{}{}",
            emulator.base_url(),
            adapty_emulator::PROFILES_PATH
        ))
        .header(AUTH.0, AUTH.1)
        .header("content-type", "text/plain")
        .body("first_name=Jo")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("unsupported_media_type")
    );

    // A JSON body without any Content-Type: the API specs page requires the header.
    let response = http
        .post(format!(
            "{}{}",
            emulator.base_url(),
            adapty_emulator::PROFILES_PATH
        ))
        .header(AUTH.0, AUTH.1)
        .body(r#"{"first_name": "Jo"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("unsupported_media_type"), "{text}");
    assert!(text.contains("No Content-Type"), "{text}");
    assert_eq!(emulator.profile_count(), 1, "nothing was created");
}

#[tokio::test]
async fn updates_merge_clear_nulls_and_delete_attributes() {
    let emulator = emulator().await;
    let who = [AUTH, ("adapty-customer-user-id", "merge")];
    let created = raw(
        &emulator,
        "POST",
        &who,
        Some(r#"{"first_name": "Jo", "last_name": "Doe", "gender": "f", "birthday": "2000-12-31",
                 "custom_attributes": [{"key": "a", "value": "1"}, {"key": "b", "value": 2}, {"key": "c", "value": "x"}],
                 "installation_meta": {"device_id": "d1", "idfa": "IDFA-1", "idfv": "IDFV-1"}}"#),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(
        created.json["data"]["custom_attributes"],
        json!([{"key": "a", "value": "1"}, {"key": "b", "value": 2.0}, {"key": "c", "value": "x"}])
    );
    let updated = raw(
        &emulator,
        "PATCH",
        &who,
        Some(r#"{"last_name": null, "gender": null, "email": "jo@example.com",
                 "custom_attributes": [{"key": "a", "value": null}, {"key": "c", "value": ""}, {"key": "b", "value": 3.5}, {"key": "d", "value": "new"}],
                 "installation_meta": {"device_id": "d1", "idfa": null}}"#),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let data = &updated.json["data"];
    assert_eq!(data["first_name"], "Jo");
    assert_eq!(data["last_name"], Value::Null);
    assert_eq!(data["gender"], Value::Null);
    assert_eq!(data["email"], "jo@example.com");
    assert_eq!(data["birthday"], "2000-12-31");
    assert_eq!(data["idfa"], Value::Null);
    assert_eq!(data["idfv"], "IDFV-1");
    assert_eq!(
        data["custom_attributes"],
        json!([{"key": "b", "value": 3.5}, {"key": "d", "value": "new"}])
    );
    // The same key twice in one request: the last one wins.
    let twice = raw(
        &emulator,
        "PATCH",
        &who,
        Some(r#"{"custom_attributes": [{"key": "d", "value": "1"}, {"key": "d", "value": "2"}]}"#),
    )
    .await;
    assert_eq!(
        twice.json["data"]["custom_attributes"],
        json!([{"key": "b", "value": 3.5}, {"key": "d", "value": "2"}])
    );
    // Unknown fields are ignored.
    let unknown = raw(
        &emulator,
        "PATCH",
        &who,
        Some(r#"{"favourite_colour": "red"}"#),
    )
    .await;
    assert_eq!(unknown.status, 200);
    assert_eq!(unknown.json["data"]["first_name"], "Jo");
}

#[tokio::test]
async fn response_shapes_follow_the_documented_examples() {
    let emulator = emulator().await;
    let created = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "shape")],
        Some("{}"),
    )
    .await;
    let data = created.json["data"].as_object().unwrap();
    // The documented response's fields come first, in the documented order.
    let documented = [
        "app_id",
        "profile_id",
        "customer_user_id",
        "total_revenue_usd",
        "segment_hash",
        "timestamp",
        "custom_attributes",
        "access_levels",
        "subscriptions",
        "non_subscriptions",
    ];
    let at: Vec<usize> = documented
        .iter()
        .map(|k| created.text.find(&format!("\"{k}\":")).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{}", created.text);
    assert!(
        created.text.starts_with(r#"{"data":{"app_id":"#),
        "{}",
        created.text
    );
    assert!(
        data["timestamp"].as_i64().unwrap() > 1_700_000_000_000,
        "milliseconds since the epoch"
    );
    assert_eq!(data["segment_hash"].as_str().unwrap().len(), 16);
    let deleted = raw(
        &emulator,
        "DELETE",
        &[AUTH, ("adapty-customer-user-id", "shape")],
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.text.is_empty());
    assert!(!deleted.headers.contains_key("content-type"));
}

#[tokio::test]
async fn every_response_has_its_own_request_id() {
    let emulator = emulator().await;
    let answers = [
        raw(&emulator, "GET", &[], None).await,
        raw(&emulator, "GET", &[AUTH], None).await,
        raw(&emulator, "POST", &[AUTH], Some("{")).await,
        raw(&emulator, "POST", &[AUTH], Some("{}")).await,
        raw(&emulator, "PUT", &[AUTH], Some("{}")).await,
        raw_to(
            &emulator,
            "GET",
            "/api/v1/server-side-api/profiles",
            &[AUTH],
            None,
        )
        .await,
        raw_to(&emulator, "GET", "/__emulator/health", &[], None).await,
    ];
    let mut ids: Vec<&str> = answers.iter().map(Answer::request_id).collect();
    assert!(
        ids.iter()
            .all(|id| id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())),
        "{ids:?}"
    );
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), answers.len());
}

#[tokio::test]
async fn other_methods_and_paths() {
    let emulator = emulator().await;
    let put = raw(&emulator, "PUT", &[AUTH], Some("{}")).await;
    assert_eq!(put.status, 405);
    let allow = put.headers["allow"].to_str().unwrap();
    for method in ["GET", "POST", "PATCH", "DELETE"] {
        assert!(allow.contains(method), "{allow}");
    }
    // The documented path has a trailing slash; without it there is nothing.
    let no_slash = raw_to(
        &emulator,
        "GET",
        "/api/v1/server-side-api/profiles",
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(no_slash.status, 404);
    assert!(
        no_slash.text.contains("trailing slash"),
        "{}",
        no_slash.text
    );
}

/// A body built to amplify (a huge list of invalid attributes, then many bad fields) gets a small
/// answer: the list past its limit is refused whole, and at most 50 problems are listed.
#[tokio::test]
async fn hostile_bodies_get_small_answers() {
    let emulator = emulator().await;
    let item = r#"{"key":"bad key!","value":[1]}"#;
    let huge = format!(
        r#"{{"custom_attributes":[{}]}}"#,
        vec![item; 60_000].join(",")
    );
    assert!(huge.len() > 1_800_000); // just under the 2 MB body limit
    let started = std::time::Instant::now();
    let answer = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "u-hostile")],
        Some(&huge),
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert_eq!(answer.sources(), ["custom_attributes"]);
    assert!(answer.text.len() < 1_000, "{} bytes", answer.text.len());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // Many bad items within the limit, and many bad fields: the list of problems is bounded.
    let bad: Vec<String> = (0..30)
        .map(|i| format!(r#"{{"key":"bad {i}","value":[1]}}"#))
        .collect();
    let mut fields: Vec<String> = ["first_name", "last_name", "email", "phone_number", "store"]
        .iter()
        .map(|f| format!(r#""{f}": 1"#))
        .collect();
    fields.push(format!(r#""custom_attributes": [{}]"#, bad.join(",")));
    let body = format!("{{{}}}", fields.join(","));
    let answer = raw(
        &emulator,
        "POST",
        &[AUTH, ("adapty-customer-user-id", "u-hostile")],
        Some(&body),
    )
    .await;
    assert_eq!(answer.status, 400);
    let listed: usize = answer.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["errors"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(listed <= 51, "{listed} problems listed");
}

/// A client that sends its request a byte at a time (slowloris), or half a request and then
/// nothing, is cut off at the request timeout; a request with a wrong key is answered at once,
/// without waiting for its announced body.
#[tokio::test]
async fn slow_and_unauthenticated_requests_do_not_hold_the_server() {
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let emulator = adapty_emulator::Emulator::new()
        .api_key(KEY)
        .request_timeout(Duration::from_millis(500))
        .start()
        .await
        .unwrap();
    let address = emulator.local_addr();

    // Slowloris: one byte every 100 ms, never the end of the head.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let started = Instant::now();
    let head = b"GET /api/v1/server-side-api/profiles/ HTTP/1.1\r\nhost: x\r\nx-slow: ";
    let mut closed_after = None;
    for byte in head.iter().chain(std::iter::repeat(&b'a')).take(200) {
        if slow.write_all(&[*byte]).await.is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        let mut probe = [0u8; 1];
        if let Ok(Ok(0)) =
            tokio::time::timeout(Duration::from_millis(100), slow.read(&mut probe)).await
        {
            closed_after = Some(started.elapsed());
            break;
        }
    }
    let closed_after = closed_after.expect("the trickling connection was never closed");
    assert!(
        closed_after < Duration::from_secs(3),
        "closed after {closed_after:?}"
    );

    // A wrong key and a body announced but never sent: the 401 comes at once.
    let mut unauthenticated = tokio::net::TcpStream::connect(address).await.unwrap();
    unauthenticated
        .write_all(
            b"POST /api/v1/server-side-api/profiles/ HTTP/1.1\r\nhost: x\r\n\
              authorization: Api-Key wrong\r\nadapty-customer-user-id: u\r\n\
              content-type: application/json\r\ncontent-length: 2000000\r\n\r\n",
        )
        .await
        .unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(
        Duration::from_millis(400),
        unauthenticated.read(&mut answer),
    )
    .await
    .expect("answered before the request timeout")
    .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
}
