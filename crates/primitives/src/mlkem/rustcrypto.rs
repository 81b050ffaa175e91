//! The RustCrypto `ml-kem` backend.

use ml_kem::{Decapsulate as _, KeyExport as _, MlKem512, MlKem768, MlKem1024};

use super::{ENCAPS_RANDOMNESS_LEN, MlKemParams, MlKemSharedSecret, SEED_LEN};
use crate::{Error, Result, SecretBytes};

#[derive(Clone)]
pub(super) enum Ek {
    P512(Box<ml_kem::EncapsulationKey<MlKem512>>),
    P768(Box<ml_kem::EncapsulationKey<MlKem768>>),
    P1024(Box<ml_kem::EncapsulationKey<MlKem1024>>),
}

/// The expanded key, boxed: `ml-kem` zeroizes it on drop (feature `zeroize`).
#[derive(Clone)]
pub(super) enum Dk {
    P512(Box<ml_kem::DecapsulationKey<MlKem512>>),
    P768(Box<ml_kem::DecapsulationKey<MlKem768>>),
    P1024(Box<ml_kem::DecapsulationKey<MlKem1024>>),
}

impl Ek {
    pub(super) fn from_bytes(params: MlKemParams, bytes: &[u8]) -> Result<Self> {
        macro_rules! decode {
            ($variant:ident, $p:ty) => {{
                let arr = bytes
                    .try_into()
                    .map_err(|_| Error::InvalidEncapsulationKey)?;
                let ek = ml_kem::EncapsulationKey::<$p>::new(arr)
                    .map_err(|_| Error::InvalidEncapsulationKey)?;
                Ok(Self::$variant(Box::new(ek)))
            }};
        }
        match params {
            MlKemParams::MlKem512 => decode!(P512, MlKem512),
            MlKemParams::MlKem768 => decode!(P768, MlKem768),
            MlKemParams::MlKem1024 => decode!(P1024, MlKem1024),
        }
    }

    pub(super) fn to_bytes(&self) -> Box<[u8]> {
        match self {
            Self::P512(ek) => ek.to_bytes().as_slice().into(),
            Self::P768(ek) => ek.to_bytes().as_slice().into(),
            Self::P1024(ek) => ek.to_bytes().as_slice().into(),
        }
    }

    pub(super) fn encapsulate(
        &self,
        m: &SecretBytes<ENCAPS_RANDOMNESS_LEN>,
    ) -> (Box<[u8]>, MlKemSharedSecret) {
        let m = ml_kem::B32::from(*m.expose_secret());
        let (ct, ss) = match self {
            Self::P512(ek) => {
                let (ct, ss) = ek.encapsulate_deterministic(&m);
                (ct.as_slice().into(), ss)
            }
            Self::P768(ek) => {
                let (ct, ss) = ek.encapsulate_deterministic(&m);
                (ct.as_slice().into(), ss)
            }
            Self::P1024(ek) => {
                let (ct, ss) = ek.encapsulate_deterministic(&m);
                (ct.as_slice().into(), ss)
            }
        };
        (ct, SecretBytes::from_array(ss.into()))
    }
}

impl Dk {
    pub(super) fn from_seed(params: MlKemParams, seed: &SecretBytes<SEED_LEN>) -> (Self, Ek) {
        let seed = ml_kem::Seed::from(*seed.expose_secret());
        macro_rules! make {
            ($dv:ident, $p:ty) => {{
                let dk = ml_kem::DecapsulationKey::<$p>::from_seed(seed);
                let ek = dk.encapsulation_key().clone();
                (Self::$dv(Box::new(dk)), Ek::$dv(Box::new(ek)))
            }};
        }
        match params {
            MlKemParams::MlKem512 => make!(P512, MlKem512),
            MlKemParams::MlKem768 => make!(P768, MlKem768),
            MlKemParams::MlKem1024 => make!(P1024, MlKem1024),
        }
    }

    #[allow(
        deprecated,
        reason = "expanded-key import is deprecated upstream in favour of seeds; we offer it only \
                  to import keys made elsewhere, after the FIPS 203 section 7.3 check"
    )]
    pub(super) fn from_expanded(params: MlKemParams, dk: &[u8]) -> Result<Self> {
        macro_rules! import {
            ($v:ident, $p:ty) => {{
                let arr = dk.try_into().map_err(|_| Error::InvalidDecapsulationKey)?;
                let key = ml_kem::DecapsulationKey::<$p>::from_expanded(arr)
                    .map_err(|_| Error::InvalidDecapsulationKey)?;
                Ok(Self::$v(Box::new(key)))
            }};
        }
        match params {
            MlKemParams::MlKem512 => import!(P512, MlKem512),
            MlKemParams::MlKem768 => import!(P768, MlKem768),
            MlKemParams::MlKem1024 => import!(P1024, MlKem1024),
        }
    }

    /// The FIPS 203 expanded key `dk_pke || ek || H(ek) || z` (for [`crate::hazmat`]).
    #[cfg(feature = "hazmat")]
    #[allow(
        deprecated,
        reason = "expanded-key export is deprecated upstream in favour of seeds; only the hazmat \
                  KATs (the CCTV accumulated test hashes the expanded key) use it"
    )]
    pub(super) fn to_expanded(&self) -> crate::SecretVec {
        use ml_kem::ExpandedKeyEncoding as _;
        match self {
            Self::P512(dk) => crate::SecretVec::from_slice(&dk.to_expanded_bytes()),
            Self::P768(dk) => crate::SecretVec::from_slice(&dk.to_expanded_bytes()),
            Self::P1024(dk) => crate::SecretVec::from_slice(&dk.to_expanded_bytes()),
        }
    }

    pub(super) fn decapsulate(&self, ct: &[u8]) -> Result<MlKemSharedSecret> {
        let bad = |_| Error::Misuse("ML-KEM ciphertext length");
        let ss = match self {
            Self::P512(dk) => dk.decapsulate_slice(ct).map_err(bad)?,
            Self::P768(dk) => dk.decapsulate_slice(ct).map_err(bad)?,
            Self::P1024(dk) => dk.decapsulate_slice(ct).map_err(bad)?,
        };
        Ok(SecretBytes::from_array(ss.into()))
    }
}
