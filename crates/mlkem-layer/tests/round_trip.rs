//! Round trips for every parameter set on every ML-KEM backend, the plaintext limits
//! (`LIMIT-1`, `LIMIT-2`), and key persistence through the seed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use mlkem_layer::{
    Config, DEFAULT_MAX_PLAINTEXT, DecapsulationKey, EncapsulationKey, EnvelopeRef, Error,
    MlKemBackend, ParameterSet, open, open_with, seal, seal_with,
};
use test_support::ReplayRng;
use test_support::seeded_rng;

#[test]
fn every_parameter_set_and_backend_round_trips() {
    let mut rng = seeded_rng(1);
    for params in ParameterSet::ALL {
        for &backend in MlKemBackend::all() {
            let which = format!("{params}, {}", backend.name());
            let dk = DecapsulationKey::generate_with(params, &mut rng, backend);
            assert_eq!(dk.params(), params);
            let ek = dk.encapsulation_key();
            assert_eq!(
                ek.as_bytes().len(),
                params.encapsulation_key_len(),
                "{which}"
            );
            for len in [0, 1, 15, 16, 17, 1000] {
                let plaintext: Vec<u8> = (0..len)
                    .map(|i| u8::try_from(i * 7 % 256).unwrap())
                    .collect();
                let envelope = seal(ek, &plaintext, b"aad", &mut rng).unwrap();
                assert_eq!(envelope.params(), params);
                assert_eq!(envelope.len(), params.envelope_overhead() + len, "{which}");
                let parsed = EnvelopeRef::parse(envelope.as_bytes()).unwrap();
                assert_eq!(parsed.kem_ciphertext().len(), params.ciphertext_len());
                assert_eq!(parsed.plaintext_len(), len);
                assert_eq!(
                    open(&dk, envelope.as_bytes(), b"aad").unwrap(),
                    plaintext,
                    "{which}, {len} bytes"
                );
            }
            // Two seals of one plaintext differ entirely: fresh encapsulation, fresh key.
            let a = seal(ek, b"same", b"", &mut rng).unwrap();
            let b = seal(ek, b"same", b"", &mut rng).unwrap();
            assert_ne!(a.as_bytes()[2..], b.as_bytes()[2..], "{which}");
        }
    }
}

#[test]
fn backends_interoperate() {
    let backends = MlKemBackend::all();
    let mut rng = seeded_rng(2);
    for params in ParameterSet::ALL {
        let seed: Vec<u8> = (0..params.seed_len())
            .map(|i| u8::try_from(i).unwrap())
            .collect();
        for &sender in backends {
            for &receiver in backends {
                let ek = DecapsulationKey::from_seed_with(params, &seed, sender).unwrap();
                let dk = DecapsulationKey::from_seed_with(params, &seed, receiver).unwrap();
                assert_eq!(ek.encapsulation_key(), dk.encapsulation_key());
                let wire = EncapsulationKey::from_bytes_with(
                    params,
                    ek.encapsulation_key().as_bytes(),
                    sender,
                )
                .unwrap();
                let envelope = seal(&wire, b"cross-backend", b"", &mut rng).unwrap();
                assert_eq!(
                    open(&dk, envelope.as_bytes(), b"").unwrap(),
                    b"cross-backend"
                );
            }
        }
    }
}

#[test]
fn persisted_seed_restores_the_same_key() {
    let mut rng = seeded_rng(3);
    for params in ParameterSet::ALL {
        let dk = DecapsulationKey::generate(params, &mut rng);
        let envelope = seal(dk.encapsulation_key(), b"persist me", b"", &mut rng).unwrap();
        let seed = dk.export_seed();
        assert_eq!(seed.len(), params.seed_len());
        drop(dk);
        let restored = DecapsulationKey::from_seed(params, seed.expose_secret()).unwrap();
        assert_eq!(
            open(&restored, envelope.as_bytes(), b"").unwrap(),
            b"persist me"
        );
    }
}

#[test]
fn empty_and_maximum_plaintexts_with_a_small_limit_limit_1_limit_2() {
    const MAX: usize = 4096;
    let config = Config { max_plaintext: MAX };
    let mut rng = seeded_rng(4);
    for params in ParameterSet::ALL {
        let dk = DecapsulationKey::generate(params, &mut rng);
        let ek = dk.encapsulation_key();
        for len in [0, MAX] {
            let plaintext = vec![0x5a; len];
            let envelope = seal_with(&config, ek, &plaintext, b"limit", &mut rng).unwrap();
            assert_eq!(
                open_with(&config, &dk, envelope.as_bytes(), b"limit").unwrap(),
                plaintext
            );
        }
        // LIMIT-1: one byte more is refused before anything is drawn from the RNG (so before
        // encapsulating): an empty replay RNG would panic on any draw.
        let too_big = vec![0u8; MAX + 1];
        assert_eq!(
            seal_with(&config, ek, &too_big, b"limit", &mut ReplayRng::empty()).unwrap_err(),
            Error::PlaintextTooLarge {
                len: MAX + 1,
                max: MAX
            }
        );
        // LIMIT-2: an envelope for MAX + 1 bytes, sealed under a larger limit, is refused by a
        // receiver with the small limit before decapsulation (and so before authentication:
        // the same refusal for a forged body of that length).
        let big = seal_with(
            &Config {
                max_plaintext: MAX + 1,
            },
            ek,
            &too_big,
            b"limit",
            &mut rng,
        )
        .unwrap();
        assert_eq!(
            open_with(&config, &dk, big.as_bytes(), b"limit").unwrap_err(),
            Error::EnvelopeTooLarge {
                len: MAX + 1,
                max: MAX
            }
        );
        let mut forged = big.into_bytes();
        forged[2..].fill(0);
        assert_eq!(
            open_with(&config, &dk, &forged, b"limit").unwrap_err(),
            Error::EnvelopeTooLarge {
                len: MAX + 1,
                max: MAX
            }
        );
    }
}

#[test]
fn default_limit_is_ten_mebibytes_limit_1_limit_2() {
    assert_eq!(DEFAULT_MAX_PLAINTEXT, 10 * 1024 * 1024);
    let mut rng = seeded_rng(5);
    let dk = DecapsulationKey::generate(ParameterSet::MlKem768, &mut rng);
    let ek = dk.encapsulation_key();
    let mut plaintext = vec![0xC3; DEFAULT_MAX_PLAINTEXT];
    let envelope = seal(ek, &plaintext, b"", &mut rng).unwrap();
    assert_eq!(open(&dk, envelope.as_bytes(), b"").unwrap(), plaintext);
    plaintext.push(0);
    assert_eq!(
        seal(ek, &plaintext, b"", &mut ReplayRng::empty()).unwrap_err(),
        Error::PlaintextTooLarge {
            len: DEFAULT_MAX_PLAINTEXT + 1,
            max: DEFAULT_MAX_PLAINTEXT
        }
    );
    let mut too_long = envelope.into_bytes();
    too_long.push(0);
    assert_eq!(
        open(&dk, &too_long, b"").unwrap_err(),
        Error::EnvelopeTooLarge {
            len: DEFAULT_MAX_PLAINTEXT + 1,
            max: DEFAULT_MAX_PLAINTEXT
        }
    );
}
