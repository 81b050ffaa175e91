//! Shared setup for the peer benchmarks: a seeded RNG so every implementation sees the same
//! inputs.

/// A deterministic RNG for benchmark inputs.
pub fn rng(seed: u64) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng as _;
    rand_chacha::ChaCha20Rng::seed_from_u64(seed)
}
