//! Strict binary decoding shared by the bundle and message encodings (X3DH section 3.2-3.3 leave
//! the wire format to the application): big-endian integers, exact lengths, no trailing bytes.

#![warn(clippy::indexing_slicing)]

use crate::{Error, Result};

/// A cursor over untrusted bytes; every read is bounds-checked.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) const fn new(data: &'a [u8], what: &'static str) -> Self {
        Self { data, what }
    }

    /// The next `n` bytes.
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.data.len() < n {
            return Err(Error::Decode(self.what));
        }
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(Error::Decode(self.what))
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        let b: [u8; 4] = self
            .take(4)?
            .try_into()
            .map_err(|_| Error::Decode(self.what))?;
        Ok(u32::from_be_bytes(b))
    }

    /// Fails unless every byte was consumed.
    pub(crate) fn finish(self) -> Result<()> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(Error::Decode(self.what))
        }
    }
}
