//! Recipient keys: FIPS 203 section 7.1 (`ML-KEM.KeyGen` from the seed `d || z`) and 7.2 (the
//! encapsulation-key check), and X-Wing's `expandDecapsulationKey` (draft-connolly-cfrg-xwing-kem
//! section 5.2) from its 32-byte seed.
//!
//! ```text
//! DecapsulationKey  = seed (persisted, zeroized)  +  expanded key (cached by primitives)
//!                     + EncapsulationKey
//! EncapsulationKey  = checked ek (FIPS 203 7.2 / X-Wing)  +  ek_hash = SHA-256(ek) (cached)
//! ```
//!
//! The seed is the only persisted form: [`DecapsulationKey::export_seed`] hands it out as a
//! zeroizing [`SecretVec`], and [`DecapsulationKey::from_seed`] rebuilds the same key. The
//! expensive expansion runs once, when the key is built, never per message; so does
//! `SHA-256(ek)`, which every message's key schedule binds.

use core::fmt;

use primitives::{
    MlKemBackend, MlKemCiphertext, MlKemDecapsulationKey, MlKemEncapsulationKey, MlKemParams,
    SecretBytes, SecretVec, XWingCiphertext, XWingDecapsulationKey, XWingEncapsulationKey,
    hash::sha256, mlkem, rand::CryptoRng, xwing,
};

use crate::{Error, ParameterSet, Result, params::SHARED_SECRET_LEN};

/// The 32-byte shared secret of one encapsulation (zeroized on drop).
pub(crate) type SharedSecret = SecretBytes<SHARED_SECRET_LEN>;

#[derive(Clone)]
enum EkInner {
    MlKem(MlKemEncapsulationKey),
    XWing(XWingEncapsulationKey),
}

enum DkInner {
    MlKem(MlKemDecapsulationKey),
    XWing(XWingDecapsulationKey),
}

/// A recipient's encapsulation (public) key, checked on decode (`KEY-2`), with its parameter
/// set and its SHA-256 hash cached.
#[derive(Clone)]
pub struct EncapsulationKey {
    params: ParameterSet,
    inner: EkInner,
    ek_hash: [u8; 32],
}

impl PartialEq for EncapsulationKey {
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params && self.as_bytes() == other.as_bytes()
    }
}

impl Eq for EncapsulationKey {}

impl fmt::Debug for EncapsulationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EncapsulationKey({}, sha256 ", self.params)?;
        for b in self.ek_hash.iter().take(8) {
            write!(f, "{b:02x}")?;
        }
        write!(f, "..)")
    }
}

impl EncapsulationKey {
    /// Decodes and checks an encapsulation key of parameter set `params`, on the default
    /// ML-KEM backend.
    ///
    /// # Errors
    /// [`Error::InvalidEncapsulationKey`] (`KEY-2`) if the length is wrong, an ML-KEM
    /// coefficient is not reduced modulo q (FIPS 203 section 7.2), or an X-Wing key's X25519
    /// part has small order.
    pub fn from_bytes(params: ParameterSet, bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with(params, bytes, MlKemBackend::default())
    }

    /// As [`Self::from_bytes`], computing ML-KEM on `backend`.
    ///
    /// # Errors
    /// As [`Self::from_bytes`].
    pub fn from_bytes_with(
        params: ParameterSet,
        bytes: &[u8],
        backend: MlKemBackend,
    ) -> Result<Self> {
        let invalid = |source| Error::InvalidEncapsulationKey { params, source };
        let inner = match params.mlkem() {
            Some(p) => EkInner::MlKem(
                MlKemEncapsulationKey::from_bytes_with(p, bytes, backend).map_err(invalid)?,
            ),
            None => EkInner::XWing(
                XWingEncapsulationKey::from_bytes_with(bytes, backend).map_err(invalid)?,
            ),
        };
        Ok(Self::new(params, inner))
    }

    fn new(params: ParameterSet, inner: EkInner) -> Self {
        let bytes = match &inner {
            EkInner::MlKem(ek) => ek.as_bytes(),
            EkInner::XWing(ek) => ek.as_bytes(),
        };
        let ek_hash = sha256(bytes);
        Self {
            params,
            inner,
            ek_hash,
        }
    }

    /// The parameter set.
    pub const fn params(&self) -> ParameterSet {
        self.params
    }

    /// The encoded key (`ek` for ML-KEM, `pk_M || pk_X` for X-Wing).
    pub fn as_bytes(&self) -> &[u8] {
        match &self.inner {
            EkInner::MlKem(ek) => ek.as_bytes(),
            EkInner::XWing(ek) => ek.as_bytes(),
        }
    }

    /// `SHA-256(ek)`, computed once when the key was built. Every envelope's key schedule
    /// binds it; it also serves as a public fingerprint of the key.
    pub const fn ek_hash(&self) -> &[u8; 32] {
        &self.ek_hash
    }

    /// A fresh encapsulation: the KEM ciphertext and the shared secret. The randomness (`m`,
    /// or X-Wing's `eseed`) is drawn from `rng` inside `primitives` and zeroized there.
    pub(crate) fn encapsulate(
        &self,
        rng: &mut impl CryptoRng,
    ) -> Result<(Box<[u8]>, SharedSecret)> {
        match &self.inner {
            EkInner::MlKem(ek) => {
                let (ct, ss) = ek.encapsulate(rng);
                Ok((ct.as_bytes().into(), ss))
            }
            EkInner::XWing(ek) => {
                let (ct, ss) = ek.encapsulate(rng)?;
                Ok((ct.as_bytes().into(), ss))
            }
        }
    }
}

/// A recipient's decapsulation (private) key: its seed, the expanded key cached for use, and
/// its [`EncapsulationKey`].
///
/// Neither `Clone` nor printable beyond its parameter set and public-key hash: the seed and
/// the expanded key are zeroized on drop (by [`SecretVec`] and by `primitives`).
pub struct DecapsulationKey {
    inner: DkInner,
    /// The seed, for `export_seed`. `primitives` keeps a copy too, but its ML-KEM accessor
    /// (`MlKemDecapsulationKey::to_seed`) is fallible, for keys imported in expanded form;
    /// every key of this crate comes from a seed, so keeping our own (zeroizing) copy makes
    /// the export infallible without an unreachable error path.
    seed: SecretVec,
    ek: EncapsulationKey,
}

impl fmt::Debug for DecapsulationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecapsulationKey")
            .field("ek", &self.ek)
            .finish_non_exhaustive()
    }
}

impl DecapsulationKey {
    /// A fresh key of parameter set `params`, its seed drawn from `rng`, on the default ML-KEM
    /// backend.
    pub fn generate(params: ParameterSet, rng: &mut impl CryptoRng) -> Self {
        Self::generate_with(params, rng, MlKemBackend::default())
    }

    /// As [`Self::generate`], computing ML-KEM on `backend`.
    pub fn generate_with(
        params: ParameterSet,
        rng: &mut impl CryptoRng,
        backend: MlKemBackend,
    ) -> Self {
        match params.mlkem() {
            Some(p) => Self::from_mlkem_seed(params, p, &SecretBytes::random(rng), backend),
            None => Self::from_xwing_seed(&SecretBytes::random(rng), backend),
        }
    }

    /// Rebuilds the key with this seed (`d || z`, 64 bytes, for ML-KEM; `sk`, 32 bytes, for
    /// X-Wing) on the default ML-KEM backend: `ML-KEM.KeyGen_internal(d, z)` or X-Wing's
    /// `expandDecapsulationKey(sk)`.
    ///
    /// # Errors
    /// [`Error::InvalidSeedLength`] (`KEY-1`) if `seed` is not [`ParameterSet::seed_len`]
    /// bytes long.
    pub fn from_seed(params: ParameterSet, seed: &[u8]) -> Result<Self> {
        Self::from_seed_with(params, seed, MlKemBackend::default())
    }

    /// As [`Self::from_seed`], computing ML-KEM on `backend`. Both backends give the same key.
    ///
    /// # Errors
    /// As [`Self::from_seed`].
    pub fn from_seed_with(
        params: ParameterSet,
        seed: &[u8],
        backend: MlKemBackend,
    ) -> Result<Self> {
        let bad_len = |_| Error::InvalidSeedLength {
            params,
            expected: params.seed_len(),
            actual: seed.len(),
        };
        // The fixed-size copies are `SecretBytes`: zeroized when dropped at the end of the arm.
        Ok(match params.mlkem() {
            Some(p) => Self::from_mlkem_seed(
                params,
                p,
                &SecretBytes::try_from_slice(seed).map_err(bad_len)?,
                backend,
            ),
            None => Self::from_xwing_seed(
                &SecretBytes::try_from_slice(seed).map_err(bad_len)?,
                backend,
            ),
        })
    }

    fn from_mlkem_seed(
        params: ParameterSet,
        p: MlKemParams,
        seed: &SecretBytes<{ mlkem::SEED_LEN }>,
        backend: MlKemBackend,
    ) -> Self {
        let dk = MlKemDecapsulationKey::from_seed_with(p, seed, backend);
        let ek = EncapsulationKey::new(params, EkInner::MlKem(dk.encapsulation_key().clone()));
        Self {
            inner: DkInner::MlKem(dk),
            seed: SecretVec::from_slice(seed.expose_secret()),
            ek,
        }
    }

    fn from_xwing_seed(seed: &SecretBytes<{ xwing::SEED_LEN }>, backend: MlKemBackend) -> Self {
        let dk = XWingDecapsulationKey::from_seed_with(seed, backend);
        let ek = EncapsulationKey::new(
            ParameterSet::XWing,
            EkInner::XWing(dk.encapsulation_key().clone()),
        );
        Self {
            inner: DkInner::XWing(dk),
            seed: SecretVec::from_slice(seed.expose_secret()),
            ek,
        }
    }

    /// The parameter set.
    pub const fn params(&self) -> ParameterSet {
        self.ek.params
    }

    /// The matching encapsulation key, to hand to senders.
    pub const fn encapsulation_key(&self) -> &EncapsulationKey {
        &self.ek
    }

    /// Exports the seed, the key's only persistent form ([`ParameterSet::seed_len`] bytes).
    /// The copy is the caller's: it is zeroized when the returned [`SecretVec`] is dropped.
    /// Store it encrypted; [`Self::from_seed`] restores the key.
    pub fn export_seed(&self) -> SecretVec {
        self.seed.clone()
    }

    /// Decapsulates `kem_ciphertext`, already checked to have this parameter set's length.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] for every failure (a length mismatch, X-Wing's `XWING-1`
    /// small-order `ct_X`): `open` must not say which.
    pub(crate) fn decapsulate(&self, kem_ciphertext: &[u8]) -> Result<SharedSecret> {
        match &self.inner {
            DkInner::MlKem(dk) => {
                let ct = MlKemCiphertext::from_bytes(dk.params(), kem_ciphertext)
                    .map_err(|_| Error::DecryptionFailed)?;
                dk.decapsulate(&ct).map_err(|_| Error::DecryptionFailed)
            }
            DkInner::XWing(dk) => {
                let ct = XWingCiphertext::from_bytes(kem_ciphertext)
                    .map_err(|_| Error::DecryptionFailed)?;
                dk.decapsulate(&ct).map_err(|_| Error::DecryptionFailed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_prints_no_seed_bytes() {
        for params in ParameterSet::ALL {
            let seed = vec![0xA5u8; params.seed_len()];
            let dk = DecapsulationKey::from_seed(params, &seed).unwrap();
            let text = format!("{dk:?}");
            assert!(
                !text.contains("a5a5") && !text.contains("A5A5") && !text.contains("165"),
                "{text}"
            );
            assert!(text.contains(params.name()));
            let exported = format!("{:?}", dk.export_seed());
            assert!(exported.contains("redacted") && !exported.contains("a5"));
        }
    }

    #[test]
    fn seed_length_is_checked() {
        for params in ParameterSet::ALL {
            let err = DecapsulationKey::from_seed(params, &[0u8; 48]).unwrap_err();
            assert_eq!(
                err,
                Error::InvalidSeedLength {
                    params,
                    expected: params.seed_len(),
                    actual: 48
                }
            );
        }
    }
}
