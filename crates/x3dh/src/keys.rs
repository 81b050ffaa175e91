//! Keys and their encodings (X3DH section 2.1-2.2 and 3.1; PQXDH section 2.2-2.3): the identity
//! key pair (X25519, signing with XEdDSA), signed prekeys, one-time prekeys and signed ML-KEM
//! prekeys.
//!
//! ```text
//! Encode(PK)      = 0x05 || u (32 bytes, little-endian)                 X25519 (libsignal's type byte)
//! EncodeKEM(PQPK) = 0x09 || ek (1184 bytes)                            ML-KEM-768  (this project's choice)
//!                 | 0x0A || ek (1568 bytes)                            ML-KEM-1024 (libsignal's type byte)
//! ```
//!
//! The type bytes are disjoint, as PQXDH section 2.3 requires. 0x08 is libsignal's Kyber1024
//! round-3 key, which is not FIPS 203 and is rejected ([`Error::UnsupportedKeyType`]). libsignal
//! assigns no byte to ML-KEM-768 (its 0x07 is Kyber768 round 3), so this project takes 0x09, the
//! unused byte between Kyber1024 (0x08) and ML-KEM-1024 (0x0A); it is not interoperable with
//! anything but this crate.
//!
//! Signatures: `Sig(IK, Encode(SPK))` and `Sig(IK, EncodeKEM(PQPK))`, XEdDSA by the identity key.

#![warn(clippy::indexing_slicing)]

use primitives::{
    MlKemDecapsulationKey, MlKemEncapsulationKey, MlKemParams, X25519PublicKey, X25519SecretKey,
    rand::CryptoRng,
};

use crate::{
    Error, Result,
    xeddsa::{self, Signature},
};

/// Type byte of an X25519 public key encoding.
pub const EC_TYPE_X25519: u8 = 0x05;
/// libsignal's type byte for Kyber1024 round 3: recognised and rejected.
pub const KEM_TYPE_KYBER1024_R3: u8 = 0x08;
/// Type byte of an ML-KEM-768 encapsulation key encoding (this project's assignment).
pub const KEM_TYPE_MLKEM768: u8 = 0x09;
/// Type byte of an ML-KEM-1024 encapsulation key encoding (libsignal's).
pub const KEM_TYPE_MLKEM1024: u8 = 0x0A;
/// The KEM PQXDH specifies (and this crate defaults to): ML-KEM-1024 (PQXDH section 2.2).
pub const DEFAULT_KEM: MlKemParams = MlKemParams::MlKem1024;
/// Length of `Encode(PK)`.
pub const EC_ENCODED_LEN: usize = 33;

/// An X25519 public key in its `Encode(PK)` form.
pub fn encode_ec(key: &X25519PublicKey) -> [u8; EC_ENCODED_LEN] {
    let mut out = [0u8; EC_ENCODED_LEN];
    out[0] = EC_TYPE_X25519;
    out[1..].copy_from_slice(key.as_bytes());
    out
}

/// Decodes `Encode(PK)`.
///
/// # Errors
/// [`Error::Decode`] for a wrong length, [`Error::UnsupportedKeyType`] for another type byte.
pub fn decode_ec(bytes: &[u8]) -> Result<X25519PublicKey> {
    let (ty, rest) = bytes.split_first().ok_or(Error::Decode("EC public key"))?;
    if *ty != EC_TYPE_X25519 {
        return Err(Error::UnsupportedKeyType(*ty));
    }
    X25519PublicKey::try_from_slice(rest).map_err(|_| Error::Decode("EC public key length"))
}

/// The KEM type byte of a parameter set this crate supports.
///
/// # Errors
/// [`Error::Misuse`] for ML-KEM-512 (PQXDH needs at least category 3).
pub fn kem_type_byte(params: MlKemParams) -> Result<u8> {
    match params {
        MlKemParams::MlKem768 => Ok(KEM_TYPE_MLKEM768),
        MlKemParams::MlKem1024 => Ok(KEM_TYPE_MLKEM1024),
        _ => Err(Error::Misuse("PQXDH supports ML-KEM-768 and ML-KEM-1024")),
    }
}

/// The parameter set named by a KEM type byte.
///
/// # Errors
/// [`Error::UnsupportedKeyType`] for 0x08 (Kyber round 3) and unknown bytes.
pub fn kem_params_from_type(ty: u8) -> Result<MlKemParams> {
    match ty {
        KEM_TYPE_MLKEM768 => Ok(MlKemParams::MlKem768),
        KEM_TYPE_MLKEM1024 => Ok(MlKemParams::MlKem1024),
        _ => Err(Error::UnsupportedKeyType(ty)),
    }
}

/// `EncodeKEM(PQPK)`: the type byte then the FIPS 203 encapsulation key.
///
/// # Errors
/// [`Error::Misuse`] for an unsupported parameter set.
pub fn encode_kem(key: &MlKemEncapsulationKey) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1 + key.as_bytes().len());
    out.push(kem_type_byte(key.params())?);
    out.extend_from_slice(key.as_bytes());
    Ok(out)
}

/// Decodes `EncodeKEM(PQPK)` (FIPS 203 section 7.2 checks included).
///
/// # Errors
/// [`Error::UnsupportedKeyType`] or [`Error::Decode`].
pub fn decode_kem(bytes: &[u8]) -> Result<MlKemEncapsulationKey> {
    let (ty, rest) = bytes.split_first().ok_or(Error::Decode("KEM public key"))?;
    let params = kem_params_from_type(*ty)?;
    MlKemEncapsulationKey::from_bytes(params, rest).map_err(|_| Error::Decode("KEM public key"))
}

/// A public identity key IK (X25519; verifies XEdDSA signatures).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdentityKey(X25519PublicKey);

impl IdentityKey {
    /// The identity key with this X25519 public key.
    pub const fn new(key: X25519PublicKey) -> Self {
        Self(key)
    }

    /// The X25519 public key.
    pub const fn public_key(&self) -> &X25519PublicKey {
        &self.0
    }

    /// `Encode(IK)`, 33 bytes.
    pub fn encode(&self) -> [u8; EC_ENCODED_LEN] {
        encode_ec(&self.0)
    }

    /// Decodes `Encode(IK)`.
    ///
    /// # Errors
    /// As [`decode_ec`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        decode_ec(bytes).map(Self)
    }

    /// Verifies an XEdDSA signature by this identity (either sign convention).
    ///
    /// # Errors
    /// [`Error::InvalidSignature`].
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<()> {
        xeddsa::verify(&self.0, message, signature)
    }

    /// [`Self::verify`] of several signatures, at less cost than separate calls
    /// ([`xeddsa::verify_all`]).
    pub fn verify_all<const N: usize>(&self, items: [(&[u8], &Signature); N]) -> [Result<()>; N] {
        xeddsa::verify_all(&self.0, items)
    }
}

impl core::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_tuple("IdentityKey").field(&self.0).finish()
    }
}

/// The identity key pair: one X25519 key pair that agrees (DH1, DH2) and signs (XEdDSA).
/// The secret is zeroized on drop; `Debug` shows only the public key.
#[derive(Clone)]
pub struct IdentityKeyPair {
    secret: X25519SecretKey,
    public: IdentityKey,
}

impl IdentityKeyPair {
    /// A fresh identity key pair.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_secret(X25519SecretKey::generate(rng))
    }

    /// The identity key pair of an X25519 secret key.
    pub fn from_secret(secret: X25519SecretKey) -> Self {
        let public = IdentityKey(secret.public_key().clone());
        Self { secret, public }
    }

    /// The public identity key.
    pub const fn public(&self) -> &IdentityKey {
        &self.public
    }

    /// The X25519 secret, for persistence and Diffie-Hellman.
    pub const fn secret(&self) -> &X25519SecretKey {
        &self.secret
    }

    /// An XEdDSA signature of `message`.
    pub fn sign(&self, message: &[u8], rng: &mut impl CryptoRng) -> Signature {
        xeddsa::sign(&self.secret, message, rng)
    }
}

impl core::fmt::Debug for IdentityKeyPair {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IdentityKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// A signed prekey SPK with its id and `Sig(IK, Encode(SPK))` (the responder's private half).
#[derive(Clone)]
pub struct SignedPrekey {
    id: u32,
    secret: X25519SecretKey,
    signature: Signature,
}

impl SignedPrekey {
    /// A fresh signed prekey, signed by `identity`.
    pub fn generate(id: u32, identity: &IdentityKeyPair, rng: &mut impl CryptoRng) -> Self {
        Self::from_secret(id, X25519SecretKey::generate(rng), identity, rng)
    }

    /// The signed prekey with this secret, signed by `identity`.
    pub fn from_secret(
        id: u32,
        secret: X25519SecretKey,
        identity: &IdentityKeyPair,
        rng: &mut impl CryptoRng,
    ) -> Self {
        let signature = identity.sign(&encode_ec(secret.public_key()), rng);
        Self {
            id,
            secret,
            signature,
        }
    }

    /// The id.
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// The X25519 secret (also the responder's first Double Ratchet key pair).
    pub const fn secret(&self) -> &X25519SecretKey {
        &self.secret
    }

    /// The public half as published in a bundle.
    pub fn public(&self) -> SignedPrekeyPublic {
        SignedPrekeyPublic {
            id: self.id,
            key: self.secret.public_key().clone(),
            signature: self.signature.clone(),
        }
    }
}

impl core::fmt::Debug for SignedPrekey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SignedPrekey")
            .field("id", &self.id)
            .field("public", self.secret.public_key())
            .finish_non_exhaustive()
    }
}

/// The public half of a signed prekey: id, SPK and `Sig(IK, Encode(SPK))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedPrekeyPublic {
    /// The id the initial message names.
    pub id: u32,
    /// SPK.
    pub key: X25519PublicKey,
    /// `Sig(IK, Encode(SPK))`.
    pub signature: Signature,
}

/// A one-time prekey OPK (the responder's private half), consumed by its first use.
#[derive(Clone)]
pub struct OneTimePrekey {
    id: u32,
    secret: X25519SecretKey,
}

impl OneTimePrekey {
    /// A fresh one-time prekey.
    pub fn generate(id: u32, rng: &mut impl CryptoRng) -> Self {
        Self {
            id,
            secret: X25519SecretKey::generate(rng),
        }
    }

    /// The one-time prekey with this secret.
    pub const fn from_secret(id: u32, secret: X25519SecretKey) -> Self {
        Self { id, secret }
    }

    /// The id.
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// The X25519 secret.
    pub const fn secret(&self) -> &X25519SecretKey {
        &self.secret
    }

    /// The public half as published in a bundle.
    pub fn public(&self) -> OneTimePrekeyPublic {
        OneTimePrekeyPublic {
            id: self.id,
            key: self.secret.public_key().clone(),
        }
    }
}

impl core::fmt::Debug for OneTimePrekey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OneTimePrekey")
            .field("id", &self.id)
            .field("public", self.secret.public_key())
            .finish_non_exhaustive()
    }
}

/// The public half of a one-time prekey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneTimePrekeyPublic {
    /// The id the initial message names.
    pub id: u32,
    /// OPK.
    pub key: X25519PublicKey,
}

/// Whether a KEM prekey is used once (PQOPK) or until replaced (last-resort PQSPK).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KemPrekeyKind {
    /// A one-time PQOPK: deleted after its first use.
    OneTime,
    /// The last-resort PQSPK: kept after use.
    LastResort,
}

/// A signed ML-KEM prekey (the responder's private half) with `Sig(IK, EncodeKEM(PQPK))`.
#[derive(Clone)]
pub struct KemPrekey {
    id: u32,
    kind: KemPrekeyKind,
    dk: MlKemDecapsulationKey,
    signature: Signature,
}

impl KemPrekey {
    /// A fresh signed ML-KEM prekey (ML-KEM-1024 is PQXDH's choice; 768 is also supported).
    ///
    /// # Errors
    /// [`Error::Misuse`] for ML-KEM-512.
    pub fn generate(
        id: u32,
        kind: KemPrekeyKind,
        params: MlKemParams,
        identity: &IdentityKeyPair,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        kem_type_byte(params)?;
        Self::from_decapsulation_key(
            id,
            kind,
            MlKemDecapsulationKey::generate(params, rng),
            identity,
            rng,
        )
    }

    /// The signed KEM prekey of this decapsulation key.
    ///
    /// # Errors
    /// [`Error::Misuse`] for ML-KEM-512.
    pub fn from_decapsulation_key(
        id: u32,
        kind: KemPrekeyKind,
        dk: MlKemDecapsulationKey,
        identity: &IdentityKeyPair,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        let signature = identity.sign(&encode_kem(dk.encapsulation_key())?, rng);
        Ok(Self {
            id,
            kind,
            dk,
            signature,
        })
    }

    /// The id.
    pub const fn id(&self) -> u32 {
        self.id
    }

    /// One-time or last-resort.
    pub const fn kind(&self) -> KemPrekeyKind {
        self.kind
    }

    /// The decapsulation key.
    pub const fn decapsulation_key(&self) -> &MlKemDecapsulationKey {
        &self.dk
    }

    /// The public half as published in a bundle.
    pub fn public(&self) -> KemPrekeyPublic {
        KemPrekeyPublic {
            id: self.id,
            key: self.dk.encapsulation_key().clone(),
            signature: self.signature.clone(),
        }
    }
}

impl core::fmt::Debug for KemPrekey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KemPrekey")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("public", self.dk.encapsulation_key())
            .finish_non_exhaustive()
    }
}

/// The public half of a signed KEM prekey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KemPrekeyPublic {
    /// The id the initial message names.
    pub id: u32,
    /// PQPK.
    pub key: MlKemEncapsulationKey,
    /// `Sig(IK, EncodeKEM(PQPK))`.
    pub signature: Signature,
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::SecretBytes;

    #[test]
    fn secret_debug_shows_no_secret_bytes() {
        let secret = X25519SecretKey::from_secret(&SecretBytes::from_array([0x5a; 32]));
        let pair = IdentityKeyPair::from_secret(secret.clone());
        let opk = OneTimePrekey::from_secret(3, secret.clone());
        let mut rng = test_support::seeded_rng(1);
        let spk = SignedPrekey::from_secret(4, secret, &pair, &mut rng);
        let seed = SecretBytes::from_array([0x5a; 64]);
        let dk = MlKemDecapsulationKey::from_seed(MlKemParams::MlKem768, &seed);
        let kem = KemPrekey::from_decapsulation_key(5, KemPrekeyKind::OneTime, dk, &pair, &mut rng)
            .unwrap();
        for text in [
            format!("{pair:?}"),
            format!("{opk:?}"),
            format!("{spk:?}"),
            format!("{kem:?}"),
        ] {
            assert!(!text.contains("5a5a"), "{text}");
        }
    }

    #[test]
    fn key_type_bytes_are_disjoint_and_strict() {
        let pk = X25519PublicKey::from_bytes([9; 32]);
        let enc = encode_ec(&pk);
        assert_eq!(decode_ec(&enc).unwrap(), pk);
        assert!(matches!(decode_ec(&enc[..32]), Err(Error::Decode(_))));
        let mut bad = enc;
        bad[0] = KEM_TYPE_MLKEM1024;
        assert_eq!(decode_ec(&bad), Err(Error::UnsupportedKeyType(0x0a)));
        assert_eq!(
            kem_params_from_type(KEM_TYPE_KYBER1024_R3),
            Err(Error::UnsupportedKeyType(0x08))
        );
        assert!(kem_params_from_type(EC_TYPE_X25519).is_err());
    }
}
