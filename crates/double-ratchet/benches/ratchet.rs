//! Criterion benches of sessions, with (`he`) and without (`default`) header encryption:
//! - `oneway-1KiB/<mode>`: encrypt and decrypt one 1 KiB message on an established chain;
//! - `pingpong-1KiB/<mode>`: Alice → Bob then Bob → Alice, each message a DH ratchet step;
//! - `skip-1000/<mode>`: decrypt a message after 1 000 skipped ones (derives and stores 1 000
//!   keys; the session is cloned per iteration, outside the measurement).

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use double_ratchet::{Config, fuzzing::pair};

const KIB: [u8; 1024] = [0xA5; 1024];

fn ratchet(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0x6472);
    for (mode, he) in [("default", false), ("he", true)] {
        let (mut a, mut b) = pair(Config::default(), he, &mut rng);
        let first = a.encrypt(b"hello", &mut rng).unwrap();
        b.decrypt(&first).unwrap();

        c.bench_function(&format!("oneway-1KiB/{mode}"), |bench| {
            bench.iter(|| {
                let m = a.encrypt(black_box(&KIB), &mut rng).unwrap();
                b.decrypt(&m).unwrap()
            });
        });

        c.bench_function(&format!("pingpong-1KiB/{mode}"), |bench| {
            bench.iter(|| {
                let m = b.encrypt(black_box(&KIB), &mut rng).unwrap();
                a.decrypt(&m).unwrap();
                let m = a.encrypt(black_box(&KIB), &mut rng).unwrap();
                b.decrypt(&m).unwrap()
            });
        });

        let (mut a, b) = pair(Config::default(), he, &mut rng);
        for _ in 0..1000 {
            a.encrypt(b"lost", &mut rng).unwrap();
        }
        let target = a.encrypt(&KIB, &mut rng).unwrap();
        c.bench_function(&format!("skip-1000/{mode}"), |bench| {
            bench.iter_batched(
                || b.clone(),
                |mut b| b.decrypt(black_box(&target)).unwrap(),
                BatchSize::SmallInput,
            );
        });
    }
}

criterion_group!(benches, ratchet);
criterion_main!(benches);
