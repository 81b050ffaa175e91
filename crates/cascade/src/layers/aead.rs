//! The AEAD layer: AES-256-GCM under a 32-byte key, given or derived from a passphrase with
//! Argon2id ([`primitives::argon2id`]) and a stored salt.
//!
//! ```text
//! ciphertext = nonce (12 random bytes) || AES-256-GCM(key, nonce, aad = binding, plaintext)
//! ```
//!
//! Nonces are random, so one key seals at most [`MAX_SEALS`] = 2^32 messages (NIST SP
//! 800-38D section 8.3: the chance of a repeated 96-bit random nonce stays below 2^-32).
//! The layer counts its seals and refuses the next one past the bound; the count lives in
//! the layer, so an application that rebuilds the layer from the same key across restarts
//! must keep its own count or rotate the key (a new salt gives a new key).
//!
//! **Passphrase cost.** [`AeadLayer::from_passphrase`] runs Argon2id once, when the layer
//! is built, with [`Argon2idParams`] (default RFC 9106's second recommended option: 64
//! MiB, 3 passes, 4 lanes; at least OWASP's 19 MiB, 2 passes). The salt (16 bytes from
//! [`AeadLayer::generate_salt`]) is not secret: every party stores the same one with the
//! passphrase's other settings.

use primitives::{
    AeadAlgorithm, AeadKey, Argon2idParams, Nonce, SecretBytes,
    aead::{NONCE_LEN, TAG_LEN},
    argon2id,
    rand::CryptoRng,
};

use crate::{CipherLayer, LayerId, Opened, error::LayerError};

/// Version 1: `nonce || AES-256-GCM ciphertext || tag`.
pub const VERSION: u8 = 1;
/// The most messages one layer seals (random 96-bit nonces, see the module docs).
pub const MAX_SEALS: u64 = 1 << 32;
/// The salt length [`AeadLayer::generate_salt`] draws.
pub const SALT_LEN: usize = 16;

/// AES-256-GCM as a cascade layer.
pub struct AeadLayer {
    key: AeadKey,
    /// The Argon2id salt and costs the key came from, if from a passphrase.
    derivation: Option<(Vec<u8>, Argon2idParams)>,
    seals: u64,
}

impl core::fmt::Debug for AeadLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AeadLayer")
            .field("from_passphrase", &self.derivation.is_some())
            .field("seals", &self.seals)
            .finish_non_exhaustive()
    }
}

impl AeadLayer {
    /// The layer of a 32-byte key.
    ///
    /// # Errors
    /// [`LayerError::Primitive`] only for states believed unreachable.
    pub fn from_key(key: &SecretBytes<32>) -> Result<Self, LayerError> {
        Ok(Self {
            key: AeadKey::new(AeadAlgorithm::Aes256Gcm, key.expose_secret())?,
            derivation: None,
            seals: 0,
        })
    }

    /// The layer of the key Argon2id derives from `passphrase` and `salt` with `params`
    /// (run once, here).
    ///
    /// # Errors
    /// [`LayerError::Primitive`] for a salt shorter than 16 bytes or costs below
    /// [`Argon2idParams::MINIMUM`] (or above the ceilings).
    pub fn from_passphrase(
        passphrase: &[u8],
        salt: &[u8],
        params: &Argon2idParams,
    ) -> Result<Self, LayerError> {
        let key = argon2id::derive_key(passphrase, salt, params)?;
        let mut layer = Self::from_key(&key)?;
        layer.derivation = Some((salt.to_vec(), *params));
        Ok(layer)
    }

    /// A fresh salt for [`Self::from_passphrase`], to store and share with the passphrase.
    pub fn generate_salt(rng: &mut impl CryptoRng) -> [u8; SALT_LEN] {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        salt
    }

    /// The salt and costs of a passphrase layer.
    pub fn derivation(&self) -> Option<(&[u8], &Argon2idParams)> {
        self.derivation.as_ref().map(|(s, p)| (s.as_slice(), p))
    }
}

impl CipherLayer for AeadLayer {
    fn id(&self) -> LayerId {
        LayerId::AEAD
    }

    fn version(&self) -> u8 {
        VERSION
    }

    fn max_overhead(&self) -> usize {
        NONCE_LEN + TAG_LEN
    }

    fn seal(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, LayerError> {
        if self.seals >= MAX_SEALS {
            return Err(LayerError::Misuse(
                "this AEAD key sealed 2^32 messages: rotate it",
            ));
        }
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN);
        out.extend_from_slice(&nonce);
        self.key
            .seal_append(&Nonce::from_array(nonce), ad, plaintext, &mut out)?;
        self.seals += 1;
        Ok(out)
    }

    fn open<'a>(&'a mut self, ciphertext: &[u8], ad: &[u8]) -> Result<Opened<'a>, LayerError> {
        let (nonce, body) = ciphertext
            .split_at_checked(NONCE_LEN)
            .ok_or(primitives::Error::DecryptionFailed)?;
        Ok(Opened {
            plaintext: self.key.open(&Nonce::try_from_slice(nonce)?, ad, body)?,
            staged: None,
        })
    }
}
