//! A hostile or broken server, and settings at their extremes, against real loopback servers:
//! the body is capped, redirects are not followed, and no setting or answer panics the caller.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use adapty_api::v1::Client;
use adapty_api::v1::types::ProfileRequest;
use adapty_api::{ApiKey, Error, ProfileSelector, RetryPolicy, TransportKind};
use common::doc_fixture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "secret_live_hardening";

fn who() -> ProfileSelector {
    ProfileSelector::customer_user_id("jane.private@example.com").unwrap()
}

fn transport_kind(error: &Error) -> TransportKind {
    match error {
        Error::Transport(e) => e.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

/// What a raw server sends after reading a request.
#[derive(Clone, Copy)]
enum Body {
    /// `content-length` announced and sent in full: `n` bytes.
    Sized(usize),
    /// Chunked, 64 KiB chunks, never ending.
    Endless,
}

/// A raw HTTP/1.1 server answering 200 with `body`; counts requests and the bytes it managed to
/// write.
async fn raw_server(body: Body) -> (String, Arc<AtomicUsize>, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let written = Arc::new(AtomicUsize::new(0));
    let (seen, sent) = (requests.clone(), written.clone());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            let sent = sent.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let _ = socket.read(&mut buf).await;
                match body {
                    Body::Sized(n) => {
                        let head = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {n}\r\n\r\n"
                        );
                        let _ = socket.write_all(head.as_bytes()).await;
                        let chunk = vec![b' '; 64 * 1024];
                        let mut left = n;
                        while left > 0 {
                            let take = left.min(chunk.len());
                            if socket.write_all(&chunk[..take]).await.is_err() {
                                return;
                            }
                            sent.fetch_add(take, Ordering::SeqCst);
                            left -= take;
                        }
                    }
                    Body::Endless => {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                        let _ = socket.write_all(head.as_bytes()).await;
                        let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
                        chunk.extend(std::iter::repeat_n(b' ', 64 * 1024));
                        chunk.extend_from_slice(b"\r\n");
                        while socket.write_all(&chunk).await.is_ok() {
                            sent.fetch_add(64 * 1024, Ordering::SeqCst);
                        }
                    }
                }
            });
        }
    });
    (url, requests, written)
}

fn client(url: &str, limit: usize) -> Client {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(url)
        .max_response_bytes(limit)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_without_reading_it() {
    const MIB: usize = 1024 * 1024;
    // Announced: refused from the header, before the body.
    let (url, requests, _) = raw_server(Body::Sized(3 * MIB)).await;
    let error = client(&url, MIB).get_profile(&who()).await.unwrap_err();
    assert_eq!(transport_kind(&error), TransportKind::ResponseTooLarge);
    assert_eq!(
        error.to_string(),
        "Adapty's response is larger than the limit of 1048576 bytes; reading stopped there"
    );
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "a body over the limit is final"
    );

    // Endless and chunked: reading stops at the limit, long before the attempt timeout.
    let (url, _, written) = raw_server(Body::Endless).await;
    let started = Instant::now();
    let error = client(&url, MIB).get_profile(&who()).await.unwrap_err();
    assert_eq!(transport_kind(&error), TransportKind::ResponseTooLarge);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The server could write more than the client read (socket buffers), but not without bound.
    let sent = written.load(Ordering::SeqCst);
    assert!(sent < 64 * MIB, "the server wrote {sent} bytes");
}

#[tokio::test]
async fn a_body_at_the_limit_is_read() {
    let body = serde_json::to_vec(&doc_fixture("profile-response.json")).unwrap();
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.clone(), "application/json"))
        .mount(&server)
        .await;
    let ok = client(&server.uri(), body.len()).get_profile(&who()).await;
    assert!(ok.is_ok(), "{ok:?}");
    let error = client(&server.uri(), body.len() - 1)
        .get_profile(&who())
        .await
        .unwrap_err();
    assert_eq!(transport_kind(&error), TransportKind::ResponseTooLarge);
}

/// Server A redirects everything to server B, which records what reaches it.
async fn redirecting_pair(status: u16) -> (MockServer, MockServer) {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200).set_body_json(doc_fixture("profile-response.json")),
        )
        .mount(&elsewhere)
        .await;
    let adapty = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(status)
                .insert_header("location", format!("{}/collect", elsewhere.uri()).as_str()),
        )
        .mount(&adapty)
        .await;
    (adapty, elsewhere)
}

fn personal_update() -> ProfileRequest {
    let mut request = ProfileRequest::default();
    request.email = Some("jane.private@example.com".into());
    request.phone_number = Some("+33612345678".into());
    request
}

#[tokio::test]
async fn redirects_are_not_followed_and_nothing_reaches_the_other_host() {
    for status in [301, 302, 303, 307, 308] {
        let (adapty, elsewhere) = redirecting_pair(status).await;
        let client = Client::builder(ApiKey::new(KEY).unwrap())
            .base_url(adapty.uri())
            .retry_policy(RetryPolicy::disabled())
            .build()
            .unwrap();
        let error = client
            .update_profile(&who(), &personal_update())
            .await
            .unwrap_err();
        match &error {
            Error::Api(e) => assert_eq!(e.status().as_u16(), status),
            other => panic!("{status}: expected the redirect as an answer, got {other:?}"),
        }
        let reached = elsewhere.received_requests().await.unwrap_or_default();
        assert!(
            reached.is_empty(),
            "{status}: {} requests reached the other host",
            reached.len()
        );
    }
}

#[tokio::test]
async fn a_supplied_client_that_follows_redirects_is_caught() {
    let (adapty, _elsewhere) = redirecting_pair(307).await;
    // reqwest's default policy follows redirects; the documented advice is to turn it off.
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(adapty.uri())
        .http_client(adapty_api::reqwest::Client::new())
        .build()
        .unwrap();
    let error = client.get_profile(&who()).await.unwrap_err();
    assert_eq!(transport_kind(&error), TransportKind::Redirected);
}

/// The call ends within 5 s with the server's 503: no panic, no endless wait.
async fn answers_503_at_once(client: &Client) {
    let started = Instant::now();
    let error = client.get_profile(&who()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Api(e) if e.status() == 503),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn extreme_settings_and_answers_do_not_panic() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(503).insert_header("retry-after", "18446744073709551615"),
        )
        .mount(&server)
        .await;
    let extreme = RetryPolicy::default()
        .with_base_delay(Duration::MAX)
        .with_max_delay(Duration::MAX)
        .with_max_retry_after(Duration::MAX);
    assert_eq!(extreme.base_delay(), adapty_api::MAX_RETRY_DELAY);
    // Every timeout at its maximum, and a Retry-After of u64::MAX seconds that the policy
    // accepts: the wait cannot be a point in time, so the client stops and returns the answer.
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(server.uri())
        .retry_policy(extreme)
        .connect_timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .operation_timeout(Duration::MAX)
        .build()
        .unwrap();
    answers_503_at_once(&client).await;

    // Backoff delays at the clamp with a normal operation timeout: the wait would pass the
    // deadline, so the first answer comes back at once.
    let no_retry_after = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(503))
        .mount(&no_retry_after)
        .await;
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(no_retry_after.uri())
        .retry_policy(RetryPolicy::default().with_base_delay(Duration::MAX))
        .build()
        .unwrap();
    answers_503_at_once(&client).await;

    // A limit of zero bytes is refused when the client is built.
    assert!(
        Client::builder(ApiKey::new(KEY).unwrap())
            .max_response_bytes(0)
            .build()
            .is_err()
    );
}
