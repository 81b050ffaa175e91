//! Every way an envelope can be wrong fails with an error, never a panic or a wrong plaintext:
//! `DecryptionFailed` (`OPEN-1`) for authentication failures, the specific header errors
//! (`ENV-1`, `ENV-2`, `ENV-3`, `KEY-3`) for header problems.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use mlkem_layer::{
    DecapsulationKey, EncapsulationKey, Envelope, Error, ParameterSet, VERSION, open,
};
use test_support::seeded_rng;

const AAD: &[u8] = b"rejection tests";

fn key_and_envelope(params: ParameterSet, seed: u64) -> (DecapsulationKey, Vec<u8>) {
    let mut rng = seeded_rng(seed);
    let dk = DecapsulationKey::generate(params, &mut rng);
    let envelope =
        mlkem_layer::seal(dk.encapsulation_key(), b"attack at dawn", AAD, &mut rng).unwrap();
    (dk, envelope.into_bytes())
}

/// What a single-bit flip at `byte` must give: header bytes their decode error, anything after
/// them the opaque failure.
fn expected_after_flip(params: ParameterSet, byte: usize, flipped: &[u8]) -> Error {
    match byte {
        0 => Error::UnsupportedVersion(flipped[0]),
        1 => match ParameterSet::from_id(flipped[1]) {
            None => Error::UnsupportedParameterSet(flipped[1]),
            Some(other) => Error::ParameterSetMismatch {
                key: params,
                envelope: other,
            },
        },
        _ => Error::DecryptionFailed,
    }
}

#[test]
fn every_single_bit_flip_is_rejected_open_1_env_2_env_3_key_3() {
    for (i, params) in ParameterSet::ALL.into_iter().enumerate() {
        let (dk, envelope) = key_and_envelope(params, 10 + i as u64);
        let mut flips = 0;
        for byte in 0..envelope.len() {
            for bit in 0..8 {
                let mut bad = envelope.clone();
                bad[byte] ^= 1 << bit;
                let err = open(&dk, &bad, AAD).expect_err("a flipped envelope opened");
                // A flipped id can name a larger set whose minimum length the envelope misses.
                let expected = match (byte, ParameterSet::from_id(bad[1])) {
                    (1, Some(other)) if bad.len() < other.envelope_overhead() => {
                        Error::EnvelopeTooShort {
                            min: other.envelope_overhead(),
                            actual: bad.len(),
                        }
                    }
                    _ => expected_after_flip(params, byte, &bad),
                };
                assert_eq!(err, expected, "{params}: byte {byte}, bit {bit}");
                flips += 1;
            }
        }
        assert_eq!(flips, 8 * envelope.len());
    }
}

#[test]
fn every_truncation_is_rejected_env_1_open_1() {
    for (i, params) in ParameterSet::ALL.into_iter().enumerate() {
        let (dk, envelope) = key_and_envelope(params, 20 + i as u64);
        let min = params.envelope_overhead();
        for len in 0..envelope.len() {
            let err = open(&dk, &envelope[..len], AAD).expect_err("a truncated envelope opened");
            let expected = if len < 2 {
                Error::EnvelopeTooShort {
                    min: 2,
                    actual: len,
                }
            } else if len < min {
                Error::EnvelopeTooShort { min, actual: len }
            } else {
                Error::DecryptionFailed
            };
            assert_eq!(err, expected, "{params}: truncated to {len}");
            assert_eq!(Envelope::from_bytes(&envelope[..len]).is_ok(), len >= min);
        }
    }
}

#[test]
fn trailing_bytes_are_rejected_open_1() {
    for (i, params) in ParameterSet::ALL.into_iter().enumerate() {
        let (dk, envelope) = key_and_envelope(params, 30 + i as u64);
        for extra in [&[0u8][..], &[0xff; 16], &envelope[2..20]] {
            let mut long = envelope.clone();
            long.extend_from_slice(extra);
            assert_eq!(
                open(&dk, &long, AAD),
                Err(Error::DecryptionFailed),
                "{params}: +{}",
                extra.len()
            );
        }
    }
}

#[test]
fn wrong_key_and_wrong_aad_are_rejected_open_1() {
    for (i, params) in ParameterSet::ALL.into_iter().enumerate() {
        let (dk, envelope) = key_and_envelope(params, 40 + i as u64);
        let other = DecapsulationKey::generate(params, &mut seeded_rng(50 + i as u64));
        assert_eq!(
            open(&other, &envelope, AAD),
            Err(Error::DecryptionFailed),
            "{params}"
        );
        assert_eq!(
            open(&dk, &envelope, b"rejection tests!"),
            Err(Error::DecryptionFailed),
            "{params}"
        );
        assert_eq!(
            open(&dk, &envelope, b""),
            Err(Error::DecryptionFailed),
            "{params}"
        );
        assert_eq!(open(&dk, &envelope, AAD).unwrap(), b"attack at dawn");
    }
}

#[test]
fn wrong_parameter_set_is_rejected_key_3() {
    let envelopes: Vec<_> = ParameterSet::ALL
        .into_iter()
        .enumerate()
        .map(|(i, p)| key_and_envelope(p, 60 + i as u64))
        .collect();
    for (dk, _) in &envelopes {
        for (other, envelope) in &envelopes {
            if dk.params() == other.params() {
                continue;
            }
            assert_eq!(
                open(dk, envelope, AAD),
                Err(Error::ParameterSetMismatch {
                    key: dk.params(),
                    envelope: other.params()
                })
            );
        }
    }
    // Relabelling an ML-KEM-768 envelope as X-Wing (same key otherwise) fails authentication:
    // the id is bound into the key schedule and the AEAD's associated data.
    // (100 bytes of plaintext, so that the envelope is long enough for X-Wing's minimum.)
    let mut rng = seeded_rng(70);
    let dk768 = DecapsulationKey::generate(ParameterSet::MlKem768, &mut rng);
    let xwing = DecapsulationKey::generate(ParameterSet::XWing, &mut rng);
    let env768 = mlkem_layer::seal(dk768.encapsulation_key(), &[7; 100], AAD, &mut rng).unwrap();
    let mut relabelled = env768.into_bytes();
    relabelled[1] = ParameterSet::XWing.id();
    assert_eq!(open(&xwing, &relabelled, AAD), Err(Error::DecryptionFailed));
    assert_eq!(
        open(&dk768, &relabelled, AAD),
        Err(Error::ParameterSetMismatch {
            key: ParameterSet::MlKem768,
            envelope: ParameterSet::XWing
        })
    );
}

#[test]
fn unknown_versions_and_parameter_sets_are_rejected_env_2_env_3() {
    let (dk, envelope) = key_and_envelope(ParameterSet::MlKem768, 80);
    for version in (0..=u8::MAX).filter(|&v| v != VERSION) {
        let mut bad = envelope.clone();
        bad[0] = version;
        assert_eq!(
            open(&dk, &bad, AAD),
            Err(Error::UnsupportedVersion(version))
        );
    }
    for id in (0..=u8::MAX).filter(|&id| ParameterSet::from_id(id).is_none()) {
        let mut bad = envelope.clone();
        bad[1] = id;
        assert_eq!(
            open(&dk, &bad, AAD),
            Err(Error::UnsupportedParameterSet(id))
        );
    }
}

#[test]
fn invalid_encapsulation_keys_are_refused_key_2() {
    for params in ParameterSet::ALL {
        let dk = DecapsulationKey::generate(params, &mut seeded_rng(90));
        let good = dk.encapsulation_key().as_bytes();
        // Wrong length.
        for len in [0, good.len() - 1, good.len() + 1] {
            let mut bytes = good.to_vec();
            bytes.resize(len, 0);
            assert!(
                matches!(
                    EncapsulationKey::from_bytes(params, &bytes),
                    Err(Error::InvalidEncapsulationKey { .. })
                ),
                "{params}: length {len}"
            );
        }
        // FIPS 203 section 7.2 modulus check: first coefficient = q = 3329.
        let mut bytes = good.to_vec();
        bytes[0] = 0x01;
        bytes[1] = (bytes[1] & 0xf0) | 0x0d;
        assert!(matches!(
            EncapsulationKey::from_bytes(params, &bytes),
            Err(Error::InvalidEncapsulationKey { .. })
        ));
    }
    // X-Wing: an X25519 part of small order (the identity, all zero) is refused.
    let dk = DecapsulationKey::generate(ParameterSet::XWing, &mut seeded_rng(91));
    let mut bytes = dk.encapsulation_key().as_bytes().to_vec();
    bytes[1184..].fill(0);
    assert!(matches!(
        EncapsulationKey::from_bytes(ParameterSet::XWing, &bytes),
        Err(Error::InvalidEncapsulationKey {
            params: ParameterSet::XWing,
            ..
        })
    ));
}

#[test]
fn xwing_small_order_ciphertext_is_the_opaque_failure_open_1() {
    let (dk, envelope) = key_and_envelope(ParameterSet::XWing, 100);
    let mut bad = envelope;
    // ct_X (the last 32 bytes of the 1120-byte KEM ciphertext) set to the all-zero point.
    bad[2 + 1088..2 + 1120].fill(0);
    assert_eq!(open(&dk, &bad, AAD), Err(Error::DecryptionFailed));
}
