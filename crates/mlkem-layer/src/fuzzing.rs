//! Entry points for the fuzz targets in `fuzz/` (`mlkem_envelope_decode`,
//! `mlkem_envelope_open`). Each takes arbitrary bytes, must never panic, and asserts what must
//! hold of any input. The stable test `tests/fuzz_corpus_replay.rs` runs the committed corpus
//! and regressions through these same functions.

#![allow(
    clippy::missing_panics_doc,
    clippy::panic,
    reason = "a fuzz entry point panics exactly when an invariant fails: that is the oracle"
)]

use std::sync::OnceLock;

use crate::{Config, DecapsulationKey, Envelope, EnvelopeRef, Error, ParameterSet, open_with};

/// The associated data `envelope_open` opens with.
pub const FUZZ_AAD: &[u8] = b"mlkem-layer fuzz";

/// The fixed seed of the fuzz key of `params`: `seed_len` bytes of `0xF0 ^ id`.
pub fn fuzz_seed(params: ParameterSet) -> Vec<u8> {
    vec![0xF0 ^ params.id(); params.seed_len()]
}

/// The fuzz keys, one per parameter set in [`ParameterSet::ALL`] order, built once.
fn fuzz_keys() -> &'static [DecapsulationKey] {
    static KEYS: OnceLock<Vec<DecapsulationKey>> = OnceLock::new();
    KEYS.get_or_init(|| {
        ParameterSet::ALL
            .iter()
            .filter_map(|&p| DecapsulationKey::from_seed(p, &fuzz_seed(p)).ok())
            .collect()
    })
}

/// The fuzz key of `params`.
pub fn fuzz_key(params: ParameterSet) -> &'static DecapsulationKey {
    let keys = fuzz_keys();
    let Some(dk) = keys.iter().find(|k| k.params() == params) else {
        panic!("no fuzz key for {params}")
    };
    dk
}

/// `mlkem_envelope_decode`: parse arbitrary bytes as an envelope. An accepted envelope must
/// re-encode to exactly its input, through the borrowed and the owned form, and its fields
/// must have the lengths its parameter set requires.
pub fn envelope_decode(data: &[u8]) {
    let parsed = EnvelopeRef::parse(data);
    let owned = Envelope::from_bytes(data);
    match (parsed, owned) {
        (Ok(env), Ok(owned)) => {
            assert_eq!(env.to_bytes(), data, "re-encoding differs from the input");
            assert_eq!(env.encoded_len(), data.len());
            assert_eq!(env.kem_ciphertext().len(), env.params().ciphertext_len());
            assert!(env.aead_ciphertext().len() >= crate::envelope::TAG_LEN);
            assert_eq!(owned.as_envelope_ref(), env);
            assert_eq!(owned.as_bytes(), data);
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "borrowed and owned parse disagree"),
        _ => panic!("borrowed and owned parse disagree on acceptance"),
    }
}

/// `mlkem_envelope_open`: open arbitrary bytes with the fixed key of the parameter set the
/// second byte names (ML-KEM-768's for an unknown id). Nothing made without the key can
/// authenticate, so every call must fail: with the header error the parser reports, or with
/// the opaque [`Error::DecryptionFailed`] once the header is sound.
pub fn envelope_open(data: &[u8]) {
    let params = data
        .get(1)
        .and_then(|&id| ParameterSet::from_id(id))
        .unwrap_or_default();
    let dk = fuzz_key(params);
    let config = Config::default();
    let Err(err) = open_with(&config, dk, data, FUZZ_AAD) else {
        panic!("an envelope made without the key opened")
    };
    match EnvelopeRef::parse(data) {
        Err(parse_err) => assert_eq!(err, parse_err, "open and parse disagree on a header error"),
        Ok(env) if env.plaintext_len() > config.max_plaintext => {
            assert!(matches!(err, Error::EnvelopeTooLarge { .. }), "{err:?}");
        }
        Ok(_) => assert_eq!(
            err,
            Error::DecryptionFailed,
            "a sound header must fail opaquely"
        ),
    }
}
