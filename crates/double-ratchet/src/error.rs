//! The crate's one error type.
//!
//! Variants by blame:
//! - malformed input (public bytes say so): [`Error::Decode`] (`DR-WIRE`, messages),
//!   [`Error::StateDecode`] (`DR-STATE`, saved sessions);
//! - a peer's message breaking a rule: [`Error::TooFarAhead`] (`DR-SKIP`),
//!   [`Error::Duplicate`] (`DR-REPLAY`);
//! - a peer's key given at initialization: [`Error::InvalidPublicKey`] (`DR-DH`);
//! - the opaque [`Error::DecryptionFailed`] (`DR-MAC`) for every failure to authenticate or
//!   decrypt a well-formed message (wrong key, modified byte, wrong associated data, a header
//!   no header key opens, a small-order ratchet key). It never says which check failed;
//! - caller errors: [`Error::CannotSendYet`] (`DR-SEND`), [`Error::ChainExhausted`]
//!   (`DR-COUNTER`), [`Error::Misuse`];
//! - [`Error::Internal`] for states believed unreachable.
//!
//! Every failing operation leaves the session exactly as it was. Messages carry only public
//! context (counters, lengths), never key bytes, plaintext or associated data.

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Every way an operation of this crate can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `DR-WIRE`: the message is not a well-formed encoding (unknown version, wrong length,
    /// a format the session does not use). Checked before any cryptography.
    #[error("malformed message: {0}")]
    Decode(&'static str),
    /// `DR-STATE`: a saved session could not be decoded (unknown version or profile, unknown
    /// flag bits, inconsistent fields, lengths or counts out of bounds, trailing bytes).
    #[error("malformed session state: {0}")]
    StateDecode(&'static str),
    /// `DR-SKIP`: the message would make the receiver skip more than the configured
    /// `max_skip` message keys in one chain. Rejected before any key is derived.
    #[error("message skips {skip} message keys, more than the limit of {max}")]
    TooFarAhead {
        /// How many keys the message would skip in one chain.
        skip: u64,
        /// The limit in force.
        max: u32,
    },
    /// `DR-REPLAY`: the message's key was already used (a duplicate or replay) or was deleted
    /// (evicted from the skipped-key store, or older than the receiving chain).
    #[error("duplicate or expired message (counter {n})")]
    Duplicate {
        /// The message counter `N` of the header.
        n: u32,
    },
    /// `DR-DH`: a peer's ratchet public key has small order (the X25519 output is all zero),
    /// given at initialization. (In a received message the same failure is
    /// [`Error::DecryptionFailed`].)
    #[error("the peer's ratchet public key has small order")]
    InvalidPublicKey,
    /// `DR-MAC`: the message could not be authenticated or decrypted. Deliberately says
    /// nothing about why, so it cannot serve as an oracle.
    #[error("decryption failed")]
    DecryptionFailed,
    /// `DR-SEND`: this party cannot send yet: it is the responder (Bob) and has not received
    /// a message (the specification gives Bob no sending chain until then).
    #[error("cannot send before the first message from the initiator arrived")]
    CannotSendYet,
    /// `DR-COUNTER`: the sending chain's counter `Ns` reached 2^32 − 1.
    #[error("sending chain exhausted")]
    ChainExhausted,
    /// The caller asked for something this crate does not do (an unsupported profile and mode
    /// combination, an invalid limit).
    #[error("misuse: {0}")]
    Misuse(&'static str),
    /// A state this crate believes unreachable; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_public_context_only() {
        assert_eq!(Error::DecryptionFailed.to_string(), "decryption failed");
        assert_eq!(
            Error::TooFarAhead { skip: 5, max: 2 }.to_string(),
            "message skips 5 message keys, more than the limit of 2"
        );
    }
}
