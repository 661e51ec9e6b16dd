//! [`Nullable`]: a request value that may be `null`, so an update can clear a field (every API
//! version's clearable request fields use it).

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value that is either `null` or a `T`.
///
/// The spec's nullable request fields (names, email, phone, gender, store, device fields) are
/// generated as `Option<Nullable<T>>` (see `xtask/src/lib.rs`), which says the three things an
/// update can do:
///
/// | Rust                        | JSON sent          | effect             |
/// |-----------------------------|--------------------|--------------------|
/// | `None`                      | field left out     | left unchanged     |
/// | `Some(Nullable::Null)`      | `"field": null`    | cleared            |
/// | `Some(Nullable::Value(v))`  | `"field": v`       | set                |
///
/// ```
/// use adapty_api::Nullable;
/// use adapty_api::v1::types::ProfileRequest;
///
/// let mut update = ProfileRequest::default(); // everything unchanged
/// update.first_name = Some("Jane".into()); // set
/// update.phone_number = Some(Nullable::Null); // clear
/// assert_eq!(
///     serde_json::to_string(&update)?,
///     r#"{"first_name":"Jane","phone_number":null}"#,
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// Reading a request back from JSON keeps the three states too: a field left out reads as `None`,
/// a `null` as `Some(Nullable::Null)` (the generated fields read it so, unlike a plain `Option`).
///
/// ```
/// use adapty_api::Nullable;
/// use adapty_api::v1::types::ProfileRequest;
///
/// let read: ProfileRequest = serde_json::from_str(r#"{"first_name":"Jane","phone_number":null}"#)?;
/// assert_eq!(read.first_name, Some(Nullable::Value("Jane".to_owned())));
/// assert_eq!(read.phone_number, Some(Nullable::Null));
/// assert_eq!(read.email, None);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Nullable<T> {
    /// `null`: clears the field.
    Null,
    /// A value: sets the field.
    Value(T),
}

impl<T> Nullable<T> {
    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// The value, if there is one.
    pub fn as_ref(&self) -> Option<&T> {
        match self {
            Self::Null => None,
            Self::Value(value) => Some(value),
        }
    }

    /// Converts into an `Option`: `Null` becomes `None`.
    pub fn into_option(self) -> Option<T> {
        match self {
            Self::Null => None,
            Self::Value(value) => Some(value),
        }
    }
}

impl<T> From<T> for Nullable<T> {
    fn from(value: T) -> Self {
        Self::Value(value)
    }
}

impl From<&str> for Nullable<String> {
    fn from(value: &str) -> Self {
        Self::Value(value.to_owned())
    }
}

impl<T> From<Option<T>> for Nullable<T> {
    /// `None` becomes `Null`.
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Self::Value)
    }
}

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_none(),
            Self::Value(value) => value.serialize(serializer),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(deserializer).map(Self::from)
    }
}

/// Reads a clearable field that is present: `null` as `Some(Nullable::Null)`, a value as
/// `Some(Nullable::Value(v))` (a field left out never reaches here; `#[serde(default)]` makes it
/// `None`). The generated types use it on every `Option<Nullable<T>>` field (xtask/src/lib.rs).
pub(crate) fn present<'de, D, T>(deserializer: D) -> Result<Option<Nullable<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Nullable::<T>::deserialize(deserializer).map(Some)
}

/// `T` or `null`, as the spec's clearable fields (`oneOf` the value and `null`).
impl<T: schemars::JsonSchema> schemars::JsonSchema for Nullable<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Nullable_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let value = generator.subschema_for::<T>();
        schemars::json_schema!({ "oneOf": [value, { "type": "null" }] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_null_and_values() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&Nullable::<String>::Null)?, "null");
        assert_eq!(
            serde_json::to_string(&Nullable::<String>::from("x"))?,
            r#""x""#
        );
        assert_eq!(
            serde_json::from_str::<Nullable<u8>>("null")?,
            Nullable::Null
        );
        assert_eq!(
            serde_json::from_str::<Nullable<u8>>("7")?,
            Nullable::Value(7)
        );
        assert_eq!(Nullable::from(Some(1)).into_option(), Some(1));
        assert!(Nullable::<u8>::from(None).is_null());
        Ok(())
    }
}
