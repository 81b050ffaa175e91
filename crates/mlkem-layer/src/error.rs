//! The crate's one error type.
//!
//! Variants by blame:
//! - malformed envelope header (the public bytes say so): [`Error::EnvelopeTooShort`]
//!   (`ENV-1`), [`Error::UnsupportedVersion`] (`ENV-2`), [`Error::UnsupportedParameterSet`]
//!   (`ENV-3`);
//! - limits: [`Error::PlaintextTooLarge`] (`LIMIT-1`), [`Error::EnvelopeTooLarge`] (`LIMIT-2`);
//! - keys: [`Error::InvalidSeedLength`] (`KEY-1`), [`Error::InvalidEncapsulationKey`]
//!   (`KEY-2`), [`Error::ParameterSetMismatch`] (`KEY-3`);
//! - the opaque [`Error::DecryptionFailed`] (`OPEN-1`) for **every** failure after the header
//!   checks: a failed decapsulation, a wrong key, a wrong AAD, any modified byte, trailing
//!   bytes. It never says which check failed, so `open` is no oracle;
//! - [`Error::Primitive`] for a failure of `primitives` outside `open` (believed unreachable
//!   on the seal path), and [`Error::Internal`].
//!
//! Messages carry public context only (parameter-set names, ids, lengths), never key bytes,
//! plaintext or AAD.

use crate::ParameterSet;

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Every way an operation of this crate can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `ENV-1`: the envelope is shorter than its header, or than the header, KEM ciphertext
    /// and AEAD tag its parameter set requires. Checked before any decapsulation.
    #[error("envelope too short: at least {min} bytes needed, got {actual}")]
    EnvelopeTooShort {
        /// The length needed to get past this check.
        min: usize,
        /// The envelope's length.
        actual: usize,
    },
    /// `ENV-2`: the envelope's version byte is not one this crate reads (only `0x01`).
    #[error("unsupported envelope version {0:#04x}")]
    UnsupportedVersion(u8),
    /// `ENV-3`: the envelope's parameter-set id names no parameter set.
    #[error("unsupported parameter-set id {0:#04x}")]
    UnsupportedParameterSet(u8),
    /// `LIMIT-1`: the plaintext given to seal is longer than the configured maximum. Checked
    /// before encapsulating.
    #[error("plaintext of {len} bytes exceeds the maximum of {max}")]
    PlaintextTooLarge {
        /// The plaintext's length.
        len: usize,
        /// The maximum in force.
        max: usize,
    },
    /// `LIMIT-2`: the envelope would decrypt to a plaintext longer than the configured
    /// maximum. Checked before decapsulating.
    #[error("envelope carries a plaintext of {len} bytes, over the maximum of {max}")]
    EnvelopeTooLarge {
        /// The plaintext length the envelope implies.
        len: usize,
        /// The maximum in force.
        max: usize,
    },
    /// `KEY-1`: a decapsulation-key seed of the wrong length for its parameter set (64 bytes
    /// for ML-KEM, 32 for X-Wing).
    #[error("{params} seed must be {expected} bytes, got {actual}")]
    InvalidSeedLength {
        /// The parameter set.
        params: ParameterSet,
        /// The seed length it requires.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// `KEY-2`: an encapsulation key failed its check: the FIPS 203 section 7.2 length and
    /// modulus check for ML-KEM (and the ML-KEM part of X-Wing), the length and the
    /// small-order check of the X25519 part for X-Wing.
    #[error("invalid {params} encapsulation key")]
    InvalidEncapsulationKey {
        /// The parameter set the key was decoded for.
        params: ParameterSet,
        /// The check that failed (the key is public: saying which is no oracle).
        #[source]
        source: primitives::Error,
    },
    /// `KEY-3`: the envelope is for another parameter set than the decapsulation key. The
    /// envelope's header and the key's parameter set are both public.
    #[error("envelope is for {envelope}, but the key is {key}")]
    ParameterSetMismatch {
        /// The key's parameter set.
        key: ParameterSet,
        /// The envelope's parameter set.
        envelope: ParameterSet,
    },
    /// `OPEN-1`: the envelope could not be opened. Deliberately says nothing about why
    /// (decapsulation, key derivation or authentication), so it cannot serve as an oracle.
    #[error("decryption failed")]
    DecryptionFailed,
    /// A `primitives` operation failed outside `open` (believed unreachable: the inputs are
    /// checked before they get there).
    #[error("primitive operation failed: {0}")]
    Primitive(#[source] primitives::Error),
    /// A state this crate believes unreachable; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<primitives::Error> for Error {
    /// `primitives`' own opaque failure stays opaque; anything else is [`Error::Primitive`].
    /// `open` does not use this conversion: it maps every failure to
    /// [`Error::DecryptionFailed`] itself.
    fn from(e: primitives::Error) -> Self {
        match e {
            primitives::Error::DecryptionFailed => Self::DecryptionFailed,
            other => Self::Primitive(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitive_errors_convert_without_losing_opacity() {
        assert_eq!(
            Error::from(primitives::Error::DecryptionFailed),
            Error::DecryptionFailed
        );
        assert_eq!(
            Error::from(primitives::Error::Misuse("x")),
            Error::Primitive(primitives::Error::Misuse("x"))
        );
        assert_eq!(Error::DecryptionFailed.to_string(), "decryption failed");
        assert_eq!(
            Error::UnsupportedVersion(2).to_string(),
            "unsupported envelope version 0x02"
        );
    }
}
