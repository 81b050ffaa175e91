//! Shared test helpers: a scripted RNG that replays given bytes (to inject ephemeral keys and
//! KEM encapsulation randomness through the public, RNG-drawing API).

#![allow(dead_code, unreachable_pub, reason = "each test file uses a subset")]

use core::convert::Infallible;

use primitives::rand::{TryCryptoRng, TryRng};

/// Yields the scripted bytes in order, then panics if more are requested.
#[derive(Debug)]
pub struct ScriptedRng {
    bytes: Vec<u8>,
    pos: usize,
}

impl ScriptedRng {
    pub fn new(parts: &[&[u8]]) -> Self {
        Self {
            bytes: parts.concat(),
            pos: 0,
        }
    }

    pub fn exhausted(&self) -> bool {
        self.pos == self.bytes.len()
    }
}

impl TryRng for ScriptedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let end = self.pos + dst.len();
        assert!(end <= self.bytes.len(), "scripted RNG exhausted");
        dst.copy_from_slice(&self.bytes[self.pos..end]);
        self.pos = end;
        Ok(())
    }
}

impl TryCryptoRng for ScriptedRng {}

pub fn arr32(v: &[u8]) -> [u8; 32] {
    v.try_into().expect("32 bytes")
}
