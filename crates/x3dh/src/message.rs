//! The initial message (X3DH section 3.3, PQXDH section 3.3): what the initiator sends so that
//! the responder can compute the same secret.
//!
//! ```text
//! initial message v1 = 0x01                          version
//!                      Encode(IK_A)                  33 bytes
//!                      Encode(EK_A)                  33 bytes
//!                      spk_id (u32 BE)
//!                      flags (u8): bit 0 = one-time prekey used, bit 1 = KEM ciphertext present
//!                      [opk_id (u32 BE)]
//!                      [pqpk_id (u32 BE) || kem type byte || CT]   CT length from the type byte
//! ```
//!
//! The Double Ratchet's first ciphertext travels separately (the application frames it).

#![warn(clippy::indexing_slicing)]

use primitives::{MlKemCiphertext, X25519PublicKey};

use crate::{
    Error, Result,
    codec::Reader,
    keys::{
        EC_ENCODED_LEN, IdentityKey, decode_ec, encode_ec, kem_params_from_type, kem_type_byte,
    },
};

/// The initial message encoding's version byte.
pub const INITIAL_MESSAGE_VERSION: u8 = 1;
const FLAG_OPK: u8 = 0x01;
const FLAG_KEM: u8 = 0x02;

/// The initiator's initial message: IK_A, EK_A and the ids of the prekeys used (plus the KEM
/// ciphertext for PQXDH).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialMessage {
    /// IK_A.
    pub identity: IdentityKey,
    /// EK_A.
    pub ephemeral: X25519PublicKey,
    /// The id of SPK_B.
    pub signed_prekey_id: u32,
    /// The id of OPK_B, if one was used.
    pub one_time_prekey_id: Option<u32>,
    /// The id of PQPK_B and the ciphertext CT, for PQXDH.
    pub kem: Option<(u32, MlKemCiphertext)>,
}

impl InitialMessage {
    /// The version-1 encoding (module docs).
    ///
    /// # Errors
    /// [`Error::Misuse`] for a ciphertext of an unsupported parameter set.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(80);
        out.push(INITIAL_MESSAGE_VERSION);
        out.extend_from_slice(&self.identity.encode());
        out.extend_from_slice(&encode_ec(&self.ephemeral));
        out.extend_from_slice(&self.signed_prekey_id.to_be_bytes());
        let mut flags = 0;
        if self.one_time_prekey_id.is_some() {
            flags |= FLAG_OPK;
        }
        if self.kem.is_some() {
            flags |= FLAG_KEM;
        }
        out.push(flags);
        if let Some(id) = self.one_time_prekey_id {
            out.extend_from_slice(&id.to_be_bytes());
        }
        if let Some((id, ct)) = &self.kem {
            out.extend_from_slice(&id.to_be_bytes());
            out.push(kem_type_byte(ct.params())?);
            out.extend_from_slice(ct.as_bytes());
        }
        Ok(out)
    }

    /// Decodes the version-1 encoding strictly (`CODEC-INITIAL`).
    ///
    /// # Errors
    /// [`Error::Decode`] or [`Error::UnsupportedKeyType`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "initial message");
        if r.u8()? != INITIAL_MESSAGE_VERSION {
            return Err(Error::Decode("initial message version"));
        }
        let identity = IdentityKey::decode(r.take(EC_ENCODED_LEN)?)?;
        let ephemeral = decode_ec(r.take(EC_ENCODED_LEN)?)?;
        let signed_prekey_id = r.u32()?;
        let flags = r.u8()?;
        if flags & !(FLAG_OPK | FLAG_KEM) != 0 {
            return Err(Error::Decode("initial message flags"));
        }
        let one_time_prekey_id = if flags & FLAG_OPK != 0 {
            Some(r.u32()?)
        } else {
            None
        };
        let kem = if flags & FLAG_KEM != 0 {
            let id = r.u32()?;
            let params = kem_params_from_type(r.u8()?)?;
            let ct = MlKemCiphertext::from_bytes(params, r.take(params.ciphertext_len())?)
                .map_err(|_| Error::Decode("KEM ciphertext"))?;
            Some((id, ct))
        } else {
            None
        };
        r.finish()?;
        Ok(Self {
            identity,
            ephemeral,
            signed_prekey_id,
            one_time_prekey_id,
            kem,
        })
    }
}
