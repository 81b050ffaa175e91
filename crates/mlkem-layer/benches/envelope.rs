//! Criterion benches of `seal` and `open`: 1 KiB, 64 KiB and 1 MiB plaintexts, for every
//! parameter set (ML-KEM-512/768/1024 and X-Wing) on every compiled-in ML-KEM backend. Ids are
//! `<op>/<parameter set>/<backend>/<plaintext bytes>`, e.g. `seal/ML-KEM-768/libcrux/1024`.
//! Build with `--all-features` for both backends.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mlkem_layer::{DecapsulationKey, MlKemBackend, ParameterSet, open, seal};

const SIZES: [usize; 3] = [1024, 64 * 1024, 1024 * 1024];
const AAD: &[u8] = b"bench aad";

fn envelope(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0x6d6c_6b65);
    for &backend in MlKemBackend::all() {
        for params in ParameterSet::ALL {
            let seed = vec![0x42u8; params.seed_len()];
            let dk = DecapsulationKey::from_seed_with(params, &seed, backend).unwrap();
            let ek = dk.encapsulation_key();
            let group_name = format!("{}/{}", params.name(), backend.name());
            for size in SIZES {
                let plaintext = vec![0xA5u8; size];
                let envelope = seal(ek, &plaintext, AAD, &mut rng).unwrap();

                let mut g = c.benchmark_group("seal");
                g.throughput(Throughput::Bytes(size as u64));
                if size >= 1024 * 1024 {
                    g.sample_size(20);
                }
                g.bench_function(BenchmarkId::new(&group_name, size), |b| {
                    b.iter(|| seal(ek, black_box(&plaintext), AAD, &mut rng).unwrap());
                });
                g.finish();

                let mut g = c.benchmark_group("open");
                g.throughput(Throughput::Bytes(size as u64));
                if size >= 1024 * 1024 {
                    g.sample_size(20);
                }
                g.bench_function(BenchmarkId::new(&group_name, size), |b| {
                    b.iter(|| open(&dk, black_box(envelope.as_bytes()), AAD).unwrap());
                });
                g.finish();
            }
        }
    }
}

criterion_group!(benches, envelope);
criterion_main!(benches);
