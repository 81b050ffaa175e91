//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`) of this crate's `mls_*` targets on stable, through the
//! same `treekem_mls::fuzzing` functions the targets call; checks that every target file
//! calls the listed function and has a seed (`test_support::replay_fuzz_corpus`).

#![allow(clippy::panic, reason = "a test fails by panicking")]

use test_support::{FuzzTarget, replay_fuzz_corpus};
use treekem_mls::fuzzing;

/// Every `mls_*` fuzz target and the function it calls.
const TARGETS: [FuzzTarget; 8] = [
    FuzzTarget {
        name: "mls_message_decode",
        function: "treekem_mls::fuzzing::message_decode",
        run: fuzzing::message_decode,
    },
    FuzzTarget {
        name: "mls_private_message_unprotect",
        function: "treekem_mls::fuzzing::private_message_unprotect",
        run: fuzzing::private_message_unprotect,
    },
    FuzzTarget {
        name: "mls_ratchet_tree_validate",
        function: "treekem_mls::fuzzing::ratchet_tree_validate",
        run: fuzzing::ratchet_tree_validate,
    },
    FuzzTarget {
        name: "mls_update_path_process",
        function: "treekem_mls::fuzzing::update_path_process",
        run: fuzzing::update_path_process,
    },
    FuzzTarget {
        name: "mls_group_process",
        function: "treekem_mls::fuzzing::group_process",
        run: fuzzing::group_process,
    },
    FuzzTarget {
        name: "mls_welcome_join",
        function: "treekem_mls::fuzzing::welcome_join",
        run: fuzzing::welcome_join,
    },
    FuzzTarget {
        name: "mls_group_state_decode",
        function: "treekem_mls::fuzzing::group_state_decode",
        run: fuzzing::group_state_decode,
    },
    FuzzTarget {
        name: "mls_group_interaction",
        function: "treekem_mls::fuzzing::group_interaction",
        run: fuzzing::group_interaction,
    },
];

#[test]
fn replay_seeds_and_regressions() {
    assert!(replay_fuzz_corpus("mls_", &TARGETS) >= TARGETS.len());
}
