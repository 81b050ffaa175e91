//! Double Ratchet section 5.2 (recommended cryptographic algorithms): KDF_RK, KDF_RK_HE,
//! KDF_CK and the key expansion of ENCRYPT.
//!
//! ```text
//! KDF_RK(rk, dh_out)    = HKDF-SHA256(salt = rk, IKM = dh_out, info = profile, L = 64) -> RK' || CK
//! KDF_RK_HE(rk, dh_out) = HKDF-SHA256(salt = rk, IKM = dh_out, info = profile HE, L = 96) -> RK' || CK || NHK
//! KDF_CK(ck)            : MK = HMAC-SHA256(ck, 0x01), CK' = HMAC-SHA256(ck, 0x02)
//! ENCRYPT keys(mk)      = HKDF-SHA256(salt = 32 zero bytes, IKM = mk, info = profile, L = 80)
//!                         -> enc key (32) || auth key (32) || IV (16)
//! ```
//!
//! The root key is the HKDF *salt* and the DH output the *input key material*, as the
//! specification says (the seed product swapped them). Each key role has its own type;
//! none is `Copy`, all are zeroized on drop and print redacted.

#![warn(
    clippy::indexing_slicing,
    reason = "parses and derives from untrusted input"
)]

use primitives::{HashAlgorithm, SecretBytes, cbc_hmac::CbcHmacKey, hkdf, hmac};

use crate::{Error, Profile, Result};

macro_rules! secret_newtype {
    ($(#[$doc:meta])* $name:ident, $len:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(pub(crate) SecretBytes<$len>);

        impl $name {
            /// The key with these bytes.
            pub const fn from_bytes(bytes: [u8; $len]) -> Self {
                Self(SecretBytes::from_array(bytes))
            }

            /// The key bytes (secret: keep the borrow short).
            pub const fn expose_secret(&self) -> &[u8; $len] {
                self.0.expose_secret()
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

secret_newtype!(
    /// A root key `RK` (32 bytes).
    RootKey, 32
);
secret_newtype!(
    /// A chain key `CKs` or `CKr` (32 bytes).
    ChainKey, 32
);
secret_newtype!(
    /// A message key `MK` (32 bytes), the seed ENCRYPT expands.
    MessageKey, 32
);
secret_newtype!(
    /// A header key `HK` or next header key `NHK` (32 bytes, section 4).
    HeaderKey, 32
);

fn split<const A: usize, const B: usize>(okm: &[u8]) -> Result<(SecretBytes<A>, SecretBytes<B>)> {
    let a = okm
        .get(..A)
        .ok_or(Error::Internal("KDF output too short"))?;
    let b = okm
        .get(A..A + B)
        .ok_or(Error::Internal("KDF output too short"))?;
    Ok((
        SecretBytes::try_from_slice(a).map_err(|_| Error::Internal("split length"))?,
        SecretBytes::try_from_slice(b).map_err(|_| Error::Internal("split length"))?,
    ))
}

impl RootKey {
    /// KDF_RK: `(RK', CK) = HKDF(salt = RK, IKM = dh_out, info = profile.kdf_rk_info(), 64)`.
    /// Borrows the root key: decryption stages the step and replaces `RK` only after the
    /// message authenticated.
    ///
    /// # Errors
    /// [`Error::Internal`] only if HKDF refuses its fixed lengths (unreachable).
    pub fn kdf_rk(&self, profile: &Profile, dh_out: &SecretBytes<32>) -> Result<(Self, ChainKey)> {
        let okm = hkdf::derive(
            HashAlgorithm::Sha256,
            self.0.expose_secret(),
            dh_out.expose_secret(),
            profile.kdf_rk_info(),
            64,
        )
        .map_err(|_| Error::Internal("HKDF with fixed lengths"))?;
        let (rk, ck) = split::<32, 32>(okm.expose_secret())?;
        Ok((Self(rk), ChainKey(ck)))
    }

    /// KDF_RK_HE (section 4): `(RK', CK, NHK) = HKDF(salt = RK, IKM = dh_out, info, 96)`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the profile has no header encryption.
    pub fn kdf_rk_he(
        &self,
        profile: &Profile,
        dh_out: &SecretBytes<32>,
    ) -> Result<(Self, ChainKey, HeaderKey)> {
        let info = profile
            .kdf_rk_he_info()
            .ok_or(Error::Misuse("this profile has no header encryption"))?;
        let okm = hkdf::derive(
            HashAlgorithm::Sha256,
            self.0.expose_secret(),
            dh_out.expose_secret(),
            info,
            96,
        )
        .map_err(|_| Error::Internal("HKDF with fixed lengths"))?;
        let (rk, ck) = split::<32, 32>(okm.expose_secret())?;
        let nhk = okm
            .expose_secret()
            .get(64..96)
            .ok_or(Error::Internal("KDF output too short"))?;
        let nhk = SecretBytes::try_from_slice(nhk).map_err(|_| Error::Internal("split length"))?;
        Ok((Self(rk), ChainKey(ck), HeaderKey(nhk)))
    }
}

impl ChainKey {
    /// KDF_CK: `(CK', MK)` with `MK = HMAC-SHA256(CK, 0x01)` and `CK' = HMAC-SHA256(CK, 0x02)`.
    /// Consumes the chain key: a chain only moves forward.
    pub fn kdf_ck(self) -> (Self, MessageKey) {
        let mk = hmac::mac(HashAlgorithm::Sha256, self.0.expose_secret(), &[0x01]);
        let ck = hmac::mac(HashAlgorithm::Sha256, self.0.expose_secret(), &[0x02]);
        let mut mk_b = [0u8; 32];
        let mut ck_b = [0u8; 32];
        // HMAC-SHA256 tags are 32 bytes: `as_bytes` has exactly that length.
        mk_b.copy_from_slice(mk.as_bytes());
        ck_b.copy_from_slice(ck.as_bytes());
        (Self::from_bytes(ck_b), MessageKey::from_bytes(mk_b))
    }
}

/// The three keys ENCRYPT derives from one message key.
pub struct MessageSecrets {
    okm: SecretBytes<80>,
}

impl core::fmt::Debug for MessageSecrets {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MessageSecrets").finish_non_exhaustive()
    }
}

impl MessageSecrets {
    /// The 32-byte AES-256-CBC key (bytes 0..32 of the expansion).
    pub fn enc_key(&self) -> &[u8] {
        self.okm.expose_secret().get(..32).unwrap_or_default()
    }

    /// The 32-byte HMAC-SHA256 key (bytes 32..64).
    pub fn mac_key(&self) -> &[u8] {
        self.okm.expose_secret().get(32..64).unwrap_or_default()
    }

    /// The 16-byte CBC IV (bytes 64..80).
    pub fn iv(&self) -> &[u8] {
        self.okm.expose_secret().get(64..).unwrap_or_default()
    }

    /// The `primitives` cipher with these keys.
    pub fn cipher(&self) -> CbcHmacKey {
        CbcHmacKey::from_okm(&self.okm)
    }
}

impl MessageKey {
    /// ENCRYPT's expansion: `HKDF(salt = 32 zero bytes, IKM = MK, info, 80)`. Consumes the
    /// message key: each is used for one message.
    ///
    /// # Errors
    /// [`Error::Internal`] only if HKDF refuses its fixed lengths (unreachable).
    pub fn expand(self, profile: &Profile) -> Result<MessageSecrets> {
        let prk = hkdf::extract(HashAlgorithm::Sha256, &[0u8; 32], self.0.expose_secret());
        let mut okm = SecretBytes::from_array([0u8; 80]);
        hkdf::expand_into(
            HashAlgorithm::Sha256,
            prk.expose_secret(),
            &[profile.message_keys_info()],
            okm.expose_secret_mut(),
        )
        .map_err(|_| Error::Internal("HKDF with fixed lengths"))?;
        Ok(MessageSecrets { okm })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_every_key_type_is_redacted() {
        let texts = [
            format!("{:?}", RootKey::from_bytes([0xA7; 32])),
            format!("{:?}", ChainKey::from_bytes([0xA7; 32])),
            format!("{:?}", MessageKey::from_bytes([0xA7; 32])),
            format!("{:?}", HeaderKey::from_bytes([0xA7; 32])),
            format!(
                "{:?}",
                MessageKey::from_bytes([0xA7; 32])
                    .expand(&Profile::default())
                    .unwrap()
            ),
        ];
        for t in texts {
            assert!(!t.contains("a7") && !t.contains("167"), "{t}");
        }
    }

    #[test]
    fn kdf_rk_he_extends_kdf_rk_output_and_libsignal_refuses_it() {
        let rk = RootKey::from_bytes([1; 32]);
        let dh = SecretBytes::from_array([2; 32]);
        let p = Profile::project_default();
        let (rk1, ck1) = rk.kdf_rk(&p, &dh).unwrap();
        let (rk2, ck2, _nhk) = rk.kdf_rk_he(&p, &dh).unwrap();
        // Different info strings: different keys.
        assert_ne!(rk1.expose_secret(), rk2.expose_secret());
        assert_ne!(ck1.expose_secret(), ck2.expose_secret());
        assert!(rk.kdf_rk_he(&Profile::libsignal_v3(), &dh).is_err());
    }
}
