//! Criterion benchmarks of the primitives: ML-KEM on each backend, X25519, Ed25519, ECDSA P-256
//! and P-384, AES-GCM and HPKE (X25519, and P-384 as MLS suite 7 uses it). `cargo bench -p primitives --all-features` (or `cargo xtask bench`).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    reason = "criterion's macros generate undocumented items; benches fail loudly on setup errors"
)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use primitives::{
    AeadAlgorithm, AeadKey, Ed25519SecretKey, HpkeAead, HpkeKdf, HpkeKem, HpkeSuite, MlKemBackend,
    MlKemDecapsulationKey, MlKemParams, Nonce, P256SecretKey, P384SecretKey, SecretBytes,
    X25519PublicKey, X25519SecretKey,
};

fn mlkem(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(1);
    for params in MlKemParams::ALL {
        let mut group = c.benchmark_group(format!("mlkem/{}", params.name()));
        for &backend in MlKemBackend::all() {
            let name = backend.name();
            let seed = SecretBytes::<64>::random(&mut rng);
            group.bench_function(BenchmarkId::new("keygen", name), |b| {
                b.iter(|| MlKemDecapsulationKey::from_seed_with(params, black_box(&seed), backend));
            });
            let dk = MlKemDecapsulationKey::from_seed_with(params, &seed, backend);
            let ek = dk.encapsulation_key().clone();
            group.bench_function(BenchmarkId::new("encaps", name), |b| {
                b.iter(|| ek.encapsulate(&mut rng));
            });
            let (ct, _) = ek.encapsulate(&mut rng);
            group.bench_function(BenchmarkId::new("decaps", name), |b| {
                b.iter(|| dk.decapsulate(black_box(&ct)).unwrap());
            });
        }
        group.finish();
    }
}

fn curves(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(2);
    let a = X25519SecretKey::generate(&mut rng);
    let b_pub = X25519SecretKey::generate(&mut rng).public_key().clone();
    c.bench_function("x25519/diffie_hellman", |b| {
        b.iter(|| a.diffie_hellman(black_box(&b_pub)).unwrap());
    });
    c.bench_function("x25519/public_key_decode", |b| {
        b.iter(|| X25519PublicKey::from_bytes(black_box(*b_pub.as_bytes())));
    });
    let sk = Ed25519SecretKey::generate(&mut rng);
    let pk = sk.public_key();
    let msg = [0x5au8; 256];
    c.bench_function("ed25519/sign_256B", |b| b.iter(|| sk.sign(black_box(&msg))));
    let sig = sk.sign(&msg);
    c.bench_function("ed25519/verify_256B", |b| {
        b.iter(|| pk.verify(black_box(&msg), black_box(&sig)).unwrap());
    });
    let sk = P256SecretKey::generate(&mut rng);
    let pk = sk.public_key();
    c.bench_function("p256-ecdsa/sign_256B", |b| {
        b.iter(|| sk.sign(black_box(&msg)))
    });
    let sig = sk.sign(&msg);
    c.bench_function("p256-ecdsa/verify_256B", |b| {
        b.iter(|| pk.verify(black_box(&msg), black_box(&sig)).unwrap());
    });
    let sk = P384SecretKey::generate(&mut rng);
    let pk = sk.public_key();
    c.bench_function("p384-ecdsa/sign_256B", |b| {
        b.iter(|| sk.sign(black_box(&msg)))
    });
    let sig = sk.sign(&msg);
    c.bench_function("p384-ecdsa/verify_256B", |b| {
        b.iter(|| pk.verify(black_box(&msg), black_box(&sig)).unwrap());
    });
}

fn aead(c: &mut Criterion) {
    for (alg, name) in [
        (AeadAlgorithm::Aes128Gcm, "aes-128-gcm"),
        (AeadAlgorithm::Aes256Gcm, "aes-256-gcm"),
        (AeadAlgorithm::ChaCha20Poly1305, "chacha20-poly1305"),
    ] {
        let mut group = c.benchmark_group(format!("aead/{name}"));
        let key = AeadKey::new(alg, &vec![7u8; alg.key_len()]).unwrap();
        let nonce = Nonce::from_array([1u8; 12]);
        for size in [1024usize, 1 << 20] {
            let pt = vec![0x42u8; size];
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_function(BenchmarkId::new("seal", size), |b| {
                b.iter(|| key.seal(&nonce, b"aad", black_box(&pt)).unwrap());
            });
            let ct = key.seal(&nonce, b"aad", &pt).unwrap();
            group.bench_function(BenchmarkId::new("open", size), |b| {
                b.iter(|| key.open(&nonce, b"aad", black_box(&ct)).unwrap());
            });
        }
        group.finish();
    }
}

fn hpke(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(3);
    for (suite, name) in [
        (
            HpkeSuite::new(
                HpkeKem::DhKemX25519Sha256,
                HpkeKdf::HkdfSha256,
                HpkeAead::Aes128Gcm,
            ),
            "x25519-sha256-aes128gcm",
        ),
        (
            HpkeSuite::new(
                HpkeKem::DhKemP384Sha384,
                HpkeKdf::HkdfSha384,
                HpkeAead::Aes256Gcm,
            ),
            "p384-sha384-aes256gcm",
        ),
    ] {
        let mut group = c.benchmark_group(format!("hpke/{name}"));
        let (sk, pk) = suite.generate_key_pair(&mut rng).unwrap();
        let pt = vec![0x42u8; 1024];
        group.throughput(Throughput::Bytes(1024));
        group.bench_function("seal/1024", |b| {
            b.iter(|| {
                suite
                    .seal(&pk, b"info", b"aad", black_box(&pt), &mut rng)
                    .unwrap()
            });
        });
        let (enc, ct) = suite.seal(&pk, b"info", b"aad", &pt, &mut rng).unwrap();
        group.bench_function("open/1024", |b| {
            b.iter(|| {
                suite
                    .open(black_box(&enc), &sk, b"info", b"aad", black_box(&ct))
                    .unwrap()
            });
        });
        // An MLS-sized batch: 100 recipients of a 32-byte secret under one info (an UpdatePath's
        // run of path-secret encryptions), each with its own generator.
        let secret = [0x42u8; 32];
        let sealer = suite.sealer(b"info", b"");
        group.throughput(Throughput::Elements(100));
        group.bench_function("seal_many/100x32", |b| {
            b.iter(|| {
                let mut rngs: Vec<_> = (0..100).map(test_support::seeded_rng).collect();
                sealer
                    .seal_many(rngs.iter_mut().map(|r| (&pk, black_box(&secret[..]), r)))
                    .unwrap()
            });
        });
        group.finish();
    }
}

criterion_group!(benches, mlkem, curves, aead, hpke);
criterion_main!(benches);
