#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mlkem_layer::fuzzing::envelope_decode(data));
