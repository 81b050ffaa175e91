//! External commands: built, echoed (`$ KEY='v' cargo ...`), run from the workspace root.

use std::fmt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::Result;

/// An external command, run from a fixed directory with optional extra environment.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    /// Program name, looked up on `PATH`.
    program: String,
    /// Arguments, passed as they are (no shell).
    args: Vec<String>,
    /// Extra environment variables, shown in the echo.
    envs: Vec<(String, String)>,
    /// Working directory.
    dir: std::path::PathBuf,
}

impl Cmd {
    /// A command running `program` in `dir`.
    pub(crate) fn new(program: &str, dir: &Path) -> Self {
        Self {
            program: program.to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
            dir: dir.to_path_buf(),
        }
    }

    /// Appends arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.args.extend(
            args.into_iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        );
        self
    }

    /// Sets an environment variable for this command only.
    pub(crate) fn env(mut self, key: &str, value: &str) -> Self {
        self.envs.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The `std` command this describes.
    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args).current_dir(&self.dir);
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        c
    }

    /// Echoes the command, runs it with inherited output, and fails on a non-zero exit.
    pub(crate) fn run(&self) -> Result {
        println!("$ {self}");
        let status = self
            .command()
            .status()
            .map_err(|e| format!("could not start `{}`: {e}", self.program))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`{self}` failed ({status})"))
        }
    }

    /// Runs the command silently and returns its stdout; fails on a non-zero exit.
    pub(crate) fn output(&self) -> Result<String> {
        let out = self
            .command()
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("could not start `{}`: {e}", self.program))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "`{self}` failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

impl fmt::Display for Cmd {
    /// Shell-like rendering, quoting words that a shell would split or expand.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, v) in &self.envs {
            write!(f, "{k}={} ", quote(v))?;
        }
        f.write_str(&quote(&self.program))?;
        for a in &self.args {
            write!(f, " {}", quote(a))?;
        }
        Ok(())
    }
}

/// Wraps `word` in single quotes when it holds characters a shell treats specially.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The SHA-256 of a file, as 64 lowercase hex digits, computed by `sha256sum`.
pub(crate) fn sha256(dir: &Path, file: &Path) -> Result<String> {
    let out = Cmd::new("sha256sum", dir).args([file]).output()?;
    let digest = out.split_whitespace().next().unwrap_or_default();
    if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(digest.to_ascii_lowercase())
    } else {
        Err(format!(
            "unexpected sha256sum output for {}: {out}",
            file.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_quotes_only_what_needs_it() {
        let c = Cmd::new("cargo", Path::new("."))
            .env("RUSTDOCFLAGS", "-D warnings")
            .args(["test", "--test", "kat_*", "--", "-max_total_time=3"]);
        assert_eq!(
            c.to_string(),
            "RUSTDOCFLAGS='-D warnings' cargo test --test 'kat_*' -- -max_total_time=3"
        );
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }
}
