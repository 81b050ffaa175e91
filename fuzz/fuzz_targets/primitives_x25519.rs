#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| primitives::fuzzing::x25519_differential(data));
