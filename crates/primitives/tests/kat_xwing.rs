//! X-Wing (draft-connolly-cfrg-xwing-kem, vectors unchanged since -06) known-answer tests, on
//! every compiled-in ML-KEM backend.
//!
//! `xwing/test-vectors.json`: a JSON array of 3 objects `{seed (32 B), sk (32 B, = seed),
//! pk (1216 B = ML-KEM-768 ek || X25519 pk), eseed (64 B = m || X25519 ephemeral scalar),
//! ct (1120 B = ML-KEM ct || X25519 ct), ss (32 B)}`. Checks per vector and backend:
//! `XWingDecapsulationKey::from_seed_with(seed)` has encapsulation key `pk`;
//! `XWingEncapsulationKey::from_bytes_with(pk)` accepts it;
//! `hazmat::xwing_encapsulate_deterministic(pk, eseed)` gives `(ct, ss)`; `decapsulate(ct)`
//! gives `ss`. Negative twin: `ct` with a flipped ML-KEM byte decapsulates to another secret.
//!
//! Also:
//! - an oracle cross-check against the `x-wing` crate (0.1.1) on 50 seeded random
//!   `(seed, eseed)` pairs: identical keys, ciphertexts and shared secrets, and identical
//!   decapsulation of a random ciphertext (ML-KEM implicit rejection);
//! - `XWING-1`: an encapsulation key whose X25519 part is a small-order point is refused with
//!   `Error::NonContributory`, and a ciphertext whose `ct_X` is one fails to decapsulate with
//!   `Error::NonContributory` (as the oracle's `DecapsulationKeyRejectNonContrib` also refuses).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "known-answer tests: a panic with the case id is the failure report"
)]

use primitives::{
    Error, MlKemBackend, SecretBytes, XWingCiphertext, XWingDecapsulationKey,
    XWingEncapsulationKey, hazmat, rand::Rng as _,
};
use test_support::hex_field;
use x_wing::{Decapsulate as _, Decapsulator as _, KeyExport as _, TryDecapsulate as _};

/// The X25519 encodings of small order (libsodium's blocklist): 0, 1, the two points of
/// order 8, and the non-canonical p - 1, p and p + 1.
const SMALL_ORDER: [&str; 7] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
];

#[test]
fn xwing_draft_vectors() {
    let file = test_support::upstream_json("xwing/test-vectors.json");
    let vectors = file.as_array().expect("a JSON array");
    assert_eq!(vectors.len(), 3, "xwing/test-vectors.json: 3 vectors");
    let mut per_backend = vec![0usize; MlKemBackend::all().len()];
    for (n, v) in vectors.iter().enumerate() {
        let (seed, sk, pk) = (hex_field(v, "seed"), hex_field(v, "sk"), hex_field(v, "pk"));
        let (eseed, ct, ss) = (
            hex_field(v, "eseed"),
            hex_field(v, "ct"),
            hex_field(v, "ss"),
        );
        assert_eq!(seed, sk, "vector {n}: sk is the seed");
        let seed = SecretBytes::<32>::try_from_slice(&seed).unwrap();
        let eseed = SecretBytes::<64>::try_from_slice(&eseed).unwrap();
        for (b, &backend) in MlKemBackend::all().iter().enumerate() {
            let ctx = format!("X-Wing vector {n} ({backend:?})");
            let dk = XWingDecapsulationKey::from_seed_with(&seed, backend);
            assert_eq!(
                dk.encapsulation_key().as_bytes(),
                pk.as_slice(),
                "{ctx}: pk"
            );
            assert_eq!(
                dk.seed().expose_secret(),
                seed.expose_secret(),
                "{ctx}: seed"
            );
            let ek = XWingEncapsulationKey::from_bytes_with(&pk, backend)
                .unwrap_or_else(|e| panic!("{ctx}: pk: {e}"));
            assert_eq!(&ek, dk.encapsulation_key(), "{ctx}: decoded pk");
            let (got_ct, got_ss) = hazmat::xwing_encapsulate_deterministic(&ek, &eseed).unwrap();
            assert_eq!(got_ct.as_bytes(), ct.as_slice(), "{ctx}: ct");
            assert_eq!(
                got_ss.expose_secret().as_slice(),
                ss.as_slice(),
                "{ctx}: ss (encaps)"
            );
            let ct = XWingCiphertext::from_bytes(&ct).unwrap();
            assert_eq!(
                dk.decapsulate(&ct).unwrap().expose_secret().as_slice(),
                ss.as_slice(),
                "{ctx}: ss (decaps)"
            );

            // Negative twin: a modified ML-KEM ciphertext gives another (implicit-rejection) secret.
            let mut bad = ct.as_bytes().to_vec();
            bad[0] ^= 1;
            let other = dk
                .decapsulate(&XWingCiphertext::from_bytes(&bad).unwrap())
                .unwrap();
            assert_ne!(
                other.expose_secret().as_slice(),
                ss.as_slice(),
                "{ctx}: modified ct"
            );
            per_backend[b] += 1;
        }
    }
    assert!(
        per_backend.iter().all(|&n| n == 3),
        "every backend ran every vector: {per_backend:?}"
    );
    test_support::report("xwing-draft", vectors.len(), 0);
}

#[test]
fn xwing_matches_x_wing_crate() {
    const CASES: usize = 50;
    let mut rng = test_support::seeded_rng(0x0058_5749_4e47); // "XWING"
    for case in 0..CASES {
        let mut seed = [0u8; 32];
        let mut eseed = [0u8; 64];
        let mut random_ct = [0u8; 1120];
        rng.fill_bytes(&mut seed);
        rng.fill_bytes(&mut eseed);
        rng.fill_bytes(&mut random_ct);
        // A random ct_X is of small order with negligible probability; make sure.
        random_ct[1088] |= 0x02;

        let oracle = x_wing::DecapsulationKey::from(seed);
        let oracle_pk = oracle.encapsulation_key().to_bytes();
        let (oracle_ct, oracle_ss) = oracle
            .encapsulation_key()
            .encapsulate_deterministic(&eseed.into());
        let oracle_reject =
            oracle.decapsulate(&x_wing::Ciphertext::try_from(&random_ct[..]).unwrap());

        for &backend in MlKemBackend::all() {
            let ctx = format!("oracle case {case} ({backend:?})");
            let dk = XWingDecapsulationKey::from_seed_with(&SecretBytes::from_array(seed), backend);
            assert_eq!(
                dk.encapsulation_key().as_bytes(),
                oracle_pk.as_slice(),
                "{ctx}: pk"
            );
            let (ct, ss) = hazmat::xwing_encapsulate_deterministic(
                dk.encapsulation_key(),
                &SecretBytes::from_array(eseed),
            )
            .unwrap();
            assert_eq!(ct.as_bytes(), oracle_ct.as_slice(), "{ctx}: ct");
            assert_eq!(
                ss.expose_secret().as_slice(),
                oracle_ss.as_slice(),
                "{ctx}: ss"
            );
            assert_eq!(
                dk.decapsulate(&ct).unwrap().expose_secret(),
                ss.expose_secret(),
                "{ctx}: decaps"
            );
            let reject = dk
                .decapsulate(&XWingCiphertext::from_bytes(&random_ct).unwrap())
                .unwrap();
            assert_eq!(
                reject.expose_secret().as_slice(),
                oracle_reject.as_slice(),
                "{ctx}: random ct"
            );
        }
    }
}

#[test]
fn xwing_small_order_encapsulation_key_refused() {
    let dk = XWingDecapsulationKey::from_seed(&SecretBytes::from_array([7u8; 32]));
    for point in SMALL_ORDER {
        let mut pk = dk.encapsulation_key().as_bytes().to_vec();
        pk[1184..].copy_from_slice(&test_support::unhex(point));
        for &backend in MlKemBackend::all() {
            assert_eq!(
                XWingEncapsulationKey::from_bytes_with(&pk, backend).err(),
                Some(Error::NonContributory),
                "XWING-1: pk_X = {point} ({backend:?})"
            );
        }
    }
}

#[test]
fn xwing_small_order_ciphertext_refused() {
    let seed = [9u8; 32];
    let oracle = x_wing::DecapsulationKeyRejectNonContrib::from(seed);
    for &backend in MlKemBackend::all() {
        let dk = XWingDecapsulationKey::from_seed_with(&SecretBytes::from_array(seed), backend);
        let (ct, _) = hazmat::xwing_encapsulate_deterministic(
            dk.encapsulation_key(),
            &SecretBytes::from_array([3u8; 64]),
        )
        .unwrap();
        for point in SMALL_ORDER {
            let mut bad = ct.as_bytes().to_vec();
            bad[1088..].copy_from_slice(&test_support::unhex(point));
            assert_eq!(
                dk.decapsulate(&XWingCiphertext::from_bytes(&bad).unwrap())
                    .err(),
                Some(Error::NonContributory),
                "XWING-1: ct_X = {point} ({backend:?})"
            );
            assert!(
                oracle
                    .try_decapsulate(&x_wing::Ciphertext::try_from(&bad[..]).unwrap())
                    .is_err(),
                "the oracle's strict key also refuses ct_X = {point}"
            );
        }
    }
}
