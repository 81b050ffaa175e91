#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treekem_mls::fuzzing::update_path_process(data));
