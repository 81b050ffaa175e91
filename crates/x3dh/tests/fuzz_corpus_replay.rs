//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`) of this crate's `x3dh_*` targets on stable, through the same
//! `x3dh::fuzzing` functions the targets call; checks that every target file calls the listed
//! function and has a seed (`test_support::replay_fuzz_corpus`). The valid seeds must
//! also get through decoding, so they exercise the protocol, not only the decoder.

#![allow(
    clippy::panic,
    clippy::unwrap_used,
    reason = "a test fails by panicking, with the file named in the message"
)]

use std::fs;

use test_support::{FuzzTarget, replay_fuzz_corpus, workspace_root};
use x3dh::{InitialMessage, Profile, fuzzing, respond};

/// Every `x3dh_*` fuzz target and the function it calls.
const TARGETS: [FuzzTarget; 3] = [
    FuzzTarget {
        name: "x3dh_bundle_decode",
        function: "x3dh::fuzzing::bundle_decode",
        run: fuzzing::bundle_decode,
    },
    FuzzTarget {
        name: "x3dh_initial_message",
        function: "x3dh::fuzzing::initial_message",
        run: fuzzing::initial_message,
    },
    FuzzTarget {
        name: "x3dh_handshake",
        function: "x3dh::fuzzing::handshake",
        run: fuzzing::handshake,
    },
];

#[test]
fn replay_seeds_and_regressions() {
    assert!(replay_fuzz_corpus("x3dh_", &TARGETS) >= TARGETS.len());
}

#[test]
fn valid_seeds_reach_the_protocol() {
    let corpus = workspace_root().join("fuzz/corpus");
    for name in ["x3dh-3dh", "x3dh-opk", "pqxdh-1024-opk"] {
        let data = fs::read(corpus.join("x3dh_bundle_decode").join(name)).unwrap();
        x3dh::PrekeyBundle::decode(&data).unwrap().verify().unwrap();
    }
    let r = fuzzing::fuzz_responder();
    for name in ["x3dh-3dh", "pqxdh-1024-opk"] {
        let data = fs::read(corpus.join("x3dh_initial_message").join(name)).unwrap();
        let msg = InitialMessage::decode(&data).unwrap();
        let mut store = r.store.clone();
        respond(
            &Profile::project_default(),
            &r.identity,
            &mut store,
            &msg,
            &[],
        )
        .unwrap();
    }
    for name in ["both-eager", "pq-one-eager"] {
        let data = fs::read(corpus.join("x3dh_handshake").join(name)).unwrap();
        assert!(fuzzing::handshake_run(&data), "{name} completes");
    }
}
