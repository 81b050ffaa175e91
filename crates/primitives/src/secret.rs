//! Secret byte containers: zeroized on drop, redacted in `Debug`, compared in constant time.
//!
//! [`SecretBytes`] holds a secret of fixed size `N`, [`SecretVec`] one whose size is known only
//! at run time. Neither is `Copy`; both are `Clone` because protocol state (ratchets, epoch
//! secrets) is staged by copying it before a change is committed. Their bytes are reached only
//! through the loudly named `expose_secret`.

use core::fmt;

use rand_core::CryptoRng;
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{Error, Result};

/// A secret of exactly `N` bytes.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SecretBytes<const N: usize>([u8; N]);

impl<const N: usize> SecretBytes<N> {
    /// Takes ownership of `bytes`. The caller's copy, if it has one, is its own to zeroize.
    pub const fn from_array(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    /// Copies a secret of exactly `N` bytes out of `bytes`.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `bytes` is not `N` bytes long.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Self> {
        Error::check_len("secret", N, bytes.len())?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(Self(out))
    }

    /// Fresh random bytes from `rng`.
    pub fn random(rng: &mut impl CryptoRng) -> Self {
        let mut out = Self([0u8; N]);
        rng.fill_bytes(&mut out.0);
        out
    }

    /// The secret bytes. Every caller handles key material: keep the borrow short.
    pub const fn expose_secret(&self) -> &[u8; N] {
        &self.0
    }

    /// Mutable access, for filling the secret in place (a KDF writing its output).
    pub const fn expose_secret_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> ConstantTimeEq for SecretBytes<N> {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl<const N: usize> fmt::Debug for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes<{N}>(<redacted>)")
    }
}

/// A secret whose length is known only at run time.
#[derive(Clone, Default, Zeroize, ZeroizeOnDrop)]
pub struct SecretVec(Vec<u8>);

impl SecretVec {
    /// Takes ownership of `bytes`; they are zeroized when the `SecretVec` is dropped.
    pub const fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// Copies `bytes` into a new secret.
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self(bytes.to_vec())
    }

    /// `len` zero bytes, to be filled in place.
    pub fn zeroed(len: usize) -> Self {
        Self(vec![0u8; len])
    }

    /// Fresh random bytes from `rng`.
    pub fn random(len: usize, rng: &mut impl CryptoRng) -> Self {
        let mut out = Self::zeroed(len);
        rng.fill_bytes(&mut out.0);
        out
    }

    /// The number of secret bytes (not secret itself).
    pub const fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The secret bytes. Every caller handles key material: keep the borrow short.
    pub fn expose_secret(&self) -> &[u8] {
        &self.0
    }

    /// Mutable access, for filling the secret in place.
    pub fn expose_secret_mut(&mut self) -> &mut [u8] {
        &mut self.0
    }
}

impl ConstantTimeEq for SecretVec {
    /// Constant time in the contents; the lengths (public) are compared first.
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl fmt::Debug for SecretVec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretVec(<{} bytes redacted>)", self.0.len())
    }
}

impl<const N: usize> From<SecretBytes<N>> for SecretVec {
    fn from(secret: SecretBytes<N>) -> Self {
        Self::from_slice(secret.expose_secret())
    }
}

/// Compares two byte strings in constant time (in their contents; lengths are public).
/// Use it for MACs, tags and any value derived from a secret.
pub fn ct_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_secret_bytes() {
        let fixed = SecretBytes::from_array([0xA5u8; 32]);
        let var = SecretVec::new(vec![0x5Au8; 17]);
        for text in [format!("{fixed:?}"), format!("{var:?}")] {
            assert!(!text.contains("a5") && !text.contains("A5") && !text.contains("165"));
            assert!(!text.contains("5a") && !text.contains("5A") && !text.contains("90"));
            assert!(text.contains("redacted"));
        }
    }

    #[test]
    fn constant_time_equality() {
        let a = SecretBytes::from_array([1u8; 8]);
        let b = SecretBytes::from_array([1u8; 8]);
        let c = SecretBytes::from_array([2u8; 8]);
        assert!(bool::from(a.ct_eq(&b)));
        assert!(!bool::from(a.ct_eq(&c)));
        assert!(!bool::from(
            SecretVec::from_slice(&[1, 2]).ct_eq(&SecretVec::from_slice(&[1]))
        ));
        assert!(ct_eq_bytes(b"tag", b"tag"));
        assert!(!ct_eq_bytes(b"tag", b"tab"));
    }

    #[test]
    fn wrong_length_is_an_error() {
        assert!(SecretBytes::<32>::try_from_slice(&[0u8; 31]).is_err());
        assert!(SecretBytes::<32>::try_from_slice(&[0u8; 32]).is_ok());
    }
}
