//! The documented limits of a profile request, checked before anything is sent.
//!
//! Most limits hold by construction: a custom attribute's key (1 to 30 letters, digits, `-`, `.`,
//! `_`) and value (text of at most 30 characters, a finite number, or delete) are checked when
//! they are made, and `birthday` is a date. What a type cannot hold is checked here:
//!
//! - at most 30 custom attributes (an empty list is never sent: the field is left out);
//! - no key twice in one request (Adapty does not say which would win);
//! - `gender` is `m`, `f` or `o` (the open [`Gender`] can hold other values read from responses).

use std::collections::BTreeSet;

use crate::Error;
use crate::v1::types::ProfileRequest;
use crate::v1::{Gender, Nullable};

/// The most custom attributes one profile request may carry (the spec's `maxItems`).
pub const MAX_CUSTOM_ATTRIBUTES: usize =
    crate::v1::facts::PROFILE_REQUEST_CUSTOM_ATTRIBUTES_MAX_ITEMS;

/// Checks `request` against the documented limits; the error names the field at fault.
pub(crate) fn profile_request(request: &ProfileRequest) -> Result<(), Error> {
    let attributes = &request.custom_attributes;
    if attributes.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(Error::invalid_input(
            "custom_attributes",
            format!(
                "{} attributes; at most {MAX_CUSTOM_ATTRIBUTES} are allowed",
                attributes.len()
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for (index, attribute) in attributes.iter().enumerate() {
        if !seen.insert(attribute.key.as_str()) {
            return Err(Error::invalid_input(
                &format!("custom_attributes[{index}].key"),
                format!("{:?} appears more than once", attribute.key.as_str()),
            ));
        }
    }
    if let Some(Nullable::Value(gender)) = &request.gender
        && !gender.is_known()
    {
        return Err(Error::invalid_input(
            "gender",
            format!(
                "{:?} is not one of {}",
                gender.as_str(),
                Gender::KNOWN.join(", ")
            ),
        ));
    }
    Ok(())
}
