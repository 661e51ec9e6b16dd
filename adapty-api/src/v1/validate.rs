//! The documented limits of a v1 profile request, checked before anything is sent.
//!
//! Most limits hold by construction: a custom attribute's key (1 to 30 letters, digits, `-`, `.`,
//! `_`) and value (text of at most 30 characters, a finite number, or delete) are checked when
//! they are made, and `birthday` is a date. What a type cannot hold is checked here, with the
//! shared checks (`src/validate.rs`) and v1's facts:
//!
//! - at most 30 custom attributes (an empty list is never sent: the field is left out);
//! - no key twice in one request (Adapty does not say which would win);
//! - `gender` is `m`, `f` or `o` (the open [`Gender`](crate::v1::Gender) can hold other values
//!   read from responses).

use crate::Error;
use crate::v1::types::ProfileRequest;
use crate::validate::{custom_attributes, known_nullable};

/// The most custom attributes one profile request may carry (the spec's `maxItems`).
pub const MAX_CUSTOM_ATTRIBUTES: usize =
    crate::v1::facts::PROFILE_REQUEST_CUSTOM_ATTRIBUTES_MAX_ITEMS;

/// Checks `request` against the documented limits; the error names the field at fault.
pub(crate) fn profile_request(request: &ProfileRequest) -> Result<(), Error> {
    let keys = request.custom_attributes.iter().map(|a| a.key.as_str());
    custom_attributes(keys, MAX_CUSTOM_ATTRIBUTES)?;
    known_nullable("gender", request.gender.as_ref())
}
