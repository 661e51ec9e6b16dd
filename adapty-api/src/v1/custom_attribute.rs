//! Custom attributes in a v1 request: [`custom_attribute`] builds one from a checked key and an
//! [`AttributeValue`] (text of at most 30 characters, a number, or "delete"). The items are the
//! shared layer's (`src/attribute.rs`), fixed to v1's limits from its facts.
//!
//! ```
//! use adapty_api::v1::types::{CustomAttribute, CustomAttributeInput};
//!
//! let read: CustomAttribute = serde_json::from_str(r#"{"key":"level","value":3}"#)?;
//! let again = CustomAttributeInput::try_from(&read)?;
//! assert_eq!(serde_json::to_string(&again)?, r#"{"key":"level","value":3.0}"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

crate::attribute::custom_attributes!(v1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_values_become_sendable_values() -> Result<(), Error> {
        let text = CustomAttributeValue::String("yoga".into());
        assert_eq!(AttributeValue::try_from(&text)?.as_text(), Some("yoga"));
        let number = CustomAttributeValue::Number(2.5);
        assert_eq!(AttributeValue::try_from(number)?.as_number(), Some(2.5));
        let long = CustomAttributeValue::String("x".repeat(MAX_TEXT_CHARS + 1));
        assert!(AttributeValue::try_from(&long).is_err());
        let read = CustomAttribute {
            key: "level".into(),
            value: CustomAttributeValue::Number(3.0),
        };
        assert!(CustomAttributeInput::try_from(&read).is_ok());
        Ok(())
    }
}
