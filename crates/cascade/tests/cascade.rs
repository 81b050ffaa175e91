//! The cascade end to end: every layer alone and the default stack round-trip in both
//! directions, with out-of-order delivery; every single-bit flip of an envelope is rejected
//! with every layer's state unchanged; stripping, duplicating, reordering, swapping and
//! re-versioning a layer are each named (`STACK-1..5`); a layer moved to another record,
//! position or associated data fails to open (`BIND-1`, `BIND-2`); a failure in an inner
//! layer leaves the outer layers' staged changes uncommitted; size limits come first.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use cascade::{
    AeadLayer, Cascade, CascadeConfig, CipherLayer, DoubleRatchetLayer, Error, LayerError, LayerId,
    MAX_AD_LEN, MlKemLayer, MlsLayer, Operation,
    envelope::binding,
    fuzzing::{FIXTURE_KEM, group_pair, pair, pair_parts, snapshot},
};
use double_ratchet::Config;
use mlkem_layer::{DecapsulationKey, ParameterSet};
use primitives::{Argon2idParams, SecretBytes};
use test_support::seeded_rng;

const AD: &[u8] = b"conversation 1";

/// One-layer cascades for each built-in layer: (name, Alice's, Bob's).
fn single_layers(seed: u64) -> Vec<(&'static str, Cascade, Cascade)> {
    let mut rng = seeded_rng(seed);
    let mut out = Vec::new();
    for params in ParameterSet::ALL {
        let a = DecapsulationKey::generate(params, &mut rng);
        let b = DecapsulationKey::generate(params, &mut rng);
        let (a_ek, b_ek) = (a.encapsulation_key().clone(), b.encapsulation_key().clone());
        out.push((
            params.name(),
            Cascade::new(vec![Box::new(MlKemLayer::new(a, b_ek))]).unwrap(),
            Cascade::new(vec![Box::new(MlKemLayer::new(b, a_ek))]).unwrap(),
        ));
    }
    for he in [false, true] {
        let (a, b) = double_ratchet::fuzzing::pair(Config::default(), he, &mut rng);
        out.push((
            if he {
                "double ratchet (HE)"
            } else {
                "double ratchet"
            },
            Cascade::new(vec![Box::new(DoubleRatchetLayer::new(a))]).unwrap(),
            Cascade::new(vec![Box::new(DoubleRatchetLayer::new(b))]).unwrap(),
        ));
    }
    let (a, b) = group_pair(&mut rng);
    out.push((
        "mls",
        Cascade::new(vec![Box::new(MlsLayer::new(a))]).unwrap(),
        Cascade::new(vec![Box::new(MlsLayer::new(b))]).unwrap(),
    ));
    let key = SecretBytes::random(&mut rng);
    out.push((
        "aead key",
        Cascade::new(vec![Box::new(AeadLayer::from_key(&key).unwrap())]).unwrap(),
        Cascade::new(vec![Box::new(AeadLayer::from_key(&key).unwrap())]).unwrap(),
    ));
    let salt = AeadLayer::generate_salt(&mut rng);
    let cost = Argon2idParams::MINIMUM;
    let layer = || AeadLayer::from_passphrase(b"correct horse battery", &salt, &cost).unwrap();
    out.push((
        "aead passphrase",
        Cascade::new(vec![Box::new(layer())]).unwrap(),
        Cascade::new(vec![Box::new(layer())]).unwrap(),
    ));
    out
}

/// Alice sends three messages, Bob reads them out of order; Bob answers, Alice reads.
fn round_trip(name: &str, alice: &mut Cascade, bob: &mut Cascade, seed: u64) {
    let mut rng = seeded_rng(seed);
    let texts: [&[u8]; 3] = [b"", b"first", &[7u8; 1500]];
    let sent: Vec<_> = texts
        .iter()
        .map(|t| alice.seal(t, AD, &mut rng).unwrap().0)
        .collect();
    for i in [2, 0, 1] {
        let (pt, report) = bob.open(&sent[i], AD).unwrap();
        assert_eq!(pt, texts[i], "{name}: message {i}");
        assert_eq!(report.layers.len(), bob.stack().len());
        assert_eq!(report.envelope_len, sent[i].len());
    }
    for round in 0..2 {
        let text = format!("reply {round}");
        let (env, _) = bob.seal(text.as_bytes(), AD, &mut rng).unwrap();
        assert_eq!(alice.open(&env, AD).unwrap().0, text.as_bytes(), "{name}");
    }
}

#[test]
fn every_layer_alone_round_trips_both_ways_out_of_order() {
    for (name, mut alice, mut bob) in single_layers(1) {
        round_trip(name, &mut alice, &mut bob, 2);
    }
}

#[test]
fn the_default_stack_round_trips_both_ways_out_of_order() {
    let (mut alice, mut bob) = pair(3);
    let ids: Vec<LayerId> = alice.stack().iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        [
            LayerId::AEAD,
            LayerId::MLS,
            LayerId::DOUBLE_RATCHET,
            LayerId::ML_KEM
        ],
        "the product's order, outermost first"
    );
    round_trip("default stack", &mut alice, &mut bob, 4);
    // The report names every layer with its sizes, outermost first, and sizes chain up.
    let mut rng = seeded_rng(5);
    let (env, report) = alice.seal(&[1u8; 1024], AD, &mut rng).unwrap();
    assert_eq!(report.envelope_len, env.len());
    for (i, l) in report.layers.iter().enumerate() {
        assert_eq!(l.position, i);
        assert_eq!(l.id, ids[i]);
        if let Some(inner) = report.layers.get(i + 1) {
            assert_eq!(l.input_len, inner.output_len);
        }
    }
    assert_eq!(report.layers[3].input_len, 1024);
    let (_, opened) = bob.open(&env, AD).unwrap();
    assert_eq!(
        opened
            .layers
            .iter()
            .map(|l| l.input_len)
            .collect::<Vec<_>>(),
        report
            .layers
            .iter()
            .map(|l| l.output_len)
            .collect::<Vec<_>>()
    );
}

/// `env` must be rejected by `bob` with every layer's state unchanged.
fn assert_rejected(bob: &mut Cascade, env: &[u8], ad: &[u8]) -> Error {
    let before = snapshot(bob);
    let err = bob.open(env, ad).expect_err("accepted");
    assert!(
        snapshot(bob) == before,
        "a rejected envelope changed a layer: {err}"
    );
    err
}

#[test]
fn every_single_bit_flip_is_rejected_with_every_state_unchanged() {
    let (mut alice, mut bob) = pair(6);
    let mut rng = seeded_rng(7);
    let (env, _) = alice.seal(b"flip me", AD, &mut rng).unwrap();
    let mut named_in_record = 0;
    for byte in 0..env.len() {
        for bit in 0..8 {
            let mut bad = env.clone();
            bad[byte] ^= 1 << bit;
            match assert_rejected(&mut bob, &bad, AD) {
                Error::Layer {
                    layer: LayerId::AEAD,
                    operation: Operation::Open,
                    ..
                } => assert!(
                    byte >= 10,
                    "byte {byte}: a record flip reached the AEAD layer"
                ),
                _ => {
                    assert!(byte < 10, "byte {byte} bit {bit}: not the outer layer");
                    named_in_record += 1;
                }
            }
        }
    }
    assert_eq!(
        named_in_record, 80,
        "every flip in the record is named by the stack check"
    );
    // The genuine envelope still opens, once.
    assert_eq!(bob.open(&env, AD).unwrap().0, b"flip me");
    assert_rejected(&mut bob, &env, AD);
}

fn record_of(env: &[u8]) -> (Vec<(u8, u8)>, &[u8]) {
    let count = usize::from(env[1]);
    let entries = env[2..2 + 2 * count]
        .chunks(2)
        .map(|c| (c[0], c[1]))
        .collect();
    (entries, &env[2 + 2 * count..])
}

fn envelope_with(entries: &[(u8, u8)], body: &[u8]) -> Vec<u8> {
    let mut out = vec![1, u8::try_from(entries.len()).unwrap()];
    for (id, v) in entries {
        out.extend_from_slice(&[*id, *v]);
    }
    out.extend_from_slice(body);
    out
}

#[test]
fn stripping_duplicating_reordering_swapping_and_versions_are_named() {
    let (mut alice, mut bob) = pair(8);
    let mut rng = seeded_rng(9);
    let (env, _) = alice.seal(b"stack", AD, &mut rng).unwrap();
    let (entries, body) = record_of(&env);
    let mls = (LayerId::MLS.0, 1);
    let aead = (LayerId::AEAD.0, 1);
    let dr = (LayerId::DOUBLE_RATCHET.0, 1);
    let kem = (LayerId::ML_KEM.0, 1);
    assert_eq!(entries, [aead, mls, dr, kem]);
    // STACK-1: the outer AEAD layer stripped (the record rewritten to match).
    let inner = &body[12..body.len() - 16];
    assert!(matches!(
        assert_rejected(&mut bob, &envelope_with(&[mls, dr, kem], inner), AD),
        Error::LayerStripped {
            layer: LayerId::AEAD
        }
    ));
    // Stripped without rewriting the record: the AEAD layer fails to open its body.
    assert!(matches!(
        assert_rejected(&mut bob, &envelope_with(&entries, inner), AD),
        Error::Layer {
            layer: LayerId::AEAD,
            position: 0,
            ..
        }
    ));
    // STACK-2: a layer listed twice.
    assert!(matches!(
        assert_rejected(
            &mut bob,
            &envelope_with(&[aead, mls, mls, dr, kem], body),
            AD
        ),
        Error::LayerDuplicated {
            layer: LayerId::MLS
        }
    ));
    // STACK-3: a layer this cascade does not use, added or in place of one (swapped).
    assert!(matches!(
        assert_rejected(
            &mut bob,
            &envelope_with(&[aead, mls, (0x80, 1), dr, kem], body),
            AD
        ),
        Error::LayerAdded {
            layer: LayerId(0x80)
        }
    ));
    assert!(matches!(
        assert_rejected(
            &mut bob,
            &envelope_with(&[aead, (0x81, 1), dr, kem], body),
            AD
        ),
        Error::LayerAdded {
            layer: LayerId(0x81)
        }
    ));
    // STACK-4: two layers swapped in the record.
    assert!(matches!(
        assert_rejected(&mut bob, &envelope_with(&[aead, dr, mls, kem], body), AD),
        Error::LayersReordered {
            position: 1,
            expected: LayerId::MLS,
            found: LayerId::DOUBLE_RATCHET
        }
    ));
    // STACK-5: another version.
    assert!(matches!(
        assert_rejected(
            &mut bob,
            &envelope_with(&[aead, mls, (dr.0, 2), kem], body),
            AD
        ),
        Error::LayerVersion {
            layer: LayerId::DOUBLE_RATCHET,
            expected: 1,
            found: 2
        }
    ));
    // Framing (ENV-1, ENV-2).
    for (bad, what) in [
        (vec![], "empty"),
        (vec![1], "no count"),
        (vec![1, 0], "zero layers"),
        (vec![1, 9], "too many layers"),
        (vec![1, 4, 4, 1, 3], "truncated record"),
    ] {
        assert!(
            matches!(assert_rejected(&mut bob, &bad, AD), Error::Decode(_)),
            "{what}"
        );
    }
    assert!(matches!(
        assert_rejected(&mut bob, &[2, 1, 4, 1], AD),
        Error::UnsupportedVersion(2)
    ));
    // The caller's associated data is bound: another AD fails at the outer layer.
    assert!(matches!(
        assert_rejected(&mut bob, &env, b"conversation 2"),
        Error::Layer {
            layer: LayerId::AEAD,
            ..
        }
    ));
    assert_eq!(bob.open(&env, AD).unwrap().0, b"stack");
}

/// BIND-1, BIND-2: each layer's ciphertext opens only under its own binding: not at
/// another position, under another record, or with other associated data. Checked layer
/// by layer through the trait, with the state unchanged after each refusal.
#[test]
fn a_layer_moved_to_another_record_position_or_ad_fails_to_open() {
    let record = [1, 4, 4, 1, 3, 1, 2, 1, 1, 1];
    let other_record = [1, 3, 4, 1, 2, 1, 1, 1];
    let right = binding(&record, 2, AD).unwrap();
    let wrong = [
        binding(&record, 1, AD).unwrap(),
        binding(&other_record, 2, AD).unwrap(),
        binding(&record, 2, b"conversation 2").unwrap(),
    ];
    for (name, mut alice, mut bob) in single_layers(10) {
        let alice_layer = alice_layer_mut(&mut alice);
        let mut rng = seeded_rng(11);
        let ct = alice_layer.seal(b"moved", &right, &mut rng).unwrap();
        let bob_layer = alice_layer_mut(&mut bob);
        for w in &wrong {
            assert!(
                bob_layer.open(&ct, w).is_err(),
                "{name}: opened under a wrong binding"
            );
        }
        let opened = bob_layer.open(&ct, &right).unwrap();
        if let Some(staged) = opened.staged {
            staged.commit().unwrap();
        }
        assert_eq!(opened.plaintext, b"moved", "{name}");
    }
}

/// The single layer of a one-layer cascade, through the trait.
fn alice_layer_mut(c: &mut Cascade) -> &mut dyn CipherLayer {
    if c.layer::<MlKemLayer>().is_some() {
        return c.layer_mut::<MlKemLayer>().unwrap();
    }
    if c.layer::<DoubleRatchetLayer>().is_some() {
        return c.layer_mut::<DoubleRatchetLayer>().unwrap();
    }
    if c.layer::<MlsLayer>().is_some() {
        return c.layer_mut::<MlsLayer>().unwrap();
    }
    c.layer_mut::<AeadLayer>().unwrap()
}

/// An inner layer that fails after the outer ones opened: the outer layers' stages (an MLS
/// ratchet key, a Double Ratchet step) are dropped, not committed.
#[test]
fn an_inner_failure_commits_nothing_in_the_outer_layers() {
    let mut rng = seeded_rng(12);
    let (alice_parts, bob_parts) = pair_parts(&mut rng);
    let mut bob = bob_parts.cascade();
    // Alice's stack with her ML-KEM layer sealing to a stranger instead of Bob.
    let stranger = DecapsulationKey::generate(FIXTURE_KEM, &mut rng);
    let mut alice = alice_parts.cascade();
    let mut wrong_alice = alice_parts.cascade();
    *wrong_alice.layer_mut::<MlKemLayer>().unwrap() =
        MlKemLayer::seal_only(stranger.encapsulation_key().clone());
    let (bad, _) = wrong_alice.seal(b"to a stranger", AD, &mut rng).unwrap();
    let err = assert_rejected(&mut bob, &bad, AD);
    assert!(
        matches!(
            err,
            Error::Layer {
                layer: LayerId::ML_KEM,
                position: 3,
                operation: Operation::Open,
                source: LayerError::MlKem(_)
            }
        ),
        "{err}"
    );
    // Alice's real stack is at the same ratchet positions as the wrong one was: her next
    // message uses the keys Bob did not consume, and opens.
    let (good, _) = alice.seal(b"to Bob", AD, &mut rng).unwrap();
    assert_eq!(bob.open(&good, AD).unwrap().0, b"to Bob");
}

#[test]
fn sizes_are_checked_before_any_work() {
    let (mut alice, mut bob) = pair(13);
    let mut rng = seeded_rng(14);
    let small = CascadeConfig {
        max_envelope_len: 4096,
    };
    let (env, _) = alice.seal(&[0u8; 3000], AD, &mut rng).unwrap();
    // SIZE-1 on open: refused before parsing, nothing changed.
    let mut limited = Cascade::with_config(
        vec![Box::new(
            AeadLayer::from_key(&SecretBytes::from_array([1; 32])).unwrap(),
        )],
        small,
    )
    .unwrap();
    assert!(matches!(
        limited.open(&vec![0u8; 4097], AD),
        Err(Error::EnvelopeTooLarge {
            len: 4097,
            max: 4096
        })
    ));
    // SIZE-2 on seal: the plaintext with every layer's overhead, before any layer seals.
    let before = snapshot(&alice);
    let huge = vec![0u8; cascade::DEFAULT_MAX_ENVELOPE_LEN];
    assert!(matches!(
        alice.seal(&huge, AD, &mut rng),
        Err(Error::PlaintextTooLarge { .. })
    ));
    assert!(snapshot(&alice) == before, "a refused seal changed a layer");
    // SIZE-3: over-long associated data, both ways.
    let long_ad = vec![0u8; MAX_AD_LEN + 1];
    assert!(matches!(
        alice.seal(b"x", &long_ad, &mut rng),
        Err(Error::AssociatedDataTooLarge { .. })
    ));
    assert!(matches!(
        assert_rejected(&mut bob, &env, &long_ad),
        Error::AssociatedDataTooLarge { .. }
    ));
    assert_eq!(bob.open(&env, AD).unwrap().0, vec![0u8; 3000]);
}

#[test]
fn configuration_errors_and_one_way_layers() {
    let key = SecretBytes::from_array([2; 32]);
    let aead = || -> Box<dyn CipherLayer> { Box::new(AeadLayer::from_key(&key).unwrap()) };
    assert!(matches!(Cascade::new(vec![]), Err(Error::Config(_))));
    assert!(matches!(
        Cascade::new(vec![aead(), aead()]),
        Err(Error::Config(_))
    ));
    // A seal-only ML-KEM layer cannot open, an open-only one cannot seal: named misuse.
    let mut rng = seeded_rng(16);
    let dk = DecapsulationKey::generate(ParameterSet::MlKem512, &mut rng);
    let mut sealer = Cascade::new(vec![Box::new(MlKemLayer::seal_only(
        dk.encapsulation_key().clone(),
    ))])
    .unwrap();
    let mut opener = Cascade::new(vec![Box::new(MlKemLayer::open_only(dk))]).unwrap();
    let (env, _) = sealer.seal(b"one way", AD, &mut rng).unwrap();
    assert!(matches!(
        sealer.open(&env, AD),
        Err(Error::Layer {
            source: LayerError::Misuse(_),
            operation: Operation::Open,
            ..
        })
    ));
    assert!(matches!(
        opener.seal(b"x", AD, &mut rng),
        Err(Error::Layer {
            source: LayerError::Misuse(_),
            operation: Operation::Seal,
            ..
        })
    ));
    assert_eq!(opener.open(&env, AD).unwrap().0, b"one way");
    // Errors say which layer and what failed.
    let err = sealer.open(&env, AD).unwrap_err().to_string();
    assert!(err.contains("ML-KEM") && err.contains("open"), "{err}");
    // Debug output shows no key material.
    let shown = format!("{sealer:?} {opener:?}");
    assert!(!shown.contains("0x"), "{shown}");
}
