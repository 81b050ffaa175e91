#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| x3dh::fuzzing::bundle_decode(data));
