//! What happens to every request of a generated client, whoever calls it.
//!
//! progenitor lets a crate override its `ClientHooks` for the generated `Client` type. Ours:
//! - `pre`: add `Authorization: Api-Key …` (marked sensitive), `Content-Type: application/json`
//!   on requests with a body (and only those: a `GET` or `DELETE` has no content to type) and our
//!   `User-Agent`; drop the `api-version` header progenitor adds from `info.version`, which Adapty
//!   does not define;
//! - `exec`: send with retries and timeouts ([`crate::send`]), which also records each response's
//!   status and headers for the error mapping (see [`crate::response`]).

use reqwest::header::{self, HeaderValue};

use crate::ClientConfig;

/// Prepares a request of any generated client.
pub(crate) fn prepare(config: &ClientConfig, request: &mut reqwest::Request) {
    let has_body = request.body().is_some();
    let headers = request.headers_mut();
    headers.remove("api-version");
    headers.insert(header::AUTHORIZATION, config.api_key.header_value());
    if has_body {
        headers
            .entry(header::CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("application/json"));
    } else {
        headers.remove(header::CONTENT_TYPE);
    }
    if let Ok(agent) = HeaderValue::from_str(&config.user_agent) {
        headers.insert(header::USER_AGENT, agent);
    }
}

/// Implements the hooks for one generated client type (one per API version).
macro_rules! impl_client_hooks {
    ($client:ty) => {
        impl progenitor_client::ClientHooks<$crate::ClientConfig> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                _info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                $crate::hooks::prepare(progenitor_client::ClientInfo::inner(self), request);
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                $crate::send::send(
                    progenitor_client::ClientInfo::client(self),
                    progenitor_client::ClientInfo::inner(self),
                    request,
                    info.operation_id,
                )
                .await
            }
        }
    };
}

pub(crate) use impl_client_hooks;
