//! Helpers shared by this crate's integration tests.

#![allow(dead_code, reason = "each test file uses a subset")]

/// Flips bit `bit` of a copy of `bytes`.
pub(crate) fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[bit / 8] ^= 1 << (bit % 8);
    out
}
