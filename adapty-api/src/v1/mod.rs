//! Version 1 of Adapty's server-side API: `/api/v1/server-side-api/profiles/`.
//!
//! [`Client`] is the entry point. The data types generated from
//! `openapi/adapty-server-side-api-v1.yaml` are [`types`]; each operation's method and path come
//! from the spec's [`facts`], and every call goes through the crate's one call pipeline.
//! [`Client::request`] reaches what the typed methods do not cover.

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
mod request;
mod validate;
pub use crate::MAX_SAFE_INTEGER;
/// Clearable request fields (`Option<Nullable<T>>`); the one type every version uses.
pub use crate::Nullable;
pub use custom_attribute::{AttributeValue, MAX_TEXT_CHARS, custom_attribute};
pub use enums::*;
crate::offer::offer_accessors!(v1);
pub use validate::MAX_CUSTOM_ATTRIBUTES;

use crate::call::{Call, Core, Endpoint};
use crate::config::ClientBuilder;
use crate::{ApiKey, Error, ProfileSelector, Response};
use types::{Profile, ProfileRequest};

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
    core: Core,
    endpoints: Endpoints,
}

/// The four operations' endpoints, from the spec's facts, resolved once per client.
#[derive(Debug, Clone)]
struct Endpoints {
    get: Endpoint,
    create: Endpoint,
    update: Endpoint,
    delete: Endpoint,
}

impl Client {
    /// Starts building a client that authenticates with `api_key`.
    pub fn builder(api_key: ApiKey) -> ClientBuilder<Self> {
        ClientBuilder::new(api_key, |parts| {
            let core = Core::new(parts);
            let endpoints = Endpoints {
                get: core.endpoint(&facts::GET_PROFILE)?,
                create: core.endpoint(&facts::CREATE_PROFILE)?,
                update: core.endpoint(&facts::UPDATE_PROFILE)?,
                delete: core.endpoint(&facts::DELETE_PROFILE)?,
            };
            Ok(Self { core, endpoints })
        })
    }

    crate::call::client_basics!();
    crate::bulk::profile_bulk_methods!(v1);

    /// Retrieves a profile (`GET /api/v1/server-side-api/profiles/`).
    ///
    /// Fails with [`Error::Api`] and [`is_not_found`](crate::ApiError::is_not_found) when no
    /// profile matches.
    pub async fn get_profile(&self, profile: &ProfileSelector) -> Result<Response<Profile>, Error> {
        self.profile_call(Call::new(&self.endpoints.get).profile(profile))
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
        let call = Call::new(&self.endpoints.create).profile(profile);
        self.profile_call(call.json(attributes)?).await
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
        let call = Call::new(&self.endpoints.update).profile(profile);
        self.profile_call(call.json(attributes)?).await
    }

    /// Deletes a profile and its data (`DELETE /api/v1/server-side-api/profiles/`); Adapty
    /// answers `204 No Content`.
    pub async fn delete_profile(&self, profile: &ProfileSelector) -> Result<Response<()>, Error> {
        let call = Call::new(&self.endpoints.delete).profile(profile);
        self.core.send(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn send<T: Send>(value: T) -> T {
        value
    }

    /// The futures are `Send` (they run on any multi-threaded runtime) and small: each is one state
    /// machine of this crate's code around the HTTP stack's, moved by value once.
    #[test]
    fn call_futures_are_send_and_small() -> Result<(), Error> {
        let client = Client::builder(ApiKey::new("secret_x")?).build()?;
        let who = ProfileSelector::customer_user_id("u")?;
        let request = ProfileRequest::default();
        let sizes = [
            std::mem::size_of_val(&send(client.get_profile(&who))),
            std::mem::size_of_val(&send(client.create_profile(&who, &request))),
            std::mem::size_of_val(&send(client.update_profile(&who, &request))),
            std::mem::size_of_val(&send(client.delete_profile(&who))),
            std::mem::size_of_val(&send(
                client
                    .request(reqwest::Method::GET, "/x")
                    .send::<serde_json::Value>(),
            )),
        ];
        println!("future sizes: {sizes:?}");
        for size in sizes {
            assert!(size <= 4096, "a call future is {size} bytes");
        }
        Ok(())
    }
}
