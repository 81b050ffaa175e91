//! X25519 Diffie-Hellman (RFC 7748) with the contributory check always on.
//!
//! `X25519-1`: an all-zero shared secret means the peer's public key had small order and the
//! exchange contributed no secret (RFC 7748 section 6.1); [`X25519SecretKey::diffie_hellman`]
//! returns [`Error::NonContributory`] for it, in every caller, with no way to turn it off.
//!
//! The variable-base function, X25519(k, u), is this crate's own: the Montgomery ladder of RFC 7748
//! section 5 over radix-2^51 field arithmetic (`field25519`), constant-time, about 0.7x the time of
//! curve25519-dalek's ladder on the machines we measured (small-constant multiplication by a24,
//! subtraction without a carry pass, the u-coordinate's limbs times 19 computed once per ladder).
//! It is checked against RFC 7748's vectors, Wycheproof's 518 cases (twist points and
//! non-canonical u included) and, in a property test and a fuzz target, against x25519-dalek.
//! Constant-time means: no branch or index depends on a secret, and the arithmetic is 64x64-bit
//! multiplications into `u128`, constant-time where the hardware multiplier is (x86-64,
//! aarch64); 32-bit targets split those products and have not been audited.
//! Public keys from secrets (the fixed-base product) use curve25519-dalek's precomputed table.

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::{Error, Result, SecretBytes, field25519::Fe};

/// a24 = (486662 - 2) / 4, the ladder's curve constant (RFC 7748 section 5).
const A24: u32 = 121_665;

/// The ladder of RFC 7748 section 5 for X25519(k, u), stopped before the final division: the
/// projective (x, z), whose quotient is the result (0 when z is 0). The scalar is clamped, the
/// top bit of u ignored, and a non-canonical u taken as its residue.
fn ladder_projective(scalar: &[u8; KEY_LEN], u: &[u8; KEY_LEN]) -> (Fe, Fe) {
    let mut k = Zeroizing::new(*scalar);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    let x1 = Fe::from_bytes(u);
    let x1_19 = x1.times19();
    let (mut x2, mut z2, mut x3, mut z3) = (Fe::ONE, Fe::ZERO, x1.clone(), Fe::ONE);
    let mut swap = 0u64;
    for t in (0..255).rev() {
        let bit = u64::from((k[t >> 3] >> (t & 7)) & 1);
        swap ^= bit;
        Fe::conditional_swap(&mut x2, &mut x3, swap);
        Fe::conditional_swap(&mut z2, &mut z3, swap);
        swap = bit;
        let a = x2.add(&z2);
        let aa = a.square();
        let b = x2.sub(&z2);
        let bb = b.square();
        let e = aa.sub(&bb);
        let c = x3.add(&z3);
        let d = x3.sub(&z3);
        let da = d.mul(&a);
        let cb = c.mul(&b);
        x3 = da.add(&cb).square();
        z3 = da.sub(&cb).square().mul_fixed(&x1, &x1_19);
        z2 = e.mul(&aa.add(&e.mul_small(A24)));
        x2 = aa.mul(&bb);
    }
    Fe::conditional_swap(&mut x2, &mut x3, swap);
    Fe::conditional_swap(&mut z2, &mut z3, swap);
    x3.zeroize();
    z3.zeroize();
    (x2, z2)
}

/// X25519 of several (k, u) pairs, sharing one field inversion (Montgomery's trick: invert the
/// product of the z, then peel each inverse off with two multiplications). A z of 0 makes the
/// product 0 and every result 0, which the caller's check rejects: such an output is
/// non-contributory anyway.
fn ladder_batch(pairs: &[(&[u8; KEY_LEN], &[u8; KEY_LEN])]) -> Vec<SecretBytes<KEY_LEN>> {
    let mut points: Vec<(Fe, Fe)> = pairs.iter().map(|(k, u)| ladder_projective(k, u)).collect();
    // prefix[i] = z_0 * ... * z_(i-1)
    let mut acc = Fe::ONE;
    let mut prefix: Vec<Fe> = points
        .iter()
        .map(|(_, z)| {
            let before = acc.clone();
            acc = acc.mul(z);
            before
        })
        .collect();
    let mut inverse = acc.invert();
    let mut out = Vec::with_capacity(points.len());
    for ((x, z), before) in points.iter().zip(&prefix).rev() {
        // inverse = 1 / (z_0 * ... * z_i) here.
        let mut z_inverse = inverse.mul(before);
        inverse = inverse.mul(z);
        out.push(SecretBytes::from_array(x.mul(&z_inverse).to_bytes()));
        z_inverse.zeroize();
    }
    out.reverse();
    for (x, z) in &mut points {
        x.zeroize();
        z.zeroize();
    }
    prefix.iter_mut().for_each(Zeroize::zeroize);
    inverse.zeroize();
    acc.zeroize();
    out
}

/// [`ladder_batch`] with the `X25519-1` check: any all-zero output (compared in constant time)
/// fails the whole batch. The DHs of a batch HPKE encryption ([`crate::hpke`]) run here.
pub(crate) fn diffie_hellman_many(
    pairs: &[(&[u8; KEY_LEN], &[u8; KEY_LEN])],
) -> Result<Vec<SecretBytes<KEY_LEN>>> {
    let shared = ladder_batch(pairs);
    if shared
        .iter()
        .any(|s| bool::from(s.expose_secret().ct_eq(&[0u8; KEY_LEN])))
    {
        return Err(Error::NonContributory);
    }
    Ok(shared)
}

/// X25519(k, u) with the `X25519-1` check, for raw-byte callers (HPKE, the fuzz target).
pub(crate) fn diffie_hellman(
    scalar: &[u8; KEY_LEN],
    u: &[u8; KEY_LEN],
) -> Result<SecretBytes<KEY_LEN>> {
    diffie_hellman_many(&[(scalar, u)])?
        .pop()
        .ok_or(Error::Internal("X25519 batch of one gave no result"))
}

/// X25519(k, 9): the public key of a secret, by curve25519-dalek's fixed-base table.
pub(crate) fn public_from_secret(scalar: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    curve25519_dalek::MontgomeryPoint::mul_base_clamped(*scalar).to_bytes()
}

/// [`public_from_secret`] of several secrets, sharing one field inversion: each Edwards
/// product `k·B` is mapped to its u-coordinate u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y) with
/// the denominators inverted together (curve25519-dalek's `to_montgomery_batch`).
pub(crate) fn public_from_secret_batch(scalars: &[&[u8; KEY_LEN]]) -> Vec<[u8; KEY_LEN]> {
    let points: Vec<curve25519_dalek::EdwardsPoint> = scalars
        .iter()
        .map(|k| curve25519_dalek::EdwardsPoint::mul_base_clamped(**k))
        .collect();
    curve25519_dalek::EdwardsPoint::to_montgomery_batch(&points)
        .iter()
        .map(curve25519_dalek::MontgomeryPoint::to_bytes)
        .collect()
}

/// Length of X25519 keys and shared secrets.
pub const KEY_LEN: usize = 32;

/// An X25519 public key (a Montgomery u-coordinate). Every 32-byte string is accepted as an
/// encoding; small-order points are caught when they are used.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct X25519PublicKey([u8; KEY_LEN]);

impl X25519PublicKey {
    /// A public key from its 32 bytes.
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// A public key from a slice of exactly 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] otherwise.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "X25519 public key",
            expected: KEY_LEN,
            actual: bytes.len(),
        })?;
        Ok(Self::from_bytes(arr))
    }

    /// The 32-byte encoding.
    pub const fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl core::fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "X25519PublicKey(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// An X25519 secret key, with its public key computed once and cached.
#[derive(Clone)]
pub struct X25519SecretKey {
    secret: SecretBytes<KEY_LEN>,
    public: X25519PublicKey,
}

impl core::fmt::Debug for X25519SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("X25519SecretKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl X25519SecretKey {
    /// A fresh random key.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_secret(&SecretBytes::random(rng))
    }

    /// The key with these 32 secret bytes (clamped as RFC 7748 specifies when used).
    pub fn from_secret(bytes: &SecretBytes<KEY_LEN>) -> Self {
        let public = X25519PublicKey(public_from_secret(bytes.expose_secret()));
        Self {
            secret: bytes.clone(),
            public,
        }
    }

    /// The secret bytes as given (unclamped), for persistence.
    pub fn to_secret(&self) -> SecretBytes<KEY_LEN> {
        self.secret.clone()
    }

    /// The cached public key.
    pub const fn public_key(&self) -> &X25519PublicKey {
        &self.public
    }

    /// X25519(k, u) with the peer's public key.
    ///
    /// # Errors
    /// [`Error::NonContributory`] (`X25519-1`) if the result is all zero.
    pub fn diffie_hellman(&self, peer: &X25519PublicKey) -> Result<SecretBytes<KEY_LEN>> {
        diffie_hellman(self.secret.expose_secret(), &peer.0)
    }

    /// X25519 of several (secret key, peer) pairs at once, each result as
    /// [`Self::diffie_hellman`] gives it. The ladders share one field inversion, about a tenth of
    /// a DH, so a protocol step that needs several DHs (an X3DH handshake) saves that for every
    /// DH after the first.
    ///
    /// # Errors
    /// [`Error::NonContributory`] (`X25519-1`) if any of the results is all zero.
    pub fn diffie_hellman_batch<const N: usize>(
        pairs: [(&Self, &X25519PublicKey); N],
    ) -> Result<[SecretBytes<KEY_LEN>; N]> {
        let shared =
            diffie_hellman_many(&pairs.map(|(sk, pk)| (sk.secret.expose_secret(), &pk.0)))?;
        shared
            .try_into()
            .map_err(|_| Error::Internal("X25519 batch gave another number of results"))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// X25519(k, u) without the contributory check, through the production path.
    fn ladder(scalar: &[u8; KEY_LEN], u: &[u8; KEY_LEN]) -> SecretBytes<KEY_LEN> {
        ladder_batch(&[(scalar, u)]).remove(0)
    }

    #[test]
    fn small_order_point_is_rejected() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([3u8; 32]));
        // u = 0 and u = 1 have small order (RFC 7748 section 6.1 forbids the zero output).
        for u in [[0u8; 32], {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        }] {
            assert_eq!(
                sk.diffie_hellman(&X25519PublicKey::from_bytes(u))
                    .unwrap_err(),
                Error::NonContributory
            );
        }
        assert!(format!("{sk:?}").contains("X25519SecretKey"));
        assert!(!format!("{sk:?}").contains("0303"));
    }

    fn bytes(hex: &str) -> [u8; KEY_LEN] {
        let v = test_support::unhex(hex);
        v.as_slice().try_into().unwrap()
    }

    /// RFC 7748 section 5.2: the two single vectors and the iteration, 1 and 1 000 times.
    #[test]
    fn rfc7748_vectors() {
        for (k, u, out) in [
            (
                "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
                "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
                "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552",
            ),
            (
                "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
                "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
                "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957",
            ),
        ] {
            assert_eq!(ladder(&bytes(k), &bytes(u)).expose_secret(), &bytes(out));
        }
        let (mut k, mut u) = ([0u8; KEY_LEN], [0u8; KEY_LEN]);
        k[0] = 9;
        u[0] = 9;
        for i in 1..=1000 {
            let next = *ladder(&k, &u).expose_secret();
            u = k;
            k = next;
            if i == 1 {
                assert_eq!(
                    k,
                    bytes("422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
                );
            }
        }
        assert_eq!(
            k,
            bytes("684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
        );
    }

    /// A batch gives what each DH alone gives, and fails as a whole on any zero output.
    #[test]
    fn batch_matches_single_and_rejects_small_order() {
        let keys: Vec<X25519SecretKey> = (1..=4u8)
            .map(|i| X25519SecretKey::from_secret(&SecretBytes::from_array([i; KEY_LEN])))
            .collect();
        let peers: Vec<X25519PublicKey> = (5..=8u8)
            .map(|i| {
                X25519SecretKey::from_secret(&SecretBytes::from_array([i; KEY_LEN]))
                    .public_key()
                    .clone()
            })
            .collect();
        let batch = X25519SecretKey::diffie_hellman_batch([
            (&keys[0], &peers[0]),
            (&keys[1], &peers[1]),
            (&keys[2], &peers[2]),
            (&keys[3], &peers[3]),
        ])
        .unwrap();
        for (i, shared) in batch.iter().enumerate() {
            let single = keys[i].diffie_hellman(&peers[i]).unwrap();
            assert_eq!(shared.expose_secret(), single.expose_secret());
        }
        assert!(
            X25519SecretKey::diffie_hellman_batch([])
                .unwrap()
                .is_empty()
        );
        // One small-order peer (u = 0) among valid ones: the whole batch is refused.
        let zero = X25519PublicKey::from_bytes([0; KEY_LEN]);
        for position in 0..3 {
            let mut pairs = [
                (&keys[0], &peers[0]),
                (&keys[1], &peers[1]),
                (&keys[2], &peers[2]),
            ];
            pairs[position].1 = &zero;
            assert_eq!(
                X25519SecretKey::diffie_hellman_batch(pairs).unwrap_err(),
                Error::NonContributory
            );
        }
    }

    /// The batch public keys (one shared inversion) are the single ones.
    #[test]
    fn public_key_batch_matches_single() {
        let secrets: Vec<[u8; KEY_LEN]> = (0..5u8).map(|i| [i.wrapping_mul(37); KEY_LEN]).collect();
        let refs: Vec<&[u8; KEY_LEN]> = secrets.iter().collect();
        let batch = public_from_secret_batch(&refs);
        assert_eq!(batch.len(), secrets.len());
        for (k, pk) in secrets.iter().zip(&batch) {
            assert_eq!(pk, &public_from_secret(k));
        }
        assert!(public_from_secret_batch(&[]).is_empty());
    }

    /// The public key is X25519(k, 9): the fixed-base table and the ladder agree.
    #[test]
    fn public_key_is_the_ladder_on_the_base_point() {
        let mut nine = [0u8; KEY_LEN];
        nine[0] = 9;
        let k = bytes("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assert_eq!(
            public_from_secret(&k),
            bytes("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        assert_eq!(ladder(&k, &nine).expose_secret(), &public_from_secret(&k));
    }

    fn any_bytes() -> impl Strategy<Value = [u8; KEY_LEN]> {
        proptest::array::uniform32(any::<u8>())
    }

    proptest! {
        /// Any scalar and any 32 bytes as u (twist points, non-canonical values and the top bit
        /// included): the same output as x25519-dalek.
        #[test]
        fn ladder_matches_x25519_dalek(k in any_bytes(), u in any_bytes()) {
            let ours = ladder(&k, &u);
            prop_assert_eq!(ours.expose_secret(), &x25519_dalek::x25519(k, u));
        }

        /// u-coordinates at and around p and 2^255 - 1 (every limb at its extremes): the final
        /// reduction's paths.
        #[test]
        fn ladder_matches_x25519_dalek_near_p(k in any_bytes(), low in 0xd0u8..=0xff, high in any::<bool>()) {
            let mut u = [0xff; KEY_LEN];
            u[0] = low;
            u[31] = if high { 0xff } else { 0x7f };
            let ours = ladder(&k, &u);
            prop_assert_eq!(ours.expose_secret(), &x25519_dalek::x25519(k, u));
        }
    }
}
