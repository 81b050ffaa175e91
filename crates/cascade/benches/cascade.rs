//! Criterion benches of the cascade. Every message bench is one seal by the sender and one
//! open by the receiver, one way (ratchet and group state advance per iteration), after one
//! warm-up message; `<size>` is `1KiB` and `1MiB`:
//! - `layer-<size>/<layer>`: one layer alone, called through [`CipherLayer`] (seal, open,
//!   commit) under the binding it has in the default stack: `mlkem` (ML-KEM-768), `ratchet`
//!   (Double Ratchet without header encryption), `mls` (suite 1, two-member group), `aead`
//!   (AES-256-GCM from a 32-byte key);
//! - `stack-<size>/default`: the default stack of all four (`cascade::fuzzing::pair`),
//!   through `Cascade::seal` and `Cascade::open`;
//! - `argon2id/<cost>`: `AeadLayer::from_passphrase` once (one key derivation) with
//!   `rfc9106-second` (the default, 64 MiB, t = 3, p = 4) and `minimum` (19 MiB, t = 2, p = 1).

#![allow(missing_docs, clippy::unwrap_used, reason = "benchmark harness")]

use std::hint::black_box;

use cascade::{
    AeadLayer, Cascade, CipherLayer, DoubleRatchetLayer, MlKemLayer, MlsLayer,
    envelope::{EnvelopeRef, binding},
    fuzzing::{FIXTURE_KEM, FUZZ_AD, group_pair, pair},
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use double_ratchet::Config;
use mlkem_layer::DecapsulationKey;
use primitives::{Argon2idParams, SecretBytes, rand::CryptoRng};

/// Message sizes: (name, bytes, criterion samples). A 1 MiB round trip takes milliseconds,
/// so 20 samples instead of the default 100 keep that group to seconds.
const SIZES: [(&str, usize, usize); 2] = [("1KiB", 1024, 100), ("1MiB", 1024 * 1024, 20)];

/// One layer alone: the bench name, the binding the layer has in the default stack, and the
/// sender's and the receiver's instance.
struct Alone {
    name: &'static str,
    ad: Vec<u8>,
    sender: Box<dyn CipherLayer>,
    receiver: Box<dyn CipherLayer>,
}

impl Alone {
    /// Seals `message` with the sender and opens it with the receiver, committing.
    fn round_trip(&mut self, message: &[u8], rng: &mut dyn CryptoRng) -> Vec<u8> {
        let sealed = self.sender.seal(message, &self.ad, rng).unwrap();
        let opened = self.receiver.open(&sealed, &self.ad).unwrap();
        if let Some(staged) = opened.staged {
            staged.commit().unwrap();
        }
        opened.plaintext
    }
}

/// Seals `message` with `sender` and opens it with `receiver`.
fn stack_round_trip(
    sender: &mut Cascade,
    receiver: &mut Cascade,
    message: &[u8],
    rng: &mut dyn CryptoRng,
) -> Vec<u8> {
    let (envelope, _) = sender.seal(message, FUZZ_AD, rng).unwrap();
    receiver.open(&envelope, FUZZ_AD).unwrap().0
}

/// Each layer alone and the default stack, per message size.
fn messages(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0xCA5C);
    let (mut alice, mut bob) = pair(1);
    let (envelope, _) = alice.seal(b"warm-up", FUZZ_AD, &mut rng).unwrap();
    bob.open(&envelope, FUZZ_AD).unwrap();
    let record = EnvelopeRef::parse(&envelope).unwrap().record().to_vec();

    // Sender and receiver of each layer alone, with its position in the default stack
    // (0 = outermost).
    let bob_kem = DecapsulationKey::generate(FIXTURE_KEM, &mut rng);
    let kem = (
        MlKemLayer::seal_only(bob_kem.encapsulation_key().clone()),
        MlKemLayer::open_only(bob_kem),
    );
    let (a, b) = double_ratchet::fuzzing::pair(Config::default(), false, &mut rng);
    let ratchet = (DoubleRatchetLayer::new(a), DoubleRatchetLayer::new(b));
    let (a, b) = group_pair(&mut rng);
    let mls = (MlsLayer::new(a), MlsLayer::new(b));
    let key = SecretBytes::random(&mut rng);
    let aead = (
        AeadLayer::from_key(&key).unwrap(),
        AeadLayer::from_key(&key).unwrap(),
    );
    let alone = |name, position, sender, receiver| Alone {
        name,
        ad: binding(&record, position, FUZZ_AD).unwrap(),
        sender,
        receiver,
    };
    let mut layers: [Alone; 4] = [
        alone("mlkem", 3, Box::new(kem.0), Box::new(kem.1)),
        alone("ratchet", 2, Box::new(ratchet.0), Box::new(ratchet.1)),
        alone("mls", 1, Box::new(mls.0), Box::new(mls.1)),
        alone("aead", 0, Box::new(aead.0), Box::new(aead.1)),
    ];
    for layer in &mut layers {
        layer.round_trip(b"warm-up", &mut rng);
    }

    for (size, len, samples) in SIZES {
        let message = vec![0xA5; len];
        let bytes = Throughput::Bytes(u64::try_from(len).unwrap());
        let mut group = c.benchmark_group(format!("layer-{size}"));
        group.sample_size(samples).throughput(bytes.clone());
        for layer in &mut layers {
            group.bench_function(layer.name, |bench| {
                bench.iter(|| layer.round_trip(black_box(&message), &mut rng));
            });
        }
        group.finish();

        let mut group = c.benchmark_group(format!("stack-{size}"));
        group.sample_size(samples).throughput(bytes);
        group.bench_function("default", |bench| {
            bench.iter(|| stack_round_trip(&mut alice, &mut bob, black_box(&message), &mut rng));
        });
        group.finish();
    }
}

/// One Argon2id key derivation per iteration, at the default and the minimum cost.
fn argon2id(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0xA2);
    let salt = AeadLayer::generate_salt(&mut rng);
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10);
    for (name, cost) in [
        ("rfc9106-second", Argon2idParams::RFC9106_SECOND),
        ("minimum", Argon2idParams::MINIMUM),
    ] {
        group.bench_function(name, |bench| {
            bench.iter(|| {
                AeadLayer::from_passphrase(black_box(b"correct horse battery"), &salt, &cost)
                    .unwrap()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, messages, argon2id);
criterion_main!(benches);
