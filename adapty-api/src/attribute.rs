//! Custom attribute values to send, shared by every API version: [`AttributeValue`] holds text,
//! a number, or "delete", and checks the limits when it is made.
//!
//! Each version names its own `AttributeValue` (e.g. `v1::AttributeValue`), a type alias that
//! fixes `MAX_CHARS` to its spec's `maxLength` for text values (v1: 30, v2: 50), so a value checked
//! for one version cannot be sent to another by mistake. It replaces the generated type of the
//! spec's `CustomAttributeInputValue` (see `xtask/src/lib.rs`): the spec's `oneOf [string
//! (nullable), number, boolean]` would generate an enum with anonymous variants whose `null` hides
//! inside the string branch; this type says the three cases by name.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// A custom attribute value to send: text of at most `MAX_CHARS` characters, a finite number, or
/// [`AttributeValue::delete`], which removes the attribute (sent as `null`).
///
/// Use a version's alias, which fixes the limit from its spec: [`v1::AttributeValue`]
/// (30 characters) or [`v2::AttributeValue`] (50).
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
/// assert!(adapty_api::v2::AttributeValue::text("x".repeat(31)).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`v1::AttributeValue`]: crate::v1::AttributeValue
/// [`v2::AttributeValue`]: crate::v2::AttributeValue
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeValue<const MAX_CHARS: usize>(Repr);

#[derive(Debug, Clone, PartialEq)]
enum Repr {
    Text(String),
    Number(f64),
    Delete,
}

/// The field every value error names.
const FIELD: &str = "custom_attributes.value";

impl<const MAX_CHARS: usize> AttributeValue<MAX_CHARS> {
    /// The longest text value, in characters.
    pub const MAX_CHARS: usize = MAX_CHARS;

    /// A text value; fails when it is longer than `MAX_CHARS` characters.
    pub fn text(value: impl Into<String>) -> Result<Self, Error> {
        let value = value.into();
        let chars = value.chars().count();
        if chars > MAX_CHARS {
            return Err(Error::invalid_input(
                FIELD,
                format!("{chars} characters; at most {MAX_CHARS} are allowed"),
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
                FIELD,
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
        impl<const MAX_CHARS: usize> From<$t> for AttributeValue<MAX_CHARS> {
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
        impl<const MAX_CHARS: usize> TryFrom<$t> for AttributeValue<MAX_CHARS> {
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
                        FIELD,
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

impl<const MAX_CHARS: usize> From<bool> for AttributeValue<MAX_CHARS> {
    /// Adapty stores booleans as numbers: `true` is 1, `false` is 0.
    fn from(value: bool) -> Self {
        Self(Repr::Number(if value { 1.0 } else { 0.0 }))
    }
}

impl<const MAX_CHARS: usize> TryFrom<&str> for AttributeValue<MAX_CHARS> {
    type Error = Error;

    fn try_from(value: &str) -> Result<Self, Error> {
        Self::text(value)
    }
}

impl<const MAX_CHARS: usize> TryFrom<&String> for AttributeValue<MAX_CHARS> {
    type Error = Error;

    fn try_from(value: &String) -> Result<Self, Error> {
        Self::text(value.as_str())
    }
}

impl<const MAX_CHARS: usize> TryFrom<String> for AttributeValue<MAX_CHARS> {
    type Error = Error;

    fn try_from(value: String) -> Result<Self, Error> {
        Self::text(value)
    }
}

impl<const MAX_CHARS: usize> TryFrom<f64> for AttributeValue<MAX_CHARS> {
    type Error = Error;

    fn try_from(value: f64) -> Result<Self, Error> {
        Self::number(value)
    }
}

impl<const MAX_CHARS: usize> TryFrom<f32> for AttributeValue<MAX_CHARS> {
    type Error = Error;

    fn try_from(value: f32) -> Result<Self, Error> {
        Self::number(f64::from(value))
    }
}

impl<const MAX_CHARS: usize> Serialize for AttributeValue<MAX_CHARS> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Text(text) => serializer.serialize_str(text),
            Repr::Number(n) => serializer.serialize_f64(*n),
            Repr::Delete => serializer.serialize_none(),
        }
    }
}

impl<'de, const MAX_CHARS: usize> Deserialize<'de> for AttributeValue<MAX_CHARS> {
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

/// Text of at most `MAX_CHARS` characters, a number, a boolean or `null` (delete), as the spec's
/// `CustomAttributeInputValue`. A boolean read is kept as the number 1 or 0.
impl<const MAX_CHARS: usize> schemars::JsonSchema for AttributeValue<MAX_CHARS> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("AttributeValue{MAX_CHARS}").into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "oneOf": [
                { "type": "string", "maxLength": MAX_CHARS },
                { "type": "number" },
                { "type": "boolean" },
                { "type": "null" }
            ]
        })
    }
}

/// The rule a custom attribute's key follows in one version's spec (its facts).
pub(crate) struct KeyRule {
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) pattern: &'static str,
}

/// A key checked by the generated key type `K` (which enforces the spec's length and pattern);
/// the error names the field and the rule.
pub(crate) fn key<K>(key: &str, rule: &KeyRule) -> Result<K, Error>
where
    for<'a> K: TryFrom<&'a str>,
    for<'a> <K as TryFrom<&'a str>>::Error: std::fmt::Display,
{
    K::try_from(key).map_err(|e| {
        Error::invalid_input(
            "custom_attributes.key",
            format!(
                "{key:?}: {e}; use {} to {} characters matching {}",
                rule.min, rule.max, rule.pattern
            ),
        )
    })
}

/// A value read from a profile (text or a number), made sendable again.
pub(crate) fn read_back<const MAX_CHARS: usize>(
    text: Option<&str>,
    number: Option<f64>,
) -> Result<AttributeValue<MAX_CHARS>, Error> {
    match (text, number) {
        (Some(text), _) => AttributeValue::text(text),
        (None, Some(n)) => AttributeValue::number(n),
        (None, None) => Ok(AttributeValue::delete()),
    }
}

/// Writes a version's custom attribute items from its facts: `custom_attribute`, `MAX_TEXT_CHARS`,
/// the `AttributeValue` alias, and the conversions from what a profile returns
/// (`TryFrom<&CustomAttribute> for CustomAttributeInput`, `TryFrom<&CustomAttributeValue>` and
/// `TryFrom<CustomAttributeValue>` for the value). Invoked once in each version's
/// `custom_attribute.rs`, so the versions share one implementation and differ in their facts.
macro_rules! custom_attributes {
    ($version:ident) => {
        use $crate::$version::facts;
        use $crate::$version::types::{CustomAttribute, CustomAttributeInput, CustomAttributeValue};
        use $crate::Error;

        #[doc = concat!(
            "A custom attribute to send: `key` must be 1 to 30 letters, digits, `-`, `.` or `_`, ",
            "and `value` anything that makes an [`AttributeValue`] (text of at most ",
            "[`MAX_TEXT_CHARS`] characters, a number, a boolean, or [`AttributeValue::delete`]); ",
            "one `?` covers both checks.\n\n",
            "```\nuse adapty_api::", stringify!($version),
            "::{AttributeValue, MAX_TEXT_CHARS, custom_attribute};\n\n",
            "let sport = custom_attribute(\"favourite_sport\", \"yoga\")?;\n",
            "let level = custom_attribute(\"level\", 3)?;\n",
            "let gone = custom_attribute(\"trial\", AttributeValue::delete())?;\n",
            "assert_eq!(sport.key.as_str(), \"favourite_sport\");\n",
            "assert_eq!(level.value.as_number(), Some(3.0));\n",
            "assert!(gone.value.is_delete());\n",
            "assert!(custom_attribute(\"not allowed!\", 1).is_err());\n",
            "assert!(custom_attribute(\"bio\", \"x\".repeat(MAX_TEXT_CHARS)).is_ok());\n",
            "assert!(custom_attribute(\"bio\", \"x\".repeat(MAX_TEXT_CHARS + 1)).is_err());\n",
            "# Ok::<(), adapty_api::Error>(())\n```",
        )]
        pub fn custom_attribute<V>(key: &str, value: V) -> Result<CustomAttributeInput, Error>
        where
            V: TryInto<AttributeValue>,
            Error: From<V::Error>,
        {
            let value = value.try_into()?;
            Ok(CustomAttributeInput {
                key: $crate::attribute::key(key, &KEY_RULE)?,
                value,
            })
        }

        /// The rule of this version's attribute keys, from the spec.
        const KEY_RULE: $crate::attribute::KeyRule = $crate::attribute::KeyRule {
            min: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MIN_LENGTH,
            max: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MAX_LENGTH,
            pattern: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_PATTERN,
        };

        /// The longest text value this version accepts, in characters (the spec's `maxLength`).
        pub const MAX_TEXT_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_VALUE_MAX_LENGTH;

        /// A custom attribute value this version accepts: text of at most [`MAX_TEXT_CHARS`]
        /// characters, a finite number, or [`AttributeValue::delete`]. See
        /// [`crate::AttributeValue`] for the conversions.
        pub type AttributeValue = $crate::AttributeValue<MAX_TEXT_CHARS>;

        /// A custom attribute read from a profile, made sendable again (read-modify-write). Fails
        /// only when Adapty returned what this version does not accept back: a key outside the
        /// documented pattern or a text longer than [`MAX_TEXT_CHARS`].
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
                    CustomAttributeValue::String(text) => {
                        $crate::attribute::read_back(Some(text), None)
                    }
                    CustomAttributeValue::Number(n) => $crate::attribute::read_back(None, Some(*n)),
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
    };
}

pub(crate) use custom_attributes;

#[cfg(test)]
mod tests {
    use super::*;

    type Value = AttributeValue<30>;

    #[test]
    fn round_trips_each_case() -> Result<(), Box<dyn std::error::Error>> {
        for json in [r#""yoga""#, "2.5", "null"] {
            let value: Value = serde_json::from_str(json)?;
            assert_eq!(serde_json::to_string(&value)?, json);
        }
        // The spec admits booleans; Adapty stores them as 1 and 0, and so does this type.
        assert_eq!(serde_json::from_str::<Value>("true")?, Value::from(1));
        assert_eq!(
            serde_json::to_string(&serde_json::from_str::<Value>("false")?)?,
            "0.0"
        );
        Ok(())
    }

    #[test]
    fn limits_are_checked() {
        assert!(Value::text("é".repeat(30)).is_ok());
        assert!(Value::text("é".repeat(31)).is_err());
        assert!(AttributeValue::<50>::text("é".repeat(50)).is_ok());
        assert!(AttributeValue::<50>::text("é".repeat(51)).is_err());
        assert!(Value::number(f64::NAN).is_err());
        assert!(Value::number(f64::INFINITY).is_err());
        assert!(Value::try_from(f32::NAN).is_err());
        assert_eq!(
            Value::try_from(1.5f32).ok().and_then(|v| v.as_number()),
            Some(1.5)
        );
        assert!(serde_json::from_str::<Value>(&format!("{:?}", "x".repeat(31))).is_err());
    }

    #[test]
    fn wide_integers_convert_exactly_or_not_at_all() {
        let max = MAX_SAFE_INTEGER;
        for (value, expected) in [
            (Value::try_from(max), Some(9_007_199_254_740_991.0)),
            (Value::try_from(-max), Some(-9_007_199_254_740_991.0)),
            (Value::try_from(max + 1), None),
            (Value::try_from(i64::MIN), None),
            (Value::try_from(u64::MAX), None),
            (Value::try_from(u128::MAX), None),
            (Value::try_from(42usize), Some(42.0)),
            (Value::try_from(-7isize), Some(-7.0)),
        ] {
            assert_eq!(value.ok().and_then(|v| v.as_number()), expected);
        }
        let err = Value::try_from(u64::MAX).expect_err("too large");
        assert!(err.to_string().contains("2^53"), "{err}");
    }

    #[test]
    fn read_values_become_sendable_values() -> Result<(), Error> {
        assert_eq!(read_back::<30>(Some("yoga"), None)?.as_text(), Some("yoga"));
        assert_eq!(read_back::<30>(None, Some(2.5))?.as_number(), Some(2.5));
        assert!(read_back::<30>(Some(&"x".repeat(31)), None).is_err());
        Ok(())
    }
}
