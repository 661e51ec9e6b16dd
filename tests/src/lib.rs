//! Cross-crate tests of the adapty-rs workspace; the tests themselves live in `tests/tests/`:
//!
//! - `generated_code.rs`: the committed generated code is what the specs give (and an insta
//!   snapshot of it);
//! - `documented_examples.rs`: the documented examples are in the spec unchanged and go through
//!   the crate's types without losing a field; every documented field is in the spec and the types;
//! - `wire_v1.rs`: the v1 client against a real HTTP server on loopback (wiremock).
