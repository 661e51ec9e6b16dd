//! Which profile a request is about: exactly one identity header, by construction.

use uuid::Uuid;

use crate::Error;

/// The profile a request is about.
///
/// Adapty reads the profile from one of two headers, `adapty-profile-id` or
/// `adapty-customer-user-id`, and a request must carry exactly one of them. A `ProfileSelector` is
/// one or the other, never both and never neither, so every request built from it is well formed.
/// (It is `#[non_exhaustive]`: a later API version may name profiles another way.)
///
/// ```
/// use adapty_api::ProfileSelector;
///
/// // By Adapty's profile ID (the "Adapty ID" in the dashboard)...
/// let id = adapty_api::uuid::Uuid::from_u128(0x3fa85f64_5717_4562_b3fc_2c963f66afa6);
/// let by_id = ProfileSelector::profile_id(id);
/// // ...or by your own user ID, as your app identified the user through the Adapty SDK.
/// let by_user = ProfileSelector::customer_user_id("user-42")?;
/// assert_eq!(by_user.header_name(), "adapty-customer-user-id");
/// // From text, with this crate's error:
/// let parsed = ProfileSelector::parse_profile_id("3fa85f64-5717-4562-b3fc-2c963f66afa6")?;
/// assert_eq!(parsed, by_id);
/// // Your user ID may be personal data (an email, say): `Debug` does not show it.
/// assert_eq!(format!("{by_user:?}"), "CustomerUserId(CustomerUserId([REDACTED; 7 bytes]))");
/// # Ok::<(), adapty_api::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileSelector {
    /// Adapty's profile ID, sent as `adapty-profile-id`.
    ProfileId(Uuid),
    /// Your own ID of the user, sent as `adapty-customer-user-id`.
    CustomerUserId(CustomerUserId),
}

impl ProfileSelector {
    /// Selects the profile by Adapty's profile ID.
    pub fn profile_id(id: Uuid) -> Self {
        Self::ProfileId(id)
    }

    /// Selects the profile by Adapty's profile ID written as text (a UUID, with or without
    /// hyphens); fails with [`Error::InvalidInput`] naming `profile_id` when it is not one.
    pub fn parse_profile_id(id: &str) -> Result<Self, Error> {
        Uuid::try_parse(id.trim())
            .map(Self::ProfileId)
            .map_err(|e| Error::invalid_input("profile_id", format!("not a UUID: {e}")))
    }

    /// Selects the profile by your own user ID; fails when the ID cannot travel in an HTTP header
    /// (see [`CustomerUserId::new`]).
    pub fn customer_user_id(id: impl Into<String>) -> Result<Self, Error> {
        CustomerUserId::new(id).map(Self::CustomerUserId)
    }

    /// The name of the header this selector is sent as.
    pub fn header_name(&self) -> &'static str {
        match self {
            Self::ProfileId(_) => "adapty-profile-id",
            Self::CustomerUserId(_) => "adapty-customer-user-id",
        }
    }

    /// The header this selector is sent as.
    pub(crate) fn header(&self) -> reqwest::header::HeaderName {
        use reqwest::header::HeaderName;
        const PROFILE_ID: HeaderName = HeaderName::from_static("adapty-profile-id");
        const CUSTOMER_USER_ID: HeaderName = HeaderName::from_static("adapty-customer-user-id");
        match self {
            Self::ProfileId(_) => PROFILE_ID,
            Self::CustomerUserId(_) => CUSTOMER_USER_ID,
        }
    }

    /// The header's value; a customer user ID is marked sensitive, so HTTP-level logging redacts
    /// it like the API key.
    pub(crate) fn header_value(&self) -> reqwest::header::HeaderValue {
        use reqwest::header::HeaderValue;
        match self {
            Self::ProfileId(id) => {
                let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
                HeaderValue::from_bytes(id.hyphenated().encode_lower(&mut text).as_bytes())
                    .unwrap_or_else(|_| HeaderValue::from_static(""))
            }
            Self::CustomerUserId(id) => {
                // `CustomerUserId::new` admits printable ASCII only, always a valid value.
                let mut value = HeaderValue::from_str(id.as_str())
                    .unwrap_or_else(|_| HeaderValue::from_static(""));
                value.set_sensitive(true);
                value
            }
        }
    }
}

impl std::str::FromStr for ProfileSelector {
    type Err = Error;

    /// Parses a profile ID, as [`ProfileSelector::parse_profile_id`]. (A customer user ID is any
    /// text, so it is never guessed from a string: use [`ProfileSelector::customer_user_id`].)
    fn from_str(id: &str) -> Result<Self, Error> {
        Self::parse_profile_id(id)
    }
}

impl From<Uuid> for ProfileSelector {
    fn from(id: Uuid) -> Self {
        Self::ProfileId(id)
    }
}

impl From<CustomerUserId> for ProfileSelector {
    fn from(id: CustomerUserId) -> Self {
        Self::CustomerUserId(id)
    }
}

/// Your own ID of an end user (Adapty's "customer user ID"), checked to fit in an HTTP header.
///
/// It must be non-empty printable ASCII (spaces allowed inside, not at either end): HTTP header
/// values carry no other text reliably, and surrounding spaces would be stripped on the way. A user
/// ID outside that set cannot be sent as a header; select such a profile by its profile ID.
///
/// It may be personal data (an email, a phone number), so `Debug` shows only its length and there
/// is no `Display`; [`as_str`](Self::as_str) reads it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CustomerUserId(String);

impl std::fmt::Debug for CustomerUserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CustomerUserId([REDACTED; {} bytes])", self.0.len())
    }
}

impl CustomerUserId {
    /// Checks and wraps a customer user ID.
    pub fn new(id: impl Into<String>) -> Result<Self, Error> {
        let id: String = id.into();
        let reason = if id.is_empty() {
            Some("is empty".to_owned())
        } else if id.starts_with(' ') || id.ends_with(' ') {
            Some("starts or ends with a space, which HTTP would strip".to_owned())
        } else {
            id.char_indices()
                .find(|&(_, c)| !(c == ' ' || c.is_ascii_graphic()))
                .map(|(at, c)| {
                    format!(
                        "holds {c:?} at byte {at}; only printable ASCII fits in the \
                         `adapty-customer-user-id` header (select the profile by its profile ID instead)"
                    )
                })
        };
        match reason {
            Some(reason) => Err(Error::invalid_input("customer_user_id", reason)),
            None => Ok(Self(id)),
        }
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The spec's `CustomerUserId`: non-empty printable ASCII with no surrounding spaces, the rule
/// [`CustomerUserId::new`] checks.
impl schemars::JsonSchema for CustomerUserId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CustomerUserId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "minLength": 1,
            "pattern": "^[!-~]([ -~]*[!-~])?$"
        })
    }
}

impl TryFrom<String> for CustomerUserId {
    type Error = Error;

    fn try_from(id: String) -> Result<Self, Error> {
        Self::new(id)
    }
}

impl TryFrom<&str> for CustomerUserId {
    type Error = Error;

    fn try_from(id: &str) -> Result<Self, Error> {
        Self::new(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `CustomerUserId::new` accepts exactly what its JSON Schema (the spec's) admits.
    #[test]
    fn the_check_and_the_schema_agree() {
        let schema = schemars::schema_for!(CustomerUserId);
        let pattern = schema.get("pattern").and_then(|p| p.as_str()).unwrap();
        let pattern = regress::Regex::new(pattern).unwrap();
        for probe in [
            "user-42", "a", "a b", " a", "a ", "", " ", "é", "a\tb", "~!", "a\u{7f}", "x y z",
        ] {
            assert_eq!(
                CustomerUserId::new(probe).is_ok(),
                pattern.find(probe).is_some(),
                "{probe:?}"
            );
        }
    }

    #[test]
    fn profile_ids_parse_with_this_crates_error() {
        let id = "3fa85f64-5717-4562-b3fc-2c963f66afa6";
        let parsed: ProfileSelector = id.parse().expect("a UUID");
        assert_eq!(
            parsed,
            ProfileSelector::ProfileId(Uuid::parse_str(id).expect("a UUID"))
        );
        assert_eq!(parsed.header_value().to_str().ok(), Some(id));
        for bad in ["", "user-42", "3fa85f64-5717-4562-b3fc"] {
            match ProfileSelector::parse_profile_id(bad) {
                Err(Error::InvalidInput(e)) => assert_eq!(e.field(), "profile_id"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let user = ProfileSelector::customer_user_id("jane@example.com").expect("valid");
        assert!(user.header_value().is_sensitive());
        assert!(!format!("{user:?}").contains("jane"));
    }

    #[test]
    fn accepts_ordinary_ids() -> Result<(), Error> {
        for ok in ["user-42", "jane.doe@example.com", "A B", "77B14FB4-0000"] {
            assert_eq!(CustomerUserId::new(ok)?.as_str(), ok);
        }
        Ok(())
    }

    #[test]
    fn rejects_ids_a_header_cannot_carry() {
        for bad in ["", " lead", "trail ", "tab\there", "new\nline", "юзер"] {
            let err = CustomerUserId::new(bad).expect_err(bad);
            assert!(err.to_string().contains("customer_user_id"), "{err}");
        }
    }
}
