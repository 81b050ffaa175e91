//! Cipher suites (RFC 9420 section 17.1) and the operations the protocol builds from them
//! (sections 5.1 and 5.2, 8, 9): `RefHash`, `ExpandWithLabel`, `DeriveSecret`,
//! `DeriveTreeSecret`, `SignWithLabel` / `VerifyWithLabel`, `EncryptWithLabel` /
//! `DecryptWithLabel`, the MAC, the AEAD and the KEM's `DeriveKeyPair`, all mapped onto
//! `primitives`. Proven by `crypto-basics.json` (family `mls-crypto-basics`).
//!
//! | id | name | KEM | AEAD | hash | signature |
//! |---|---|---|---|---|---|
//! | 1 | `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519` | DHKEM(X25519) | AES-128-GCM | SHA-256 | Ed25519 |
//! | 2 | `MLS_128_DHKEMP256_AES128GCM_SHA256_P256` | DHKEM(P-256) | AES-128-GCM | SHA-256 | ECDSA P-256 SHA-256 |
//! | 3 | `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519` | DHKEM(X25519) | ChaCha20-Poly1305 | SHA-256 | Ed25519 |
//! | 7 | `MLS_256_DHKEMP384_AES256GCM_SHA384_P384` | DHKEM(P-384) | AES-256-GCM | SHA-384 | ECDSA P-384 SHA-384 |
//!
//! `KDF.Nh` (the hash length) is 32 for suites 1-3 and 48 for suite 7; nothing in this crate
//! assumes either: secrets, tree and transcript hashes, MACs and references all take
//! [`CipherSuite::hash_len`]. Suite 7's HPKE `Nsk` is 48 too, so an `Nh`-byte path or node
//! secret is enough input for its `DeriveKeyPair`.
//!
//! Suites 4, 5 and 6 are not implemented. 4 and 6 need X448 and Ed448, which no crate pinned in
//! this workspace provides; 5 needs DHKEM(P-521), which `hpke-rs-rust-crypto` 0.8 (the HPKE
//! provider under `primitives`) does not offer: its `supports_kem` lists DHKEM over X25519,
//! P-256, secp256k1 and P-384 only. [`CipherSuite::from_id`] reports them as
//! [`Error::Unsupported`], and vector loaders count their entries as skipped.

use primitives::{
    AeadAlgorithm, AeadKey, Ed25519PublicKey, Ed25519SecretKey, HashAlgorithm, HpkeAead, HpkeKdf,
    HpkeKem, HpkePrivateKey, HpkePublicKey, HpkeSuite, Nonce, SecretBytes, SecretVec, ed25519,
    hkdf, hmac,
    p256::{P256PublicKey, P256SecretKey},
    p384::{P384PublicKey, P384SecretKey},
    rand::CryptoRng,
};

use crate::{Error, Result, codec::Writer};

/// The prefix of every label (section 5.1, 8).
const LABEL_PREFIX: &[u8] = b"MLS 1.0 ";

/// An implemented MLS cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CipherSuite {
    /// 0x0001: DHKEM(X25519), AES-128-GCM, SHA-256, Ed25519.
    Mls128X25519Aes128GcmSha256Ed25519,
    /// 0x0002: DHKEM(P-256), AES-128-GCM, SHA-256, ECDSA P-256.
    Mls128P256Aes128GcmSha256P256,
    /// 0x0003: DHKEM(X25519), ChaCha20-Poly1305, SHA-256, Ed25519.
    Mls128X25519ChaCha20Poly1305Sha256Ed25519,
    /// 0x0007: DHKEM(P-384), AES-256-GCM, SHA-384, ECDSA P-384.
    Mls256P384Aes256GcmSha384P384,
}

/// A signature scheme of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// Ed25519 (RFC 8032), 32-byte keys, 64-byte signatures.
    Ed25519,
    /// ECDSA over P-256 with SHA-256: uncompressed SEC1 public keys, DER signatures.
    EcdsaP256Sha256,
    /// ECDSA over P-384 with SHA-384: uncompressed SEC1 public keys, DER signatures.
    EcdsaP384Sha384,
}

impl CipherSuite {
    /// Every implemented suite, by id.
    pub const ALL: [Self; 4] = [
        Self::Mls128X25519Aes128GcmSha256Ed25519,
        Self::Mls128P256Aes128GcmSha256P256,
        Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519,
        Self::Mls256P384Aes256GcmSha384P384,
    ];

    /// The suite's registered id.
    pub const fn id(self) -> u16 {
        match self {
            Self::Mls128X25519Aes128GcmSha256Ed25519 => 1,
            Self::Mls128P256Aes128GcmSha256P256 => 2,
            Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519 => 3,
            Self::Mls256P384Aes256GcmSha384P384 => 7,
        }
    }

    /// The suite with registered id `id`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a registered suite this crate does not implement (4-6) and
    /// for an unknown id.
    pub const fn from_id(id: u16) -> Result<Self> {
        match id {
            1 => Ok(Self::Mls128X25519Aes128GcmSha256Ed25519),
            2 => Ok(Self::Mls128P256Aes128GcmSha256P256),
            3 => Ok(Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519),
            7 => Ok(Self::Mls256P384Aes256GcmSha384P384),
            4..=6 => Err(Error::Unsupported(
                "MLS cipher suite 4-6 (X448/Ed448 or P-521)",
            )),
            _ => Err(Error::Unsupported("unknown MLS cipher suite")),
        }
    }

    /// The hash function (and HKDF's).
    pub const fn hash_algorithm(self) -> HashAlgorithm {
        match self {
            Self::Mls128X25519Aes128GcmSha256Ed25519
            | Self::Mls128P256Aes128GcmSha256P256
            | Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519 => HashAlgorithm::Sha256,
            Self::Mls256P384Aes256GcmSha384P384 => HashAlgorithm::Sha384,
        }
    }

    /// `KDF.Nh`: the hash and KDF output length.
    pub const fn hash_len(self) -> usize {
        self.hash_algorithm().output_len()
    }

    /// The AEAD.
    pub const fn aead_algorithm(self) -> AeadAlgorithm {
        match self {
            Self::Mls128X25519Aes128GcmSha256Ed25519 | Self::Mls128P256Aes128GcmSha256P256 => {
                AeadAlgorithm::Aes128Gcm
            }
            Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519 => AeadAlgorithm::ChaCha20Poly1305,
            Self::Mls256P384Aes256GcmSha384P384 => AeadAlgorithm::Aes256Gcm,
        }
    }

    /// `AEAD.Nk`.
    pub const fn aead_key_len(self) -> usize {
        self.aead_algorithm().key_len()
    }

    /// `AEAD.Nn`.
    pub const fn aead_nonce_len(self) -> usize {
        primitives::aead::NONCE_LEN
    }

    /// The HPKE suite (section 5.1.3).
    pub const fn hpke(self) -> HpkeSuite {
        match self {
            Self::Mls128X25519Aes128GcmSha256Ed25519 => HpkeSuite::new(
                HpkeKem::DhKemX25519Sha256,
                HpkeKdf::HkdfSha256,
                HpkeAead::Aes128Gcm,
            ),
            Self::Mls128P256Aes128GcmSha256P256 => HpkeSuite::new(
                HpkeKem::DhKemP256Sha256,
                HpkeKdf::HkdfSha256,
                HpkeAead::Aes128Gcm,
            ),
            Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519 => HpkeSuite::new(
                HpkeKem::DhKemX25519Sha256,
                HpkeKdf::HkdfSha256,
                HpkeAead::ChaCha20Poly1305,
            ),
            Self::Mls256P384Aes256GcmSha384P384 => HpkeSuite::new(
                HpkeKem::DhKemP384Sha384,
                HpkeKdf::HkdfSha384,
                HpkeAead::Aes256Gcm,
            ),
        }
    }

    /// The signature scheme.
    pub const fn signature_scheme(self) -> SignatureScheme {
        match self {
            Self::Mls128P256Aes128GcmSha256P256 => SignatureScheme::EcdsaP256Sha256,
            Self::Mls256P384Aes256GcmSha384P384 => SignatureScheme::EcdsaP384Sha384,
            Self::Mls128X25519Aes128GcmSha256Ed25519
            | Self::Mls128X25519ChaCha20Poly1305Sha256Ed25519 => SignatureScheme::Ed25519,
        }
    }

    /// `Hash(data)`.
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        self.hash_algorithm().digest(data).as_bytes().to_vec()
    }

    /// `RefHash(label, value)` = `Hash(RefHashInput)` with `RefHashInput { opaque
    /// label<V>; opaque value<V>; }` (section 5.2). The label is used as given, for example
    /// `b"MLS 1.0 KeyPackage Reference"`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `value` is 2^30 bytes or longer.
    pub fn ref_hash(self, label: &[u8], value: &[u8]) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(value.len() + label.len() + 8);
        w.opaque(label);
        w.opaque(value);
        Ok(self.hash(&w.finish()?))
    }

    /// `KDF.Extract(salt, ikm)`.
    pub fn extract(self, salt: &[u8], ikm: &[u8]) -> SecretVec {
        hkdf::extract(self.hash_algorithm(), salt, ikm)
    }

    /// `ExpandWithLabel(secret, label, context, length)` (section 8): `KDF.Expand(secret,
    /// KDFLabel, length)` with `KDFLabel { uint16 length; opaque label<V> = "MLS 1.0 " +
    /// label; opaque context<V>; }`.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a length above `u16::MAX` or `255 * Nh`, or a secret shorter
    /// than `Nh`.
    pub fn expand_with_label(
        self,
        secret: &[u8],
        label: &[u8],
        context: &[u8],
        length: usize,
    ) -> Result<SecretVec> {
        let len16 = u16::try_from(length)
            .map_err(|_| Error::Misuse("ExpandWithLabel length above 65535"))?;
        let mut w = Writer::with_capacity(context.len() + label.len() + 16);
        w.u16(len16);
        w.vector(|w| {
            w.bytes(LABEL_PREFIX);
            w.bytes(label);
        });
        w.opaque(context);
        let info = w.finish()?;
        Ok(hkdf::expand(self.hash_algorithm(), secret, &info, length)?)
    }

    /// `DeriveSecret(secret, label)` = `ExpandWithLabel(secret, label, "", Nh)`.
    ///
    /// # Errors
    /// As [`Self::expand_with_label`].
    pub fn derive_secret(self, secret: &[u8], label: &[u8]) -> Result<SecretVec> {
        self.expand_with_label(secret, label, &[], self.hash_len())
    }

    /// `DeriveTreeSecret(secret, label, generation, length)` =
    /// `ExpandWithLabel(secret, label, generation as uint32, length)` (section 9).
    ///
    /// # Errors
    /// As [`Self::expand_with_label`].
    pub fn derive_tree_secret(
        self,
        secret: &[u8],
        label: &[u8],
        generation: u32,
        length: usize,
    ) -> Result<SecretVec> {
        self.expand_with_label(secret, label, &generation.to_be_bytes(), length)
    }

    /// `MAC(key, data)`: HMAC with the suite's hash.
    pub fn mac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        hmac::mac(self.hash_algorithm(), key, data)
            .as_bytes()
            .to_vec()
    }

    /// Checks `tag == MAC(key, data)` in constant time.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] if it does not match (including a tag of the wrong length).
    pub fn verify_mac(self, key: &[u8], data: &[u8], tag: &[u8]) -> Result<()> {
        hmac::verify(self.hash_algorithm(), key, data, tag).map_err(|_| Error::DecryptionFailed)
    }

    fn aead_key(self, key: &[u8]) -> Result<AeadKey> {
        Ok(AeadKey::new(self.aead_algorithm(), key)?)
    }

    /// `AEAD.Seal(key, nonce, aad, plaintext)`.
    ///
    /// # Errors
    /// [`Error::Crypto`] for a key or nonce of the wrong length.
    pub fn aead_seal(self, key: &[u8], nonce: &[u8], aad: &[u8], pt: &[u8]) -> Result<Vec<u8>> {
        let key = self.aead_key(key)?;
        Ok(key.seal(&Nonce::try_from_slice(nonce)?, aad, pt)?)
    }

    /// `AEAD.Open(key, nonce, aad, ciphertext)`.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] if the ciphertext does not authenticate; [`Error::Crypto`]
    /// for a key or nonce of the wrong length.
    pub fn aead_open(self, key: &[u8], nonce: &[u8], aad: &[u8], ct: &[u8]) -> Result<Vec<u8>> {
        let key = self.aead_key(key)?;
        Ok(key.open(&Nonce::try_from_slice(nonce)?, aad, ct)?)
    }

    /// `KEM.DeriveKeyPair(ikm)` (RFC 9180 section 7.1.3).
    ///
    /// # Errors
    /// [`Error::Crypto`] if `ikm` is shorter than `Nsk`.
    pub fn derive_key_pair(self, ikm: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        Ok(self.hpke().derive_key_pair(ikm)?)
    }

    /// `KEM.DeriveKeyPair(ikm)` of each `ikm`, in order; with X25519 the public keys share one
    /// field inversion.
    ///
    /// # Errors
    /// [`Error::Crypto`] if an `ikm` is shorter than `Nsk`.
    pub fn derive_key_pairs(self, ikms: &[&[u8]]) -> Result<Vec<(HpkePrivateKey, HpkePublicKey)>> {
        Ok(self.hpke().derive_key_pairs(ikms)?)
    }

    /// An HPKE public key of this suite's KEM.
    ///
    /// # Errors
    /// [`Error::Crypto`] if the bytes are not a valid public key.
    pub fn hpke_public_key(self, bytes: &[u8]) -> Result<HpkePublicKey> {
        Ok(HpkePublicKey::from_bytes(self.hpke().kem, bytes)?)
    }

    /// An HPKE private key of this suite's KEM, with its public key.
    ///
    /// # Errors
    /// [`Error::Crypto`] if the bytes are not a valid private key.
    pub fn hpke_private_key(self, bytes: &[u8]) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        Ok(HpkePrivateKey::from_bytes(self.hpke().kem, bytes)?)
    }

    /// `EncryptWithLabel(public_key, label, context, plaintext)` (section 5.1.3): HPKE
    /// `SealBase(public_key, EncryptContext, "", plaintext)` with `EncryptContext { opaque
    /// label<V> = "MLS 1.0 " + label; opaque context<V>; }`. Returns `(kem_output,
    /// ciphertext)`.
    ///
    /// # Errors
    /// [`Error::Crypto`] for a key of another KEM or a zero Diffie-Hellman output.
    pub fn encrypt_with_label(
        self,
        public_key: &HpkePublicKey,
        label: &[u8],
        context: &[u8],
        plaintext: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<(Vec<u8>, Vec<u8>)> {
        let info = labeled(label, context)?;
        Ok(self.hpke().seal(public_key, &info, &[], plaintext, rng)?)
    }

    /// `EncryptWithLabel(public_key, label, context, plaintext)` to many recipients under one
    /// `label` and `context` (an UpdatePath's path secrets, a Welcome's GroupSecrets): one
    /// `(kem_output, ciphertext)` per `(public_key, plaintext, rng)`, each exactly what
    /// [`Self::encrypt_with_label`] gives with that generator. The encryption context is encoded
    /// and hashed once, and with DHKEM(X25519) the batch shares its field inversions
    /// ([`primitives::HpkeSealer::seal_many`]).
    ///
    /// # Errors
    /// As [`Self::encrypt_with_label`], for the batch as a whole.
    pub fn encrypt_with_label_many<'r, R: CryptoRng>(
        self,
        label: &[u8],
        context: &[u8],
        recipients: impl IntoIterator<Item = (&'r HpkePublicKey, &'r [u8], R)>,
    ) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let info = labeled(label, context)?;
        Ok(self.hpke().sealer(&info, &[]).seal_many(recipients)?)
    }

    /// `DecryptWithLabel(private_key, label, context, kem_output, ciphertext)`.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for any failure to decapsulate or open.
    pub fn decrypt_with_label(
        self,
        private_key: &HpkePrivateKey,
        label: &[u8],
        context: &[u8],
        kem_output: &[u8],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>> {
        let info = labeled(label, context)?;
        self.hpke()
            .open(kem_output, private_key, &info, &[], ciphertext)
            .map_err(|_| Error::DecryptionFailed)
    }

    /// `SignWithLabel(key, label, content)` (section 5.1.2): the signature over `SignContent
    /// { opaque label<V> = "MLS 1.0 " + label; opaque content<V>; }`.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a key of another scheme or content of 2^30 bytes or more.
    pub fn sign_with_label(
        self,
        key: &SignaturePrivateKey,
        label: &[u8],
        content: &[u8],
    ) -> Result<Vec<u8>> {
        let tbs = labeled(label, content)?;
        match (self.signature_scheme(), key) {
            (SignatureScheme::Ed25519, SignaturePrivateKey::Ed25519(k)) => {
                Ok(k.sign(&tbs).to_vec())
            }
            (SignatureScheme::EcdsaP256Sha256, SignaturePrivateKey::EcdsaP256(k)) => {
                Ok(k.sign(&tbs))
            }
            (SignatureScheme::EcdsaP384Sha384, SignaturePrivateKey::EcdsaP384(k)) => {
                Ok(k.sign(&tbs))
            }
            _ => Err(Error::Misuse("signature key of another scheme")),
        }
    }

    /// `VerifyWithLabel(public_key, label, content, signature)`.
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] if the signature does not verify, or the public key is
    /// not a valid key of the suite's scheme.
    pub fn verify_with_label(
        self,
        public_key: &[u8],
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        let tbs = labeled(label, content)?;
        let key = self
            .signature_public_key(public_key)
            .map_err(|_| Error::VerificationFailed)?;
        key.verify(&tbs, signature)
    }

    /// `VerifyWithLabel` under a key decoded before with [`Self::signature_public_key`]
    /// (a group keeps its members' keys decoded: the Ed25519 point decompression is a
    /// field exponentiation, a tenth of a verification).
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] if the signature does not verify or the key is not of
    /// the suite's scheme.
    pub fn verify_with_label_key(
        self,
        public_key: &SignaturePublicKey,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        if public_key.scheme() != self.signature_scheme() {
            return Err(Error::VerificationFailed);
        }
        public_key.verify(&labeled(label, content)?, signature)
    }

    /// `VerifyWithLabel` of many signatures under one label, at once: the same verdict as
    /// [`Self::verify_with_label_key`] on each, which is exact for ECDSA suites (verified one
    /// by one). Ed25519 suites check one batch equation ([`primitives::ed25519::verify_batch`],
    /// about a third of the cost per signature); its documentation shows it accepts every
    /// batch of valid signatures, and that the only signatures it can accept that
    /// verification one by one refuses carry torsion components that only the key's owner
    /// can build.
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] if a signature does not verify or a key is not of the
    /// suite's scheme.
    pub fn verify_with_label_batch(self, label: &[u8], items: &[Signed<'_>]) -> Result<()> {
        let tbs = items
            .iter()
            .map(|item| labeled(label, item.content))
            .collect::<Result<Vec<_>>>()?;
        if self.signature_scheme() == SignatureScheme::Ed25519 {
            let entries = items
                .iter()
                .zip(&tbs)
                .map(|(item, message)| match item.key {
                    SignaturePublicKey::Ed25519(key) => Ok(ed25519::BatchEntry {
                        key,
                        message,
                        signature: item.signature,
                    }),
                    _ => Err(Error::VerificationFailed),
                })
                .collect::<Result<Vec<_>>>()?;
            return Ok(ed25519::verify_batch(&entries)?);
        }
        for (item, message) in items.iter().zip(&tbs) {
            if item.key.scheme() != self.signature_scheme() {
                return Err(Error::VerificationFailed);
            }
            item.key.verify(message, item.signature)?;
        }
        Ok(())
    }

    /// Decodes a signature public key of the suite's scheme (the encoding of
    /// [`SignaturePrivateKey::public_key`]).
    ///
    /// # Errors
    /// [`Error::Crypto`] if the bytes are not a valid public key of the scheme.
    pub fn signature_public_key(self, bytes: &[u8]) -> Result<SignaturePublicKey> {
        Ok(match self.signature_scheme() {
            SignatureScheme::Ed25519 => {
                SignaturePublicKey::Ed25519(Ed25519PublicKey::from_bytes(bytes)?)
            }
            SignatureScheme::EcdsaP256Sha256 => {
                SignaturePublicKey::EcdsaP256(P256PublicKey::from_bytes(bytes)?)
            }
            SignatureScheme::EcdsaP384Sha384 => {
                SignaturePublicKey::EcdsaP384(P384PublicKey::from_bytes(bytes)?)
            }
        })
    }

    /// A fresh signature key pair of the suite's scheme.
    pub fn generate_signature_key(self, rng: &mut impl CryptoRng) -> SignaturePrivateKey {
        match self.signature_scheme() {
            SignatureScheme::Ed25519 => {
                SignaturePrivateKey::Ed25519(Ed25519SecretKey::generate(rng))
            }
            SignatureScheme::EcdsaP256Sha256 => {
                SignaturePrivateKey::EcdsaP256(P256SecretKey::generate(rng))
            }
            SignatureScheme::EcdsaP384Sha384 => {
                SignaturePrivateKey::EcdsaP384(P384SecretKey::generate(rng))
            }
        }
    }

    /// A signature private key of the suite's scheme from its serialization (the 32-byte
    /// Ed25519 seed, or the big-endian ECDSA scalar: 32 bytes for P-256, 48 for P-384).
    ///
    /// # Errors
    /// [`Error::Crypto`] if the bytes are not a valid private key (including one of another
    /// length).
    pub fn signature_key_from_bytes(self, bytes: &[u8]) -> Result<SignaturePrivateKey> {
        Ok(match self.signature_scheme() {
            SignatureScheme::Ed25519 => SignaturePrivateKey::Ed25519(
                Ed25519SecretKey::from_secret(&SecretBytes::try_from_slice(bytes)?),
            ),
            SignatureScheme::EcdsaP256Sha256 => SignaturePrivateKey::EcdsaP256(
                P256SecretKey::from_secret(&SecretBytes::try_from_slice(bytes)?)?,
            ),
            SignatureScheme::EcdsaP384Sha384 => SignaturePrivateKey::EcdsaP384(
                P384SecretKey::from_secret(&SecretBytes::try_from_slice(bytes)?)?,
            ),
        })
    }
}

/// A signature private key. Zeroized on drop; `Debug` shows only the scheme.
#[derive(Debug)]
#[non_exhaustive]
pub enum SignaturePrivateKey {
    /// An Ed25519 key.
    Ed25519(Ed25519SecretKey),
    /// An ECDSA P-256 key.
    EcdsaP256(P256SecretKey),
    /// An ECDSA P-384 key.
    EcdsaP384(P384SecretKey),
}

impl SignaturePrivateKey {
    /// The encoded public key (`SignaturePublicKey`): 32 bytes for Ed25519, the uncompressed
    /// SEC1 point for P-256 (65 bytes) and P-384 (97 bytes).
    pub fn public_key(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.public_key().as_bytes().to_vec(),
            Self::EcdsaP256(k) => k.public_key().as_bytes().to_vec(),
            Self::EcdsaP384(k) => k.public_key().as_bytes().to_vec(),
        }
    }
}

/// One signature for [`CipherSuite::verify_with_label_batch`]: the signer's decoded key,
/// the content before labeling and the signature.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// The signer's key.
    pub key: &'a SignaturePublicKey,
    /// The signed content, without the label (as for `VerifyWithLabel`).
    pub content: &'a [u8],
    /// The signature.
    pub signature: &'a [u8],
}

/// A decoded signature public key (see [`CipherSuite::signature_public_key`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SignaturePublicKey {
    /// An Ed25519 key.
    Ed25519(Ed25519PublicKey),
    /// An ECDSA P-256 key.
    EcdsaP256(P256PublicKey),
    /// An ECDSA P-384 key.
    EcdsaP384(P384PublicKey),
}

impl SignaturePublicKey {
    /// The encoding it was decoded from.
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Self::Ed25519(k) => k.as_bytes(),
            Self::EcdsaP256(k) => k.as_bytes(),
            Self::EcdsaP384(k) => k.as_bytes(),
        }
    }

    /// Its scheme.
    pub const fn scheme(&self) -> SignatureScheme {
        match self {
            Self::Ed25519(_) => SignatureScheme::Ed25519,
            Self::EcdsaP256(_) => SignatureScheme::EcdsaP256Sha256,
            Self::EcdsaP384(_) => SignatureScheme::EcdsaP384Sha384,
        }
    }

    /// Verifies `signature` over the already labeled `tbs`.
    fn verify(&self, tbs: &[u8], signature: &[u8]) -> Result<()> {
        let ok = match self {
            Self::Ed25519(k) => k.verify(tbs, signature).is_ok(),
            Self::EcdsaP256(k) => k.verify(tbs, signature).is_ok(),
            Self::EcdsaP384(k) => k.verify(tbs, signature).is_ok(),
        };
        if ok {
            Ok(())
        } else {
            Err(Error::VerificationFailed)
        }
    }
}

/// `struct { opaque label<V> = "MLS 1.0 " + label; opaque content<V>; }`: both
/// `SignContent` (section 5.1.2) and `EncryptContext` (section 5.1.3).
fn labeled(label: &[u8], content: &[u8]) -> Result<Vec<u8>> {
    let mut w = Writer::with_capacity(content.len() + label.len() + 16);
    w.vector(|w| {
        w.bytes(LABEL_PREFIX);
        w.bytes(label);
    });
    w.opaque(content);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unimplemented_suites_refused() {
        for suite in CipherSuite::ALL {
            assert_eq!(CipherSuite::from_id(suite.id()), Ok(suite));
        }
        let ids: Vec<u16> = CipherSuite::ALL.iter().map(|s| s.id()).collect();
        assert_eq!(ids, [1, 2, 3, 7]);
        for id in [0, 4, 5, 6, 8, 0xffff] {
            assert!(matches!(
                CipherSuite::from_id(id),
                Err(Error::Unsupported(_))
            ));
        }
    }

    /// Each suite's parameters as RFC 9420 section 17.1 and RFC 9180 section 7 give them:
    /// `(Nh, Nk, Nsk, Npk, signature public key length)`.
    #[test]
    fn parameters_per_suite() {
        for (suite, params) in [
            (
                CipherSuite::Mls128X25519Aes128GcmSha256Ed25519,
                (32, 16, 32, 32, 32),
            ),
            (
                CipherSuite::Mls128P256Aes128GcmSha256P256,
                (32, 16, 32, 65, 65),
            ),
            (
                CipherSuite::Mls128X25519ChaCha20Poly1305Sha256Ed25519,
                (32, 32, 32, 32, 32),
            ),
            (
                CipherSuite::Mls256P384Aes256GcmSha384P384,
                (48, 32, 48, 97, 97),
            ),
        ] {
            let mut rng = test_support::seeded_rng(u64::from(suite.id()));
            let signer = suite.generate_signature_key(&mut rng);
            let kem = suite.hpke().kem;
            assert_eq!(
                (
                    suite.hash_len(),
                    suite.aead_key_len(),
                    kem.private_key_len(),
                    kem.public_key_len(),
                    signer.public_key().len(),
                ),
                params,
                "{suite:?}"
            );
            assert_eq!(suite.hash(b"").len(), suite.hash_len());
            assert_eq!(suite.mac(b"k", b"").len(), suite.hash_len());
            // An Nh-byte secret is enough DeriveKeyPair input (Nsk <= Nh).
            let secret = SecretVec::random(suite.hash_len(), &mut rng);
            suite.derive_key_pair(secret.expose_secret()).unwrap();
        }
    }

    #[test]
    fn signature_keys_of_another_scheme_or_length_refused() {
        let mut rng = test_support::seeded_rng(17);
        let p256 = CipherSuite::Mls128P256Aes128GcmSha256P256;
        let p384 = CipherSuite::Mls256P384Aes256GcmSha384P384;
        let k256 = p256.generate_signature_key(&mut rng);
        let k384 = p384.generate_signature_key(&mut rng);
        // Each suite signs only with its own scheme's key.
        assert!(matches!(
            p384.sign_with_label(&k256, b"l", b"c"),
            Err(Error::Misuse(_))
        ));
        assert!(matches!(
            p256.sign_with_label(&k384, b"l", b"c"),
            Err(Error::Misuse(_))
        ));
        let sig = p384.sign_with_label(&k384, b"l", b"c").unwrap();
        p384.verify_with_label(&k384.public_key(), b"l", b"c", &sig)
            .unwrap();
        // A P-384 signature and key mean nothing to suite 2.
        assert_eq!(
            p256.verify_with_label(&k384.public_key(), b"l", b"c", &sig),
            Err(Error::VerificationFailed)
        );
        // Scalars of the other curve's length are refused.
        assert!(p384.signature_key_from_bytes(&[1; 32]).is_err());
        assert!(p256.signature_key_from_bytes(&[1; 48]).is_err());
        assert!(p384.signature_key_from_bytes(&[1; 48]).is_ok());
    }
}
