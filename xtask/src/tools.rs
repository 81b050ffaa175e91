//! Pinned cargo subcommands (cargo-deny, cargo-fuzz): installed on first use, then reused.

use std::path::Path;

use crate::Result;
use crate::cmd::Cmd;

/// A cargo subcommand installed from crates.io at a pinned version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tool {
    /// Crate name on crates.io.
    krate: &'static str,
    /// Subcommand (`cargo <subcommand>`).
    subcommand: &'static str,
    /// Pinned version: the newest that builds with the workspace toolchain when pinned.
    version: &'static str,
}

/// cargo-deny, for `cargo deny check` (0.20.2 needs Rust 1.88).
pub(crate) const CARGO_DENY: Tool = Tool {
    krate: "cargo-deny",
    subcommand: "deny",
    version: "0.20.2",
};

/// cargo-fuzz, for the libFuzzer targets in `fuzz/`.
pub(crate) const CARGO_FUZZ: Tool = Tool {
    krate: "cargo-fuzz",
    subcommand: "fuzz",
    version: "0.13.2",
};

/// Installs `tool` with `cargo install --locked` unless `cargo <sub> --version` already
/// reports the pinned version.
pub(crate) fn ensure(root: &Path, tool: Tool) -> Result {
    let probe = Cmd::new("cargo", root)
        .args([tool.subcommand, "--version"])
        .output();
    if let Ok(out) = &probe
        && out.split_whitespace().any(|word| word == tool.version)
    {
        return Ok(());
    }
    let found = probe.map_or_else(|_| "not installed".to_owned(), |v| v.trim().to_owned());
    println!(
        "{} {} is needed ({found}); installing it, which compiles for a few minutes",
        tool.krate, tool.version
    );
    Cmd::new("cargo", root)
        .args(["install", "--locked", tool.krate, "--version", tool.version])
        .run()
}

/// `cargo deny check bans licenses sources`, plus `advisories` (network) when asked.
pub(crate) fn deny(root: &Path, advisories: bool) -> Result {
    ensure(root, CARGO_DENY)?;
    let mut checks = vec!["bans", "licenses", "sources"];
    if advisories {
        checks.push("advisories");
    }
    Cmd::new("cargo", root)
        .args(["deny", "check"])
        .args(checks)
        .run()
}
