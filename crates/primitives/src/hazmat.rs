//! Hazardous: derandomized operations (and the expanded ML-KEM key export) for known-answer
//! tests. Using any of these with non-uniform or repeated inputs breaks the security of the
//! primitive; the export hands out key material in a form this crate otherwise never persists.
//!
//! Behind the `hazmat` feature, which protocol crates enable only as a dev-dependency for their
//! own KAT generators and tests.

use crate::{
    HpkePublicKey, HpkeSenderContext, HpkeSuite, MlKemCiphertext, MlKemDecapsulationKey,
    MlKemEncapsulationKey, MlKemSharedSecret, Result, SecretBytes, SecretVec, XWingCiphertext,
    XWingEncapsulationKey, XWingSharedSecret, mlkem, xwing,
};

/// `ML-KEM.Encaps_internal(ek, m)` with the given 32-byte `m`.
pub fn mlkem_encapsulate_deterministic(
    ek: &MlKemEncapsulationKey,
    m: &SecretBytes<{ mlkem::ENCAPS_RANDOMNESS_LEN }>,
) -> (MlKemCiphertext, MlKemSharedSecret) {
    ek.encapsulate_deterministic(m)
}

/// The FIPS 203 expanded form `dk_pke || ek || H(ek) || z` (768k + 96 bytes) of a decapsulation
/// key, seeded or imported. This crate persists keys only as seeds; the expanded form exists
/// for known-answer tests that hash it (the C2SP CCTV accumulated ML-KEM test).
pub fn mlkem_expanded_decapsulation_key(dk: &MlKemDecapsulationKey) -> SecretVec {
    dk.to_expanded()
}

/// X-Wing encapsulation with the given 64-byte `eseed`.
///
/// # Errors
/// As [`XWingEncapsulationKey::encapsulate`].
pub fn xwing_encapsulate_deterministic(
    ek: &XWingEncapsulationKey,
    eseed: &SecretBytes<{ xwing::ENCAPS_RANDOMNESS_LEN }>,
) -> Result<(XWingCiphertext, XWingSharedSecret)> {
    ek.encapsulate_deterministic(eseed)
}

/// `SetupBaseS` with the ephemeral key derived from the given `ikmE` (RFC 9180 test vectors),
/// which must be exactly `Nsk` bytes.
///
/// # Errors
/// [`crate::Error::Misuse`] for an `ikmE` of another length; otherwise as
/// [`HpkeSuite::setup_sender`].
pub fn hpke_setup_sender_deterministic(
    suite: HpkeSuite,
    pk: &HpkePublicKey,
    info: &[u8],
    ikm_e: &[u8],
) -> Result<(Vec<u8>, HpkeSenderContext)> {
    suite.setup_sender_with(pk, info, SecretVec::from_slice(ikm_e))
}
