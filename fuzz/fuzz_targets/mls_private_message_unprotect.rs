#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| treekem_mls::fuzzing::private_message_unprotect(data));
