//! The response decode path: plain and path-tracking decodes agree, and what decodes writes back
//! and reads again unchanged (`adapty_tests::properties::decode`).
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    adapty_tests::properties::decode(body);
});
