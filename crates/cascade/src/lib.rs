//! A cascade of independent cipher layers: ML-KEM, the Double Ratchet, MLS and AES-256-GCM,
//! applied innermost first and peeled in reverse, whose envelope records the stack and whose
//! every layer binds that record and its own position.
//!
//! The product this replaces stacked the same four layers in JavaScript, but no layer
//! authenticated the others' parameters: a layer could be stripped or swapped unnoticed.
//! Here every layer binds `binding(i) = label || stack_record || i || ad` as associated
//! data (natively for ML-KEM, AEAD and the Double Ratchet; inside the encrypted content for
//! MLS, see [`layers::mls`]). Stripping, duplicating, reordering or swapping a layer is named
//! by the stack check before any decryption ([`Error::LayerStripped`],
//! [`Error::LayerDuplicated`], [`Error::LayersReordered`], [`Error::LayerAdded`],
//! [`Error::LayerVersion`]), and if the record was rewritten to match, the first layer
//! whose binding changed fails to open ([`Error::Layer`], naming it).
//!
//! # Configuring a stack
//!
//! Layers are given innermost first. [`Cascade::default_stack`] is the product's order
//! (ML-KEM, Double Ratchet, MLS, AEAD); any other order or subset is [`Cascade::new`] with
//! the layers wanted, and an application's own layers implement [`CipherLayer`] with an id
//! from [`LayerId::FIRST_CUSTOM`].
//!
//! ```
//! use cascade::{AeadLayer, Cascade, LayerId, MlKemLayer};
//! use mlkem_layer::{DecapsulationKey, ParameterSet};
//! use primitives::{Argon2idParams, SecretBytes};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut rng = test_support::seeded_rng(7);
//! // Bob's ML-KEM key; Alice seals to its public half.
//! let bob_kem = DecapsulationKey::generate(ParameterSet::MlKem768, &mut rng);
//! let bob_public = bob_kem.encapsulation_key().clone();
//! // A passphrase both know, and a salt Alice drew and sent along (it is not secret).
//! let salt = AeadLayer::generate_salt(&mut rng);
//! let cost = Argon2idParams::MINIMUM; // the default is RFC 9106's 64 MiB, t = 3
//!
//! // Two layers, innermost first: ML-KEM, then AES-256-GCM.
//! let mut alice = Cascade::new(vec![
//!     Box::new(MlKemLayer::seal_only(bob_public)),
//!     Box::new(AeadLayer::from_passphrase(b"correct horse", &salt, &cost)?),
//! ])?;
//! let mut bob = Cascade::new(vec![
//!     Box::new(MlKemLayer::open_only(bob_kem)),
//!     Box::new(AeadLayer::from_passphrase(b"correct horse", &salt, &cost)?),
//! ])?;
//!
//! let (envelope, sent) = alice.seal(b"hello Bob", b"conversation 42", &mut rng)?;
//! let (plaintext, received) = bob.open(&envelope, b"conversation 42")?;
//! assert_eq!(plaintext, b"hello Bob");
//! // Per-layer sizes and times, outermost first, for the caller only.
//! assert_eq!(sent.layers[0].id, LayerId::AEAD);
//! assert_eq!(received.layers[1].id, LayerId::ML_KEM);
//!
//! // The envelope without its AEAD layer is named, not just refused.
//! let mut stripped = vec![1, 1, LayerId::ML_KEM.0, 1];
//! stripped.extend_from_slice(&envelope[6 + 12..envelope.len() - 16]);
//! assert!(matches!(
//!     bob.open(&stripped, b"conversation 42"),
//!     Err(cascade::Error::LayerStripped { layer: LayerId::AEAD })
//! ));
//! # Ok(())
//! # }
//! ```
//!
//! The full stack ([`Cascade::default_stack`]) takes a [`DoubleRatchetLayer`] (a session,
//! for example from [`DoubleRatchetLayer::from_agreement`] after a PQXDH handshake) and an
//! [`MlsLayer`] (a group); `cargo xtask demo` runs it between three peers over TCP
//! (`crates/cascade/examples/demo.rs`).
//!
//! # Envelope format (version 1)
//!
//! | offset | length | field | value |
//! |---|---|---|---|
//! | 0 | 1 | `version` | `0x01` |
//! | 1 | 1 | `count` | number of layers, 1 to [`envelope::MAX_LAYERS`] (8) |
//! | 2 | 2 × `count` | stack record | per layer, outermost first: `id` (`0x01` ML-KEM, `0x02` Double Ratchet, `0x03` MLS, `0x04` AEAD, `0x80`+ custom), `version` (1 for the built-ins) |
//! | 2 + 2 × `count` | rest | body | the outermost layer's ciphertext |
//!
//! Layer `i` (0 = outermost) seals its input under `binding(i) = "cascade v1 layer" ||
//! bytes 0..2 + 2 × count || u8(i) || ad`, where `ad` is the caller's associated data (not
//! sent, at most [`MAX_AD_LEN`]). The layers' ciphertexts: [`layers::mlkem`] (an
//! `mlkem-layer` envelope), [`layers::double_ratchet`] (a Double Ratchet message with
//! per-message AD), [`layers::mls`] (an `MLSMessage` PrivateMessage), [`layers::aead`]
//! (`nonce || AES-256-GCM`). Nothing else is sent: the per-layer [`Report`] stays with the
//! caller.
//!
//! # Failures change nothing
//!
//! [`Cascade::open`] checks the size (`SIZE-1`) and the stack record first, then opens
//! every layer without changing its state (a [`StagedOpen`]), and commits the stages only
//! when all layers opened (it holds at most two layers' buffers at a time): a tampered envelope, a wrong key or a replay leaves every
//! session, group epoch and ratchet exactly as it was. Sealing checks every size limit
//! before any layer seals (`SIZE-2`); see [`CipherLayer`] for why a seal is not rolled back.

#![forbid(unsafe_code)]

/// The cascade and its report.
mod cascade;
/// The crate's errors.
mod error;
/// The cipher layer trait.
mod layer;

/// The envelope format.
pub mod envelope;
/// The built-in layers.
pub mod layers;

/// Entry points for the fuzz targets (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use cascade::{
    Cascade, CascadeConfig, DEFAULT_MAX_ENVELOPE_LEN, LayerReport, MAX_AD_LEN, Report,
};
pub use error::{Error, LayerError, Operation, Result};
pub use layer::{CipherLayer, LayerId, Opened, StagedOpen};
pub use layers::{
    aead::AeadLayer, double_ratchet::DoubleRatchetLayer, mlkem::MlKemLayer, mls::MlsLayer,
};
