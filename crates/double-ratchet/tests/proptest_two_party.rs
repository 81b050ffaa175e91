//! Property tests on a two-party model (256 cases each): random schedules of sends both ways,
//! drops, reorders, duplicates and save/restore, run by `double_ratchet::fuzzing::simulate`
//! with real sessions, with and without header encryption. Checked: every delivered message
//! decrypts exactly once to its plaintext; every duplicate is rejected with the state
//! unchanged; save/restore reproduces the state (`DR-REPLAY`, `DR-STATE`). A second property:
//! every jump past `max_skip` is rejected with the state unchanged, every jump within it
//! accepted (`DR-SKIP`). A third: decoding arbitrary bytes as a state or a message never
//! panics.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use double_ratchet::{
    Config, Error, Limits, MessageRef, Profile, Session,
    fuzzing::{Action, pair, simulate},
};
use proptest::prelude::*;
use test_support::seeded_rng;

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => any::<bool>().prop_map(Action::Send),
        3 => any::<usize>().prop_map(Action::Deliver),
        1 => any::<usize>().prop_map(Action::Drop),
        1 => any::<usize>().prop_map(Action::Duplicate),
        1 => Just(Action::SaveRestore),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn dr_replay_two_party_schedules_deliver_exactly_once(
        seed in any::<u64>(),
        he in any::<bool>(),
        libsignal in any::<bool>(),
        actions in proptest::collection::vec(action(), 0..80),
    ) {
        let profile = if libsignal && !he { Profile::libsignal_v3() } else { Profile::project_default() };
        simulate(seed, he, profile, &actions);
    }

    #[test]
    fn dr_skip_jumps_past_the_limit_are_rejected_with_the_state_unchanged(
        seed in any::<u64>(),
        he in any::<bool>(),
        max_skip in 0u32..8,
        jump in 0u32..12,
        first_delivered in any::<bool>(),
    ) {
        let mut rng = seeded_rng(seed);
        let config = Config {
            profile: Profile::default(),
            limits: Limits { max_skip, ..Limits::default() },
        };
        let (mut a, mut b) = pair(config, he, &mut rng);
        if first_delivered {
            let m = a.encrypt(b"first", &mut rng).unwrap();
            prop_assert_eq!(b.decrypt(&m).unwrap(), b"first".to_vec());
        }
        for _ in 0..jump {
            a.encrypt(b"lost", &mut rng).unwrap();
        }
        let m = a.encrypt(b"target", &mut rng).unwrap();
        let before = b.to_bytes();
        let got = b.decrypt(&m);
        if jump > max_skip {
            prop_assert_eq!(got, Err(Error::TooFarAhead { skip: u64::from(jump), max: max_skip }));
            let after = b.to_bytes();
            prop_assert_eq!(after.expose_secret(), before.expose_secret());
        } else {
            prop_assert_eq!(got.unwrap(), b"target".to_vec());
            prop_assert_eq!(b.skipped_key_count(), usize::try_from(jump).unwrap());
        }
    }

    #[test]
    fn dr_state_and_wire_decoding_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Session::from_bytes(&bytes);
        if let Ok(m) = MessageRef::parse(&bytes) {
            prop_assert_eq!(m.to_bytes(), bytes);
        }
    }
}

/// The simulator really delivers: a fixed schedule with reorders, drops and duplicates.
#[test]
fn simulator_counts_a_known_schedule() {
    use Action::{Deliver, Drop, Duplicate, SaveRestore, Send};
    let schedule = [
        Send(true), // Bob cannot send yet: refused, nothing in flight
        Send(false),
        Send(false),
        Send(false),
        Deliver(2),
        Drop(0),
        Deliver(0),
        Duplicate(0),
        Send(true),
        SaveRestore,
        Deliver(0),
        Duplicate(1),
        Send(false),
        Deliver(0),
    ];
    for he in [false, true] {
        assert_eq!(simulate(7, he, Profile::default(), &schedule), (4, 2));
    }
}
