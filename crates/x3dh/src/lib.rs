#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// Strict decoding helpers for the wire formats.
mod codec;
/// The crate's error type.
mod error;
/// Bounds the crate enforces, with their reasons (X3DH section 4).
pub mod limits;

/// The key agreement (X3DH sections 3.3-3.4, PQXDH sections 3.3-3.4).
pub mod agreement;
/// Prekey bundles and their verification (X3DH section 3.2, PQXDH section 3.2).
pub mod bundle;
/// Safety numbers: displayable and scannable fingerprints (libsignal fingerprint v1/v2).
pub mod fingerprint;
/// The peer-to-peer handshake with simultaneous-initiation tie-break (X3DH section 3 without a server).
pub mod handshake;
/// Keys and encodings (X3DH sections 2.1-2.2 and 3.1, PQXDH section 2.3).
pub mod keys;
/// The initial message (X3DH section 3.3, PQXDH section 3.3).
pub mod message;
/// The responder's prekey store (X3DH sections 3.4 and 4.6).
pub mod store;
/// XEdDSA (XEdDSA rev. 1, sections 2-3): signatures with X25519 identity keys.
pub mod xeddsa;

/// Entry points for the fuzz targets (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use agreement::{PrekeyIds, Profile, Role, Session, SharedSecret, initiate, respond};
pub use bundle::{PrekeyBundle, VerifiedBundle};
pub use error::{Error, Result};
pub use handshake::{Handshake, HandshakeConfig, HandshakeMessage};
pub use keys::{
    IdentityKey, IdentityKeyPair, KemPrekey, KemPrekeyKind, OneTimePrekey, SignedPrekey,
};
pub use message::InitialMessage;
pub use store::{InMemoryPrekeyStore, PrekeyStore};
