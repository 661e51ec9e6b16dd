//! [`IdempotencyKey`]: what makes a non-idempotent call safe to retry.

use std::fmt;
use std::str::FromStr;

use reqwest::header::HeaderValue;
use uuid::Uuid;

use crate::Error;

/// The `Idempotency-Key` of one logical call: a random UUID v4 (the only form Adapty accepts).
///
/// Adapty applies a call once per key and profile (for about an hour), so a call that carries one
/// is retried like an idempotent call, and a `409 idempotency_in_flight` (the first attempt is
/// still being processed) is waited out. A method that takes an `Option<IdempotencyKey>` makes a
/// fresh key per call when given `None`, and keeps it across that call's retries; pass your own to
/// make a call you repeat yourself (after a crash, say) apply once.
///
/// ```
/// use adapty_api::IdempotencyKey;
///
/// let key = IdempotencyKey::new();
/// let again: IdempotencyKey = key.to_string().parse()?;
/// assert_eq!(key, again);
/// assert!("3fa85f64-5717-1562-b3fc-2c963f66afa6".parse::<IdempotencyKey>().is_err()); // v1, not v4
/// # Ok::<(), adapty_api::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(Uuid);

impl IdempotencyKey {
    /// A fresh random key.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// A key from a UUID, which must be a version 4 UUID.
    pub fn from_uuid(uuid: Uuid) -> Result<Self, Error> {
        if uuid.get_version_num() == 4 {
            Ok(Self(uuid))
        } else {
            Err(Error::invalid_input(
                "idempotency_key",
                format!(
                    "a UUID of version {}; Adapty accepts version 4 only",
                    uuid.get_version_num()
                ),
            ))
        }
    }

    /// The UUID.
    pub fn as_uuid(&self) -> &Uuid {
        &self.0
    }

    pub(crate) fn header_value(&self) -> HeaderValue {
        let mut buffer = Uuid::encode_buffer();
        let text = self.0.hyphenated().encode_lower(&mut buffer);
        // A hyphenated UUID is ASCII, always a valid header value.
        HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""))
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0.hyphenated(), f)
    }
}

impl FromStr for IdempotencyKey {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        let uuid = Uuid::parse_str(text)
            .map_err(|e| Error::invalid_input("idempotency_key", format!("not a UUID: {e}")))?;
        Self::from_uuid(uuid)
    }
}

impl TryFrom<Uuid> for IdempotencyKey {
    type Error = Error;

    fn try_from(uuid: Uuid) -> Result<Self, Error> {
        Self::from_uuid(uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_keys_differ_and_are_version_4() {
        let (a, b) = (IdempotencyKey::new(), IdempotencyKey::new());
        assert_ne!(a, b);
        assert_eq!(a.as_uuid().get_version_num(), 4);
        assert_eq!(a.header_value().to_str().ok(), Some(a.to_string().as_str()));
    }

    #[test]
    fn only_version_4_is_accepted() {
        assert!(IdempotencyKey::from_uuid(Uuid::nil()).is_err());
        let err = "not-a-uuid".parse::<IdempotencyKey>().expect_err("invalid");
        assert!(err.to_string().contains("idempotency_key"), "{err}");
    }
}
