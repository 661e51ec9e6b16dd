//! The SDK's calls against raw `reqwest` calls that do the same work: the same URL and headers,
//! the body read whole and decoded into the same generated types.

use std::rc::Rc;

use adapty_api::reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use adapty_api::reqwest::{self, Method, StatusCode};
use adapty_api::v1::Client;
use adapty_api::v1::types::{ProfileRequest, ProfileResponse};
use adapty_api::{ApiKey, ProfileSelector};

use crate::server::FixedServer;
use crate::{CREATE_REQUEST, Comparison, Settings, compare, measure};

const KEY: &str = "secret_bench_key";
const USER: &str = "user-42";
const PROFILES: &str = "/api/v1/server-side-api/profiles/";

/// Which operation a comparison makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `get_profile` / `GET`.
    Get,
    /// `create_profile` / `POST` with the documented body.
    Create,
    /// `delete_profile` / `DELETE`.
    Delete,
}

impl Operation {
    fn name(self) -> &'static str {
        match self {
            Self::Get => "get_profile",
            Self::Create => "create_profile",
            Self::Delete => "delete_profile",
        }
    }
}

/// Everything both sides share: the server, the SDK client, the raw client and the request.
pub struct Bench {
    rt: tokio::runtime::Runtime,
    sdk: Client,
    raw: reqwest::Client,
    url: String,
    who: ProfileSelector,
    request: ProfileRequest,
    authorization: HeaderValue,
    user_agent: HeaderValue,
    customer_user_id: HeaderValue,
    _server: FixedServer,
}

impl Bench {
    /// Starts the server and builds both clients with their defaults (the SDK's: retry policy
    /// and timeouts on).
    pub fn new() -> Result<Self, Box<dyn std::error::Error>> {
        let server = FixedServer::start()?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let sdk = Client::builder(ApiKey::new(KEY)?)
            .base_url(server.base_url())
            .build()?;
        let request: ProfileRequest = serde_json::from_slice(CREATE_REQUEST)?;
        let mut authorization = HeaderValue::from_str(&format!("Api-Key {KEY}"))?;
        authorization.set_sensitive(true);
        Ok(Self {
            rt,
            sdk,
            raw: reqwest::Client::new(),
            url: format!("{}{PROFILES}", server.base_url()),
            who: ProfileSelector::customer_user_id(USER)?,
            request,
            authorization,
            user_agent: HeaderValue::from_str(sdk_user_agent())?,
            customer_user_id: HeaderValue::from_static(USER),
            _server: server,
        })
    }

    /// One SDK call; panics on failure (the server's answers are fixed).
    pub async fn sdk_call(&self, operation: Operation) {
        match operation {
            Operation::Get => {
                let profile = self.sdk.get_profile(&self.who).await.expect("SDK get");
                std::hint::black_box(profile);
            }
            Operation::Create => {
                let profile = self
                    .sdk
                    .create_profile(&self.who, &self.request)
                    .await
                    .expect("SDK create");
                std::hint::black_box(profile);
            }
            Operation::Delete => {
                let done = self
                    .sdk
                    .delete_profile(&self.who)
                    .await
                    .expect("SDK delete");
                std::hint::black_box(done);
            }
        }
    }

    /// The same call with raw reqwest; panics on failure.
    pub async fn raw_call(&self, operation: Operation) {
        let method = match operation {
            Operation::Get => Method::GET,
            Operation::Create => Method::POST,
            Operation::Delete => Method::DELETE,
        };
        let mut builder = self
            .raw
            .request(method, &self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(USER_AGENT, self.user_agent.clone())
            .header("adapty-customer-user-id", self.customer_user_id.clone());
        if operation == Operation::Create {
            // Serialized per call, as the SDK must (`json` also sets the content type).
            builder = builder.json(&self.request);
        }
        let response = builder.send().await.expect("raw send");
        let status = response.status();
        let body = response.bytes().await.expect("raw body");
        if operation == Operation::Delete {
            assert_eq!(status, StatusCode::NO_CONTENT);
        } else {
            assert_eq!(status, StatusCode::OK);
            let profile: ProfileResponse = serde_json::from_slice(&body).expect("raw decode");
            std::hint::black_box(profile);
        }
    }
}

/// The `User-Agent` the SDK sends, so that raw requests carry the same bytes.
pub(crate) fn sdk_user_agent() -> &'static str {
    concat!("adapty-rs/", env!("CARGO_PKG_VERSION"))
}

/// Runs `calls` calls of one side with `in_flight` at a time, on the bench's runtime.
fn batch(
    bench: &Rc<Bench>,
    operation: Operation,
    sdk: bool,
    calls: usize,
    in_flight: usize,
) -> crate::Cost {
    let shared = Rc::clone(bench);
    measure(&bench.rt, async move {
        let local = tokio::task::LocalSet::new();
        for worker in 0..in_flight {
            let bench = Rc::clone(&shared);
            let share = calls / in_flight + usize::from(worker < calls % in_flight);
            local.spawn_local(async move {
                for _ in 0..share {
                    if sdk {
                        bench.sdk_call(operation).await;
                    } else {
                        bench.raw_call(operation).await;
                    }
                }
            });
        }
        local.await;
    })
}

/// Every call comparison: get, create and delete, at 1 and 16 in flight.
pub fn compare_all(settings: Settings) -> Vec<Comparison> {
    let bench = Rc::new(Bench::new().expect("the bench starts"));
    let mut all = Vec::new();
    for operation in [Operation::Get, Operation::Create, Operation::Delete] {
        for in_flight in [1, 16] {
            all.push(compare(
                format!("{}, {in_flight} in flight", operation.name()),
                ("SDK", "raw reqwest"),
                settings.rounds,
                settings.calls,
                || batch(&bench, operation, true, settings.calls, in_flight),
                || batch(&bench, operation, false, settings.calls, in_flight),
            ));
        }
    }
    all
}
