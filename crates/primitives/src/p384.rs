//! ECDSA over P-384 with SHA-384 (FIPS 186-5 section 6.4), the signature scheme
//! `ecdsa_secp384r1_sha384` of MLS cipher suite 7 (RFC 9420 section 5.1, via RFC 8446 section
//! 4.2.3).
//!
//! Encodings, as RFC 9420 section 5.1.1 and 5.1.2 fix them:
//!
//! | value | encoding | length |
//! |---|---|---|
//! | public key `Q` | SEC1 uncompressed point `0x04 \|\| X \|\| Y` (TLS `UncompressedPointRepresentation`) | 97 |
//! | secret key `d` | big-endian scalar, `0 < d < n` | 48 |
//! | signature `(r, s)` | DER `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` | 8 to 104 |
//!
//! Signing hashes the message with SHA-384 and draws the nonce `k` deterministically from `d`
//! and the hash (RFC 6979 section 3.2), so no randomness is consumed and the same key and
//! message always give the same signature.
//!
//! Rules enforced:
//! - `P384-1`: a public key is exactly the 97-byte uncompressed encoding of a point on the curve
//!   with both coordinates reduced modulo `p`. Compressed points (49 bytes), the identity (the
//!   one byte `0x00`), hybrid encodings (`0x06`/`0x07`) and points off the curve are refused.
//! - `P384-2`: a signature is strict DER (minimal lengths and integers, no trailing bytes) with
//!   `0 < r, s < n`; anything else fails verification without saying why.
//! - High `s` (`s > n / 2`) is accepted, as in [`crate::p256`]: neither FIPS 186-5, TLS 1.3 nor
//!   MLS requires low-S, and a signer that does not normalise `s` (this one included) emits a
//!   high `s` about half the time, so refusing it would break interoperability. ECDSA
//!   signatures are therefore malleable (`(r, s)` and `(r, n - s)` both verify): callers must
//!   not use a signature's bytes as an identifier of the signed content.
//!
//! The types are written once for both curves (the crate's private `nist_ecdsa` macros), so
//! this module and [`crate::p256`] differ only in the curve crate, lengths and names.

crate::nist_ecdsa::keys! {
    curve: p384,
    name: "P-384",
    hash: "SHA-384",
    public: P384PublicKey,
    secret: P384SecretKey,
    public_key_len: 97,
    secret_key_len: 48,
    max_signature_len: 104,
    key_rule: "P384-1",
    signature_rule: "P384-2",
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::nist_ecdsa::tests! {
        curve: p384,
        name: "P-384",
        public: P384PublicKey,
        secret: P384SecretKey,
        order: [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc7, 0x63, 0x4d, 0x81,
            0xf4, 0x37, 0x2d, 0xdf, 0x58, 0x1a, 0x0d, 0xb2, 0x48, 0xb0, 0xa7, 0x7a, 0xec, 0xec,
            0x19, 0x6a, 0xcc, 0xc5, 0x29, 0x73,
        ],
        prime: [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
        ],
        key_rule: p384_1,
        signature_rule: p384_2,
        seed: 384,
    }

    /// RFC 6979 appendix A.2.6, P-384 with SHA-384, messages "sample" and "test".
    #[test]
    fn rfc6979_a_2_6() {
        let x = test_support::unhex(concat!(
            "6b9d3dad2e1b8c1c05b19875b6659f4de23c3b667bf297ba",
            "9aa47740787137d896d5724e4c70a825f872c9ea60d2edf5",
        ));
        let sk = P384SecretKey::from_secret(&SecretBytes::try_from_slice(&x).unwrap()).unwrap();
        let public = test_support::unhex(concat!(
            "04",
            "ec3a4e415b4e19a4568618029f427fa5da9a8bc4ae92e02e06aae5286b300c64def8f0ea9055866064a254515480bc13",
            "8015d9b72d7d57244ea8ef9ac0c621896708a59367f9dfb9f54ca84b3f1c9db1288b231c3ae0d4fe7344fd2533264720",
        ));
        assert_eq!(sk.public_key().as_bytes(), public.as_slice());
        // SEQUENCE { INTEGER r, INTEGER s }, both with a leading zero (top bit set).
        let sample = test_support::unhex(concat!(
            "3066",
            "02310094edbb92a5ecb8aad4736e56c691916b3f88140666ce9fa73d64c4ea95ad133c81a648152e44acf96e36dd1e80fabe46",
            "02310099ef4aeb15f178cea1fe40db2603138f130e740a19624526203b6351d0a3a94fa329c145786e679e7b82c71a38628ac8",
        ));
        assert_eq!(sk.sign(b"sample"), sample);
        assert_eq!(sample.len(), MAX_SIGNATURE_LEN);
        sk.public_key().verify(b"sample", &sample).unwrap();
        let test = test_support::unhex(concat!(
            "3066",
            "0231008203b63d3c853e8d77227fb377bcf7b7b772e97892a80f36ab775d509d7a5feb0542a7f0812998da8f1dd3ca3cf023db",
            "023100ddd0760448d42d8a43af45af836fce4de8be06b485e9b61b827c2f13173923e06a739f040649a667bf3b828246baa5a5",
        ));
        assert_eq!(sk.sign(b"test"), test);
        sk.public_key().verify(b"test", &test).unwrap();
        assert_eq!(
            sk.public_key().verify(b"sample", &test),
            Err(Error::VerificationFailed)
        );
    }
}
