//! A cryptographic RNG from a 32-byte seed: the key of a ChaCha20 keystream (`chacha20`'s
//! `ChaCha20Rng`, 20 rounds).
//!
//! For work split into independent tasks, such as encryptions spread over threads: the caller
//! draws one seed per task from its own `CryptoRng` ([`SecretBytes::random`]), in a fixed
//! order, before splitting, and each task takes its randomness from a `SeededRng` of its
//! seed. What every task gets then depends only on the caller's RNG and the order of the
//! tasks, not on which thread runs which task or how many there are, so a seeded caller (a
//! known-answer test) gets the same output on any machine.

use core::convert::Infallible;

use rand_core::{SeedableRng as _, TryCryptoRng, TryRng};

use zeroize::Zeroize as _;

use crate::SecretBytes;

/// A ChaCha20 keystream generator keyed by a 32-byte seed. Its state is zeroized on drop;
/// `Debug` shows nothing of it.
pub struct SeededRng(chacha20::ChaCha20Rng);

impl core::fmt::Debug for SeededRng {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SeededRng").finish_non_exhaustive()
    }
}

impl SeededRng {
    /// The generator keyed by `seed`, which must be secret and random (drawn from a
    /// `CryptoRng`) and used for one generator only.
    pub fn from_seed(seed: &SecretBytes<32>) -> Self {
        let mut key = *seed.expose_secret();
        let out = Self(chacha20::ChaCha20Rng::from_seed(key));
        key.zeroize();
        out
    }
}

impl TryRng for SeededRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        self.0.try_next_u32()
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.0.try_next_u64()
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.try_fill_bytes(dst)
    }
}

impl TryCryptoRng for SeededRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::Rng as _;

    #[test]
    fn one_stream_per_seed() {
        let mut parent = test_support::seeded_rng(5);
        let (seed_a, seed_b) = (
            SecretBytes::random(&mut parent),
            SecretBytes::random(&mut parent),
        );
        let (mut a, mut b, mut a2) = (
            SeededRng::from_seed(&seed_a),
            SeededRng::from_seed(&seed_b),
            SeededRng::from_seed(&seed_a),
        );
        let (mut x, mut y, mut x2) = ([0u8; 48], [0u8; 48], [0u8; 48]);
        a.fill_bytes(&mut x);
        b.fill_bytes(&mut y);
        a2.fill_bytes(&mut x2);
        assert_eq!(x, x2);
        assert_ne!(x, y);
        assert_eq!(format!("{a:?}"), "SeededRng { .. }");
    }
}
