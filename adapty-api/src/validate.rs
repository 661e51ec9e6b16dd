//! Checks every version's request validators share: the documented limits a type cannot hold,
//! checked before anything is sent. Each version calls them with its own spec's facts; the error
//! names the field at fault.

use std::collections::BTreeSet;

use crate::open_enum::OpenEnum;
use crate::{Error, Nullable};

/// A list holds between `min` and `max` items.
pub(crate) fn count(field: &str, len: usize, min: usize, max: usize) -> Result<(), Error> {
    if len < min || len > max {
        let rule = if min == 0 {
            format!("at most {max}")
        } else {
            format!("{min} to {max}")
        };
        return Err(Error::invalid_input(
            field,
            format!("{len} items; {rule} are allowed"),
        ));
    }
    Ok(())
}

/// A number lies between `min` and `max`.
pub(crate) fn range(field: &str, value: u64, min: usize, max: usize) -> Result<(), Error> {
    let (low, high) = (min as u64, max as u64);
    if value < low || value > high {
        return Err(Error::invalid_input(
            field,
            format!("{value} is not between {min} and {max}"),
        ));
    }
    Ok(())
}

/// No key appears twice; `field` names the list, `key` the property (`custom_attributes[3].key`).
pub(crate) fn unique<'a>(
    field: &str,
    key: &str,
    keys: impl IntoIterator<Item = &'a str>,
) -> Result<(), Error> {
    let mut seen = BTreeSet::new();
    for (index, value) in keys.into_iter().enumerate() {
        if !seen.insert(value) {
            return Err(Error::invalid_input(
                &format!("{field}[{index}].{key}"),
                format!("{value:?} appears more than once"),
            ));
        }
    }
    Ok(())
}

/// A custom attribute list: at most `max` attributes, no key twice (Adapty does not say which
/// would win). An empty list is never sent: the field is left out.
pub(crate) fn custom_attributes<'a>(
    keys: impl ExactSizeIterator<Item = &'a str>,
    max: usize,
) -> Result<(), Error> {
    count("custom_attributes", keys.len(), 0, max)?;
    unique("custom_attributes", "key", keys)
}

/// A value sent from an open enum is one the spec lists (the enum can hold others, read from
/// responses).
pub(crate) fn known<E: OpenEnum>(field: &str, value: Option<&E>) -> Result<(), Error> {
    match value {
        Some(value) if !value.is_known() => Err(Error::invalid_input(
            field,
            format!(
                "{:?} is not one of {}",
                value.as_str(),
                E::known_values().join(", ")
            ),
        )),
        _ => Ok(()),
    }
}

/// As [`known`], for a clearable field.
pub(crate) fn known_nullable<E: OpenEnum>(
    field: &str,
    value: Option<&Nullable<E>>,
) -> Result<(), Error> {
    known(field, value.and_then(Nullable::as_ref))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_field() {
        let err = count("items", 21, 1, 20).expect_err("too many");
        assert_eq!(
            err.to_string(),
            "invalid items: 21 items; 1 to 20 are allowed"
        );
        let err = unique("items", "currency_code", ["A", "B", "A"]).expect_err("twice");
        assert_eq!(
            err.to_string(),
            "invalid items[2].currency_code: \"A\" appears more than once"
        );
        assert!(range("limit", 0, 1, 100).is_err());
        assert!(range("limit", 100, 1, 100).is_ok());
    }
}
