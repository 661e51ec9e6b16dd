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
use crate::v1::types::{CustomAttribute, CustomAttributeInput, CustomAttributeValue};

/// A custom attribute to send: `key` must be 1 to 30 letters, digits, `-`, `.` or `_`, and `value`
/// anything that makes an [`AttributeValue`] (text, a number, a boolean, or
/// [`AttributeValue::delete`]); one `?` covers both checks.
///
/// ```
/// use adapty_api::v1::{AttributeValue, custom_attribute};
///
/// let sport = custom_attribute("favourite_sport", "yoga")?;
/// let level = custom_attribute("level", 3)?;
/// let gone = custom_attribute("trial", AttributeValue::delete())?;
/// assert_eq!(sport.key.as_str(), "favourite_sport");
/// assert_eq!(level.value.as_number(), Some(3.0));
/// assert!(gone.value.is_delete());
/// assert!(custom_attribute("not allowed!", 1).is_err());
/// assert!(custom_attribute("bio", "x".repeat(31)).is_err());
/// # Ok::<(), adapty_api::Error>(())
/// ```
pub fn custom_attribute<V>(key: &str, value: V) -> Result<CustomAttributeInput, Error>
where
    V: TryInto<AttributeValue>,
    Error: From<V::Error>,
{
    let value = value.try_into()?;
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

/// A custom attribute read from a profile, made sendable again (read-modify-write).
///
/// Fails only when Adapty returned what v1 does not accept back: a key outside the documented
/// pattern or a text longer than [`MAX_TEXT_CHARS`].
///
/// ```
/// use adapty_api::v1::types::{CustomAttribute, CustomAttributeInput};
///
/// let read: CustomAttribute = serde_json::from_str(r#"{"key":"level","value":3}"#)?;
/// let again = CustomAttributeInput::try_from(&read)?;
/// assert_eq!(serde_json::to_string(&again)?, r#"{"key":"level","value":3.0}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl TryFrom<&CustomAttribute> for CustomAttributeInput {
    type Error = Error;

    fn try_from(attribute: &CustomAttribute) -> Result<Self, Error> {
        custom_attribute(&attribute.key, &attribute.value)
    }
}

impl TryFrom<&CustomAttributeValue> for AttributeValue {
    type Error = Error;

    /// Text through [`AttributeValue::text`], a number through [`AttributeValue::number`].
    fn try_from(value: &CustomAttributeValue) -> Result<Self, Error> {
        match value {
            CustomAttributeValue::String(text) => Self::text(text.as_str()),
            CustomAttributeValue::Number(n) => Self::number(*n),
        }
    }
}

/// A value read from JSON that is not one of the known shapes cannot be sent back.
impl TryFrom<CustomAttributeValue> for AttributeValue {
    type Error = Error;

    fn try_from(value: CustomAttributeValue) -> Result<Self, Error> {
        Self::try_from(&value)
    }
}

/// The longest text value v1 accepts, in characters (the spec's `maxLength`).
pub const MAX_TEXT_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_VALUE_MAX_LENGTH;

/// A custom attribute value to send: text of at most [`MAX_TEXT_CHARS`] characters, a finite
/// number, or [`AttributeValue::delete`], which removes the attribute (sent as `null`).
///
/// Conversions: from `bool` (sent as 1 or 0, as Adapty stores it) and from `i8`…`i32`,
/// `u8`…`u32` with `From`; from `&str`, `String`, `f32`, `f64` and the wider integers with
/// `TryFrom`. A JSON number is an IEEE 754 double, so an integer converts only while it is exact
/// there and for every JSON reader: within ±(2^53 − 1) ([`MAX_SAFE_INTEGER`]); a larger one is an
/// [`Error::InvalidInput`], never a silently rounded number (send it as text instead).
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

// Integers up to 32 bits convert exactly and are always finite; floats go through `number` (NaN
// would be sent as `null` and delete the attribute).
from_number!(i8, i16, i32, u8, u16, u32);

/// The largest integer an [`AttributeValue`] takes: 2^53 − 1, the last one a JSON number (an IEEE
/// 754 double) holds exactly with its neighbours.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

macro_rules! try_from_wide_integer {
    ($($t:ty),+) => {$(
        impl TryFrom<$t> for AttributeValue {
            type Error = Error;

            /// Exact within ±[`MAX_SAFE_INTEGER`]; fails past it.
            fn try_from(value: $t) -> Result<Self, Error> {
                let exact = i64::try_from(value)
                    .ok()
                    .filter(|v| (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(v));
                match exact {
                    // Within ±(2^53 − 1) the conversion to f64 is exact.
                    #[allow(clippy::cast_precision_loss)]
                    Some(v) => Ok(Self(Repr::Number(v as f64))),
                    None => Err(Error::invalid_input(
                        "custom_attributes.value",
                        format!(
                            "{value} is beyond ±(2^53 − 1), where a JSON number stops being exact; \
                             send it as text"
                        ),
                    )),
                }
            }
        }
    )+};
}

try_from_wide_integer!(i64, u64, i128, u128, isize, usize);

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

impl TryFrom<&String> for AttributeValue {
    type Error = Error;

    fn try_from(value: &String) -> Result<Self, Error> {
        Self::text(value.as_str())
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

    #[test]
    fn wide_integers_convert_exactly_or_not_at_all() {
        let max = MAX_SAFE_INTEGER;
        for (value, expected) in [
            (AttributeValue::try_from(max), Some(9_007_199_254_740_991.0)),
            (
                AttributeValue::try_from(-max),
                Some(-9_007_199_254_740_991.0),
            ),
            (AttributeValue::try_from(max + 1), None),
            (AttributeValue::try_from(i64::MIN), None),
            (AttributeValue::try_from(u64::MAX), None),
            (AttributeValue::try_from(u128::MAX), None),
            (AttributeValue::try_from(42usize), Some(42.0)),
            (AttributeValue::try_from(-7isize), Some(-7.0)),
        ] {
            assert_eq!(value.ok().and_then(|v| v.as_number()), expected);
        }
        let err = AttributeValue::try_from(u64::MAX).expect_err("too large");
        assert!(err.to_string().contains("2^53"), "{err}");
    }

    #[test]
    fn read_values_become_sendable_values() -> Result<(), Error> {
        let text = CustomAttributeValue::String("yoga".into());
        assert_eq!(AttributeValue::try_from(&text)?.as_text(), Some("yoga"));
        let number = CustomAttributeValue::Number(2.5);
        assert_eq!(AttributeValue::try_from(number)?.as_number(), Some(2.5));
        let long = CustomAttributeValue::String("x".repeat(31));
        assert!(AttributeValue::try_from(&long).is_err());
        Ok(())
    }
}
