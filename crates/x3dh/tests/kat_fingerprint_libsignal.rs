//! Safety numbers against `test-vectors/signal/fingerprint-libsignal.json` (libsignal
//! `fingerprint_test_v1`, `_v2`, `fingerprint_encodings`): `inputs {alice_identity,
//! alice_stable_id, bob_identity, bob_stable_id, iterations}`, `expected {displayable,
//! {alice,bob}_scannable_v{1,2}}`. Checks: the 60-digit string from both sides, the four
//! scannable encodings, cross-matching of scanned codes, and negative twins (another stable id,
//! a flipped byte of the scanned code). Family `signal-fingerprint`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use test_support::{committed_json, hex, hex_field, report, str_field};
use x3dh::{
    IdentityKey,
    fingerprint::{Fingerprint, ScannableVersion},
};

#[test]
fn fingerprint_libsignal_v1_v2() {
    let v = committed_json("signal/fingerprint-libsignal.json");
    let i = &v["inputs"];
    let e = &v["expected"];
    let iterations = u32::try_from(i["iterations"].as_u64().unwrap()).unwrap();
    assert_eq!(iterations, x3dh::fingerprint::ITERATIONS);
    let ak = IdentityKey::decode(&hex_field(i, "alice_identity")).unwrap();
    let bk = IdentityKey::decode(&hex_field(i, "bob_identity")).unwrap();
    let aid = str_field(i, "alice_stable_id").as_bytes();
    let bid = str_field(i, "bob_stable_id").as_bytes();
    let alice = Fingerprint::new(iterations, aid, &ak, bid, &bk).unwrap();
    let bob = Fingerprint::new(iterations, bid, &bk, aid, &ak).unwrap();
    let mut passed = 0;
    assert_eq!(alice.displayable(), str_field(e, "displayable"));
    assert_eq!(bob.displayable(), str_field(e, "displayable"));
    assert_eq!(alice.displayable().len(), 60);
    passed += 1;
    for (version, suffix) in [(ScannableVersion::V1, "v1"), (ScannableVersion::V2, "v2")] {
        let a = alice.scannable(version);
        let b = bob.scannable(version);
        assert_eq!(hex(&a), str_field(e, &format!("alice_scannable_{suffix}")));
        assert_eq!(hex(&b), str_field(e, &format!("bob_scannable_{suffix}")));
        assert!(alice.matches_scanned(version, &b));
        assert!(bob.matches_scanned(version, &a));
        assert!(!alice.matches_scanned(version, &a));
        let mut bad = b.clone();
        bad[40] ^= 1;
        assert!(!alice.matches_scanned(version, &bad));
        passed += 2;
    }
    // Negative twin: another stable id changes the number.
    let other = Fingerprint::new(iterations, b"+14152222223", &ak, bid, &bk).unwrap();
    assert_ne!(other.displayable(), str_field(e, "displayable"));
    assert_eq!(passed, 5);
    report("signal-fingerprint", passed, 0);
}
