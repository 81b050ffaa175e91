//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`) of this crate's `primitives_*` targets on stable, through the same
//! `primitives::fuzzing` functions the targets call; checks that every target file calls the listed
//! function and has a seed (`test_support::replay_fuzz_corpus`).

#![allow(clippy::panic, reason = "a test fails by panicking")]

use primitives::fuzzing;
use test_support::{FuzzTarget, replay_fuzz_corpus};

/// Every `primitives_*` fuzz target and the function it calls.
const TARGETS: [FuzzTarget; 7] = [
    FuzzTarget {
        name: "primitives_aead_open",
        function: "primitives::fuzzing::aead_open",
        run: fuzzing::aead_open,
    },
    FuzzTarget {
        name: "primitives_hpke_open",
        function: "primitives::fuzzing::hpke_open",
        run: fuzzing::hpke_open,
    },
    FuzzTarget {
        name: "primitives_hpke_open_differential",
        function: "primitives::fuzzing::hpke_open_differential",
        run: fuzzing::hpke_open_differential,
    },
    FuzzTarget {
        name: "primitives_mlkem_decapsulate",
        function: "primitives::fuzzing::mlkem_decapsulate",
        run: fuzzing::mlkem_decapsulate,
    },
    FuzzTarget {
        name: "primitives_mlkem_ek_decode",
        function: "primitives::fuzzing::mlkem_encapsulation_key_decode",
        run: fuzzing::mlkem_encapsulation_key_decode,
    },
    FuzzTarget {
        name: "primitives_xwing",
        function: "primitives::fuzzing::xwing_decode_and_decapsulate",
        run: fuzzing::xwing_decode_and_decapsulate,
    },
    FuzzTarget {
        name: "primitives_x25519",
        function: "primitives::fuzzing::x25519_differential",
        run: fuzzing::x25519_differential,
    },
];

#[test]
fn replay_seeds_and_regressions() {
    assert!(replay_fuzz_corpus("primitives_", &TARGETS) >= TARGETS.len());
}
