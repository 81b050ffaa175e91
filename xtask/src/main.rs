//! `cargo xtask`: the workspace's automation (vectors, the CI run, fuzzing, deny, benches).
//!
//! Std only. Every command runs from the workspace root, echoes each external command before it
//! runs it, and shells out to `cargo`, `curl`, `sha256sum`, `git` and `rustup` instead of
//! re-implementing them. `cargo xtask help` lists the commands.

#![allow(clippy::print_stdout, reason = "a command-line tool reports on stdout")]
#![allow(
    clippy::print_stderr,
    reason = "a command-line tool reports errors on stderr"
)]

mod bench;
mod cmd;
mod conformance;
mod fuzz;
mod manifest;
mod test;
mod tools;
mod vectors;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Errors are messages for the person at the terminal.
type Result<T = ()> = std::result::Result<T, String>;

/// What `cargo xtask help` prints.
const HELP: &str = "\
cargo xtask <command> [arguments]

Commands:
  vectors [PREFIX...]      fetch upstream vector files named in test-vectors/MANIFEST.toml into
                           test-vectors/upstream/ (from $TEST_VECTORS_MIRROR when set, else with
                           curl) and verify each SHA-256; PREFIX limits it to matching paths
  test                     the CI run (what .ci/run runs): vectors, fmt, clippy (all features, no
                           default features, fuzz workspace), tests, conformance table, docs, deny,
                           vector provenance, fuzz smoke, corpus replay; runs every step, then
                           names the failed ones
  conformance              run only the KAT tests (tests/kat_*.rs) and print which vector
                           families passed
  fuzz <target> [SECONDS]  fuzz one target (default 60 s); nightly when installed, else stable
                           with RUSTC_BOOTSTRAP=1 for that build only
  fuzz-smoke [SECONDS]     run every fuzz target briefly (default 3 s each)
  deny [--advisories]      cargo deny check bans licenses sources (installs the pinned
                           cargo-deny if needed); --advisories also checks the advisory database
                           (needs the network)
  bench [--peers]          criterion benches of the workspace; --peers runs bench-peers/ and
                           prints each group's medians and ours/theirs ratios
  demo                     the end-to-end run: Alice, Bob and Carol over loopback TCP, PQXDH
                           handshake, messages through the full cascade, an MLS group, a
                           removal, a tampered and a stripped envelope (release build of
                           crates/cascade/examples/demo.rs; exits non-zero if a check fails)
  help                     this text

Environment:
  TEST_VECTORS_MIRROR      a local copy laid out like test-vectors/upstream/ (relative paths
                           resolve against the workspace root; CI uses ../shared/test-vectors)
";

/// Parses the command line, runs the command and turns the outcome into an exit code.
fn main() -> ExitCode {
    let root = workspace_root();
    let args = Args(std::env::args().skip(1).collect());
    match dispatch(&root, args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's directory (xtask lives at `<root>/xtask`).
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.to_path_buf(), Path::to_path_buf)
}

/// Runs the command named by the first argument.
fn dispatch(root: &Path, mut args: Args) -> Result<ExitCode> {
    let command = args.positional().unwrap_or_else(|| "help".to_owned());
    match command.as_str() {
        "vectors" => {
            let prefixes = args.rest_positional();
            args.finish()?;
            vectors::fetch_all(root, &prefixes)?;
        }
        "test" => {
            args.finish()?;
            return Ok(test::run_all(root));
        }
        "conformance" => {
            args.finish()?;
            conformance::run(root)?;
        }
        "fuzz" => {
            let target = args
                .positional()
                .ok_or("usage: cargo xtask fuzz <target> [seconds]")?;
            let seconds = args.seconds(60)?;
            args.finish()?;
            fuzz::run_one(root, &target, seconds)?;
        }
        "fuzz-smoke" => {
            let seconds = args.seconds(fuzz::SMOKE_SECONDS)?;
            args.finish()?;
            fuzz::smoke(root, seconds)?;
        }
        "deny" => {
            let advisories = args.flag("--advisories");
            args.finish()?;
            tools::deny(root, advisories)?;
        }
        "bench" => {
            let peers = args.flag("--peers");
            args.finish()?;
            bench::run(root, peers)?;
        }
        "demo" => {
            args.finish()?;
            test::demo_release(root)?;
        }
        "help" | "-h" | "--help" => print!("{HELP}"),
        other => return Err(format!("unknown command `{other}`\n\n{HELP}")),
    }
    Ok(ExitCode::SUCCESS)
}

/// The arguments after the command, consumed by a tiny hand-written parser.
#[derive(Debug)]
struct Args(Vec<String>);

impl Args {
    /// Removes and returns the next argument unless it is a flag (`-...`).
    fn positional(&mut self) -> Option<String> {
        if self.0.first().is_some_and(|a| !a.starts_with('-')) {
            Some(self.0.remove(0))
        } else {
            None
        }
    }

    /// Removes and returns every remaining argument that is not a flag.
    fn rest_positional(&mut self) -> Vec<String> {
        let (flags, positional) = self.0.drain(..).partition(|a| a.starts_with('-'));
        self.0 = flags;
        positional
    }

    /// Removes `name` wherever it appears and says whether it was there.
    fn flag(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|a| a != name);
        self.0.len() != before
    }

    /// Removes an optional positional number of seconds, giving `default` when absent.
    fn seconds(&mut self, default: u32) -> Result<u32> {
        match self.positional() {
            None => Ok(default),
            Some(s) => s
                .parse()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("`{s}` is not a positive number of seconds")),
        }
    }

    /// Fails if any argument was not consumed.
    fn finish(self) -> Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "unexpected argument(s): {} (see `cargo xtask help`)",
                self.0.join(" ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Args {
        Args(list.iter().map(|s| (*s).to_owned()).collect())
    }

    #[test]
    fn parses_positionals_flags_and_seconds() {
        let mut a = args(&["fuzz", "x3dh_bundle_decode", "5"]);
        assert_eq!(a.positional().as_deref(), Some("fuzz"));
        assert_eq!(a.positional().as_deref(), Some("x3dh_bundle_decode"));
        assert_eq!(a.seconds(60).unwrap(), 5);
        assert!(a.finish().is_ok());

        let mut a = args(&["--peers"]);
        assert!(a.positional().is_none());
        assert!(a.flag("--peers"));
        assert!(a.finish().is_ok());

        assert!(args(&["0"]).seconds(3).is_err());
        assert!(args(&["soon"]).seconds(3).is_err());
        assert_eq!(args(&[]).seconds(3).unwrap(), 3);
        assert!(args(&["--what"]).finish().is_err());
    }

    #[test]
    fn rest_positional_keeps_flags_for_finish() {
        let mut a = args(&["mls/", "--x", "hpke/"]);
        assert_eq!(a.rest_positional(), ["mls/", "hpke/"]);
        assert!(a.finish().is_err());
    }
}
