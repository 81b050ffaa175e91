//! The crate's one error type.
//!
//! Variants are grouped by blame: malformed input (`InvalidLength`, `Decode`), a peer's key or
//! message breaking a rule of a specification (`NonContributory`, `InvalidEncapsulationKey`,
//! `InvalidDecapsulationKey`, `InvalidPublicKey`), an opaque cryptographic failure that never
//! says why (`DecryptionFailed`, `VerificationFailed`), a caller's mistake (`Misuse`,
//! `Unsupported`) and states believed unreachable (`Internal`). Messages carry only public
//! context: names and lengths, never key bytes or plaintext.

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Every way an operation of this crate can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input had the wrong length for its role.
    #[error("invalid length for {what}: expected {expected}, got {actual}")]
    InvalidLength {
        /// What the input is (a key, a nonce, a ciphertext...).
        what: &'static str,
        /// The length that was required.
        expected: usize,
        /// The length that was given.
        actual: usize,
    },
    /// An input could not be decoded (bad encoding, point not on the curve, bad padding of a
    /// non-secret value...).
    #[error("malformed {0}")]
    Decode(&'static str),
    /// `X25519-1`: a Diffie-Hellman output was all zero, so the peer's public key has small
    /// order and contributed nothing (RFC 7748 section 6.1). Always an error.
    #[error("X25519 output is all zero: the peer's public key is of small order")]
    NonContributory,
    /// `MLKEM-EK`: an ML-KEM encapsulation key failed the FIPS 203 section 7.2 checks (length,
    /// or a coefficient not reduced modulo q).
    #[error("ML-KEM encapsulation key fails the FIPS 203 section 7.2 check")]
    InvalidEncapsulationKey,
    /// `MLKEM-DK`: an expanded ML-KEM decapsulation key failed the FIPS 203 section 7.3 checks
    /// (length, or the embedded hash of the encapsulation key does not match).
    #[error("ML-KEM decapsulation key fails the FIPS 203 section 7.3 check")]
    InvalidDecapsulationKey,
    /// A public key is not a valid encoding of a point or key of its kind.
    #[error("invalid {0} public key")]
    InvalidPublicKey(&'static str),
    /// Decryption or MAC verification failed. Deliberately says nothing about which check
    /// failed, so it cannot serve as an oracle.
    #[error("decryption failed")]
    DecryptionFailed,
    /// A signature did not verify.
    #[error("signature verification failed")]
    VerificationFailed,
    /// `ED25519-1` in a batch ([`crate::ed25519::verify_batch`]): the entry at `index` is
    /// the first whose signature does not verify.
    #[error("signature {index} of the batch failed verification")]
    BatchVerificationFailed {
        /// The position of that entry in the batch.
        index: usize,
    },
    /// The algorithm, mode or parameter is not supported by this crate.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The caller asked for something the primitive cannot do (an output longer than the KDF
    /// can produce, a tag shorter than allowed...).
    #[error("misuse: {0}")]
    Misuse(&'static str),
    /// A state this crate believes unreachable; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// Checks that `actual` equals `expected`, naming `what` otherwise.
    pub(crate) fn check_len(what: &'static str, expected: usize, actual: usize) -> Result<()> {
        if expected == actual {
            Ok(())
        } else {
            Err(Self::InvalidLength {
                what,
                expected,
                actual,
            })
        }
    }
}
