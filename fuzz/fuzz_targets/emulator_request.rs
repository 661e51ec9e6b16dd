//! The emulator's request parser answers every body, briefly
//! (`adapty_tests::properties::emulator_request`).
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| {
    adapty_tests::properties::emulator_request(body);
});
