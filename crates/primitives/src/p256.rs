//! ECDSA over P-256 with SHA-256 (FIPS 186-5 section 6.4), the signature scheme
//! `ecdsa_secp256r1_sha256` of MLS cipher suite 2 (RFC 9420 section 5.1, via RFC 8446 section
//! 4.2.3).
//!
//! Encodings, as RFC 9420 section 5.1.1 and 5.1.2 fix them:
//!
//! | value | encoding | length |
//! |---|---|---|
//! | public key `Q` | SEC1 uncompressed point `0x04 \|\| X \|\| Y` (TLS `UncompressedPointRepresentation`) | 65 |
//! | secret key `d` | big-endian scalar, `0 < d < n` | 32 |
//! | signature `(r, s)` | DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` | 8 to 72 |
//!
//! Signing hashes the message with SHA-256 and draws the nonce `k` deterministically from `d`
//! and the hash (RFC 6979 section 3.2), so no randomness is consumed and the same key and
//! message always give the same signature.
//!
//! Rules enforced:
//! - `P256-1`: a public key is exactly the 65-byte uncompressed encoding of a point on the curve
//!   with both coordinates reduced modulo `p`. Compressed points (33 bytes), the identity (the
//!   one byte `0x00`), hybrid encodings (`0x06`/`0x07`) and points off the curve are refused.
//! - `P256-2`: a signature is strict DER (minimal lengths and integers, no trailing bytes) with
//!   `0 < r, s < n`; anything else fails verification without saying why.
//! - High `s` (`s > n / 2`) is accepted: neither FIPS 186-5, TLS 1.3 nor MLS requires low-S,
//!   and a signer that does not normalise `s` (this one included) emits a high `s` about half
//!   the time, so refusing it would break interoperability. ECDSA signatures are therefore
//!   malleable (`(r, s)` and `(r, n - s)` both verify): callers must not use a signature's
//!   bytes as an identifier of the signed content.
//!
//! The types are written once for both curves (the crate's private `nist_ecdsa` macros), so
//! this module and [`crate::p384`] differ only in the curve crate, lengths and names.

crate::nist_ecdsa::keys! {
    curve: p256,
    name: "P-256",
    hash: "SHA-256",
    public: P256PublicKey,
    secret: P256SecretKey,
    public_key_len: 65,
    secret_key_len: 32,
    max_signature_len: 72,
    key_rule: "P256-1",
    signature_rule: "P256-2",
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::nist_ecdsa::tests! {
        curve: p256,
        name: "P-256",
        public: P256PublicKey,
        secret: P256SecretKey,
        order: [
            0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2,
            0xfc, 0x63, 0x25, 0x51,
        ],
        prime: [
            0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff,
        ],
        key_rule: p256_1,
        signature_rule: p256_2,
        seed: 256,
    }

    /// RFC 6979 appendix A.2.5, P-256 with SHA-256, message "sample".
    #[test]
    fn rfc6979_a_2_5() {
        let x =
            test_support::unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
        let sk = P256SecretKey::from_secret(&SecretBytes::try_from_slice(&x).unwrap()).unwrap();
        let public = test_support::unhex(concat!(
            "04",
            "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6",
            "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
        ));
        assert_eq!(sk.public_key().as_bytes(), public.as_slice());
        // SEQUENCE { INTEGER r, INTEGER s }, both with a leading zero (top bit set).
        let expected = test_support::unhex(concat!(
            "3046",
            "022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
            "022100f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
        ));
        assert_eq!(sk.sign(b"sample"), expected);
        assert_eq!(expected.len(), MAX_SIGNATURE_LEN);
        sk.public_key().verify(b"sample", &expected).unwrap();
    }
}
