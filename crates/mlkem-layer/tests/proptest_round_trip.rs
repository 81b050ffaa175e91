//! Property tests: seal/open round trips with arbitrary plaintext, AAD, key seed and RNG seed,
//! 64 cases per parameter set (4 × 64 = 256 round trips), each on a random compiled-in ML-KEM
//! backend for the receiver; and 256 cases of arbitrary envelope-shaped bytes through the
//! decoder (accepted input re-encodes exactly) and `open` (never opens).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use mlkem_layer::{
    DecapsulationKey, EnvelopeRef, MlKemBackend, ParameterSet, VERSION, fuzzing, open, seal,
};
use proptest::prelude::*;
use test_support::seeded_rng;

const CASES_PER_PARAMETER_SET: u32 = 64;

fn round_trip(
    params: ParameterSet,
    seed: &[u8],
    rng_seed: u64,
    backend: usize,
    plaintext: &[u8],
    aad: &[u8],
) {
    let backends = MlKemBackend::all();
    let backend = backends[backend % backends.len()];
    let dk = DecapsulationKey::from_seed_with(params, seed, backend).unwrap();
    let envelope = seal(
        dk.encapsulation_key(),
        plaintext,
        aad,
        &mut seeded_rng(rng_seed),
    )
    .unwrap();
    assert_eq!(envelope.len(), params.envelope_overhead() + plaintext.len());
    assert_eq!(
        EnvelopeRef::parse(envelope.as_bytes()).unwrap().to_bytes(),
        envelope.as_bytes()
    );
    assert_eq!(open(&dk, envelope.as_bytes(), aad).unwrap(), plaintext);
    let restored = DecapsulationKey::from_seed(params, dk.export_seed().expose_secret()).unwrap();
    assert_eq!(
        open(&restored, envelope.as_bytes(), aad).unwrap(),
        plaintext
    );
}

macro_rules! round_trip_test {
    ($name:ident, $params:expr, $seed_len:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(CASES_PER_PARAMETER_SET))]
            #[test]
            fn $name(
                seed in proptest::collection::vec(any::<u8>(), $seed_len),
                rng_seed in any::<u64>(),
                backend in any::<usize>(),
                plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
                aad in proptest::collection::vec(any::<u8>(), 0..128),
            ) {
                round_trip($params, &seed, rng_seed, backend, &plaintext, &aad);
            }
        }
    };
}

round_trip_test!(round_trip_ml_kem_512, ParameterSet::MlKem512, 64);
round_trip_test!(round_trip_ml_kem_768, ParameterSet::MlKem768, 64);
round_trip_test!(round_trip_ml_kem_1024, ParameterSet::MlKem1024, 64);
round_trip_test!(round_trip_x_wing, ParameterSet::XWing, 32);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    #[test]
    fn arbitrary_envelope_bytes_decode_consistently_and_never_open(
        which in 0usize..4,
        body in proptest::collection::vec(any::<u8>(), 0..1700),
    ) {
        let params = ParameterSet::ALL[which];
        let mut data = vec![VERSION, params.id()];
        data.extend_from_slice(&body);
        fuzzing::envelope_decode(&data);
        fuzzing::envelope_open(&data);
        fuzzing::envelope_decode(&body);
        fuzzing::envelope_open(&body);
    }
}
