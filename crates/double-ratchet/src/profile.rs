//! Double Ratchet section 5.2 (recommended cryptographic algorithms): the application
//! constants a [`Profile`] fixes.
//!
//! | constant | [`Profile::project_default`] | [`Profile::libsignal_v3`] |
//! |---|---|---|
//! | KDF_RK info | `secure-messaging double-ratchet v1 root` | `WhisperRatchet` |
//! | KDF_RK_HE info (section 4) | `secure-messaging double-ratchet v1 root+header` | — (libsignal has no header encryption) |
//! | ENCRYPT's HKDF info | `secure-messaging double-ratchet v1 message keys` | `WhisperMessageKeys` |
//! | MAC length | 32 bytes (full HMAC-SHA256) | 8 bytes (libsignal's truncation) |
//!
//! Both split ENCRYPT's 80 HKDF bytes as encryption key (32) ‖ authentication key (32) ‖ IV
//! (16), the specification's order and libsignal's (cipher key, MAC key, IV).
//!
//! The libsignal profile exists to reproduce libsignal's key derivations (its vectors pass);
//! its messages still use this crate's header and wire format, not libsignal's protobuf, so
//! it does not interoperate with libsignal on the wire. Prefer the project default: a
//! truncated MAC is acceptable only because every key is used once (spec section 6.6).

/// A profile's identifier in saved state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum ProfileId {
    ProjectDefault = 1,
    LibsignalV3 = 2,
}

/// The application constants of the Double Ratchet's KDFs and ENCRYPT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Profile {
    pub(crate) id: ProfileId,
    kdf_rk_info: &'static [u8],
    kdf_rk_he_info: Option<&'static [u8]>,
    message_keys_info: &'static [u8],
    mac_len: usize,
}

impl Default for Profile {
    fn default() -> Self {
        Self::project_default()
    }
}

impl Profile {
    /// This project's profile: project info strings, the full 32-byte HMAC-SHA256 tag, header
    /// encryption available.
    pub const fn project_default() -> Self {
        Self {
            id: ProfileId::ProjectDefault,
            kdf_rk_info: b"secure-messaging double-ratchet v1 root",
            kdf_rk_he_info: Some(b"secure-messaging double-ratchet v1 root+header"),
            message_keys_info: b"secure-messaging double-ratchet v1 message keys",
            mac_len: 32,
        }
    }

    /// libsignal's version-3 constants: KDF_RK info `WhisperRatchet`, message keys info
    /// `WhisperMessageKeys`, an 8-byte MAC. No header encryption.
    pub const fn libsignal_v3() -> Self {
        Self {
            id: ProfileId::LibsignalV3,
            kdf_rk_info: b"WhisperRatchet",
            kdf_rk_he_info: None,
            message_keys_info: b"WhisperMessageKeys",
            mac_len: 8,
        }
    }

    pub(crate) const fn from_id(id: u8) -> Option<Self> {
        match id {
            1 => Some(Self::project_default()),
            2 => Some(Self::libsignal_v3()),
            _ => None,
        }
    }

    /// KDF_RK's HKDF info string.
    pub const fn kdf_rk_info(&self) -> &'static [u8] {
        self.kdf_rk_info
    }

    /// KDF_RK_HE's HKDF info string, if the profile supports header encryption.
    pub const fn kdf_rk_he_info(&self) -> Option<&'static [u8]> {
        self.kdf_rk_he_info
    }

    /// ENCRYPT's HKDF info string.
    pub const fn message_keys_info(&self) -> &'static [u8] {
        self.message_keys_info
    }

    /// The MAC length in bytes appended to each message body.
    pub const fn mac_len(&self) -> usize {
        self.mac_len
    }
}
