//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`) of this crate's `ratchet_*` targets on stable, through the same
//! `double_ratchet::fuzzing` functions the targets call; checks that every target file calls the listed
//! function and has a seed (`test_support::replay_fuzz_corpus`).

#![allow(clippy::panic, reason = "a test fails by panicking")]

use double_ratchet::fuzzing;
use test_support::{FuzzTarget, replay_fuzz_corpus};

/// Every `ratchet_*` fuzz target and the function it calls.
const TARGETS: [FuzzTarget; 3] = [
    FuzzTarget {
        name: "ratchet_message_decode",
        function: "double_ratchet::fuzzing::message_decode",
        run: fuzzing::message_decode,
    },
    FuzzTarget {
        name: "ratchet_decrypt",
        function: "double_ratchet::fuzzing::decrypt",
        run: fuzzing::decrypt,
    },
    FuzzTarget {
        name: "ratchet_session_interaction",
        function: "double_ratchet::fuzzing::session_interaction",
        run: fuzzing::session_interaction,
    },
];

#[test]
fn replay_seeds_and_regressions() {
    assert!(replay_fuzz_corpus("ratchet_", &TARGETS) >= TARGETS.len());
}
