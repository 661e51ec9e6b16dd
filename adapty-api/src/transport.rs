//! The HTTP stack under the attempt loop ([`crate::send`]): one attempt in, one whole answer (or
//! why there is none) out.
//!
//! The built-in transport ([`Direct`]) sends over hyper's HTTP/1.1 connections, kept in a small
//! pool of its own, with TLS set up as reqwest sets it up (rustls with the platform's verifier,
//! or the platform's native TLS). Nothing about the address is parsed or formatted per request:
//! each endpoint's path and `Host` header are made once, when the client is built. Under
//! callgrind a deletion costs about a third of the client instructions it costs through reqwest,
//! whose redirect and URL layers parse and print the URL twice per request even with redirects
//! off, and two thirds of what it costs through hyper-util's general-purpose pool (which hashes
//! the origin and formats the `Host` header per request); see the bulk benchmark in
//! `adapty-bench`.
//!
//! reqwest remains the transport of a client given to
//! [`ClientBuilder::http_client`](crate::ClientBuilder::http_client), and of the built-in client
//! when the environment names a proxy for the base URL (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, minus `NO_PROXY`, read as reqwest reads them), so that proxy is used as before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use tower_service::Service as _;

/// An error of the HTTP stack, kept as the `source` of this crate's errors.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A whole answer of one attempt: status, headers and the body read into memory.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

/// Why an attempt got no usable answer, whichever HTTP stack sent it.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No connection could be made (DNS, refused, TLS): the request was not sent. `timed_out`
    /// when the connect timeout passed.
    Connect { source: BoxError, timed_out: bool },
    /// The attempt's time ran out (the attempt timeout, or what was left of the operation's).
    TimedOut { source: Option<BoxError> },
    /// The connection failed after the request went out, or while the answer was read.
    Lost(BoxError),
    /// Anything else the HTTP stack reported (e.g. a request it could not build).
    Other(BoxError),
    /// The body went past the client's limit (reading stopped there).
    TooLarge { limit: usize },
    /// The answer came from another URL: an HTTP client followed a redirect.
    Redirected,
}

/// The address of a request in the forms the transports want, each made once: the `Url` for
/// reqwest, and for the built-in client the path and query (HTTP/1.1's origin form) and the
/// `Host` header.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) url: Url,
    pub(crate) path: http::Uri,
    /// The host, with the port unless it is the scheme's default (as HTTP clients write it).
    host: HeaderValue,
}

impl Target {
    /// The forms of `url`; `None` when the `Uri` parser refuses what `url` wrote.
    pub(crate) fn new(url: Url) -> Option<Self> {
        let uri: http::Uri = url.as_str().parse().ok()?;
        let authority = uri.authority()?;
        let path = http::Uri::from(uri.path_and_query()?.clone());
        let default_port = match uri.scheme_str() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        };
        let host = match authority.port_u16() {
            Some(port) if Some(port) != default_port => {
                HeaderValue::from_str(&format!("{}:{port}", authority.host()))
            }
            _ => HeaderValue::from_str(authority.host()),
        }
        .ok()?;
        Some(Self { url, path, host })
    }
}

/// One attempt's request: everything but the address.
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
}

impl Outgoing {
    /// The request as HTTP/1.1 sends it to `target`: the path and query (the origin form), and
    /// the host in `Host`.
    fn http(self, target: &Target) -> http::Request<Full<Bytes>> {
        let mut request = http::Request::new(Full::new(self.body.unwrap_or_default()));
        *request.method_mut() = self.method;
        *request.uri_mut() = target.path.clone();
        *request.headers_mut() = self.headers;
        request
            .headers_mut()
            .insert(reqwest::header::HOST, target.host.clone());
        request
    }
}

/// The HTTP stack a client sends through.
#[derive(Debug, Clone)]
pub(crate) enum Transport {
    /// The built-in client (hyper's HTTP/1.1 connections, pooled here).
    Direct(Direct),
    /// A reqwest client: the caller's, or the built-in one when a proxy is configured.
    Reqwest(reqwest::Client),
}

impl Transport {
    /// The built-in transport for requests below `base_url`: [`Direct`] with `connect_timeout`,
    /// or reqwest with the same settings when the environment names a proxy for `base_url`.
    pub(crate) fn built_in(base_url: &str, connect_timeout: Duration) -> Result<Self, BoxError> {
        let base: http::Uri = base_url.parse()?;
        let proxied = hyper_util::client::proxy::matcher::Matcher::from_env()
            .intercept(&base)
            .is_some();
        if proxied {
            let client = reqwest::Client::builder()
                .connect_timeout(connect_timeout)
                // No redirects: Adapty's API sends none, and following one would carry the
                // identity header and the body to another host (or to plain http).
                .redirect(reqwest::redirect::Policy::none())
                // Retries are this crate's (`send.rs`): reqwest's own layer would only copy
                // every request in case it retried.
                .retry(reqwest::retry::never())
                .build()?;
            return Ok(Self::Reqwest(client));
        }
        let mut origin = base.into_parts();
        origin.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
        Ok(Self::Direct(Direct::new(
            http::Uri::from_parts(origin)?,
            connect_timeout,
        )?))
    }

    /// Sends one attempt to `target` and reads its whole answer, at most `limit` bytes of body,
    /// within `timeout`.
    pub(crate) async fn send(
        &self,
        target: &Target,
        request: Outgoing,
        timeout: Duration,
        limit: usize,
    ) -> Result<Answer, Failure> {
        match self {
            Self::Direct(direct) => direct.send(target, request, timeout, limit).await,
            // Boxed: reqwest's future is large, and would make the built-in path's larger.
            Self::Reqwest(client) => {
                Box::pin(send_reqwest(client, &target.url, request, timeout, limit)).await
            }
        }
    }
}

/// The connector under the built-in client: TCP, and TLS when a TLS feature is on.
#[cfg(feature = "rustls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
type Connector = hyper_tls::HttpsConnector<HttpConnector>;
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
type Connector = HttpConnector;

/// How long an idle connection is kept for reuse (as long as reqwest and hyper-util keep one).
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// The built-in client: HTTP/1.1 connections made by [`Connector`] to the client's one origin
/// (every URL of a client is below its base URL), kept in a pool of idle connections.
///
/// Each connection is driven by a task of its own (hyper's `conn::http1`); a request takes an
/// idle connection, most recently used first, or makes one, and gives it back once its answer
/// was read whole. A connection that closed, or was idle for [`IDLE_TIMEOUT`], is dropped when
/// next taken; the ones idle that long are also dropped whenever a connection is given back.
/// Dropping the client closes them all.
#[derive(Clone)]
pub(crate) struct Direct {
    shared: Arc<Shared>,
}

struct Shared {
    connector: Connector,
    /// `scheme://host:port/`, what the connector connects to.
    origin: http::Uri,
    connect_timeout: Duration,
    /// Idle connections, the most recently used last.
    idle: std::sync::Mutex<std::collections::VecDeque<Idle>>,
}

struct Idle {
    sender: SendRequest,
    since: Instant,
}

type SendRequest = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct").finish_non_exhaustive()
    }
}

impl Direct {
    fn new(origin: http::Uri, connect_timeout: Duration) -> Result<Self, BoxError> {
        let mut tcp = HttpConnector::new();
        tcp.set_nodelay(true);
        tcp.enforce_http(!cfg!(any(feature = "rustls", feature = "native-tls")));
        Ok(Self {
            shared: Arc::new(Shared {
                connector: tls(tcp)?,
                origin,
                connect_timeout,
                idle: std::sync::Mutex::default(),
            }),
        })
    }

    async fn send(
        &self,
        target: &Target,
        request: Outgoing,
        timeout: Duration,
        limit: usize,
    ) -> Result<Answer, Failure> {
        tokio::time::timeout(timeout, self.exchange(target, request, limit))
            .await
            .unwrap_or(Err(Failure::TimedOut { source: None }))
    }

    /// Sends the request and reads its whole answer.
    async fn exchange(
        &self,
        target: &Target,
        request: Outgoing,
        limit: usize,
    ) -> Result<Answer, Failure> {
        let (mut sender, reused) = self.checkout().await?;
        let response = match sender.try_send_request(request.http(target)).await {
            Ok(response) => response,
            // A reused connection that closed before the request was written: the request never
            // left, so it goes again on a new connection (any method may). Boxed: it is rare,
            // and would make every call's future larger.
            Err(error) if reused && error.message().is_some() => {
                let (new, response) = Box::pin(self.send_anew(error)).await?;
                sender = new;
                response
            }
            Err(error) => return Err(send_failure(error)),
        };
        let (parts, mut body) = response.into_parts();
        if content_length(&parts.headers).is_some_and(|n| n > limit as u64) {
            return Err(Failure::TooLarge { limit });
        }
        let mut collected = Collected::new(limit);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| Failure::Lost(Box::new(e)))?;
            if let Ok(chunk) = frame.into_data() {
                collected.push(chunk)?;
            }
        }
        // The answer was read whole: the connection can carry the next request (unless the
        // server closes it, which the next checkout notices).
        self.checkin(sender);
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body: collected.finish(),
        })
    }

    /// Sends the request a closed connection gave back unsent (in `error`) on a new connection.
    async fn send_anew(
        &self,
        mut error: hyper::client::conn::TrySendError<http::Request<Full<Bytes>>>,
    ) -> Result<(SendRequest, http::Response<hyper::body::Incoming>), Failure> {
        let Some(request) = error.take_message() else {
            return Err(send_failure(error));
        };
        let mut sender = self.connect().await?;
        let response = sender
            .try_send_request(request)
            .await
            .map_err(send_failure)?;
        Ok((sender, response))
    }

    /// An open connection ready for a request: an idle one (`true`), else a new one.
    async fn checkout(&self) -> Result<(SendRequest, bool), Failure> {
        loop {
            let Some(Idle { mut sender, since }) = crate::lock(&self.shared.idle).pop_back() else {
                // Boxed: connecting is rare, and its future would make every call's larger.
                return Ok((Box::pin(self.connect()).await?, false));
            };
            if sender.is_closed() || since.elapsed() >= IDLE_TIMEOUT {
                continue;
            }
            // Ready at once, or as soon as its task has finished with the previous answer; an
            // error means it closed.
            if sender.is_ready() || sender.ready().await.is_ok() {
                return Ok((sender, true));
            }
        }
    }

    /// Keeps `sender` for the next request, and drops the connections idle for too long.
    fn checkin(&self, sender: SendRequest) {
        if sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut idle = crate::lock(&self.shared.idle);
        while idle
            .front()
            .is_some_and(|oldest| now.saturating_duration_since(oldest.since) >= IDLE_TIMEOUT)
        {
            idle.pop_front();
        }
        idle.push_back(Idle { sender, since: now });
    }

    /// A new connection (TCP, then TLS for `https`) within the connect timeout, its task spawned.
    async fn connect(&self) -> Result<SendRequest, Failure> {
        let shared = &self.shared;
        let mut connector = shared.connector.clone();
        let connecting = async {
            std::future::poll_fn(|cx| connector.poll_ready(cx)).await?;
            connector.call(shared.origin.clone()).await
        };
        let io = match tokio::time::timeout(shared.connect_timeout, connecting).await {
            Ok(Ok(io)) => io,
            Ok(Err(error)) => {
                // The connector's error type depends on the TLS feature: boxed, or hyper-util's.
                #[allow(clippy::useless_conversion)]
                let source: BoxError = error.into();
                return Err(Failure::Connect {
                    source,
                    timed_out: false,
                });
            }
            Err(_) => {
                return Err(Failure::Connect {
                    source: Box::new(ConnectTimedOut),
                    timed_out: true,
                });
            }
        };
        let (sender, connection) =
            hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|error| Failure::Connect {
                    source: Box::new(error),
                    timed_out: false,
                })?;
        tokio::spawn(async move {
            // Ends when the server closes the connection or the client drops its sender; an
            // error here was already an error of the request on it.
            let _ = connection.await;
        });
        Ok(sender)
    }
}

/// TLS as reqwest's `rustls` feature sets it up: the process's default crypto provider (else
/// aws-lc-rs), every TLS version rustls has, the platform's certificate verifier, HTTP/1.1 by
/// ALPN.
#[cfg(feature = "rustls")]
fn tls(tcp: HttpConnector) -> Result<Connector, BoxError> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp))
}

/// TLS through the platform's native library, as reqwest's `native-tls` feature.
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
fn tls(tcp: HttpConnector) -> Result<Connector, BoxError> {
    let native = hyper_tls::native_tls::TlsConnector::new()?;
    Ok(hyper_tls::HttpsConnector::from((tcp, native.into())))
}

/// Without a TLS feature only `http://` URLs (a local emulator) can be reached.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
#[allow(clippy::unnecessary_wraps)]
fn tls(tcp: HttpConnector) -> Result<Connector, BoxError> {
    Ok(tcp)
}

/// What a failed send says: a request the connection gave back unsent reached nothing (like a
/// connection never made, so any method may go again); otherwise the connection was lost on the
/// way.
fn send_failure(
    mut error: hyper::client::conn::TrySendError<http::Request<Full<Bytes>>>,
) -> Failure {
    let unsent = error.take_message().is_some();
    let source = Box::new(error.into_error());
    if unsent {
        Failure::Connect {
            source,
            timed_out: false,
        }
    } else {
        Failure::Lost(source)
    }
}

/// The connect timeout passed (TCP and TLS together, as reqwest counts it).
#[derive(Debug, thiserror::Error)]
#[error("the connect timeout passed")]
struct ConnectTimedOut;

/// One attempt through reqwest.
async fn send_reqwest(
    client: &reqwest::Client,
    url: &Url,
    request: Outgoing,
    timeout: Duration,
    limit: usize,
) -> Result<Answer, Failure> {
    let mut outgoing = reqwest::Request::new(request.method, url.clone());
    *outgoing.headers_mut() = request.headers;
    *outgoing.body_mut() = request.body.map(reqwest::Body::from);
    *outgoing.timeout_mut() = Some(timeout);
    let mut response = client.execute(outgoing).await.map_err(reqwest_failure)?;
    if response.url() != url {
        return Err(Failure::Redirected);
    }
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    if content_length(&headers).is_some_and(|n| n > limit as u64) {
        return Err(Failure::TooLarge { limit });
    }
    let mut collected = Collected::new(limit);
    while let Some(chunk) = response.chunk().await.map_err(reqwest_failure)? {
        collected.push(chunk)?;
    }
    Ok(Answer {
        status,
        headers,
        body: collected.finish(),
    })
}

/// How a reqwest error reads. Bodies are read whole inside each attempt, so a body or decode
/// error there is a connection cut short, not bad JSON (reqwest reports a body cut short while
/// it is read as a `decode` error wrapping the body error).
fn reqwest_failure(error: reqwest::Error) -> Failure {
    if error.is_connect() {
        let timed_out = error.is_timeout();
        Failure::Connect {
            source: Box::new(error),
            timed_out,
        }
    } else if error.is_timeout() {
        Failure::TimedOut {
            source: Some(Box::new(error)),
        }
    } else if error.is_request() || error.is_body() || error.is_decode() {
        Failure::Lost(Box::new(error))
    } else {
        Failure::Other(Box::new(error))
    }
}

/// The `Content-Length` an answer announces.
fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// A body read chunk by chunk, never past the limit; a body of one chunk is kept as it came.
struct Collected {
    limit: usize,
    length: usize,
    first: Option<Bytes>,
    more: Option<BytesMut>,
}

impl Collected {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            length: 0,
            first: None,
            more: None,
        }
    }

    fn push(&mut self, chunk: Bytes) -> Result<(), Failure> {
        self.length = self.length.saturating_add(chunk.len());
        if self.length > self.limit {
            return Err(Failure::TooLarge { limit: self.limit });
        }
        match (&mut self.first, &mut self.more) {
            (None, _) => self.first = Some(chunk),
            (Some(head), None) => {
                let mut joined = BytesMut::with_capacity(head.len() + chunk.len());
                joined.extend_from_slice(head);
                joined.extend_from_slice(&chunk);
                self.more = Some(joined);
            }
            (Some(_), Some(joined)) => joined.extend_from_slice(&chunk),
        }
        Ok(())
    }

    fn finish(self) -> Bytes {
        match (self.first, self.more) {
            (_, Some(joined)) => joined.freeze(),
            (Some(only), None) => only,
            (None, None) => Bytes::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_header_has_the_port_unless_it_is_the_default() {
        let host = |url: &str| {
            let url = Url::parse(url).expect("a URL");
            Target::new(url).map(|t| t.host)
        };
        for (url, expected) in [
            ("https://api.adapty.io/api/v1/x/", "api.adapty.io"),
            ("https://api.adapty.io:443/x", "api.adapty.io"),
            ("https://api.adapty.io:8443/x", "api.adapty.io:8443"),
            ("http://127.0.0.1:8080/x?a=1", "127.0.0.1:8080"),
            ("http://localhost/x", "localhost"),
            ("http://[::1]:9/x", "[::1]:9"),
        ] {
            assert_eq!(host(url), Some(HeaderValue::from_static(expected)), "{url}");
        }
    }

    #[test]
    fn a_body_is_kept_whole_up_to_the_limit() {
        let mut one = Collected::new(8);
        assert!(one.push(Bytes::from_static(b"abc")).is_ok());
        assert_eq!(one.finish(), Bytes::from_static(b"abc"));
        let mut many = Collected::new(8);
        for chunk in [&b"ab"[..], b"cd", b"ef"] {
            assert!(many.push(Bytes::copy_from_slice(chunk)).is_ok());
        }
        assert_eq!(many.finish(), Bytes::from_static(b"abcdef"));
        let mut over = Collected::new(4);
        assert!(over.push(Bytes::from_static(b"abc")).is_ok());
        assert!(matches!(
            over.push(Bytes::from_static(b"de")),
            Err(Failure::TooLarge { limit: 4 })
        ));
        assert!(Collected::new(1).finish().is_empty());
    }
}
