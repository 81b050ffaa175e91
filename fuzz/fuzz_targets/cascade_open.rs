#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cascade::fuzzing::cascade_open(data));
