//! Shared test helpers (the replaying RNG lives in `test_support`).

#![allow(dead_code, unreachable_pub, reason = "each test file uses a subset")]

pub fn arr32(v: &[u8]) -> [u8; 32] {
    v.try_into().expect("32 bytes")
}
