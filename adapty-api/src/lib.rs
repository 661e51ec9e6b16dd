//! A typed client for [Adapty](https://adapty.io)'s server-side API: manage the end users of your
//! app (profiles, access levels, purchases, virtual currencies) and your paywalls from a Rust
//! backend. [`v2`] is Adapty's current API (19 operations); [`v1`] its older profile API.
//!
//! The client is generated from hand-written OpenAPI specs (`openapi/` in the repository) with
//! progenitor, under a small hand-written layer that makes misuse hard:
//!
//! - [`ApiKey`] holds the secret key and never prints it;
//! - [`ProfileSelector`] names a profile by exactly one identity header, by construction;
//! - [`v1::Client`] and [`v2::Client`] have one method per operation, returning [`Response`] or
//!   this crate's [`Error`], which keeps the status, Adapty's error code (typed with
//!   [`Error::code`]) and messages, the request ID, and any body that is not the documented JSON;
//! - failed attempts are retried by a [`RetryPolicy`] (only where that is safe, per operation: a
//!   create is retried only when Adapty provably did not process it, a virtual currency
//!   transaction carries an [`IdempotencyKey`]), within connect, attempt and operation timeouts
//!   ([`ClientBuilder`]);
//! - lists are [`Pages`] streams; "one of" requests are enums;
//! - decoding survives what Adapty adds (unknown fields, new enum values as `Unrecognized`, the
//!   datetime forms it uses), and an update can leave, clear or set each nullable field
//!   ([`Nullable`]);
//! - each call is a `tracing` span without secrets or personal data.
//!
//! ```no_run
//! use adapty_api::{ApiKey, ProfileSelector, v1};
//!
//! # async fn demo() -> Result<(), adapty_api::Error> {
//! let client = v1::Client::builder(ApiKey::new("secret_live_...")?).build()?;
//! let profile = client.get_profile(&ProfileSelector::customer_user_id("user-42")?).await?;
//! for level in profile.access_levels.iter().flatten() {
//!     println!("{} expires {:?}", level.access_level_id, level.expires_at);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Each API version is a module ([`v1`], [`v2`]) with its client and its data types
//! (`v1::types`, `v2::types`, generated from its spec); everything else (authentication, profile
//! selection, retries, timeouts, errors, pagination, idempotency keys) is shared. `Client::request`
//! sends what the typed methods do not cover, through the same checks, retries and error mapping.
//!
//! TLS: the `rustls` feature (default) or `native-tls`; with neither, only `http://` loopback
//! URLs work.

// docs.rs builds with `--cfg docsrs` (see `[package.metadata.docs.rs]`): items behind a feature
// are labelled with it.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod attribute;
mod auth;
pub mod bulk;
mod call;
mod config;
pub mod drift;
mod error;
mod idempotency;
mod nullable;
mod offer;
mod open_enum;
mod pages;
mod raw;
mod response;
mod retry;
mod selector;
mod send;
mod timestamp;
mod transport;
pub mod v1;
pub mod v2;
mod validate;

pub use attribute::{AttributeValue, MAX_SAFE_INTEGER};
pub use auth::ApiKey;
pub use call::Operation;
pub use config::{
    ClientBuilder, ClientConfig, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_OPERATION_TIMEOUT,
};
pub use error::{
    ApiError, DecodeError, Error, FieldError, InvalidInputError, TimeoutError, TransportError,
    TransportKind,
};
pub use idempotency::IdempotencyKey;
pub use nullable::Nullable;
pub use pages::Pages;
pub use raw::RawRequest;
pub use response::{Response, TimeoutKind};
pub use retry::{MAX_RETRY_DELAY, RetryPolicy};
pub use selector::{CustomerUserId, ProfileSelector};
pub use timestamp::{TIMESTAMP_PATTERN, Timestamp, TimestampError};

/// The `reqwest` this crate is built on; a client passed to
/// [`ClientBuilder::http_client`] must come from it.
pub use reqwest;

/// The `uuid` of profile IDs ([`ProfileSelector::profile_id`], `Profile::profile_id`).
pub use uuid;

/// The `chrono` of dates and times (`birthday` is a `chrono::NaiveDate`; [`Timestamp`] derefs to
/// a `chrono::DateTime<Utc>`).
pub use chrono;

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// Locks `mutex`, also after a panic elsewhere poisoned it: the data behind this crate's locks
/// (counters, caches) stays valid whatever a panicking holder left.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
