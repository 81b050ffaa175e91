//! The envelope wire format, version 1 (this crate's format; see the crate documentation).
//!
//! ```text
//! offset  length                      field
//! 0       1                           version          = 0x01
//! 1       1                           param_id         0x01 ML-KEM-512, 0x02 ML-KEM-768,
//!                                                      0x03 ML-KEM-1024, 0x10 X-Wing
//! 2       Nct = ciphertext_len(param) kem_ciphertext   (768 / 1088 / 1568 / 1120)
//! 2+Nct   len - 2 - Nct  (>= 16)      aead_ciphertext  AES-256-GCM ciphertext || 16-byte tag
//! ```
//!
//! There are no length fields: the parameter set fixes the KEM ciphertext's length and
//! everything after it is the AEAD ciphertext, so an envelope has exactly one parse. Checks, in
//! order, all before any decapsulation: at least the 2-byte header (`ENV-1`), the version
//! (`ENV-2`), the parameter-set id (`ENV-3`), then at least `2 + Nct + 16` bytes (`ENV-1`).
//! Trailing bytes cannot be told apart from ciphertext: they become part of the AEAD
//! ciphertext and fail authentication.
//!
//! [`EnvelopeRef::parse`] borrows its fields from the input: nothing is copied before the AEAD
//! has authenticated it.

#![warn(clippy::indexing_slicing)]

use core::fmt;

use crate::{Error, ParameterSet, Result};

/// The envelope version this crate writes and reads.
pub const VERSION: u8 = 0x01;
/// Length of the envelope header: version and parameter-set id.
pub const HEADER_LEN: usize = 2;
/// Length of the AES-256-GCM tag at the end of every envelope.
pub const TAG_LEN: usize = primitives::aead::TAG_LEN;

/// A parsed envelope whose fields borrow the bytes they were parsed from.
///
/// The fields are reached through accessors, so an `EnvelopeRef` always has the lengths its
/// parameter set requires and [`Self::to_bytes`] gives back exactly the parsed bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EnvelopeRef<'a> {
    params: ParameterSet,
    kem_ciphertext: &'a [u8],
    aead_ciphertext: &'a [u8],
}

impl fmt::Debug for EnvelopeRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvelopeRef")
            .field("params", &self.params)
            .field("kem_ciphertext_len", &self.kem_ciphertext.len())
            .field("aead_ciphertext_len", &self.aead_ciphertext.len())
            .finish()
    }
}

impl<'a> EnvelopeRef<'a> {
    /// Parses a version-1 envelope without copying it.
    ///
    /// # Errors
    /// [`Error::EnvelopeTooShort`] (`ENV-1`) if `bytes` is shorter than the header or than
    /// its parameter set's minimum ([`ParameterSet::envelope_overhead`]),
    /// [`Error::UnsupportedVersion`] (`ENV-2`) unless the first byte is [`VERSION`],
    /// [`Error::UnsupportedParameterSet`] (`ENV-3`) if the second byte is no known id.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let too_short = |min| Error::EnvelopeTooShort {
            min,
            actual: bytes.len(),
        };
        let Some((&version, rest)) = bytes.split_first() else {
            return Err(too_short(HEADER_LEN));
        };
        if version != VERSION {
            return Err(Error::UnsupportedVersion(version));
        }
        let Some((&id, body)) = rest.split_first() else {
            return Err(too_short(HEADER_LEN));
        };
        let params = ParameterSet::from_id(id).ok_or(Error::UnsupportedParameterSet(id))?;
        let min = params.envelope_overhead();
        if bytes.len() < min {
            return Err(too_short(min));
        }
        let (kem_ciphertext, aead_ciphertext) = body
            .split_at_checked(params.ciphertext_len())
            .ok_or_else(|| too_short(min))?;
        Ok(Self {
            params,
            kem_ciphertext,
            aead_ciphertext,
        })
    }

    /// The envelope's version (always [`VERSION`] for a parsed envelope).
    pub const fn version(&self) -> u8 {
        VERSION
    }

    /// The parameter set named by the header.
    pub const fn params(&self) -> ParameterSet {
        self.params
    }

    /// The KEM ciphertext, [`ParameterSet::ciphertext_len`] bytes.
    pub const fn kem_ciphertext(&self) -> &'a [u8] {
        self.kem_ciphertext
    }

    /// The AEAD ciphertext and its 16-byte tag.
    pub const fn aead_ciphertext(&self) -> &'a [u8] {
        self.aead_ciphertext
    }

    /// The length of the plaintext this envelope carries, if it authenticates.
    pub const fn plaintext_len(&self) -> usize {
        self.aead_ciphertext.len().saturating_sub(TAG_LEN)
    }

    /// The length of the encoding.
    pub const fn encoded_len(&self) -> usize {
        HEADER_LEN + self.kem_ciphertext.len() + self.aead_ciphertext.len()
    }

    /// Re-encodes the envelope: exactly the bytes it was parsed from.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.push(VERSION);
        out.push(self.params.id());
        out.extend_from_slice(self.kem_ciphertext);
        out.extend_from_slice(self.aead_ciphertext);
        out
    }
}

/// An encoded envelope, owned, known to parse.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    params: ParameterSet,
    bytes: Vec<u8>,
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("params", &self.params)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Envelope {
    /// Checks `bytes` as [`EnvelopeRef::parse`] does and copies them.
    ///
    /// # Errors
    /// As [`EnvelopeRef::parse`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let params = EnvelopeRef::parse(bytes)?.params;
        Ok(Self {
            params,
            bytes: bytes.to_vec(),
        })
    }

    /// Assembles an envelope from its encoding, which the caller has just written.
    pub(crate) const fn from_encoded(params: ParameterSet, bytes: Vec<u8>) -> Self {
        Self { params, bytes }
    }

    /// The parameter set named by the header.
    pub const fn params(&self) -> ParameterSet {
        self.params
    }

    /// The encoded envelope, to send or store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The encoded envelope, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The length of the encoding.
    pub const fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always `false`: an envelope has at least a header, a KEM ciphertext and a tag.
    pub const fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The borrowed view of this envelope's fields.
    pub fn as_envelope_ref(&self) -> EnvelopeRef<'_> {
        // The bytes parsed when this envelope was built, so the split points are in range;
        // the empty-slice fallbacks are never taken.
        let ct_end = HEADER_LEN + self.params.ciphertext_len();
        EnvelopeRef {
            params: self.params,
            kem_ciphertext: self.bytes.get(HEADER_LEN..ct_end).unwrap_or_default(),
            aead_ciphertext: self.bytes.get(ct_end..).unwrap_or_default(),
        }
    }
}

impl AsRef<[u8]> for Envelope {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl TryFrom<Vec<u8>> for Envelope {
    type Error = Error;

    /// Checks `bytes` as [`EnvelopeRef::parse`] does, without copying them.
    fn try_from(bytes: Vec<u8>) -> Result<Self> {
        let params = EnvelopeRef::parse(&bytes)?.params;
        Ok(Self { params, bytes })
    }
}

impl From<Envelope> for Vec<u8> {
    fn from(envelope: Envelope) -> Self {
        envelope.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(params: ParameterSet, pt_len: usize) -> Vec<u8> {
        let mut v = vec![VERSION, params.id()];
        v.extend(
            (0..params.ciphertext_len() + TAG_LEN + pt_len).map(|i| u8::try_from(i % 251).unwrap()),
        );
        v
    }

    #[test]
    fn parse_splits_at_the_parameter_sets_ciphertext_length_and_re_encodes() {
        for params in ParameterSet::ALL {
            let bytes = sample(params, 5);
            let env = EnvelopeRef::parse(&bytes).unwrap();
            assert_eq!(env.params(), params);
            assert_eq!(env.kem_ciphertext(), &bytes[2..2 + params.ciphertext_len()]);
            assert_eq!(env.aead_ciphertext(), &bytes[2 + params.ciphertext_len()..]);
            assert_eq!(env.plaintext_len(), 5);
            assert_eq!(env.to_bytes(), bytes);
            let owned = Envelope::try_from(bytes.clone()).unwrap();
            assert_eq!(owned.as_envelope_ref(), env);
            assert_eq!(Envelope::from_bytes(&bytes).unwrap(), owned);
        }
    }

    #[test]
    fn env_1_2_3_header_checks_in_order() {
        assert_eq!(
            EnvelopeRef::parse(&[]),
            Err(Error::EnvelopeTooShort { min: 2, actual: 0 })
        );
        assert_eq!(
            EnvelopeRef::parse(&[VERSION]),
            Err(Error::EnvelopeTooShort { min: 2, actual: 1 })
        );
        assert_eq!(
            EnvelopeRef::parse(&[0x02]),
            Err(Error::UnsupportedVersion(0x02))
        );
        assert_eq!(
            EnvelopeRef::parse(&[0x00, 0x02]),
            Err(Error::UnsupportedVersion(0x00))
        );
        assert_eq!(
            EnvelopeRef::parse(&[VERSION, 0x04]),
            Err(Error::UnsupportedParameterSet(0x04))
        );
        let mut short = sample(ParameterSet::MlKem768, 0);
        short.pop();
        assert_eq!(
            EnvelopeRef::parse(&short),
            Err(Error::EnvelopeTooShort {
                min: 2 + 1088 + 16,
                actual: 2 + 1088 + 15
            })
        );
    }
}
