//! The escape hatch: a request this crate has no method for, sent through the same checks,
//! authentication, retries, timeouts and error mapping as every other call.

use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::call::{Call, Endpoint};
use crate::retry::Replay;
use crate::transport::Transport;
use crate::{ClientConfig, Error, ProfileSelector, Response};

/// A request built by hand, for an endpoint or a field the typed methods do not cover yet
/// (start one with [`v1::Client::request`](crate::v1::Client::request)).
///
/// It goes to the client's checked base URL (the path cannot leave its host), carries the API key,
/// the `User-Agent` and at most one identity header, and is retried, timed out and turned into
/// [`Error`] exactly like a typed call. A `POST` is retried only when Adapty provably did not
/// process it.
///
/// ```no_run
/// use adapty_api::{ApiKey, ProfileSelector, reqwest::Method, v1};
///
/// # async fn demo() -> Result<(), adapty_api::Error> {
/// let client = v1::Client::builder(ApiKey::new("secret_live_...")?).build()?;
/// let who = ProfileSelector::customer_user_id("user-42")?;
/// // A field the spec does not list yet, sent and read as plain JSON.
/// let profile = client
///     .request(Method::PATCH, "/api/v1/server-side-api/profiles/")
///     .profile(&who)
///     .json(&serde_json::json!({ "some_new_field": true }))
///     .send::<serde_json::Value>()
///     .await?
///     .into_inner();
/// println!("{}", profile["data"]["profile_id"]);
/// # Ok(())
/// # }
/// ```
#[must_use = "a request does nothing until `send` is awaited"]
pub struct RawRequest<'a> {
    http: &'a Transport,
    config: &'a ClientConfig,
    base_url: &'a str,
    method: Method,
    path: String,
    profile: Option<ProfileSelector>,
    body: Option<Result<Vec<u8>, String>>,
}

/// Shows the method, the path, which identity header and the body's length: the identity and the
/// body may be personal data.
impl std::fmt::Debug for RawRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "profile",
                &self.profile.as_ref().map(ProfileSelector::header_name),
            )
            .field(
                "body_len",
                &self.body.as_ref().map(|b| b.as_ref().map_or(0, Vec::len)),
            )
            .finish_non_exhaustive()
    }
}

impl<'a> RawRequest<'a> {
    pub(crate) fn new(
        http: &'a Transport,
        config: &'a ClientConfig,
        base_url: &'a str,
        method: Method,
        path: &str,
    ) -> Self {
        Self {
            http,
            config,
            base_url,
            method,
            path: path.to_owned(),
            profile: None,
            body: None,
        }
    }

    /// Names the profile the request is about (its one identity header). Calling it again
    /// replaces the profile, so a request never carries two.
    pub fn profile(mut self, profile: &ProfileSelector) -> Self {
        self.profile = Some(profile.clone());
        self
    }

    /// Sends `body` as JSON (`Content-Type: application/json`). A value that cannot be written
    /// as JSON fails [`send`](Self::send) with [`Error::InvalidInput`] naming `body`.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    /// Sends the request and decodes a success body as `T` (`serde_json::Value` reads anything;
    /// an empty body, as of a `204`, reads as `null`, so `()` and `Option<_>` fit it).
    ///
    /// An error status becomes [`Error::Api`], a success body that is not a `T` becomes
    /// [`Error::Decode`] naming the failing path; nothing is sent when the path is not a path
    /// on the base URL's host or the body could not be written.
    pub async fn send<T: DeserializeOwned>(self) -> Result<Response<T>, Error> {
        let url = self.url()?;
        let body = self
            .body
            .transpose()
            .map_err(|e| Error::invalid_input("body", e))?;
        let endpoint = Endpoint {
            name: "request",
            // A raw request has no spec shape: no drift events.
            path: "",
            response_shape: None,
            method: self.method,
            target: crate::call::target(url, "path")?,
            replay: Replay::ByMethod,
            content_type: crate::call::JSON,
        };
        let mut call = Call::new(&endpoint);
        if let Some(profile) = &self.profile {
            call = call.profile(profile);
        }
        if let Some(body) = body {
            call = call.json_bytes(body);
        }
        call.send(self.http, self.config).await
    }

    /// The base URL joined with the path; refused unless it stays on the base URL's scheme, host
    /// and port.
    fn url(&self) -> Result<Url, Error> {
        let invalid = |reason: &str| Error::invalid_input("path", reason);
        if !self.path.starts_with('/') {
            return Err(invalid("must start with `/`"));
        }
        let base = Url::parse(self.base_url).map_err(|_| invalid("the base URL is not a URL"))?;
        let url = Url::parse(&format!("{}{}", self.base_url, self.path))
            .map_err(|e| invalid(&format!("not a valid URL path: {e}")))?;
        if url.origin() != base.origin() || url.fragment().is_some() {
            return Err(invalid(
                "must stay on the base URL's host, without a fragment",
            ));
        }
        Ok(url)
    }
}
