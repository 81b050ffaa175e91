//! The crate's one error type.
//!
//! Variants by blame:
//! - malformed input: [`Error::Decode`] (the bytes are not a well-formed encoding of the
//!   structure: bad varint, truncated, trailing bytes, unknown enum value);
//! - a peer's structure breaking a rule of RFC 9420: [`Error::Invalid`], naming the rule;
//! - the opaque cryptographic failures [`Error::DecryptionFailed`] (AEAD or HPKE open, a MAC
//!   such as a membership or confirmation tag) and [`Error::VerificationFailed`] (a
//!   signature), which never say which check failed;
//! - caller errors: [`Error::Unsupported`] (a cipher suite this crate does not implement),
//!   [`Error::Misuse`];
//! - [`Error::Crypto`] for other failures of the primitives (a public key that is not a
//!   point, a zero Diffie-Hellman output), and [`Error::Internal`] for states believed
//!   unreachable.
//!
//! Messages carry only public context (names, indices, lengths), never secrets or plaintext.

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Every way an operation of this crate can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed encoding (RFC 9420 section 2.1 and the structure's
    /// definition): truncated, a non-minimal or invalid variable-length integer, a length
    /// past the end, trailing bytes, an unknown enumeration value.
    #[error("malformed {0}")]
    Decode(&'static str),
    /// A well-formed structure breaks a rule of RFC 9420 (the string names the rule).
    #[error("invalid: {0}")]
    Invalid(&'static str),
    /// Decryption or MAC verification failed. Deliberately says nothing about which check
    /// failed, so it cannot serve as an oracle.
    #[error("decryption failed")]
    DecryptionFailed,
    /// A signature did not verify.
    #[error("signature verification failed")]
    VerificationFailed,
    /// The cipher suite, or an algorithm it names, is not implemented by this crate.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The caller asked for something the operation cannot do.
    #[error("misuse: {0}")]
    Misuse(&'static str),
    /// A [`crate::storage::Store`] could not read or write (the operation and the I/O error
    /// kind).
    #[error("storage: {op} failed ({kind:?})")]
    Storage {
        /// The operation that failed.
        op: &'static str,
        /// The I/O error kind.
        kind: std::io::ErrorKind,
    },
    /// A primitive failed for a reason other than the above.
    #[error("cryptographic failure: {0}")]
    Crypto(primitives::Error),
    /// A state this crate believes unreachable; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<primitives::Error> for Error {
    fn from(e: primitives::Error) -> Self {
        match e {
            primitives::Error::DecryptionFailed => Self::DecryptionFailed,
            primitives::Error::VerificationFailed
            | primitives::Error::BatchVerificationFailed { .. } => Self::VerificationFailed,
            other => Self::Crypto(other),
        }
    }
}
