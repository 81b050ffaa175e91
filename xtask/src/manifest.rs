//! `test-vectors/MANIFEST.toml`: a hand-written parser for the TOML subset it uses, and the
//! provenance rules every entry must meet.
//!
//! The subset: blank lines, `#` comments, `[[file]]` headers, and one `key = "string"` or
//! `key = ["string", ...]` per line (a trailing `#` comment allowed; no escapes, no multi-line
//! values). Anything else is an error naming the line.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::Result;

/// Where the manifest lives, relative to the workspace root.
pub(crate) const MANIFEST: &str = "test-vectors/MANIFEST.toml";

/// Where fetched upstream files go, relative to the workspace root (git-ignored).
pub(crate) const UPSTREAM_DIR: &str = "test-vectors/upstream";

/// One `[[file]]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// Line of the `[[file]]` header, for messages.
    pub(crate) line: usize,
    /// Relative path, the same in the mirror and under `test-vectors/upstream/`.
    pub(crate) path: String,
    /// Raw upstream URL pinned to a commit.
    pub(crate) url: String,
    /// Expected SHA-256, lowercase hex.
    pub(crate) sha256: String,
    /// Short provenance.
    pub(crate) source: String,
    /// Test files that read this file.
    pub(crate) used_by: Vec<String>,
}

/// A value on the right of `=`.
#[derive(Debug, PartialEq, Eq)]
enum Value {
    /// `"text"`
    Str(String),
    /// `["a", "b"]`
    List(Vec<String>),
}

/// Reads and parses the manifest under `root`.
pub(crate) fn load(root: &Path) -> Result<Vec<Entry>> {
    let path = root.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("{MANIFEST}: {e}"))
}

/// Parses manifest text into entries, in file order.
pub(crate) fn parse(text: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let mut current: Option<Partial> = None;
    for (index, raw) in text.lines().enumerate() {
        let n = index + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if strip_comment(line) == "[[file]]" {
            if let Some(done) = current.take() {
                entries.push(done.finish()?);
            }
            current = Some(Partial::new(n));
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {n}: expected `key = value` or `[[file]]`"))?;
        let key = key.trim();
        let entry = current
            .as_mut()
            .ok_or_else(|| format!("line {n}: `{key}` before the first [[file]]"))?;
        let value = parse_value(value.trim()).map_err(|e| format!("line {n}: {e}"))?;
        entry
            .set(key, value)
            .map_err(|e| format!("line {n}: {e}"))?;
    }
    if let Some(done) = current {
        entries.push(done.finish()?);
    }
    Ok(entries)
}

/// The line without a trailing `#` comment (only for lines holding no strings).
fn strip_comment(line: &str) -> &str {
    line.split_once('#')
        .map_or(line, |(before, _)| before)
        .trim()
}

/// Parses `"text"` or `["a", "b"]`, allowing a trailing comment.
fn parse_value(s: &str) -> Result<Value> {
    if let Some(rest) = s.strip_prefix('"') {
        let (text, after) = parse_string(rest)?;
        expect_end(after)?;
        return Ok(Value::Str(text));
    }
    let mut rest = s
        .strip_prefix('[')
        .ok_or("expected a \"string\" or a [list]")?;
    let mut items = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(']') {
            expect_end(after)?;
            return Ok(Value::List(items));
        }
        let quoted = rest
            .strip_prefix('"')
            .ok_or("expected a \"string\" or `]` in the list")?;
        let (text, after) = parse_string(quoted)?;
        items.push(text);
        rest = after.trim_start();
        if let Some(after) = rest.strip_prefix(',') {
            rest = after;
        } else if !rest.starts_with(']') {
            return Err("expected `,` or `]` after a list item".to_owned());
        }
    }
}

/// Splits `text"rest` (the opening quote already removed) into `text` and `rest`.
fn parse_string(s: &str) -> Result<(String, &str)> {
    let (text, rest) = s.split_once('"').ok_or("unterminated string")?;
    if text.contains('\\') {
        return Err("escapes are not supported in this manifest".to_owned());
    }
    Ok((text.to_owned(), rest))
}

/// Accepts only whitespace or a comment after a value.
fn expect_end(rest: &str) -> Result {
    let rest = rest.trim();
    if rest.is_empty() || rest.starts_with('#') {
        Ok(())
    } else {
        Err(format!("unexpected `{rest}` after the value"))
    }
}

/// An entry being filled in, key by key.
#[derive(Debug, Default)]
struct Partial {
    /// Line of the `[[file]]` header.
    line: usize,
    /// `path`
    path: Option<String>,
    /// `url`
    url: Option<String>,
    /// `sha256`
    sha256: Option<String>,
    /// `source`
    source: Option<String>,
    /// `used_by`
    used_by: Option<Vec<String>>,
}

impl Partial {
    /// An empty entry whose header is on `line`.
    fn new(line: usize) -> Self {
        Self {
            line,
            ..Self::default()
        }
    }

    /// Sets one key, refusing unknown keys, repeats and values of the wrong kind.
    fn set(&mut self, key: &str, value: Value) -> Result {
        let repeated = || format!("`{key}` given twice in one [[file]]");
        match (key, value) {
            ("used_by", Value::List(list)) => {
                if self.used_by.replace(list).is_some() {
                    return Err(repeated());
                }
            }
            ("used_by", Value::Str(_)) => return Err("`used_by` must be a [list]".to_owned()),
            ("path" | "url" | "sha256" | "source", Value::List(_)) => {
                return Err(format!("`{key}` must be a \"string\""));
            }
            (key, Value::Str(text)) => {
                let slot = match key {
                    "path" => &mut self.path,
                    "url" => &mut self.url,
                    "sha256" => &mut self.sha256,
                    "source" => &mut self.source,
                    _ => return Err(format!("unknown key `{key}`")),
                };
                if slot.replace(text).is_some() {
                    return Err(repeated());
                }
            }
            (key, Value::List(_)) => return Err(format!("unknown key `{key}`")),
        }
        Ok(())
    }

    /// The finished entry, or which keys are missing.
    fn finish(self) -> Result<Entry> {
        let line = self.line;
        let missing = |key: &str| format!("[[file]] at line {line} has no `{key}`");
        Ok(Entry {
            line,
            path: self.path.ok_or_else(|| missing("path"))?,
            url: self.url.ok_or_else(|| missing("url"))?,
            sha256: self.sha256.ok_or_else(|| missing("sha256"))?,
            source: self.source.ok_or_else(|| missing("source"))?,
            used_by: self.used_by.ok_or_else(|| missing("used_by"))?,
        })
    }
}

impl Entry {
    /// Where this file goes under the workspace root.
    pub(crate) fn local_path(&self, root: &Path) -> PathBuf {
        root.join(UPSTREAM_DIR).join(&self.path)
    }
}

/// True when `s` is `len` lowercase hex digits.
fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// True when one `/`-separated segment of the URL is a full 40-hex commit id.
fn url_pins_commit(url: &str) -> bool {
    url.split('/').any(|segment| is_lower_hex(segment, 40))
}

/// True when `path` is relative, uses `/`, and stays inside the folder it is joined to.
fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Every provenance rule an entry breaks, one message each (empty when all hold).
pub(crate) fn provenance_problems(root: &Path, entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    if entries.is_empty() {
        problems.push(format!("{MANIFEST} lists no files"));
    }
    let mut seen = HashSet::new();
    for e in entries {
        let at = format!("{MANIFEST}:{} ({})", e.line, e.path);
        if !is_safe_relative(&e.path) {
            problems.push(format!(
                "{at}: path must be relative, with no `.`/`..` parts"
            ));
        }
        if !seen.insert(e.path.as_str()) {
            problems.push(format!("{at}: path listed twice"));
        }
        if !e.url.starts_with("https://") || !url_pins_commit(&e.url) {
            problems.push(format!(
                "{at}: url must be https and pinned to a 40-hex commit: {}",
                e.url
            ));
        }
        if !is_lower_hex(&e.sha256, 64) {
            problems.push(format!("{at}: sha256 must be 64 lowercase hex digits"));
        }
        if e.source.trim().is_empty() {
            problems.push(format!("{at}: source is empty"));
        }
        for user in &e.used_by {
            if !is_safe_relative(user) || !root.join(user).is_file() {
                problems.push(format!("{at}: used_by names {user}, which does not exist"));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
# header
[[file]]
path = "a/b.json"   # comment
url = "https://raw.githubusercontent.com/o/r/0123456789abcdef0123456789abcdef01234567/b.json"
sha256 = "0000000000000000000000000000000000000000000000000000000000000000"
source = "Upstream PR #13"
used_by = ["xtask/Cargo.toml", "xtask/src/main.rs"]

[[file]] # second
path = "c.txt"
url = "https://example.org/0123456789abcdef0123456789abcdef01234567/c.txt"
sha256 = "1111111111111111111111111111111111111111111111111111111111111111"
source = "x"
used_by = []
"#;

    #[test]
    fn parses_the_subset() {
        let entries = parse(GOOD).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].line, 3);
        assert_eq!(entries[0].path, "a/b.json");
        assert_eq!(entries[0].source, "Upstream PR #13");
        assert_eq!(
            entries[0].used_by,
            ["xtask/Cargo.toml", "xtask/src/main.rs"]
        );
        assert!(entries[1].used_by.is_empty());
    }

    #[test]
    fn rejects_malformed_input_with_line_numbers() {
        let cases = [
            ("path = \"x\"", "line 1: `path` before the first [[file]]"),
            (
                "[[file]]\npath = x",
                "line 2: expected a \"string\" or a [list]",
            ),
            ("[[file]]\npath = \"x", "line 2: unterminated string"),
            (
                "[[file]]\npath = \"x\" y",
                "line 2: unexpected `y` after the value",
            ),
            (
                "[[file]]\npath = \"x\"\npath = \"y\"",
                "line 3: `path` given twice",
            ),
            ("[[file]]\ncolour = \"red\"", "line 2: unknown key `colour`"),
            (
                "[[file]]\nused_by = \"a\"",
                "line 2: `used_by` must be a [list]",
            ),
            (
                "[[file]]\nused_by = [\"a\" \"b\"]",
                "line 2: expected `,` or `]`",
            ),
            (
                "[[file]]\npath = \"a\\b\"",
                "line 2: escapes are not supported",
            ),
            ("[[file]]\npath = \"x\"", "[[file]] at line 1 has no `url`"),
            ("[file]", "line 1: expected `key = value`"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(want), "{text:?}: got {err:?}, want {want:?}");
        }
    }

    #[test]
    fn provenance_rules() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let mut entries = parse(GOOD).unwrap();
        assert!(provenance_problems(root, &entries).is_empty());

        entries[1].path = "a/b.json".to_owned();
        entries[1].url = "https://example.org/main/c.txt".to_owned();
        entries[1].sha256 = "ABC".to_owned();
        entries[1].used_by = vec!["no/such/file.rs".to_owned()];
        let problems = provenance_problems(root, &entries).join("\n");
        for want in [
            "listed twice",
            "40-hex commit",
            "64 lowercase hex",
            "no/such/file.rs",
        ] {
            assert!(problems.contains(want), "missing {want:?} in {problems}");
        }
        assert!(!is_safe_relative("../x"));
        assert!(!is_safe_relative("/x"));
        assert!(!is_safe_relative("a//b"));
        assert!(is_safe_relative("a/b.c"));
    }

    #[test]
    fn the_real_manifest_parses_and_pins_everything() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let entries = load(root).unwrap();
        assert!(!entries.is_empty());
        for e in &entries {
            assert!(url_pins_commit(&e.url), "{}", e.url);
            assert!(is_lower_hex(&e.sha256, 64), "{}", e.path);
        }
    }
}
