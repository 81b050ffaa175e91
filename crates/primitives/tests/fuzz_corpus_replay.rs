//! Replays the fuzz workspace's committed inputs for this crate's targets on stable, through the
//! same `primitives::fuzzing` functions the targets call.
//!
//! # Inputs
//!
//! Every directory `fuzz/corpus/<target>/` (seeds made from KAT data) and
//! `fuzz/regressions/<target>/` (minimised crashers) whose name starts with `primitives_`; each
//! regular file not starting with `.` (so not `.gitkeep`) is one input, passed whole to the
//! target's function. The first byte of most inputs selects a parameter set or algorithm; see
//! each function's doc in `src/fuzzing.rs`.
//!
//! # Checks
//!
//! - Every such directory names a known target (the `match` in [`entry`]): an unknown name fails.
//! - Every `fuzz/fuzz_targets/primitives_*.rs` is a known target, and calls exactly the function
//!   the replay uses.
//! - Every known target has at least one seed in `fuzz/corpus/<target>/`.
//! - No input makes its function panic (each function asserts its own invariants); a failure
//!   lists every offending file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking, with the file named in the message"
)]

use std::{
    collections::BTreeMap,
    fs,
    panic::{AssertUnwindSafe, catch_unwind},
    path::{Path, PathBuf},
};

use primitives::fuzzing;
use test_support::workspace_root;

/// A fuzz entry point.
type EntryPoint = fn(&[u8]);

/// Every target of this crate, by name.
const TARGETS: [&str; 5] = [
    "primitives_aead_open",
    "primitives_hpke_open",
    "primitives_mlkem_decapsulate",
    "primitives_mlkem_ek_decode",
    "primitives_xwing",
];

/// The `primitives::fuzzing` function of a target, and its name, or `None` for an unknown target.
fn entry(target: &str) -> Option<(&'static str, EntryPoint)> {
    Some(match target {
        "primitives_aead_open" => ("aead_open", fuzzing::aead_open),
        "primitives_hpke_open" => ("hpke_open", fuzzing::hpke_open),
        "primitives_mlkem_decapsulate" => ("mlkem_decapsulate", fuzzing::mlkem_decapsulate),
        "primitives_mlkem_ek_decode" => (
            "mlkem_encapsulation_key_decode",
            fuzzing::mlkem_encapsulation_key_decode,
        ),
        "primitives_xwing" => (
            "xwing_decode_and_decapsulate",
            fuzzing::xwing_decode_and_decapsulate,
        ),
        _ => return None,
    })
}

/// The `primitives_*` subdirectories of `dir` (none if `dir` does not exist).
fn target_dirs(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(read) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, PathBuf)> = read
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .filter_map(|e| {
            let name = e.file_name().into_string().unwrap();
            name.starts_with("primitives_").then(|| (name, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// The input files of one target directory, sorted.
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| {
            e.file_type().unwrap().is_file() && !e.file_name().to_string_lossy().starts_with('.')
        })
        .map(|e| e.path())
        .collect();
    out.sort();
    out
}

#[test]
fn fuzz_targets_call_the_replayed_functions() {
    let dir = workspace_root().join("fuzz/fuzz_targets");
    let mut found = Vec::new();
    for e in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("primitives_") {
            continue;
        }
        let (function, _) =
            entry(&name).unwrap_or_else(|| panic!("{}: unknown target `{name}`", path.display()));
        let source = fs::read_to_string(&path).unwrap();
        assert!(
            source.contains(&format!("primitives::fuzzing::{function}(data)")),
            "{}: should call primitives::fuzzing::{function}",
            path.display()
        );
        found.push(name);
    }
    found.sort_unstable();
    assert_eq!(found, TARGETS, "fuzz/fuzz_targets/primitives_*.rs");
}

#[test]
fn replay_seeds_and_regressions() {
    let root = workspace_root();
    let mut seeds: BTreeMap<&str, usize> = TARGETS.iter().map(|&t| (t, 0)).collect();
    let mut failures = Vec::new();
    let mut ran = 0;
    for kind in ["corpus", "regressions"] {
        for (target, dir) in target_dirs(&root.join("fuzz").join(kind)) {
            let (_, run) = entry(&target)
                .unwrap_or_else(|| panic!("{}: unknown target `{target}`", dir.display()));
            for file in inputs(&dir) {
                let data = fs::read(&file).unwrap();
                if catch_unwind(AssertUnwindSafe(|| run(&data))).is_err() {
                    failures.push(file.display().to_string());
                }
                ran += 1;
                if kind == "corpus" {
                    *seeds.get_mut(target.as_str()).unwrap() += 1;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz inputs that panic:\n{}",
        failures.join("\n")
    );
    for (target, n) in &seeds {
        assert!(*n > 0, "fuzz/corpus/{target}/ has no seed");
    }
    assert!(ran >= TARGETS.len());
}
