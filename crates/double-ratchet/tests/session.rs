//! Session behaviour: round trips in both directions with and without header encryption,
//! the skipped-key rules (`DR-SKIP`, `DR-STORE`, `DR-CHAINS`), replays (`DR-REPLAY`),
//! authentication (`DR-MAC`, every single-bit flip), `DR-SEND`, `DR-COUNTER`, `DR-DH`,
//! `DR-WIRE`, and that every rejected message leaves the saved state byte-for-byte unchanged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use common::flip;
use double_ratchet::{
    Config, Error, Limits, Profile, Session, SharedHeaderKeys,
    fuzzing::pair,
    primitives::{SecretBytes, X25519PublicKey, X25519SecretKey, rand::CryptoRng},
};
use test_support::{hex, seeded_rng};

fn config(limits: Limits) -> Config {
    Config {
        profile: Profile::default(),
        limits,
    }
}

fn small(max_skip: u32, max_stored_keys: u32, max_skipped_chains: u32) -> Limits {
    Limits {
        max_skip,
        max_stored_keys,
        max_skipped_chains,
    }
}

/// Decrypting `msg` must fail with `err` and change nothing.
fn rejected(session: &mut Session, msg: &[u8], err: Option<Error>) {
    let before = session.to_bytes();
    let got = session.decrypt(msg);
    match err {
        Some(e) => assert_eq!(got, Err(e)),
        None => assert!(got.is_err(), "accepted"),
    }
    assert_eq!(
        session.to_bytes().expose_secret(),
        before.expose_secret(),
        "a rejected message changed the session"
    );
}

fn send(s: &mut Session, text: &str, rng: &mut impl CryptoRng) -> Vec<u8> {
    s.encrypt(text.as_bytes(), rng).unwrap()
}

#[test]
fn round_trips_both_ways_every_mode() {
    for (he, profile) in [
        (false, Profile::project_default()),
        (true, Profile::project_default()),
        (false, Profile::libsignal_v3()),
    ] {
        let mut rng = seeded_rng(1);
        let (mut a, mut b) = pair(
            Config {
                profile,
                limits: Limits::default(),
            },
            he,
            &mut rng,
        );
        assert_eq!(a.is_header_encrypted(), he);
        for round in 0..5 {
            for k in 0..3 {
                let t = format!("a{round}.{k}");
                let m = send(&mut a, &t, &mut rng);
                assert_eq!(b.decrypt(&m).unwrap(), t.as_bytes());
            }
            let key_before = b.ratchet_public_key().clone();
            let t = format!("b{round}");
            let m = send(&mut b, &t, &mut rng);
            // DH ratchet step on every reply.
            assert_ne!(b.ratchet_public_key(), &key_before);
            assert_eq!(a.decrypt(&m).unwrap(), t.as_bytes());
        }
        // Empty and block-sized plaintexts.
        for pt in [&b""[..], &[9u8; 16], &[1u8; 1000]] {
            let m = a.encrypt(pt, &mut rng).unwrap();
            assert_eq!(b.decrypt(&m).unwrap(), pt);
        }
    }
}

#[test]
fn dr_send_bob_cannot_send_first() {
    let mut rng = seeded_rng(2);
    let (_, mut b) = pair(Config::default(), false, &mut rng);
    let before = b.to_bytes();
    assert_eq!(b.encrypt(b"x", &mut rng), Err(Error::CannotSendYet));
    assert_eq!(b.to_bytes().expose_secret(), before.expose_secret());
}

#[test]
fn dr_dh_small_order_ratchet_key_at_init() {
    let mut rng = seeded_rng(3);
    let sk = SecretBytes::from_array([1; 32]);
    assert_eq!(
        Session::init_alice(
            Config::default(),
            &sk,
            b"ad",
            &X25519PublicKey::from_bytes([0; 32]),
            &mut rng
        )
        .unwrap_err(),
        Error::InvalidPublicKey
    );
}

#[test]
fn dr_misuse_libsignal_profile_has_no_header_encryption() {
    let mut rng = seeded_rng(4);
    let keys = SharedHeaderKeys {
        shared_hka: SecretBytes::from_array([1; 32]),
        shared_nhkb: SecretBytes::from_array([2; 32]),
    };
    let bob = X25519SecretKey::generate(&mut rng);
    let cfg = Config {
        profile: Profile::libsignal_v3(),
        limits: Limits::default(),
    };
    assert!(matches!(
        Session::init_bob_he(cfg, &SecretBytes::from_array([0; 32]), b"", bob, &keys),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn dr_skip_out_of_order_within_the_limit_and_past_it() {
    for he in [false, true] {
        let mut rng = seeded_rng(5);
        let (mut a, mut b) = pair(config(small(4, 100, 5)), he, &mut rng);
        let msgs: Vec<_> = (0..10)
            .map(|i| send(&mut a, &format!("m{i}"), &mut rng))
            .collect();
        // Skipping 5 keys (0..=4) is past max_skip = 4: rejected, nothing changed.
        rejected(
            &mut b,
            &msgs[5],
            Some(Error::TooFarAhead { skip: 5, max: 4 }),
        );
        // Exactly 4 skipped: accepted; then the skipped ones in any order.
        assert_eq!(b.decrypt(&msgs[4]).unwrap(), b"m4");
        assert_eq!(b.skipped_key_count(), 4);
        for i in [2, 0, 3, 1] {
            assert_eq!(b.decrypt(&msgs[i]).unwrap(), format!("m{i}").as_bytes());
        }
        assert_eq!(b.skipped_key_count(), 0);
        // In the current chain too: 5..=9, jump from 5 to 9 skips 4 (ok after 5).
        assert_eq!(b.decrypt(&msgs[5]).unwrap(), b"m5");
        assert_eq!(b.decrypt(&msgs[9]).unwrap(), b"m9");
        // A new chain: the old chain's skipped keys (6, 7, 8) stay usable after the DH step.
        let r = send(&mut b, "r", &mut rng);
        assert_eq!(a.decrypt(&r).unwrap(), b"r");
        let x = send(&mut a, "x", &mut rng);
        assert_eq!(b.decrypt(&x).unwrap(), b"x");
        for i in [7, 6, 8] {
            assert_eq!(b.decrypt(&msgs[i]).unwrap(), format!("m{i}").as_bytes());
        }
        assert_eq!(b.skipped_key_count(), 0);
    }
}

#[test]
fn dr_skip_past_the_limit_in_the_previous_chain_is_rejected() {
    for he in [false, true] {
        let mut rng = seeded_rng(6);
        let (mut a, mut b) = pair(config(small(3, 100, 5)), he, &mut rng);
        let m0 = send(&mut a, "m0", &mut rng);
        assert_eq!(b.decrypt(&m0).unwrap(), b"m0");
        let r = send(&mut b, "r", &mut rng);
        assert_eq!(a.decrypt(&r).unwrap(), b"r");
        // a sends nothing more on the old chain, so PN = 1: fine. Now b's chain: b sends 5,
        // a receives none, then a ratchets only after receiving; instead test a's side:
        for _ in 0..4 {
            send(&mut b, "lost", &mut rng);
        }
        let a_msg = send(&mut a, "a1", &mut rng);
        assert_eq!(b.decrypt(&a_msg).unwrap(), b"a1");
        let r2 = send(&mut b, "r2", &mut rng); // PN = 5, a has Nr = 1: skip 4 > 3
        rejected(&mut a, &r2, Some(Error::TooFarAhead { skip: 4, max: 3 }));
    }
}

#[test]
fn dr_store_evicts_the_oldest_stored_key_first() {
    for he in [false, true] {
        let mut rng = seeded_rng(7);
        let (mut a, mut b) = pair(config(small(10, 3, 5)), he, &mut rng);
        let msgs: Vec<_> = (0..6)
            .map(|i| send(&mut a, &format!("m{i}"), &mut rng))
            .collect();
        assert_eq!(b.decrypt(&msgs[5]).unwrap(), b"m5");
        // 5 keys skipped, 3 kept: 0 and 1 (stored first) were evicted.
        assert_eq!(b.skipped_key_count(), 3);
        for i in [0, 1] {
            let err = b.clone().decrypt(&msgs[i]).unwrap_err();
            assert!(
                matches!(err, Error::Duplicate { .. } | Error::DecryptionFailed),
                "{err}"
            );
            rejected(&mut b, &msgs[i], None);
        }
        for i in [4, 2, 3] {
            assert_eq!(b.decrypt(&msgs[i]).unwrap(), format!("m{i}").as_bytes());
        }
    }
}

#[test]
fn dr_chains_keeps_skipped_keys_of_the_newest_chains_only() {
    for he in [false, true] {
        let mut rng = seeded_rng(8);
        let (mut a, mut b) = pair(config(small(10, 100, 1)), he, &mut rng);
        let old0 = send(&mut a, "old0", &mut rng);
        let old1 = send(&mut a, "old1", &mut rng);
        assert_eq!(b.decrypt(&old1).unwrap(), b"old1");
        assert_eq!(b.skipped_key_count(), 1);
        let r = send(&mut b, "r", &mut rng);
        assert_eq!(a.decrypt(&r).unwrap(), b"r");
        let new0 = send(&mut a, "new0", &mut rng);
        let new1 = send(&mut a, "new1", &mut rng);
        assert_eq!(b.decrypt(&new1).unwrap(), b"new1");
        // The first chain's key went when the second chain stored one.
        assert_eq!(b.skipped_key_count(), 1);
        rejected(&mut b, &old0, None);
        assert_eq!(b.decrypt(&new0).unwrap(), b"new0");
    }
}

#[test]
fn dr_replay_every_delivered_message_is_rejected_once_used() {
    for he in [false, true] {
        let mut rng = seeded_rng(9);
        let (mut a, mut b) = pair(Config::default(), he, &mut rng);
        let m0 = send(&mut a, "m0", &mut rng);
        let m1 = send(&mut a, "m1", &mut rng);
        assert_eq!(b.decrypt(&m1).unwrap(), b"m1");
        rejected(&mut b, &m1, Some(Error::Duplicate { n: 1 }));
        assert_eq!(b.decrypt(&m0).unwrap(), b"m0");
        rejected(&mut b, &m0, Some(Error::Duplicate { n: 0 }));
        let r = send(&mut b, "r", &mut rng);
        assert_eq!(a.decrypt(&r).unwrap(), b"r");
        rejected(&mut a, &r, Some(Error::Duplicate { n: 0 }));
        let m2 = send(&mut a, "m2", &mut rng);
        assert_eq!(b.decrypt(&m2).unwrap(), b"m2");
        // Old chain's messages after the receiver moved on: still rejected.
        rejected(&mut b, &m0, None);
        rejected(&mut b, &m1, None);
    }
}

#[test]
fn dr_mac_every_single_bit_flip_is_rejected_with_the_state_unchanged() {
    for he in [false, true] {
        let mut rng = seeded_rng(10);
        let (mut a, mut b) = pair(Config::default(), he, &mut rng);
        let first = send(&mut a, "first message", &mut rng); // b: DH ratchet (Next)
        let second = send(&mut a, "second", &mut rng); // b: current chain
        let skipped = send(&mut a, "third", &mut rng);
        let fourth = send(&mut a, "fourth", &mut rng);
        for (msg, deliver_after) in [(&first, true), (&second, true), (&fourth, true)] {
            for bit in 0..msg.len() * 8 {
                rejected(&mut b, &flip(msg, bit), None);
            }
            if deliver_after {
                assert!(b.decrypt(msg).is_ok());
            }
        }
        // A message whose key is in the skipped store.
        for bit in 0..skipped.len() * 8 {
            rejected(&mut b, &flip(&skipped, bit), None);
        }
        assert_eq!(b.decrypt(&skipped).unwrap(), b"third");
        // Truncations and extensions.
        let next = send(&mut a, "fifth", &mut rng);
        for len in 0..next.len() {
            rejected(&mut b, &next[..len], None);
        }
        rejected(&mut b, &[next.as_slice(), &[0u8; 16]].concat(), None);
        assert_eq!(b.decrypt(&next).unwrap(), b"fifth");
    }
}

#[test]
fn dr_wire_header_mode_must_match_the_session() {
    let mut rng = seeded_rng(11);
    let (mut a, _) = pair(Config::default(), false, &mut rng);
    let (_, mut b_he) = pair(Config::default(), true, &mut rng);
    let m = send(&mut a, "m", &mut rng);
    rejected(
        &mut b_he,
        &m,
        Some(Error::Decode("header mode differs from the session's")),
    );
}

#[test]
fn dr_counter_sending_chain_exhausts_at_u32_max() {
    let mut rng = seeded_rng(12);
    let (a, _) = pair(Config::default(), false, &mut rng);
    let mut saved = a.to_bytes().expose_secret().to_vec();
    // Alice after init: flags DHr|CKs; Ns follows limits, AD, DHs, DHr, RK, CKs.
    let ns_at = 3 + 12 + 4 + double_ratchet::fuzzing::FUZZ_AD.len() + 4 * 32;
    saved[ns_at..ns_at + 4].copy_from_slice(&(u32::MAX - 1).to_be_bytes());
    let mut a = Session::from_bytes(&saved).unwrap();
    assert_eq!(a.encrypt(b"x", &mut rng), Err(Error::ChainExhausted));
}

#[test]
fn session_debug_shows_no_secret() {
    let mut rng = seeded_rng(13);
    let (a, _) = pair(Config::default(), true, &mut rng);
    let text = format!("{a:?}");
    let saved = a.to_bytes();
    let state = saved.expose_secret();
    // Every 32-byte secret in the state (after the AD) must be absent, in hex or decimal.
    let start = 3 + 12 + 4 + double_ratchet::fuzzing::FUZZ_AD.len();
    for chunk in state[start..].chunks(32).filter(|c| c.len() == 32) {
        assert!(!text.contains(&hex(&chunk[..4])));
        assert!(!text.contains(&format!("{}, {}, {}", chunk[0], chunk[1], chunk[2])));
    }
    assert!(text.contains("Session"));
    let keys = SharedHeaderKeys {
        shared_hka: SecretBytes::from_array([0xA7; 32]),
        shared_nhkb: SecretBytes::from_array([0xA7; 32]),
    };
    let text = format!("{keys:?}");
    assert!(!text.contains("a7") && !text.contains("167"), "{text}");
}

#[test]
fn fuzz_live_sessions_pending_messages_are_genuine() {
    for live in double_ratchet::fuzzing::live_sessions() {
        assert_eq!(live.pending.len(), 3);
        for (msg, pt) in &live.pending {
            assert_eq!(&live.bob.clone().decrypt(msg).unwrap(), pt);
            double_ratchet::fuzzing::decrypt(msg);
        }
    }
}

#[test]
fn dr_he_headers_hide_the_ratchet_key_and_counters() {
    let mut rng = seeded_rng(14);
    let (mut a, mut b) = pair(Config::default(), true, &mut rng);
    let m0 = send(&mut a, "x", &mut rng);
    let m1 = send(&mut a, "x", &mut rng);
    let key = a.ratchet_public_key().as_bytes();
    for m in [&m0, &m1] {
        assert_eq!(m[0], 0x02);
        assert!(!m.windows(32).any(|w| w == key), "ratchet key in clear");
    }
    // Same plaintext, consecutive counters: the encrypted headers share nothing visible.
    assert_ne!(m0[1..13], m1[1..13]);
    assert_eq!(b.decrypt(&m1).unwrap(), b"x");
    assert_eq!(b.decrypt(&m0).unwrap(), b"x");
}

#[test]
fn dr_mac_binds_the_key_agreement_ad() {
    let mut rng = seeded_rng(15);
    let sk = SecretBytes::from_array([3; 32]);
    let bob_key = X25519SecretKey::generate(&mut rng);
    let bob_pub = bob_key.public_key().clone();
    let mut a = Session::init_alice(Config::default(), &sk, b"AD one", &bob_pub, &mut rng).unwrap();
    let mut b = Session::init_bob(Config::default(), &sk, b"AD two", bob_key).unwrap();
    let m = send(&mut a, "hello", &mut rng);
    rejected(&mut b, &m, Some(Error::DecryptionFailed));
}

#[test]
fn dr_ad_per_message_associated_data_is_bound_and_staging_changes_nothing_until_commit() {
    for he in [false, true] {
        let mut rng = seeded_rng(40);
        let (mut a, mut b) = pair(Config::default(), he, &mut rng);
        let m = a.encrypt_with_ad(b"bound", b"context 1", &mut rng).unwrap();
        let before = b.to_bytes();
        // The wrong associated data, none, or a prefix of it: DR-MAC, nothing changed.
        for wrong in [&b"context 2"[..], b"", b"context "] {
            assert_eq!(
                b.stage_decrypt(&m, wrong).map(|(pt, _)| pt),
                Err(Error::DecryptionFailed)
            );
            assert_eq!(b.to_bytes().expose_secret(), before.expose_secret());
        }
        // Without AD, the message is not accepted either.
        rejected(&mut b, &m, Some(Error::DecryptionFailed));
        // Staged and dropped: nothing changed, the message can still be read.
        let (plaintext, staged) = b.stage_decrypt(&m, b"context 1").unwrap();
        assert_eq!(plaintext, b"bound");
        drop(staged);
        assert_eq!(b.to_bytes().expose_secret(), before.expose_secret());
        // Committed: the key is consumed and a replay is a duplicate.
        let (plaintext, staged) = b.stage_decrypt(&m, b"context 1").unwrap();
        staged.commit();
        assert_eq!(plaintext, b"bound");
        assert_ne!(b.to_bytes().expose_secret(), before.expose_secret());
        assert_eq!(
            b.stage_decrypt(&m, b"context 1").map(|(pt, _)| pt),
            Err(Error::Duplicate { n: 0 })
        );
        // An empty per-message AD is the specification's message.
        let plain = a.encrypt_with_ad(b"spec", b"", &mut rng).unwrap();
        assert_eq!(b.decrypt(&plain).unwrap(), b"spec");
        // Over-long AD is misuse, on both sides, with nothing changed.
        let long = vec![0u8; double_ratchet::limits::MAX_AD_LEN + 1];
        let sender_before = a.to_bytes();
        assert!(matches!(
            a.encrypt_with_ad(b"x", &long, &mut rng),
            Err(Error::Misuse(_))
        ));
        assert_eq!(a.to_bytes().expose_secret(), sender_before.expose_secret());
        let m = a.encrypt(b"y", &mut rng).unwrap();
        assert!(matches!(b.stage_decrypt(&m, &long), Err(Error::Misuse(_))));
    }
}
