//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`) of this crate's `mlkem_*` targets on stable, through the same
//! `mlkem_layer::fuzzing` functions the targets call; checks that every target file calls the listed
//! function and has a seed (`test_support::replay_fuzz_corpus`).

#![allow(clippy::panic, reason = "a test fails by panicking")]

use mlkem_layer::fuzzing;
use test_support::{FuzzTarget, replay_fuzz_corpus};

/// Every `mlkem_*` fuzz target and the function it calls.
const TARGETS: [FuzzTarget; 2] = [
    FuzzTarget {
        name: "mlkem_envelope_decode",
        function: "mlkem_layer::fuzzing::envelope_decode",
        run: fuzzing::envelope_decode,
    },
    FuzzTarget {
        name: "mlkem_envelope_open",
        function: "mlkem_layer::fuzzing::envelope_open",
        run: fuzzing::envelope_open,
    },
];

#[test]
fn replay_seeds_and_regressions() {
    assert!(replay_fuzz_corpus("mlkem_", &TARGETS) >= TARGETS.len());
}
