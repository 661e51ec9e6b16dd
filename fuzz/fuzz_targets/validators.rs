//! The hand-written validators against their documented rules; a rejected value is never repeated
//! (`adapty_tests::properties::validators`).
#![no_main]

libfuzzer_sys::fuzz_target!(|text: &str| {
    adapty_tests::properties::validators(text);
});
