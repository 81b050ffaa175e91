//! ML-KEM-768 through `primitives` (each backend) against `ml-kem` and `libcrux-ml-kem` called
//! directly: the overhead of our wrapper (ours-rustcrypto / ml-kem, ours-libcrux /
//! libcrux-ml-kem) on key generation from a seed, encapsulation and decapsulation.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ml_kem::{Decapsulate as _, Encapsulate as _};
use primitives::{MlKemBackend, MlKemDecapsulationKey, MlKemParams, SecretBytes};
use rand_core::Rng as _;

fn mlkem768(c: &mut Criterion) {
    let mut rng = bench_peers::rng(768);
    let mut seed = [0u8; 64];
    rng.fill_bytes(&mut seed);
    let ours_seed = SecretBytes::from_array(seed);

    let mut keygen = c.benchmark_group("mlkem768-keygen");
    for (name, backend) in [("ours-rustcrypto", MlKemBackend::RustCrypto), ("ours-libcrux", MlKemBackend::Libcrux)] {
        keygen.bench_function(name, |b| {
            b.iter(|| MlKemDecapsulationKey::from_seed_with(MlKemParams::MlKem768, black_box(&ours_seed), backend));
        });
    }
    keygen.bench_function("ml-kem", |b| {
        b.iter(|| ml_kem::DecapsulationKey::<ml_kem::MlKem768>::from_seed(black_box(seed.into())));
    });
    keygen.bench_function("libcrux-ml-kem", |b| {
        b.iter(|| libcrux_ml_kem::mlkem768::generate_key_pair(black_box(seed)));
    });
    keygen.finish();

    let ours: Vec<_> = [("ours-rustcrypto", MlKemBackend::RustCrypto), ("ours-libcrux", MlKemBackend::Libcrux)]
        .into_iter()
        .map(|(n, b)| (n, MlKemDecapsulationKey::from_seed_with(MlKemParams::MlKem768, &ours_seed, b)))
        .collect();
    let rc_dk = ml_kem::DecapsulationKey::<ml_kem::MlKem768>::from_seed(seed.into());
    let rc_ek = rc_dk.encapsulation_key().clone();
    let lx = libcrux_ml_kem::mlkem768::generate_key_pair(seed);

    let mut encaps = c.benchmark_group("mlkem768-encaps");
    for (name, dk) in &ours {
        let ek = dk.encapsulation_key();
        encaps.bench_function(*name, |b| b.iter(|| ek.encapsulate(&mut rng)));
    }
    encaps.bench_function("ml-kem", |b| b.iter(|| rc_ek.encapsulate_with_rng(&mut rng)));
    encaps.bench_function("libcrux-ml-kem", |b| {
        b.iter(|| {
            let mut m = [0u8; 32];
            rng.fill_bytes(&mut m);
            libcrux_ml_kem::mlkem768::encapsulate(lx.public_key(), m)
        });
    });
    encaps.finish();

    let mut decaps = c.benchmark_group("mlkem768-decaps");
    for (name, dk) in &ours {
        let (ct, _) = dk.encapsulation_key().encapsulate(&mut rng);
        decaps.bench_function(*name, |b| b.iter(|| dk.decapsulate(black_box(&ct)).unwrap()));
    }
    let (rc_ct, _) = rc_ek.encapsulate_with_rng(&mut rng);
    decaps.bench_function("ml-kem", |b| b.iter(|| rc_dk.decapsulate(black_box(&rc_ct))));
    let mut m = [0u8; 32];
    rng.fill_bytes(&mut m);
    let (lx_ct, _) = libcrux_ml_kem::mlkem768::encapsulate(lx.public_key(), m);
    decaps.bench_function("libcrux-ml-kem", |b| {
        b.iter(|| libcrux_ml_kem::mlkem768::decapsulate(lx.private_key(), black_box(&lx_ct)));
    });
    decaps.finish();
}

criterion_group!(benches, mlkem768);
criterion_main!(benches);
