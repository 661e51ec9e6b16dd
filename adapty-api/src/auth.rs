//! The secret API key and the `Authorization` header made from it.

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::Error;

/// The app's secret API key (Adapty Dashboard: App Settings, General, API keys).
///
/// The key never shows: `Debug` prints `ApiKey([REDACTED])`, there is no `Display`, and the header
/// built from it is marked sensitive so HTTP-level logging redacts it too. The memory holding it is
/// zeroed when the key is dropped.
///
/// ```
/// use adapty_api::ApiKey;
///
/// let key = ApiKey::new("secret_live_BEHrYLTr.ce5zuDEWz06lFRNiaJC8mrLtL8fUwswD")?;
/// assert_eq!(format!("{key:?}"), "ApiKey([REDACTED])");
/// # Ok::<(), adapty_api::Error>(())
/// ```
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    /// Wraps a key, checking that it can travel in an HTTP header.
    ///
    /// Pass the key alone (`secret_live_...`), not the `Api-Key ` prefix: the client adds it. The
    /// key is rejected when it is empty, carries that prefix, or holds whitespace or non-ASCII
    /// characters; the error names the problem but never the key.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        let key: String = key.into();
        let reason = if key.is_empty() {
            Some("the API key is empty")
        } else if key.starts_with("Api-Key") {
            Some("pass the key without its `Api-Key ` prefix; the client adds it")
        } else if !key.bytes().all(|b| b.is_ascii_graphic()) {
            Some("the API key holds whitespace, control or non-ASCII characters")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(Error::invalid_input("api_key", reason)),
            None => Ok(Self(SecretString::from(key))),
        }
    }

    /// The value of the `Authorization` header, marked sensitive.
    pub(crate) fn header_value(&self) -> HeaderValue {
        let mut value = HeaderValue::from_str(&format!("Api-Key {}", self.0.expose_secret()))
            // `new` admits only visible ASCII, which is always a valid header value.
            .unwrap_or_else(|_| HeaderValue::from_static("Api-Key"));
        value.set_sensitive(true);
        value
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

impl TryFrom<String> for ApiKey {
    type Error = Error;

    fn try_from(key: String) -> Result<Self, Error> {
        Self::new(key)
    }
}

impl TryFrom<&str> for ApiKey {
    type Error = Error;

    fn try_from(key: &str) -> Result<Self, Error> {
        Self::new(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_keys_that_cannot_be_sent() {
        for bad in ["", "Api-Key secret_x", "secret x", "secret\n", "sécret"] {
            let err = ApiKey::new(bad).expect_err(bad);
            assert!(err.to_string().contains("api_key"), "{err}");
        }
    }

    #[test]
    fn header_is_sensitive_and_prefixed() -> Result<(), Error> {
        let value = ApiKey::new("secret_live_abc.def")?.header_value();
        assert!(value.is_sensitive());
        assert_eq!(value.to_str().ok(), Some("Api-Key secret_live_abc.def"));
        Ok(())
    }
}
