//! Cross-crate tests of the adapty-rs workspace; the tests themselves live in `tests/tests/`:
//!
//! - `documented_examples.rs`: the documented examples are in the spec unchanged and go through
//!   the crate's types without losing a field; every documented field is in the spec and the types;
//! - `decoding.rs`: a corpus of response bodies decodes without loss, unknown values survive;
//! - `json_schema.rs`: every type's JSON Schema (schemars) is the spec's;
//! - `wire_v1.rs`: the v1 client against a real HTTP server on loopback (wiremock): method, exact
//!   path, headers, bodies, error mapping, the raw-request escape hatch;
//! - `resilience.rs`: retries, timeouts, broken and reset connections, validation before sending;
//! - `no_secrets.rs`: logs, `Debug` and `Display` hold no key and no personal data.

pub mod properties;
