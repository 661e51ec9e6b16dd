//! One call, typed or raw: the request is built here (authentication, `User-Agent`, the identity
//! header, path and query parameters, other headers, the body), sent under the retry policy and
//! timeouts ([`crate::send`]), and its outcome becomes a [`Response`] or this crate's [`Error`].
//!
//! Every operation of every version goes through [`Call`]; a version module only names its
//! [`Endpoint`]s, whose methods and paths come from the spec's generated facts ([`Operation`]),
//! and says what each call carries.

use bytes::Bytes;
use reqwest::header::{self, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, from_failure};
use crate::response::ResponseMeta;
use crate::retry::Replay;
use crate::transport::{Outgoing, Target, Transport};
use crate::{ApiError, ClientConfig, Error, IdempotencyKey, ProfileSelector, Response};

/// An operation of a spec, as its generated facts state it: its name in Rust (the client's method
/// and the tracing span), its HTTP method, its path below the base URL (path parameters in
/// braces, e.g. `/api/v2/server-side-api/paywalls/{paywall_id}/`), and whether the spec marks a
/// `POST` as safe to repeat (`x-idempotent`: it sets a state rather than creating something),
/// and the media type of its request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Operation {
    /// The operation's name in Rust, e.g. `get_profile`.
    pub name: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The path below the base URL, e.g. `/api/v2/server-side-api/profile/`.
    pub path: &'static str,
    /// `true` when the spec marks the operation `x-idempotent` (a `POST` that sets a state), so
    /// it is retried like a `PUT`; other `POST`s are retried only when Adapty provably did not
    /// process them.
    pub idempotent: bool,
    /// The media type of the request body (`application/json`, or e.g. JSON:API's
    /// `application/vnd.api+json`); `None` without a body.
    pub content_type: Option<&'static str>,
    /// The `error_code`s the operation documents, with their HTTP status (its responses'
    /// `x-error-codes`), sorted.
    pub error_codes: &'static [(u16, &'static str)],
    /// The fields and enum values the success body may hold, as the spec describes them (JSON,
    /// generated); read only when drift events are enabled (see [`crate::drift`]).
    response_shape: Option<&'static str>,
}

impl Operation {
    /// An operation (the generated facts make one per `operationId`).
    pub const fn new(
        name: &'static str,
        method: &'static str,
        path: &'static str,
        idempotent: bool,
        content_type: Option<&'static str>,
        error_codes: &'static [(u16, &'static str)],
    ) -> Self {
        Self {
            name,
            method,
            path,
            idempotent,
            content_type,
            error_codes,
            response_shape: None,
        }
    }

    /// The shape of the success body, as generated (see [`crate::drift`]).
    #[doc(hidden)]
    pub const fn response_shape(&self) -> Option<&'static str> {
        self.response_shape
    }

    /// The operation with the shape of its success body (the generated facts give it; see
    /// [`crate::drift`]).
    #[doc(hidden)]
    pub const fn with_response_shape(mut self, shape: &'static str) -> Self {
        self.response_shape = Some(shape);
        self
    }
}

/// Where an operation goes: its method, its full URL (base URL and path, parsed once into the
/// forms the transports send) and its name for the logs.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) name: &'static str,
    /// The path template (tells v1's `get_profile` from v2's in drift events).
    pub(crate) path: &'static str,
    pub(crate) response_shape: Option<&'static str>,
    pub(crate) method: Method,
    pub(crate) target: Target,
    pub(crate) replay: Replay,
    /// The media type of the request body.
    pub(crate) content_type: HeaderValue,
}

impl Endpoint {
    /// The endpoint of `operation` below the checked `base_url`.
    pub(crate) fn new(operation: &Operation, base_url: &str) -> Result<Self, Error> {
        let Operation {
            name,
            method,
            path,
            idempotent,
            content_type,
            response_shape,
            ..
        } = *operation;
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| Error::invalid_input("method", format!("{method:?} is not a method")))?;
        let url = Url::parse(&format!("{base_url}{path}"))
            .map_err(|e| Error::invalid_input("base_url", format!("cannot hold {path}: {e}")))?;
        let target = target(url, "base_url")?;
        let content_type = match content_type {
            Some(media) => HeaderValue::from_str(media).map_err(|_| {
                Error::invalid_input("content_type", format!("{media:?} is not a header value"))
            })?,
            None => JSON,
        };
        let replay = if idempotent {
            Replay::Idempotent
        } else {
            Replay::ByMethod
        };
        Ok(Self {
            name,
            path,
            response_shape,
            method,
            target,
            replay,
            content_type,
        })
    }
}

/// The shared part of every version's client: the HTTP client, the configuration and the base
/// URL.
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub(crate) http: Transport,
    pub(crate) config: ClientConfig,
    pub(crate) base_url: String,
}

impl Core {
    /// The client's parts, as the builder hands them over.
    pub(crate) fn new(parts: crate::config::Parts) -> Self {
        Self {
            http: parts.http_client,
            config: parts.config,
            base_url: parts.base_url,
        }
    }

    /// The endpoint of `operation` below this client's base URL.
    pub(crate) fn endpoint(&self, operation: &Operation) -> Result<Endpoint, Error> {
        Endpoint::new(operation, &self.base_url)
    }

    /// A raw request on this client (the escape hatch).
    pub(crate) fn request(&self, method: Method, path: &str) -> crate::RawRequest<'_> {
        crate::RawRequest::new(&self.http, &self.config, &self.base_url, method, path)
    }

    /// Sends `call` with this client.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
    ) -> Result<Response<T>, Error> {
        call.send(&self.http, &self.config).await
    }
}

/// The methods every version's `Client` has alike (`request`, `config`, `base_url`) and its
/// private `profile_call`, written once: invoked inside each version's `impl Client`, whose
/// `core` field is a [`Core`] and whose `types` hold `ProfileResponse { data: Profile }`.
macro_rules! client_basics {
    () => {
        /// Starts a request this client has no method for (an endpoint or a field the spec does
        /// not have yet), sent through the same checks, authentication, retries and timeouts; see
        /// [`RawRequest`](crate::RawRequest).
        pub fn request(&self, method: reqwest::Method, path: &str) -> crate::RawRequest<'_> {
            self.core.request(method, path)
        }

        /// The configuration: retry policy and timeouts.
        pub fn config(&self) -> &crate::ClientConfig {
            &self.core.config
        }

        /// The base URL requests go to.
        pub fn base_url(&self) -> &str {
            &self.core.base_url
        }

        /// A call answered by a `ProfileResponse`, whose `data` is the value.
        async fn profile_call(
            &self,
            call: crate::call::Call<'_>,
        ) -> Result<crate::Response<types::Profile>, crate::Error> {
            self.core
                .send::<types::ProfileResponse>(call)
                .await
                .map(|response| response.map(|r| r.data))
        }
    };
}

pub(crate) use client_basics;

/// A JSON content type, for requests with a JSON body.
pub(crate) const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// One call to an endpoint: what it carries besides authentication.
#[derive(Debug)]
pub(crate) struct Call<'a> {
    endpoint: &'a Endpoint,
    /// The URL when path or query parameters make it differ from the endpoint's.
    url: Option<Url>,
    profile: Option<&'a ProfileSelector>,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Option<(Bytes, HeaderValue)>,
    replay: Replay,
}

impl<'a> Call<'a> {
    /// A call to `endpoint` with nothing more (yet).
    pub(crate) fn new(endpoint: &'a Endpoint) -> Self {
        Self {
            endpoint,
            url: None,
            profile: None,
            headers: Vec::new(),
            body: None,
            replay: endpoint.replay,
        }
    }

    /// Names the profile (its one identity header).
    pub(crate) fn profile(mut self, profile: &'a ProfileSelector) -> Self {
        self.profile = Some(profile);
        self
    }

    fn url_mut(&mut self) -> &mut Url {
        self.url
            .get_or_insert_with(|| self.endpoint.target.url.clone())
    }

    /// Fills the path parameter `{name}` with `value`, percent-encoded as one path segment (so
    /// a `/` in it cannot reach another path).
    pub(crate) fn path(mut self, name: &str, value: &str) -> Self {
        let placeholder = format!("/%7B{name}%7D/");
        let filled = format!("/{}/", path_segment(value));
        let url = self.url_mut();
        let path = url.path().replacen(&placeholder, &filled, 1);
        url.set_path(&path);
        self
    }

    /// Adds the query parameter `name=value`.
    pub(crate) fn query(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.url_mut()
            .query_pairs_mut()
            .append_pair(name, &value.to_string());
        self
    }

    /// Adds a header.
    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Sends `value` as the JSON body, with the media type the spec declares for the operation;
    /// a value serde cannot write is an [`Error::InvalidInput`] naming `body`.
    pub(crate) fn json(self, value: &impl Serialize) -> Result<Self, Error> {
        let bytes =
            serde_json::to_vec(value).map_err(|e| Error::invalid_input("body", e.to_string()))?;
        Ok(self.json_bytes(bytes))
    }

    /// Sends bytes already written as JSON, with the operation's media type.
    pub(crate) fn json_bytes(mut self, bytes: Vec<u8>) -> Self {
        self.body = Some((Bytes::from(bytes), self.endpoint.content_type.clone()));
        self
    }

    /// Carries `key` in the header `name` (the spec's `Idempotency-Key`): the server applies the
    /// call once however often it arrives, so every attempt may be retried, and an answer that
    /// the same key is still being processed is waited out.
    pub(crate) fn idempotency_key(mut self, name: HeaderName, key: &IdempotencyKey) -> Self {
        self.headers.push((name, key.header_value()));
        self.replay = Replay::Keyed;
        self
    }

    /// Sends the call and decodes a success body as `T` (an empty body reads as `null`, so `()`
    /// fits a `204`).
    pub(crate) async fn send<T: DeserializeOwned>(
        self,
        http: &Transport,
        config: &ClientConfig,
    ) -> Result<Response<T>, Error> {
        let endpoint = self.endpoint;
        // A URL with path or query parameters is parsed as a `Uri` here, once for all attempts.
        let filled = self.url.map(|url| target(url, "path")).transpose()?;
        let target = filled.as_ref().unwrap_or(&endpoint.target);
        let identity = self.profile.map(|p| (p.header(), p.header_value()));
        let build = || {
            let mut headers = header::HeaderMap::with_capacity(6);
            headers.insert(header::AUTHORIZATION, config.authorization.clone());
            headers.insert(header::USER_AGENT, config.user_agent_header.clone());
            if let Some((name, value)) = &identity {
                headers.insert(name.clone(), value.clone());
            }
            for (name, value) in &self.headers {
                headers.insert(name.clone(), value.clone());
            }
            let body = self.body.as_ref().map(|(body, content_type)| {
                headers.insert(header::CONTENT_TYPE, content_type.clone());
                body.clone()
            });
            Outgoing {
                method: endpoint.method.clone(),
                headers,
                body,
            }
        };
        let plan = crate::send::Plan {
            target,
            build: &build,
            operation: endpoint.name,
            replay: self.replay,
        };
        let (outcome, record) = crate::send::send(http, config, &plan).await;
        let answer = outcome.map_err(|e| from_failure(e, &record, config))?;
        if !answer.status.is_success() {
            return Err(Error::Api(Box::new(ApiError::new(
                answer.status,
                &answer.headers,
                answer.body,
            ))));
        }
        match decode::<T>(&answer.body) {
            Ok(value) => {
                crate::drift::observe(endpoint, &answer.body);
                Ok(Response::new(value, answer.status, &answer.headers))
            }
            Err(()) => Err(Error::Decode(Box::new(DecodeError::new::<T>(
                &ResponseMeta {
                    status: answer.status,
                    headers: answer.headers,
                },
                answer.body,
            )))),
        }
    }
}

/// `url` with its `Uri`; a URL the `Uri` parser refuses is an invalid `field`.
pub(crate) fn target(url: Url, field: &str) -> Result<Target, Error> {
    Target::new(url).ok_or_else(|| Error::invalid_input(field, "not a valid HTTP request target"))
}

/// `value` percent-encoded as one URL path segment (`/`, `%`, `?`, `#` and spaces included).
fn path_segment(value: &str) -> String {
    let Ok(mut scratch) = Url::parse("http://localhost/") else {
        return String::new();
    };
    if let Ok(mut segments) = scratch.path_segments_mut() {
        segments.clear().push(value);
    }
    scratch.path().trim_start_matches('/').to_owned()
}

/// Decodes a success body; an empty one (a `204`) reads as `null`.
fn decode<T: DeserializeOwned>(body: &Bytes) -> Result<T, ()> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"null"
    } else {
        body
    };
    serde_json::from_slice(text).map_err(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_query_parameters_are_encoded_once() -> Result<(), Error> {
        let operation = Operation::new("get_x", "GET", "/api/v2/x/{x_id}/items/", false, None, &[]);
        let endpoint = Endpoint::new(&operation, "http://127.0.0.1:1")?;
        let call = Call::new(&endpoint)
            .path("x_id", "a b/c")
            .query("page[number]", 2)
            .query("cursor", "MjA=+/");
        let url = call.url.as_ref().map(Url::as_str);
        assert_eq!(
            url,
            Some(
                "http://127.0.0.1:1/api/v2/x/a%20b%2Fc/items/?page%5Bnumber%5D=2&cursor=MjA%3D%2B%2F"
            )
        );
        // The endpoint's own URL is untouched.
        assert_eq!(endpoint.target.url.path(), "/api/v2/x/%7Bx_id%7D/items/");
        assert_eq!(endpoint.target.path.path(), "/api/v2/x/%7Bx_id%7D/items/");
        Ok(())
    }
}
