//! The crate's errors. [`Error::Layer`] names the layer, its position and the operation that
//! failed; the stack-record errors name how an envelope's stack differs from the configured
//! one; the size errors come before any work.

use crate::LayerId;

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Sealing or opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// [`Cascade::seal`](crate::Cascade::seal).
    Seal,
    /// [`Cascade::open`](crate::Cascade::open).
    Open,
}

impl core::fmt::Display for Operation {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::Seal => "seal",
            Self::Open => "open",
        })
    }
}

/// Every way a cascade operation can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `SIZE-1`: the envelope is longer than the configured maximum (checked first, before
    /// any parsing).
    #[error("envelope of {len} bytes exceeds the maximum of {max}")]
    EnvelopeTooLarge {
        /// The envelope's length.
        len: usize,
        /// The maximum in force.
        max: usize,
    },
    /// `SIZE-2`: the plaintext with every layer's overhead would exceed the maximum envelope
    /// size (checked before any layer seals).
    #[error("plaintext of {len} bytes would exceed the maximum envelope of {max} bytes")]
    PlaintextTooLarge {
        /// The plaintext's length.
        len: usize,
        /// The maximum envelope length in force.
        max: usize,
    },
    /// `SIZE-3`: the caller's associated data is longer than [`crate::MAX_AD_LEN`].
    #[error("associated data of {len} bytes exceeds the maximum of {max}")]
    AssociatedDataTooLarge {
        /// Its length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// `ENV-1`: the envelope's framing is malformed (too short, zero or too many layers).
    #[error("malformed envelope: {0}")]
    Decode(&'static str),
    /// `ENV-2`: an envelope version this crate does not read.
    #[error("unsupported envelope version {0:#04x}")]
    UnsupportedVersion(u8),
    /// `STACK-1`: a layer of the configured stack is missing from the envelope.
    #[error("the {layer} layer was stripped from the envelope")]
    LayerStripped {
        /// The missing layer.
        layer: LayerId,
    },
    /// `STACK-2`: the envelope lists a layer more than once.
    #[error("the {layer} layer appears more than once in the envelope")]
    LayerDuplicated {
        /// The repeated layer.
        layer: LayerId,
    },
    /// `STACK-3`: the envelope lists a layer the configured stack does not have.
    #[error("the envelope has a {layer} layer this cascade does not use")]
    LayerAdded {
        /// The extra layer.
        layer: LayerId,
    },
    /// `STACK-4`: the envelope has the configured layers in another order.
    #[error(
        "the envelope's layers are reordered: position {position} holds {found}, expected {expected}"
    )]
    LayersReordered {
        /// The first position (0 = outermost) that differs.
        position: usize,
        /// The configured layer there.
        expected: LayerId,
        /// The envelope's layer there.
        found: LayerId,
    },
    /// `STACK-5`: a layer of the envelope has another version than the configured one.
    #[error("the {layer} layer has version {found}, expected {expected}")]
    LayerVersion {
        /// The layer.
        layer: LayerId,
        /// The configured layer's version.
        expected: u8,
        /// The envelope's.
        found: u8,
    },
    /// A layer failed; every layer's state is as it was before the operation (see
    /// [`crate::CipherLayer`] for what a failed seal leaves).
    #[error("the {layer} layer (position {position}) failed to {operation}: {source}")]
    Layer {
        /// The layer.
        layer: LayerId,
        /// Its position in the stack record (0 = outermost).
        position: usize,
        /// Seal or open.
        operation: Operation,
        /// The layer's error.
        #[source]
        source: LayerError,
    },
    /// `CONF-1`: a stack that cannot be built (empty, too many layers, a layer twice).
    #[error("invalid cascade configuration: {0}")]
    Config(&'static str),
}

/// A layer's own error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LayerError {
    /// From [`mlkem_layer`].
    #[error(transparent)]
    MlKem(#[from] mlkem_layer::Error),
    /// From [`double_ratchet`].
    #[error(transparent)]
    DoubleRatchet(#[from] double_ratchet::Error),
    /// From [`treekem_mls`].
    #[error(transparent)]
    Mls(#[from] treekem_mls::Error),
    /// From [`primitives`] (the AEAD layer).
    #[error(transparent)]
    Primitive(#[from] primitives::Error),
    /// `BIND-1`: the layer opened, but the cascade data it carries bound another stack,
    /// position or associated data (a layer that binds inside its ciphertext).
    #[error("the layer was sealed for another stack, position or associated data")]
    BindingMismatch,
    /// The layer cannot do this (a layer built to open only was asked to seal, an exhausted
    /// key...).
    #[error("misuse: {0}")]
    Misuse(&'static str),
    /// An application's own layer failed.
    #[error(transparent)]
    Custom(Box<dyn std::error::Error + Send + Sync>),
}
