#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| primitives::fuzzing::xwing_decode_and_decapsulate(data));
