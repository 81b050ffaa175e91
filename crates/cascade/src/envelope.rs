//! The envelope: a versioned stack record, then the outermost layer's ciphertext.
//!
//! ```text
//! envelope     = stack_record || body
//! stack_record = version (u8, 0x01) || count (u8, 1..=MAX_LAYERS)
//!                || count x (layer id (u8) || layer version (u8))      outermost first
//! body         = the outermost layer's ciphertext (the rest of the envelope, may be empty)
//!
//! binding(i)   = "cascade v1 layer" || stack_record || u8(i) || ad     what layer i binds
//! ```
//!
//! The stack record is self-delimiting, the label and the position have fixed lengths and
//! the caller's `ad` is the rest, so two different (record, position, ad) triples never give
//! the same binding (`BIND-2`). Every layer binds its own binding, so a layer stripped,
//! duplicated, reordered or swapped makes some layer fail to open even if the attacker
//! rewrote the record to match; the record is compared with the configured stack first, so
//! such an envelope is named before any decryption ([`crate::Error`] `STACK-*`).

use crate::{Error, LayerId, Result};

/// The envelope format this crate writes and reads.
pub const VERSION: u8 = 0x01;
/// The most layers a stack may have.
pub const MAX_LAYERS: usize = 8;
/// The label that starts every layer's binding.
pub const BINDING_LABEL: &[u8] = b"cascade v1 layer";

/// One entry of the stack record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StackEntry {
    /// The layer's kind.
    pub id: LayerId,
    /// Its ciphertext format version.
    pub version: u8,
}

/// An envelope parsed in place: the stack record and the body, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeRef<'a> {
    record: &'a [u8],
    body: &'a [u8],
}

impl<'a> EnvelopeRef<'a> {
    /// Parses an envelope's framing (`ENV-1`, `ENV-2`); the body is not looked at.
    ///
    /// # Errors
    /// [`Error::UnsupportedVersion`], [`Error::Decode`].
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (&version, rest) = bytes.split_first().ok_or(Error::Decode("empty envelope"))?;
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let (&count, _) = rest.split_first().ok_or(Error::Decode("no layer count"))?;
        let count = usize::from(count);
        if count == 0 || count > MAX_LAYERS {
            return Err(Error::Decode("layer count outside 1..=MAX_LAYERS"));
        }
        let record_len = 2 + 2 * count;
        if bytes.len() < record_len {
            return Err(Error::Decode("stack record truncated"));
        }
        let (record, body) = bytes.split_at(record_len);
        Ok(Self { record, body })
    }

    /// The encoded stack record.
    pub const fn record(&self) -> &'a [u8] {
        self.record
    }

    /// The outermost layer's ciphertext.
    pub const fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The stack record's entries, outermost first.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = StackEntry> + 'a {
        let (pairs, _) = self.record.get(2..).unwrap_or_default().as_chunks::<2>();
        pairs.iter().map(|&[id, version]| StackEntry {
            id: LayerId(id),
            version,
        })
    }
}

/// Encodes a stack record of `entries` (outermost first).
pub(crate) fn encode_record(entries: &[StackEntry]) -> Result<Vec<u8>> {
    if entries.is_empty() || entries.len() > MAX_LAYERS {
        return Err(Error::Config("a stack has 1 to MAX_LAYERS layers"));
    }
    let mut out = Vec::with_capacity(2 + 2 * entries.len());
    out.push(VERSION);
    out.push(u8::try_from(entries.len()).map_err(|_| Error::Config("layer count"))?);
    for e in entries {
        out.push(e.id.0);
        out.push(e.version);
    }
    Ok(out)
}

/// The binding of the layer at `position` (0 = outermost) of the stack `record` under the
/// caller's `ad` (module docs): what that layer seals and opens under.
///
/// # Errors
/// [`Error::Config`] for a position above 255.
pub fn binding(record: &[u8], position: usize, ad: &[u8]) -> Result<Vec<u8>> {
    let mut bindings = Bindings::new(record, ad);
    bindings.at(position)?;
    Ok(bindings.bytes)
}

/// Every layer's binding of one operation in one buffer: the bindings differ only in the
/// position byte, which [`Self::at`] rewrites.
pub(crate) struct Bindings {
    bytes: Vec<u8>,
    position_offset: usize,
}

impl Bindings {
    pub(crate) fn new(record: &[u8], ad: &[u8]) -> Self {
        let position_offset = BINDING_LABEL.len() + record.len();
        let mut bytes = Vec::with_capacity(position_offset + 1 + ad.len());
        bytes.extend_from_slice(BINDING_LABEL);
        bytes.extend_from_slice(record);
        bytes.push(0);
        bytes.extend_from_slice(ad);
        Self {
            bytes,
            position_offset,
        }
    }

    /// The binding of the layer at `position`.
    pub(crate) fn at(&mut self, position: usize) -> Result<&[u8]> {
        let position = u8::try_from(position).map_err(|_| Error::Config("layer position"))?;
        let slot = self
            .bytes
            .get_mut(self.position_offset)
            .ok_or(Error::Config("binding layout"))?;
        *slot = position;
        Ok(&self.bytes)
    }
}

/// `STACK-1..5`: names how the envelope's stack differs from the configured one.
pub(crate) fn compare_stacks(expected: &[StackEntry], found: &EnvelopeRef<'_>) -> Result<()> {
    // At most MAX_LAYERS entries on each side: the quadratic scans cost less than a
    // collection would.
    for (i, e) in found.entries().enumerate() {
        if found.entries().take(i).any(|f| f.id == e.id) {
            return Err(Error::LayerDuplicated { layer: e.id });
        }
        if !expected.iter().any(|x| x.id == e.id) {
            return Err(Error::LayerAdded { layer: e.id });
        }
    }
    if let Some(missing) = expected
        .iter()
        .find(|x| !found.entries().any(|f| f.id == x.id))
    {
        return Err(Error::LayerStripped { layer: missing.id });
    }
    // Same set of ids, each once: the order or a version differs, or nothing does.
    for (position, (x, f)) in expected.iter().zip(found.entries()).enumerate() {
        if x.id != f.id {
            return Err(Error::LayersReordered {
                position,
                expected: x.id,
                found: f.id,
            });
        }
        if x.version != f.version {
            return Err(Error::LayerVersion {
                layer: x.id,
                expected: x.version,
                found: f.version,
            });
        }
    }
    Ok(())
}
