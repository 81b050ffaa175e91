//! Ed25519 signatures (RFC 8032) with strict verification.
//!
//! `ED25519-1`: verification is `verify_strict`: it rejects non-canonical encodings of `R` and
//! of the public key, scalars `s >= L`, and small-order public keys and `R` values, so one
//! message and key admit one valid signature (no malleability).

use rand_core::CryptoRng;

use crate::{Error, Result, SecretBytes};

/// Length of a public key.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a secret key (the RFC 8032 seed).
pub const SECRET_KEY_LEN: usize = 32;
/// Length of a signature.
pub const SIGNATURE_LEN: usize = 64;

/// An Ed25519 verifying key, validated as a point on decode.
#[derive(Clone, PartialEq, Eq)]
pub struct Ed25519PublicKey(ed25519_dalek::VerifyingKey);

impl core::fmt::Debug for Ed25519PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Ed25519PublicKey(")?;
        for b in self.0.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl Ed25519PublicKey {
    /// Decodes a public key.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for a wrong length, [`Error::InvalidPublicKey`] if the bytes
    /// are not a point encoding.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "Ed25519 public key",
            expected: PUBLIC_KEY_LEN,
            actual: bytes.len(),
        })?;
        ed25519_dalek::VerifyingKey::from_bytes(&arr)
            .map(Self)
            .map_err(|_| Error::InvalidPublicKey("Ed25519"))
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        self.0.as_bytes()
    }

    /// Strictly verifies `signature` over `message`.
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] (`ED25519-1`) for a wrong length or any failed check.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        let sig = ed25519_dalek::Signature::from_slice(signature)
            .map_err(|_| Error::VerificationFailed)?;
        self.0
            .verify_strict(message, &sig)
            .map_err(|_| Error::VerificationFailed)
    }
}

/// An Ed25519 signing key, with its public key cached.
#[derive(Clone)]
pub struct Ed25519SecretKey(ed25519_dalek::SigningKey);

impl core::fmt::Debug for Ed25519SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Ed25519SecretKey")
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

impl Ed25519SecretKey {
    /// A fresh random key.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_secret(&SecretBytes::random(rng))
    }

    /// The key with this 32-byte seed.
    pub fn from_secret(seed: &SecretBytes<SECRET_KEY_LEN>) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed.expose_secret()))
    }

    /// The 32-byte seed, for persistence.
    pub fn to_secret(&self) -> SecretBytes<SECRET_KEY_LEN> {
        SecretBytes::from_array(self.0.to_bytes())
    }

    /// The public key.
    pub fn public_key(&self) -> Ed25519PublicKey {
        Ed25519PublicKey(self.0.verifying_key())
    }

    /// Signs `message` (deterministic, RFC 8032 section 5.1.6).
    pub fn sign(&self, message: &[u8]) -> [u8; SIGNATURE_LEN] {
        use ed25519_dalek::Signer as _;
        self.0.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_verify_and_reject() {
        let sk = Ed25519SecretKey::from_secret(&SecretBytes::from_array([0x42; 32]));
        let pk = sk.public_key();
        let sig = sk.sign(b"msg");
        assert!(pk.verify(b"msg", &sig).is_ok());
        assert_eq!(pk.verify(b"msh", &sig), Err(Error::VerificationFailed));
        assert_eq!(
            pk.verify(b"msg", &sig[..63]),
            Err(Error::VerificationFailed)
        );
        assert!(!format!("{sk:?}").contains("4242"));
        assert!(Ed25519PublicKey::from_bytes(&[0u8; 31]).is_err());
    }
}
