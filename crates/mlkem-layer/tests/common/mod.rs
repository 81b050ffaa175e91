//! Helpers shared by this crate's integration tests.

#![allow(dead_code, reason = "each test file uses a subset")]

use std::convert::Infallible;

use mlkem_layer::rand::{CryptoRng, TryCryptoRng, TryRng};

/// An RNG that hands out exactly the given bytes, then panics: it feeds a seal the recorded
/// encapsulation randomness, and proves that a refused seal drew nothing.
pub(crate) struct ReplayRng {
    bytes: Vec<u8>,
    pos: usize,
}

impl ReplayRng {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.to_vec(),
            pos: 0,
        }
    }

    /// An RNG with nothing to give: any draw fails the test.
    pub(crate) fn empty() -> Self {
        Self::new(&[])
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }
}

impl TryRng for ReplayRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let end = self.pos + dst.len();
        assert!(
            end <= self.bytes.len(),
            "ReplayRng exhausted: {} bytes asked, {} left",
            dst.len(),
            self.remaining()
        );
        dst.copy_from_slice(&self.bytes[self.pos..end]);
        self.pos = end;
        Ok(())
    }
}

impl TryCryptoRng for ReplayRng {}

/// An RNG that records every byte it hands out from an inner RNG.
pub(crate) struct RecordingRng<R> {
    inner: R,
    pub(crate) drawn: Vec<u8>,
}

impl<R: CryptoRng> RecordingRng<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            drawn: Vec::new(),
        }
    }
}

impl<R: CryptoRng> TryRng for RecordingRng<R> {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.inner.fill_bytes(dst);
        self.drawn.extend_from_slice(dst);
        Ok(())
    }
}

impl<R: CryptoRng> TryCryptoRng for RecordingRng<R> {}
