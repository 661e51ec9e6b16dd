//! The v1 client against a real HTTP server on loopback (wiremock): what goes on the wire, and how
//! every kind of answer comes back.

mod common;

use adapty_api::reqwest::Method;
use adapty_api::v1::Gender;
use adapty_api::v1::types::ProfileRequest;
use adapty_api::v1::{AttributeValue, Client, custom_attribute};
use adapty_api::{ApiKey, Error, ProfileSelector, RetryPolicy};
use common::{doc_fixture, header, serve, the_request};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "secret_live_BEHrYLTr.ce5zuDEWz06lFRNiaJC8mrLtL8fUwswD";
const PROFILES: &str = "/api/v1/server-side-api/profiles/";
const PROFILE_ID: &str = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

/// A client of `server` that makes one attempt per call: these tests look at single exchanges
/// (retries are tested in `resilience.rs`).
fn client(server: &MockServer) -> Client {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn selectors() -> [ProfileSelector; 2] {
    [
        ProfileSelector::profile_id(PROFILE_ID.parse().unwrap()),
        ProfileSelector::customer_user_id("jane.doe@example.com").unwrap(),
    ]
}

fn ok_profile() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(doc_fixture("profile-response.json"))
        .insert_header("request-id", "758f01dfd9e74ccfbabb4934241c4966")
}

/// Asserts method, exact path, authentication, content type (on requests with a body, and only
/// those) and that exactly the selector's identity header was sent, with its value.
fn assert_envelope(request: &Request, verb: &str, who: &ProfileSelector) {
    assert_eq!(request.method.as_str(), verb);
    assert_eq!(
        request.url.path(),
        PROFILES,
        "exact path, trailing slash included"
    );
    assert_eq!(request.url.query(), None);
    assert_eq!(
        header(request, "authorization"),
        Some(&*format!("Api-Key {KEY}"))
    );
    let content_type = matches!(verb, "POST" | "PATCH").then_some("application/json");
    assert_eq!(header(request, "content-type"), content_type, "{verb}");
    let (sent, absent, value) = match who {
        ProfileSelector::ProfileId(id) => (
            "adapty-profile-id",
            "adapty-customer-user-id",
            id.to_string(),
        ),
        ProfileSelector::CustomerUserId(id) => (
            "adapty-customer-user-id",
            "adapty-profile-id",
            id.as_str().to_owned(),
        ),
        other => panic!("a selector these tests do not know: {other:?}"),
    };
    assert_eq!(header(request, sent), Some(value.as_str()), "{sent}");
    assert_eq!(header(request, absent), None, "{absent} must not be sent");
    assert_eq!(
        header(request, "api-version"),
        None,
        "progenitor's api-version is not Adapty's"
    );
    let agent = header(request, "user-agent").expect("a user agent");
    assert!(agent.starts_with("adapty-rs/"), "{agent}");
}

/// The API error inside `error`, failing the test for any other kind.
fn api_error(error: &Error) -> &adapty_api::ApiError {
    match error {
        Error::Api(api) => api,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).expect("a JSON body")
}

fn sample_request() -> ProfileRequest {
    let mut request = ProfileRequest::default();
    request.email = Some("jane.doe@example.com".into());
    request.gender = Some(Gender::Female.into());
    request.birthday = Some("2000-12-31".parse().unwrap());
    request.custom_attributes = vec![
        custom_attribute("favourite_sport", "yoga").unwrap(),
        custom_attribute("old", AttributeValue::delete()).unwrap(),
    ];
    request
}

fn sample_request_json() -> Value {
    json!({
        "email": "jane.doe@example.com",
        "gender": "f",
        "birthday": "2000-12-31",
        "custom_attributes": [
            {"key": "favourite_sport", "value": "yoga"},
            {"key": "old", "value": null}
        ]
    })
}

#[tokio::test]
async fn get_sends_one_identity_header_and_no_body() {
    for who in selectors() {
        let server = serve(ok_profile()).await;
        let profile = client(&server).get_profile(&who).await.unwrap();
        let request = the_request(&server).await;
        assert_envelope(&request, "GET", &who);
        assert!(request.body.is_empty());
        assert_eq!(profile.profile_id.to_string(), PROFILE_ID);
        assert_eq!(
            profile.request_id(),
            Some("758f01dfd9e74ccfbabb4934241c4966")
        );
        assert_eq!(profile.status(), 200);
    }
}

#[tokio::test]
async fn create_posts_the_attributes() {
    for who in selectors() {
        let server = serve(ok_profile()).await;
        let created = client(&server)
            .create_profile(&who, &sample_request())
            .await
            .unwrap();
        let request = the_request(&server).await;
        assert_envelope(&request, "POST", &who);
        assert_eq!(body(&request), sample_request_json());
        assert_eq!(created.customer_user_id.as_deref(), Some("string"));
    }
}

#[tokio::test]
async fn create_with_no_attributes_sends_an_empty_object() {
    let server = serve(ok_profile()).await;
    let who = ProfileSelector::customer_user_id("user-42").unwrap();
    client(&server)
        .create_profile(&who, &ProfileRequest::default())
        .await
        .unwrap();
    assert_eq!(body(&the_request(&server).await), json!({}));
}

#[tokio::test]
async fn update_patches_the_attributes() {
    for who in selectors() {
        let server = serve(ok_profile()).await;
        client(&server)
            .update_profile(&who, &sample_request())
            .await
            .unwrap();
        let request = the_request(&server).await;
        assert_envelope(&request, "PATCH", &who);
        assert_eq!(body(&request), sample_request_json());
    }
}

#[tokio::test]
async fn delete_answers_204_with_no_body() {
    for who in selectors() {
        let server = serve(
            ResponseTemplate::new(204)
                .insert_header("Request-Id", "758f01dfd9e74ccfbabb4934241c4966"),
        )
        .await;
        let deleted = client(&server).delete_profile(&who).await.unwrap();
        let request = the_request(&server).await;
        assert_envelope(&request, "DELETE", &who);
        assert!(request.body.is_empty());
        assert_eq!(deleted.status(), 204);
        assert_eq!(
            deleted.request_id(),
            Some("758f01dfd9e74ccfbabb4934241c4966")
        );
    }
}

#[tokio::test]
async fn only_the_spec_path_and_method_are_served() {
    // A server that answers only the exact method and path: any drift fails the calls.
    let server = MockServer::start().await;
    for verb in ["GET", "POST", "PATCH"] {
        Mock::given(method(verb))
            .and(path(PROFILES))
            .respond_with(ok_profile())
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path(PROFILES))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let who = ProfileSelector::customer_user_id("user-42").unwrap();
    client.get_profile(&who).await.unwrap();
    client
        .create_profile(&who, &ProfileRequest::default())
        .await
        .unwrap();
    client
        .update_profile(&who, &ProfileRequest::default())
        .await
        .unwrap();
    client.delete_profile(&who).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn documented_errors_become_api_errors_with_code_and_messages() {
    let validation = json!({
        "errors": [
            {"source": "birthday", "errors": ["Date has wrong format. Use YYYY-MM-DD."]},
            {"source": "gender", "errors": ["\"x\" is not a valid choice."]}
        ],
        "error_code": "validation_error",
        "status_code": 400
    });
    let cases = [
        (
            400,
            validation,
            "validation_error",
            "birthday",
            "Date has wrong format. Use YYYY-MM-DD.",
        ),
        (
            401,
            doc_fixture("error-401.json"),
            "not_authenticated",
            "non_field_errors",
            "Authentication credentials were not provided.",
        ),
        (
            404,
            doc_fixture("error-404.json"),
            "not_found",
            "non_field_errors",
            "Not found.",
        ),
    ];
    for (status, body, code, source, message) in cases {
        let server = serve(
            ResponseTemplate::new(status)
                .set_body_json(body)
                .insert_header("request-id", "req-1"),
        )
        .await;
        let who = ProfileSelector::customer_user_id("user-42").unwrap();
        let error = client(&server)
            .update_profile(&who, &ProfileRequest::default())
            .await
            .expect_err("an error status");
        let api = api_error(&error);
        assert_eq!(api.status(), status);
        assert_eq!(api.error_code(), Some(code));
        assert_eq!(api.messages_for(source).next(), Some(message), "{status}");
        assert_eq!(api.request_id(), Some("req-1"));
        assert_eq!(
            api.raw_body(),
            None,
            "documented bodies are decoded, not kept raw"
        );
        assert_eq!(api.is_not_found(), status == 404);
        assert_eq!(api.is_unauthorized(), status == 401);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
        assert!(error.to_string().contains(message), "{error}");
    }
}

#[tokio::test]
async fn non_json_502_is_an_api_error_keeping_the_body() {
    let html = "<html><body>502 Bad Gateway</body></html>";
    let server = serve(
        ResponseTemplate::new(502)
            .set_body_raw(html, "text/html")
            .insert_header("x-request-id", "edge-7"),
    )
    .await;
    let error = client(&server)
        .get_profile(&selectors()[0])
        .await
        .expect_err("502");
    let api = api_error(&error);
    assert_eq!(api.status(), 502);
    assert_eq!(api.raw_body(), Some(html.as_bytes()));
    assert_eq!(api.error_code(), None);
    assert_eq!(api.request_id(), Some("edge-7"));
}

#[tokio::test]
async fn non_json_body_on_a_documented_error_status_keeps_status_and_body() {
    // progenitor decodes 401/404 bodies itself and drops the status when that fails; the client
    // must still report the status, the request id and the body.
    let server = serve(
        ResponseTemplate::new(404)
            .set_body_raw("Not Found", "text/plain")
            .insert_header("request-id", "req-404"),
    )
    .await;
    let error = client(&server)
        .get_profile(&selectors()[1])
        .await
        .expect_err("404");
    let api = api_error(&error);
    assert!(api.is_not_found());
    assert_eq!(api.raw_body(), Some(&b"Not Found"[..]));
    assert_eq!(api.request_id(), Some("req-404"));
}

#[tokio::test]
async fn undecodable_success_body_is_a_decode_error_naming_the_field() {
    let mut wrong = doc_fixture("profile-response.json");
    wrong["data"]["access_levels"][0]["expires_at"] = json!("next tuesday");
    // (A body cut off mid-way: resilience.rs, `truncated_json_is_a_decode_error_naming_the_path`.)
    let cases = [(
        serde_json::to_string(&wrong).unwrap(),
        "data.access_levels[0].expires_at",
    )];
    for (body, expected_path) in cases {
        let server = serve(
            ResponseTemplate::new(200)
                .set_body_raw(body.clone(), "application/json")
                .insert_header("request-id", "req-bad"),
        )
        .await;
        let error = client(&server)
            .get_profile(&selectors()[0])
            .await
            .expect_err("undecodable");
        let Error::Decode(decode) = &error else {
            panic!("expected a decode error, got {error:?}");
        };
        assert!(
            decode.path().starts_with(expected_path),
            "path {} should start with {expected_path}",
            decode.path()
        );
        assert_eq!(decode.status(), 200);
        assert_eq!(decode.request_id(), Some("req-bad"));
        assert_eq!(decode.body(), body.as_bytes(), "the body is kept");
        assert!(
            !format!("{error:?}").contains("3fa85f64"),
            "Debug does not dump the body"
        );
    }
}

#[tokio::test]
async fn refused_connection_is_a_connect_transport_error() {
    // Bound, so the port stays ours for the whole test, but not listening: connecting is refused.
    let closed = tokio::net::TcpSocket::new_v4().unwrap();
    closed.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(format!("http://{}", closed.local_addr().unwrap()))
        .retry_policy(adapty_api::RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client
        .get_profile(&selectors()[0])
        .await
        .expect_err("nothing listens");
    match &error {
        Error::Transport(e) => assert_eq!(e.kind(), adapty_api::TransportKind::Connect),
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(error.to_string(), "could not connect to Adapty");
    assert!(
        std::error::Error::source(&error).is_some(),
        "the HTTP stack's error is chained"
    );
}

#[tokio::test]
async fn a_raw_request_gets_the_same_envelope_and_error_mapping() {
    let server = serve(ok_profile()).await;
    let who = selectors()[1].clone();
    let extra = json!({"first_name": "Jane", "not_in_the_spec_yet": {"x": 1}});
    let profile = client(&server)
        .request(Method::PATCH, PROFILES)
        .profile(&who)
        .json(&extra)
        .send::<Value>()
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile["data"]["profile_id"], PROFILE_ID);
    let request = the_request(&server).await;
    assert_envelope(&request, "PATCH", &who);
    assert_eq!(body(&request), extra);

    // Without a body: no content type; `()` reads an empty body.
    let server = serve(ResponseTemplate::new(204)).await;
    let by_id = ProfileSelector::profile_id(PROFILE_ID.parse().unwrap());
    let deleted = client(&server)
        .request(Method::DELETE, PROFILES)
        .profile(&by_id)
        .send::<()>()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    assert_envelope(&the_request(&server).await, "DELETE", &by_id);

    // Errors map as for typed calls; a path is a path on the base URL (never a URL of its own).
    let server =
        serve(ResponseTemplate::new(404).set_body_json(doc_fixture("error-404.json"))).await;
    let error = client(&server)
        .request(Method::GET, PROFILES)
        .profile(&by_id)
        .send::<Value>()
        .await
        .unwrap_err();
    assert!(api_error(&error).is_not_found(), "{error:?}");
    for path in ["api/v1/", "https://evil.example/x", "/x#fragment"] {
        let error = client(&server)
            .request(Method::GET, path)
            .send::<Value>()
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::InvalidInput(e) if e.field() == "path"),
            "{path}: {error:?}"
        );
    }
}

#[tokio::test]
async fn an_own_http_client_is_used_and_still_authenticates() {
    let server = serve(ok_profile()).await;
    // A default header marks the caller's client: it reaches the server only through it.
    let mut marker = adapty_api::reqwest::header::HeaderMap::new();
    marker.insert("x-own-client", "yes".parse().unwrap());
    let http = adapty_api::reqwest::Client::builder()
        .default_headers(marker)
        .build()
        .unwrap();
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .http_client(http)
        .build()
        .unwrap();
    client.get_profile(&selectors()[0]).await.unwrap();
    let request = the_request(&server).await;
    assert_eq!(header(&request, "x-own-client"), Some("yes"));
    assert_envelope(&request, "GET", &selectors()[0]);
}
