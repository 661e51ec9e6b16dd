//! Version 1 of Adapty's server-side API: `/api/v1/server-side-api/profiles/`.
//!
//! [`Client`] is the entry point. The data types generated from
//! `openapi/adapty-server-side-api-v1.yaml` are [`types`]; the generated client underneath stays
//! private (its signatures are progenitor's), and [`Client::request`] reaches what the typed
//! methods do not cover.

#[rustfmt::skip]
#[allow(
    missing_docs,
    unused_imports,
    dead_code,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]
mod generated;

pub use generated::types;

/// Facts of the v1 spec (limits, patterns, enum values, field lists), generated from it: the
/// values the hand-written validators check against.
#[rustfmt::skip]
pub mod facts;

mod custom_attribute;
#[rustfmt::skip]
mod enums;
mod nullable;
mod offer;
mod request;
mod validate;
pub use custom_attribute::{AttributeValue, MAX_SAFE_INTEGER, MAX_TEXT_CHARS, custom_attribute};
pub use enums::*;
pub use nullable::Nullable;
pub use validate::MAX_CUSTOM_ATTRIBUTES;

use serde::de::DeserializeOwned;

use crate::config::{ClientBuilder, Parts};
use crate::error::from_generated;
use crate::response::recording_with_timeout;
use crate::{
    ApiKey, ClientConfig, Error, ProfileSelector, RawRequest, Response, TimeoutError, TimeoutKind,
};
use types::{Profile, ProfileRequest, ProfileResponse};

crate::hooks::impl_client_hooks!(generated::Client);

/// A client of the v1 profile API.
///
/// Each method names the profile with a [`ProfileSelector`], so every request carries exactly one
/// identity header, and returns this crate's [`Error`] on failure. It is cheap to clone (the
/// connection pool is shared) and safe to use from many tasks.
///
/// ```no_run
/// use adapty_api::{ApiKey, ProfileSelector, v1};
/// use adapty_api::v1::types::ProfileRequest;
///
/// # async fn demo() -> Result<(), adapty_api::Error> {
/// let client = v1::Client::builder(ApiKey::new(std::env::var("ADAPTY_API_KEY").unwrap_or_default())?)
///     .build()?;
/// let who = ProfileSelector::customer_user_id("user-42")?;
///
/// let mut attributes = ProfileRequest::default();
/// attributes.email = Some("jane@example.com".into());
/// let created = client.create_profile(&who, &attributes).await?;
/// println!("created {} (request {:?})", created.profile_id, created.request_id());
///
/// let profile = client.get_profile(&who).await?;
/// client.delete_profile(&ProfileSelector::profile_id(profile.profile_id)).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    inner: generated::Client,
}

impl Client {
    /// Starts building a client that authenticates with `api_key`.
    pub fn builder(api_key: ApiKey) -> ClientBuilder<Self> {
        ClientBuilder::new(api_key, |parts: Parts| Self {
            inner: generated::Client::new_with_client(
                &parts.base_url,
                parts.http_client,
                parts.config,
            ),
        })
    }

    /// Starts a request this client has no method for (an endpoint or a field the spec does not
    /// have yet), sent through the same checks, authentication, retries and timeouts; see
    /// [`RawRequest`].
    pub fn request(&self, method: reqwest::Method, path: &str) -> RawRequest<'_> {
        RawRequest::new(
            progenitor_client::ClientInfo::client(&self.inner),
            self.config(),
            self.base_url(),
            method,
            path,
        )
    }

    /// The configuration: retry policy and timeouts.
    pub fn config(&self) -> &ClientConfig {
        progenitor_client::ClientInfo::inner(&self.inner)
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        progenitor_client::ClientInfo::baseurl(&self.inner)
    }

    /// Retrieves a profile (`GET /api/v1/server-side-api/profiles/`).
    ///
    /// Fails with [`Error::Api`] and [`is_not_found`](crate::ApiError::is_not_found) when no
    /// profile matches.
    pub async fn get_profile(&self, profile: &ProfileSelector) -> Result<Response<Profile>, Error> {
        finish(
            self.config(),
            self.inner.get_profile().select(profile).send(),
            |r: ProfileResponse| r.data,
        )
        .await
    }

    /// Creates a profile (`POST /api/v1/server-side-api/profiles/`) with the given attributes;
    /// every attribute is optional (`&ProfileRequest::default()` sends `{}`).
    ///
    /// The attributes are checked against the documented limits first (see
    /// [`MAX_CUSTOM_ATTRIBUTES`]); on [`Error::InvalidInput`] nothing was sent. A create is retried
    /// only when Adapty provably did not process it (no connection, or `429`).
    pub async fn create_profile(
        &self,
        profile: &ProfileSelector,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        validate::profile_request(attributes)?;
        let call = self
            .inner
            .create_profile()
            .select(profile)
            .body(attributes.clone())
            .send();
        finish(self.config(), call, |r: ProfileResponse| r.data).await
    }

    /// Updates a profile (`PATCH /api/v1/server-side-api/profiles/`): the attributes set in
    /// `attributes` change, the others stay as they are. A field set to
    /// `Some(`[`Nullable::Null`]`)` is cleared, and a custom attribute sent with
    /// [`AttributeValue::delete`] is deleted.
    ///
    /// ```
    /// use adapty_api::v1::{AttributeValue, Nullable, custom_attribute};
    /// use adapty_api::v1::types::ProfileRequest;
    ///
    /// let mut changes = ProfileRequest::default(); // every field: unchanged
    /// changes.email = Some("jane@example.com".into()); // set
    /// changes.phone_number = Some(Nullable::Null); // clear
    /// changes.custom_attributes = vec![
    ///     custom_attribute("plan", "pro")?,
    ///     custom_attribute("trial_days", AttributeValue::delete())?, // delete
    /// ];
    /// assert_eq!(
    ///     serde_json::to_value(&changes)?,
    ///     serde_json::json!({
    ///         "email": "jane@example.com",
    ///         "phone_number": null,
    ///         "custom_attributes": [
    ///             {"key": "plan", "value": "pro"},
    ///             {"key": "trial_days", "value": null},
    ///         ],
    ///     }),
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// The attributes are checked against the documented limits first; on
    /// [`Error::InvalidInput`] nothing was sent.
    pub async fn update_profile(
        &self,
        profile: &ProfileSelector,
        attributes: &ProfileRequest,
    ) -> Result<Response<Profile>, Error> {
        validate::profile_request(attributes)?;
        let call = self
            .inner
            .update_profile()
            .select(profile)
            .body(attributes.clone())
            .send();
        finish(self.config(), call, |r: ProfileResponse| r.data).await
    }

    /// Deletes a profile and its data (`DELETE /api/v1/server-side-api/profiles/`); Adapty
    /// answers `204 No Content`.
    pub async fn delete_profile(&self, profile: &ProfileSelector) -> Result<Response<()>, Error> {
        finish(
            self.config(),
            self.inner.delete_profile().select(profile).send(),
            |()| (),
        )
        .await
    }
}

/// Awaits a generated call within the operation timeout and converts its outcome: the success
/// value through `map`, a failure into [`Error`] with what the hooks recorded on the wire.
async fn finish<T, U, E>(
    config: &ClientConfig,
    call: impl Future<Output = Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>>,
    map: impl FnOnce(T) -> U,
) -> Result<Response<U>, Error>
where
    T: DeserializeOwned,
    E: serde::Serialize,
{
    match recording_with_timeout(config.operation_timeout(), call).await {
        Ok((Ok(value), _)) => {
            let status = value.status();
            let headers = value.headers().clone();
            Ok(Response::new(map(value.into_inner()), status, &headers))
        }
        Ok((Err(error), call)) => Err(from_generated::<T, E>(error, call, config).await),
        Err(call) => Err(Error::Timeout(TimeoutError::new(
            TimeoutKind::Operation,
            config,
            call.attempts,
            None,
        ))),
    }
}

/// Puts a [`ProfileSelector`] on a generated request builder as its one identity header.
trait Select {
    fn select(self, profile: &ProfileSelector) -> Self;
}

macro_rules! impl_select {
    ($($builder:ident),+) => {$(
        impl Select for generated::builder::$builder<'_> {
            fn select(self, profile: &ProfileSelector) -> Self {
                match profile {
                    ProfileSelector::ProfileId(id) => self.adapty_profile_id(*id),
                    ProfileSelector::CustomerUserId(id) => {
                        self.adapty_customer_user_id(id.as_str().to_owned())
                    }
                }
            }
        }
    )+};
}

impl_select!(GetProfile, CreateProfile, UpdateProfile, DeleteProfile);
