//! The TLS presentation language as RFC 9420 uses it (section 2.1): big-endian fixed-width
//! integers, fixed-size arrays, `optional<T>` (a presence byte), and vectors `<V>` whose byte
//! length is a variable-length integer (section 2.1.2) of 1, 2 or 4 bytes.
//!
//! A small codec of our own rather than the `tls_codec` crate: MLS needs only these few
//! shapes, and owning them makes the rules an auditor looks for visible in one place:
//! - **strict decoding**: a varint must use its minimal encoding and the `11` prefix is
//!   malformed; a vector's content must be consumed exactly by its elements; a top-level
//!   decode ([`Codec::from_bytes`]) rejects trailing bytes; enumerations reject unknown and
//!   reserved values where the RFC gives them no meaning;
//! - **no allocation beyond the input**: lengths are checked against the remaining input
//!   before anything is allocated, and vectors grow one decoded element (at least one input
//!   byte) at a time;
//! - **infallible encoding**: [`Writer`] records a vector too long for a varint (2^30 bytes
//!   or more) and [`Writer::finish`] reports it, so encoders need no error plumbing.

use crate::{Error, Result};

/// The largest value of a variable-length integer (2^30 - 1), hence the longest vector.
pub const MAX_VARINT: usize = (1 << 30) - 1;

/// A cursor over input bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `buf`.
    pub const fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    /// The bytes not yet read.
    pub const fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    /// Whether every byte has been read.
    pub const fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Fails unless every byte has been read.
    ///
    /// # Errors
    /// [`Error::Decode`] naming `what` if bytes remain.
    pub const fn finish(&self, what: &'static str) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(Error::Decode(what))
        }
    }

    /// The next `n` bytes.
    ///
    /// # Errors
    /// [`Error::Decode`] if fewer remain.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(Error::Decode("truncated input"));
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// The next `N` bytes as an array.
    ///
    /// # Errors
    /// [`Error::Decode`] if fewer remain.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// A `uint8`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the input is exhausted.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    /// A `uint16`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the input is exhausted.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// A `uint32`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the input is exhausted.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    /// A `uint64`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the input is exhausted.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    /// A variable-length integer (section 2.1.2), minimal encoding required.
    ///
    /// # Errors
    /// [`Error::Decode`] for the `11` prefix, a non-minimal encoding or truncation.
    pub fn varint(&mut self) -> Result<usize> {
        let first = self.u8()?;
        let prefix = first >> 6;
        let mut value = usize::from(first & 0x3f);
        let (len, min) = match prefix {
            0 => return Ok(value),
            1 => (2, 1 << 6),
            2 => (4, 1 << 14),
            _ => return Err(Error::Decode("variable-length integer with prefix 11")),
        };
        for &b in self.bytes(len - 1)? {
            value = (value << 8) | usize::from(b);
        }
        if value < min {
            return Err(Error::Decode("non-minimal variable-length integer"));
        }
        Ok(value)
    }

    /// An `opaque <V>`: the bytes of a variable-length vector.
    ///
    /// # Errors
    /// [`Error::Decode`] if the length is malformed or runs past the input.
    pub fn opaque(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        self.bytes(len)
    }

    /// An `opaque <V>` copied into a vector.
    ///
    /// # Errors
    /// As [`Self::opaque`].
    pub fn opaque_vec(&mut self) -> Result<Vec<u8>> {
        self.opaque().map(<[u8]>::to_vec)
    }

    /// A vector `<V>` decoded by `f`, which must consume its content exactly.
    ///
    /// # Errors
    /// As [`Self::opaque`], any error of `f`, and [`Error::Decode`] if `f` leaves bytes.
    pub fn vector<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let mut inner = Self::new(self.opaque()?);
        let out = f(&mut inner)?;
        inner.finish("vector content not consumed exactly by its elements")?;
        Ok(out)
    }

    /// A vector `T items<V>`.
    ///
    /// # Errors
    /// As [`Self::vector`] and [`Codec::decode`] of each element.
    pub fn vec<T: Codec>(&mut self) -> Result<Vec<T>> {
        self.vector(|r| {
            let mut items = Vec::new();
            while !r.is_empty() {
                items.push(T::decode(r)?);
            }
            Ok(items)
        })
    }

    /// An `optional<T>`: a presence byte 0 or 1, then the value if present.
    ///
    /// # Errors
    /// [`Error::Decode`] for a presence byte other than 0 or 1, and any error of `T`.
    pub fn optional<T: Codec>(&mut self) -> Result<Option<T>> {
        match self.u8()? {
            0 => Ok(None),
            1 => T::decode(self).map(Some),
            _ => Err(Error::Decode("optional<T> presence byte not 0 or 1")),
        }
    }
}

/// An output buffer; see the module documentation for its error handling.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
    overflow: bool,
}

impl Writer {
    /// An empty writer.
    pub const fn new() -> Self {
        Self {
            buf: Vec::new(),
            overflow: false,
        }
    }

    /// An empty writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: Vec::with_capacity(capacity),
            overflow: false,
        }
    }

    /// The encoding, or the error if a vector was too long to encode.
    ///
    /// # Errors
    /// [`Error::Misuse`] if a vector was 2^30 bytes or longer.
    pub fn finish(self) -> Result<Vec<u8>> {
        if self.overflow {
            Err(Error::Misuse(
                "vector of 2^30 bytes or more cannot be encoded",
            ))
        } else {
            Ok(self.buf)
        }
    }

    /// Raw bytes (a fixed-size array or an already encoded structure).
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// A `uint8`.
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    /// A `uint16`.
    pub fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    /// A `uint32`.
    pub fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// A `uint64`.
    pub fn u64(&mut self, v: u64) {
        self.bytes(&v.to_be_bytes());
    }

    /// A variable-length integer, minimal encoding. Values above [`MAX_VARINT`] mark the
    /// writer as failed.
    pub fn varint(&mut self, v: usize) {
        let (bytes, len) = varint_bytes(v, &mut self.overflow);
        self.bytes(bytes.get(..len).unwrap_or_default());
    }

    /// An `opaque <V>`.
    pub fn opaque(&mut self, bytes: &[u8]) {
        self.varint(bytes.len());
        self.bytes(bytes);
    }

    /// A vector `<V>` whose content `f` writes; the length prefix is inserted afterwards.
    pub fn vector(&mut self, f: impl FnOnce(&mut Self)) {
        let start = self.buf.len();
        f(self);
        let len = self.buf.len() - start;
        let (prefix, n) = varint_bytes(len, &mut self.overflow);
        self.buf.splice(
            start..start,
            prefix.get(..n).unwrap_or_default().iter().copied(),
        );
    }

    /// A vector `T items<V>`.
    pub fn vec<T: Codec>(&mut self, items: &[T]) {
        self.vector(|w| {
            for item in items {
                item.encode(w);
            }
        });
    }

    /// An `optional<T>`.
    pub fn optional<T: Codec>(&mut self, value: Option<&T>) {
        match value {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                v.encode(self);
            }
        }
    }
}

/// The minimal varint encoding of `v` and its length; sets `overflow` for values too large.
fn varint_bytes(v: usize, overflow: &mut bool) -> ([u8; 4], usize) {
    match u32::try_from(v) {
        Ok(v) if v < 1 << 6 => {
            let [.., d] = v.to_be_bytes();
            ([d, 0, 0, 0], 1)
        }
        Ok(v) if v < 1 << 14 => {
            let [.., c, d] = (v | 0x4000).to_be_bytes();
            ([c, d, 0, 0], 2)
        }
        Ok(v) if v < 1 << 30 => ((v | 0x8000_0000).to_be_bytes(), 4),
        _ => {
            *overflow = true;
            ([0; 4], 0)
        }
    }
}

/// A structure of the presentation language.
pub trait Codec: Sized {
    /// Appends the encoding of `self`.
    fn encode(&self, w: &mut Writer);

    /// Decodes one value from the front of `r`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the input is not a well-formed encoding.
    fn decode(r: &mut Reader<'_>) -> Result<Self>;

    /// The encoding of `self`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if a vector inside is 2^30 bytes or longer.
    fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.finish()
    }

    /// Decodes a value that must span all of `bytes`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the input is malformed or has trailing bytes.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let v = Self::decode(&mut r)?;
        r.finish("trailing bytes after the structure")?;
        Ok(v)
    }
}

impl Codec for u8 {
    fn encode(&self, w: &mut Writer) {
        w.u8(*self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u8()
    }
}

impl Codec for u16 {
    fn encode(&self, w: &mut Writer) {
        w.u16(*self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u16()
    }
}

impl Codec for u32 {
    fn encode(&self, w: &mut Writer) {
        w.u32(*self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u32()
    }
}

impl Codec for u64 {
    fn encode(&self, w: &mut Writer) {
        w.u64(*self);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u64()
    }
}

/// `opaque <V>` as an owned vector. (A `Vec<u8>` field of a structure is always an opaque
/// vector in RFC 9420; vectors of other element types use [`Reader::vec`] and [`Writer::vec`].)
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Opaque(pub Vec<u8>);

impl Codec for Opaque {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.opaque_vec().map(Self)
    }
}

impl AsRef<[u8]> for Opaque {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Opaque {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl From<&[u8]> for Opaque {
    fn from(v: &[u8]) -> Self {
        Self(v.to_vec())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn enc(v: usize) -> Vec<u8> {
        let mut w = Writer::new();
        w.varint(v);
        w.finish().unwrap()
    }

    #[test]
    fn varint_round_trips_at_every_boundary() {
        for (v, len) in [
            (0, 1),
            (63, 1),
            (64, 2),
            (16_383, 2),
            (16_384, 4),
            (MAX_VARINT, 4),
        ] {
            let bytes = enc(v);
            assert_eq!(bytes.len(), len, "{v}");
            let mut r = Reader::new(&bytes);
            assert_eq!(r.varint().unwrap(), v);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn varint_rejects_prefix_11_non_minimal_and_truncated() {
        for bad in [
            &[0xc0u8][..],
            &[0x40, 0x3f],
            &[0x80, 0x00, 0x3f, 0xff],
            &[0x40],
            &[0x80, 0, 0],
        ] {
            assert!(Reader::new(bad).varint().is_err(), "{bad:02x?}");
        }
    }

    #[test]
    fn too_long_vector_is_an_encoding_error() {
        let mut w = Writer::new();
        w.varint(MAX_VARINT + 1);
        assert!(w.finish().is_err());
    }

    #[test]
    fn vector_must_be_consumed_exactly_and_bounded_by_input() {
        // A vector of u16 with an odd byte length.
        let mut r = Reader::new(&[0x03, 0, 1, 2]);
        assert!(r.vec::<u16>().is_err());
        // A length larger than the input allocates nothing and fails.
        let mut r = Reader::new(&[0xbf, 0xff, 0xff, 0xff]);
        assert!(r.opaque().is_err());
        // Nested vectors re-encode identically.
        let mut w = Writer::new();
        w.vector(|w| w.vec(&[Opaque(vec![1; 70]), Opaque(vec![])]));
        let bytes = w.finish().unwrap();
        let mut r = Reader::new(&bytes);
        let v = r.vector(|r| r.vec::<Opaque>()).unwrap();
        assert_eq!(v, vec![Opaque(vec![1; 70]), Opaque(vec![])]);
    }

    #[test]
    fn optional_presence_byte_is_strict() {
        assert_eq!(Reader::new(&[0]).optional::<u8>().unwrap(), None);
        assert_eq!(Reader::new(&[1, 7]).optional::<u8>().unwrap(), Some(7));
        assert!(Reader::new(&[2, 7]).optional::<u8>().is_err());
    }
}
