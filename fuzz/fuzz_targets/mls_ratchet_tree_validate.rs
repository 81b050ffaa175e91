#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treekem_mls::fuzzing::ratchet_tree_validate(data));
