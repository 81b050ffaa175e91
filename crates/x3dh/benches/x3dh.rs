//! Criterion benches: XEdDSA sign and verify; X3DH and PQXDH (ML-KEM-1024, with a one-time
//! prekey) initiator and responder, on the default ML-KEM backend (libcrux when the `libcrux`
//! feature is on). Ids: `xeddsa/sign`, `xeddsa/verify`, `x3dh/initiate`, `x3dh/respond`,
//! `pqxdh-ML-KEM-1024/<backend>/initiate` and `.../respond`. `initiate` includes verifying the bundle's signatures, as every real initiation
//! must.

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use primitives::{MlKemBackend, MlKemParams, X25519SecretKey};
use x3dh::{
    IdentityKeyPair, InMemoryPrekeyStore, KemPrekey, KemPrekeyKind, OneTimePrekey, PrekeyBundle,
    Profile, SignedPrekey, initiate, respond, xeddsa,
};

fn bench_xeddsa(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(1);
    let sk = X25519SecretKey::generate(&mut rng);
    let msg = [0x05u8; 33];
    let sig = xeddsa::sign(&sk, &msg, &mut rng);
    let mut g = c.benchmark_group("xeddsa");
    g.bench_function("sign", |b| {
        b.iter(|| xeddsa::sign(&sk, black_box(&msg), &mut rng));
    });
    g.bench_function("verify", |b| {
        b.iter(|| xeddsa::verify(sk.public_key(), black_box(&msg), &sig).unwrap());
    });
    g.finish();
}

fn bench_agreement(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(2);
    let profile = Profile::project_default();
    for kem in [None, Some(MlKemParams::MlKem1024)] {
        let group = match kem {
            None => "x3dh".to_owned(),
            Some(p) => format!("pqxdh-{}/{}", p.name(), MlKemBackend::default().name()),
        };
        let alice = IdentityKeyPair::generate(&mut rng);
        let bob = IdentityKeyPair::generate(&mut rng);
        let spk = SignedPrekey::generate(1, &bob, &mut rng);
        let opk = OneTimePrekey::generate(10, &mut rng);
        let mut bundle = PrekeyBundle {
            identity: bob.public().clone(),
            signed_prekey: spk.public(),
            one_time_prekey: Some(opk.public()),
            kem_prekey: None,
        };
        let mut store = InMemoryPrekeyStore::new(spk);
        store.add_one_time_prekey(opk).unwrap();
        if let Some(p) = kem {
            // Last-resort, so that the responder bench can reuse it.
            let k = KemPrekey::generate(20, KemPrekeyKind::LastResort, p, &bob, &mut rng).unwrap();
            bundle.kem_prekey = Some(k.public());
            store.add_kem_prekey(k).unwrap();
        }
        let mut g = c.benchmark_group(group);
        g.bench_function("initiate", |b| {
            b.iter(|| {
                let verified = bundle.clone().verify().unwrap();
                initiate(&profile, &alice, &verified, &[], &mut rng).unwrap()
            });
        });
        let verified = bundle.clone().verify().unwrap();
        let (msg, _) = initiate(&profile, &alice, &verified, &[], &mut rng).unwrap();
        g.bench_function("respond", |b| {
            b.iter_batched(
                || store.clone(),
                |mut s| respond(&profile, &bob, &mut s, black_box(&msg), &[]).unwrap(),
                criterion::BatchSize::SmallInput,
            );
        });
        g.finish();
    }
}

criterion_group!(benches, bench_xeddsa, bench_agreement);
criterion_main!(benches);
