#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| primitives::fuzzing::hpke_open_differential(data));
