//! Custom attributes in a v1 request: [`custom_attribute`] builds one from a checked key and an
//! [`AttributeValue`] (text, a number, or "delete").
//!
//! It replaces the generated type for `CustomAttributeInput.value` (see `xtask/src/lib.rs`): the
//! spec's `oneOf [string ≤ 30 chars (nullable), number]` generates an enum with anonymous variants
//! whose `null` hides inside the string branch. This type says the three cases by name and checks
//! the documented limits when it is made.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;
use crate::v1::facts;
use crate::v1::types::CustomAttributeInput;

/// A custom attribute to send: `key` must be 1 to 30 letters, digits, `-`, `.` or `_`.
///
/// ```
/// use adapty_api::v1::{AttributeValue, custom_attribute};
///
/// let sport = custom_attribute("favourite_sport", AttributeValue::text("yoga")?)?;
/// assert_eq!(sport.key.as_str(), "favourite_sport");
/// assert!(custom_attribute("not allowed!", AttributeValue::delete()).is_err());
/// # Ok::<(), adapty_api::Error>(())
/// ```
pub fn custom_attribute(key: &str, value: AttributeValue) -> Result<CustomAttributeInput, Error> {
    let key = key.try_into().map_err(|e| {
        Error::invalid_input(
            "custom_attributes.key",
            format!(
                "{key:?}: {e}; use {} to {} characters matching {}",
                facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MIN_LENGTH,
                facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MAX_LENGTH,
                facts::CUSTOM_ATTRIBUTE_INPUT_KEY_PATTERN
            ),
        )
    })?;
    Ok(CustomAttributeInput { key, value })
}

/// The longest text value v1 accepts, in characters (the spec's `maxLength`).
pub const MAX_TEXT_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_VALUE_MAX_LENGTH;

/// A custom attribute value to send: text of at most [`MAX_TEXT_CHARS`] characters, a finite
/// number, or [`AttributeValue::delete`], which removes the attribute (sent as `null`).
///
/// ```
/// use adapty_api::v1::AttributeValue;
///
/// let sport = AttributeValue::text("yoga")?;
/// let level = AttributeValue::from(3);
/// let gone = AttributeValue::delete();
/// assert_eq!(serde_json::to_string(&[sport, level, gone])?, r#"["yoga",3.0,null]"#);
/// assert!(AttributeValue::text("x".repeat(31)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue(Repr);

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Text(String),
    Number(f64),
    Delete,
}

impl AttributeValue {
    /// A text value; fails when it is longer than [`MAX_TEXT_CHARS`] characters.
    pub fn text(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        let chars = value.chars().count();
        if chars > MAX_TEXT_CHARS {
            return Err(Error::invalid_input(
                "custom_attributes.value",
                format!("{chars} characters; at most {MAX_TEXT_CHARS} are allowed"),
            ));
        }
        Ok(Self(Repr::Text(value)))
    }

    /// A number; fails for NaN and infinities, which JSON cannot carry.
    pub fn number(value: f64) -> Result<Self, Error> {
        if value.is_finite() {
            Ok(Self(Repr::Number(value)))
        } else {
            Err(Error::invalid_input(
                "custom_attributes.value",
                format!("{value} is not a finite number"),
            ))
        }
    }

    /// Deletes the attribute (sent as `null`).
    pub fn delete() -> Self {
        Self(Repr::Delete)
    }

    /// The text, if this is a text value.
    pub fn as_text(&self) -> Option<&str> {
        match &self.0 {
            Repr::Text(text) => Some(text),
            _ => None,
        }
    }

    /// The number, if this is a number.
    pub fn as_number(&self) -> Option<f64> {
        match self.0 {
            Repr::Number(n) => Some(n),
            _ => None,
        }
    }

    /// Whether this deletes the attribute.
    pub fn is_delete(&self) -> bool {
        self.0 == Repr::Delete
    }
}

macro_rules! from_number {
    ($($t:ty),+) => {$(
        impl From<$t> for AttributeValue {
            fn from(value: $t) -> Self {
                Self(Repr::Number(f64::from(value)))
            }
        }
    )+};
}

// Integers convert exactly and are always finite; floats go through `number` (NaN would be sent
// as `null` and delete the attribute).
from_number!(i8, i16, i32, u8, u16, u32);

impl From<bool> for AttributeValue {
    /// Adapty stores booleans as numbers: `true` is 1, `false` is 0.
    fn from(value: bool) -> Self {
        Self(Repr::Number(if value { 1.0 } else { 0.0 }))
    }
}

impl TryFrom<&str> for AttributeValue {
    type Error = Error;

    fn try_from(value: &str) -> Result<Self, Error> {
        Self::text(value)
    }
}

impl TryFrom<String> for AttributeValue {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Error> {
        Self::text(value)
    }
}

impl TryFrom<f64> for AttributeValue {
    type Error = Error;

    fn try_from(value: f64) -> Result<Self, Error> {
        Self::number(value)
    }
}

impl TryFrom<f32> for AttributeValue {
    type Error = Error;

    fn try_from(value: f32) -> Result<Self, Error> {
        Self::number(f64::from(value))
    }
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Text(text) => serializer.serialize_str(text),
            Repr::Number(n) => serializer.serialize_f64(*n),
            Repr::Delete => serializer.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Wire {
            Text(String),
            Number(f64),
            Bool(bool),
        }
        match Option::<Wire>::deserialize(deserializer)? {
            None => Ok(Self::delete()),
            Some(Wire::Bool(b)) => Ok(Self::from(b)),
            Some(Wire::Text(text)) => Self::text(text).map_err(serde::de::Error::custom),
            Some(Wire::Number(n)) => Self::number(n).map_err(serde::de::Error::custom),
        }
    }
}

/// Text of at most [`MAX_TEXT_CHARS`] characters, a number, a boolean or `null` (delete), as the
/// spec's `CustomAttributeInputValue`. A boolean read is kept as the number 1 or 0.
impl schemars::JsonSchema for AttributeValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "AttributeValue".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [
                { "type": "string", "maxLength": MAX_TEXT_CHARS },
                { "type": "number" },
                { "type": "boolean" },
                { "type": "null" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_case() -> Result<(), Box<dyn std::error::Error>> {
        for json in [r#""yoga""#, "2.5", "null"] {
            let value: AttributeValue = serde_json::from_str(json)?;
            assert_eq!(serde_json::to_string(&value)?, json);
        }
        // The spec admits booleans; Adapty stores them as 1 and 0, and so does this type.
        assert_eq!(
            serde_json::from_str::<AttributeValue>("true")?,
            AttributeValue::from(1)
        );
        assert_eq!(
            serde_json::to_string(&serde_json::from_str::<AttributeValue>("false")?)?,
            "0.0"
        );
        Ok(())
    }

    #[test]
    fn limits_are_checked() {
        assert!(AttributeValue::text("é".repeat(30)).is_ok());
        assert!(AttributeValue::text("é".repeat(31)).is_err());
        assert!(AttributeValue::number(f64::NAN).is_err());
        assert!(AttributeValue::number(f64::INFINITY).is_err());
        assert!(AttributeValue::try_from(f32::NAN).is_err());
        assert_eq!(
            AttributeValue::try_from(1.5f32)
                .ok()
                .and_then(|v| v.as_number()),
            Some(1.5)
        );
        assert!(serde_json::from_str::<AttributeValue>(&format!("{:?}", "x".repeat(31))).is_err());
    }
}
