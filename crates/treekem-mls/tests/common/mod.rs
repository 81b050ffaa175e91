//! Helpers shared by this crate's vector tests.

#![allow(dead_code, reason = "each test binary uses a subset")]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use test_support::Json;
use treekem_mls::suite::CipherSuite;

/// The entries of an upstream MLS vector file (`test-vectors/upstream/mls/<file>`).
pub(crate) fn entries(file: &str) -> Vec<Json> {
    match test_support::upstream_json(&format!("mls/{file}")) {
        Json::Array(v) => v,
        _ => panic!("{file}: not a JSON array"),
    }
}

/// The implemented suite an entry's `cipher_suite` names, or `None` for suites 4-6 (which
/// the caller counts as skipped). Panics on an id outside the registry.
pub(crate) fn suite(entry: &Json) -> Option<CipherSuite> {
    let id = u16::try_from(entry["cipher_suite"].as_u64().unwrap()).unwrap();
    match CipherSuite::from_id(id) {
        Ok(s) => Some(s),
        Err(_) if (4..=6).contains(&id) => None,
        Err(e) => panic!("cipher suite {id}: {e}"),
    }
}

/// A number field.
pub(crate) fn num(obj: &Json, field: &str) -> u64 {
    obj[field]
        .as_u64()
        .unwrap_or_else(|| panic!("missing number `{field}`"))
}
