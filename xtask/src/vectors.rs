//! `cargo xtask vectors`: fill `test-vectors/upstream/` from a mirror or the network, and refuse
//! any file whose SHA-256 differs from the manifest.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::cmd::{Cmd, sha256};
use crate::manifest::{self, Entry};

/// The environment variable naming a local mirror laid out like `test-vectors/upstream/`.
const MIRROR_VAR: &str = "TEST_VECTORS_MIRROR";

/// How a file came to be in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetched {
    /// Already there with the right hash.
    Kept,
    /// Copied from the mirror.
    Copied,
    /// Downloaded with curl.
    Downloaded,
}

/// Fetches and verifies every manifest entry whose path starts with one of `prefixes` (all
/// entries when `prefixes` is empty). Keeps going after a failure, then fails naming them all.
pub(crate) fn fetch_all(root: &Path, prefixes: &[String]) -> Result {
    let entries: Vec<Entry> = manifest::load(root)?
        .into_iter()
        .filter(|e| prefixes.is_empty() || prefixes.iter().any(|p| e.path.starts_with(p)))
        .collect();
    if entries.is_empty() {
        return Err(format!("no manifest entry matches {}", prefixes.join(" ")));
    }
    let mirror = mirror_dir(root);
    match &mirror {
        Some(dir) => println!("vectors: copying missing files from {}", dir.display()),
        None => println!("vectors: {MIRROR_VAR} is not set; downloading missing files with curl"),
    }

    let (mut kept, mut copied, mut downloaded) = (0_usize, 0_usize, 0_usize);
    let mut failures = Vec::new();
    for entry in &entries {
        match fetch_one(root, mirror.as_deref(), entry) {
            Ok(Fetched::Kept) => kept += 1,
            Ok(Fetched::Copied) => copied += 1,
            Ok(Fetched::Downloaded) => downloaded += 1,
            Err(message) => {
                eprintln!("vectors: FAILED {message}");
                failures.push(message);
            }
        }
    }
    let verified = kept + copied + downloaded;
    println!(
        "vectors: {verified} of {} files verified ({kept} already present, {copied} copied \
         from the mirror, {downloaded} downloaded) in {}",
        entries.len(),
        manifest::UPSTREAM_DIR
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} vector file(s) failed:\n  {}",
            failures.len(),
            failures.join("\n  ")
        ))
    }
}

/// The mirror folder from `TEST_VECTORS_MIRROR`, relative paths resolved against `root`.
fn mirror_dir(root: &Path) -> Option<PathBuf> {
    let value = std::env::var_os(MIRROR_VAR).filter(|v| !v.is_empty())?;
    Some(root.join(value))
}

/// Makes one entry's file present and verified; a file with the wrong hash never stays.
fn fetch_one(root: &Path, mirror: Option<&Path>, entry: &Entry) -> Result<Fetched> {
    let dest = entry.local_path(root);
    if dest.is_file() {
        let actual = sha256(root, &dest)?;
        if actual == entry.sha256 {
            return Ok(Fetched::Kept);
        }
        println!(
            "vectors: {} has SHA-256 {actual}, expected {}; deleting it and fetching it again",
            entry.path, entry.sha256
        );
        remove(&dest);
    }
    let parent = dest
        .parent()
        .ok_or_else(|| format!("{}: no parent folder", entry.path))?;
    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;

    // Fetch next to the destination and rename only once the hash matches.
    let mut partial = dest.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let how = if let Some(mirror) = mirror {
        let source = mirror.join(&entry.path);
        fs::copy(&source, &partial).map_err(|e| {
            format!(
                "{}: cannot copy {} from the mirror: {e}",
                entry.path,
                source.display()
            )
        })?;
        Fetched::Copied
    } else {
        let curl = Cmd::new("curl", root)
            .args(["-fsSL", "--retry", "2", "-o"])
            .args([&partial])
            .args([&entry.url]);
        if let Err(e) = curl.run() {
            remove(&partial);
            return Err(format!("{}: download failed: {e}", entry.path));
        }
        Fetched::Downloaded
    };

    let actual = match sha256(root, &partial) {
        Ok(actual) => actual,
        Err(e) => {
            remove(&partial);
            return Err(format!("{}: {e}", entry.path));
        }
    };
    if actual != entry.sha256 {
        remove(&partial);
        remove(&dest);
        return Err(format!(
            "{}: SHA-256 mismatch, file refused and deleted\n      expected {}\n      actual   \
             {actual}\n      from     {}",
            entry.path,
            entry.sha256,
            mirror.map_or_else(
                || entry.url.clone(),
                |m| m.join(&entry.path).display().to_string()
            ),
        ));
    }
    fs::rename(&partial, &dest).map_err(|e| format!("cannot move {}: {e}", dest.display()))?;
    Ok(how)
}

/// Deletes a file if it exists; a failure to delete is reported but not fatal.
fn remove(path: &Path) {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => eprintln!("vectors: could not delete {}: {e}", path.display()),
    }
}
