//! Errors of the X3DH / PQXDH layer, by blame: malformed input ([`Error::Decode`]), one variant
//! per violated rule (the peer misbehaved), an opaque cryptographic failure, caller misuse and
//! states believed unreachable. Messages carry only public context, never key bytes.

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Every way an operation of this crate can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `CODEC-*`: an encoding was malformed (wrong version, length, count, trailing bytes...).
    #[error("malformed {0}")]
    Decode(&'static str),
    /// `KEY-TYPE`: a key's type byte is known but not supported (0x08, Kyber1024 round 3) or
    /// unknown.
    #[error("unsupported key type 0x{0:02x}")]
    UnsupportedKeyType(u8),
    /// `XEDDSA-VERIFY`: an XEdDSA signature did not verify.
    #[error("XEDDSA-VERIFY: signature verification failed")]
    InvalidSignature,
    /// `X3DH-SIG`: the signed prekey's signature by the bundle's identity key is invalid
    /// (X3DH section 3.3: verified before any Diffie-Hellman).
    #[error("X3DH-SIG: signed prekey signature is invalid")]
    SignedPrekeySignature,
    /// `PQXDH-SIG`: the ML-KEM prekey's signature by the bundle's identity key is invalid
    /// (PQXDH section 3.3).
    #[error("PQXDH-SIG: KEM prekey signature is invalid")]
    KemPrekeySignature,
    /// `X3DH-DH0`: a Diffie-Hellman output was all zero (a small-order public key).
    #[error("X3DH-DH0: a Diffie-Hellman output is all zero")]
    ZeroDiffieHellman,
    /// `X3DH-IK`: the peer's identity key is not the one expected (or equals our own).
    #[error("X3DH-IK: unexpected identity key")]
    WrongIdentity,
    /// `X3DH-SPK`: the initial message names a signed prekey the responder does not hold.
    #[error("X3DH-SPK: unknown signed prekey id {0}")]
    UnknownSignedPrekey(u32),
    /// `X3DH-OPK`: the initial message names a one-time prekey the responder does not hold,
    /// for instance because it was already consumed (a replay).
    #[error("X3DH-OPK: unknown or consumed one-time prekey id {0}")]
    UnknownOneTimePrekey(u32),
    /// `PQXDH-PQPK`: the initial message names a KEM prekey the responder does not hold (or a
    /// consumed one-time KEM prekey), or its parameter set differs.
    #[error("PQXDH-PQPK: unknown or consumed KEM prekey id {0}")]
    UnknownKemPrekey(u32),
    /// `HS-STATE`: a handshake message arrived that the state machine cannot accept in its
    /// current state (a duplicate, a replay, or out of protocol order).
    #[error("HS-STATE: unexpected {0} handshake message")]
    UnexpectedMessage(&'static str),
    /// A cryptographic operation failed (decapsulation...). Deliberately says nothing more.
    #[error("cryptographic operation failed")]
    Crypto,
    /// The caller asked for something this crate cannot do.
    #[error("misuse: {0}")]
    Misuse(&'static str),
    /// A state this crate believes unreachable; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<primitives::Error> for Error {
    fn from(e: primitives::Error) -> Self {
        match e {
            primitives::Error::NonContributory => Self::ZeroDiffieHellman,
            primitives::Error::InvalidEncapsulationKey
            | primitives::Error::InvalidLength { .. } => Self::Decode("ML-KEM key or ciphertext"),
            primitives::Error::Misuse(m) => Self::Misuse(m),
            _ => Self::Crypto,
        }
    }
}
