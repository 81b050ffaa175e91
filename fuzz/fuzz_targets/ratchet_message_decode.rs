#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| double_ratchet::fuzzing::message_decode(data));
