//! Custom attributes in a v2 request: [`custom_attribute`] builds one from a checked key and an
//! [`AttributeValue`] (text of at most 50 characters, a number, or "delete"). The items are the
//! shared layer's (`src/attribute.rs`), fixed to v2's limits from its facts.

crate::attribute::custom_attributes!(v2);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_v2_text_limit_is_50() {
        assert_eq!(MAX_TEXT_CHARS, 50);
        assert!(custom_attribute("bio", "é".repeat(50)).is_ok());
        assert!(custom_attribute("bio", "é".repeat(51)).is_err());
        let long = CustomAttributeValue::String("x".repeat(51));
        assert!(AttributeValue::try_from(&long).is_err());
    }
}
