//! Custom attributes in a v1 request: [`custom_attribute`] builds one from a checked key and an
//! [`AttributeValue`] (text of at most 30 characters, a number, or "delete"). The value type and
//! the checks are the shared layer's (`src/attribute.rs`); this file fixes v1's limits from its
//! facts.

use crate::Error;
use crate::attribute::{KeyRule, read_back};
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
    Ok(CustomAttributeInput {
        key: crate::attribute::key(key, &KEY_RULE)?,
        value,
    })
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
            CustomAttributeValue::String(text) => read_back(Some(text), None),
            CustomAttributeValue::Number(n) => read_back(None, Some(*n)),
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

/// The rule of v1's attribute keys, from the spec.
const KEY_RULE: KeyRule = KeyRule {
    min: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MIN_LENGTH,
    max: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MAX_LENGTH,
    pattern: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_PATTERN,
};

/// The longest text value v1 accepts, in characters (the spec's `maxLength`).
pub const MAX_TEXT_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_VALUE_MAX_LENGTH;

/// A custom attribute value v1 accepts: text of at most [`MAX_TEXT_CHARS`] (30) characters, a
/// finite number, or [`AttributeValue::delete`]. See [`crate::AttributeValue`] for the
/// conversions.
pub type AttributeValue = crate::AttributeValue<MAX_TEXT_CHARS>;

#[cfg(test)]
mod tests {
    use super::*;

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
