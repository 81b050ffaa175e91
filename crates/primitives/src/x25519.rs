//! X25519 Diffie-Hellman (RFC 7748) with the contributory check always on.
//!
//! `X25519-1`: an all-zero shared secret means the peer's public key had small order and the
//! exchange contributed no secret (RFC 7748 section 6.1); [`X25519SecretKey::diffie_hellman`]
//! returns [`Error::NonContributory`] for it, in every caller, with no way to turn it off.

use rand_core::CryptoRng;

use crate::{Error, Result, SecretBytes};

/// Length of X25519 keys and shared secrets.
pub const KEY_LEN: usize = 32;

/// An X25519 public key (a Montgomery u-coordinate). Every 32-byte string is accepted as an
/// encoding; small-order points are caught when they are used.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct X25519PublicKey(x25519_dalek::PublicKey);

impl X25519PublicKey {
    /// A public key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(x25519_dalek::PublicKey::from(bytes))
    }

    /// A public key from a slice of exactly 32 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] otherwise.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "X25519 public key",
            expected: KEY_LEN,
            actual: bytes.len(),
        })?;
        Ok(Self::from_bytes(arr))
    }

    /// The 32-byte encoding.
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        self.0.as_bytes()
    }
}

impl core::fmt::Debug for X25519PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "X25519PublicKey(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// An X25519 secret key, with its public key computed once and cached.
#[derive(Clone)]
pub struct X25519SecretKey {
    secret: x25519_dalek::StaticSecret,
    public: X25519PublicKey,
}

impl core::fmt::Debug for X25519SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("X25519SecretKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl X25519SecretKey {
    /// A fresh random key.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_secret(&SecretBytes::random(rng))
    }

    /// The key with these 32 secret bytes (clamped as RFC 7748 specifies when used).
    pub fn from_secret(bytes: &SecretBytes<KEY_LEN>) -> Self {
        let secret = x25519_dalek::StaticSecret::from(*bytes.expose_secret());
        let public = X25519PublicKey(x25519_dalek::PublicKey::from(&secret));
        Self { secret, public }
    }

    /// The secret bytes as given (unclamped), for persistence.
    pub fn to_secret(&self) -> SecretBytes<KEY_LEN> {
        SecretBytes::from_array(self.secret.to_bytes())
    }

    /// The cached public key.
    pub const fn public_key(&self) -> &X25519PublicKey {
        &self.public
    }

    /// X25519(k, u) with the peer's public key.
    ///
    /// # Errors
    /// [`Error::NonContributory`] (`X25519-1`) if the result is all zero.
    pub fn diffie_hellman(&self, peer: &X25519PublicKey) -> Result<SecretBytes<KEY_LEN>> {
        let shared = self.secret.diffie_hellman(&peer.0);
        if !shared.was_contributory() {
            return Err(Error::NonContributory);
        }
        Ok(SecretBytes::from_array(*shared.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_order_point_is_rejected() {
        let sk = X25519SecretKey::from_secret(&SecretBytes::from_array([3u8; 32]));
        // u = 0 and u = 1 have small order (RFC 7748 section 6.1 forbids the zero output).
        for u in [[0u8; 32], {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        }] {
            assert_eq!(
                sk.diffie_hellman(&X25519PublicKey::from_bytes(u))
                    .unwrap_err(),
                Error::NonContributory
            );
        }
        assert!(format!("{sk:?}").contains("X25519SecretKey"));
        assert!(!format!("{sk:?}").contains("0303"));
    }
}
