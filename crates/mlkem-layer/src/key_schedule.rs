//! The per-message key schedule (this crate's design, on HKDF-SHA256 of RFC 5869).
//!
//! ```text
//! info = "mlkem-layer v1" || version || param_id || SHA-256(recipient ek) || kem_ciphertext
//! okm  = HKDF-SHA256(salt = "", IKM = shared_secret, info, L = 44)
//! key  = okm[0..32]     AES-256-GCM key, used for exactly one message
//! iv   = okm[32..44]    its 12-byte nonce
//! AEAD associated data = version || param_id || caller's aad
//! ```
//!
//! `MessageKey` is single use: sealing or opening consumes it. The shared secret, the
//! pseudorandom key and the output keying material are zeroizing secrets, dropped (and so
//! wiped) before this module returns, on success and on error alike; the AES key schedule
//! inside the [`AeadKey`](primitives::AeadKey) is wiped by the cipher when the `MessageKey` is dropped.

use primitives::{
    AeadAlgorithm, AeadKey, HashAlgorithm, Nonce, SecretBytes, aead::NONCE_LEN, hkdf,
};

use crate::{Error, Result, envelope::HEADER_LEN, keys::SharedSecret};

/// The label that opens the HKDF info: names this construction and its version.
pub const LABEL: &[u8] = b"mlkem-layer v1";
/// AES-256-GCM key length.
const KEY_LEN: usize = 32;
/// Output keying material: the key, then the nonce.
const OKM_LEN: usize = KEY_LEN + NONCE_LEN;

/// One message's AES-256-GCM key and nonce, consumed by its one use.
pub(crate) struct MessageKey {
    key: AeadKey,
    nonce: Nonce,
}

impl core::fmt::Debug for MessageKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MessageKey").finish_non_exhaustive()
    }
}

impl MessageKey {
    /// Runs the key schedule above for one encapsulation.
    ///
    /// # Errors
    /// [`Error::Primitive`] if HKDF or the AEAD refused their (fixed-size) inputs: unreachable.
    pub(crate) fn derive(
        shared_secret: &SharedSecret,
        header: &[u8; HEADER_LEN],
        ek_hash: &[u8; 32],
        kem_ciphertext: &[u8],
    ) -> Result<Self> {
        let prk = hkdf::extract(HashAlgorithm::Sha256, &[], shared_secret.expose_secret());
        let mut okm = SecretBytes::<OKM_LEN>::from_array([0; OKM_LEN]);
        hkdf::expand_into(
            HashAlgorithm::Sha256,
            prk.expose_secret(),
            &[LABEL, header, ek_hash, kem_ciphertext],
            okm.expose_secret_mut(),
        )?;
        let (key, nonce) = okm
            .expose_secret()
            .split_first_chunk::<KEY_LEN>()
            .ok_or(Error::Internal("OKM is longer than the key"))?;
        Ok(Self {
            key: AeadKey::new(AeadAlgorithm::Aes256Gcm, key)?,
            nonce: Nonce::try_from_slice(nonce)?,
        })
    }

    /// Encrypts `plaintext` into `out` (appending ciphertext and tag), with associated data
    /// `header || aad`.
    ///
    /// # Errors
    /// [`Error::Primitive`] if the AEAD refuses the plaintext's length (the caller checks it
    /// against a lower bound first).
    pub(crate) fn seal_into(
        self,
        header: &[u8; HEADER_LEN],
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.key
            .seal_append(&self.nonce, &associated_data(header, aad), plaintext, out)?;
        Ok(())
    }

    /// Authenticates and decrypts `aead_ciphertext` (read in place) into a new buffer.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure.
    pub(crate) fn open(
        self,
        header: &[u8; HEADER_LEN],
        aad: &[u8],
        aead_ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        self.key
            .open(&self.nonce, &associated_data(header, aad), aead_ciphertext)
            .map_err(|_| Error::DecryptionFailed)
    }
}

/// `version || param_id || aad`: the header is authenticated as well as bound into the key.
fn associated_data(header: &[u8; HEADER_LEN], aad: &[u8]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(HEADER_LEN.saturating_add(aad.len()));
    ad.extend_from_slice(header);
    ad.extend_from_slice(aad);
    ad
}
