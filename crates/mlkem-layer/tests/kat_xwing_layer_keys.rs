//! X-Wing keys through the layer's API against `test-vectors/upstream/xwing/test-vectors.json`
//! (draft-connolly-cfrg-xwing-kem; report family `xwing-draft-layer-keys`).
//!
//! Format: a JSON array of `{ "seed", "eseed", "ss", "sk", "pk", "ct" }` (hex). The full KAT
//! (encapsulation and decapsulation) runs in `primitives`; here each `seed` must give, through
//! `DecapsulationKey::from_seed(ParameterSet::XWing, ..)` on every ML-KEM backend, the
//! encapsulation key `pk`, which must also decode through `EncapsulationKey::from_bytes`, and
//! the key must export `seed` again. Negative twin: `pk` with its ML-KEM part's first
//! coefficient set to q (not reduced) is refused (`KEY-2`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use mlkem_layer::{DecapsulationKey, EncapsulationKey, Error, MlKemBackend, ParameterSet};
use test_support::{hex, hex_field, report, upstream_json};

#[test]
fn xwing_vector_seeds_give_the_vector_public_keys_key_2() {
    let vectors = upstream_json("xwing/test-vectors.json");
    let cases = vectors.as_array().expect("array of vectors");
    for (i, case) in cases.iter().enumerate() {
        let seed = hex_field(case, "seed");
        let pk = hex_field(case, "pk");
        assert_eq!(
            pk.len(),
            ParameterSet::XWing.encapsulation_key_len(),
            "case {i}"
        );
        for &backend in MlKemBackend::all() {
            let which = format!("case {i}, {}", backend.name());
            let dk = DecapsulationKey::from_seed_with(ParameterSet::XWing, &seed, backend).unwrap();
            assert_eq!(hex(dk.encapsulation_key().as_bytes()), hex(&pk), "{which}");
            assert_eq!(dk.export_seed().expose_secret(), seed.as_slice(), "{which}");
            let ek = EncapsulationKey::from_bytes_with(ParameterSet::XWing, &pk, backend).unwrap();
            assert_eq!(&ek, dk.encapsulation_key(), "{which}");
            // Negative twin: the first 12-bit coefficient set to q = 3329 = 0xd01.
            let mut bad = pk.clone();
            bad[0] = 0x01;
            bad[1] = (bad[1] & 0xf0) | 0x0d;
            assert!(
                matches!(
                    EncapsulationKey::from_bytes_with(ParameterSet::XWing, &bad, backend),
                    Err(Error::InvalidEncapsulationKey {
                        params: ParameterSet::XWing,
                        ..
                    })
                ),
                "{which}"
            );
        }
    }
    assert_eq!(cases.len(), 3, "the draft has three vectors");
    report("xwing-draft-layer-keys", cases.len(), 0);
}
