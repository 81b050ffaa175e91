#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| primitives::fuzzing::aead_open(data));
