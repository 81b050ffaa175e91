//! Live fuzzing with cargo-fuzz: one target for a while, or every target briefly.
//!
//! libFuzzer instrumentation needs nightly compiler flags. The installed nightly toolchain is
//! used when there is one (`cargo +nightly fuzz`); otherwise the stable compiler with
//! `RUSTC_BOOTSTRAP=1` set for that one build. Inputs libFuzzer finds go to the git-ignored
//! `fuzz/target/corpus/<target>/`; the committed seeds in `fuzz/corpus/<target>/` are read only.

use std::path::Path;

use crate::Result;
use crate::cmd::Cmd;
use crate::test::Outcome;
use crate::tools::{self, CARGO_FUZZ};

/// Seconds per target in a smoke run.
pub(crate) const SMOKE_SECONDS: u32 = 3;

/// The fuzz targets (`fuzz/fuzz_targets/*.rs`, sorted), or `None` when `fuzz/` does not exist.
pub(crate) fn targets(root: &Path) -> Result<Option<Vec<String>>> {
    let dir = root.join("fuzz").join("fuzz_targets");
    if !root.join("fuzz").join("Cargo.toml").is_file() || !dir.is_dir() {
        return Ok(None);
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(Some(names))
}

/// `cargo xtask fuzz <target> [seconds]`.
pub(crate) fn run_one(root: &Path, target: &str, seconds: u32) -> Result {
    let known = targets(root)?.ok_or("there is no fuzz/ workspace yet")?;
    if !known.iter().any(|t| t == target) {
        return Err(format!(
            "no fuzz target `{target}`; targets: {}",
            known.join(", ")
        ));
    }
    tools::ensure(root, CARGO_FUZZ)?;
    let nightly = has_nightly(root);
    fuzz_command(root, target, seconds, nightly)?.run()
}

/// Runs every target for `seconds`; skipped (with a note) when `fuzz/` does not exist.
pub(crate) fn smoke(root: &Path, seconds: u32) -> Result<Outcome> {
    let Some(list) = targets(root)? else {
        let why = "fuzz/ does not exist yet".to_owned();
        println!("fuzz-smoke: skipped: {why}");
        return Ok(Outcome::Skipped(why));
    };
    if list.is_empty() {
        let why = "fuzz/fuzz_targets/ has no targets".to_owned();
        println!("fuzz-smoke: skipped: {why}");
        return Ok(Outcome::Skipped(why));
    }
    tools::ensure(root, CARGO_FUZZ)?;
    let nightly = has_nightly(root);
    let mut failed = Vec::new();
    for target in &list {
        if let Err(e) = fuzz_command(root, target, seconds, nightly).and_then(|c| c.run()) {
            eprintln!("fuzz-smoke: {target} FAILED: {e}");
            failed.push(target.as_str());
        }
    }
    if failed.is_empty() {
        println!("fuzz-smoke: {} targets ran {seconds} s each", list.len());
        Ok(Outcome::Passed)
    } else {
        Err(format!("fuzz targets failed: {}", failed.join(", ")))
    }
}

/// True when `rustup toolchain list` shows a nightly toolchain.
fn has_nightly(root: &Path) -> bool {
    Cmd::new("rustup", root)
        .args(["toolchain", "list"])
        .output()
        .is_ok_and(|list| list.lines().any(|l| l.trim_start().starts_with("nightly")))
}

/// The `cargo fuzz run` command for one target, saying which toolchain it uses.
fn fuzz_command(root: &Path, target: &str, seconds: u32, nightly: bool) -> Result<Cmd> {
    // libFuzzer writes new inputs into the first corpus folder only.
    let grown = root.join("fuzz").join("target").join("corpus").join(target);
    std::fs::create_dir_all(&grown)
        .map_err(|e| format!("cannot create {}: {e}", grown.display()))?;
    let seeds = root.join("fuzz").join("corpus").join(target);
    let mut corpora = vec![format!("fuzz/target/corpus/{target}")];
    if seeds.is_dir() {
        corpora.push(format!("fuzz/corpus/{target}"));
    }
    let cmd = if nightly {
        println!("fuzz: {target} with the installed nightly toolchain (cargo +nightly fuzz)");
        Cmd::new("cargo", root).args(["+nightly", "fuzz"])
    } else {
        println!("fuzz: {target} with stable and RUSTC_BOOTSTRAP=1 (no nightly toolchain found)");
        Cmd::new("cargo", root)
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz"])
    };
    Ok(cmd
        .args(["run", target])
        .args(corpora)
        .args(["--".to_owned(), format!("-max_total_time={seconds}")]))
}
