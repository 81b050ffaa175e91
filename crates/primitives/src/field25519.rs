//! Arithmetic in GF(2^255 - 19), in radix 2^51: five `u64` limbs, each product accumulated in a
//! `u128`. It runs the X25519 ladder ([`crate::x25519`]) and the Montgomery-to-Edwards map
//! ([`crate::curve25519`]).
//!
//! Limb bounds, which every function's documentation states and the ladder keeps:
//! - [`Fe::mul`], [`Fe::square`] and [`Fe::mul_small`] return limbs below 2^51 + 2^15
//!   ("reduced");
//! - [`Fe::add`] of two reduced values gives limbs below 2^52 + 2^16;
//! - [`Fe::sub`] of two reduced values (adding 2p first, so no limb underflows) gives limbs below
//!   2^53;
//! - the multiplications accept limbs below 2^54: the largest column sum is then below
//!   77 * 2^108 < 2^115, and the carry out of the top column, multiplied by 19, below 2^64.
//!
//! Nothing here branches on or indexes by a value: the ladder is constant-time by construction.

use zeroize::Zeroize;

const MASK: u64 = (1 << 51) - 1;

/// An element of GF(2^255 - 19), not necessarily in canonical form. Not `Copy`: ladder state is
/// secret, and copies would escape zeroization.
#[derive(Clone, Zeroize)]
pub(crate) struct Fe([u64; 5]);

#[inline(always)]
fn m(a: u64, b: u64) -> u128 {
    u128::from(a) * u128::from(b)
}

/// The low 51 bits of a column (truncation is the point).
#[inline(always)]
#[allow(clippy::cast_possible_truncation)]
const fn low51(c: u128) -> u64 {
    (c as u64) & MASK
}

/// A column's carry into the next one: below 2^64 for every column the bounds above allow.
#[inline(always)]
#[allow(clippy::cast_possible_truncation)]
const fn carry51(c: u128) -> u64 {
    (c >> 51) as u64
}

impl Fe {
    pub(crate) const ZERO: Self = Self([0; 5]);
    pub(crate) const ONE: Self = Self([1, 0, 0, 0, 0]);

    /// The field element of a u-coordinate: the top bit is ignored (RFC 7748 section 5), and
    /// values from p to 2^255 - 1 are accepted as their residues.
    pub(crate) fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut w = [0u64; 4];
        for (word, chunk) in w.iter_mut().zip(bytes.chunks_exact(8)) {
            let mut le = [0u8; 8];
            le.copy_from_slice(chunk);
            *word = u64::from_le_bytes(le);
        }
        Self([
            w[0] & MASK,
            ((w[0] >> 51) | (w[1] << 13)) & MASK,
            ((w[1] >> 38) | (w[2] << 26)) & MASK,
            ((w[2] >> 25) | (w[3] << 39)) & MASK,
            (w[3] >> 12) & MASK,
        ])
    }

    /// The canonical 32-byte little-endian encoding (fully reduced below p).
    pub(crate) fn to_bytes(&self) -> [u8; 32] {
        let mut l = self.0;
        // Carry once so that every limb is below 2^51 (the top limb's carry wraps times 19).
        for i in 0..4 {
            l[i + 1] += l[i] >> 51;
            l[i] &= MASK;
        }
        l[0] += 19 * (l[4] >> 51);
        l[4] &= MASK;
        // Now the value v is below 2^255 + 19: v >= p exactly when v + 19 carries out of bit 255,
        // which the chain below computes without branching; then v - p < p.
        let mut q = (l[0] + 19) >> 51;
        for limb in &l[1..] {
            q = (limb + q) >> 51;
        }
        l[0] += 19 * q;
        for i in 0..4 {
            l[i + 1] += l[i] >> 51;
            l[i] &= MASK;
        }
        l[4] &= MASK;
        let words = [
            l[0] | (l[1] << 51),
            (l[1] >> 13) | (l[2] << 38),
            (l[2] >> 26) | (l[3] << 25),
            (l[3] >> 39) | (l[4] << 12),
        ];
        let mut out = [0u8; 32];
        for (chunk, word) in out.chunks_exact_mut(8).zip(words) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        l.zeroize();
        out
    }

    /// `self + other`, without carrying.
    #[inline(always)]
    pub(crate) fn add(&self, other: &Self) -> Self {
        let (a, b) = (&self.0, &other.0);
        Self([
            a[0] + b[0],
            a[1] + b[1],
            a[2] + b[2],
            a[3] + b[3],
            a[4] + b[4],
        ])
    }

    /// `self - other` for reduced values: 2p is added first so that no limb underflows.
    #[inline(always)]
    pub(crate) fn sub(&self, other: &Self) -> Self {
        const TWO_P_0: u64 = 2 * ((1 << 51) - 19);
        const TWO_P_I: u64 = 2 * ((1 << 51) - 1);
        let (a, b) = (&self.0, &other.0);
        Self([
            (a[0] + TWO_P_0) - b[0],
            (a[1] + TWO_P_I) - b[1],
            (a[2] + TWO_P_I) - b[2],
            (a[3] + TWO_P_I) - b[3],
            (a[4] + TWO_P_I) - b[4],
        ])
    }

    /// Carries five columns into reduced limbs; 2^255 = 19 folds the top carry into limb 0.
    #[inline(always)]
    fn reduce(mut c: [u128; 5]) -> Self {
        c[1] += u128::from(carry51(c[0]));
        c[2] += u128::from(carry51(c[1]));
        c[3] += u128::from(carry51(c[2]));
        c[4] += u128::from(carry51(c[3]));
        let r0 = low51(c[0]) + 19 * carry51(c[4]);
        Self([
            r0 & MASK,
            low51(c[1]) + (r0 >> 51),
            low51(c[2]),
            low51(c[3]),
            low51(c[4]),
        ])
    }

    /// `self * other`, with `other`'s limbs times 19 given (computed once for a fixed factor).
    #[inline(always)]
    fn mul_with(&self, b: &[u64; 5], b19: &[u64; 5]) -> Self {
        let a = &self.0;
        Self::reduce([
            m(a[0], b[0]) + m(a[4], b19[1]) + m(a[3], b19[2]) + m(a[2], b19[3]) + m(a[1], b19[4]),
            m(a[1], b[0]) + m(a[0], b[1]) + m(a[4], b19[2]) + m(a[3], b19[3]) + m(a[2], b19[4]),
            m(a[2], b[0]) + m(a[1], b[1]) + m(a[0], b[2]) + m(a[4], b19[3]) + m(a[3], b19[4]),
            m(a[3], b[0]) + m(a[2], b[1]) + m(a[1], b[2]) + m(a[0], b[3]) + m(a[4], b19[4]),
            m(a[4], b[0]) + m(a[3], b[1]) + m(a[2], b[2]) + m(a[1], b[3]) + m(a[0], b[4]),
        ])
    }

    /// `self * other`.
    #[inline(always)]
    pub(crate) fn mul(&self, other: &Self) -> Self {
        self.mul_with(&other.0, &other.times19())
    }

    /// `self * fixed`, where `fixed19` is `fixed.times19()`.
    #[inline(always)]
    pub(crate) fn mul_fixed(&self, fixed: &Self, fixed19: &[u64; 5]) -> Self {
        self.mul_with(&fixed.0, fixed19)
    }

    /// The limbs times 19, for [`Fe::mul_fixed`].
    #[inline(always)]
    pub(crate) fn times19(&self) -> [u64; 5] {
        self.0.map(|l| l * 19)
    }

    /// `self^2`.
    #[inline(always)]
    pub(crate) fn square(&self) -> Self {
        let a = &self.0;
        let (a0_2, a1_2, a2_2, a3_2) = (a[0] * 2, a[1] * 2, a[2] * 2, a[3] * 2);
        let (a3_19, a4_19) = (a[3] * 19, a[4] * 19);
        Self::reduce([
            m(a[0], a[0]) + m(a1_2, a4_19) + m(a2_2, a3_19),
            m(a0_2, a[1]) + m(a2_2, a4_19) + m(a[3], a3_19),
            m(a0_2, a[2]) + m(a[1], a[1]) + m(a3_2, a4_19),
            m(a0_2, a[3]) + m(a1_2, a[2]) + m(a[4], a4_19),
            m(a0_2, a[4]) + m(a1_2, a[3]) + m(a[2], a[2]),
        ])
    }

    /// `self * k` for a small constant `k`.
    #[inline(always)]
    pub(crate) fn mul_small(&self, k: u32) -> Self {
        let (a, k) = (&self.0, u64::from(k));
        Self::reduce([m(a[0], k), m(a[1], k), m(a[2], k), m(a[3], k), m(a[4], k)])
    }

    /// `self^(2^k)`, for `k >= 1`.
    fn pow2k(&self, k: u32) -> Self {
        let mut r = self.square();
        for _ in 1..k {
            r = r.square();
        }
        r
    }

    /// `self^(p - 2)`: the inverse, and 0 for 0 (which the ladder's output needs, RFC 7748).
    pub(crate) fn invert(&self) -> Self {
        // p - 2 = 2^255 - 21, by the usual chain of 254 squarings and 11 multiplications.
        let z2 = self.square();
        let z9 = z2.pow2k(2).mul(self);
        let z11 = z9.mul(&z2);
        let z_5_0 = z11.square().mul(&z9);
        let z_10_0 = z_5_0.pow2k(5).mul(&z_5_0);
        let z_20_0 = z_10_0.pow2k(10).mul(&z_10_0);
        let z_40_0 = z_20_0.pow2k(20).mul(&z_20_0);
        let z_50_0 = z_40_0.pow2k(10).mul(&z_10_0);
        let z_100_0 = z_50_0.pow2k(50).mul(&z_50_0);
        let z_200_0 = z_100_0.pow2k(100).mul(&z_100_0);
        let z_250_0 = z_200_0.pow2k(50).mul(&z_50_0);
        z_250_0.pow2k(5).mul(&z11)
    }

    /// Swaps `a` and `b` when `swap` is 1, leaves them when it is 0, in constant time.
    #[inline(always)]
    pub(crate) fn conditional_swap(a: &mut Self, b: &mut Self, swap: u64) {
        let mask = 0u64.wrapping_sub(swap);
        for (x, y) in a.0.iter_mut().zip(b.0.iter_mut()) {
            let t = mask & (*x ^ *y);
            *x ^= t;
            *y ^= t;
        }
    }
}
