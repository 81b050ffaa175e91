//! Authenticated encryption: AES-128-GCM, AES-256-GCM (NIST SP 800-38D) and ChaCha20-Poly1305
//! (RFC 8439), all with 12-byte nonces and 16-byte tags.
//!
//! An [`AeadKey`] holds the expanded cipher, built once per key. Ciphertexts are
//! `ciphertext || tag`. Every failure to open is the same opaque [`Error::DecryptionFailed`].

use aes_gcm::aead::{self, AeadInOut, KeyInit};
use zeroize::Zeroize;

use crate::{Error, Result, limits::MAX_AEAD_PLAINTEXT};

/// Nonce length of every AEAD here, in bytes.
pub const NONCE_LEN: usize = 12;
/// Tag length of every AEAD here, in bytes.
pub const TAG_LEN: usize = 16;

/// An AEAD algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AeadAlgorithm {
    /// AES-128-GCM, 16-byte key.
    Aes128Gcm,
    /// AES-256-GCM, 32-byte key.
    Aes256Gcm,
    /// ChaCha20-Poly1305, 32-byte key.
    ChaCha20Poly1305,
}

impl AeadAlgorithm {
    /// The key length in bytes (`Nk`).
    pub const fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::ChaCha20Poly1305 => 32,
        }
    }
}

/// A 12-byte AEAD nonce. Nonces are public, but must never repeat under one key. `Zeroize`
/// is for nonces derived from a secret (HPKE's `base_nonce`), which the holder wipes after use.
#[derive(Debug, Clone, PartialEq, Eq, zeroize::Zeroize)]
pub struct Nonce([u8; NONCE_LEN]);

impl Nonce {
    /// A nonce from its bytes.
    pub const fn from_array(bytes: [u8; NONCE_LEN]) -> Self {
        Self(bytes)
    }

    /// A nonce from a slice of exactly 12 bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] otherwise.
    pub fn try_from_slice(bytes: &[u8]) -> Result<Self> {
        let arr: [u8; NONCE_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "AEAD nonce",
            expected: NONCE_LEN,
            actual: bytes.len(),
        })?;
        Ok(Self(arr))
    }

    /// The nonce bytes.
    pub const fn as_bytes(&self) -> &[u8; NONCE_LEN] {
        &self.0
    }
}

enum Cipher {
    Aes128Gcm(Box<aes_gcm::Aes128Gcm>),
    Aes256Gcm(Box<aes_gcm::Aes256Gcm>),
    ChaCha20Poly1305(Box<chacha20poly1305::ChaCha20Poly1305>),
}

/// An AEAD key with its expanded cipher state (zeroized on drop by the cipher crates).
pub struct AeadKey {
    alg: AeadAlgorithm,
    cipher: Cipher,
}

impl core::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AeadKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

macro_rules! with_cipher {
    ($cipher:expr, $c:ident => $body:expr) => {
        match $cipher {
            Cipher::Aes128Gcm($c) => $body,
            Cipher::Aes256Gcm($c) => $body,
            Cipher::ChaCha20Poly1305($c) => $body,
        }
    };
}

impl AeadKey {
    /// Builds a key for `alg` from `key` (`alg.key_len()` bytes).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `key` has the wrong length.
    pub fn new(alg: AeadAlgorithm, key: &[u8]) -> Result<Self> {
        Error::check_len("AEAD key", alg.key_len(), key.len())?;
        let bad = |_| Error::Internal("AEAD key length checked above");
        let cipher = match alg {
            AeadAlgorithm::Aes128Gcm => Cipher::Aes128Gcm(Box::new(
                aes_gcm::Aes128Gcm::new_from_slice(key).map_err(bad)?,
            )),
            AeadAlgorithm::Aes256Gcm => Cipher::Aes256Gcm(Box::new(
                aes_gcm::Aes256Gcm::new_from_slice(key).map_err(bad)?,
            )),
            AeadAlgorithm::ChaCha20Poly1305 => Cipher::ChaCha20Poly1305(Box::new(
                chacha20poly1305::ChaCha20Poly1305::new_from_slice(key).map_err(bad)?,
            )),
        };
        Ok(Self { alg, cipher })
    }

    /// The key's algorithm.
    pub const fn algorithm(&self) -> AeadAlgorithm {
        self.alg
    }

    /// Encrypts `plaintext` with `aad`, returning `ciphertext || tag`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the plaintext exceeds [`MAX_AEAD_PLAINTEXT`].
    pub fn seal(&self, nonce: &Nonce, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(plaintext.len().saturating_add(TAG_LEN));
        self.seal_append(nonce, aad, plaintext, &mut out)?;
        Ok(out)
    }

    /// Encrypts `plaintext` with `aad` and appends `ciphertext || tag` to `out`, so that a
    /// caller building a message (header, then ciphertext) copies the plaintext once. On error
    /// `out` is left as it was.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the plaintext exceeds [`MAX_AEAD_PLAINTEXT`].
    pub fn seal_append(
        &self,
        nonce: &Nonce,
        aad: &[u8],
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<()> {
        check_plaintext_len(plaintext.len())?;
        let start = out.len();
        out.reserve(plaintext.len().saturating_add(TAG_LEN));
        out.extend_from_slice(plaintext);
        let tag = self.encrypt_detached(nonce, aad, &mut out[start..]);
        match tag {
            Ok(tag) => {
                out.extend_from_slice(&tag);
                Ok(())
            }
            Err(e) => {
                out[start..].zeroize();
                out.truncate(start);
                Err(e)
            }
        }
    }

    /// Encrypts `buf` in place and appends the tag.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the plaintext exceeds [`MAX_AEAD_PLAINTEXT`]; `buf` is then left
    /// as it was.
    pub fn seal_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut Vec<u8>) -> Result<()> {
        check_plaintext_len(buf.len())?;
        let tag = self.encrypt_detached(nonce, aad, buf)?;
        buf.extend_from_slice(&tag);
        Ok(())
    }

    fn encrypt_detached(&self, nonce: &Nonce, aad: &[u8], buf: &mut [u8]) -> Result<[u8; TAG_LEN]> {
        let n = aead::array::Array::from(nonce.0);
        with_cipher!(&self.cipher, c => c.encrypt_inout_detached(&n, aad, buf.into()).map(Into::into))
            .map_err(|_| Error::Misuse("AEAD plaintext too long"))
    }

    /// Authenticates and decrypts `ciphertext || tag`, reading the ciphertext where it lies
    /// (no copy of unauthenticated bytes) and writing the plaintext to a new buffer.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure (short input, wrong tag, wrong key, nonce or
    /// associated data).
    pub fn open(&self, nonce: &Nonce, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        let ct_len = ciphertext
            .len()
            .checked_sub(TAG_LEN)
            .ok_or(Error::DecryptionFailed)?;
        let (ct, tag) = ciphertext.split_at(ct_len);
        let tag = aead::array::Array::<u8, aead::consts::U16>::try_from(tag)
            .map_err(|_| Error::Internal("tag length fixed above"))?;
        let n = aead::array::Array::from(nonce.0);
        let mut out = vec![0u8; ct_len];
        let buf = aead::inout::InOutBuf::new(ct, &mut out)
            .map_err(|_| Error::Internal("equal lengths"))?;
        let ok =
            with_cipher!(&self.cipher, c => c.decrypt_inout_detached(&n, aad, buf, &tag).is_ok());
        if ok {
            Ok(out)
        } else {
            out.zeroize();
            Err(Error::DecryptionFailed)
        }
    }

    /// Authenticates and decrypts `buf` (`ciphertext || tag`) in place, leaving the plaintext.
    /// On failure `buf` is zeroized and emptied.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure.
    pub fn open_in_place(&self, nonce: &Nonce, aad: &[u8], buf: &mut Vec<u8>) -> Result<()> {
        let Some(ct_len) = buf.len().checked_sub(TAG_LEN) else {
            buf.zeroize();
            buf.clear();
            return Err(Error::DecryptionFailed);
        };
        let n = aead::array::Array::from(nonce.0);
        let (ct, tag) = buf.split_at_mut(ct_len);
        let tag = aead::array::Array::<u8, aead::consts::U16>::try_from(&*tag)
            .map_err(|_| Error::Internal("tag length fixed above"))?;
        let ok = with_cipher!(&self.cipher, c => c.decrypt_inout_detached(&n, aad, ct.into(), &tag).is_ok());
        if ok {
            buf.truncate(ct_len);
            Ok(())
        } else {
            buf.zeroize();
            buf.clear();
            Err(Error::DecryptionFailed)
        }
    }
}

fn check_plaintext_len(len: usize) -> Result<()> {
    if u64::try_from(len).map_or(true, |n| n > MAX_AEAD_PLAINTEXT) {
        Err(Error::Misuse("AEAD plaintext too long"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejection_for_every_algorithm() {
        for alg in [
            AeadAlgorithm::Aes128Gcm,
            AeadAlgorithm::Aes256Gcm,
            AeadAlgorithm::ChaCha20Poly1305,
        ] {
            let key = AeadKey::new(alg, &vec![7u8; alg.key_len()]).unwrap();
            let nonce = Nonce::from_array([1u8; 12]);
            let ct = key.seal(&nonce, b"ad", b"hello").unwrap();
            assert_eq!(ct.len(), 5 + TAG_LEN);
            let mut appended = b"header".to_vec();
            key.seal_append(&nonce, b"ad", b"hello", &mut appended)
                .unwrap();
            assert_eq!(&appended[..6], b"header");
            assert_eq!(&appended[6..], ct.as_slice());
            let mut in_place = b"hello".to_vec();
            key.seal_in_place(&nonce, b"ad", &mut in_place).unwrap();
            assert_eq!(in_place, ct);
            assert_eq!(key.open(&nonce, b"ad", &ct).unwrap(), b"hello");
            assert_eq!(key.open(&nonce, b"ae", &ct), Err(Error::DecryptionFailed));
            for i in 0..ct.len() {
                let mut bad = ct.clone();
                bad[i] ^= 0x80;
                assert_eq!(key.open(&nonce, b"ad", &bad), Err(Error::DecryptionFailed));
            }
            assert_eq!(
                key.open(&nonce, b"ad", &ct[..TAG_LEN - 1]),
                Err(Error::DecryptionFailed)
            );
            assert!(AeadKey::new(alg, &vec![7u8; alg.key_len() + 1]).is_err());
        }
    }
}
