//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`) of this crate's `cascade_*` targets on stable, through the
//! same `cascade::fuzzing` functions the targets call; checks that every target file calls the
//! listed function and has a seed (`test_support::replay_fuzz_corpus`), and that the
//! `genuine-*` seeds of `cascade_open` still open, so the fuzzer starts past every layer.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails by panicking"
)]

use cascade::fuzzing::{self, FUZZ_AD, open_fixture};
use test_support::{FuzzTarget, replay_fuzz_corpus, workspace_root};

/// Every `cascade_*` fuzz target and the function it calls.
const TARGETS: [FuzzTarget; 2] = [
    FuzzTarget {
        name: "cascade_envelope_decode",
        function: "cascade::fuzzing::envelope_decode",
        run: fuzzing::envelope_decode,
    },
    FuzzTarget {
        name: "cascade_open",
        function: "cascade::fuzzing::cascade_open",
        run: fuzzing::cascade_open,
    },
];

#[test]
fn replay_seeds_and_regressions() {
    assert!(replay_fuzz_corpus("cascade_", &TARGETS) >= TARGETS.len());
}

/// The `genuine-*` seeds are Alice's envelopes of `open_fixture()`; if the fixture or a layer's
/// format changes they stop opening and must be written again from `open_fixture().envelopes`.
#[test]
fn genuine_open_seeds_open() {
    let dir = workspace_root().join("fuzz/corpus/cascade_open");
    let mut opened = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("genuine-"))
        {
            let data = std::fs::read(&path).unwrap();
            let mut bob = open_fixture().bob.cascade();
            if let Err(e) = bob.open(&data, FUZZ_AD) {
                panic!("{} no longer opens: {e}", path.display());
            }
            opened += 1;
        }
    }
    assert!(opened > 0, "no genuine-* seed in {}", dir.display());
}
