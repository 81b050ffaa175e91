//! Group operations on edwards25519 (RFC 7748 section 4.1, RFC 8032 section 5.1) for signature
//! schemes built in protocol crates, such as XEdDSA (Signal XEdDSA rev. 1) in `x3dh`.
//!
//! Only what such a scheme needs: scalars modulo the group order q = 2^252 +
//! 27742317777372353535851937790883648493, the basepoint multiple `sB`, point compression
//! (`encode`/`decode` of RFC 8032 section 5.1.2-5.1.3), the birational map from a Montgomery
//! u-coordinate to an Edwards point (`convert_mont` of XEdDSA section 2.3) and the variable-time
//! double-scalar multiplication `aA + bB` a verifier uses. Newtypes over `curve25519-dalek`, so
//! that protocol crates never name it.
//!
//! [`Scalar`](crate::curve25519::Scalar) may hold a secret (a signing scalar, a nonce): it is zeroized on drop, its `Debug`
//! is redacted, and it is never `Copy`. [`EdwardsPoint`](crate::curve25519::EdwardsPoint) is public data.

use core::ops::{Add, Mul, Neg};

use subtle::ConstantTimeEq as _;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{X25519SecretKey, field25519::Fe};

/// Length of an encoded scalar or compressed point.
pub const ENCODED_LEN: usize = 32;

/// The field prime p = 2^255 - 19, little-endian.
const P_LE: [u8; 32] = {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

/// A scalar modulo the edwards25519 group order q. Zeroized on drop; `Debug` is redacted.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Scalar(curve25519_dalek::Scalar);

impl Scalar {
    /// The integer in `bytes` (little-endian, 256 bits) reduced modulo q.
    pub fn from_bytes_mod_order(bytes: [u8; ENCODED_LEN]) -> Self {
        Self(curve25519_dalek::Scalar::from_bytes_mod_order(bytes))
    }

    /// The integer in `bytes` (little-endian, 512 bits, e.g. a SHA-512 output) reduced modulo q.
    pub fn from_bytes_mod_order_wide(bytes: &[u8; 64]) -> Self {
        Self(curve25519_dalek::Scalar::from_bytes_mod_order_wide(bytes))
    }

    /// The scalar encoded by `bytes` if it is canonical (less than q), else `None`.
    pub fn from_canonical_bytes(bytes: [u8; ENCODED_LEN]) -> Option<Self> {
        Option::from(curve25519_dalek::Scalar::from_canonical_bytes(bytes)).map(Self)
    }

    /// The X25519 secret key's scalar, clamped as RFC 7748 section 5 specifies (`decodeScalar25519`),
    /// reduced modulo q. Multiplying the basepoint by it gives the Edwards form of the key's
    /// public point (up to its sign).
    pub fn clamped_from_x25519(secret: &X25519SecretKey) -> Self {
        let raw = secret.to_secret();
        let mut clamped = curve25519_dalek::scalar::clamp_integer(*raw.expose_secret());
        let out = Self::from_bytes_mod_order(clamped);
        clamped.zeroize();
        out
    }

    /// The canonical little-endian encoding. If the scalar is secret, so is the copy: the
    /// caller zeroizes it.
    pub fn to_bytes(&self) -> [u8; ENCODED_LEN] {
        self.0.to_bytes()
    }
}

impl Add for &Scalar {
    type Output = Scalar;
    fn add(self, rhs: Self) -> Scalar {
        Scalar(self.0 + rhs.0)
    }
}

impl Mul for &Scalar {
    type Output = Scalar;
    fn mul(self, rhs: Self) -> Scalar {
        Scalar(self.0 * rhs.0)
    }
}

impl Neg for &Scalar {
    type Output = Scalar;
    fn neg(self) -> Scalar {
        Scalar(-self.0)
    }
}

impl core::fmt::Debug for Scalar {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Scalar(<redacted>)")
    }
}

/// A point of edwards25519 (public data).
#[derive(Clone, Copy)]
pub struct EdwardsPoint(curve25519_dalek::EdwardsPoint);

impl EdwardsPoint {
    /// `s·B` for the RFC 8032 basepoint B (constant time in `s`).
    pub fn mul_base(s: &Scalar) -> Self {
        Self(curve25519_dalek::EdwardsPoint::mul_base(&s.0))
    }

    /// The RFC 8032 section 5.1.2 encoding: y little-endian with the sign of x in bit 255.
    pub fn compress(&self) -> [u8; ENCODED_LEN] {
        self.0.compress().to_bytes()
    }

    /// Decodes an RFC 8032 encoding; `None` if it is not a point of the curve.
    pub fn decompress(bytes: [u8; ENCODED_LEN]) -> Option<Self> {
        curve25519_dalek::edwards::CompressedEdwardsY(bytes)
            .decompress()
            .map(Self)
    }

    /// The sign bit of the encoding (the low bit of x): 0 or 1.
    pub fn sign_bit(&self) -> u8 {
        self.compress()[31] >> 7
    }

    /// `a·A + b·B` in variable time, for verifiers (all inputs public).
    pub fn vartime_double_scalar_mul_basepoint(a: &Scalar, big_a: &Self, b: &Scalar) -> Self {
        Self(
            curve25519_dalek::EdwardsPoint::vartime_double_scalar_mul_basepoint(
                &a.0, &big_a.0, &b.0,
            ),
        )
    }

    /// The neutral element.
    pub fn identity() -> Self {
        Self(curve25519_dalek::traits::Identity::identity())
    }

    /// The encodings of several points, with one field inversion for all of them.
    pub fn compress_batch<const N: usize>(points: &[Self; N]) -> [[u8; ENCODED_LEN]; N] {
        curve25519_dalek::EdwardsPoint::compress_batch(&points.map(|p| p.0)).map(|c| c.to_bytes())
    }

    /// Whether the compressed encoding equals `encoded`, compared in constant time.
    pub fn ct_eq_compressed(&self, encoded: &[u8; ENCODED_LEN]) -> bool {
        self.compress().ct_eq(encoded).into()
    }
}

impl Neg for &EdwardsPoint {
    type Output = EdwardsPoint;
    fn neg(self) -> EdwardsPoint {
        EdwardsPoint(-self.0)
    }
}

impl core::fmt::Debug for EdwardsPoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "EdwardsPoint(")?;
        for b in self.compress() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// Whether the little-endian 256-bit integer `u` is below p = 2^255 - 19.
fn is_below_p(u: &[u8; 32]) -> bool {
    for (a, b) in u.iter().rev().zip(P_LE.iter().rev()) {
        if a != b {
            return a < b;
        }
    }
    false
}

/// The Edwards point birationally equivalent to the Montgomery u-coordinate `u`
/// (y = (u - 1) / (u + 1)), with the sign bit `sign` (0 or 1; other bits ignored), and the
/// point's RFC 8032 encoding, which comes out of the map for free (`compress` would cost a field
/// inversion). `None` if `u >= p` (a non-canonical encoding, rejected as XEdDSA verification
/// requires), `u = -1`, or `u` is on the twist.
pub fn edwards_from_montgomery(
    u: &[u8; ENCODED_LEN],
    sign: u8,
) -> Option<(EdwardsPoint, [u8; ENCODED_LEN])> {
    let mut minus_one = P_LE;
    minus_one[0] -= 1;
    if !is_below_p(u) || *u == minus_one {
        return None;
    }
    let u_fe = Fe::from_bytes(u);
    let mut encoding = u_fe
        .sub(&Fe::ONE)
        .mul(&u_fe.add(&Fe::ONE).invert())
        .to_bytes();
    // x = 0 only at y = -1 (u = 0), where the encoding's sign bit stays 0 whatever `sign` asks.
    if *u != [0; ENCODED_LEN] {
        encoding[31] |= (sign & 1) << 7;
    }
    let point = EdwardsPoint::decompress(encoding)?;
    Some((point, encoding))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretBytes;

    #[test]
    fn scalar_arithmetic_and_encoding() {
        let two = Scalar::from_bytes_mod_order({
            let mut b = [0u8; 32];
            b[0] = 2;
            b
        });
        let three = Scalar::from_bytes_mod_order({
            let mut b = [0u8; 32];
            b[0] = 3;
            b
        });
        assert_eq!((&two + &three).to_bytes()[0], 5);
        assert_eq!((&two * &three).to_bytes()[0], 6);
        let zero = &two + &(-&two);
        assert_eq!(zero.to_bytes(), [0u8; 32]);
        // q itself is not canonical; q - 1 is.
        let q_minus_1 = (-&Scalar::from_bytes_mod_order({
            let mut b = [0u8; 32];
            b[0] = 1;
            b
        }))
            .to_bytes();
        assert!(Scalar::from_canonical_bytes(q_minus_1).is_some());
        let mut q = q_minus_1;
        q[0] += 1;
        assert!(Scalar::from_canonical_bytes(q).is_none());
        assert_eq!(Scalar::from_bytes_mod_order(q).to_bytes(), [0u8; 32]);
        let mut wide = [0u8; 64];
        wide[..32].copy_from_slice(&q);
        wide[0] += 7;
        assert_eq!(Scalar::from_bytes_mod_order_wide(&wide).to_bytes()[0], 7);
    }

    #[test]
    fn scalar_debug_is_redacted() {
        let s = Scalar::from_bytes_mod_order([0xA5; 32]);
        let text = format!("{s:?}");
        assert!(text.contains("redacted"));
        assert!(!text.to_lowercase().contains("a5"));
    }

    #[test]
    fn montgomery_map_matches_x25519_public_key() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([7u8; 32]));
        let k = Scalar::clamped_from_x25519(&sk);
        let e = EdwardsPoint::mul_base(&k);
        let u = sk.public_key().as_bytes();
        let (mapped, encoding) = edwards_from_montgomery(u, e.sign_bit()).unwrap();
        assert_eq!(mapped.compress(), e.compress());
        assert_eq!(encoding, e.compress());
        assert!(mapped.ct_eq_compressed(&e.compress()));
        let (other, other_encoding) = edwards_from_montgomery(u, 1 - e.sign_bit()).unwrap();
        assert_ne!(other.compress(), e.compress());
        assert_eq!(other.compress(), other_encoding);
        assert_eq!(
            EdwardsPoint::decompress(e.compress()).unwrap().compress(),
            e.compress()
        );
    }

    #[test]
    fn non_canonical_u_is_rejected() {
        assert!(edwards_from_montgomery(&P_LE, 0).is_none());
        assert!(edwards_from_montgomery(&[0xff; 32], 0).is_none());
        let mut minus_one = P_LE;
        minus_one[0] -= 1;
        assert!(edwards_from_montgomery(&minus_one, 0).is_none());
        // u = 9 (the basepoint) is fine.
        let mut nine = [0u8; 32];
        nine[0] = 9;
        assert!(edwards_from_montgomery(&nine, 0).is_some());
        assert!(is_below_p(&minus_one));
    }

    proptest::proptest! {
        /// The map agrees with curve25519-dalek's `to_edwards` on any u and sign, and the
        /// encoding it returns is the point's compression.
        #[test]
        fn montgomery_map_matches_dalek(u in proptest::array::uniform32(proptest::prelude::any::<u8>()), sign in 0u8..2) {
            let ours = edwards_from_montgomery(&u, sign);
            let below_p = is_below_p(&u);
            let dalek = curve25519_dalek::MontgomeryPoint(u).to_edwards(sign).filter(|_| below_p);
            proptest::prop_assert_eq!(ours.is_some(), dalek.is_some());
            if let (Some((point, encoding)), Some(theirs)) = (ours, dalek) {
                proptest::prop_assert_eq!(point.compress(), theirs.compress().to_bytes());
                proptest::prop_assert_eq!(encoding, theirs.compress().to_bytes());
            }
        }
    }

    /// u = 0 maps to (0, -1), whose encoding has sign bit 0 whichever sign is asked for.
    #[test]
    fn montgomery_map_of_zero() {
        for sign in [0, 1] {
            let (point, encoding) = edwards_from_montgomery(&[0; 32], sign).unwrap();
            assert_eq!(point.compress(), encoding);
            assert_eq!(encoding[31] >> 7, 0);
        }
    }

    #[test]
    fn negation_identity_and_batch_compression() {
        let p = EdwardsPoint::mul_base(&Scalar::from_bytes_mod_order([9u8; 32]));
        let minus_p = -&p;
        let [p_enc, minus_enc, id_enc] =
            EdwardsPoint::compress_batch(&[p, minus_p, EdwardsPoint::identity()]);
        assert_eq!(p_enc, p.compress());
        assert_eq!(minus_enc, minus_p.compress());
        assert_eq!(minus_enc[31] ^ p_enc[31], 0x80);
        let mut one = [0u8; 32];
        one[0] = 1;
        assert_eq!(id_enc, one);
    }

    #[test]
    fn double_scalar_mul() {
        let a = Scalar::from_bytes_mod_order([3u8; 32]);
        let b = Scalar::from_bytes_mod_order([5u8; 32]);
        let p = EdwardsPoint::mul_base(&Scalar::from_bytes_mod_order([9u8; 32]));
        let got = EdwardsPoint::vartime_double_scalar_mul_basepoint(&a, &p, &b);
        let want = &(&a * &Scalar::from_bytes_mod_order([9u8; 32])) + &b;
        assert_eq!(got.compress(), EdwardsPoint::mul_base(&want).compress());
    }
}
