//! Prekey bundles (X3DH section 3.2 "Publishing keys", PQXDH section 3.2): what the responder
//! publishes, here sent directly over the live connection, and its verification (X3DH section
//! 3.3, PQXDH section 3.3: every signature is verified before any Diffie-Hellman).
//!
//! ```text
//! bundle v1 = 0x01                                   version
//!             Encode(IK_B)                           33 bytes
//!             spk_id (u32 BE) || Encode(SPK_B) || Sig(IK_B, Encode(SPK_B))      4 + 33 + 64
//!             flags (u8): bit 0 = one-time prekey present, bit 1 = KEM prekey present, others 0
//!             [opk_id (u32 BE) || Encode(OPK_B)]                               4 + 33
//!             [pqpk_id (u32 BE) || EncodeKEM(PQPK_B) || Sig(IK_B, EncodeKEM(PQPK_B))]
//! ```
//!
//! At most one one-time prekey ([`crate::limits::MAX_BUNDLE_ONE_TIME_PREKEYS`]); the KEM key's
//! length follows from its type byte; no trailing bytes.

#![warn(clippy::indexing_slicing)]

use primitives::MlKemEncapsulationKey;

use crate::{
    Error, Result,
    codec::Reader,
    keys::{
        EC_ENCODED_LEN, IdentityKey, KemPrekeyPublic, OneTimePrekeyPublic, SignedPrekeyPublic,
        decode_ec, encode_ec, encode_kem, kem_params_from_type,
    },
    xeddsa::{SIGNATURE_LEN, Signature},
};

/// The bundle encoding's version byte.
pub const BUNDLE_VERSION: u8 = 1;
const FLAG_OPK: u8 = 0x01;
const FLAG_KEM: u8 = 0x02;

/// A prekey bundle as received: nothing in it is trusted until [`PrekeyBundle::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrekeyBundle {
    /// IK_B.
    pub identity: IdentityKey,
    /// SPK_B with its id and signature.
    pub signed_prekey: SignedPrekeyPublic,
    /// OPK_B, if offered.
    pub one_time_prekey: Option<OneTimePrekeyPublic>,
    /// PQPK_B (PQXDH), if offered.
    pub kem_prekey: Option<KemPrekeyPublic>,
}

/// A bundle whose signatures have been verified: only [`PrekeyBundle::verify`] builds one, and
/// the initiator's agreement takes nothing else.
#[derive(Clone, Debug)]
pub struct VerifiedBundle(PrekeyBundle);

impl VerifiedBundle {
    /// The verified bundle.
    pub const fn bundle(&self) -> &PrekeyBundle {
        &self.0
    }
}

impl PrekeyBundle {
    /// Verifies `Sig(IK_B, Encode(SPK_B))` (`X3DH-SIG`) and, if present,
    /// `Sig(IK_B, EncodeKEM(PQPK_B))` (`PQXDH-SIG`).
    ///
    /// # Errors
    /// [`Error::SignedPrekeySignature`], [`Error::KemPrekeySignature`].
    pub fn verify(self) -> Result<VerifiedBundle> {
        let signed_prekey = encode_ec(&self.signed_prekey.key);
        let signed_prekey = (signed_prekey.as_slice(), &self.signed_prekey.signature);
        match &self.kem_prekey {
            None => {
                // X3DH-SIG
                let [spk] = self.identity.verify_all([signed_prekey]);
                spk.map_err(|_| Error::SignedPrekeySignature)?;
            }
            Some(kem) => {
                // X3DH-SIG and PQXDH-SIG, the identity key converted once for both.
                let kem_prekey = encode_kem(&kem.key)?;
                let [spk, pq] = self
                    .identity
                    .verify_all([signed_prekey, (kem_prekey.as_slice(), &kem.signature)]);
                spk.map_err(|_| Error::SignedPrekeySignature)?;
                pq.map_err(|_| Error::KemPrekeySignature)?;
            }
        }
        Ok(VerifiedBundle(self))
    }

    /// As [`Self::verify`], and also checks that IK_B is `expected` (`X3DH-IK`), for peers
    /// whose identity is already known (a verified safety number).
    ///
    /// # Errors
    /// [`Error::WrongIdentity`], or as [`Self::verify`].
    pub fn verify_expecting(self, expected: &IdentityKey) -> Result<VerifiedBundle> {
        if primitives::secret::ct_eq_bytes(&self.identity.encode(), &expected.encode()) {
            self.verify()
        } else {
            Err(Error::WrongIdentity)
        }
    }

    /// The version-1 encoding (module docs).
    ///
    /// # Errors
    /// [`Error::Misuse`] if the KEM prekey uses an unsupported parameter set.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(256);
        out.push(BUNDLE_VERSION);
        out.extend_from_slice(&self.identity.encode());
        out.extend_from_slice(&self.signed_prekey.id.to_be_bytes());
        out.extend_from_slice(&encode_ec(&self.signed_prekey.key));
        out.extend_from_slice(self.signed_prekey.signature.as_bytes());
        let mut flags = 0;
        if self.one_time_prekey.is_some() {
            flags |= FLAG_OPK;
        }
        if self.kem_prekey.is_some() {
            flags |= FLAG_KEM;
        }
        out.push(flags);
        if let Some(opk) = &self.one_time_prekey {
            out.extend_from_slice(&opk.id.to_be_bytes());
            out.extend_from_slice(&encode_ec(&opk.key));
        }
        if let Some(kem) = &self.kem_prekey {
            out.extend_from_slice(&kem.id.to_be_bytes());
            out.extend_from_slice(&encode_kem(&kem.key)?);
            out.extend_from_slice(kem.signature.as_bytes());
        }
        Ok(out)
    }

    /// Decodes the version-1 encoding strictly (`CODEC-BUNDLE`).
    ///
    /// # Errors
    /// [`Error::Decode`] (wrong version, flags, length, trailing bytes) or
    /// [`Error::UnsupportedKeyType`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, "prekey bundle");
        if r.u8()? != BUNDLE_VERSION {
            return Err(Error::Decode("prekey bundle version"));
        }
        let identity = IdentityKey::decode(r.take(EC_ENCODED_LEN)?)?;
        let spk_id = r.u32()?;
        let spk = decode_ec(r.take(EC_ENCODED_LEN)?)?;
        let spk_sig = Signature::try_from_slice(r.take(SIGNATURE_LEN)?)?;
        let flags = r.u8()?;
        if flags & !(FLAG_OPK | FLAG_KEM) != 0 {
            return Err(Error::Decode("prekey bundle flags"));
        }
        let one_time_prekey = if flags & FLAG_OPK != 0 {
            let id = r.u32()?;
            let key = decode_ec(r.take(EC_ENCODED_LEN)?)?;
            Some(OneTimePrekeyPublic { id, key })
        } else {
            None
        };
        let kem_prekey = if flags & FLAG_KEM != 0 {
            let id = r.u32()?;
            let ty = r.u8()?;
            let params = kem_params_from_type(ty)?;
            let key =
                MlKemEncapsulationKey::from_bytes(params, r.take(params.encapsulation_key_len())?)
                    .map_err(|_| Error::Decode("KEM prekey"))?;
            let signature = Signature::try_from_slice(r.take(SIGNATURE_LEN)?)?;
            Some(KemPrekeyPublic { id, key, signature })
        } else {
            None
        };
        r.finish()?;
        Ok(Self {
            identity,
            signed_prekey: SignedPrekeyPublic {
                id: spk_id,
                key: spk,
                signature: spk_sig,
            },
            one_time_prekey,
            kem_prekey,
        })
    }
}
