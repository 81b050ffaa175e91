//! The `hpke-rs` crypto provider this crate runs HPKE over P-256 and P-384 on (DHKEM(X25519) is
//! this crate's own, `dhkem_x25519`): RustCrypto's provider for every operation, with one
//! change: its random generator is [`Drawn`], a buffer of bytes the caller's
//! `CryptoRng` filled beforehand, so that randomness is passed in and KATs are reproducible.

use hpke_rs_crypto::{
    HpkeCrypto, TryCryptoRng, TryRng,
    error::Error,
    types::{
        AeadAlgorithm, KdfAlgorithm, KemAlgorithm, SingleStageKdfAlgorithm, TwoStageKdfAlgorithm,
    },
};
use hpke_rs_rust_crypto::HpkeRustCrypto;

use crate::SecretVec;

/// The provider: [`HpkeRustCrypto`] with [`Drawn`] randomness.
#[derive(Debug)]
pub(crate) struct Provider;

/// Randomness drawn in advance. Asking for more than it holds is an error, never a silent
/// fallback: every operation draws exactly what its specification says.
pub(crate) struct Drawn {
    bytes: SecretVec,
    used: usize,
}

impl Drawn {
    pub(crate) const fn new(bytes: SecretVec) -> Self {
        Self { bytes, used: 0 }
    }
}

/// The error `Drawn` reports when it runs dry.
#[derive(Debug)]
pub(crate) struct Exhausted;

impl core::fmt::Display for Exhausted {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("pre-drawn HPKE randomness exhausted")
    }
}

impl core::error::Error for Exhausted {}

impl TryRng for Drawn {
    type Error = Exhausted;

    fn try_next_u32(&mut self) -> Result<u32, Exhausted> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Exhausted> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Exhausted> {
        let end = self.used.checked_add(dst.len()).ok_or(Exhausted)?;
        let src = self
            .bytes
            .expose_secret()
            .get(self.used..end)
            .ok_or(Exhausted)?;
        dst.copy_from_slice(src);
        self.used = end;
        Ok(())
    }
}

impl TryCryptoRng for Drawn {}

impl HpkeCrypto for Provider {
    type HpkePrng = Drawn;

    fn name() -> String {
        "primitives (RustCrypto, caller randomness)".into()
    }

    fn supports_kdf(alg: KdfAlgorithm) -> Result<(), Error> {
        HpkeRustCrypto::supports_kdf(alg)
    }

    fn supports_kem(alg: KemAlgorithm) -> Result<(), Error> {
        HpkeRustCrypto::supports_kem(alg)
    }

    fn supports_aead(alg: AeadAlgorithm) -> Result<(), Error> {
        HpkeRustCrypto::supports_aead(alg)
    }

    fn kdf_extract(alg: TwoStageKdfAlgorithm, salt: &[u8], ikm: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::kdf_extract(alg, salt, ikm)
    }

    fn kdf_expand(
        alg: TwoStageKdfAlgorithm,
        prk: &[u8],
        info: &[u8],
        output_size: usize,
    ) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::kdf_expand(alg, prk, info, output_size)
    }

    fn kdf_derive(alg: SingleStageKdfAlgorithm, ikm: &[u8], l: usize) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::kdf_derive(alg, ikm, l)
    }

    fn dh(alg: KemAlgorithm, pk: &[u8], sk: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::dh(alg, pk, sk)
    }

    fn secret_to_public(alg: KemAlgorithm, sk: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::secret_to_public(alg, sk)
    }

    /// Unused: key pairs are made with `DeriveKeyPair` from caller randomness.
    fn kem_key_gen(_alg: KemAlgorithm, _prng: &mut Drawn) -> Result<(Vec<u8>, Vec<u8>), Error> {
        Err(Error::UnsupportedKemOperation)
    }

    fn kem_key_gen_derand(alg: KemAlgorithm, seed: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Error> {
        HpkeRustCrypto::kem_key_gen_derand(alg, seed)
    }

    fn kem_encaps(
        alg: KemAlgorithm,
        pk_r: &[u8],
        prng: &mut Drawn,
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        let n = alg
            .encaps_randomness_len()
            .ok_or(Error::UnsupportedKemOperation)?;
        let mut randomness = SecretVec::zeroed(n);
        prng.try_fill_bytes(randomness.expose_secret_mut())
            .map_err(|_| Error::InsufficientRandomness)?;
        HpkeRustCrypto::kem_encaps_derand(alg, pk_r, randomness.expose_secret())
    }

    fn kem_encaps_derand(
        alg: KemAlgorithm,
        pk_r: &[u8],
        randomness: &[u8],
    ) -> Result<(Vec<u8>, Vec<u8>), Error> {
        HpkeRustCrypto::kem_encaps_derand(alg, pk_r, randomness)
    }

    fn kem_decaps(alg: KemAlgorithm, ct: &[u8], sk_r: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::kem_decaps(alg, ct, sk_r)
    }

    fn dh_validate_sk(alg: KemAlgorithm, sk: &[u8]) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::dh_validate_sk(alg, sk)
    }

    fn aead_seal(
        alg: AeadAlgorithm,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::aead_seal(alg, key, nonce, aad, msg)
    }

    fn aead_open(
        alg: AeadAlgorithm,
        key: &[u8],
        nonce: &[u8],
        aad: &[u8],
        msg: &[u8],
    ) -> Result<Vec<u8>, Error> {
        HpkeRustCrypto::aead_open(alg, key, nonce, aad, msg)
    }
}
