//! The [`CipherLayer`] trait: one layer of a [`Cascade`](crate::Cascade).
//!
//! A layer seals bytes under associated data and opens them again. Opening is staged: a
//! layer returns the plaintext with, if it has state, a [`StagedOpen`] that applies the
//! layer's state change (a consumed ratchet key, say) only when committed. The cascade opens
//! every layer first, dropping each intermediate ciphertext as soon as the next layer has
//! read it, and commits the stages only after every layer opened, so a failure anywhere
//! leaves every layer's state as it was.
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

    /// Opens `ciphertext` under `ad` without changing the layer's state: the state change,
    /// if any, waits in the returned [`Opened::staged`].
    ///
    /// # Errors
    /// Whatever the layer's protocol refuses; the layer's state is unchanged.
    fn open<'a>(&'a mut self, ciphertext: &[u8], ad: &[u8]) -> Result<Opened<'a>, LayerError>;
}

/// What [`CipherLayer::open`] returns.
pub struct Opened<'a> {
    /// The plaintext (the next layer's ciphertext).
    pub plaintext: Vec<u8>,
    /// The layer's pending state change; `None` for a layer without state.
    pub staged: Option<Box<dyn StagedOpen + 'a>>,
}

impl fmt::Debug for Opened<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opened")
            .field("plaintext_len", &self.plaintext.len())
            .field("staged", &self.staged.is_some())
            .finish()
    }
}

/// A layer's pending state change, from [`CipherLayer::open`].
pub trait StagedOpen {
    /// Applies the state change. Dropping the stage instead discards it.
    ///
    /// # Errors
    /// Only for states believed unreachable (the layer is borrowed from staging to
    /// commit, so nothing else changed it).
    fn commit(self: Box<Self>) -> Result<(), LayerError>;
}
