//! The saved-session format (`DR-STATE`): round trips in every phase of a session, with and
//! without header encryption, and strict decoding (every truncation, trailing bytes, unknown
//! version, profile and flag bits, inconsistent fields, too many keys).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use double_ratchet::{Config, Error, Limits, STATE_VERSION, Session, fuzzing::pair};
use test_support::seeded_rng;

fn round_trip(s: &Session) -> Session {
    let saved = s.to_bytes();
    let restored = Session::from_bytes(saved.expose_secret()).unwrap();
    assert_eq!(restored.to_bytes().expose_secret(), saved.expose_secret());
    assert!(restored.ct_eq(s));
    restored
}

/// Sessions in several phases: fresh, after skips, after ratchet steps.
fn phases(he: bool) -> Vec<Session> {
    let mut rng = seeded_rng(21);
    let (mut a, mut b) = pair(Config::default(), he, &mut rng);
    let mut out = vec![a.clone(), b.clone()];
    let m0 = a.encrypt(b"m0", &mut rng).unwrap();
    let m1 = a.encrypt(b"m1", &mut rng).unwrap();
    b.decrypt(&m1).unwrap();
    out.push(b.clone()); // skipped key, pending sending ratchet
    let r = b.encrypt(b"r", &mut rng).unwrap();
    out.push(b.clone());
    a.decrypt(&r).unwrap();
    out.push(a.clone());
    b.decrypt(&m0).unwrap();
    out.push(b);
    out
}

#[test]
fn dr_state_round_trips_in_every_phase() {
    for he in [false, true] {
        let mut rng = seeded_rng(22);
        for s in phases(he) {
            let mut restored = round_trip(&s);
            assert_eq!(restored.is_header_encrypted(), he);
            // The restored session behaves as the original: same next message from the same RNG.
            let mut original = s.clone();
            let mut rng2 = seeded_rng(23);
            let mut rng3 = seeded_rng(23);
            assert_eq!(
                original.encrypt(b"z", &mut rng2),
                restored.encrypt(b"z", &mut rng3)
            );
            let _ = &mut rng;
        }
    }
}

#[test]
fn dr_state_decoding_is_strict() {
    for he in [false, true] {
        for s in phases(he) {
            let saved = s.to_bytes();
            let bytes = saved.expose_secret();
            for len in 0..bytes.len() {
                assert!(
                    matches!(
                        Session::from_bytes(&bytes[..len]),
                        Err(Error::StateDecode(_))
                    ),
                    "truncation to {len} accepted"
                );
            }
            let mut longer = bytes.to_vec();
            longer.push(0);
            assert_eq!(
                Session::from_bytes(&longer).unwrap_err(),
                Error::StateDecode("trailing bytes")
            );
            let mut bad = bytes.to_vec();
            bad[0] = STATE_VERSION + 1;
            assert!(Session::from_bytes(&bad).is_err());
            for profile in [0u8, 3, 0xFF] {
                let mut bad = bytes.to_vec();
                bad[1] = profile;
                assert_eq!(
                    Session::from_bytes(&bad).unwrap_err(),
                    Error::StateDecode("unknown profile")
                );
            }
            let mut bad = bytes.to_vec();
            bad[2] |= 0x40;
            assert_eq!(
                Session::from_bytes(&bad).unwrap_err(),
                Error::StateDecode("unknown flag bits")
            );
            if !he {
                let mut bad = bytes.to_vec();
                bad[2] |= 0x10;
                assert!(Session::from_bytes(&bad).is_err());
            }
            // Limits out of range.
            let mut bad = bytes.to_vec();
            bad[3..7].copy_from_slice(&u32::MAX.to_be_bytes());
            assert_eq!(
                Session::from_bytes(&bad).unwrap_err(),
                Error::StateDecode("limits out of range")
            );
        }
    }
}

#[test]
fn dr_state_more_skipped_keys_than_allowed_is_rejected() {
    let mut rng = seeded_rng(24);
    let (mut a, mut b) = pair(Config::default(), false, &mut rng);
    let msgs: Vec<_> = (0..4).map(|_| a.encrypt(b"m", &mut rng).unwrap()).collect();
    b.decrypt(&msgs[3]).unwrap();
    assert_eq!(b.skipped_key_count(), 3);
    let saved = b.to_bytes();
    let mut bad = saved.expose_secret().to_vec();
    // max_stored_keys (bytes 7..11) lowered to 2: three stored keys no longer fit.
    bad[7..11].copy_from_slice(&2u32.to_be_bytes());
    assert_eq!(
        Session::from_bytes(&bad).unwrap_err(),
        Error::StateDecode("more skipped keys than max_stored_keys")
    );
    // set_limits validates.
    assert!(
        b.set_limits(Limits {
            max_skip: u32::MAX,
            ..Limits::default()
        })
        .is_err()
    );
}
