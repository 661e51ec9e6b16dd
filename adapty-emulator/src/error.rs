//! The documented error envelope:
//! `{"errors": [{"source": .., "errors": [..]}], "error_code": .., "status_code": ..}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// The source Adapty names for errors about the request as a whole.
pub(crate) const NON_FIELD_ERRORS: &str = "non_field_errors";

/// An error answer of the emulated API.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiFailure {
    status: StatusCode,
    body: Envelope,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Envelope {
    errors: Vec<Detail>,
    error_code: String,
    status_code: u16,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct Detail {
    source: Option<String>,
    errors: Vec<String>,
}

impl ApiFailure {
    /// How many messages the answer lists, over every source.
    pub(crate) fn message_count(&self) -> usize {
        self.body.errors.iter().map(|d| d.errors.len()).sum()
    }

    /// An error with one source and its messages.
    pub(crate) fn new(
        status: StatusCode,
        error_code: &str,
        source: Option<&str>,
        messages: Vec<String>,
    ) -> Self {
        Self {
            status,
            body: Envelope {
                errors: vec![Detail {
                    source: source.map(str::to_owned),
                    errors: messages,
                }],
                error_code: error_code.to_owned(),
                status_code: status.as_u16(),
            },
        }
    }

    /// 401 for a request without credentials: the documented body.
    pub(crate) fn not_authenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            Some(NON_FIELD_ERRORS),
            vec!["Authentication credentials were not provided.".to_owned()],
        )
    }

    /// 401 for credentials that are not a known API key. The v1 401 snippet documents one error
    /// code, `not_authenticated`; a wrong key gets it too (with its own message), so a client can
    /// rely on the one documented code for every 401.
    pub(crate) fn invalid_key(message: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            Some(NON_FIELD_ERRORS),
            vec![message.to_owned()],
        )
    }

    /// 404: the documented body, with an optional hint after the documented message.
    pub(crate) fn not_found(hint: Option<String>) -> Self {
        let mut messages = vec!["Not found.".to_owned()];
        messages.extend(hint);
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            Some(NON_FIELD_ERRORS),
            messages,
        )
    }

    /// 400 for a body that is not a JSON object.
    pub(crate) fn parse_error(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "parse_error",
            Some(NON_FIELD_ERRORS),
            vec![message.into()],
        )
    }

    /// 400 naming each offending field; messages about the same field are grouped.
    pub(crate) fn validation(problems: Vec<(String, String)>) -> Self {
        let mut errors: Vec<Detail> = Vec::new();
        for (source, message) in problems {
            match errors
                .iter_mut()
                .find(|d| d.source.as_deref() == Some(source.as_str()))
            {
                Some(detail) => detail.errors.push(message),
                None => errors.push(Detail {
                    source: Some(source),
                    errors: vec![message],
                }),
            }
        }
        Self {
            status: StatusCode::BAD_REQUEST,
            body: Envelope {
                errors,
                error_code: "validation_error".to_owned(),
                status_code: 400,
            },
        }
    }

    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The messages after the first (a 404's hint), joined.
    pub(crate) fn hint(&self) -> Option<String> {
        let rest: Vec<&str> = self
            .body
            .errors
            .iter()
            .flat_map(|d| d.errors.iter().skip(1))
            .map(String::as_str)
            .collect();
        (!rest.is_empty()).then(|| rest.join(" "))
    }

    /// The `error_code` of the body.
    pub(crate) fn error_code(&self) -> &str {
        &self.body.error_code
    }

    /// The same answer under another `error_code` (a v1 code that a v2 operation documents by
    /// another name).
    pub(crate) fn with_code(mut self, error_code: &str) -> Self {
        self.body.error_code = error_code.to_owned();
        self
    }

    /// The messages as one line: `source: message; ...`.
    pub(crate) fn describe(&self) -> String {
        let parts: Vec<String> = self
            .body
            .errors
            .iter()
            .map(|d| {
                format!(
                    "{}: {}",
                    d.source.as_deref().unwrap_or(NON_FIELD_ERRORS),
                    d.errors.join(" ")
                )
            })
            .collect();
        parts.join("; ")
    }

    /// The sources of the body, in order (for tests).
    #[cfg(test)]
    pub(crate) fn sources(&self) -> Vec<String> {
        self.body
            .errors
            .iter()
            .map(|d| d.source.clone().unwrap_or_default())
            .collect()
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body)
    }
}

/// A JSON response with `Content-Type: application/json`.
pub(crate) fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => {
            let mut response = (status, bytes).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        // Serializing the emulator's own types cannot fail (string keys, finite numbers); if it
        // ever did, say so rather than panic.
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("emulator could not serialize its answer: {e}"),
        )
            .into_response(),
    }
}
