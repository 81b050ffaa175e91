//! Replays the committed fuzz seeds (`fuzz/corpus/<target>/*`) and minimised crashers
//! (`fuzz/regressions/<target>/*`, when present) of this crate's targets — every target named
//! `ratchet_*` — through the same `double_ratchet::fuzzing` functions the fuzz targets call, on
//! stable. Each target must have at least one seed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

use std::{fs, path::Path};

use double_ratchet::fuzzing;
use test_support::workspace_root;

/// A fuzz entry point.
type Entry = fn(&[u8]);

/// This crate's fuzz targets and the functions they call.
const TARGETS: [(&str, Entry); 3] = [
    ("ratchet_message_decode", fuzzing::message_decode),
    ("ratchet_decrypt", fuzzing::decrypt),
    ("ratchet_session_interaction", fuzzing::session_interaction),
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
fn replay_ratchet_corpus_and_regressions() {
    let fuzz = workspace_root().join("fuzz");
    // Every `ratchet_*` corpus folder must belong to a target this test knows.
    for entry in fs::read_dir(fuzz.join("corpus")).expect("fuzz/corpus exists") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with("ratchet_") {
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
