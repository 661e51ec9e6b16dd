//! Custom attributes in a v2 request: [`custom_attribute`] builds one from a checked key and an
//! [`AttributeValue`] (text of at most 50 characters, a number, or "delete"). The value type and
//! the checks are the shared layer's (`src/attribute.rs`); this file fixes v2's limits from its
//! facts.

use crate::Error;
use crate::attribute::{KeyRule, read_back};
use crate::v2::facts;
use crate::v2::types::{CustomAttribute, CustomAttributeInput, CustomAttributeValue};

/// A custom attribute to send: `key` must be 1 to 30 letters, digits, `-`, `.` or `_`, and `value`
/// anything that makes an [`AttributeValue`] (text of at most 50 characters, a number, a boolean,
/// or [`AttributeValue::delete`]); one `?` covers both checks.
///
/// ```
/// use adapty_api::v2::{AttributeValue, custom_attribute};
///
/// let sport = custom_attribute("favourite_sport", "yoga")?;
/// let gone = custom_attribute("trial", AttributeValue::delete())?;
/// assert_eq!(sport.key.as_str(), "favourite_sport");
/// assert!(gone.value.is_delete());
/// assert!(custom_attribute("bio", "x".repeat(50)).is_ok());
/// assert!(custom_attribute("bio", "x".repeat(51)).is_err());
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

/// The rule of v2's attribute keys, from the spec.
const KEY_RULE: KeyRule = KeyRule {
    min: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MIN_LENGTH,
    max: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_MAX_LENGTH,
    pattern: facts::CUSTOM_ATTRIBUTE_INPUT_KEY_PATTERN,
};

/// The longest text value v2 accepts, in characters (the spec's `maxLength`).
pub const MAX_TEXT_CHARS: usize = facts::CUSTOM_ATTRIBUTE_INPUT_VALUE_MAX_LENGTH;

/// A custom attribute value v2 accepts: text of at most [`MAX_TEXT_CHARS`] (50) characters, a
/// finite number, or [`AttributeValue::delete`]. See [`crate::AttributeValue`] for the
/// conversions.
pub type AttributeValue = crate::AttributeValue<MAX_TEXT_CHARS>;

/// A custom attribute read from a profile, made sendable again (read-modify-write); fails only
/// when Adapty returned what v2 does not accept back.
impl TryFrom<&CustomAttribute> for CustomAttributeInput {
    type Error = Error;

    fn try_from(attribute: &CustomAttribute) -> Result<Self, Error> {
        let value = match &attribute.value {
            CustomAttributeValue::String(text) => read_back(Some(text), None)?,
            CustomAttributeValue::Number(n) => read_back(None, Some(*n))?,
        };
        custom_attribute(&attribute.key, value)
    }
}
