//! `cargo xtask test`: the CI run. Every step runs even after a failure; the end names the
//! failed steps and the exit code is non-zero if there were any.

use std::path::Path;
use std::process::ExitCode;

use crate::cmd::Cmd;
use crate::{Result, conformance, fuzz, manifest, tools, vectors};

/// How a step that did not fail ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// It ran and passed.
    Passed,
    /// It did not apply yet; the reason is printed.
    Skipped(String),
}

/// A step: its name and what it does.
type Step = (&'static str, fn(&Path) -> Result<Outcome>);

/// The steps, in order.
const STEPS: [Step; 13] = [
    ("vectors", vectors_step),
    ("fmt", fmt),
    ("clippy (all features)", clippy_all_features),
    ("clippy (no default features)", clippy_no_default_features),
    ("clippy (fuzz workspace)", clippy_fuzz),
    ("tests", tests),
    ("demo", demo),
    ("conformance table", conformance_table),
    ("doc", doc),
    ("deny", deny),
    ("provenance", provenance),
    ("fuzz smoke", fuzz_smoke),
    ("corpus replay", corpus_replay),
];

/// Runs every step, prints a summary, and returns the exit code.
pub(crate) fn run_all(root: &Path) -> ExitCode {
    let mut results = Vec::new();
    for (i, (name, step)) in STEPS.iter().enumerate() {
        println!("\n==> step {}/{}: {name}", i + 1, STEPS.len());
        let result = step(root);
        match &result {
            Ok(Outcome::Passed) => println!("<== {name}: ok"),
            Ok(Outcome::Skipped(why)) => println!("<== {name}: skipped ({why})"),
            Err(e) => eprintln!("<== {name}: FAILED\n{e}"),
        }
        results.push((*name, result));
    }

    println!("\nSummary");
    for (name, result) in &results {
        let status = match result {
            Ok(Outcome::Passed) => "ok".to_owned(),
            Ok(Outcome::Skipped(why)) => format!("skipped: {why}"),
            Err(_) => "FAILED".to_owned(),
        };
        println!("  {name:<30} {status}");
    }
    let failed: Vec<&str> = results
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(n, _)| *n)
        .collect();
    let skipped = results
        .iter()
        .filter(|(_, r)| matches!(r, Ok(Outcome::Skipped(_))))
        .count();
    let passed = results.len() - failed.len() - skipped;
    if !failed.is_empty() {
        println!("failed steps: {}", failed.join(", "));
    }
    // The last line follows the plain "N passed, N failed" convention CI logs are read for.
    println!(
        "steps: {passed} passed, {} failed, {skipped} skipped",
        failed.len()
    );
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs `cargo <args>` from the root and maps success to [`Outcome::Passed`].
fn cargo(root: &Path, args: &[&str]) -> Result<Outcome> {
    Cmd::new("cargo", root).args(args).run()?;
    Ok(Outcome::Passed)
}

/// Step 1: fetch and verify the upstream vectors.
fn vectors_step(root: &Path) -> Result<Outcome> {
    println!("(in process) cargo xtask vectors");
    vectors::fetch_all(root, &[])?;
    Ok(Outcome::Passed)
}

/// Step 2: formatting.
fn fmt(root: &Path) -> Result<Outcome> {
    cargo(root, &["fmt", "--all", "--", "--check"])
}

/// Step 3: clippy with every feature.
fn clippy_all_features(root: &Path) -> Result<Outcome> {
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// Step 4: clippy with no default features.
fn clippy_no_default_features(root: &Path) -> Result<Outcome> {
    cargo(
        root,
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--no-default-features",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// Step 5: clippy on the separate fuzz workspace (it checks on stable; only running needs
/// nightly flags).
fn clippy_fuzz(root: &Path) -> Result<Outcome> {
    if !root.join("fuzz").join("Cargo.toml").is_file() {
        println!("fuzz/ does not exist yet; nothing to check");
        return Ok(Outcome::Skipped("fuzz/ does not exist yet".to_owned()));
    }
    cargo(
        root,
        &[
            "clippy",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
}

/// Step 6: unit, integration and doc tests, after clearing the conformance folder.
fn tests(root: &Path) -> Result<Outcome> {
    conformance::clear(root)?;
    cargo(root, &["test", "--workspace", "--all-features"])
}

/// Step 7: the demo, built as the tests built the workspace (so nothing is recompiled) and
/// run; it exits non-zero if a check of the run failed.
fn demo(root: &Path) -> Result<Outcome> {
    cargo(
        root,
        &["build", "--workspace", "--all-features", "--examples"],
    )?;
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), std::path::PathBuf::from);
    let binary = target.join("debug").join("examples").join("demo");
    Cmd::new(&binary.to_string_lossy(), root).run()?;
    Ok(Outcome::Passed)
}

/// `cargo xtask demo`: the demo, optimised (its transcript prints per-layer timings).
pub(crate) fn demo_release(root: &Path) -> Result {
    Cmd::new("cargo", root)
        .args(["run", "--release", "-p", "cascade", "--example", "demo"])
        .run()
}

/// Step 8: print what the tests recorded in `target/conformance/`.
fn conformance_table(root: &Path) -> Result<Outcome> {
    conformance::print_table(root)?;
    Ok(Outcome::Passed)
}

/// Step 9: documentation with warnings denied.
fn doc(root: &Path) -> Result<Outcome> {
    Cmd::new("cargo", root)
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps", "--all-features"])
        .run()?;
    Ok(Outcome::Passed)
}

/// Step 10: cargo-deny (bans, licenses, sources).
fn deny(root: &Path) -> Result<Outcome> {
    tools::deny(root, false)?;
    Ok(Outcome::Passed)
}

/// Step 11: manifest provenance rules, and no upstream file tracked by git.
fn provenance(root: &Path) -> Result<Outcome> {
    let entries = manifest::load(root)?;
    let mut problems = manifest::provenance_problems(root, &entries);
    let git = Cmd::new("git", root).args(["ls-files", manifest::UPSTREAM_DIR]);
    println!("$ {git}");
    match git.output() {
        Ok(tracked) if tracked.trim().is_empty() => {}
        Ok(tracked) => problems.push(format!(
            "upstream vector files must not be committed; git tracks:\n    {}",
            tracked.trim().replace('\n', "\n    ")
        )),
        Err(e) => problems.push(e),
    }
    if problems.is_empty() {
        println!(
            "provenance: {} manifest entries pinned, hashed and unique; nothing under {} is tracked",
            entries.len(),
            manifest::UPSTREAM_DIR
        );
        Ok(Outcome::Passed)
    } else {
        Err(problems.join("\n"))
    }
}

/// Step 12: every fuzz target for a few seconds.
fn fuzz_smoke(root: &Path) -> Result<Outcome> {
    fuzz::smoke(root, fuzz::SMOKE_SECONDS)
}

/// Step 13: replay committed fuzz seeds and regressions on stable.
fn corpus_replay(root: &Path) -> Result<Outcome> {
    let crates = root.join("crates");
    let present = std::fs::read_dir(&crates)
        .map(|list| {
            list.filter_map(std::result::Result::ok)
                .any(|e| e.path().join("tests/fuzz_corpus_replay.rs").is_file())
        })
        .unwrap_or(false);
    if !present {
        let why = "no crates/*/tests/fuzz_corpus_replay.rs yet".to_owned();
        println!("{why}; nothing to replay");
        return Ok(Outcome::Skipped(why));
    }
    cargo(
        root,
        &[
            "test",
            "--workspace",
            "--all-features",
            "--test",
            "fuzz_corpus_replay",
        ],
    )
}
