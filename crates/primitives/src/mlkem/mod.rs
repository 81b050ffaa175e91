//! ML-KEM (FIPS 203): ML-KEM-512, ML-KEM-768 and ML-KEM-1024.
//!
//! | parameter set | k | ek bytes | expanded dk bytes | ciphertext bytes |
//! |---------------|---|----------|-------------------|------------------|
//! | ML-KEM-512    | 2 | 800      | 1632              | 768              |
//! | ML-KEM-768    | 3 | 1184     | 2400              | 1088             |
//! | ML-KEM-1024   | 4 | 1568     | 3168              | 1568             |
//!
//! Every parameter set has a 64-byte seed `d || z` (the only form a key is persisted in) and a
//! 32-byte shared secret.
//!
//! - A [`MlKemDecapsulationKey`] is created from its seed (`ML-KEM.KeyGen_internal(d, z)`) and
//!   keeps the expanded key in memory, so nothing is re-derived per decapsulation. The seed is
//!   exported only through [`MlKemDecapsulationKey::to_seed`], as a zeroizing secret.
//! - `MLKEM-EK`: a [`MlKemEncapsulationKey`] exists only after the FIPS 203 section 7.2 check
//!   (type/length, then `ByteEncode12(ByteDecode12(ek)) == ek`, the modulus check).
//! - `MLKEM-DK`: an expanded decapsulation key (for importing keys made elsewhere, such as
//!   libsignal's) passes the section 7.3 checks before use: length, and
//!   `H(dk[384k : 768k+32]) == dk[768k+32 : 768k+64]`; its embedded ek also passes 7.2.
//! - Decapsulation never fails for a ciphertext of the right length: a modified ciphertext
//!   yields the implicit-rejection key `J(z || c)` (section 6.3).
//!
//! Two backends compute the same function: RustCrypto's `ml-kem` (always present) and, with the
//! `libcrux` feature, Cryspen's formally verified `libcrux-ml-kem`. Both pass the same vectors
//! and are cross-checked against each other in the tests.

#[cfg(feature = "libcrux")]
mod libcrux;
mod rustcrypto;

use rand_core::CryptoRng;
use sha3::Digest as _;

use crate::{Error, Result, SecretBytes};

/// Length of a decapsulation-key seed `d || z`.
pub const SEED_LEN: usize = 64;
/// Length of the shared secret.
pub const SHARED_SECRET_LEN: usize = 32;
/// Length of the encapsulation randomness `m`.
pub const ENCAPS_RANDOMNESS_LEN: usize = 32;

/// An ML-KEM shared secret.
pub type MlKemSharedSecret = SecretBytes<SHARED_SECRET_LEN>;

/// An ML-KEM parameter set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MlKemParams {
    /// ML-KEM-512 (security category 1).
    MlKem512,
    /// ML-KEM-768 (security category 3).
    MlKem768,
    /// ML-KEM-1024 (security category 5).
    MlKem1024,
}

impl MlKemParams {
    /// All parameter sets, smallest first.
    pub const ALL: [Self; 3] = [Self::MlKem512, Self::MlKem768, Self::MlKem1024];

    /// The module rank k.
    pub const fn k(self) -> usize {
        match self {
            Self::MlKem512 => 2,
            Self::MlKem768 => 3,
            Self::MlKem1024 => 4,
        }
    }

    /// Length of an encapsulation key: 384k + 32.
    pub const fn encapsulation_key_len(self) -> usize {
        384 * self.k() + 32
    }

    /// Length of an expanded decapsulation key: 768k + 96.
    pub const fn expanded_decapsulation_key_len(self) -> usize {
        768 * self.k() + 96
    }

    /// Length of a ciphertext: 32(du k + dv).
    pub const fn ciphertext_len(self) -> usize {
        match self {
            Self::MlKem512 => 768,
            Self::MlKem768 => 1088,
            Self::MlKem1024 => 1568,
        }
    }

    /// The parameter set with this FIPS 203 name ("ML-KEM-768" and so on), if any.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The FIPS 203 name, "ML-KEM-768" and so on.
    pub const fn name(self) -> &'static str {
        match self {
            Self::MlKem512 => "ML-KEM-512",
            Self::MlKem768 => "ML-KEM-768",
            Self::MlKem1024 => "ML-KEM-1024",
        }
    }
}

/// Which implementation computes ML-KEM. Both give identical results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MlKemBackend {
    /// RustCrypto `ml-kem`.
    RustCrypto,
    /// Cryspen `libcrux-ml-kem` (formally verified; faster). Needs the `libcrux` feature.
    #[cfg(feature = "libcrux")]
    Libcrux,
}

impl Default for MlKemBackend {
    /// `Libcrux` when the `libcrux` feature is on (it is faster), else `RustCrypto`.
    fn default() -> Self {
        #[cfg(feature = "libcrux")]
        {
            Self::Libcrux
        }
        #[cfg(not(feature = "libcrux"))]
        {
            Self::RustCrypto
        }
    }
}

impl MlKemBackend {
    /// A short lower-case name, for messages and benchmark ids.
    pub const fn name(self) -> &'static str {
        match self {
            Self::RustCrypto => "rustcrypto",
            #[cfg(feature = "libcrux")]
            Self::Libcrux => "libcrux",
        }
    }

    /// Every backend compiled in.
    pub fn all() -> &'static [Self] {
        &[
            Self::RustCrypto,
            #[cfg(feature = "libcrux")]
            Self::Libcrux,
        ]
    }
}

/// A backend's parsed encapsulation key.
#[derive(Clone)]
enum EkInner {
    RustCrypto(rustcrypto::Ek),
    #[cfg(feature = "libcrux")]
    Libcrux(libcrux::Ek),
}

/// A backend's expanded decapsulation key.
#[derive(Clone)]
enum DkInner {
    RustCrypto(rustcrypto::Dk),
    #[cfg(feature = "libcrux")]
    Libcrux(libcrux::Dk),
}

/// An ML-KEM encapsulation (public) key that has passed the FIPS 203 section 7.2 check.
#[derive(Clone)]
pub struct MlKemEncapsulationKey {
    params: MlKemParams,
    bytes: Box<[u8]>,
    inner: EkInner,
}

impl PartialEq for MlKemEncapsulationKey {
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params && self.bytes == other.bytes
    }
}

impl Eq for MlKemEncapsulationKey {}

impl core::fmt::Debug for MlKemEncapsulationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let h = crate::hash::sha256(&self.bytes);
        write!(f, "MlKemEncapsulationKey({}, sha256 ", self.params.name())?;
        for b in &h[..8] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "..)")
    }
}

impl MlKemEncapsulationKey {
    /// Decodes and checks an encapsulation key (`MLKEM-EK`), for the default backend.
    ///
    /// # Errors
    /// [`Error::InvalidEncapsulationKey`] if the length or the modulus check fails.
    pub fn from_bytes(params: MlKemParams, bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with(params, bytes, MlKemBackend::default())
    }

    /// As [`Self::from_bytes`], for the given backend.
    ///
    /// # Errors
    /// As [`Self::from_bytes`].
    pub fn from_bytes_with(
        params: MlKemParams,
        bytes: &[u8],
        backend: MlKemBackend,
    ) -> Result<Self> {
        if bytes.len() != params.encapsulation_key_len() {
            return Err(Error::InvalidEncapsulationKey);
        }
        let inner = match backend {
            MlKemBackend::RustCrypto => {
                EkInner::RustCrypto(rustcrypto::Ek::from_bytes(params, bytes)?)
            }
            #[cfg(feature = "libcrux")]
            MlKemBackend::Libcrux => EkInner::Libcrux(libcrux::Ek::from_bytes(params, bytes)?),
        };
        Ok(Self {
            params,
            bytes: bytes.into(),
            inner,
        })
    }

    /// The parameter set.
    pub const fn params(&self) -> MlKemParams {
        self.params
    }

    /// The encoded key.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// `ML-KEM.Encaps`: a fresh shared secret and its ciphertext, with `m` drawn from `rng`.
    pub fn encapsulate(&self, rng: &mut impl CryptoRng) -> (MlKemCiphertext, MlKemSharedSecret) {
        let m = SecretBytes::<ENCAPS_RANDOMNESS_LEN>::random(rng);
        self.encapsulate_deterministic(&m)
    }

    /// `ML-KEM.Encaps_internal(ek, m)`. Exposed to callers only through [`crate::hazmat`].
    pub(crate) fn encapsulate_deterministic(
        &self,
        m: &SecretBytes<ENCAPS_RANDOMNESS_LEN>,
    ) -> (MlKemCiphertext, MlKemSharedSecret) {
        let (ct, ss) = match &self.inner {
            EkInner::RustCrypto(ek) => ek.encapsulate(m),
            #[cfg(feature = "libcrux")]
            EkInner::Libcrux(ek) => ek.encapsulate(m),
        };
        (
            MlKemCiphertext {
                params: self.params,
                bytes: ct,
            },
            ss,
        )
    }
}

/// An ML-KEM ciphertext of the right length for its parameter set.
#[derive(Clone, PartialEq, Eq)]
pub struct MlKemCiphertext {
    params: MlKemParams,
    bytes: Box<[u8]>,
}

impl core::fmt::Debug for MlKemCiphertext {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "MlKemCiphertext({}, {} bytes)",
            self.params.name(),
            self.bytes.len()
        )
    }
}

impl MlKemCiphertext {
    /// A ciphertext from its bytes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] unless `bytes` has the parameter set's ciphertext length.
    pub fn from_bytes(params: MlKemParams, bytes: &[u8]) -> Result<Self> {
        Error::check_len("ML-KEM ciphertext", params.ciphertext_len(), bytes.len())?;
        Ok(Self {
            params,
            bytes: bytes.into(),
        })
    }

    /// The parameter set.
    pub const fn params(&self) -> MlKemParams {
        self.params
    }

    /// The encoded ciphertext.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// An ML-KEM decapsulation key: its seed (when it has one), the expanded key cached for use,
/// and the encapsulation key.
#[derive(Clone)]
pub struct MlKemDecapsulationKey {
    seed: Option<SecretBytes<SEED_LEN>>,
    ek: MlKemEncapsulationKey,
    inner: DkInner,
}

impl core::fmt::Debug for MlKemDecapsulationKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MlKemDecapsulationKey")
            .field("ek", &self.ek)
            .finish_non_exhaustive()
    }
}

impl MlKemDecapsulationKey {
    /// `ML-KEM.KeyGen`: a fresh key, its seed drawn from `rng`, on the default backend.
    pub fn generate(params: MlKemParams, rng: &mut impl CryptoRng) -> Self {
        Self::from_seed(params, &SecretBytes::random(rng))
    }

    /// `ML-KEM.KeyGen_internal(d, z)` from the 64-byte seed `d || z`, on the default backend.
    pub fn from_seed(params: MlKemParams, seed: &SecretBytes<SEED_LEN>) -> Self {
        Self::from_seed_with(params, seed, MlKemBackend::default())
    }

    /// As [`Self::from_seed`], on the given backend.
    pub fn from_seed_with(
        params: MlKemParams,
        seed: &SecretBytes<SEED_LEN>,
        backend: MlKemBackend,
    ) -> Self {
        let (inner, ek_bytes, ek_inner) = match backend {
            MlKemBackend::RustCrypto => {
                let (dk, ek) = rustcrypto::Dk::from_seed(params, seed);
                (
                    DkInner::RustCrypto(dk),
                    ek.to_bytes(),
                    EkInner::RustCrypto(ek),
                )
            }
            #[cfg(feature = "libcrux")]
            MlKemBackend::Libcrux => {
                let (dk, ek) = libcrux::Dk::from_seed(params, seed);
                (DkInner::Libcrux(dk), ek.to_bytes(), EkInner::Libcrux(ek))
            }
        };
        Self {
            seed: Some(seed.clone()),
            ek: MlKemEncapsulationKey {
                params,
                bytes: ek_bytes,
                inner: ek_inner,
            },
            inner,
        }
    }

    /// Imports an expanded decapsulation key (FIPS 203 `dk`, 768k + 96 bytes) made elsewhere,
    /// after the section 7.3 checks (`MLKEM-DK`). Such a key has no seed.
    ///
    /// # Errors
    /// [`Error::InvalidDecapsulationKey`] if the length or the hash check fails, or the embedded
    /// encapsulation key fails the section 7.2 check.
    pub fn from_expanded(params: MlKemParams, dk: &[u8], backend: MlKemBackend) -> Result<Self> {
        check_expanded(params, dk)?;
        let k = params.k();
        let ek_bytes = &dk[384 * k..768 * k + 32];
        let ek = MlKemEncapsulationKey::from_bytes_with(params, ek_bytes, backend)
            .map_err(|_| Error::InvalidDecapsulationKey)?;
        let inner = match backend {
            MlKemBackend::RustCrypto => {
                DkInner::RustCrypto(rustcrypto::Dk::from_expanded(params, dk)?)
            }
            #[cfg(feature = "libcrux")]
            MlKemBackend::Libcrux => DkInner::Libcrux(libcrux::Dk::from_expanded(params, dk)?),
        };
        Ok(Self {
            seed: None,
            ek,
            inner,
        })
    }

    /// The parameter set.
    pub const fn params(&self) -> MlKemParams {
        self.ek.params
    }

    /// The matching encapsulation key.
    pub const fn encapsulation_key(&self) -> &MlKemEncapsulationKey {
        &self.ek
    }

    /// The 64-byte seed `d || z`, the key's persistent form.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a key imported with [`Self::from_expanded`], which has no seed.
    pub fn to_seed(&self) -> Result<SecretBytes<SEED_LEN>> {
        self.seed
            .clone()
            .ok_or(Error::Misuse("an imported expanded ML-KEM key has no seed"))
    }

    /// The FIPS 203 expanded decapsulation key `dk_pke || ek || H(ek) || z` (768k + 96 bytes).
    /// Exposed to callers only through [`crate::hazmat`].
    #[cfg(feature = "hazmat")]
    pub(crate) fn to_expanded(&self) -> crate::SecretVec {
        match &self.inner {
            DkInner::RustCrypto(dk) => dk.to_expanded(),
            #[cfg(feature = "libcrux")]
            DkInner::Libcrux(dk) => dk.to_expanded(),
        }
    }

    /// `ML-KEM.Decaps`: the shared secret for `ct` (the implicit-rejection secret if `ct` was
    /// modified).
    ///
    /// # Errors
    /// [`Error::Misuse`] if `ct` belongs to another parameter set.
    pub fn decapsulate(&self, ct: &MlKemCiphertext) -> Result<MlKemSharedSecret> {
        if ct.params != self.ek.params {
            return Err(Error::Misuse("ML-KEM ciphertext of another parameter set"));
        }
        match &self.inner {
            DkInner::RustCrypto(dk) => dk.decapsulate(&ct.bytes),
            #[cfg(feature = "libcrux")]
            DkInner::Libcrux(dk) => dk.decapsulate(&ct.bytes),
        }
    }
}

/// FIPS 203 section 7.3, checks 2 and 3: the length, then `H(ek) == h` inside `dk`.
fn check_expanded(params: MlKemParams, dk: &[u8]) -> Result<()> {
    if dk.len() != params.expanded_decapsulation_key_len() {
        return Err(Error::InvalidDecapsulationKey);
    }
    let k = params.k();
    let h = sha3::Sha3_256::digest(&dk[384 * k..768 * k + 32]);
    if crate::secret::ct_eq_bytes(&h, &dk[768 * k + 32..768 * k + 64]) {
        Ok(())
    } else {
        Err(Error::InvalidDecapsulationKey)
    }
}
