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

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use p256::elliptic_curve::Generate as _;
use p256::elliptic_curve::sec1::ToSec1Point as _;
use rand_core::CryptoRng;
use zeroize::ZeroizeOnDrop;

use crate::{Error, Result, SecretBytes};

/// Length of a public key (SEC1 uncompressed point).
pub const PUBLIC_KEY_LEN: usize = 65;
/// Length of a secret key (the big-endian scalar).
pub const SECRET_KEY_LEN: usize = 32;
/// Largest DER signature: two 33-byte INTEGERs (a 32-byte value with a leading zero) and headers.
pub const MAX_SIGNATURE_LEN: usize = 72;

/// The SEC1 tag of an uncompressed point.
const UNCOMPRESSED_TAG: u8 = 0x04;

/// An ECDSA P-256 verifying key, validated on decode (`P256-1`).
#[derive(Clone, PartialEq, Eq)]
pub struct P256PublicKey {
    key: p256::ecdsa::VerifyingKey,
    /// The uncompressed encoding, kept so that `as_bytes` can lend it.
    bytes: [u8; PUBLIC_KEY_LEN],
}

impl core::fmt::Debug for P256PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "P256PublicKey(")?;
        for b in &self.bytes {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl P256PublicKey {
    /// Decodes a public key from its SEC1 uncompressed encoding (`P256-1`).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless `bytes` is 65 bytes long (so compressed points and the
    /// one-byte identity are refused here); [`Error::InvalidPublicKey`] if the first byte is not
    /// `0x04`, a coordinate is not reduced, or the point is not on the curve.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "P-256 public key",
            expected: PUBLIC_KEY_LEN,
            actual: bytes.len(),
        })?;
        // P256-1: only the uncompressed form, which RFC 9420 section 5.1.1 prescribes.
        if arr.first() != Some(&UNCOMPRESSED_TAG) {
            return Err(Error::InvalidPublicKey("P-256"));
        }
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&arr)
            .map_err(|_| Error::InvalidPublicKey("P-256"))?;
        Ok(Self { key, bytes: arr })
    }

    /// Wraps a verifying key the library already holds (never the identity).
    fn from_verifying_key(key: p256::ecdsa::VerifyingKey) -> Self {
        let bytes = key.as_affine().to_uncompressed_point().into();
        Self { key, bytes }
    }

    /// The 65-byte SEC1 uncompressed encoding `0x04 || X || Y`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Verifies the DER signature `der_signature` over `message` (SHA-256 of `message`, FIPS
    /// 186-5 section 6.4.2). High-S signatures are accepted (see the module documentation).
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] if the signature is not strict DER or has `r` or `s` out
    /// of range (`P256-2`), or does not verify.
    pub fn verify(&self, message: &[u8], der_signature: &[u8]) -> Result<()> {
        // P256-2: strict DER, 0 < r, s < n.
        let sig = p256::ecdsa::Signature::from_der(der_signature)
            .map_err(|_| Error::VerificationFailed)?;
        self.key
            .verify(message, &sig)
            .map_err(|_| Error::VerificationFailed)
    }
}

/// An ECDSA P-256 signing key, with its public key cached. Zeroized on drop (by the wrapped
/// `p256` key); `Debug` shows only the public key.
#[derive(Clone)]
pub struct P256SecretKey {
    key: p256::ecdsa::SigningKey,
    public: P256PublicKey,
}

// The only secret field is the `p256` signing key, which zeroizes its scalar on drop.
impl ZeroizeOnDrop for P256SecretKey {}

impl core::fmt::Debug for P256SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("P256SecretKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl P256SecretKey {
    fn from_signing_key(key: p256::ecdsa::SigningKey) -> Self {
        let public = P256PublicKey::from_verifying_key(*key.verifying_key());
        Self { key, public }
    }

    /// A fresh random key: a scalar drawn uniformly from `[1, n)` by rejection sampling.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_signing_key(p256::ecdsa::SigningKey::generate_from_rng(rng))
    }

    /// The key with this 32-byte big-endian scalar.
    ///
    /// # Errors
    /// [`Error::Decode`] if the scalar is zero or not less than the group order `n`.
    pub fn from_secret(secret: &SecretBytes<SECRET_KEY_LEN>) -> Result<Self> {
        p256::ecdsa::SigningKey::from_slice(secret.expose_secret())
            .map(Self::from_signing_key)
            .map_err(|_| Error::Decode("P-256 secret key"))
    }

    /// The 32-byte big-endian scalar, for persistence.
    pub fn to_secret(&self) -> SecretBytes<SECRET_KEY_LEN> {
        SecretBytes::from_array(self.key.to_bytes().into())
    }

    /// The public key.
    pub fn public_key(&self) -> P256PublicKey {
        self.public.clone()
    }

    /// Signs `message`: SHA-256, an RFC 6979 deterministic nonce, and the DER encoding of
    /// `(r, s)` (at most [`MAX_SIGNATURE_LEN`] bytes). `s` is not normalised to the low half.
    ///
    /// Never fails: RFC 6979 draws nonces until `r` and `s` are both nonzero, and two 32-byte
    /// integers always fit the DER buffer.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let sig: p256::ecdsa::DerSignature = self.key.sign(message);
        sig.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use p256::elliptic_curve::PrimeField as _;

    use super::*;

    fn key(byte: u8) -> P256SecretKey {
        P256SecretKey::from_secret(&SecretBytes::from_array([byte; 32])).unwrap()
    }

    /// The group order n, big-endian.
    const N: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    /// The field prime p, big-endian.
    const P: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff,
    ];

    #[test]
    fn sign_verify_round_trip() {
        let mut rng = test_support::seeded_rng(256);
        for _ in 0..8 {
            let sk = P256SecretKey::generate(&mut rng);
            let pk = sk.public_key();
            assert_eq!(pk.as_bytes().len(), PUBLIC_KEY_LEN);
            assert_eq!(pk.as_bytes().first(), Some(&UNCOMPRESSED_TAG));
            let sig = sk.sign(b"msg");
            assert!(sig.len() <= MAX_SIGNATURE_LEN);
            assert_eq!(sig, sk.sign(b"msg"), "RFC 6979 signing is deterministic");
            pk.verify(b"msg", &sig).unwrap();
            // The public key survives its encoding, the secret key its persistence.
            let decoded = P256PublicKey::from_bytes(pk.as_bytes()).unwrap();
            assert_eq!(decoded, pk);
            decoded.verify(b"msg", &sig).unwrap();
            let restored = P256SecretKey::from_secret(&sk.to_secret()).unwrap();
            assert_eq!(restored.public_key(), pk);
            assert_eq!(restored.sign(b"msg"), sig);
        }
    }

    #[test]
    fn wrong_message_or_key_rejected() {
        let (sk, other) = (key(0x42), key(0x43));
        let sig = sk.sign(b"msg");
        assert_eq!(
            sk.public_key().verify(b"msh", &sig),
            Err(Error::VerificationFailed)
        );
        assert_eq!(
            sk.public_key().verify(b"", &sig),
            Err(Error::VerificationFailed)
        );
        assert_eq!(
            other.public_key().verify(b"msg", &sig),
            Err(Error::VerificationFailed)
        );
    }

    #[test]
    fn p256_2_every_bit_flip_rejected() {
        let sk = key(0x42);
        let pk = sk.public_key();
        let sig = sk.sign(b"msg");
        for i in 0..sig.len() * 8 {
            let mut flipped = sig.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            assert_eq!(
                pk.verify(b"msg", &flipped),
                Err(Error::VerificationFailed),
                "bit {i}"
            );
        }
        // Truncated, extended, empty.
        assert_eq!(
            pk.verify(b"msg", &sig[..sig.len() - 1]),
            Err(Error::VerificationFailed)
        );
        let mut long = sig.clone();
        long.push(0);
        assert_eq!(pk.verify(b"msg", &long), Err(Error::VerificationFailed));
        assert_eq!(pk.verify(b"msg", &[]), Err(Error::VerificationFailed));
        // The raw 64-byte r || s form (IEEE P1363) is not DER.
        let raw = p256::ecdsa::Signature::from_der(&sig).unwrap().to_bytes();
        assert_eq!(pk.verify(b"msg", &raw), Err(Error::VerificationFailed));
    }

    /// `s` and `n - s` both verify: MLS and TLS 1.3 do not require low-S.
    #[test]
    fn high_s_accepted() {
        let sk = key(0x42);
        let pk = sk.public_key();
        let sig = p256::ecdsa::Signature::from_der(&sk.sign(b"msg")).unwrap();
        let negated =
            p256::ecdsa::Signature::from_scalars(sig.r().to_repr(), (-*sig.s()).to_repr()).unwrap();
        let (low, high) = if sig.normalize_s() == sig {
            (sig, negated)
        } else {
            (negated, sig)
        };
        assert_ne!(low, high);
        pk.verify(b"msg", low.to_der().as_bytes()).unwrap();
        pk.verify(b"msg", high.to_der().as_bytes()).unwrap();
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

    #[test]
    fn p256_1_bad_public_keys_rejected() {
        let pk = key(0x42).public_key();
        let good = pk.as_bytes().to_vec();
        // Wrong lengths: empty, the identity, the compressed form, one byte short or long.
        let compressed = pk.key.to_sec1_point(true);
        for bad in [
            &[][..],
            &[0x00][..],
            compressed.as_bytes(),
            &good[..64],
            &[good.as_slice(), &[0]].concat()[..],
        ] {
            assert!(
                matches!(
                    P256PublicKey::from_bytes(bad),
                    Err(Error::InvalidLength { .. })
                ),
                "{} bytes",
                bad.len()
            );
        }
        let invalid = |bytes: &[u8]| {
            assert_eq!(
                P256PublicKey::from_bytes(bytes),
                Err(Error::InvalidPublicKey("P-256"))
            );
        };
        // Another tag on the right length: compressed and hybrid tags, zero.
        for tag in [0x00, 0x02, 0x03, 0x05, 0x06, 0x07] {
            let mut bytes = good.clone();
            bytes[0] = tag;
            invalid(&bytes);
        }
        // Off the curve: the last bit of y flipped, and the all-zero coordinates.
        let mut bytes = good.clone();
        bytes[64] ^= 1;
        invalid(&bytes);
        let mut zero = [0u8; PUBLIC_KEY_LEN];
        zero[0] = UNCOMPRESSED_TAG;
        invalid(&zero);
    }

    /// Adds the field prime p to a big-endian 32-byte value (which must stay below 2^256).
    fn plus_p(x: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        let mut carry = 0u16;
        for i in (0..32).rev() {
            let sum = u16::from(x[i]) + u16::from(P[i]) + carry;
            out[i] = sum.to_le_bytes()[0];
            carry = sum >> 8;
        }
        assert_eq!(carry, 0, "x + p overflows");
        out
    }

    /// `P256-1`: a real point whose x-coordinate is written unreduced (x + p) is refused.
    #[test]
    fn p256_1_unreduced_coordinate_rejected() {
        // The first point with a one-byte x-coordinate, found by decompressing 0x02 || x.
        let point = (0u8..=255)
            .find_map(|x| {
                let mut compressed = [0u8; 33];
                compressed[0] = 0x02;
                compressed[32] = x;
                p256::PublicKey::from_sec1_bytes(&compressed).ok()
            })
            .unwrap();
        let good = point.to_sec1_point(false).as_bytes().to_vec();
        P256PublicKey::from_bytes(&good).unwrap();
        let mut unreduced = good;
        let x_plus_p = plus_p(&unreduced[1..33]);
        unreduced[1..33].copy_from_slice(&x_plus_p);
        assert_eq!(
            P256PublicKey::from_bytes(&unreduced),
            Err(Error::InvalidPublicKey("P-256"))
        );
    }

    #[test]
    fn bad_secret_keys_rejected() {
        let mut n_plus_one = N;
        n_plus_one[31] += 1;
        for bad in [[0u8; 32], N, n_plus_one, [0xff; 32]] {
            assert_eq!(
                P256SecretKey::from_secret(&SecretBytes::from_array(bad)).map(|_| ()),
                Err(Error::Decode("P-256 secret key"))
            );
        }
        let mut n_minus_one = N;
        n_minus_one[31] -= 1;
        for good in [n_minus_one, {
            let mut one = [0u8; 32];
            one[31] = 1;
            one
        }] {
            let sk = P256SecretKey::from_secret(&SecretBytes::from_array(good)).unwrap();
            assert_eq!(sk.to_secret().expose_secret(), &good);
            sk.public_key().verify(b"m", &sk.sign(b"m")).unwrap();
        }
    }

    #[test]
    fn debug_is_redacted() {
        let sk = key(0x42);
        let debug = format!("{sk:?}");
        assert!(debug.starts_with("P256SecretKey"));
        assert!(!debug.contains("4242"));
        assert!(debug.contains(&format!("{:?}", sk.public_key())));
    }
}
