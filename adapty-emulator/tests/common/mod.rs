//! Helpers shared by the emulator's test files.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use adapty_api::v1::types::ProfileRequest;
use adapty_api::v1::{AttributeValue, Client, custom_attribute};
use adapty_api::{ApiKey, Error};
use adapty_emulator::{Emulator, PROFILES_PATH, RunningEmulator};
use reqwest::header::HeaderMap;
use serde_json::Value;

/// The API key every test emulator accepts.
pub const KEY: &str = "secret_test_emulator_key";

/// An emulator on a free loopback port, control API on.
pub async fn emulator() -> RunningEmulator {
    Emulator::new()
        .api_key(KEY)
        .control_api(true)
        .start()
        .await
        .expect("the emulator starts")
}

/// An `adapty-api` client for the emulator.
pub fn client(emulator: &RunningEmulator) -> Client {
    client_with_key(emulator, KEY)
}

/// An `adapty-api` client for the emulator with another key.
pub fn client_with_key(emulator: &RunningEmulator, key: &str) -> Client {
    Client::builder(ApiKey::new(key).unwrap())
        .base_url(emulator.base_url())
        .build()
        .unwrap()
}

/// The one place the tests build a `ProfileRequest`: an email, a first name, and custom attributes
/// (`None` deletes one).
pub fn attributes(
    email: Option<&str>,
    first_name: Option<&str>,
    custom: &[(&str, Option<&str>)],
) -> ProfileRequest {
    let mut request = ProfileRequest::default();
    request.email = email.map(Into::into);
    request.first_name = first_name.map(Into::into);
    request.custom_attributes = custom
        .iter()
        .map(|(key, value)| match value {
            Some(text) => custom_attribute(key, *text).unwrap(),
            None => custom_attribute(key, AttributeValue::delete()).unwrap(),
        })
        .collect();
    request
}

/// The `ApiError` inside an error, or a panic naming what came instead.
pub fn api_error(result: Result<impl std::fmt::Debug, Error>) -> Box<adapty_api::ApiError> {
    match result {
        Err(Error::Api(e)) => e,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// The custom attributes of a response's profile as `(key, value)` pairs.
pub fn custom(profile: &adapty_api::v1::types::Profile) -> Vec<(String, String)> {
    profile
        .custom_attributes
        .iter()
        .flatten()
        .map(|a| (a.key.clone(), a.value.to_string()))
        .collect()
}

/// A raw HTTP answer: status, headers and the body as JSON (`Value::Null` when empty or not JSON).
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    /// The `source` of each error in an error envelope.
    pub fn sources(&self) -> Vec<String> {
        self.json["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("not an error envelope: {}", self.text))
            .iter()
            .map(|e| e["source"].as_str().unwrap_or("null").to_owned())
            .collect()
    }

    /// The `error_code` of an error envelope.
    pub fn error_code(&self) -> &str {
        self.json["error_code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error_code: {}", self.text))
    }

    /// The `Request-Id` header.
    pub fn request_id(&self) -> &str {
        self.headers
            .get("request-id")
            .expect("a Request-Id header")
            .to_str()
            .unwrap()
    }
}

/// Sends a raw request to the profile path: `headers` as given (no API key unless listed).
pub async fn raw(
    emulator: &RunningEmulator,
    method: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    raw_to(emulator, method, PROFILES_PATH, headers, body).await
}

/// Sends a raw request to any path of the emulator.
pub async fn raw_to(
    emulator: &RunningEmulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let http = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.request(method, format!("{}{path}", emulator.base_url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_owned());
    }
    let response = request.send().await.expect("the emulator answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

/// `Authorization: Api-Key KEY`.
pub const AUTH: (&str, &str) = ("authorization", "Api-Key secret_test_emulator_key");
