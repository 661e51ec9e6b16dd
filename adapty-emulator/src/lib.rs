//! A local emulator of Adapty's server-side API, v1's profile operations and all 19 operations of
//! v2, for tests: real HTTP on loopback, profiles kept in memory and shared by both versions (each
//! answering in its own shapes), an app catalog (access levels, virtual currencies, products,
//! paywalls), the documented errors, and faults on demand.
//!
//! It serves `GET`, `POST`, `PATCH` and `DELETE /api/v1/server-side-api/profiles/` and the v2
//! operations under `/api/v2/server-side-api/` (profiles, transactions, access levels, Refund
//! Saver, Stripe and Paddle imports, integration identifiers, paywalls, virtual currencies) as the
//! specs in `openapi/` describe them: `Authorization: Api-Key <key>` with one of the configured
//! keys, the identity headers `adapty-profile-id` / `adapty-customer-user-id`, the documented
//! bodies, status codes and error envelopes, and a `Request-Id` header on every response.
//!
//! ```no_run
//! use adapty_emulator::{Emulator, Fault, Operation};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let emulator = Emulator::new().api_key("secret_test_key").start().await?;
//! println!("profile API at {}", emulator.base_url());
//!
//! // The next two GETs answer 429 with `Retry-After: 1`.
//! emulator.inject(Some(Operation::Get), Fault::RateLimited { retry_after_secs: 1 }, 2)?;
//!
//! emulator.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! The binary (`adapty-emulator --listen 127.0.0.1:8080 --api-key KEY`) serves the same API for
//! tests in any language. The crate README describes the catalog's format and lists what the
//! emulator does where Adapty's docs are silent.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod catalog;
mod error;
mod faults;
mod net;
mod purchases;
mod request;
mod server;
mod store;
mod traffic;
mod v2;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use faults::{Fault, FaultError, MAX_DELAY_MILLIS, MAX_TIMES, Operation, V2Operation};
pub use server::{CONTROL_PREFIX, PROFILES_PATH};
pub use traffic::TRAFFIC_ENV;

use crate::net::{ConnectionHandle, DroppableListener};
use crate::server::App;
use crate::traffic::Recorder;

/// The configuration of an emulator, to [`start`](Emulator::start) it.
#[derive(Clone)]
pub struct Emulator {
    listen: SocketAddr,
    api_keys: Vec<String>,
    app_id: Option<Uuid>,
    control_api: bool,
    demo_purchases: bool,
    traffic: Option<PathBuf>,
    request_timeout: std::time::Duration,
    catalog: Option<serde_json::Value>,
}

impl std::fmt::Debug for Emulator {
    /// The API keys are secrets: only their number is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("listen", &self.listen)
            .field(
                "api_keys",
                &format_args!("[{} redacted]", self.api_keys.len()),
            )
            .field("app_id", &self.app_id)
            .field("control_api", &self.control_api)
            .field("demo_purchases", &self.demo_purchases)
            .field("traffic", &self.traffic)
            .field("request_timeout", &self.request_timeout)
            .field("catalog", &self.catalog.as_ref().map(|_| "custom"))
            .finish()
    }
}

impl Default for Emulator {
    fn default() -> Self {
        Self::new()
    }
}

impl Emulator {
    /// An emulator on a free loopback port (`127.0.0.1:0`), with no API key yet and the control
    /// API off.
    pub fn new() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            api_keys: Vec::new(),
            app_id: None,
            control_api: false,
            demo_purchases: false,
            traffic: Recorder::dir_from_env(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            catalog: None,
        }
    }

    /// The app's catalog for the v2 operations: its access levels, virtual currencies, products
    /// and paywalls, as JSON in the format the crate README describes (default: the built-in
    /// catalog, `src/catalog.json`). It is checked when the emulator starts.
    pub fn catalog(mut self, catalog: serde_json::Value) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// How long a request may take to arrive (head and body), counted from when the server
    /// starts waiting for it; default [`DEFAULT_REQUEST_TIMEOUT`]. A connection that does not
    /// deliver a request in time (a client sending a byte at a time, half a request, or nothing
    /// on an idle keep-alive connection) is closed.
    pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The address to listen on; port 0 picks a free port.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Accepts this secret API key (`Authorization: Api-Key <key>`); may be called many times.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_keys.push(key.into());
        self
    }

    /// The `app_id` of every profile (default: a random UUID per emulator).
    pub fn app_id(mut self, app_id: Uuid) -> Self {
        self.app_id = Some(app_id);
        self
    }

    /// Serves the control API under [`CONTROL_PREFIX`] (`/__emulator/...`: health, reset, seed,
    /// faults). Off by default. The methods of [`RunningEmulator`] work either way.
    pub fn control_api(mut self, enabled: bool) -> Self {
        self.control_api = enabled;
        self
    }

    /// Gives every profile created through the API a fixed set of demo purchases (access levels,
    /// a subscription, a one-time purchase), so that clients and conformance tools see
    /// purchase-bearing answers without seeding. Off by default.
    pub fn demo_purchases(mut self, enabled: bool) -> Self {
        self.demo_purchases = enabled;
        self
    }

    /// Records every answer of the profile API as JSON lines in a new file in `dir`, for checking
    /// them against the spec (see [`TRAFFIC_ENV`], which sets the same thing from the environment;
    /// it is read by [`Emulator::new`]).
    pub fn record_traffic(mut self, dir: impl Into<PathBuf>) -> Self {
        self.traffic = Some(dir.into());
        self
    }

    /// Binds the address and serves in the background on the current Tokio runtime.
    pub async fn start(self) -> Result<RunningEmulator, StartError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StartError::NoRuntime);
        }
        if self.api_keys.is_empty() {
            return Err(StartError::NoApiKey);
        }
        for key in &self.api_keys {
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(StartError::InvalidApiKey);
            }
        }
        let listener = tokio::net::TcpListener::bind(self.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: self.listen,
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| StartError::Bind {
            addr: self.listen,
            source,
        })?;
        let catalog = match self.catalog {
            Some(value) => catalog::Catalog::parse(value),
            None => catalog::Catalog::default_catalog(),
        }
        .map_err(StartError::Catalog)?;
        let app = Arc::new(App {
            api_keys: self.api_keys,
            app_id: self.app_id.unwrap_or_else(Uuid::new_v4),
            store: Default::default(),
            faults: Default::default(),
            catalog,
        });
        let demo = if self.demo_purchases {
            Some(purchases::demo().map_err(StartError::DemoPurchases)?)
        } else {
            None
        };
        let recorder = match &self.traffic {
            Some(dir) => Some(Arc::new(Recorder::create(dir).map_err(|source| {
                StartError::Traffic {
                    dir: dir.clone(),
                    source,
                }
            })?)),
            None => None,
        };
        app.store.write().set_demo_purchases(demo);
        let router = server::router(app.clone(), self.control_api, recorder);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            axum::serve(
                DroppableListener(listener, self.request_timeout),
                router.into_make_service_with_connect_info::<ConnectionHandle>(),
            )
            .with_graceful_shutdown(async move {
                // A dropped sender (the handle went away) stops the server too.
                let _ = stopped.await;
            })
            .await
        });
        Ok(RunningEmulator {
            base_url: format!("http://{local_addr}"),
            local_addr,
            app,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// No API key was configured: every request would be refused.
    #[error("no API key configured: give at least one (--api-key or ADAPTY_EMULATOR_API_KEYS)")]
    NoApiKey,
    /// An API key is empty or holds characters other than printable ASCII without spaces.
    #[error("an API key is empty or holds characters other than printable ASCII without spaces")]
    InvalidApiKey,
    /// `start` was polled outside a Tokio runtime, which the server needs.
    #[error("the emulator needs a Tokio runtime: start it from within one (e.g. #[tokio::test])")]
    NoRuntime,
    /// The catalog is not in the documented format; the message names the place.
    #[error("invalid catalog: {0}")]
    Catalog(String),
    /// The demo purchases do not fit the spec's types (a build from an inconsistent tree).
    #[error("the demo purchases do not fit the spec: {0}")]
    DemoPurchases(String),
    /// The traffic record could not be created.
    #[error("cannot record traffic in {}: {source}", dir.display())]
    Traffic {
        /// The directory asked for.
        dir: PathBuf,
        /// The error of the operating system.
        source: io::Error,
    },
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The error of the operating system.
        source: io::Error,
    },
}

/// Why a seed was refused: the fields and what is wrong with them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid seed: {0}")]
pub struct SeedError(String);

/// A running emulator. Dropping it stops the server; [`shutdown`](Self::shutdown) also waits for
/// the requests in flight to finish.
#[derive(Debug)]
pub struct RunningEmulator {
    base_url: String,
    local_addr: SocketAddr,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<io::Result<()>>>,
}

impl RunningEmulator {
    /// The base URL to give a client, e.g. `http://127.0.0.1:41234` (no trailing slash; the
    /// profile API is at [`PROFILES_PATH`] under it).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The `app_id` of every profile.
    pub fn app_id(&self) -> Uuid {
        self.app.app_id
    }

    /// Queues `fault` for the next `times` requests of `operation` (`None`: of any operation).
    /// Faults of an operation are served before faults for any operation.
    pub fn inject(
        &self,
        operation: Option<Operation>,
        fault: Fault,
        times: u32,
    ) -> Result<(), FaultError> {
        self.app.faults.push(operation, fault, times)
    }

    /// How many injected faults are still queued (not yet served), over every operation.
    pub fn pending_faults(&self) -> usize {
        self.app.faults.pending().iter().sum()
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// Deletes every profile, drops every queued fault and puts the catalog's paywalls back as
    /// loaded.
    pub fn reset(&self) {
        self.app.store.write().clear();
        self.app.faults.clear();
        self.app.catalog.reset();
    }

    /// Stores a profile, given as the JSON the control API's `POST /__emulator/profiles` takes:
    /// any `ProfileRequest` field, plus `profile_id` (default: a new UUID), `customer_user_id`,
    /// `total_revenue_usd`, `access_levels`, `subscriptions` and `non_subscriptions` (as in the
    /// spec's `Profile`). Returns the profile's ID.
    pub fn seed(&self, profile: serde_json::Value) -> Result<Uuid, SeedError> {
        server::seed(&self.app, profile).map_err(|failure| SeedError(failure.describe()))
    }

    /// How many profiles are stored.
    pub fn profile_count(&self) -> usize {
        self.app.store.read().len()
    }

    /// Stops accepting connections, lets the requests in flight finish for up to
    /// [`SHUTDOWN_GRACE`], then closes whatever is left (a client holding a half-sent request, an
    /// idle keep-alive connection) and returns.
    pub async fn shutdown(mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(SHUTDOWN_GRACE, &mut task).await {
            Ok(done) => done.map_err(io::Error::other)?,
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Entry points for the fuzz targets in `fuzz/` and the property tests; not part of the API.
#[doc(hidden)]
pub mod __fuzz {
    /// Reads a profile request body as the create and update handlers do: `Ok` when it is
    /// accepted, else the number of messages the 400 answer lists.
    pub fn parse_profile_request(body: &[u8]) -> Result<(), usize> {
        crate::request::parse_profile_request(body)
            .map(drop)
            .map_err(|failure| failure.message_count())
    }
}

/// How long a request may take to arrive by default: 90 s, longer than the longest delay fault
/// ([`MAX_DELAY_MILLIS`]), so that no fault is cut short.
pub const DEFAULT_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(90);

/// How long [`RunningEmulator::shutdown`] lets requests in flight finish before it closes their
/// connections.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// The README's examples, compiled as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
