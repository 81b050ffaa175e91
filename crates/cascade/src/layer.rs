//! The [`CipherLayer`] trait: one layer of a [`Cascade`](crate::Cascade).
//!
//! A layer seals bytes under associated data and opens them again. Opening is staged: a
//! layer returns the plaintext with a [`StagedOpen`] that applies the layer's state change
//! (a consumed ratchet key, say) only when committed. The cascade commits every layer's
//! stage only after every layer opened, so a failure anywhere leaves every layer's state as
//! it was.
//!
//! Sealing is not staged, deliberately: a stateful layer that sealed has used a key, and
//! rolling its state back would use that key again for another message. A seal that fails
//! after an inner layer sealed leaves that layer one key further, which its peer skips as a
//! lost message; the cascade checks every size limit before any layer seals, so that is
//! left to states believed unreachable.

use core::any::Any;
use core::fmt;

use primitives::rand::CryptoRng;

use crate::error::LayerError;

/// A layer kind's identifier in the envelope's stack record. The four built-in layers have
/// fixed ids; ids from [`LayerId::FIRST_CUSTOM`] up are free for an application's own
/// layers.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LayerId(pub u8);

impl LayerId {
    /// [`MlKemLayer`](crate::MlKemLayer).
    pub const ML_KEM: Self = Self(0x01);
    /// [`DoubleRatchetLayer`](crate::DoubleRatchetLayer).
    pub const DOUBLE_RATCHET: Self = Self(0x02);
    /// [`MlsLayer`](crate::MlsLayer).
    pub const MLS: Self = Self(0x03);
    /// [`AeadLayer`](crate::AeadLayer).
    pub const AEAD: Self = Self(0x04);
    /// The first id an application may give its own layers.
    pub const FIRST_CUSTOM: Self = Self(0x80);

    /// The layer's name, for messages and reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ML_KEM => "ML-KEM",
            Self::DOUBLE_RATCHET => "Double Ratchet",
            Self::MLS => "MLS",
            Self::AEAD => "AEAD",
            _ => "custom",
        }
    }
}

impl fmt::Display for LayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            "custom" => write!(f, "custom layer {:#04x}", self.0),
            name => f.write_str(name),
        }
    }
}

impl fmt::Debug for LayerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LayerId({self})")
    }
}

/// One cipher layer.
///
/// `ad` is what the layer must bind: the cascade passes the envelope's stack record, the
/// layer's position in it and the caller's associated data (see the crate docs), so a layer
/// moved, removed or added fails to open. A layer that cannot bind associated data natively
/// must bind it inside its own authenticated ciphertext (as [`MlsLayer`](crate::MlsLayer)
/// does).
pub trait CipherLayer: Any + Send {
    /// The layer's kind.
    fn id(&self) -> LayerId;

    /// The version of the layer's ciphertext format; a change of format is a new version.
    fn version(&self) -> u8;

    /// An upper bound on how many bytes sealing adds to a plaintext, so the cascade can
    /// check an envelope's size before any layer seals.
    fn max_overhead(&self) -> usize;

    /// Seals `plaintext`, binding `ad` (which is not sent).
    ///
    /// # Errors
    /// Whatever the layer's protocol refuses.
    fn seal(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, LayerError>;

    /// Opens `ciphertext` under `ad` without changing the layer's state: the state change
    /// waits in the returned [`StagedOpen`].
    ///
    /// # Errors
    /// Whatever the layer's protocol refuses; the layer's state is unchanged.
    fn open<'a>(
        &'a mut self,
        ciphertext: &[u8],
        ad: &[u8],
    ) -> Result<Box<dyn StagedOpen + 'a>, LayerError>;
}

/// A layer's opened plaintext and its pending state change.
pub trait StagedOpen {
    /// The plaintext (the next layer's ciphertext).
    fn plaintext(&self) -> &[u8];

    /// Applies the state change and returns the plaintext. Dropping the stage instead
    /// discards the change.
    ///
    /// # Errors
    /// Only for states believed unreachable (the layer is borrowed from staging to
    /// commit, so nothing else changed it).
    fn commit(self: Box<Self>) -> Result<Vec<u8>, LayerError>;
}

/// The stage of a layer without state: committing changes nothing.
#[derive(Debug)]
pub(crate) struct Stateless(pub(crate) Vec<u8>);

impl StagedOpen for Stateless {
    fn plaintext(&self) -> &[u8] {
        &self.0
    }

    fn commit(self: Box<Self>) -> Result<Vec<u8>, LayerError> {
        Ok(self.0)
    }
}
