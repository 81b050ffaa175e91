//! Every public type of this crate that holds a secret has a `Debug` that prints none of it
//! (STYLE.md, "Secrets").
//!
//! # Checks
//!
//! For each type, both `{:?}` and `{:#?}` are rendered and all whitespace is removed. The result
//! must not contain, for any window of 8 consecutive secret bytes (or the whole secret if it is
//! shorter): the bytes as lower-case hex, as upper-case hex, as a comma-separated list of
//! two-digit hex (`{:02x?}` of a slice), or as a comma-separated list of decimals (`{:?}` of a
//! slice or array). The secrets are random (a seeded RNG), so a chance match with the public
//! fields some `Debug` impls print (public keys, a hash prefix of an ML-KEM key) is negligible.
//!
//! Where a type holds secrets derived from its input, those are checked as well when the test
//! can compute them: the clamped X25519 scalar, the SHA-512 expansion of an Ed25519 seed, the
//! expanded ML-KEM decapsulation key (through the `ml-kem` crate), the SHAKE256 expansion of an
//! X-Wing seed, and the HPKE context secrets (`shared_secret`, `secret`, `key`, `base_nonce`,
//! `exporter_secret`) that RFC 9180's vectors list.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking, with the type named in the message"
)]

use std::fmt::Debug;

use primitives::{
    AeadAlgorithm, AeadKey, Ed25519SecretKey, HpkeAead, HpkeKdf, HpkeKem, HpkePrivateKey,
    HpkeSuite, MlKemBackend, MlKemDecapsulationKey, MlKemParams, P256SecretKey, P384SecretKey,
    SecretBytes, SecretVec, X25519SecretKey, XWingDecapsulationKey,
    cbc_hmac::{CbcHmacKey, OKM_LEN},
    hazmat,
    rand::Rng as _,
};
use test_support::{Json, hex_field, seeded_rng, upstream_json};

/// The renderings of `bytes` that must not appear in a `Debug` output (whitespace removed).
fn renderings(bytes: &[u8]) -> [String; 4] {
    let lower: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let upper: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let decimal: Vec<String> = bytes.iter().map(u8::to_string).collect();
    [
        lower.concat(),
        upper.concat(),
        lower.join(","),
        decimal.join(","),
    ]
}

/// Asserts that neither `{:?}` nor `{:#?}` of `value` shows any 8-byte window of any of
/// `secrets` (each named for the failure message).
fn assert_redacted(what: &str, value: &impl Debug, secrets: &[(&str, &[u8])]) {
    for debug in [format!("{value:?}"), format!("{value:#?}")] {
        assert!(!debug.is_empty(), "{what}: empty Debug output");
        let compact: String = debug.chars().filter(|c| !c.is_whitespace()).collect();
        for (name, secret) in secrets {
            assert!(!secret.is_empty(), "{what}: empty secret {name}");
            for (offset, window) in secret.windows(secret.len().min(8)).enumerate() {
                for r in renderings(window) {
                    assert!(
                        !compact.contains(&r),
                        "{what}: Debug shows {name}[{offset}..{}]: {debug}",
                        offset + window.len()
                    );
                }
            }
        }
    }
}

fn random<const N: usize>(seed: u64) -> [u8; N] {
    let mut out = [0u8; N];
    seeded_rng(seed).fill_bytes(&mut out);
    out
}

#[test]
fn secret_bytes_and_secret_vec() {
    let fixed = SecretBytes::from_array(random::<32>(1));
    assert_redacted(
        "SecretBytes<32>",
        &fixed,
        &[("bytes", fixed.expose_secret())],
    );
    let short = SecretBytes::from_array(random::<5>(2));
    assert_redacted(
        "SecretBytes<5>",
        &short,
        &[("bytes", short.expose_secret())],
    );
    let var = SecretVec::random(45, &mut seeded_rng(3));
    assert_redacted("SecretVec", &var, &[("bytes", var.expose_secret())]);
}

#[test]
fn x25519_secret_key() {
    let bytes = random::<32>(4);
    let sk = X25519SecretKey::from_secret(&SecretBytes::from_array(bytes));
    let mut clamped = bytes;
    clamped[0] &= 248;
    clamped[31] &= 127;
    clamped[31] |= 64;
    assert_redacted(
        "X25519SecretKey",
        &sk,
        &[("secret", &bytes), ("clamped scalar", &clamped)],
    );
}

#[test]
fn p256_secret_key() {
    let sk = P256SecretKey::generate(&mut seeded_rng(41));
    let scalar = sk.to_secret();
    assert_redacted("P256SecretKey", &sk, &[("scalar", scalar.expose_secret())]);
}

#[test]
fn p384_secret_key() {
    let sk = P384SecretKey::generate(&mut seeded_rng(42));
    let scalar = sk.to_secret();
    assert_redacted("P384SecretKey", &sk, &[("scalar", scalar.expose_secret())]);
}

#[test]
fn ed25519_secret_key() {
    let seed = random::<32>(5);
    let sk = Ed25519SecretKey::from_secret(&SecretBytes::from_array(seed));
    let expanded = primitives::hash::sha512(&seed);
    assert_redacted(
        "Ed25519SecretKey",
        &sk,
        &[("seed", &seed), ("SHA-512(seed)", &expanded)],
    );
}

/// The FIPS 203 expanded decapsulation key of `seed`, computed by the `ml-kem` crate.
#[allow(
    deprecated,
    reason = "the expanded key encoding is deprecated in ml-kem but is what we need to compare"
)]
fn expanded_dk(params: MlKemParams, seed: &[u8; 64]) -> Vec<u8> {
    use ml_kem::ExpandedKeyEncoding as _;
    let seed = ml_kem::Seed::from(*seed);
    match params {
        MlKemParams::MlKem512 => ml_kem::DecapsulationKey::<ml_kem::MlKem512>::from_seed(seed)
            .to_expanded_bytes()
            .to_vec(),
        MlKemParams::MlKem768 => ml_kem::DecapsulationKey::<ml_kem::MlKem768>::from_seed(seed)
            .to_expanded_bytes()
            .to_vec(),
        MlKemParams::MlKem1024 => ml_kem::DecapsulationKey::<ml_kem::MlKem1024>::from_seed(seed)
            .to_expanded_bytes()
            .to_vec(),
    }
}

#[test]
fn mlkem_decapsulation_key() {
    for (i, params) in MlKemParams::ALL.into_iter().enumerate() {
        let seed = random::<64>(6 + i as u64);
        let expanded = expanded_dk(params, &seed);
        // The secret part of the expanded key: dk_PKE (the first 384k bytes) and z (the last 32).
        let k = params.k();
        let secrets: [(&str, &[u8]); 3] = [
            ("seed d || z", &seed),
            ("dk_PKE", &expanded[..384 * k]),
            ("z", &expanded[expanded.len() - 32..]),
        ];
        for &backend in MlKemBackend::all() {
            let what = format!("MlKemDecapsulationKey ({}, {backend:?})", params.name());
            let from_seed = MlKemDecapsulationKey::from_seed_with(
                params,
                &SecretBytes::from_array(seed),
                backend,
            );
            assert_redacted(&what, &from_seed, &secrets);
            let imported =
                MlKemDecapsulationKey::from_expanded(params, &expanded, backend).unwrap();
            assert_redacted(&format!("{what}, imported expanded"), &imported, &secrets);
        }
    }
}

#[test]
fn xwing_decapsulation_key() {
    use shake::{ExtendableOutput as _, Update as _, XofReader as _};
    let seed = random::<32>(9);
    let mut expanded = [0u8; 96];
    let mut xof = shake::Shake256::default();
    xof.update(&seed);
    xof.finalize_xof().read(&mut expanded);
    for &backend in MlKemBackend::all() {
        let dk = XWingDecapsulationKey::from_seed_with(&SecretBytes::from_array(seed), backend);
        assert_redacted(
            &format!("XWingDecapsulationKey ({backend:?})"),
            &dk,
            &[("seed", &seed), ("SHAKE256(seed, 96)", &expanded)],
        );
    }
}

#[test]
fn hpke_private_key() {
    for (i, kem) in [
        HpkeKem::DhKemX25519Sha256,
        HpkeKem::DhKemP256Sha256,
        HpkeKem::DhKemP384Sha384,
    ]
    .into_iter()
    .enumerate()
    {
        let suite = HpkeSuite::new(kem, HpkeKdf::HkdfSha256, HpkeAead::Aes128Gcm);
        // Nsk bytes: 32, or 48 for P-384.
        let ikm = &random::<48>(10 + i as u64)[..kem.private_key_len()];
        let (sk, _) = suite.derive_key_pair(ikm).unwrap();
        assert_redacted(
            &format!("HpkePrivateKey ({kem:?})"),
            &sk,
            &[("private key", sk.expose_secret()), ("ikm", ikm)],
        );
        let (imported, _) = HpkePrivateKey::from_bytes(kem, sk.expose_secret()).unwrap();
        assert_redacted(
            &format!("HpkePrivateKey ({kem:?}, from_bytes)"),
            &imported,
            &[("private key", sk.expose_secret())],
        );
    }
}

#[test]
fn aead_key() {
    for (i, alg) in [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ]
    .into_iter()
    .enumerate()
    {
        let key = random::<32>(20 + i as u64);
        let key = &key[..alg.key_len()];
        assert_redacted(
            &format!("AeadKey ({alg:?})"),
            &AeadKey::new(alg, key).unwrap(),
            &[("key", key)],
        );
    }
}

#[test]
fn cbc_hmac_key() {
    let okm = random::<OKM_LEN>(30);
    let key = CbcHmacKey::from_okm(&SecretBytes::from_array(okm));
    assert_redacted(
        "CbcHmacKey",
        &key,
        &[
            ("encryption key", &okm[..32]),
            ("MAC key", &okm[32..64]),
            ("IV", &okm[64..]),
        ],
    );
}

/// The sender and receiver contexts of the RFC 9180 base-mode vectors for X25519 and P-256 with
/// HKDF-SHA256 and AES-128-GCM, whose key-schedule secrets the vectors list.
#[test]
fn hpke_contexts() {
    let file = upstream_json("hpke/test-vectors.json");
    let mut checked = 0;
    for v in file.as_array().expect("a JSON array of vectors") {
        let num = |f: &str| v.get(f).and_then(Json::as_u64).unwrap();
        if num("mode") != 0
            || !matches!(num("kem_id"), 0x10 | 0x20)
            || num("kdf_id") != 1
            || num("aead_id") != 1
        {
            continue;
        }
        let kem = HpkeKem::from_id(u16::try_from(num("kem_id")).unwrap()).unwrap();
        let suite = HpkeSuite::new(kem, HpkeKdf::HkdfSha256, HpkeAead::Aes128Gcm);
        let names = [
            "skRm",
            "skEm",
            "ikmE",
            "shared_secret",
            "secret",
            "key",
            "base_nonce",
            "exporter_secret",
        ];
        let values: Vec<Vec<u8>> = names.iter().map(|n| hex_field(v, n)).collect();
        let secrets: Vec<(&str, &[u8])> = names
            .iter()
            .copied()
            .zip(values.iter().map(Vec::as_slice))
            .collect();

        let info = hex_field(v, "info");
        let (sk, pk) = suite.derive_key_pair(&hex_field(v, "ikmR")).unwrap();
        let receiver = suite
            .setup_receiver(&hex_field(v, "enc"), &sk, &info)
            .unwrap();
        let (_, sender) =
            hazmat::hpke_setup_sender_deterministic(suite, &pk, &info, &hex_field(v, "ikmE"))
                .unwrap();
        assert_redacted(
            &format!("HpkeReceiverContext ({kem:?})"),
            &receiver,
            &secrets,
        );
        assert_redacted(&format!("HpkeSenderContext ({kem:?})"), &sender, &secrets);
        checked += 1;
    }
    // One vector per KEM.
    assert_eq!(checked, 2);
}

/// The check itself: each rendering it looks for is caught, including a partial leak.
#[test]
fn the_check_catches_leaks() {
    #[derive(Debug)]
    struct Decimal(#[allow(dead_code, reason = "read only by Debug")] Vec<u8>);
    struct Leak(
        fn(&[u8], &mut std::fmt::Formatter<'_>) -> std::fmt::Result,
        Vec<u8>,
    );
    impl Debug for Leak {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            (self.0)(&self.1, f)
        }
    }
    let secret = random::<16>(40);
    let partial = secret[4..12].to_vec();
    let leaks: [Box<dyn Debug + std::panic::RefUnwindSafe>; 5] = [
        Box::new(Decimal(secret.to_vec())),
        Box::new(Leak(
            |b, f| b.iter().try_for_each(|x| write!(f, "{x:02x}")),
            partial.clone(),
        )),
        Box::new(Leak(
            |b, f| b.iter().try_for_each(|x| write!(f, "{x:02X}")),
            partial.clone(),
        )),
        Box::new(Leak(|b, f| write!(f, "{b:02x?}"), partial.clone())),
        Box::new(Leak(|b, f| write!(f, "key {b:?}"), partial)),
    ];
    for (i, leak) in leaks.iter().enumerate() {
        let caught =
            std::panic::catch_unwind(|| assert_redacted("leak", leak, &[("secret", &secret)]));
        assert!(caught.is_err(), "leak {i} was not caught");
    }
}
