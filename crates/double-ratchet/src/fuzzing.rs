//! Entry points for the fuzz targets in `fuzz/` (`ratchet_message_decode`, `ratchet_decrypt`,
//! `ratchet_session_interaction`), and the two-party simulator they and the property tests
//! share. Each entry point takes arbitrary bytes, must never panic, and asserts what must hold
//! of any input. `tests/fuzz_corpus_replay.rs` runs the committed corpus through them on
//! stable.

#![allow(
    clippy::missing_panics_doc,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a fuzz entry point panics exactly when an invariant fails: that is the oracle"
)]

use std::sync::OnceLock;

use crate::{Config, Error, Header, Limits, MessageRef, Profile, Session, SharedHeaderKeys};
use primitives::{SecretBytes, X25519SecretKey, fuzzing::FuzzRng, rand::CryptoRng};

/// The associated data every fuzz session uses.
pub const FUZZ_AD: &[u8] = b"double-ratchet fuzz AD";

/// A fresh pair of sessions (Alice, Bob) from `rng`, with or without header encryption.
pub fn pair(config: Config, he: bool, rng: &mut impl CryptoRng) -> (Session, Session) {
    let sk = SecretBytes::random(rng);
    let bob_key = X25519SecretKey::generate(rng);
    let bob_pub = bob_key.public_key().clone();
    if he {
        let keys = SharedHeaderKeys {
            shared_hka: SecretBytes::random(rng),
            shared_nhkb: SecretBytes::random(rng),
        };
        let a = Session::init_alice_he(config, &sk, FUZZ_AD, &bob_pub, &keys, rng).unwrap();
        let b = Session::init_bob_he(config, &sk, FUZZ_AD, bob_key, &keys).unwrap();
        (a, b)
    } else {
        let a = Session::init_alice(config, &sk, FUZZ_AD, &bob_pub, rng).unwrap();
        let b = Session::init_bob(config, &sk, FUZZ_AD, bob_key).unwrap();
        (a, b)
    }
}

/// `ratchet_message_decode`: parse arbitrary bytes as a message. An accepted message must
/// re-encode to exactly its input, and a clear header must re-encode to its bytes.
pub fn message_decode(data: &[u8]) {
    let Ok(msg) = MessageRef::parse(data) else {
        return;
    };
    assert_eq!(msg.to_bytes(), data, "re-encoding differs from the input");
    assert_eq!(msg.prefix().len() + msg.body().len(), data.len());
    if let Ok(h) = msg.clear_header() {
        assert_eq!(h.encode().as_slice(), msg.header_bytes());
        assert_eq!(Header::decode(&h.encode()).unwrap(), h);
    } else {
        assert!(msg.is_header_encrypted());
    }
}

/// A live receiver (Bob after one message, with one more chain key skipped) and the genuine
/// messages still undelivered to it, with their plaintexts.
pub struct LiveSession {
    /// The receiver.
    pub bob: Session,
    /// Genuine undelivered messages and their plaintexts.
    pub pending: Vec<(Vec<u8>, Vec<u8>)>,
}

impl core::fmt::Debug for LiveSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LiveSession").finish_non_exhaustive()
    }
}

/// The live sessions `decrypt` feeds: index 0 without, 1 with header encryption.
pub fn live_sessions() -> &'static [LiveSession; 2] {
    static LIVE: OnceLock<[LiveSession; 2]> = OnceLock::new();
    LIVE.get_or_init(|| {
        [false, true].map(|he| {
            let mut rng = FuzzRng::new(0xD0_0B1E);
            let (mut alice, mut bob) = pair(Config::default(), he, &mut rng);
            let m0 = alice.encrypt(b"m0", &mut rng).unwrap();
            let m1 = alice.encrypt(b"m1", &mut rng).unwrap();
            let m2 = alice.encrypt(b"m2", &mut rng).unwrap();
            assert_eq!(bob.decrypt(&m1).unwrap(), b"m1");
            let r0 = bob.encrypt(b"r0", &mut rng).unwrap();
            assert_eq!(alice.decrypt(&r0).unwrap(), b"r0");
            let m3 = alice.encrypt(b"m3", &mut rng).unwrap();
            LiveSession {
                bob,
                pending: vec![
                    (m0, b"m0".to_vec()),
                    (m2, b"m2".to_vec()),
                    (m3, b"m3".to_vec()),
                ],
            }
        })
    })
}

/// `ratchet_decrypt`: arbitrary bytes into a live session (with header encryption when the
/// first byte is 0x02). No panic; the session is unchanged unless the input is one of the
/// genuine pending messages, which must decrypt to its plaintext.
pub fn decrypt(data: &[u8]) {
    let live = &live_sessions()[usize::from(data.first() == Some(&0x02))];
    let mut bob = live.bob.clone();
    let before = bob.to_bytes();
    match bob.decrypt(data) {
        Ok(pt) => {
            let Some((_, expected)) = live.pending.iter().find(|(m, _)| m == data) else {
                panic!("a message not made by the peer decrypted")
            };
            assert_eq!(&pt, expected);
            // DR-REPLAY: the same message again is rejected and changes nothing.
            let after = bob.to_bytes();
            assert!(bob.decrypt(data).is_err(), "a replay decrypted");
            assert_eq!(bob.to_bytes().expose_secret(), after.expose_secret());
        }
        Err(_) => assert_eq!(
            bob.to_bytes().expose_secret(),
            before.expose_secret(),
            "a rejected message changed the session"
        ),
    }
}

/// One step of a two-party schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Alice (`false`) or Bob (`true`) sends a new message.
    Send(bool),
    /// Deliver the in-flight message at this index (modulo the count).
    Deliver(usize),
    /// Drop the in-flight message at this index (modulo the count).
    Drop(usize),
    /// Deliver again a delivered message at this index (modulo the count): rejected.
    Duplicate(usize),
    /// Save both sessions and restore them from the saved bytes.
    SaveRestore,
}

impl Action {
    /// Decodes actions from bytes: two bytes per action (kind, argument).
    pub fn decode_all(data: &[u8]) -> Vec<Self> {
        data.chunks_exact(2)
            .map(|c| {
                let arg = usize::from(c[1]);
                match c[0] % 6 {
                    0 => Self::Send(false),
                    1 => Self::Send(true),
                    2 => Self::Deliver(arg),
                    3 => Self::Drop(arg),
                    4 => Self::Duplicate(arg),
                    _ => Self::SaveRestore,
                }
            })
            .collect()
    }
}

/// Limits generous enough that a schedule of at most [`MAX_ACTIONS`] actions never reaches
/// them: every genuine message must then decrypt.
pub const SIM_LIMITS: Limits = Limits {
    max_skip: crate::limits::MAX_SKIP_CEILING,
    max_stored_keys: crate::limits::MAX_STORED_KEYS_CEILING,
    max_skipped_chains: crate::limits::MAX_SKIPPED_CHAINS_CEILING,
};

/// The longest schedule the simulator runs.
pub const MAX_ACTIONS: usize = 512;

/// Runs a schedule between two real parties and checks: every delivered message decrypts
/// exactly once to its plaintext, every duplicate is rejected with the state unchanged, and
/// save/restore reproduces the state. Returns (delivered, rejected duplicates).
pub fn simulate(seed: u64, he: bool, profile: Profile, actions: &[Action]) -> (usize, usize) {
    let mut rng = FuzzRng::new(seed);
    let config = Config {
        profile,
        limits: SIM_LIMITS,
    };
    let (alice, bob) = pair(config, he, &mut rng);
    let mut parties = [alice, bob];
    let mut bob_can_send = false;
    // (recipient index, plaintext, message)
    let mut in_flight: Vec<(usize, Vec<u8>, Vec<u8>)> = Vec::new();
    let mut delivered: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut counter = 0u32;
    let mut dups = 0;
    for action in actions.iter().take(MAX_ACTIONS) {
        match *action {
            Action::Send(from_bob) => {
                let from = usize::from(from_bob);
                if from_bob && !bob_can_send {
                    let before = parties[1].to_bytes();
                    assert_eq!(
                        parties[1].encrypt(b"early", &mut rng),
                        Err(Error::CannotSendYet)
                    );
                    assert_eq!(
                        parties[1].to_bytes().expose_secret(),
                        before.expose_secret()
                    );
                    continue;
                }
                counter += 1;
                let pt = format!("message {counter} from {from}").into_bytes();
                let msg = parties[from].encrypt(&pt, &mut rng).unwrap();
                in_flight.push((1 - from, pt, msg));
            }
            Action::Deliver(i) | Action::Drop(i) if !in_flight.is_empty() => {
                let (to, pt, msg) = in_flight.remove(i % in_flight.len());
                if matches!(action, Action::Deliver(_)) {
                    let got = parties[to]
                        .decrypt(&msg)
                        .unwrap_or_else(|e| panic!("genuine message rejected: {e}"));
                    assert_eq!(got, pt);
                    if to == 1 {
                        bob_can_send = true;
                    }
                    delivered.push((to, msg));
                }
            }
            Action::Duplicate(i) if !delivered.is_empty() => {
                let (to, msg) = &delivered[i % delivered.len()];
                let before = parties[*to].to_bytes();
                assert!(parties[*to].decrypt(msg).is_err(), "a duplicate decrypted");
                assert_eq!(
                    parties[*to].to_bytes().expose_secret(),
                    before.expose_secret(),
                    "a rejected duplicate changed the session"
                );
                dups += 1;
            }
            Action::SaveRestore => {
                for p in &mut parties {
                    let saved = p.to_bytes();
                    let restored = Session::from_bytes(saved.expose_secret()).unwrap();
                    assert_eq!(restored.to_bytes().expose_secret(), saved.expose_secret());
                    *p = restored;
                }
            }
            _ => {}
        }
    }
    (delivered.len(), dups)
}

/// `ratchet_session_interaction`: the first byte picks header encryption (bit 0) and the
/// profile (bit 1), the next 8 bytes seed the parties' RNG, the rest is a schedule of
/// [`Action`]s run by [`simulate`].
pub fn session_interaction(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((seed, rest)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let he = mode & 1 != 0;
    let profile = if mode & 2 != 0 && !he {
        Profile::libsignal_v3()
    } else {
        Profile::project_default()
    };
    let actions = Action::decode_all(rest);
    simulate(u64::from_le_bytes(*seed), he, profile, &actions);
}
