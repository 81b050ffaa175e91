//! XEdDSA (Signal XEdDSA and VXEdDSA rev. 1, section 2.3 and 3.3-3.4): Ed25519-style signatures
//! made and checked with X25519 key pairs, so one identity key both agrees and signs.
//!
//! ```text
//! calculate_key_pair(k):  E = kB;  A.y = E.y, A.s = 0;  a = -k (mod q) if E.s = 1 else k (mod q)
//! xeddsa_sign(k, M, Z):   A, a = calculate_key_pair(k)
//!                         r = hash1(a || M || Z) (mod q)      hash1(X) = SHA-512(0xFE || 0xFF*31 || X)
//!                         R = rB;  h = SHA-512(R || A || M) (mod q);  s = r + ha (mod q)
//!                         return R || s
//! xeddsa_verify(u, M, R || s):
//!                         reject if u >= p, R.y >= p or s >= 2^253
//!                         A = convert_mont(u) (sign 0);  h = SHA-512(R || A || M) (mod q)
//!                         accept iff encode(sB - hA) == R
//! ```
//!
//! **libsignal convention** (signalapp/libsignal `rust/core/src/curve/curve25519.rs`): the signer
//! does not negate `k`; instead the sign bit of E travels in bit 7 of `sig[63]`, which the
//! verifier clears from `s` and uses as A's sign. [`verify`](crate::xeddsa::verify) accepts both
//! conventions (a spec signature always has that bit clear, so under either reading A has sign 0
//! for it); [`verify_spec`](crate::xeddsa::verify_spec) accepts only the spec's.
//! [`sign`](crate::xeddsa::sign) makes spec signatures, which libsignal verifiers accept.
//!
//! Rules: `XEDDSA-U` (u < p), `XEDDSA-R` (R.y < p), `XEDDSA-S` (s < 2^253, and additionally
//! canonical, s < q, which honest signers always produce: this rejects the malleable s + q that
//! the spec's bound would let through), `XEDDSA-EQ` (the verification equation, compared in
//! constant time). All failures are [`Error::InvalidSignature`].

use primitives::{
    HashAlgorithm, SecretBytes, X25519PublicKey, X25519SecretKey,
    curve25519::{EdwardsPoint, Scalar, edwards_from_montgomery},
    hash::Hasher,
    rand::CryptoRng,
};

use crate::{Error, Result};

/// Length of an XEdDSA signature: R (32) || s (32).
pub const SIGNATURE_LEN: usize = 64;
/// Length of the random nonce input Z.
pub const NONCE_LEN: usize = 64;

/// An XEdDSA signature, R || s (public data).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Signature([u8; SIGNATURE_LEN]);

impl Signature {
    /// A signature from its 64 bytes (checked only by verification).
    pub const fn from_bytes(bytes: [u8; SIGNATURE_LEN]) -> Self {
        Self(bytes)
    }

    /// A signature from a slice of exactly 64 bytes.
    ///
    /// # Errors
    /// [`Error::Decode`] for another length.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Self> {
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| Error::Decode("XEdDSA signature length"))
    }

    /// The 64 bytes.
    pub const fn as_bytes(&self) -> &[u8; SIGNATURE_LEN] {
        &self.0
    }
}

impl core::fmt::Debug for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Signature(")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "..)")
    }
}

fn sha512_parts(parts: &[&[u8]]) -> SecretBytes<64> {
    let mut h = Hasher::new(HashAlgorithm::Sha512);
    for p in parts {
        h.update(p);
    }
    let d = h.finalize();
    let mut out = SecretBytes::from_array([0u8; 64]);
    // A SHA-512 digest is 64 bytes; `zip` keeps this panic-free regardless.
    for (o, b) in out.expose_secret_mut().iter_mut().zip(d.as_bytes()) {
        *o = *b;
    }
    out
}

/// `xeddsa_sign(k, M, Z)` with Z drawn from `rng` (64 bytes).
pub fn sign(key: &X25519SecretKey, message: &[u8], rng: &mut impl CryptoRng) -> Signature {
    let z = SecretBytes::<NONCE_LEN>::random(rng);
    sign_with_nonce(key, message, &z)
}

/// `xeddsa_sign(k, M, Z)` with the given Z. Z must be fresh and secret for every signature:
/// prefer [`sign`].
pub fn sign_with_nonce(
    key: &X25519SecretKey,
    message: &[u8],
    z: &SecretBytes<NONCE_LEN>,
) -> Signature {
    // calculate_key_pair(k)
    let k = Scalar::clamped_from_x25519(key);
    let e = EdwardsPoint::mul_base(&k);
    let a = if e.sign_bit() == 1 { -&k } else { k };
    let mut big_a = e.compress();
    if let Some(last) = big_a.last_mut() {
        *last &= 0x7f;
    }
    // r = hash1(a || M || Z) mod q
    let mut prefix = [0xffu8; 32];
    prefix[0] = 0xfe;
    let a_bytes = SecretBytes::from_array(a.to_bytes());
    let r_hash = sha512_parts(&[&prefix, a_bytes.expose_secret(), message, z.expose_secret()]);
    let r = Scalar::from_bytes_mod_order_wide(r_hash.expose_secret());
    let big_r = EdwardsPoint::mul_base(&r).compress();
    let h_hash = sha512_parts(&[&big_r, &big_a, message]);
    let h = Scalar::from_bytes_mod_order_wide(h_hash.expose_secret());
    let s = &r + &(&h * &a);
    let mut sig = [0u8; SIGNATURE_LEN];
    sig[..32].copy_from_slice(&big_r);
    sig[32..].copy_from_slice(&s.to_bytes());
    Signature(sig)
}

/// Which sign conventions a verifier accepts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Convention {
    /// The spec only: bit 7 of `sig[63]` must be clear (it is part of s), A has sign 0.
    Spec,
    /// libsignal: bit 7 of `sig[63]` is A's sign and is cleared from s.
    SpecOrLibsignal,
}

/// The signature's R, s and the sign of A under `convention`, with the checks `XEDDSA-S` and
/// `XEDDSA-R`.
fn parse(signature: &Signature, convention: Convention) -> Option<([u8; 32], Scalar, u8)> {
    let (r_part, s_part) = signature.0.split_at(32);
    let mut big_r = [0u8; 32];
    big_r.copy_from_slice(r_part);
    let mut s_bytes = [0u8; 32];
    s_bytes.copy_from_slice(s_part);
    let sign = match convention {
        Convention::Spec => 0,
        Convention::SpecOrLibsignal => {
            let bit = s_bytes[31] >> 7;
            s_bytes[31] &= 0x7f;
            bit
        }
    };
    // XEDDSA-S: s < 2^253 (and canonical, below).
    if s_bytes[31] & 0xe0 != 0 {
        return None;
    }
    let s = Scalar::from_canonical_bytes(s_bytes)?;
    // XEDDSA-R: R.y < p (a non-canonical R could never equal the computed encoding anyway).
    let mut r_y = big_r;
    r_y[31] &= 0x7f;
    if !is_canonical_field_element(&r_y) {
        return None;
    }
    Some((big_r, s, sign))
}

/// Verifies `N` signatures by one key, each result what a verification of that signature alone
/// gives. The key's Edwards form is computed once (A with sign 1 is -A, and its encoding differs
/// in the sign bit only, except for u = 0 where x = 0), and the points `sB - hA` are encoded
/// together, with one field inversion.
fn verify_many<const N: usize>(
    key: &X25519PublicKey,
    items: [(&[u8], &Signature); N],
    convention: Convention,
) -> [Result<()>; N] {
    // XEDDSA-U: u < p; convert_mont(u).
    let Some((a_positive, a_positive_enc)) = edwards_from_montgomery(key.as_bytes(), 0) else {
        return [(); N].map(|()| Err(Error::InvalidSignature));
    };
    let x_is_zero = key.as_bytes() == &[0u8; 32];
    let checks = items.map(|(message, signature)| {
        let (big_r, s, sign) = parse(signature, convention)?;
        let (big_a, a_enc) = if sign == 1 && !x_is_zero {
            let mut encoding = a_positive_enc;
            encoding[31] |= 0x80;
            (-&a_positive, encoding)
        } else {
            (a_positive, a_positive_enc)
        };
        let h_hash = sha512_parts(&[&big_r, &a_enc, message]);
        let h = Scalar::from_bytes_mod_order_wide(h_hash.expose_secret());
        Some((
            EdwardsPoint::vartime_double_scalar_mul_basepoint(&-&h, &big_a, &s),
            big_r,
        ))
    });
    let encoded = EdwardsPoint::compress_batch(
        &checks
            .each_ref()
            .map(|c| c.as_ref().map_or_else(EdwardsPoint::identity, |(p, _)| *p)),
    );
    core::array::from_fn(|i| match &checks[i] {
        // XEDDSA-EQ: encode(sB - hA) == R
        Some((_, big_r)) if primitives::secret::ct_eq_bytes(&encoded[i], big_r) => Ok(()),
        _ => Err(Error::InvalidSignature),
    })
}

/// Whether the 255-bit little-endian value is below p = 2^255 - 19.
fn is_canonical_field_element(y: &[u8; 32]) -> bool {
    // y >= p iff y[31] == 0x7f, y[1..31] all 0xff and y[0] >= 0xed.
    !(y[31] == 0x7f && y[1..31].iter().all(|b| *b == 0xff) && y[0] >= 0xed)
}

/// `xeddsa_verify`, accepting the spec convention and libsignal's (module docs).
///
/// # Errors
/// [`Error::InvalidSignature`] (`XEDDSA-VERIFY`) if the signature is invalid under both.
pub fn verify(key: &X25519PublicKey, message: &[u8], signature: &Signature) -> Result<()> {
    let [result] = verify_many(key, [(message, signature)], Convention::SpecOrLibsignal);
    result
}

/// [`verify`] of several signatures by one key, each result what [`verify`] alone gives, at less
/// cost than separate calls (the key is converted once and the final encodings share one field
/// inversion).
pub fn verify_all<const N: usize>(
    key: &X25519PublicKey,
    items: [(&[u8], &Signature); N],
) -> [Result<()>; N] {
    verify_many(key, items, Convention::SpecOrLibsignal)
}

/// `xeddsa_verify` exactly as the spec states it (A always has sign 0, bit 7 of `sig[63]` is
/// part of s and so must be 0).
///
/// # Errors
/// [`Error::InvalidSignature`] (`XEDDSA-VERIFY`) if the signature is invalid.
pub fn verify_spec(key: &X25519PublicKey, message: &[u8], signature: &Signature) -> Result<()> {
    let [result] = verify_many(key, [(message, signature)], Convention::Spec);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `verify_all` gives, for each signature, what `verify` alone gives: valid signatures in
    /// both sign conventions, a flipped bit, a wrong message, a non-canonical s.
    #[test]
    fn verify_all_matches_verify() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([3u8; 32]));
        let z = SecretBytes::from_array([2u8; 64]);
        let good = sign_with_nonce(&sk, b"one", &z);
        let mut libsignal = good.clone();
        // The libsignal convention: A's sign in bit 7 of sig[63] (0 here, as A has sign 0).
        libsignal.0[63] |= 0x80;
        let mut flipped = good.clone();
        flipped.0[5] ^= 1;
        let mut big_s = good.clone();
        big_s.0[63] |= 0x40;
        let items: [(&[u8], &Signature); 5] = [
            (b"one", &good),
            (b"one", &libsignal),
            (b"one", &flipped),
            (b"two", &good),
            (b"one", &big_s),
        ];
        let all = verify_all(sk.public_key(), items);
        for ((message, signature), result) in items.iter().zip(&all) {
            assert_eq!(
                result.is_ok(),
                verify(sk.public_key(), message, signature).is_ok()
            );
        }
        assert!(all[0].is_ok());
        assert!(all[2..].iter().all(Result::is_err));
        let key_on_twist = X25519PublicKey::from_bytes([2u8; 32]);
        assert!(verify_all(&key_on_twist, items).iter().all(Result::is_err));
    }

    #[test]
    fn xeddsa_u_non_canonical_key_rejected() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([9u8; 32]));
        let z = SecretBytes::from_array([1u8; 64]);
        let sig = sign_with_nonce(&sk, b"m", &z);
        assert!(verify(sk.public_key(), b"m", &sig).is_ok());
        // u + p (still < 2^256 when u < 19) names the same point but is rejected.
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(verify(&X25519PublicKey::from_bytes(p), b"m", &sig).is_err());
    }

    #[test]
    fn xeddsa_s_non_canonical_rejected() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([5u8; 32]));
        let z = SecretBytes::from_array([2u8; 64]);
        let sig = sign_with_nonce(&sk, b"m", &z);
        // s + q is < 2^253 for most s: the spec's bound alone would accept it.
        let q: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut bytes = *sig.as_bytes();
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(bytes[32 + i]) + u16::from(q[i]) + carry;
            bytes[32 + i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        if bytes[63] & 0xe0 == 0 {
            assert!(verify(sk.public_key(), b"m", &Signature(bytes)).is_err());
        }
    }

    #[test]
    fn xeddsa_r_non_canonical_rejected() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([6u8; 32]));
        let sig = sign_with_nonce(&sk, b"m", &SecretBytes::from_array([3u8; 64]));
        // R.y = p (non-canonical), with the signature's own s.
        let mut bytes = *sig.as_bytes();
        bytes[..32].copy_from_slice(&[0xff; 32]);
        bytes[0] = 0xed;
        bytes[31] = 0x7f;
        assert!(!is_canonical_field_element(
            &bytes[..32].try_into().unwrap()
        ));
        assert!(verify(sk.public_key(), b"m", &Signature(bytes)).is_err());
        let mut below = [0xffu8; 32];
        below[0] = 0xec;
        below[31] = 0x7f;
        assert!(is_canonical_field_element(&below));
    }

    #[test]
    fn signature_debug_is_short() {
        let text = format!("{:?}", Signature([0xabu8; 64]));
        assert!(text.len() < 40);
    }
}
