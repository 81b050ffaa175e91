//! AES-256-CBC with PKCS#7 padding, authenticated by HMAC-SHA256 over `ad || ciphertext`:
//! the ENCRYPT function the Double Ratchet specification recommends (section 5.2).
//!
//! The specification derives the three keys from a message key with HKDF; that derivation and
//! its info string belong to the protocol, which hands the result to [`CbcHmacKey::from_okm`](crate::cbc_hmac::CbcHmacKey::from_okm).
//! Opening verifies the MAC first, in constant time, and decrypts only authentic input, so a
//! padding error can never serve as an oracle: every failure is [`Error::DecryptionFailed`].

use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};

use crate::{Error, HashAlgorithm, Result, SecretBytes, hmac};

/// AES block size, the unit of CBC ciphertexts.
pub const BLOCK_LEN: usize = 16;
/// Length of the HKDF output the specification splits into the three keys.
pub const OKM_LEN: usize = 80;

/// The encryption key, MAC key and IV of one message.
#[derive(Clone)]
pub struct CbcHmacKey {
    enc_key: SecretBytes<32>,
    mac_key: SecretBytes<32>,
    iv: SecretBytes<16>,
}

impl core::fmt::Debug for CbcHmacKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CbcHmacKey").finish_non_exhaustive()
    }
}

impl CbcHmacKey {
    /// Splits 80 bytes of HKDF output as the specification does: 32-byte encryption key,
    /// 32-byte authentication key, 16-byte IV.
    pub fn from_okm(okm: &SecretBytes<OKM_LEN>) -> Self {
        let b = okm.expose_secret();
        let mut enc = [0u8; 32];
        let mut mac = [0u8; 32];
        let mut iv = [0u8; 16];
        enc.copy_from_slice(&b[..32]);
        mac.copy_from_slice(&b[32..64]);
        iv.copy_from_slice(&b[64..]);
        Self::from_parts(
            SecretBytes::from_array(enc),
            SecretBytes::from_array(mac),
            SecretBytes::from_array(iv),
        )
    }

    /// The three parts given separately (libsignal orders its derivation differently).
    pub const fn from_parts(
        enc_key: SecretBytes<32>,
        mac_key: SecretBytes<32>,
        iv: SecretBytes<16>,
    ) -> Self {
        Self {
            enc_key,
            mac_key,
            iv,
        }
    }

    /// AES-256-CBC-PKCS#7 encryption of `plaintext`, without a MAC.
    pub fn encrypt(&self, plaintext: &[u8]) -> Vec<u8> {
        cbc::Encryptor::<aes::Aes256>::new(
            self.enc_key.expose_secret().into(),
            self.iv.expose_secret().into(),
        )
        .encrypt_padded_vec::<Pkcs7>(plaintext)
    }

    /// AES-256-CBC-PKCS#7 decryption of `ciphertext`, without a MAC. Use only on input whose
    /// MAC has been verified.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] if the length is not a positive multiple of the block or the
    /// padding is wrong.
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK_LEN) {
            return Err(Error::DecryptionFailed);
        }
        cbc::Decryptor::<aes::Aes256>::new(
            self.enc_key.expose_secret().into(),
            self.iv.expose_secret().into(),
        )
        .decrypt_padded_vec::<Pkcs7>(ciphertext)
        .map_err(|_| Error::DecryptionFailed)
    }

    /// HMAC-SHA256 over the concatenation of `parts` under the MAC key.
    pub fn mac(&self, parts: &[&[u8]]) -> hmac::Tag {
        hmac::mac_concat(HashAlgorithm::Sha256, self.mac_key.expose_secret(), parts)
    }

    /// ENCRYPT(mk, plaintext, ad): `ciphertext || HMAC(ad || ciphertext)[..tag_len]`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `tag_len` is outside 8..=32.
    pub fn seal(&self, ad: &[u8], plaintext: &[u8], tag_len: usize) -> Result<Vec<u8>> {
        check_tag_len(tag_len)?;
        let mut out = self.encrypt(plaintext);
        let tag = self.mac(&[ad, &out]);
        out.extend_from_slice(&tag.as_bytes()[..tag_len]);
        Ok(out)
    }

    /// DECRYPT(mk, ciphertext, ad): verifies the (possibly truncated) tag, then decrypts.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure; [`Error::Misuse`] for a bad `tag_len`.
    pub fn open(&self, ad: &[u8], sealed: &[u8], tag_len: usize) -> Result<Vec<u8>> {
        check_tag_len(tag_len)?;
        let ct_len = sealed
            .len()
            .checked_sub(tag_len)
            .ok_or(Error::DecryptionFailed)?;
        let (ct, tag) = sealed.split_at(ct_len);
        if !self.mac(&[ad, ct]).ct_eq_prefix(tag) {
            return Err(Error::DecryptionFailed);
        }
        self.decrypt(ct)
    }
}

fn check_tag_len(tag_len: usize) -> Result<()> {
    if (crate::limits::MIN_TRUNCATED_TAG_LEN..=32).contains(&tag_len) {
        Ok(())
    } else {
        Err(Error::Misuse("CBC-HMAC tag length must be 8..=32 bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_every_bit_flip() {
        let key = CbcHmacKey::from_okm(&SecretBytes::from_array([9u8; OKM_LEN]));
        for tag_len in [8, 32] {
            for pt in [&b""[..], b"x", &[5u8; 16], &[6u8; 33]] {
                let sealed = key.seal(b"ad", pt, tag_len).unwrap();
                assert_eq!(key.open(b"ad", &sealed, tag_len).unwrap(), pt);
                assert_eq!(
                    key.open(b"da", &sealed, tag_len),
                    Err(Error::DecryptionFailed)
                );
                for bit in 0..sealed.len() * 8 {
                    let mut bad = sealed.clone();
                    bad[bit / 8] ^= 1 << (bit % 8);
                    assert_eq!(key.open(b"ad", &bad, tag_len), Err(Error::DecryptionFailed));
                }
            }
        }
        assert!(key.seal(b"", b"", 7).is_err());
        assert!(key.decrypt(&[0u8; 15]).is_err());
    }
}
