//! Safe by default: what the client logs (tracing, at every level) and how it prints never holds
//! the API key or a profile's personal data, while the logs still tell what happened (operation,
//! attempts, status, request ID, retries).
//!
//! Printed here, `Debug` and (where it exists) `Display` of every public type that is not a data
//! type: the key, the selectors and the customer user ID, the client, its builder and
//! configuration, the retry policy, a raw request with a personal body, every kind of error
//! (each source chained under it too). The data types
//! (`v1::types::*`, `Nullable`, `AttributeValue`, `Timestamp`, a `Response<T>`'s value) hold the
//! caller's data and print it, as any data type does.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use adapty_api::v1::types::{InstallationMeta, ProfileRequest};
use adapty_api::v1::{Client, Gender, custom_attribute};
use adapty_api::{ApiKey, Error, ProfileSelector, RetryPolicy};
use common::{Captured, doc_fixture};
use tracing_subscriber::fmt::format::FmtSpan;
use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "secret_live_Sup3rS3cretT0ken.QWERTYzxcv";
const EMAIL: &str = "jane.private@example.com";
const PHONE: &str = "+33612345678";
const FIRST: &str = "Janelle";
const LAST: &str = "Privatova";
const BIRTHDAY: &str = "1990-04-01";
const USER: &str = "customer-8d1f3";
const DEVICE: &str = "device-77aa-private";

fn personal_request() -> ProfileRequest {
    let mut device = InstallationMeta::new(DEVICE);
    device.idfv = Some(DEVICE.into());
    let mut request = ProfileRequest::default();
    request.email = Some(EMAIL.into());
    request.phone_number = Some(PHONE.into());
    request.first_name = Some(FIRST.into());
    request.last_name = Some(LAST.into());
    request.birthday = Some(BIRTHDAY.parse().unwrap());
    request.gender = Some(Gender::Female.into());
    request.custom_attributes = vec![custom_attribute("nickname", "jj").unwrap()];
    request.installation_meta = Some(device);
    request
}

#[tokio::test]
async fn logs_and_printed_values_hold_no_key_and_no_personal_data() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    // The first attempt is throttled, so the create logs a retry.
    Mock::given(any())
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let mut profile_with_data = doc_fixture("profile-response.json");
    profile_with_data["data"]["email"] = EMAIL.into();
    profile_with_data["data"]["phone_number"] = PHONE.into();
    profile_with_data["data"]["first_name"] = FIRST.into();
    profile_with_data["data"]["customer_user_id"] = USER.into();
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(&profile_with_data)
                .insert_header("request-id", "req-create-1"),
        )
        .with_priority(2)
        .mount(&server)
        .await;
    // An update whose answer does not decode: the bad value is personal data.
    let mut bad = profile_with_data.clone();
    bad["data"]["total_revenue_usd"] = EMAIL.into();
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&bad))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(400).set_body_json(doc_fixture("error-400.json")))
        .with_priority(2)
        .mount(&server)
        .await;
    // A proxy's error page that echoes the request, personal data included.
    let echo = format!("<html><body>Bad gateway for {EMAIL} ({PHONE})</body></html>");
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(502).set_body_string(echo.clone()))
        .with_priority(2)
        .mount(&server)
        .await;

    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::from_millis(5)))
        .build()
        .unwrap();
    let who = ProfileSelector::customer_user_id(USER).unwrap();
    let request = personal_request();

    let created = client.create_profile(&who, &request).await.unwrap();
    assert_eq!(created.email.as_deref(), Some(EMAIL));
    let decode = client.update_profile(&who, &request).await.unwrap_err();
    assert!(matches!(decode, Error::Decode(_)), "{decode:?}");
    let api = client.get_profile(&who).await.unwrap_err();
    assert!(matches!(api, Error::Api(_)), "{api:?}");
    let echoed = client
        .delete_profile(&ProfileSelector::profile_id(created.profile_id))
        .await
        .unwrap_err();
    let Error::Api(echoed_api) = &echoed else {
        panic!("{echoed:?}")
    };
    // The page is kept, behind its explicit accessor only.
    assert_eq!(echoed_api.raw_body(), Some(echo.as_bytes()));
    let mut robot = request.clone();
    robot.gender = Some(Gender::from("robot").into());
    let invalid = client.update_profile(&who, &robot).await.unwrap_err();
    // A refused connection: a socket bound (so the port stays ours) but not listening.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let refused = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(format!("http://{}", closed.local_addr().unwrap()))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
        .get_profile(&who)
        .await
        .unwrap_err();
    assert!(matches!(refused, Error::Transport(_)), "{refused:?}");
    let raw = client
        .request(
            adapty_api::reqwest::Method::PATCH,
            "/api/v1/server-side-api/profiles/",
        )
        .profile(&who)
        .json(&request);
    let builder = Client::builder(ApiKey::new(KEY).unwrap()).base_url(server.uri());
    let slow = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&slow)
        .await;
    let timeout = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(slow.uri())
        .operation_timeout(Duration::from_millis(100))
        .build()
        .unwrap()
        .get_profile(&who)
        .await
        .unwrap_err();
    assert!(timeout.is_timeout(), "{timeout:?}");

    let logged = logs.text();
    // The logs say what happened...
    for expected in [
        "adapty.request",
        "operation=\"create_profile\"",
        "operation=\"update_profile\"",
        "method=POST",
        "attempt=2",
        "status=200",
        "request_id=\"req-create-1\"",
        "retrying Adapty request",
        "reason=status 429",
        "wait_ms=0",
        "duration_ms=",
    ] {
        assert!(
            logged.contains(expected),
            "{expected:?} missing from the logs:\n{logged}"
        );
    }

    // ...and nothing they must not.
    let printed = [
        logged,
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{raw:?}"),
        format!("{:?}", RetryPolicy::default()),
        format!("{:?}", client.config().retry_policy()),
        format!("{builder:?}"),
        format!("{who:?}"),
        format!("{:?}", adapty_api::CustomerUserId::new(USER).unwrap()),
        format!("{:?}", ProfileSelector::customer_user_id(EMAIL).unwrap()),
        format!("{decode:?} {decode}"),
        format!("{api:?} {api}"),
        format!("{echoed:?} {echoed}"),
        format!("{invalid:?} {invalid}"),
        format!("{timeout:?} {timeout}"),
        format!("{refused:?} {refused}"),
        format!("{:?}", ApiKey::new(KEY).unwrap()),
        format!(
            "{:?}",
            ProfileSelector::customer_user_id(format!("{EMAIL}\u{e9}")).unwrap_err()
        ),
        format!("{:?}", ApiKey::new(format!("{KEY} {EMAIL}")).unwrap_err()),
    ];
    let forbidden = [
        KEY,
        "Sup3rS3cret",
        EMAIL,
        "jane.private",
        PHONE,
        FIRST,
        LAST,
        BIRTHDAY,
        USER,
        DEVICE,
    ];
    for text in &printed {
        for secret in forbidden {
            assert!(!text.contains(secret), "{secret:?} appears in:\n{text}");
        }
    }
    // The invalid gender is named (it is what was wrong), nothing else of the request.
    assert!(matches!(&invalid, Error::InvalidInput(e) if e.field() == "gender"));
    // Every error chained under these prints nothing forbidden either.
    for error in [&decode, &api, &echoed, &invalid, &timeout, &refused] {
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            let text = format!("{inner:?} {inner}");
            for secret in forbidden {
                assert!(
                    !text.contains(secret),
                    "{secret:?} appears in a source:\n{text}"
                );
            }
            source = inner.source();
        }
    }
}

/// The same for v2: its new parts (a second identity header, query cursors, a JSON:API body with
/// a payment token, idempotency keys, pages) reach neither the logs nor what prints.
#[tokio::test]
async fn v2_logs_and_printed_values_hold_no_key_and_no_personal_data() {
    use adapty_api::v2;
    use wiremock::matchers::path;

    const TOKEN: &str = "sub_Pr1vateStr1peT0ken";
    const CURSOR: &str = "Y3Vyc29yLXByaXZhdGU";
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let mut profile = doc_fixture("profile-response.json");
    profile["data"]["customer_user_id"] = USER.into();
    Mock::given(path("/api/v2/server-side-api/profile/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&profile))
        .mount(&server)
        .await;
    let page =
        |next: Option<&str>| serde_json::json!({"data": [], "pagination": {"next_cursor": next}});
    Mock::given(path("/api/v2/server-side-api/vc/transactions/"))
        .and(wiremock::matchers::query_param_is_missing("cursor"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(Some(CURSOR))))
        .mount(&server)
        .await;
    Mock::given(path("/api/v2/server-side-api/vc/transactions/"))
        .and(wiremock::matchers::query_param("cursor", CURSOR))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(None)))
        .mount(&server)
        .await;
    Mock::given(path("/api/v1/sdk/purchase/stripe/token/validate/"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "errors": [{"detail": "invalid token", "source": {"pointer": "/data/attributes/stripe_token"}, "status": "400"}]
        })))
        .mount(&server)
        .await;

    let client = v2::Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .build()
        .unwrap();
    let user = adapty_api::CustomerUserId::new(USER).unwrap();
    let mut request = v2::types::ProfileRequest::default();
    request.email = Some(EMAIL.into());
    request.phone_number = Some(PHONE.into());
    request.installation_meta = Some(v2::types::InstallationMeta::new(DEVICE));
    let linked = client
        .link_customer_user_id(uuid::Uuid::nil(), &user, &request)
        .await
        .unwrap();
    assert_eq!(linked.customer_user_id.as_deref(), Some(USER));
    let who = ProfileSelector::CustomerUserId(user.clone());
    let mut pages = client.virtual_currency_transactions(&who, v2::TransactionsQuery::new());
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        page.unwrap();
        count += 1;
    }
    assert_eq!(count, 2);
    let stripe = client
        .validate_stripe_purchase(&user, TOKEN)
        .await
        .unwrap_err();
    assert!(
        matches!(&stripe, Error::Api(e) if e.status() == 400),
        "{stripe:?}"
    );

    let logged = logs.text();
    for expected in [
        "operation=\"create_profile\"",
        "operation=\"list_virtual_currency_transactions\"",
        "operation=\"validate_stripe_purchase\"",
        "status=400",
    ] {
        assert!(logged.contains(expected), "{expected:?} missing:\n{logged}");
    }
    let printed = [
        logged,
        format!("{client:?}"),
        format!("{pages:?}"),
        format!("{who:?}"),
        format!("{stripe:?} {stripe}"),
    ];
    for text in &printed {
        for secret in [
            KEY,
            "Sup3rS3cret",
            EMAIL,
            PHONE,
            USER,
            DEVICE,
            TOKEN,
            CURSOR,
        ] {
            assert!(!text.contains(secret), "{secret:?} appears in:\n{text}");
        }
    }
}
