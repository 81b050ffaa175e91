//! The ML-KEM layer: each message sealed to the recipient's ML-KEM or X-Wing key with a
//! fresh encapsulation ([`mlkem_layer`]); the layer's binding is the envelope's AEAD
//! associated data.

use mlkem_layer::{Config, DecapsulationKey, EncapsulationKey};
use primitives::rand::CryptoRng;

use crate::{CipherLayer, LayerId, Opened, error::LayerError};

/// Version 1: the layer's ciphertext is an [`mlkem_layer`] envelope (version 1).
pub const VERSION: u8 = 1;

/// Seals to the peer's encapsulation key, opens with our decapsulation key. Stateless.
pub struct MlKemLayer {
    peer: Option<EncapsulationKey>,
    own: Option<DecapsulationKey>,
    config: Config,
}

impl core::fmt::Debug for MlKemLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MlKemLayer")
            .field("seals", &self.peer.as_ref().map(EncapsulationKey::params))
            .field("opens", &self.own.as_ref().map(DecapsulationKey::params))
            .finish_non_exhaustive()
    }
}

impl MlKemLayer {
    /// A layer that seals to `peer` and opens with `own` (the two may be of different
    /// parameter sets), with [`mlkem_layer`]'s default limits.
    pub fn new(own: DecapsulationKey, peer: EncapsulationKey) -> Self {
        Self {
            peer: Some(peer),
            own: Some(own),
            config: Config::default(),
        }
    }

    /// A layer that only seals, to `peer`.
    pub fn seal_only(peer: EncapsulationKey) -> Self {
        Self {
            peer: Some(peer),
            own: None,
            config: Config::default(),
        }
    }

    /// A layer that only opens, with `own`.
    pub fn open_only(own: DecapsulationKey) -> Self {
        Self {
            peer: None,
            own: Some(own),
            config: Config::default(),
        }
    }

    /// Replaces [`mlkem_layer`]'s limits (the largest plaintext).
    #[must_use]
    pub const fn with_config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }
}

impl CipherLayer for MlKemLayer {
    fn id(&self) -> LayerId {
        LayerId::ML_KEM
    }

    fn version(&self) -> u8 {
        VERSION
    }

    fn max_overhead(&self) -> usize {
        self.peer
            .as_ref()
            .map_or(0, |ek| ek.params().envelope_overhead())
    }

    fn seal(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        mut rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, LayerError> {
        let peer = self
            .peer
            .as_ref()
            .ok_or(LayerError::Misuse("this ML-KEM layer has no recipient key"))?;
        Ok(mlkem_layer::seal_with(&self.config, peer, plaintext, ad, &mut rng)?.into_bytes())
    }

    fn open<'a>(&'a mut self, ciphertext: &[u8], ad: &[u8]) -> Result<Opened<'a>, LayerError> {
        let own = self.own.as_ref().ok_or(LayerError::Misuse(
            "this ML-KEM layer has no decapsulation key",
        ))?;
        Ok(Opened {
            plaintext: mlkem_layer::open_with(&self.config, own, ciphertext, ad)?,
            staged: None,
        })
    }
}
