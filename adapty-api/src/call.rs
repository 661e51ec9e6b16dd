//! One call, typed or raw: the request is built here (authentication, `User-Agent`, the identity
//! header, the JSON body), sent under the retry policy and timeouts ([`crate::send`]), and its
//! outcome becomes a [`Response`] or this crate's [`Error`].
//!
//! Every operation of every version goes through [`call`]; a version module only names its
//! [`Endpoint`]s, whose methods and paths come from the spec's generated facts.

use bytes::Bytes;
use reqwest::header::{self, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;

use crate::error::{DecodeError, from_failure};
use crate::response::ResponseMeta;
use crate::{ApiError, ClientConfig, Error, ProfileSelector, Response};

/// Where an operation goes: its method, its full URL (base URL and path, parsed once) and its
/// name for the logs.
#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    pub(crate) url: Url,
}

impl Endpoint {
    /// The endpoint of `method` and `path` (the spec's facts) below the checked `base_url`.
    pub(crate) fn new(
        name: &'static str,
        method: &str,
        base_url: &str,
        path: &str,
    ) -> Result<Self, Error> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| Error::invalid_input("method", format!("{method:?} is not a method")))?;
        let url = Url::parse(&format!("{base_url}{path}"))
            .map_err(|e| Error::invalid_input("base_url", format!("cannot hold {path}: {e}")))?;
        Ok(Self { name, method, url })
    }
}

/// A JSON content type, for requests with a body.
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Sends one call to `endpoint` about `profile` with an optional JSON `body`, and decodes a success
/// body as `T` (an empty body reads as `null`, so `()` fits a `204`).
pub(crate) async fn call<T: DeserializeOwned>(
    http: &reqwest::Client,
    config: &ClientConfig,
    endpoint: &Endpoint,
    profile: Option<&ProfileSelector>,
    body: Option<Vec<u8>>,
) -> Result<Response<T>, Error> {
    let identity = profile.map(|p| (p.header(), p.header_value()));
    let body: Option<Bytes> = body.map(Bytes::from);
    let build = || {
        let mut request = reqwest::Request::new(endpoint.method.clone(), endpoint.url.clone());
        let headers = request.headers_mut();
        headers.insert(header::AUTHORIZATION, config.authorization.clone());
        headers.insert(header::USER_AGENT, config.user_agent_header.clone());
        if let Some((name, value)) = &identity {
            headers.insert(name.clone(), value.clone());
        }
        if let Some(body) = &body {
            headers.insert(header::CONTENT_TYPE, JSON);
            *request.body_mut() = Some(body.clone().into());
        }
        request
    };
    let (outcome, record) =
        crate::send::send(http, config, &endpoint.url, &build, endpoint.name).await;
    let answer = outcome.map_err(|e| from_failure(e, &record, config))?;
    if !answer.status.is_success() {
        return Err(Error::Api(Box::new(ApiError::new(
            answer.status,
            &answer.headers,
            answer.body,
        ))));
    }
    match decode::<T>(&answer.body) {
        Ok(value) => Ok(Response::new(value, answer.status, &answer.headers)),
        Err(()) => Err(Error::Decode(Box::new(DecodeError::new::<T>(
            &ResponseMeta {
                status: answer.status,
                headers: answer.headers,
            },
            answer.body,
        )))),
    }
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
