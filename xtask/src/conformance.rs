//! The conformance table: which vector families the tests ran.
//!
//! Test loaders append lines `family<TAB>passed<TAB>skipped` to files in
//! `target/conformance/*.txt`; this module clears that folder before a run and prints the lines
//! afterwards as one sorted, aligned table.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::cmd::Cmd;

/// The folder test loaders write to.
pub(crate) fn dir(root: &Path) -> PathBuf {
    root.join("target").join("conformance")
}

/// Deletes the folder so the next table shows only the next run.
pub(crate) fn clear(root: &Path) -> Result {
    let dir = dir(root);
    match fs::remove_dir_all(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot delete {}: {e}", dir.display())),
    }
}

/// `cargo xtask conformance`: runs only the KAT tests, then prints the table.
pub(crate) fn run(root: &Path) -> Result {
    clear(root)?;
    let tests = Cmd::new("cargo", root)
        .args(["test", "--workspace", "--all-features", "--test", "kat_*"])
        .run();
    let table = print_table(root);
    tests.and(table)
}

/// One table row.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    /// Vector family, e.g. `wycheproof/mlkem_768_test`.
    family: String,
    /// Cases that passed.
    passed: u64,
    /// Cases deliberately skipped (unsupported suites and the like).
    skipped: u64,
}

/// Parses `family<TAB>passed<TAB>skipped`.
fn parse_row(line: &str) -> Option<Row> {
    let mut fields = line.split('\t');
    let family = fields.next()?.trim();
    let passed = fields.next()?.trim().parse().ok()?;
    let skipped = fields.next()?.trim().parse().ok()?;
    if family.is_empty() || fields.next().is_some() {
        return None;
    }
    Some(Row {
        family: family.to_owned(),
        passed,
        skipped,
    })
}

/// Prints the table; fails if there is nothing to show or a line is malformed.
pub(crate) fn print_table(root: &Path) -> Result {
    let dir = dir(root);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|list| {
            list.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for file in &files {
        let text =
            fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            match parse_row(line) {
                Some(row) => rows.push(row),
                None => bad.push(format!("{}:{}: {line:?}", file.display(), i + 1)),
            }
        }
    }
    if rows.is_empty() && bad.is_empty() {
        return Err(format!(
            "no conformance results in {} (did the KAT tests run?)",
            dir.display()
        ));
    }
    rows.sort();
    print!("{}", render(&rows));
    if bad.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "malformed conformance lines (want family<TAB>passed<TAB>skipped):\n  {}",
            bad.join("\n  ")
        ))
    }
}

/// Formats rows as an aligned table with a header and a total.
fn render(rows: &[Row]) -> String {
    let width = rows
        .iter()
        .map(|r| r.family.len())
        .chain(["family".len()])
        .max()
        .unwrap_or_default();
    let mut out = String::from("\nConformance (vector families run by the tests)\n");
    out += &format!(
        "  {:<width$}  {:>8}  {:>8}\n",
        "family", "passed", "skipped"
    );
    for r in rows {
        out += &format!(
            "  {:<width$}  {:>8}  {:>8}\n",
            r.family, r.passed, r.skipped
        );
    }
    let passed: u64 = rows.iter().map(|r| r.passed).sum();
    let skipped: u64 = rows.iter().map(|r| r.skipped).sum();
    out += &format!(
        "  {} families, {passed} cases passed, {skipped} skipped\n",
        rows.len()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_strictly() {
        assert_eq!(
            parse_row("cctv/strcmp\t3\t0"),
            Some(Row {
                family: "cctv/strcmp".to_owned(),
                passed: 3,
                skipped: 0
            })
        );
        for bad in ["x\t1", "x\t1\t2\t3", "\t1\t2", "x\tone\t2", "x 1 2"] {
            assert_eq!(parse_row(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn table_is_aligned_and_totalled() {
        let mut rows = vec![
            parse_row("wycheproof/mlkem_768_test\t193\t0").unwrap(),
            parse_row("acvp/keyGen\t75\t0").unwrap(),
        ];
        rows.sort();
        let table = render(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[1], "Conformance (vector families run by the tests)");
        assert!(lines[3].starts_with("  acvp/keyGen "));
        assert_eq!(lines[3].len(), lines[4].len());
        assert!(table.contains("2 families, 268 cases passed, 0 skipped"));
    }
}
