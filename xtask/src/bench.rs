//! `cargo xtask bench [--peers]`: criterion benches, and side-by-side ratios against peers.
//!
//! In `bench-peers/`, benchmark ids are `<group>/<impl>`, where `impl` is `ours-...` for this
//! workspace's code or a peer's name. Criterion stores each result in
//! `bench-peers/target/criterion/<group>/<impl>/new/estimates.json`; the median is read from it
//! with a plain string search (no JSON crate) and shown per group with ours/theirs ratios.

use std::collections::BTreeMap;
use std::path::Path;

use crate::Result;
use crate::cmd::Cmd;

/// One measured implementation in a group.
#[derive(Debug, Clone, PartialEq)]
struct Measured {
    /// `ours-...` or a peer's name.
    name: String,
    /// Median time per iteration, in nanoseconds.
    median_ns: f64,
}

/// Runs the workspace benches, or the peer comparison with `peers`.
pub(crate) fn run(root: &Path, peers: bool) -> Result {
    if !peers {
        return Cmd::new("cargo", root)
            .args(["bench", "--workspace", "--all-features"])
            .run();
    }
    let peer_dir = root.join("bench-peers");
    if !peer_dir.join("Cargo.toml").is_file() {
        return Err("bench-peers/ does not exist yet".to_owned());
    }
    Cmd::new("cargo", root)
        .args(["bench", "--manifest-path", "bench-peers/Cargo.toml"])
        .run()?;
    let criterion = peer_dir.join("target").join("criterion");
    let mut groups = BTreeMap::new();
    collect(&criterion, &mut Vec::new(), &mut groups)?;
    if groups.is_empty() {
        return Err(format!("no estimates found under {}", criterion.display()));
    }
    print!("{}", render(&groups));
    Ok(())
}

/// Walks `dir`, adding every `.../<group>/<impl...>/new/estimates.json` to `groups`.
fn collect(
    dir: &Path,
    rel: &mut Vec<String>,
    groups: &mut BTreeMap<String, Vec<Measured>>,
) -> Result {
    let list = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut children: Vec<_> = list.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for path in children.iter().filter(|p| p.is_dir()) {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let estimates = path.join("estimates.json");
        if name == "new" && estimates.is_file() {
            if let Some((group, parts)) = rel.split_first().filter(|(_, parts)| !parts.is_empty()) {
                let text = std::fs::read_to_string(&estimates)
                    .map_err(|e| format!("cannot read {}: {e}", estimates.display()))?;
                let median_ns = median_ns(&text)
                    .ok_or_else(|| format!("no median in {}", estimates.display()))?;
                groups.entry(group.clone()).or_default().push(Measured {
                    name: parts.join("/"),
                    median_ns,
                });
            }
        } else if name != "report" && name != "base" && name != "change" {
            rel.push(name);
            collect(path, rel, groups)?;
            rel.pop();
        }
    }
    Ok(())
}

/// The `median.point_estimate` of a criterion `estimates.json`, in nanoseconds.
fn median_ns(json: &str) -> Option<f64> {
    let after_median = json.split_once("\"median\"")?.1;
    let after_key = after_median.split_once("\"point_estimate\"")?.1;
    let value = after_key.trim_start().strip_prefix(':')?.trim_start();
    let end = value
        .find(|c: char| c == ',' || c == '}' || c.is_whitespace())
        .unwrap_or(value.len());
    value.get(..end)?.parse().ok()
}

/// A duration in nanoseconds in the largest unit that keeps it at or above 1.
fn human(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

/// One table per group: every median, then each `ours-*` against each peer.
fn render(groups: &BTreeMap<String, Vec<Measured>>) -> String {
    let mut out = String::new();
    for (group, impls) in groups {
        out += &format!("\n{group}\n");
        let width = impls.iter().map(|m| m.name.len()).max().unwrap_or_default();
        for m in impls {
            out += &format!("  {:<width$}  {:>12}\n", m.name, human(m.median_ns));
        }
        let (ours, theirs): (Vec<&Measured>, Vec<&Measured>) =
            impls.iter().partition(|m| m.name.starts_with("ours-"));
        for o in &ours {
            for t in theirs.iter().filter(|t| t.median_ns > 0.0) {
                out += &format!(
                    "  {} / {} = {:.2} (ours/theirs; below 1 is faster)\n",
                    o.name,
                    t.name,
                    o.median_ns / t.median_ns
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ESTIMATES: &str = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":10.0,"upper_bound":12.0},"point_estimate":11.0,"standard_error":0.5},"median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,"upper_bound":10.0},"point_estimate":12345.5,"standard_error":0.1},"median_abs_dev":{"point_estimate":1e2}}"#;

    #[test]
    fn reads_the_median_not_the_mean() {
        assert_eq!(median_ns(ESTIMATES), Some(12345.5));
        assert_eq!(median_ns("{}"), None);
        assert_eq!(median_ns(r#"{"median":{"point_estimate":7}}"#), Some(7.0));
    }

    #[test]
    fn units_and_ratios() {
        assert_eq!(human(999.0), "999.0 ns");
        assert_eq!(human(12_346.0), "12.346 µs");
        assert_eq!(human(2.5e6), "2.500 ms");
        assert_eq!(human(3e9), "3.000 s");

        let mut groups = BTreeMap::new();
        groups.insert(
            "mlkem768-encaps".to_owned(),
            vec![
                Measured {
                    name: "libcrux".to_owned(),
                    median_ns: 10_000.0,
                },
                Measured {
                    name: "ours-rustcrypto".to_owned(),
                    median_ns: 15_000.0,
                },
            ],
        );
        let table = render(&groups);
        assert!(
            table.contains("ours-rustcrypto / libcrux = 1.50"),
            "{table}"
        );
        assert!(!table.contains("libcrux / ours"), "{table}");
    }

    #[test]
    fn walks_criterion_folders() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        let new = dir.join("grp").join("ours-a").join("new");
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(new.join("estimates.json"), ESTIMATES).unwrap();
        std::fs::create_dir_all(dir.join("grp").join("report")).unwrap();
        let mut groups = BTreeMap::new();
        collect(&dir, &mut Vec::new(), &mut groups).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(groups["grp"][0].name, "ours-a");
        assert_eq!(groups["grp"][0].median_ns, 12345.5);
    }
}
