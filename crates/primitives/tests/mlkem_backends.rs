//! ML-KEM backend equivalence and round trips: RustCrypto `ml-kem` and libcrux `libcrux-ml-kem`
//! compute the same function. The equivalence part needs feature `libcrux` (without it there is
//! one backend and nothing to compare); the plain tests run on every backend compiled in.
//!
//! - proptest (256 cases; each case covers all three parameter sets): for an arbitrary 64-byte
//!   seed, 32-byte `m` and arbitrary ciphertext bytes of the right length, both backends give
//!   the same `ek`, the same expanded key, the same `(c, K)` from
//!   `hazmat::mlkem_encapsulate_deterministic`, decapsulate `c` back to `K`, and decapsulate the
//!   arbitrary ciphertext to the same key, the implicit-rejection key `J(z || c)`. Keys cross
//!   backends: an `ek` or expanded `dk` made by one is used by the other.
//! - Plain tests: a seeded-RNG round trip per parameter set and backend; the seed round-trips
//!   through `to_seed` (and an imported expanded key has none: `Error::Misuse`); decapsulating a
//!   ciphertext of another parameter set is `Error::Misuse`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests: a panic with the failing input is the failure report"
)]

use primitives::{
    Error, MlKemBackend, MlKemDecapsulationKey, MlKemEncapsulationKey, MlKemParams, SecretBytes,
    hazmat,
};

/// Backend equivalence, with both backends compiled in.
#[cfg(feature = "libcrux")]
mod equivalence {
    use primitives::MlKemCiphertext;
    use proptest::prelude::*;

    use super::*;
    use test_support::implicit_rejection_key;

    const BACKENDS: [MlKemBackend; 2] = [MlKemBackend::RustCrypto, MlKemBackend::Libcrux];

    #[test]
    fn both_backends_compiled_in() {
        assert_eq!(MlKemBackend::all(), BACKENDS.as_slice());
    }

    fn backends_agree(p: MlKemParams, seed: &[u8; 64], m: &[u8; 32], arbitrary_ct: &[u8]) {
        let seed = SecretBytes::from_array(*seed);
        let m = SecretBytes::from_array(*m);
        let ct_random = MlKemCiphertext::from_bytes(p, arbitrary_ct).unwrap();
        let keys = BACKENDS.map(|b| MlKemDecapsulationKey::from_seed_with(p, &seed, b));
        let [rc, lc] = &keys;
        assert_eq!(
            rc.encapsulation_key().as_bytes(),
            lc.encapsulation_key().as_bytes(),
            "{}: ek",
            p.name()
        );
        let expanded = keys
            .each_ref()
            .map(hazmat::mlkem_expanded_decapsulation_key);
        assert_eq!(
            expanded[0].expose_secret(),
            expanded[1].expose_secret(),
            "{}: expanded dk",
            p.name()
        );

        let encapsulated = keys
            .each_ref()
            .map(|k| hazmat::mlkem_encapsulate_deterministic(k.encapsulation_key(), &m));
        let [(c0, k0), (c1, k1)] = &encapsulated;
        assert_eq!(c0, c1, "{}: c", p.name());
        assert_eq!(k0.expose_secret(), k1.expose_secret(), "{}: K", p.name());

        let rejection = implicit_rejection_key(&seed.expose_secret()[32..], arbitrary_ct);
        for (i, key) in keys.iter().enumerate() {
            let ctx = format!("{} {:?}", p.name(), BACKENDS[i]);
            assert_eq!(
                key.decapsulate(c0).unwrap().expose_secret(),
                k0.expose_secret(),
                "{ctx}: decaps"
            );
            assert_eq!(
                key.decapsulate(&ct_random).unwrap().expose_secret(),
                &rejection,
                "{ctx}: random c"
            );

            // Keys cross backends: the other backend's ek and expanded dk.
            let other = BACKENDS[1 - i];
            let ek = MlKemEncapsulationKey::from_bytes_with(
                p,
                key.encapsulation_key().as_bytes(),
                other,
            )
            .unwrap();
            let (c, k) = hazmat::mlkem_encapsulate_deterministic(&ek, &m);
            assert_eq!(
                (&c, k.expose_secret()),
                (c0, k0.expose_secret()),
                "{ctx}: ek on {other:?}"
            );
            let imported =
                MlKemDecapsulationKey::from_expanded(p, expanded[i].expose_secret(), other)
                    .unwrap();
            assert_eq!(
                imported.decapsulate(c0).unwrap().expose_secret(),
                k0.expose_secret(),
                "{ctx}: dk on {other:?}"
            );
            assert_eq!(
                imported.decapsulate(&ct_random).unwrap().expose_secret(),
                &rejection,
                "{ctx}: dk on {other:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn backends_compute_the_same_function(
            seed in proptest::array::uniform::<_, 64>(any::<u8>()),
            m in proptest::array::uniform32(any::<u8>()),
            ct in proptest::collection::vec(any::<u8>(), MlKemParams::MlKem1024.ciphertext_len()),
        ) {
            for p in MlKemParams::ALL {
                backends_agree(p, &seed, &m, &ct[..p.ciphertext_len()]);
            }
        }
    }
}

#[test]
fn round_trip_per_parameter_set_and_backend() {
    let mut rng = test_support::seeded_rng(203);
    for p in MlKemParams::ALL {
        for &backend in MlKemBackend::all() {
            for _ in 0..8 {
                let dk = MlKemDecapsulationKey::from_seed_with(
                    p,
                    &SecretBytes::random(&mut rng),
                    backend,
                );
                assert_eq!(dk.params(), p);
                let ek = MlKemEncapsulationKey::from_bytes_with(
                    p,
                    dk.encapsulation_key().as_bytes(),
                    backend,
                )
                .unwrap();
                assert_eq!(ek.as_bytes().len(), p.encapsulation_key_len());
                let (ct, ss) = ek.encapsulate(&mut rng);
                assert_eq!(ct.as_bytes().len(), p.ciphertext_len());
                let decapsulated = dk.decapsulate(&ct).unwrap();
                assert_eq!(
                    decapsulated.expose_secret(),
                    ss.expose_secret(),
                    "{} {backend:?}",
                    p.name()
                );
            }
        }
    }
}

#[test]
fn to_seed_round_trip() {
    let mut rng = test_support::seeded_rng(64);
    for p in MlKemParams::ALL {
        for &backend in MlKemBackend::all() {
            let seed = SecretBytes::<64>::random(&mut rng);
            let dk = MlKemDecapsulationKey::from_seed_with(p, &seed, backend);
            let exported = dk.to_seed().unwrap();
            assert_eq!(
                exported.expose_secret(),
                seed.expose_secret(),
                "{} {backend:?}",
                p.name()
            );
            let again = MlKemDecapsulationKey::from_seed_with(p, &exported, backend);
            assert_eq!(
                again.encapsulation_key(),
                dk.encapsulation_key(),
                "{} {backend:?}",
                p.name()
            );

            let expanded = hazmat::mlkem_expanded_decapsulation_key(&dk);
            let imported =
                MlKemDecapsulationKey::from_expanded(p, expanded.expose_secret(), backend).unwrap();
            assert!(
                matches!(imported.to_seed(), Err(Error::Misuse(_))),
                "{} {backend:?}: an imported key has no seed",
                p.name()
            );
        }
    }
}

#[test]
fn ciphertext_of_another_parameter_set_is_misuse() {
    let mut rng = test_support::seeded_rng(1);
    for &backend in MlKemBackend::all() {
        let keys = MlKemParams::ALL.map(|p| {
            MlKemDecapsulationKey::from_seed_with(p, &SecretBytes::random(&mut rng), backend)
        });
        for sender in &keys {
            let (ct, _) = sender.encapsulation_key().encapsulate(&mut rng);
            for receiver in &keys {
                let result = receiver.decapsulate(&ct);
                if receiver.params() == sender.params() {
                    assert!(result.is_ok());
                } else {
                    assert!(
                        matches!(result, Err(Error::Misuse(_))),
                        "{} ciphertext to a {} key ({backend:?})",
                        sender.params().name(),
                        receiver.params().name()
                    );
                }
            }
        }
    }
}
