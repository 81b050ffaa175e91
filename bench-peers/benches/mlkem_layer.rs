//! The ML-KEM-768 envelope layer against HPKE and against its own floor, 1 KiB plaintexts.
//!
//! Scenarios `layer-seal-1KiB` and `layer-open-1KiB`, implementations:
//! - `ours-rustcrypto`, `ours-libcrux`: `mlkem_layer::seal` / `open` (ML-KEM-768) on each
//!   ML-KEM backend;
//! - `hpke-rs`: hpke-rs single-shot base-mode seal/open, KEM ML-KEM-768, HKDF-SHA256,
//!   AES-256-GCM, RustCrypto provider — the standard construction closest to ours;
//! - `raw-rustcrypto`, `raw-libcrux`: the floor the layer adds to — a raw encapsulation or
//!   decapsulation through `primitives` on that backend, HKDF-SHA256 with a short label (the
//!   layer's info also hashes SHA-256(ek) and the KEM ciphertext) and AES-256-GCM through
//!   `primitives`; no envelope encoding.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hpke_rs::{
    Hpke, Mode,
    hpke_types::{AeadAlgorithm as HpkeAead, KdfAlgorithm, KemAlgorithm},
};
use hpke_rs_rust_crypto::HpkeRustCrypto;
use mlkem_layer::{DecapsulationKey, ParameterSet};
use primitives::{
    AeadAlgorithm, AeadKey, HashAlgorithm, MlKemBackend, MlKemCiphertext, MlKemDecapsulationKey,
    MlKemEncapsulationKey, MlKemParams, MlKemSharedSecret, Nonce, SecretBytes, hkdf,
};
use rand_core::Rng as _;

const PLAINTEXT_LEN: usize = 1024;
const AAD: &[u8] = b"bench-peers aad";
const INFO: &[u8] = b"bench-peers raw";
const BACKENDS: [(&str, MlKemBackend); 2] = [
    ("rustcrypto", MlKemBackend::RustCrypto),
    ("libcrux", MlKemBackend::Libcrux),
];

/// HKDF-SHA256 to an AES-256-GCM key and nonce: the raw floor's key schedule.
fn raw_key(ss: &MlKemSharedSecret) -> (AeadKey, Nonce) {
    let okm = hkdf::derive(HashAlgorithm::Sha256, b"", ss.expose_secret(), INFO, 44).unwrap();
    let (key, nonce) = okm.expose_secret().split_at(32);
    (
        AeadKey::new(AeadAlgorithm::Aes256Gcm, key).unwrap(),
        Nonce::try_from_slice(nonce).unwrap(),
    )
}

fn raw_seal(
    ek: &MlKemEncapsulationKey,
    plaintext: &[u8],
    rng: &mut impl rand_core::CryptoRng,
) -> (MlKemCiphertext, Vec<u8>) {
    let (ct, ss) = ek.encapsulate(rng);
    let (key, nonce) = raw_key(&ss);
    (ct, key.seal(&nonce, AAD, plaintext).unwrap())
}

fn raw_open(dk: &MlKemDecapsulationKey, ct: &MlKemCiphertext, aead_ct: &[u8]) -> Vec<u8> {
    let ss = dk.decapsulate(ct).unwrap();
    let (key, nonce) = raw_key(&ss);
    key.open(&nonce, AAD, aead_ct).unwrap()
}

fn layer(c: &mut Criterion) {
    let mut rng = bench_peers::rng(0x6c61_7965);
    let mut plaintext = vec![0u8; PLAINTEXT_LEN];
    rng.fill_bytes(&mut plaintext);
    let mut seed = [0u8; 64];
    rng.fill_bytes(&mut seed);

    // Ours: the layer on each backend.
    let ours: Vec<_> = BACKENDS
        .iter()
        .map(|&(name, backend)| {
            let dk =
                DecapsulationKey::from_seed_with(ParameterSet::MlKem768, &seed, backend).unwrap();
            let envelope =
                mlkem_layer::seal(dk.encapsulation_key(), &plaintext, AAD, &mut rng).unwrap();
            (format!("ours-{name}"), dk, envelope)
        })
        .collect();

    // hpke-rs, base mode, ML-KEM-768 / HKDF-SHA256 / AES-256-GCM, RustCrypto provider.
    let mut hpke = Hpke::<HpkeRustCrypto>::new(
        Mode::Base,
        KemAlgorithm::MlKem768,
        KdfAlgorithm::HkdfSha256,
        HpkeAead::Aes256Gcm,
    );
    let (hpke_sk, hpke_pk) = hpke.generate_key_pair().unwrap().into_keys();
    let (hpke_enc, hpke_ct) = hpke
        .seal(&hpke_pk, INFO, AAD, &plaintext, None, None, None)
        .unwrap();
    assert_eq!(
        hpke.open(&hpke_enc, &hpke_sk, INFO, AAD, &hpke_ct, None, None, None)
            .unwrap(),
        plaintext
    );

    // The raw floor on each backend.
    let seed_secret = SecretBytes::from_array(seed);
    let raw: Vec<_> = BACKENDS
        .iter()
        .map(|&(name, backend)| {
            let dk =
                MlKemDecapsulationKey::from_seed_with(MlKemParams::MlKem768, &seed_secret, backend);
            let (ct, aead_ct) = raw_seal(dk.encapsulation_key(), &plaintext, &mut rng);
            assert_eq!(raw_open(&dk, &ct, &aead_ct), plaintext);
            (format!("raw-{name}"), dk, ct, aead_ct)
        })
        .collect();

    let mut seal = c.benchmark_group("layer-seal-1KiB");
    for (name, dk, _) in &ours {
        let ek = dk.encapsulation_key();
        seal.bench_function(name.as_str(), |b| {
            b.iter(|| mlkem_layer::seal(ek, black_box(&plaintext), AAD, &mut rng).unwrap());
        });
    }
    seal.bench_function("hpke-rs", |b| {
        b.iter(|| {
            hpke.seal(&hpke_pk, INFO, AAD, black_box(&plaintext), None, None, None)
                .unwrap()
        });
    });
    for (name, dk, _, _) in &raw {
        let ek = dk.encapsulation_key();
        seal.bench_function(name.as_str(), |b| {
            b.iter(|| raw_seal(ek, black_box(&plaintext), &mut rng))
        });
    }
    seal.finish();

    let mut open = c.benchmark_group("layer-open-1KiB");
    for (name, dk, envelope) in &ours {
        open.bench_function(name.as_str(), |b| {
            b.iter(|| mlkem_layer::open(dk, black_box(envelope.as_bytes()), AAD).unwrap());
        });
    }
    open.bench_function("hpke-rs", |b| {
        b.iter(|| {
            hpke.open(
                &hpke_enc,
                &hpke_sk,
                INFO,
                AAD,
                black_box(&hpke_ct),
                None,
                None,
                None,
            )
            .unwrap()
        });
    });
    for (name, dk, ct, aead_ct) in &raw {
        open.bench_function(name.as_str(), |b| {
            b.iter(|| raw_open(dk, black_box(ct), black_box(aead_ct)))
        });
    }
    open.finish();
}

criterion_group!(benches, layer);
criterion_main!(benches);
