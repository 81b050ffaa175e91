//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`, when present) of this crate's targets — every target named
//! `x3dh_*` — through the same `x3dh::fuzzing` functions the fuzz targets call, on stable. Each
//! target must have at least one seed; the valid seeds must also get through (so they exercise
//! more than the decoder).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::{fs, path::Path};

use test_support::workspace_root;
use x3dh::{InitialMessage, Profile, fuzzing, respond};

/// A fuzz entry point.
type Entry = fn(&[u8]);

/// This crate's fuzz targets and the functions they call.
const TARGETS: [(&str, Entry); 3] = [
    ("x3dh_bundle_decode", fuzzing::bundle_decode),
    ("x3dh_initial_message", fuzzing::initial_message),
    ("x3dh_handshake", fuzzing::handshake),
];

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<_> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn replay_x3dh_corpus_and_regressions() {
    let fuzz = workspace_root().join("fuzz");
    for entry in fs::read_dir(fuzz.join("corpus")).expect("fuzz/corpus exists") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("x3dh_") {
            assert!(
                TARGETS.iter().any(|(t, _)| *t == name),
                "corpus for unknown target {name}"
            );
        }
    }
    let mut total = 0;
    for (target, run) in TARGETS {
        let seeds = files(&fuzz.join("corpus").join(target));
        assert!(!seeds.is_empty(), "no committed seed for {target}");
        let regressions = files(&fuzz.join("regressions").join(target));
        for path in seeds.iter().chain(&regressions) {
            let data = fs::read(path).unwrap();
            eprintln!("replay {target}: {} ({} bytes)", path.display(), data.len());
            run(&data);
        }
        total += seeds.len() + regressions.len();
    }
    eprintln!("replayed {total} inputs for {} targets", TARGETS.len());
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
