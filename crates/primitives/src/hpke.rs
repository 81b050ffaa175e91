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
//! One implementation per KEM. DHKEM(X25519, HKDF-SHA256) runs on this crate's own HPKE
//! (`dhkem_x25519`, written from RFC 9180 sections 4, 5 and 7.1, with the X25519 ladder of
//! [`crate::x25519`]): key derivation, seal, open, contexts and export, with any KDF and AEAD
//! above. DHKEM(P-256) and DHKEM(P-384) run on the `hpke-rs` engine.
//!
//! Randomness is passed in: every encapsulation draws exactly `Nsk` bytes of `ikmE` from the
//! caller's `CryptoRng` and derives the ephemeral key from them (`DeriveKeyPair(ikmE)`). The
//! `hpke-rs` engine draws its ephemeral key from its provider's random generator; there that
//! generator is a buffer holding those bytes. The same paths with given bytes reproduce the
//! RFC's sender-side vectors ([`crate::hazmat`]).
//!
//! [`HpkeSealer`] seals to many recipients under one `info` and `aad`, as MLS does for the
//! path secrets of an UpdatePath and the GroupSecrets of a Welcome: for DHKEM(X25519) it hashes
//! `info` once and shares two field inversions over the batch (see `dhkem_x25519`); each
//! recipient's ephemeral key comes from its own generator, so a caller that splits the
//! recipients over threads gets the same bytes whatever the split.
//!
//! An [`HpkePrivateKey`] carries its public key, computed once when the key is made: opening
//! needs it (`kem_context = enc || pkR`) and never recomputes it.

use rand_core::CryptoRng;

use crate::{Error, Result, SecretBytes, SecretVec};

mod dhkem_x25519;
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

    /// The DHKEM(X25519) key's 32 bytes.
    fn x25519(&self) -> Result<&[u8; dhkem_x25519::N]> {
        self.bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::InvalidPublicKey("HPKE"))
    }
}

/// An HPKE private key, with its public key.
#[derive(Clone)]
pub struct HpkePrivateKey {
    kem: HpkeKem,
    bytes: SecretVec,
    public: HpkePublicKey,
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
        let pk = if kem == HpkeKem::DhKemX25519Sha256 {
            let sk = SecretBytes::try_from_slice(bytes)?;
            dhkem_x25519::public_key(&sk).to_vec()
        } else {
            provider::Provider::secret_to_public(kem.engine(), bytes)
                .map_err(|_| Error::Decode("HPKE private key"))?
        };
        let key = Self {
            kem,
            bytes: SecretVec::from_slice(bytes),
            public: HpkePublicKey::from_bytes(kem, &pk)?,
        };
        let public = key.public.clone();
        Ok((key, public))
    }

    /// The serialized key (`SerializePrivateKey`).
    pub fn expose_secret(&self) -> &[u8] {
        self.bytes.expose_secret()
    }

    /// The public key, computed when the private key was made.
    pub const fn public_key(&self) -> &HpkePublicKey {
        &self.public
    }

    /// The DHKEM(X25519) private key and public key.
    fn x25519(&self) -> Result<(SecretBytes<{ dhkem_x25519::N }>, &[u8; dhkem_x25519::N])> {
        let sk = SecretBytes::try_from_slice(self.bytes.expose_secret())
            .map_err(|_| Error::Internal("X25519 private key of another length"))?;
        Ok((sk, self.public.x25519()?))
    }

    fn engine(&self) -> hpke_rs::HpkePrivateKey {
        hpke_rs::HpkePrivateKey::new(self.bytes.expose_secret().to_vec())
    }
}

/// A context of either implementation: this crate's for DHKEM(X25519), `hpke-rs`'s for the
/// other KEMs.
enum Context {
    Own(dhkem_x25519::Context),
    Engine(hpke_rs::Context<provider::Provider>),
}

impl Context {
    fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretVec> {
        match self {
            Self::Own(ctx) => ctx.export(exporter_context, len),
            Self::Engine(ctx) => ctx
                .export(exporter_context, len)
                .map(SecretVec::new)
                .map_err(|_| Error::Misuse("HPKE export length exceeds 255 * Nh")),
        }
    }
}

/// A sender's context: seals messages in sequence and exports secrets.
pub struct HpkeSenderContext(Context);

/// A receiver's context: opens messages in sequence and exports secrets.
pub struct HpkeReceiverContext {
    ctx: Context,
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
        match &mut self.0 {
            Context::Own(ctx) => ctx.seal(aad, plaintext),
            Context::Engine(ctx) => ctx
                .seal(aad, plaintext)
                .map_err(|_| Error::Misuse("HPKE seal: export-only suite or sequence exhausted")),
        }
    }

    /// `Context.Export(exporter_context, L)`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `len` exceeds 255 * Nh.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretVec> {
        self.0.export(exporter_context, len)
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
        match &mut self.ctx {
            Context::Own(ctx) => ctx.open(aad, ciphertext),
            Context::Engine(ctx) => ctx
                .open(aad, ciphertext)
                .map_err(|_| Error::DecryptionFailed),
        }
    }

    /// `Context.Export(exporter_context, L)`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `len` exceeds 255 * Nh.
    pub fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretVec> {
        self.ctx.export(exporter_context, len)
    }
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
        self.derive_key_pairs(&[ikm])?
            .pop()
            .ok_or(Error::Internal("HPKE DeriveKeyPair of one gave no key"))
    }

    /// `DeriveKeyPair` of each `ikm`, in order (the node keys of a TreeKEM path). For
    /// DHKEM(X25519) the public keys share one field inversion.
    ///
    /// # Errors
    /// As [`Self::derive_key_pair`], for any of the `ikm`.
    pub fn derive_key_pairs(self, ikms: &[&[u8]]) -> Result<Vec<(HpkePrivateKey, HpkePublicKey)>> {
        if ikms
            .iter()
            .any(|ikm| ikm.len() < self.kem.private_key_len())
        {
            return Err(Error::Misuse(
                "HPKE DeriveKeyPair needs at least Nsk bytes of ikm",
            ));
        }
        let pair = |sk: &[u8], pk: &[u8]| {
            let public = HpkePublicKey::from_bytes(self.kem, pk)?;
            let key = HpkePrivateKey {
                kem: self.kem,
                bytes: SecretVec::from_slice(sk),
                public: public.clone(),
            };
            Ok((key, public))
        };
        if self.kem == HpkeKem::DhKemX25519Sha256 {
            let secrets = ikms
                .iter()
                .map(|ikm| dhkem_x25519::derive_secret(ikm))
                .collect::<Result<Vec<_>>>()?;
            let publics = dhkem_x25519::public_keys(&secrets);
            return secrets
                .iter()
                .zip(publics)
                .map(|(sk, pk)| pair(sk.expose_secret(), &pk))
                .collect();
        }
        ikms.iter()
            .map(|ikm| {
                let (sk, pk) = self
                    .engine(SecretVec::default())
                    .derive_key_pair(ikm)
                    .map_err(|_| Error::Internal("HPKE DeriveKeyPair failed"))?
                    .into_keys();
                pair(sk.as_slice(), pk.as_slice())
            })
            .collect()
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
        if self.kem == HpkeKem::DhKemX25519Sha256 {
            let ikm_e = SecretBytes::try_from_slice(ikm_e.expose_secret())?;
            let schedule = dhkem_x25519::Schedule::new(self, info);
            let (enc, ctx) = dhkem_x25519::setup_sender(&schedule, pk.x25519()?, &ikm_e)?;
            return Ok((enc.to_vec(), HpkeSenderContext(Context::Own(ctx))));
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
        Ok((enc, HpkeSenderContext(Context::Engine(ctx))))
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
        let export_only = self.aead == HpkeAead::ExportOnly;
        if self.kem == HpkeKem::DhKemX25519Sha256 {
            let (sk_r, pk_r) = sk.x25519()?;
            let schedule = dhkem_x25519::Schedule::new(self, info);
            let ctx = dhkem_x25519::setup_receiver(&schedule, enc, &sk_r, pk_r)?;
            return Ok(HpkeReceiverContext {
                ctx: Context::Own(ctx),
                export_only,
            });
        }
        self.engine(SecretVec::default())
            .setup_receiver(enc, &sk.engine(), info, None, None, None)
            .map(|ctx| HpkeReceiverContext {
                ctx: Context::Engine(ctx),
                export_only,
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
        self.sealer(info, aad).seal(pk, plaintext, rng)
    }

    /// A sealer for many `SealBase` calls under the same `info` and `aad`.
    pub fn sealer<'a>(self, info: &'a [u8], aad: &'a [u8]) -> HpkeSealer<'a> {
        HpkeSealer {
            suite: self,
            info,
            aad,
            schedule: (self.kem == HpkeKem::DhKemX25519Sha256)
                .then(|| dhkem_x25519::Schedule::new(self, info)),
        }
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
        if self.kem == HpkeKem::DhKemX25519Sha256 && sk.kem == self.kem {
            let (sk_r, pk_r) = sk.x25519()?;
            let schedule = dhkem_x25519::Schedule::new(self, info);
            return dhkem_x25519::open(&schedule, enc, &sk_r, pk_r, aad, ciphertext);
        }
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

/// `SealBase` to many recipients under one `info` and `aad` ([`HpkeSuite::sealer`]). For
/// DHKEM(X25519) the `info` is hashed once, and a batch shares its field inversions (one for
/// the ephemeral public keys, one for the DH outputs); for the other KEMs each recipient is
/// sealed in turn. Every result is what [`HpkeSuite::seal`] gives with the same randomness.
pub struct HpkeSealer<'a> {
    suite: HpkeSuite,
    info: &'a [u8],
    aad: &'a [u8],
    schedule: Option<dhkem_x25519::Schedule>,
}

impl core::fmt::Debug for HpkeSealer<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HpkeSealer")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl HpkeSealer<'_> {
    /// `SealBase(pkR, info, aad, pt)` to one recipient: `(enc, ct)`.
    ///
    /// # Errors
    /// As [`HpkeSuite::setup_sender`] and [`HpkeSenderContext::seal`].
    pub fn seal(
        &self,
        pk: &HpkePublicKey,
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        self.seal_many([(pk, plaintext, rng)])?
            .pop()
            .ok_or(Error::Internal("HPKE batch of one gave no result"))
    }

    /// `SealBase(pkR, info, aad, pt)` to every `(pkR, pt, rng)`, in order: `(enc, ct)` per
    /// recipient, each recipient's ephemeral key drawn from its own generator (`Nsk` bytes).
    /// The results are those of [`Self::seal`] one by one with the same generators, however
    /// the caller splits the recipients into batches.
    ///
    /// # Errors
    /// As [`Self::seal`], for the batch as a whole: a key of another KEM, a zero DH output
    /// (`X25519-1`: any small-order recipient key fails the batch) or an export-only suite.
    pub fn seal_many<'r, R: CryptoRng>(
        &self,
        recipients: impl IntoIterator<Item = (&'r HpkePublicKey, &'r [u8], R)>,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let Some(schedule) = &self.schedule else {
            return recipients
                .into_iter()
                .map(|(pk, plaintext, mut rng)| {
                    let (enc, mut ctx) = self.suite.setup_sender(pk, self.info, &mut rng)?;
                    Ok((enc, ctx.seal(self.aad, plaintext)?))
                })
                .collect();
        };
        let mut keys = Vec::new();
        let mut ikm_e = Vec::new();
        for (pk, plaintext, mut rng) in recipients {
            self.suite.check_kem(pk)?;
            keys.push((pk.x25519()?, plaintext));
            ikm_e.push(SecretBytes::random(&mut rng));
        }
        dhkem_x25519::seal_batch(schedule, self.aad, &keys, &ikm_e)
    }
}

/// `hpke-rs`'s `SealBase` and `OpenBase` for any suite, over RustCrypto: the oracle this crate's
/// DHKEM(X25519) HPKE is checked against (property tests, the `primitives_hpke_open_differential`
/// fuzz target). `None` for any failure.
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod oracle {
    use super::{HpkePrivateKey, HpkeSuite};
    use crate::SecretVec;

    /// `SealBase` with the ephemeral key derived from `ikm_e` (`Nsk` bytes): `(enc, ct)`.
    #[cfg(test)]
    pub(crate) fn seal(
        suite: HpkeSuite,
        pk: &super::HpkePublicKey,
        info: &[u8],
        aad: &[u8],
        plaintext: &[u8],
        ikm_e: &[u8],
    ) -> Option<(Vec<u8>, Vec<u8>)> {
        suite
            .engine(SecretVec::from_slice(ikm_e))
            .seal(
                &hpke_rs::HpkePublicKey::new(pk.as_bytes().to_vec()),
                info,
                aad,
                plaintext,
                None,
                None,
                None,
            )
            .ok()
    }

    /// `OpenBase(enc, skR, info, aad, ct)`.
    pub(crate) fn open(
        suite: HpkeSuite,
        enc: &[u8],
        sk: &HpkePrivateKey,
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Option<Vec<u8>> {
        suite
            .engine(SecretVec::default())
            .open(enc, &sk.engine(), info, aad, ciphertext, None, None, None)
            .ok()
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

    /// Every KDF and AEAD with DHKEM(X25519).
    fn x25519_suites() -> impl Iterator<Item = HpkeSuite> {
        [
            HpkeKdf::HkdfSha256,
            HpkeKdf::HkdfSha384,
            HpkeKdf::HkdfSha512,
        ]
        .into_iter()
        .flat_map(|kdf| {
            [
                HpkeAead::Aes128Gcm,
                HpkeAead::Aes256Gcm,
                HpkeAead::ChaCha20Poly1305,
            ]
            .map(|aead| HpkeSuite::new(HpkeKem::DhKemX25519Sha256, kdf, aead))
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// This crate's DHKEM(X25519) HPKE and hpke-rs open each other's ciphertexts, and seal
        /// the same bytes from the same `ikmE`, for every KDF and AEAD; a batch of three gives
        /// each single seal byte for byte.
        #[test]
        fn x25519_interoperates_with_hpke_rs(
            ikm_r in proptest::array::uniform32(proptest::prelude::any::<u8>()),
            ikm_e in proptest::collection::vec(proptest::array::uniform32(proptest::prelude::any::<u8>()), 3),
            info in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            aad in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            pt in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..100),
        ) {
            for suite in x25519_suites() {
                let (sk, pk) = suite.derive_key_pair(&ikm_r).unwrap();
                let ours = suite
                    .sealer(&info, &aad)
                    .seal_many(ikm_e.iter().map(|ikm| (&pk, pt.as_slice(), test_support::ReplayRng::new(ikm))))
                    .unwrap();
                for ((enc, ct), ikm) in ours.iter().zip(&ikm_e) {
                    let theirs = oracle::seal(suite, &pk, &info, &aad, &pt, ikm).unwrap();
                    proptest::prop_assert_eq!(&(enc.clone(), ct.clone()), &theirs);
                    proptest::prop_assert_eq!(oracle::open(suite, enc, &sk, &info, &aad, ct), Some(pt.clone()));
                    proptest::prop_assert_eq!(suite.open(enc, &sk, &info, &aad, ct).unwrap(), pt.clone());
                    let single = suite
                        .seal(&pk, &info, &aad, &pt, &mut test_support::ReplayRng::new(ikm))
                        .unwrap();
                    proptest::prop_assert_eq!(&single, &(enc.clone(), ct.clone()));
                }
            }
        }
    }

    /// A small-order recipient key (X25519-1) refuses the single seal and fails a batch as a
    /// whole; an `enc` of small order or of another length does not open.
    #[test]
    fn x25519_small_order_keys_are_refused() {
        let mut rng = test_support::seeded_rng(0x5e);
        let suite = HpkeSuite::new(
            HpkeKem::DhKemX25519Sha256,
            HpkeKdf::HkdfSha256,
            HpkeAead::Aes128Gcm,
        );
        let (sk, pk) = suite.generate_key_pair(&mut rng).unwrap();
        let zero = HpkePublicKey::from_bytes(HpkeKem::DhKemX25519Sha256, &[0; 32]).unwrap();
        assert_eq!(
            suite.seal(&zero, b"", b"", b"m", &mut rng),
            Err(Error::InvalidPublicKey("HPKE"))
        );
        let sealer = suite.sealer(b"", b"");
        assert_eq!(
            sealer
                .seal_many([(&pk, &b"m"[..], &mut rng)])
                .map(|v| v.len()),
            Ok(1)
        );
        let mut rng2 = test_support::seeded_rng(1);
        assert_eq!(
            sealer.seal_many([(&pk, &b"m"[..], &mut rng), (&zero, &b"m"[..], &mut rng2)]),
            Err(Error::InvalidPublicKey("HPKE"))
        );
        let (enc, ct) = suite.seal(&pk, b"", b"", b"m", &mut rng).unwrap();
        for bad in [&[0u8; 32][..], &enc[..31], &[enc.as_slice(), &[0]].concat()] {
            assert_eq!(
                suite.open(bad, &sk, b"", b"", &ct),
                Err(Error::DecryptionFailed)
            );
        }
        assert_eq!(suite.open(&enc, &sk, b"", b"", &ct).unwrap(), b"m");
        assert_eq!(sk.public_key(), &pk);
    }
}
