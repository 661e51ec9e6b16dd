//! Client configuration: the base URL, the API key and the HTTP client, checked once at build time.

use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;

use crate::transport::Transport;
use crate::{ApiKey, Error, RetryPolicy};

/// Adapty's production API; every version's paths hang below it.
pub const DEFAULT_BASE_URL: &str = "https://api.adapty.io";

/// The `User-Agent` every request carries (a suffix may follow, see
/// [`ClientBuilder::user_agent_suffix`]).
const USER_AGENT: &str = concat!("adapty-rs/", env!("CARGO_PKG_VERSION"));

/// How long the built-in HTTP client waits for a connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one attempt may take, from sending the request to the last byte of the response.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a whole operation may take: every attempt and every wait between them.
pub const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest response body the client reads: 8 MiB, some hundred times a profile with a long
/// purchase history. A longer body ends the call with
/// [`TransportKind::ResponseTooLarge`](crate::TransportKind::ResponseTooLarge).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// The timeouts of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) attempt: Duration,
    pub(crate) operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: DEFAULT_CONNECT_TIMEOUT,
            attempt: DEFAULT_ATTEMPT_TIMEOUT,
            operation: DEFAULT_OPERATION_TIMEOUT,
        }
    }
}

/// The settings of a built client, checked by [`ClientBuilder::build`]; read them with
/// [`v1::Client::config`](crate::v1::Client::config).
///
/// Only the builder makes one, so every client carries settings that passed its checks.
///
/// ```
/// use std::time::Duration;
/// use adapty_api::{ApiKey, v1};
///
/// let client = v1::Client::builder(ApiKey::new("secret_live_...")?)
///     .attempt_timeout(Duration::from_secs(5))
///     .build()?;
/// assert_eq!(client.config().attempt_timeout(), Duration::from_secs(5));
/// assert_eq!(client.config().retry_policy().max_attempts(), 3);
/// # Ok::<(), adapty_api::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) api_key: ApiKey,
    pub(crate) user_agent: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeouts: Timeouts,
    pub(crate) max_response_bytes: usize,
    /// `Api-Key <key>`, made once and marked sensitive; each request takes a reference-counted
    /// copy (no formatting per call).
    pub(crate) authorization: HeaderValue,
    /// `user_agent` as a header value, made once.
    pub(crate) user_agent_header: HeaderValue,
}

/// The key shows as `ApiKey([REDACTED])`; the ready-made headers are left out.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("api_key", &self.api_key)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("timeouts", &self.timeouts)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl ClientConfig {
    /// A configuration authenticating with `api_key`, with the default retry policy and timeouts.
    pub(crate) fn new(api_key: ApiKey) -> Self {
        Self {
            authorization: api_key.header_value(),
            api_key,
            user_agent: USER_AGENT.to_owned(),
            retry: RetryPolicy::default(),
            timeouts: Timeouts::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            user_agent_header: HeaderValue::from_static(USER_AGENT),
        }
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The connect timeout of the built-in HTTP client.
    pub fn connect_timeout(&self) -> Duration {
        self.timeouts.connect
    }

    /// The `User-Agent` requests carry.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The longest response body read.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// The per-attempt timeout.
    pub fn attempt_timeout(&self) -> Duration {
        self.timeouts.attempt
    }

    /// The whole-operation timeout.
    pub fn operation_timeout(&self) -> Duration {
        self.timeouts.operation
    }
}

/// Builds a client; start from [`v1::Client::builder`](crate::v1::Client::builder).
///
/// ```
/// use adapty_api::{ApiKey, v1};
///
/// let client = v1::Client::builder(ApiKey::new("secret_live_...")?)
///     .base_url("http://127.0.0.1:8080") // e.g. a local emulator; defaults to Adapty's API
///     .build()?;
/// # let _ = client;
/// # Ok::<(), adapty_api::Error>(())
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct ClientBuilder<C> {
    config: ClientConfig,
    base_url: String,
    http_client: Option<reqwest::Client>,
    build: fn(Parts) -> Result<C, Error>,
}

/// What a built client is made of.
pub(crate) struct Parts {
    pub(crate) base_url: String,
    pub(crate) http_client: Transport,
    pub(crate) config: ClientConfig,
}

impl<C> ClientBuilder<C> {
    pub(crate) fn new(api_key: ApiKey, build: fn(Parts) -> Result<C, Error>) -> Self {
        Self {
            config: ClientConfig::new(api_key),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http_client: None,
            build,
        }
    }

    /// Sends requests to `url` instead of [`DEFAULT_BASE_URL`], e.g. a local emulator.
    ///
    /// Give the origin only (`https://host[:port]`, optionally a path prefix): each operation
    /// appends its own `/api/v1/...` path. `https` is required except on loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `::1`); [`build`](Self::build) checks it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sends requests through your own `reqwest::Client` (for its proxy, TLS or pool settings).
    /// Without one, the client sends through its own: hyper's HTTP/1.1 connections in a pool of
    /// its own, TLS as this crate's `rustls` or `native-tls` feature chooses, the
    /// [connect timeout](Self::connect_timeout) and no redirects; a call costs 0.5–0.7× the
    /// client CPU of the same call through a `reqwest::Client`. When the environment names a
    /// proxy for the base URL (`HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY`, not excluded by
    /// `NO_PROXY`), the built-in client is a `reqwest::Client` with the same settings, which uses
    /// that proxy.
    ///
    /// **Build yours with `redirect(reqwest::redirect::Policy::none())`.** Adapty's API never
    /// redirects, and the client's own HTTP client never follows a redirect, but it cannot change
    /// yours: reqwest follows up to ten by default, taking the identity header and the body (an
    /// email, a phone number) to wherever the `Location` points. When the answer comes from
    /// another URL the call fails with
    /// [`TransportKind::Redirected`](crate::TransportKind::Redirected), after the fact.
    ///
    /// Authentication and the `User-Agent` are added per request, so the client needs no default
    /// headers. The attempt and operation timeouts and the retry policy apply to it too; its
    /// connect timeout is its own (reqwest sets it per client, not per request). It must come
    /// from the `reqwest` this crate re-exports ([`crate::reqwest`]).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// How failed attempts are retried; the default is [`RetryPolicy::default`], and
    /// [`RetryPolicy::disabled`] turns retries off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config.retry = policy;
        self
    }

    /// How long to wait for a connection (TCP and TLS); default [`DEFAULT_CONNECT_TIMEOUT`].
    /// Applies to the built-in HTTP client only: a client given to
    /// [`http_client`](Self::http_client) keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.connect = timeout;
        self
    }

    /// How long one attempt may take, from sending to the last byte of the response; default
    /// [`DEFAULT_ATTEMPT_TIMEOUT`]. A timed-out `GET`, `PATCH` or `DELETE` is retried.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.attempt = timeout;
        self
    }

    /// How long a whole operation may take, every attempt and wait included; default
    /// [`DEFAULT_OPERATION_TIMEOUT`]. When it passes, the call ends with
    /// [`Error::Timeout`](crate::Error::Timeout).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.operation = timeout;
        self
    }

    /// The longest response body to read, in bytes; default [`DEFAULT_MAX_RESPONSE_BYTES`].
    /// Reading stops at the limit and the call fails with
    /// [`TransportKind::ResponseTooLarge`](crate::TransportKind::ResponseTooLarge) (not retried).
    pub fn max_response_bytes(mut self, limit: usize) -> Self {
        self.config.max_response_bytes = limit;
        self
    }

    /// Appends `suffix` (e.g. `my-backend/2.3`) to the `User-Agent`, after `adapty-rs/<version>`.
    pub fn user_agent_suffix(mut self, suffix: &str) -> Self {
        self.config.user_agent = format!("{USER_AGENT} {}", suffix.trim());
        self
    }

    /// Checks the settings and builds the client.
    pub fn build(mut self) -> Result<C, Error> {
        let base_url = check_base_url(&self.base_url)?;
        // `HeaderValue` would take bytes above 0x7f too; a User-Agent is ASCII.
        let agent = &self.config.user_agent;
        if !agent.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
            return Err(Error::invalid_input(
                "user_agent_suffix",
                "must be printable ASCII",
            ));
        }
        self.config.user_agent_header = HeaderValue::from_str(agent)
            .map_err(|_| Error::invalid_input("user_agent_suffix", "must be printable ASCII"))?;
        let timeouts = self.config.timeouts;
        for (field, value) in [
            ("connect_timeout", timeouts.connect),
            ("attempt_timeout", timeouts.attempt),
            ("operation_timeout", timeouts.operation),
        ] {
            if value.is_zero() {
                return Err(Error::invalid_input(field, "must be longer than zero"));
            }
        }
        if self.config.max_response_bytes == 0 {
            return Err(Error::invalid_input(
                "max_response_bytes",
                "must be more than zero",
            ));
        }
        let http_client = match self.http_client {
            Some(client) => Transport::Reqwest(client),
            None => Transport::built_in(&base_url, timeouts.connect)
                .map_err(|e| Error::transport(crate::TransportKind::Other, e))?,
        };
        (self.build)(Parts {
            base_url,
            http_client,
            config: self.config,
        })
    }
}

/// Validates a base URL and returns it without a trailing slash (paths start with `/`).
fn check_base_url(raw: &str) -> Result<String, Error> {
    let invalid = |reason: String| Error::invalid_input("base_url", reason);
    // The text is not echoed when it does not parse: it may hold credentials.
    let url = Url::parse(raw).map_err(|e| invalid(format!("not a URL: {e}")))?;
    // Messages show the URL without its user name and password.
    let shown = {
        let mut shown = url.clone();
        let _ = shown.set_username("");
        let _ = shown.set_password(None);
        shown.to_string()
    };
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(invalid(format!(
                "{shown:?} uses plain http, which would send the API key unencrypted; \
                 use https (plain http is allowed only for loopback hosts)"
            )));
        }
        other => {
            return Err(invalid(format!(
                "{shown:?} has scheme {other:?}; use https"
            )));
        }
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "{shown:?} must not have a query or fragment"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(format!(
            "{shown:?} must not carry credentials (a user name or password)"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused base URL's message never shows the password (or user name) it carried.
    #[test]
    fn refused_urls_do_not_echo_credentials() {
        for raw in [
            "https://admin:hunter2-secret@api.example.com",
            "http://admin:hunter2-secret@api.example.com",
            "ftp://admin:hunter2-secret@api.example.com",
            "https://admin:hunter2-secret@api.example.com/?q=1",
            "https://admin:hunter2-secret@api.example.com:99999",
        ] {
            let error = check_base_url(raw).expect_err(raw).to_string();
            assert!(!error.contains("hunter2"), "{error}");
            assert!(!error.contains("admin"), "{error}");
        }
    }

    #[test]
    fn base_urls_are_normalised() -> Result<(), Error> {
        assert_eq!(
            check_base_url("https://api.adapty.io/")?,
            "https://api.adapty.io"
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8080")?,
            "http://127.0.0.1:8080"
        );
        assert_eq!(
            check_base_url("http://localhost:1/prefix/")?,
            "http://localhost:1/prefix"
        );
        assert_eq!(check_base_url("http://[::1]:9")?, "http://[::1]:9");
        Ok(())
    }

    #[test]
    fn user_agent_suffix_follows_the_crate_name() -> Result<(), Error> {
        let key = ApiKey::new("secret_x")?;
        let builder = ClientBuilder::new(key.clone(), |parts| Ok(parts.config))
            .user_agent_suffix(" my-app/2 ");
        assert_eq!(
            builder.build()?.user_agent,
            format!("{USER_AGENT} my-app/2")
        );
        let bad = ClientBuilder::new(key, |parts| Ok(parts.config)).user_agent_suffix("app\u{e9}");
        match bad.build() {
            Err(Error::InvalidInput(e)) => assert_eq!(e.field(), "user_agent_suffix"),
            other => panic!("{other:?}"),
        }
        Ok(())
    }

    #[test]
    fn unsafe_or_malformed_base_urls_are_refused() {
        for bad in [
            "api.adapty.io",
            "http://api.adapty.io",
            "http://10.0.0.1",
            "ftp://api.adapty.io",
            "https://api.adapty.io/?x=1",
            "https://user:pw@api.adapty.io",
        ] {
            let err = check_base_url(bad).expect_err(bad);
            assert!(err.to_string().starts_with("invalid base_url"), "{err}");
        }
    }
}
