//! The Cryspen `libcrux-ml-kem` backend (feature `libcrux`).
//!
//! libcrux keeps keys in their packed FIPS 203 encodings and does not zeroize them, so the
//! private key lives in [`Dk`], which zeroizes it on drop.

use libcrux_ml_kem::{
    MlKemCiphertext, MlKemPrivateKey, MlKemPublicKey, mlkem512, mlkem768, mlkem1024,
};
use zeroize::Zeroize;

use super::{ENCAPS_RANDOMNESS_LEN, MlKemParams, MlKemSharedSecret, SEED_LEN};
use crate::{Error, Result, SecretBytes};

#[derive(Clone)]
pub(super) enum Ek {
    P512(Box<MlKemPublicKey<800>>),
    P768(Box<MlKemPublicKey<1184>>),
    P1024(Box<MlKemPublicKey<1568>>),
}

pub(super) enum Dk {
    P512(Box<MlKemPrivateKey<1632>>),
    P768(Box<MlKemPrivateKey<2400>>),
    P1024(Box<MlKemPrivateKey<3168>>),
}

impl Clone for Dk {
    fn clone(&self) -> Self {
        match self {
            Self::P512(sk) => Self::P512(Box::new(MlKemPrivateKey::from(sk.as_slice()))),
            Self::P768(sk) => Self::P768(Box::new(MlKemPrivateKey::from(sk.as_slice()))),
            Self::P1024(sk) => Self::P1024(Box::new(MlKemPrivateKey::from(sk.as_slice()))),
        }
    }
}

impl Drop for Dk {
    fn drop(&mut self) {
        match self {
            Self::P512(sk) => sk[0..].zeroize(),
            Self::P768(sk) => sk[0..].zeroize(),
            Self::P1024(sk) => sk[0..].zeroize(),
        }
    }
}

impl Ek {
    pub(super) fn from_bytes(params: MlKemParams, bytes: &[u8]) -> Result<Self> {
        macro_rules! decode {
            ($v:ident, $m:ident) => {{
                let pk =
                    MlKemPublicKey::try_from(bytes).map_err(|_| Error::InvalidEncapsulationKey)?;
                if !$m::validate_public_key(&pk) {
                    return Err(Error::InvalidEncapsulationKey);
                }
                Ok(Self::$v(Box::new(pk)))
            }};
        }
        match params {
            MlKemParams::MlKem512 => decode!(P512, mlkem512),
            MlKemParams::MlKem768 => decode!(P768, mlkem768),
            MlKemParams::MlKem1024 => decode!(P1024, mlkem1024),
        }
    }

    pub(super) fn to_bytes(&self) -> Box<[u8]> {
        match self {
            Self::P512(pk) => pk.as_slice()[..].into(),
            Self::P768(pk) => pk.as_slice()[..].into(),
            Self::P1024(pk) => pk.as_slice()[..].into(),
        }
    }

    pub(super) fn encapsulate(
        &self,
        m: &SecretBytes<ENCAPS_RANDOMNESS_LEN>,
    ) -> (Box<[u8]>, MlKemSharedSecret) {
        let m = *m.expose_secret();
        let (ct, ss): (Box<[u8]>, [u8; 32]) = match self {
            Self::P512(pk) => {
                let (ct, ss) = mlkem512::encapsulate(pk, m);
                (ct.as_slice()[..].into(), ss)
            }
            Self::P768(pk) => {
                let (ct, ss) = mlkem768::encapsulate(pk, m);
                (ct.as_slice()[..].into(), ss)
            }
            Self::P1024(pk) => {
                let (ct, ss) = mlkem1024::encapsulate(pk, m);
                (ct.as_slice()[..].into(), ss)
            }
        };
        (ct, SecretBytes::from_array(ss))
    }
}

impl Dk {
    pub(super) fn from_seed(params: MlKemParams, seed: &SecretBytes<SEED_LEN>) -> (Self, Ek) {
        let seed = *seed.expose_secret();
        macro_rules! make {
            ($v:ident, $m:ident) => {{
                let (sk, pk) = $m::generate_key_pair(seed).into_parts();
                (Self::$v(Box::new(sk)), Ek::$v(Box::new(pk)))
            }};
        }
        match params {
            MlKemParams::MlKem512 => make!(P512, mlkem512),
            MlKemParams::MlKem768 => make!(P768, mlkem768),
            MlKemParams::MlKem1024 => make!(P1024, mlkem1024),
        }
    }

    /// The caller has already run the FIPS 203 section 7.3 checks.
    pub(super) fn from_expanded(params: MlKemParams, dk: &[u8]) -> Result<Self> {
        let bad = |_| Error::InvalidDecapsulationKey;
        Ok(match params {
            MlKemParams::MlKem512 => {
                Self::P512(Box::new(MlKemPrivateKey::try_from(dk).map_err(bad)?))
            }
            MlKemParams::MlKem768 => {
                Self::P768(Box::new(MlKemPrivateKey::try_from(dk).map_err(bad)?))
            }
            MlKemParams::MlKem1024 => {
                Self::P1024(Box::new(MlKemPrivateKey::try_from(dk).map_err(bad)?))
            }
        })
    }

    /// The FIPS 203 expanded key (for [`crate::hazmat`]): libcrux stores exactly that encoding.
    #[cfg(feature = "hazmat")]
    pub(super) fn to_expanded(&self) -> crate::SecretVec {
        match self {
            Self::P512(sk) => crate::SecretVec::from_slice(sk.as_slice()),
            Self::P768(sk) => crate::SecretVec::from_slice(sk.as_slice()),
            Self::P1024(sk) => crate::SecretVec::from_slice(sk.as_slice()),
        }
    }

    pub(super) fn decapsulate(&self, ct: &[u8]) -> Result<MlKemSharedSecret> {
        let bad = |_| Error::Misuse("ML-KEM ciphertext length");
        let ss = match self {
            Self::P512(sk) => {
                mlkem512::decapsulate(sk, &MlKemCiphertext::try_from(ct).map_err(bad)?)
            }
            Self::P768(sk) => {
                mlkem768::decapsulate(sk, &MlKemCiphertext::try_from(ct).map_err(bad)?)
            }
            Self::P1024(sk) => {
                mlkem1024::decapsulate(sk, &MlKemCiphertext::try_from(ct).map_err(bad)?)
            }
        };
        Ok(SecretBytes::from_array(ss))
    }
}
