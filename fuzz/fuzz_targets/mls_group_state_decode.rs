#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treekem_mls::fuzzing::group_state_decode(data));
