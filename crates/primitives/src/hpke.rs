//! HPKE (RFC 9180), base mode: single-shot seal/open, sender and receiver contexts, and the
//! secret exporter, for the KEMs MLS cipher suites use.
//!
//! | KEM (id)                         | KDFs (id)                      | AEADs (id)                                   |
//! |----------------------------------|--------------------------------|----------------------------------------------|
//! | DHKEM(P-256, HKDF-SHA256) 0x0010 | HKDF-SHA256 0x0001             | AES-128-GCM 0x0001, AES-256-GCM 0x0002       |
//! | DHKEM(P-384, HKDF-SHA384) 0x0011 | HKDF-SHA384 0x0002             | ChaCha20-Poly1305 0x0003                     |
//! | DHKEM(X25519, HKDF-SHA256) 0x0020| HKDF-SHA512 0x0003             | export-only 0xFFFF                           |
//!
//! Any KEM combines with any KDF and AEAD. DHKEM(P-521) 0x0012 and DHKEM(X448) 0x0021 are not
//! offered: `hpke-rs-rust-crypto` 0.8, the provider this module runs on, supports DHKEM only
//! over X25519, P-256, secp256k1 and P-384 (its `supports_kem`), and no MLS suite implemented
//! in this workspace uses them.
//!
//! The PSK and authenticated modes (1-3) are not offered: no protocol in this workspace uses
//! them (MLS uses base mode only, RFC 9420 section 5.1.3), and each mode is more API to audit.
//!
//! Randomness is passed in. The `hpke-rs` engine draws its ephemeral key from its provider's
//! random generator; here that generator is a buffer holding exactly the bytes the operation
//! needs (`Nsk` bytes of `ikmE` for a DHKEM), filled from the caller's `CryptoRng`. The same
//! path with given bytes reproduces the RFC's sender-side vectors ([`crate::hazmat`]).

use rand_core::CryptoRng;

use crate::{Error, Result, SecretVec};

mod provider;

type Engine = hpke_rs::Hpke<provider::Provider>;

/// An HPKE KEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkeKem {
    /// DHKEM(P-256, HKDF-SHA256), 0x0010.
    DhKemP256Sha256,
    /// DHKEM(P-384, HKDF-SHA384), 0x0011.
    DhKemP384Sha384,
    /// DHKEM(X25519, HKDF-SHA256), 0x0020.
    DhKemX25519Sha256,
}

/// An HPKE KDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkeKdf {
    /// HKDF-SHA256, 0x0001.
    HkdfSha256,
    /// HKDF-SHA384, 0x0002.
    HkdfSha384,
    /// HKDF-SHA512, 0x0003.
    HkdfSha512,
}

/// An HPKE AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HpkeAead {
    /// AES-128-GCM, 0x0001.
    Aes128Gcm,
    /// AES-256-GCM, 0x0002.
    Aes256Gcm,
    /// ChaCha20-Poly1305, 0x0003.
    ChaCha20Poly1305,
    /// Export-only, 0xFFFF: the context can export secrets but not seal or open.
    ExportOnly,
}

impl HpkeKem {
    /// The IANA identifier.
    pub const fn id(self) -> u16 {
        match self {
            Self::DhKemP256Sha256 => 0x0010,
            Self::DhKemP384Sha384 => 0x0011,
            Self::DhKemX25519Sha256 => 0x0020,
        }
    }

    /// The KEM with this identifier, if supported.
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            0x0010 => Some(Self::DhKemP256Sha256),
            0x0011 => Some(Self::DhKemP384Sha384),
            0x0020 => Some(Self::DhKemX25519Sha256),
            _ => None,
        }
    }

    /// `Nsk`: the length of a private key, and of the randomness one encapsulation draws.
    pub const fn private_key_len(self) -> usize {
        match self {
            Self::DhKemP256Sha256 | Self::DhKemX25519Sha256 => 32,
            Self::DhKemP384Sha384 => crate::p384::SECRET_KEY_LEN,
        }
    }

    /// `Npk`: the length of an encoded public key (and of `enc`).
    pub const fn public_key_len(self) -> usize {
        match self {
            Self::DhKemP256Sha256 => crate::p256::PUBLIC_KEY_LEN,
            Self::DhKemP384Sha384 => crate::p384::PUBLIC_KEY_LEN,
            Self::DhKemX25519Sha256 => 32,
        }
    }

    const fn engine(self) -> hpke_rs::hpke_types::KemAlgorithm {
        match self {
            Self::DhKemP256Sha256 => hpke_rs::hpke_types::KemAlgorithm::DhKemP256,
            Self::DhKemP384Sha384 => hpke_rs::hpke_types::KemAlgorithm::DhKemP384,
            Self::DhKemX25519Sha256 => hpke_rs::hpke_types::KemAlgorithm::DhKem25519,
        }
    }
}

impl HpkeKdf {
    /// The IANA identifier.
    pub const fn id(self) -> u16 {
        match self {
            Self::HkdfSha256 => 1,
            Self::HkdfSha384 => 2,
            Self::HkdfSha512 => 3,
        }
    }

    /// The KDF with this identifier, if supported.
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            1 => Some(Self::HkdfSha256),
            2 => Some(Self::HkdfSha384),
            3 => Some(Self::HkdfSha512),
            _ => None,
        }
    }

    const fn engine(self) -> hpke_rs::hpke_types::KdfAlgorithm {
        match self {
            Self::HkdfSha256 => hpke_rs::hpke_types::KdfAlgorithm::HkdfSha256,
            Self::HkdfSha384 => hpke_rs::hpke_types::KdfAlgorithm::HkdfSha384,
            Self::HkdfSha512 => hpke_rs::hpke_types::KdfAlgorithm::HkdfSha512,
        }
    }
}

impl HpkeAead {
    /// The IANA identifier.
    pub const fn id(self) -> u16 {
        match self {
            Self::Aes128Gcm => 1,
            Self::Aes256Gcm => 2,
            Self::ChaCha20Poly1305 => 3,
            Self::ExportOnly => 0xFFFF,
        }
    }

    /// The AEAD with this identifier, if supported.
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            1 => Some(Self::Aes128Gcm),
            2 => Some(Self::Aes256Gcm),
            3 => Some(Self::ChaCha20Poly1305),
            0xFFFF => Some(Self::ExportOnly),
            _ => None,
        }
    }

    const fn engine(self) -> hpke_rs::hpke_types::AeadAlgorithm {
        match self {
            Self::Aes128Gcm => hpke_rs::hpke_types::AeadAlgorithm::Aes128Gcm,
            Self::Aes256Gcm => hpke_rs::hpke_types::AeadAlgorithm::Aes256Gcm,
            Self::ChaCha20Poly1305 => hpke_rs::hpke_types::AeadAlgorithm::ChaCha20Poly1305,
            Self::ExportOnly => hpke_rs::hpke_types::AeadAlgorithm::HpkeExport,
        }
    }
}

/// An HPKE cipher suite: KEM, KDF and AEAD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HpkeSuite {
    /// The KEM.
    pub kem: HpkeKem,
    /// The KDF.
    pub kdf: HpkeKdf,
    /// The AEAD.
    pub aead: HpkeAead,
}

/// An HPKE public key, checked to be a valid point encoding for its KEM.
#[derive(Clone, PartialEq, Eq)]
pub struct HpkePublicKey {
    kem: HpkeKem,
    bytes: Vec<u8>,
}

impl core::fmt::Debug for HpkePublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "HpkePublicKey({:?}, ", self.kem)?;
        for b in &self.bytes {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

impl HpkePublicKey {
    /// Decodes a public key (`DeserializePublicKey`): 32 bytes for X25519; for P-256 and
    /// P-384, the uncompressed point, reduced and on the curve, exactly as the ECDSA keys of
    /// [`crate::p256`] and [`crate::p384`] check it (`P256-1`, `P384-1`).
    ///
    /// # Errors
    /// [`Error::InvalidPublicKey`] otherwise.
    pub fn from_bytes(kem: HpkeKem, bytes: &[u8]) -> Result<Self> {
        let ok = match kem {
            HpkeKem::DhKemX25519Sha256 => bytes.len() == 32,
            HpkeKem::DhKemP256Sha256 => crate::P256PublicKey::from_bytes(bytes).is_ok(),
            HpkeKem::DhKemP384Sha384 => crate::P384PublicKey::from_bytes(bytes).is_ok(),
        };
        if !ok {
            return Err(Error::InvalidPublicKey("HPKE"));
        }
        Ok(Self {
            kem,
            bytes: bytes.to_vec(),
        })
    }

    /// The KEM this key belongs to.
    pub const fn kem(&self) -> HpkeKem {
        self.kem
    }

    /// The encoded key (`SerializePublicKey`).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// An HPKE private key.
#[derive(Clone)]
pub struct HpkePrivateKey {
    kem: HpkeKem,
    bytes: SecretVec,
}

impl core::fmt::Debug for HpkePrivateKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkePrivateKey")
            .field("kem", &self.kem)
            .finish_non_exhaustive()
    }
}

impl HpkePrivateKey {
    /// A private key from its serialization (`DeserializePrivateKey`), with its public key.
    ///
    /// # Errors
    /// [`Error::Decode`] if the bytes are not a valid private key for `kem`.
    pub fn from_bytes(kem: HpkeKem, bytes: &[u8]) -> Result<(Self, HpkePublicKey)> {
        use hpke_rs_crypto::HpkeCrypto as _;
        if bytes.len() != kem.private_key_len() {
            return Err(Error::Decode("HPKE private key"));
        }
        let pk = provider::Provider::secret_to_public(kem.engine(), bytes)
            .map_err(|_| Error::Decode("HPKE private key"))?;
        Ok((
            Self {
                kem,
                bytes: SecretVec::from_slice(bytes),
            },
            HpkePublicKey::from_bytes(kem, &pk)?,
        ))
    }

    /// The serialized key (`SerializePrivateKey`).
    pub fn expose_secret(&self) -> &[u8] {
        self.bytes.expose_secret()
    }

    fn engine(&self) -> hpke_rs::HpkePrivateKey {
        hpke_rs::HpkePrivateKey::new(self.bytes.expose_secret().to_vec())
    }
}

/// A sender's context: seals messages in sequence and exports secrets.
pub struct HpkeSenderContext(hpke_rs::Context<provider::Provider>);

/// A receiver's context: opens messages in sequence and exports secrets.
pub struct HpkeReceiverContext {
    ctx: hpke_rs::Context<provider::Provider>,
    export_only: bool,
}

impl core::fmt::Debug for HpkeSenderContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkeSenderContext").finish_non_exhaustive()
    }
}

impl core::fmt::Debug for HpkeReceiverContext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkeReceiverContext")
            .finish_non_exhaustive()
    }
}

impl HpkeSenderContext {
    /// `ContextS.Seal(aad, pt)`: the next ciphertext in sequence.
    ///
    /// # Errors
    /// [`Error::Misuse`] for an export-only suite or once the sequence number is exhausted.
    pub fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        self.0
            .seal(aad, plaintext)
            .map_err(|_| Error::Misuse("HPKE seal: export-only suite or sequence exhausted"))
    }

    /// `Context.Export(exporter_context, L)`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `len` exceeds 255 * Nh.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretVec> {
        export(&self.0, exporter_context, len)
    }
}

impl HpkeReceiverContext {
    /// `ContextR.Open(aad, ct)`: the next plaintext in sequence. A failure does not advance
    /// the sequence.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure of the ciphertext;
    /// [`Error::Misuse`] for an export-only suite, as [`HpkeSenderContext::seal`].
    pub fn open(&mut self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        if self.export_only {
            return Err(Error::Misuse("HPKE open: export-only suite"));
        }
        self.ctx
            .open(aad, ciphertext)
            .map_err(|_| Error::DecryptionFailed)
    }

    /// `Context.Export(exporter_context, L)`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `len` exceeds 255 * Nh.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretVec> {
        export(&self.ctx, exporter_context, len)
    }
}

fn export(
    ctx: &hpke_rs::Context<provider::Provider>,
    exporter_context: &[u8],
    len: usize,
) -> Result<SecretVec> {
    ctx.export(exporter_context, len)
        .map(SecretVec::new)
        .map_err(|_| Error::Misuse("HPKE export length exceeds 255 * Nh"))
}

impl HpkeSuite {
    /// A suite from its parts.
    pub const fn new(kem: HpkeKem, kdf: HpkeKdf, aead: HpkeAead) -> Self {
        Self { kem, kdf, aead }
    }

    fn engine(self, randomness: SecretVec) -> Engine {
        hpke_rs::Hpke::new_with_rng(
            hpke_rs::Mode::Base,
            self.kem.engine(),
            self.kdf.engine(),
            self.aead.engine(),
            provider::Drawn::new(randomness),
        )
    }

    fn check_kem(self, pk: &HpkePublicKey) -> Result<()> {
        if pk.kem == self.kem {
            Ok(())
        } else {
            Err(Error::Misuse("HPKE key of another KEM"))
        }
    }

    /// `DeriveKeyPair(ikm)`: the key pair determined by `ikm` (RFC 9180 section 7.1.3).
    ///
    /// # Errors
    /// [`Error::Misuse`] if `ikm` is shorter than `Nsk`; [`Error::Internal`] if the
    /// derivation fails (P-256 or P-384 rejection sampling exhausted after 256 candidates,
    /// probability below 2^-8000).
    pub fn derive_key_pair(self, ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        if ikm.len() < self.kem.private_key_len() {
            return Err(Error::Misuse(
                "HPKE DeriveKeyPair needs at least Nsk bytes of ikm",
            ));
        }
        let (sk, pk) = self
            .engine(SecretVec::default())
            .derive_key_pair(ikm)
            .map_err(|_| Error::Internal("HPKE DeriveKeyPair failed"))?
            .into_keys();
        Ok((
            HpkePrivateKey {
                kem: self.kem,
                bytes: SecretVec::from_slice(sk.as_slice()),
            },
            HpkePublicKey::from_bytes(self.kem, pk.as_slice())?,
        ))
    }

    /// `GenerateKeyPair()`: `DeriveKeyPair` of `Nsk` random bytes.
    ///
    /// # Errors
    /// As [`Self::derive_key_pair`].
    pub fn generate_key_pair(
        self,
        rng: &mut impl CryptoRng,
    ) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        self.derive_key_pair(SecretVec::random(self.kem.private_key_len(), rng).expose_secret())
    }

    /// `SetupBaseS(pkR, info)`: the encapsulated key `enc` and a sender context.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a key of another KEM; [`Error::InvalidPublicKey`] if the
    /// Diffie-Hellman output is zero.
    pub fn setup_sender(
        self,
        pk: &HpkePublicKey,
        info: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, HpkeSenderContext)> {
        self.setup_sender_with(pk, info, SecretVec::random(self.kem.private_key_len(), rng))
    }

    /// `SetupBaseS` with the ephemeral key derived from `ikmE`, which must be exactly `Nsk`
    /// bytes: the engine draws that many as the `DeriveKeyPair` input. Reached by callers only
    /// through [`crate::hazmat`].
    pub(crate) fn setup_sender_with(
        self,
        pk: &HpkePublicKey,
        info: &[u8],
        ikm_e: SecretVec,
    ) -> Result<(Vec<u8>, HpkeSenderContext)> {
        self.check_kem(pk)?;
        if ikm_e.len() != self.kem.private_key_len() {
            return Err(Error::Misuse("HPKE ikmE must be exactly Nsk bytes"));
        }
        let (enc, ctx) = self
            .engine(ikm_e)
            .setup_sender(
                &hpke_rs::HpkePublicKey::new(pk.bytes.clone()),
                info,
                None,
                None,
                None,
            )
            .map_err(|_| Error::InvalidPublicKey("HPKE"))?;
        Ok((enc, HpkeSenderContext(ctx)))
    }

    /// `SetupBaseR(enc, skR, info)`.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] if `enc` is malformed or decapsulation fails;
    /// [`Error::Misuse`] for a key of another KEM.
    pub fn setup_receiver(
        self,
        enc: &[u8],
        sk: &HpkePrivateKey,
        info: &[u8],
    ) -> Result<HpkeReceiverContext> {
        if sk.kem != self.kem {
            return Err(Error::Misuse("HPKE key of another KEM"));
        }
        if enc.len() != self.kem.public_key_len() {
            return Err(Error::DecryptionFailed);
        }
        self.engine(SecretVec::default())
            .setup_receiver(enc, &sk.engine(), info, None, None, None)
            .map(|ctx| HpkeReceiverContext {
                ctx,
                export_only: self.aead == HpkeAead::ExportOnly,
            })
            .map_err(|_| Error::DecryptionFailed)
    }

    /// `SealBase(pkR, info, aad, pt)`: returns `(enc, ct)`.
    ///
    /// # Errors
    /// As [`Self::setup_sender`] and [`HpkeSenderContext::seal`].
    pub fn seal(
        self,
        pk: &HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let (enc, mut ctx) = self.setup_sender(pk, info, rng)?;
        Ok((enc, ctx.seal(aad, plaintext)?))
    }

    /// `OpenBase(enc, skR, info, aad, ct)`.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure.
    pub fn open(
        self,
        enc: &[u8],
        sk: &HpkePrivateKey,
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        self.setup_receiver(enc, sk, info)?.open(aad, ciphertext)
    }

    /// `SendExportBase(pkR, info, exporter_context, L)`: returns `(enc, secret)`.
    ///
    /// # Errors
    /// As [`Self::setup_sender`] and [`HpkeSenderContext::export`].
    pub fn send_export(
        self,
        pk: &HpkePublicKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, SecretVec)> {
        let (enc, ctx) = self.setup_sender(pk, info, rng)?;
        Ok((enc, ctx.export(exporter_context, len)?))
    }

    /// `ReceiveExportBase(enc, skR, info, exporter_context, L)`.
    ///
    /// # Errors
    /// As [`Self::setup_receiver`] and [`HpkeReceiverContext::export`].
    pub fn receive_export(
        self,
        enc: &[u8],
        sk: &HpkePrivateKey,
        info: &[u8],
        exporter_context: &[u8],
        len: usize,
    ) -> Result<SecretVec> {
        self.setup_receiver(enc, sk, info)?
            .export(exporter_context, len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// P-256 and P-384 public keys (and so `enc`) are uncompressed points on the curve, with
    /// the checks of `P256-1` and `P384-1`; X25519 keys are any 32 bytes.
    #[test]
    fn public_keys_checked_per_kem() {
        let mut rng = test_support::seeded_rng(9181);
        for (kem, kdf) in [
            (HpkeKem::DhKemP256Sha256, HpkeKdf::HkdfSha256),
            (HpkeKem::DhKemP384Sha384, HpkeKdf::HkdfSha384),
        ] {
            let suite = HpkeSuite::new(kem, kdf, HpkeAead::Aes256Gcm);
            let (sk, pk) = suite.generate_key_pair(&mut rng).unwrap();
            let good = pk.as_bytes().to_vec();
            assert_eq!(good.len(), kem.public_key_len());
            assert_eq!(sk.expose_secret().len(), kem.private_key_len());
            let coord = (good.len() - 1) / 2;
            let mut compressed = good[..=coord].to_vec();
            compressed[0] = 2 + (good[good.len() - 1] & 1);
            let mut off_curve = good.clone();
            off_curve[good.len() - 1] ^= 1;
            let mut wrong_tag = good.clone();
            wrong_tag[0] = 6;
            for bad in [
                &[][..],
                &[0][..],
                &compressed,
                &off_curve,
                &wrong_tag,
                &good[1..],
            ] {
                assert_eq!(
                    HpkePublicKey::from_bytes(kem, bad),
                    Err(Error::InvalidPublicKey("HPKE")),
                    "{kem:?}: {} bytes",
                    bad.len()
                );
            }
            // The other curve's key is refused (wrong length).
            let other = if kem == HpkeKem::DhKemP256Sha256 {
                HpkeKem::DhKemP384Sha384
            } else {
                HpkeKem::DhKemP256Sha256
            };
            assert!(HpkePublicKey::from_bytes(other, &good).is_err());
            // An `enc` off the curve does not decapsulate.
            let (enc, ct) = suite.seal(&pk, b"info", b"", b"msg", &mut rng).unwrap();
            let mut bad_enc = enc.clone();
            bad_enc[enc.len() - 1] ^= 1;
            assert_eq!(
                suite.open(&bad_enc, &sk, b"info", b"", &ct),
                Err(Error::DecryptionFailed)
            );
            assert_eq!(suite.open(&enc, &sk, b"info", b"", &ct).unwrap(), b"msg");
            // Private keys: Nsk bytes, 0 < d < n.
            assert!(HpkePrivateKey::from_bytes(kem, &vec![0; kem.private_key_len()]).is_err());
            assert!(HpkePrivateKey::from_bytes(kem, &vec![0xff; kem.private_key_len()]).is_err());
            assert!(HpkePrivateKey::from_bytes(kem, &sk.expose_secret()[1..]).is_err());
            let (_, again) = HpkePrivateKey::from_bytes(kem, sk.expose_secret()).unwrap();
            assert_eq!(again, pk);
        }
    }

    #[test]
    fn round_trip_every_supported_suite_and_misuse() {
        let mut rng = test_support::seeded_rng(9180);
        for kem in [
            HpkeKem::DhKemX25519Sha256,
            HpkeKem::DhKemP256Sha256,
            HpkeKem::DhKemP384Sha384,
        ] {
            for kdf in [
                HpkeKdf::HkdfSha256,
                HpkeKdf::HkdfSha384,
                HpkeKdf::HkdfSha512,
            ] {
                for aead in [
                    HpkeAead::Aes128Gcm,
                    HpkeAead::Aes256Gcm,
                    HpkeAead::ChaCha20Poly1305,
                ] {
                    let suite = HpkeSuite::new(kem, kdf, aead);
                    let (sk, pk) = suite.generate_key_pair(&mut rng).unwrap();
                    let (enc, ct) = suite.seal(&pk, b"info", b"aad", b"msg", &mut rng).unwrap();
                    assert_eq!(suite.open(&enc, &sk, b"info", b"aad", &ct).unwrap(), b"msg");
                    assert_eq!(
                        suite.open(&enc, &sk, b"info", b"aae", &ct),
                        Err(Error::DecryptionFailed)
                    );
                    assert_eq!(
                        suite.open(&enc[1..], &sk, b"info", b"aad", &ct),
                        Err(Error::DecryptionFailed)
                    );
                    // ikmE must be exactly Nsk bytes: neither truncated nor padded silently.
                    for len in [16, 64] {
                        assert!(matches!(
                            suite.setup_sender_with(&pk, b"info", SecretVec::zeroed(len)),
                            Err(Error::Misuse(_))
                        ));
                    }
                }
            }
        }
        let suite = HpkeSuite::new(
            HpkeKem::DhKemX25519Sha256,
            HpkeKdf::HkdfSha256,
            HpkeAead::ExportOnly,
        );
        let (sk, pk) = suite.generate_key_pair(&mut rng).unwrap();
        let (enc, mut sender) = suite.setup_sender(&pk, b"", &mut rng).unwrap();
        let mut receiver = suite.setup_receiver(&enc, &sk, b"").unwrap();
        assert!(matches!(sender.seal(b"", b"x"), Err(Error::Misuse(_))));
        assert!(matches!(
            receiver.open(b"", &[0; 16]),
            Err(Error::Misuse(_))
        ));
        assert_eq!(
            sender.export(b"ctx", 32).unwrap().expose_secret(),
            receiver.export(b"ctx", 32).unwrap().expose_secret()
        );
        let other = HpkeSuite::new(
            HpkeKem::DhKemP256Sha256,
            HpkeKdf::HkdfSha256,
            HpkeAead::Aes128Gcm,
        );
        assert!(matches!(
            other.seal(&pk, b"", b"", b"", &mut rng),
            Err(Error::Misuse(_))
        ));
    }
}
