//! Shared helpers for the workspace's tests: finding and reading vector files, hex, a
//! deterministic RNG, and the conformance report that `cargo xtask test` prints.
//!
//! Vector files come in three kinds, each with its own root:
//! - upstream files (`test-vectors/upstream/<path>`), fetched and hash-checked by
//!   `cargo xtask vectors`, never committed: [`upstream_path`], [`read_upstream`];
//! - transcribed values committed with provenance (`test-vectors/signal/`): [`committed_path`];
//! - vectors this project generates (`test-vectors/project/`): also [`committed_path`].
//!
//! Every loader fails when its file is missing (naming the command that fetches it) and every
//! test reports how many cases it ran through [`report`], which refuses zero.

#![allow(
    clippy::panic,
    clippy::expect_used,
    clippy::missing_panics_doc,
    clippy::print_stderr,
    reason = "test-support runs only inside tests, where a panic with a clear message is the failure"
)]

use std::{
    fs,
    io::Read as _,
    path::{Path, PathBuf},
};

pub use serde_json::Value as Json;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("test-support lives two levels below the workspace root")
        .to_path_buf()
}

/// Path of an upstream vector file, `test-vectors/upstream/<rel>`.
pub fn upstream_path(rel: &str) -> PathBuf {
    workspace_root().join("test-vectors/upstream").join(rel)
}

/// Path of a committed vector file, `test-vectors/<rel>`.
pub fn committed_path(rel: &str) -> PathBuf {
    workspace_root().join("test-vectors").join(rel)
}

fn read(path: &Path, hint: &str) -> Vec<u8> {
    fs::read(path)
        .unwrap_or_else(|e| panic!("cannot read vector file {}: {e}\n{hint}", path.display()))
}

/// Reads an upstream vector file; a missing file fails with the command that fetches it.
pub fn read_upstream(rel: &str) -> Vec<u8> {
    let bytes = read(
        &upstream_path(rel),
        "the upstream vectors are not committed: fetch and verify them with `cargo xtask vectors` \
         (set TEST_VECTORS_MIRROR to a local mirror such as ../shared/test-vectors)",
    );
    if rel.ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{rel}: bad gzip: {e}"));
        out
    } else {
        bytes
    }
}

/// Reads and parses an upstream JSON vector file.
pub fn upstream_json(rel: &str) -> Json {
    serde_json::from_slice(&read_upstream(rel)).unwrap_or_else(|e| panic!("{rel}: bad JSON: {e}"))
}

/// Reads and parses a committed JSON vector file.
pub fn committed_json(rel: &str) -> Json {
    let bytes = read(
        &committed_path(rel),
        "this file is committed: is the checkout complete?",
    );
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{rel}: bad JSON: {e}"))
}

/// Whether a project KAT test should rewrite its committed vector file from its seeded
/// generator (`REGENERATE_KATS=1`) instead of only recomputing and checking it.
pub fn regenerate_kats() -> bool {
    std::env::var_os("REGENERATE_KATS").is_some_and(|v| v == "1")
}

/// Decodes hex, upper or lower case. Panics (failing the test) on bad hex.
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd-length hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16)
                .unwrap_or_else(|_| panic!("bad hex at {i}: {s:.40}"))
        })
        .collect()
}

/// Encodes bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The hex string at `field` of a JSON object, decoded. Panics if absent or not a string.
pub fn hex_field(obj: &Json, field: &str) -> Vec<u8> {
    unhex(str_field(obj, field))
}

/// The string at `field` of a JSON object. Panics if absent or not a string.
pub fn str_field<'a>(obj: &'a Json, field: &str) -> &'a str {
    obj.get(field)
        .and_then(Json::as_str)
        .unwrap_or_else(|| panic!("missing string field `{field}`"))
}

/// Records that the vector family `family` ran `passed` cases (and skipped `skipped`), for the
/// conformance table of `cargo xtask test`. Refuses zero passed cases: a loader that ran
/// nothing is a failure, never a pass.
///
/// Each family writes `target/conformance/<family>.txt` holding `family\tpassed\tskipped`.
pub fn report(family: &str, passed: usize, skipped: usize) {
    assert!(passed > 0, "vector family {family} ran no case");
    eprintln!("[conformance] {family}: {passed} passed, {skipped} skipped");
    // Always under the workspace root, whatever CARGO_TARGET_DIR says: that is where
    // `cargo xtask test` reads the records.
    let dir = workspace_root().join("target/conformance");
    fs::create_dir_all(&dir).expect("create target/conformance");
    let file: String = family
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    fs::write(
        dir.join(format!("{file}.txt")),
        format!("{family}\t{passed}\t{skipped}\n"),
    )
    .expect("write conformance record");
}

/// A deterministic, seeded cryptographic RNG for tests and KAT generators (ChaCha20).
pub fn seeded_rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng as _;
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}

/// `J(z || c)` = SHAKE-256(z || c, 32): the FIPS 203 implicit-rejection key (section 6.3),
/// computed independently of the implementations under test.
pub fn implicit_rejection_key(z: &[u8], c: &[u8]) -> [u8; 32] {
    use shake::{ExtendableOutput as _, Update as _, XofReader as _};
    let mut xof = shake::Shake256::default();
    xof.update(z);
    xof.update(c);
    let mut out = [0u8; 32];
    xof.finalize_xof().read(&mut out);
    out
}

/// A fuzz target of the workspace: its name (`fuzz/fuzz_targets/<name>.rs`, and the folders
/// `fuzz/corpus/<name>/` and `fuzz/regressions/<name>/`), the path of the `fuzzing` function
/// its source calls (`"primitives::fuzzing::aead_open"`), and that function.
#[derive(Debug, Clone, Copy)]
pub struct FuzzTarget {
    /// The target's name.
    pub name: &'static str,
    /// The path of the function the target's source calls with `(data)`.
    pub function: &'static str,
    /// That function.
    pub run: fn(&[u8]),
}

/// Replays, on stable, every committed input of the fuzz targets whose names start with
/// `prefix`, through the same functions the targets call, and checks the fuzz workspace
/// against `targets`:
/// - every `fuzz/fuzz_targets/<prefix>*.rs` is one of `targets` and its source calls
///   `<function>(data)`, and every one of `targets` has such a file;
/// - every `fuzz/corpus/<prefix>*` and `fuzz/regressions/<prefix>*` folder names one of
///   `targets`;
/// - every target has at least one committed seed in `fuzz/corpus/<name>/`;
/// - no input (regular files not starting with `.`) makes its function panic; a failure lists
///   every offending file.
///
/// Returns the number of inputs replayed.
pub fn replay_fuzz_corpus(prefix: &str, targets: &[FuzzTarget]) -> usize {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    let fuzz = workspace_root().join("fuzz");
    let find = |name: &str, place: &Path| -> FuzzTarget {
        *targets
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("{}: unknown fuzz target `{name}`", place.display()))
    };
    let entries = |dir: &Path, want_dir: bool| -> Vec<(String, PathBuf)> {
        let Ok(read) = fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut out: Vec<(String, PathBuf)> = read
            .map(|e| e.expect("read fuzz directory entry"))
            .filter(|e| {
                e.file_type()
                    .is_ok_and(|t| if want_dir { t.is_dir() } else { t.is_file() })
            })
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(n, _)| !n.starts_with('.'))
            .collect();
        out.sort();
        out
    };

    let mut sources = Vec::new();
    for (file, path) in entries(&fuzz.join("fuzz_targets"), false) {
        let Some(name) = file.strip_suffix(".rs").filter(|n| n.starts_with(prefix)) else {
            continue;
        };
        let target = find(name, &path);
        let source = fs::read_to_string(&path).expect("read fuzz target source");
        assert!(
            source.contains(&format!("{}(data)", target.function)),
            "{}: should call {}(data)",
            path.display(),
            target.function
        );
        sources.push(name.to_owned());
    }
    for t in targets {
        assert!(
            sources.iter().any(|n| n == t.name),
            "no fuzz/fuzz_targets/{}.rs",
            t.name
        );
    }

    let mut seeds = vec![0usize; targets.len()];
    let mut failures = Vec::new();
    let mut ran = 0;
    for kind in ["corpus", "regressions"] {
        for (name, dir) in entries(&fuzz.join(kind), true) {
            if !name.starts_with(prefix) {
                continue;
            }
            let target = find(&name, &dir);
            for (_, file) in entries(&dir, false) {
                let data = fs::read(&file).expect("read fuzz input");
                if catch_unwind(AssertUnwindSafe(|| (target.run)(&data))).is_err() {
                    failures.push(file.display().to_string());
                }
                ran += 1;
                if kind == "corpus"
                    && let Some(i) = targets.iter().position(|t| t.name == name)
                {
                    seeds[i] += 1;
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fuzz inputs that panic:\n{}",
        failures.join("\n")
    );
    for (t, n) in targets.iter().zip(&seeds) {
        assert!(*n > 0, "fuzz/corpus/{}/ has no seed", t.name);
    }
    eprintln!("replayed {ran} fuzz inputs for {} targets", targets.len());
    ran
}

/// An RNG that hands out exactly the given bytes, in order, and fails the test if more are
/// asked for. It injects recorded randomness (ephemeral keys, encapsulation randomness) through
/// the public, RNG-drawing APIs, and proves that an operation refused early drew nothing.
#[derive(Debug)]
pub struct ReplayRng {
    bytes: Vec<u8>,
    pos: usize,
}

impl ReplayRng {
    /// Replays `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Self::from_parts(&[bytes])
    }

    /// Replays the concatenation of `parts`.
    pub fn from_parts(parts: &[&[u8]]) -> Self {
        Self {
            bytes: parts.concat(),
            pos: 0,
        }
    }

    /// An RNG with nothing to give: any draw fails the test.
    pub fn empty() -> Self {
        Self::new(&[])
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Whether every byte was drawn.
    pub fn exhausted(&self) -> bool {
        self.remaining() == 0
    }
}

impl rand_core::TryRng for ReplayRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let left = self.remaining();
        let src = self
            .bytes
            .get(self.pos..self.pos + dst.len())
            .unwrap_or_else(|| {
                panic!(
                    "ReplayRng exhausted: {} bytes asked, {left} left",
                    dst.len()
                )
            });
        dst.copy_from_slice(src);
        self.pos += dst.len();
        Ok(())
    }
}

impl rand_core::TryCryptoRng for ReplayRng {}

/// An RNG that records every byte it hands out from an inner RNG (`R` may be `&mut` another
/// RNG), so that a KAT generator can store the randomness an operation drew.
#[derive(Debug)]
pub struct RecordingRng<R> {
    inner: R,
    /// Every byte handed out so far, in order.
    pub drawn: Vec<u8>,
}

impl<R: rand_core::CryptoRng> RecordingRng<R> {
    /// Records what `inner` hands out.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            drawn: Vec::new(),
        }
    }
}

impl<R: rand_core::CryptoRng> rand_core::TryRng for RecordingRng<R> {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.fill_bytes(dst);
        self.drawn.extend_from_slice(dst);
        Ok(())
    }
}

impl<R: rand_core::CryptoRng> rand_core::TryCryptoRng for RecordingRng<R> {}

/// One record of a C2SP CCTV text vector file: `name = hex` lines in file order.
pub type CctvRecord = Vec<(String, Vec<u8>)>;

/// Parses a CCTV text vector file (`name = lowerhex` per line). A new record starts when a
/// name repeats within the current record.
pub fn parse_cctv(text: &str) -> Vec<CctvRecord> {
    let mut records = Vec::new();
    let mut current: CctvRecord = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("CCTV line without `=`: {line:.40}"));
        let name = name.trim().to_owned();
        if current.iter().any(|(n, _)| *n == name) {
            records.push(std::mem::take(&mut current));
        }
        current.push((name, unhex(value.trim())));
    }
    if !current.is_empty() {
        records.push(current);
    }
    records
}

/// The value named `name` in a CCTV record. Panics if absent.
pub fn cctv_field<'a>(record: &'a CctvRecord, name: &str) -> &'a [u8] {
    record
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_slice())
        .unwrap_or_else(|| panic!("CCTV record without `{name}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_cctv_records() {
        assert_eq!(unhex("00aAFf"), vec![0, 0xaa, 0xff]);
        assert_eq!(hex(&[0, 0xaa, 0xff]), "00aaff");
        let recs = parse_cctv("a = 01\nb = 02\na = 03\nb = 04\n");
        assert_eq!(recs.len(), 2);
        assert_eq!(cctv_field(&recs[1], "b"), &[4]);
    }
}
