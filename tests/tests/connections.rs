//! The built-in HTTP client's connections, against a bare HTTP/1.1 server on loopback that counts
//! what it sees: connections are kept and reused, as many as the calls in flight need; one the
//! server closed while idle is replaced without costing an attempt; one the server answered
//! `connection: close` on is not reused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use adapty_api::v1::Client;
use adapty_api::{ApiKey, ProfileSelector, RetryPolicy};
use common::{doc_fixture, read_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const KEY: &str = "secret_live_connections.Hb3Kq9Vw";

/// What the server does after answering a request on a connection.
#[derive(Clone, Copy)]
enum After {
    /// Waits for the next request on the same connection.
    KeepAlive,
    /// Closes the connection after `delay`, without saying so in the answer (an idle timeout).
    CloseWhenIdleFor(Duration),
    /// Says `connection: close` in the answer and closes.
    CloseAnnounced,
}

/// What the server counted.
#[derive(Default)]
struct Seen {
    connections: AtomicUsize,
    requests: AtomicUsize,
    /// The most connections open at once.
    most_open: AtomicUsize,
    open: AtomicUsize,
}

/// A bare HTTP/1.1 server answering every request with the documented profile after `delay`.
async fn server(after: After, delay: Duration) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Seen::default());
    let counts = seen.clone();
    tokio::spawn(async move {
        let body = serde_json::to_vec(&doc_fixture("profile-response.json")).unwrap();
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            counts.connections.fetch_add(1, Ordering::SeqCst);
            let open = counts.open.fetch_add(1, Ordering::SeqCst) + 1;
            counts.most_open.fetch_max(open, Ordering::SeqCst);
            let counts = counts.clone();
            let body = body.clone();
            tokio::spawn(async move {
                serve(socket, &body, after, delay, &counts).await;
                counts.open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (url, seen)
}

async fn serve(mut socket: TcpStream, body: &[u8], after: After, delay: Duration, seen: &Seen) {
    while read_request(&mut socket).await {
        seen.requests.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(delay).await;
        let close = if matches!(after, After::CloseAnnounced) {
            "connection: close\r\n"
        } else {
            ""
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{close}\r\n",
            body.len()
        );
        if socket.write_all(head.as_bytes()).await.is_err() || socket.write_all(body).await.is_err()
        {
            return;
        }
        match after {
            After::KeepAlive => {}
            After::CloseWhenIdleFor(idle) => {
                tokio::time::sleep(idle).await;
                let _ = socket.shutdown().await;
                return;
            }
            After::CloseAnnounced => {
                let _ = socket.shutdown().await;
                return;
            }
        }
    }
}

fn client(url: &str) -> Client {
    Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(url)
        // One attempt: a call that needed a second one fails the test.
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap()
}

fn who(n: usize) -> ProfileSelector {
    ProfileSelector::customer_user_id(format!("user-{n}")).unwrap()
}

#[tokio::test]
async fn one_connection_carries_calls_one_after_another() {
    let (url, seen) = server(After::KeepAlive, Duration::ZERO).await;
    let client = client(&url);
    for n in 0..20 {
        client.get_profile(&who(n)).await.unwrap();
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 20);
    assert_eq!(seen.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_flight_get_a_connection_each_and_keep_them() {
    let (url, seen) = server(After::KeepAlive, Duration::from_millis(50)).await;
    let client = client(&url);
    let calls = |range: std::ops::Range<usize>| {
        let client = &client;
        futures_util::future::join_all(range.map(move |n| async move {
            client.get_profile(&who(n)).await.unwrap();
        }))
    };
    calls(0..8).await;
    assert_eq!(seen.connections.load(Ordering::SeqCst), 8);
    assert_eq!(seen.most_open.load(Ordering::SeqCst), 8);
    // Eight more at once, and then one at a time: the eight connections carry them all.
    calls(8..16).await;
    for n in 16..24 {
        client.get_profile(&who(n)).await.unwrap();
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 24);
    assert_eq!(seen.connections.load(Ordering::SeqCst), 8);
}

#[tokio::test]
async fn a_connection_closed_while_idle_is_replaced_without_a_retry() {
    let (url, seen) = server(
        After::CloseWhenIdleFor(Duration::from_millis(20)),
        Duration::ZERO,
    )
    .await;
    let client = client(&url);
    for n in 0..3 {
        client.get_profile(&who(n)).await.unwrap();
        // The server closes the connection meanwhile.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 3);
    assert_eq!(seen.connections.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_connection_answered_with_connection_close_is_not_reused() {
    let (url, seen) = server(After::CloseAnnounced, Duration::ZERO).await;
    let client = client(&url);
    for n in 0..5 {
        client.get_profile(&who(n)).await.unwrap();
    }
    assert_eq!(seen.requests.load(Ordering::SeqCst), 5);
    assert_eq!(seen.connections.load(Ordering::SeqCst), 5);
}

/// An `https` base URL is spoken to in TLS (the built-in client's rustls): the server sees a TLS
/// handshake record first, and a server that answers in plain HTTP fails the handshake, which is
/// a connect failure (nothing was sent).
#[tokio::test]
async fn an_https_base_url_is_spoken_to_in_tls() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let first_bytes = tokio::spawn(async move {
        let mut firsts = Vec::new();
        // The first attempt and the retry of the connect failure, each on a new connection.
        for _ in 0..2 {
            let Ok(Ok((mut socket, _))) =
                tokio::time::timeout(Duration::from_secs(5), listener.accept()).await
            else {
                break;
            };
            let mut first = [0u8; 1];
            let _ = socket.read_exact(&mut first).await;
            firsts.push(first[0]);
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await;
        }
        firsts
    });
    let client = Client::builder(ApiKey::new(KEY).unwrap())
        .base_url(format!("https://127.0.0.1:{port}"))
        .retry_policy(
            RetryPolicy::default()
                .with_max_attempts(2)
                .with_base_delay(Duration::from_millis(10)),
        )
        .build()
        .unwrap();
    let error = client.get_profile(&who(0)).await.unwrap_err();
    match &error {
        adapty_api::Error::Transport(e) => {
            assert_eq!(e.kind(), adapty_api::TransportKind::Connect, "{error:?}");
        }
        other => panic!("expected a connect failure, got {other:?}"),
    }
    let firsts = first_bytes.await.unwrap();
    // 0x16: a TLS handshake record (the ClientHello); one per attempt.
    assert_eq!(firsts, vec![0x16, 0x16], "{error:?}");
}
