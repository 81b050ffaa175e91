#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

/// The crate's error type.
mod error;
/// Bounds the crate enforces, with their reasons.
pub mod limits;
/// Secret containers: zeroizing, redacted, constant-time.
pub mod secret;

/// Argon2id (RFC 9106): keys from passphrases.
pub mod argon2id;
/// SHA-256/384/512 (FIPS 180-4).
pub mod hash;
/// HKDF (RFC 5869).
pub mod hkdf;
/// HMAC (RFC 2104).
pub mod hmac;

/// AES-GCM (SP 800-38D) and ChaCha20-Poly1305 (RFC 8439).
pub mod aead;
/// AES-256-CBC + HMAC-SHA256, the Double Ratchet's ENCRYPT (Signal Double Ratchet section 5.2).
pub mod cbc_hmac;

/// Edwards25519 group operations (RFC 8032 section 5.1) for signature schemes built in protocol crates.
pub mod curve25519;
/// Ed25519 (RFC 8032) with strict verification.
pub mod ed25519;
/// GF(2^255 - 19), under X25519 and the Montgomery-to-Edwards map.
mod field25519;
/// The ECDSA key types P-256 and P-384 share, written once as macros.
mod nist_ecdsa;
/// ECDSA over P-256 with SHA-256 (FIPS 186-5), DER signatures.
pub mod p256;
/// ECDSA over P-384 with SHA-384 (FIPS 186-5), DER signatures.
pub mod p384;
/// X25519 (RFC 7748) with the contributory check.
pub mod x25519;

/// HPKE base mode (RFC 9180).
pub mod hpke;
/// ML-KEM-512/768/1024 (FIPS 203) on two backends.
pub mod mlkem;
/// The X-Wing hybrid KEM (draft-connolly-cfrg-xwing-kem).
pub mod xwing;

/// Entry points for the fuzz targets (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
/// Derandomized operations for known-answer tests (feature `hazmat`).
#[cfg(feature = "hazmat")]
pub mod hazmat;

pub use aead::{AeadAlgorithm, AeadKey, Nonce};
pub use argon2id::Argon2idParams;
pub use ed25519::{Ed25519PublicKey, Ed25519SecretKey};
pub use error::{Error, Result};
pub use hash::HashAlgorithm;
pub use hpke::{
    HpkeAead, HpkeKdf, HpkeKem, HpkePrivateKey, HpkePublicKey, HpkeReceiverContext, HpkeSealer,
    HpkeSenderContext, HpkeSuite,
};
pub use mlkem::{
    MlKemBackend, MlKemCiphertext, MlKemDecapsulationKey, MlKemEncapsulationKey, MlKemParams,
    MlKemSharedSecret,
};
pub use p256::{P256PublicKey, P256SecretKey};
pub use p384::{P384PublicKey, P384SecretKey};
pub use secret::{SecretBytes, SecretVec};
pub use x25519::{X25519PublicKey, X25519SecretKey};
pub use xwing::{XWingCiphertext, XWingDecapsulationKey, XWingEncapsulationKey, XWingSharedSecret};

/// The random-number traits this crate's APIs take (`&mut impl CryptoRng`), re-exported so that
/// protocol crates need no direct dependency on `rand_core`, and [`SeededRng`](rand::SeededRng)
/// for work split into tasks.
pub mod rand {
    pub use crate::seeded_rng::SeededRng;
    pub use rand_core::{CryptoRng, Rng, TryCryptoRng, TryRng};
}
/// A ChaCha20 generator seeded from another, for tasks that each need their own randomness.
mod seeded_rng;
