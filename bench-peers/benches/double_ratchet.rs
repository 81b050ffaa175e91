//! The Double Ratchet against vodozemac's Olm sessions (the Double Ratchet of Matrix), 1 KiB
//! plaintexts.
//!
//! Scenarios:
//! - `ratchet-oneway-1KiB`: encrypt and decrypt one message on an established chain (no DH
//!   ratchet step);
//! - `ratchet-pingpong-1KiB`: B → A then A → B, each message a DH ratchet step.
//!
//! Implementations: `ours-default` (project profile, clear headers), `ours-he` (header
//! encryption), `vodozemac` (Olm v1 session, established by a pre-key message and a reply).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::panic,
    reason = "benchmark harness"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use double_ratchet::{Config, Session, SharedHeaderKeys};
use primitives::{SecretBytes, X25519SecretKey};
use vodozemac::olm::{Account, InboundCreationResult, OlmMessage, SessionConfig};

const PLAINTEXT: [u8; 1024] = [0xA5; 1024];

/// An established pair of our sessions (Alice has sent, Bob has replied).
fn ours(he: bool, rng: &mut rand_chacha::ChaCha20Rng) -> (Session, Session) {
    let sk = SecretBytes::random(rng);
    let bob_key = X25519SecretKey::generate(rng);
    let bob_pub = bob_key.public_key().clone();
    let ad = [0x05u8; 66];
    let (mut a, mut b) = if he {
        let keys = SharedHeaderKeys {
            shared_hka: SecretBytes::random(rng),
            shared_nhkb: SecretBytes::random(rng),
        };
        (
            Session::init_alice_he(Config::default(), &sk, &ad, &bob_pub, &keys, rng).unwrap(),
            Session::init_bob_he(Config::default(), &sk, &ad, bob_key, &keys).unwrap(),
        )
    } else {
        (
            Session::init_alice(Config::default(), &sk, &ad, &bob_pub, rng).unwrap(),
            Session::init_bob(Config::default(), &sk, &ad, bob_key).unwrap(),
        )
    };
    let m = a.encrypt(b"hello", rng).unwrap();
    b.decrypt(&m).unwrap();
    let r = b.encrypt(b"hi", rng).unwrap();
    a.decrypt(&r).unwrap();
    (a, b)
}

/// An established pair of vodozemac Olm sessions.
fn olm() -> (vodozemac::olm::Session, vodozemac::olm::Session) {
    let alice = Account::new();
    let mut bob = Account::new();
    bob.generate_one_time_keys(1);
    let otk = *bob.one_time_keys().values().next().unwrap();
    bob.mark_keys_as_published();
    let mut a = alice
        .create_outbound_session(SessionConfig::version_1(), bob.curve25519_key(), otk)
        .unwrap();
    let OlmMessage::PreKey(pre) = a.encrypt(b"hello").unwrap() else {
        panic!("first message is a pre-key message")
    };
    let InboundCreationResult { session: mut b, .. } = bob
        .create_inbound_session(SessionConfig::version_1(), alice.curve25519_key(), &pre)
        .unwrap();
    let r = b.encrypt(b"hi").unwrap();
    a.decrypt(&r).unwrap();
    (a, b)
}

fn double_ratchet(c: &mut Criterion) {
    let mut rng = bench_peers::rng(0x6472);

    let mut g = c.benchmark_group("ratchet-oneway-1KiB");
    for (name, he) in [("ours-default", false), ("ours-he", true)] {
        let (mut a, mut b) = ours(he, &mut rng);
        g.bench_function(name, |bench| {
            bench.iter(|| {
                let m = a.encrypt(black_box(&PLAINTEXT), &mut rng).unwrap();
                b.decrypt(&m).unwrap()
            });
        });
    }
    let (mut a, mut b) = olm();
    g.bench_function("vodozemac", |bench| {
        bench.iter(|| {
            let m = a.encrypt(black_box(PLAINTEXT)).unwrap();
            b.decrypt(&m).unwrap()
        });
    });
    g.finish();

    let mut g = c.benchmark_group("ratchet-pingpong-1KiB");
    for (name, he) in [("ours-default", false), ("ours-he", true)] {
        let (mut a, mut b) = ours(he, &mut rng);
        g.bench_function(name, |bench| {
            bench.iter(|| {
                let m = b.encrypt(black_box(&PLAINTEXT), &mut rng).unwrap();
                a.decrypt(&m).unwrap();
                let m = a.encrypt(black_box(&PLAINTEXT), &mut rng).unwrap();
                b.decrypt(&m).unwrap()
            });
        });
    }
    let (mut a, mut b) = olm();
    g.bench_function("vodozemac", |bench| {
        bench.iter(|| {
            let m = b.encrypt(black_box(PLAINTEXT)).unwrap();
            a.decrypt(&m).unwrap();
            let m = a.encrypt(black_box(PLAINTEXT)).unwrap();
            b.decrypt(&m).unwrap()
        });
    });
    g.finish();
}

criterion_group!(benches, double_ratchet);
criterion_main!(benches);
