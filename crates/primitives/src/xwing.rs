//! X-Wing (draft-connolly-cfrg-xwing-kem-06 to -10): the hybrid KEM of ML-KEM-768 and X25519.
//!
//! ```text
//! expandDecapsulationKey(sk):   expanded = SHAKE256(sk, 96)
//!     (pk_M, sk_M) = ML-KEM-768.KeyGen_internal(expanded[0:32], expanded[32:64])
//!     sk_X = expanded[64:96];  pk_X = X25519(sk_X, X25519_BASE)
//! pk = pk_M || pk_X                       (1184 + 32 = 1216 bytes)
//! Encaps(pk, eseed):  m = eseed[0:32], ek_X = eseed[32:64]
//!     (ss_M, ct_M) = ML-KEM-768.Encaps_internal(pk_M, m)
//!     ct_X = X25519(ek_X, X25519_BASE);  ss_X = X25519(ek_X, pk_X)
//!     ct = ct_M || ct_X                   (1088 + 32 = 1120 bytes)
//! Combiner(ss_M, ss_X, ct_X, pk_X) = SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel)
//! XWingLabel = 5c 2e 2f 2f 5e 5c          ("\.//^\")
//! ```
//!
//! The decapsulation key is the 32-byte seed `sk`; the expansion runs once, when the key is
//! built, and its result is cached (ML-KEM on either backend, X25519 with its public key).
//!
//! `XWING-1`: an all-zero X25519 output is an error here, as everywhere in this crate: an
//! encapsulation key whose X25519 part has small order is refused when decoded, and a
//! ciphertext whose `ct_X` has small order fails to decapsulate ([`Error::NonContributory`]).
//! The draft leaves this check optional; callers treat the error as a decryption failure.

use rand_core::CryptoRng;
use sha3::Digest as _;

use crate::{
    Error, MlKemBackend, MlKemCiphertext, MlKemDecapsulationKey, MlKemEncapsulationKey,
    MlKemParams, Result, SecretBytes, X25519PublicKey, X25519SecretKey,
};

/// Length of the decapsulation key (its seed).
pub const SEED_LEN: usize = 32;
/// Length of an encapsulation key.
pub const ENCAPSULATION_KEY_LEN: usize = 1216;
/// Length of a ciphertext.
pub const CIPHERTEXT_LEN: usize = 1120;
/// Length of the encapsulation randomness `eseed`.
pub const ENCAPS_RANDOMNESS_LEN: usize = 64;
/// Length of the shared secret.
pub const SHARED_SECRET_LEN: usize = 32;

const MLKEM_EK_LEN: usize = 1184;
const MLKEM_CT_LEN: usize = 1088;
const LABEL: [u8; 6] = [0x5c, 0x2e, 0x2f, 0x2f, 0x5e, 0x5c];

/// An X-Wing shared secret.
pub type XWingSharedSecret = SecretBytes<SHARED_SECRET_LEN>;

/// An X-Wing encapsulation key.
#[derive(Clone, PartialEq, Eq)]
pub struct XWingEncapsulationKey {
    mlkem: MlKemEncapsulationKey,
    x25519: X25519PublicKey,
    bytes: Box<[u8]>,
}

impl core::fmt::Debug for XWingEncapsulationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("XWingEncapsulationKey")
            .field("x25519", &self.x25519)
            .finish_non_exhaustive()
    }
}

impl XWingEncapsulationKey {
    /// Decodes and checks an encapsulation key on the default ML-KEM backend.
    ///
    /// # Errors
    /// As [`Self::from_bytes_with`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with(bytes, MlKemBackend::default())
    }

    /// Decodes and checks an encapsulation key: the ML-KEM-768 part passes FIPS 203
    /// section 7.2, the X25519 part must not have small order (`XWING-1`).
    ///
    /// # Errors
    /// [`Error::InvalidLength`], [`Error::InvalidEncapsulationKey`] or
    /// [`Error::NonContributory`].
    pub fn from_bytes_with(bytes: &[u8], backend: MlKemBackend) -> Result<Self> {
        Error::check_len(
            "X-Wing encapsulation key",
            ENCAPSULATION_KEY_LEN,
            bytes.len(),
        )?;
        let (pk_m, pk_x) = bytes.split_at(MLKEM_EK_LEN);
        let mlkem = MlKemEncapsulationKey::from_bytes_with(MlKemParams::MlKem768, pk_m, backend)?;
        let x25519 = X25519PublicKey::try_from_slice(pk_x)?;
        // A point of small order gives zero under every clamped scalar: probe with any one.
        X25519SecretKey::from_secret(&SecretBytes::from_array([1u8; 32]))
            .diffie_hellman(&x25519)?;
        Ok(Self {
            mlkem,
            x25519,
            bytes: bytes.into(),
        })
    }

    /// The encoded key `pk_M || pk_X`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Encapsulates a fresh shared secret, with `eseed` drawn from `rng`.
    ///
    /// # Errors
    /// [`Error::NonContributory`] only if the (already checked) X25519 output were zero.
    pub fn encapsulate(
        &self,
        rng: &mut impl CryptoRng,
    ) -> Result<(XWingCiphertext, XWingSharedSecret)> {
        self.encapsulate_deterministic(&SecretBytes::random(rng))
    }

    /// Encapsulation with the given `eseed`. Exposed to callers only through [`crate::hazmat`].
    pub(crate) fn encapsulate_deterministic(
        &self,
        eseed: &SecretBytes<ENCAPS_RANDOMNESS_LEN>,
    ) -> Result<(XWingCiphertext, XWingSharedSecret)> {
        let (m, ek_x) = eseed.expose_secret().split_at(32);
        let m = SecretBytes::try_from_slice(m)?;
        let ek_x = X25519SecretKey::from_secret(&SecretBytes::try_from_slice(ek_x)?);
        let (ct_m, ss_m) = self.mlkem.encapsulate_deterministic(&m);
        let ct_x = ek_x.public_key().clone();
        let ss_x = ek_x.diffie_hellman(&self.x25519)?;
        let ss = combiner(&ss_m, &ss_x, &ct_x, &self.x25519);
        let mut ct = Vec::with_capacity(CIPHERTEXT_LEN);
        ct.extend_from_slice(ct_m.as_bytes());
        ct.extend_from_slice(ct_x.as_bytes());
        Ok((XWingCiphertext(ct.into()), ss))
    }
}

/// An X-Wing ciphertext `ct_M || ct_X` of the right length.
#[derive(Clone, PartialEq, Eq)]
pub struct XWingCiphertext(Box<[u8]>);

impl core::fmt::Debug for XWingCiphertext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "XWingCiphertext({} bytes)", self.0.len())
    }
}

impl XWingCiphertext {
    /// A ciphertext from its bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless it is 1120 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Error::check_len("X-Wing ciphertext", CIPHERTEXT_LEN, bytes.len())?;
        Ok(Self(bytes.into()))
    }

    /// The encoded ciphertext.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// An X-Wing decapsulation key: the seed, and the expanded keys cached.
#[derive(Clone)]
pub struct XWingDecapsulationKey {
    seed: SecretBytes<SEED_LEN>,
    mlkem: MlKemDecapsulationKey,
    x25519: X25519SecretKey,
    ek: XWingEncapsulationKey,
}

impl core::fmt::Debug for XWingDecapsulationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("XWingDecapsulationKey")
            .field("ek", &self.ek)
            .finish_non_exhaustive()
    }
}

impl XWingDecapsulationKey {
    /// A fresh key, its seed drawn from `rng`, on the default ML-KEM backend.
    pub fn generate(rng: &mut impl CryptoRng) -> Self {
        Self::from_seed(&SecretBytes::random(rng))
    }

    /// The key with this 32-byte seed, on the default ML-KEM backend.
    pub fn from_seed(seed: &SecretBytes<SEED_LEN>) -> Self {
        Self::from_seed_with(seed, MlKemBackend::default())
    }

    /// `expandDecapsulationKey(sk)`, run once, on the given ML-KEM backend.
    pub fn from_seed_with(seed: &SecretBytes<SEED_LEN>, backend: MlKemBackend) -> Self {
        let mut expanded = SecretBytes::<96>::from_array([0u8; 96]);
        {
            use shake::{ExtendableOutput as _, Update as _, XofReader as _};
            let mut xof = shake::Shake256::default();
            xof.update(seed.expose_secret());
            xof.finalize_xof().read(expanded.expose_secret_mut());
        }
        let (mlkem_seed, sk_x) = expanded.expose_secret().split_at(64);
        let mut d_z = SecretBytes::<64>::from_array([0u8; 64]);
        d_z.expose_secret_mut().copy_from_slice(mlkem_seed);
        let mut x = SecretBytes::<32>::from_array([0u8; 32]);
        x.expose_secret_mut().copy_from_slice(sk_x);
        let mlkem = MlKemDecapsulationKey::from_seed_with(MlKemParams::MlKem768, &d_z, backend);
        let x25519 = X25519SecretKey::from_secret(&x);
        let mut bytes = Vec::with_capacity(ENCAPSULATION_KEY_LEN);
        bytes.extend_from_slice(mlkem.encapsulation_key().as_bytes());
        bytes.extend_from_slice(x25519.public_key().as_bytes());
        let ek = XWingEncapsulationKey {
            mlkem: mlkem.encapsulation_key().clone(),
            x25519: x25519.public_key().clone(),
            bytes: bytes.into(),
        };
        Self {
            seed: seed.clone(),
            mlkem,
            x25519,
            ek,
        }
    }

    /// The seed, the key's persistent form.
    pub const fn seed(&self) -> &SecretBytes<SEED_LEN> {
        &self.seed
    }

    /// The matching encapsulation key.
    pub const fn encapsulation_key(&self) -> &XWingEncapsulationKey {
        &self.ek
    }

    /// Decapsulates `ct`.
    ///
    /// # Errors
    /// [`Error::NonContributory`] (`XWING-1`) if `ct_X` has small order.
    pub fn decapsulate(&self, ct: &XWingCiphertext) -> Result<XWingSharedSecret> {
        let (ct_m, ct_x) = ct.0.split_at(MLKEM_CT_LEN);
        let ss_m = self
            .mlkem
            .decapsulate(&MlKemCiphertext::from_bytes(MlKemParams::MlKem768, ct_m)?)?;
        let ct_x = X25519PublicKey::try_from_slice(ct_x)?;
        let ss_x = self.x25519.diffie_hellman(&ct_x)?;
        Ok(combiner(&ss_m, &ss_x, &ct_x, self.x25519.public_key()))
    }
}

fn combiner(
    ss_m: &SecretBytes<32>,
    ss_x: &SecretBytes<32>,
    ct_x: &X25519PublicKey,
    pk_x: &X25519PublicKey,
) -> XWingSharedSecret {
    let mut h = sha3::Sha3_256::new();
    h.update(ss_m.expose_secret());
    h.update(ss_x.expose_secret());
    h.update(ct_x.as_bytes());
    h.update(pk_x.as_bytes());
    h.update(LABEL);
    SecretBytes::from_array(h.finalize().into())
}
