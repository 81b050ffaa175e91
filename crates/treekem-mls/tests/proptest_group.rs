//! Property tests of the group engine (RFC 9420 sections 12.1-12.4): random schedules of
//! Adds (one Welcome for one to three joiners, the tree in the Welcome or out of band),
//! Removes (by value, and proposed by one member and committed by another), Updates
//! (self-updates and proposed Updates), empty Commits, external PSKs and application
//! messages (sent, delivered later out of order or after the epoch ended, replayed) across
//! groups of up to 20 members, with handshakes as PublicMessages, PrivateMessages or mixed.
//! Run by `treekem_mls::fuzzing::GroupSim` (the engine of the `mls_group_interaction` fuzz
//! target) with real keys. After every step all members agree on the epoch, the epoch
//! authenticator, the tree and the GroupContext, and one member sends a message every other
//! member reads; at the end every member sends one.
//!
//! Invalid Commits are rejected with the state unchanged (checked on everything the API
//! shows: epoch, authenticator, context, tree, pending Commit, status) and the genuine Commit
//! is still accepted afterwards: a tampered signature, a tampered confirmation tag (caught by
//! the membership tag that covers it), a stale epoch (a tampered epoch, and the last Commit
//! delivered again), a tampered PrivateMessage ciphertext or sender data, and a Commit whose
//! confirmation tag does not verify for a member holding a different PSK value (COMMIT-3).
//! Refused Commits (PROP-3 removing oneself, PROP-6 adding a client twice) stage nothing.
//! A bad parent hash needs a forged UpdatePath and is tested with the tree (`PH-*`).
//!
//! Case counts are set explicitly: 64 schedules of up to 32 steps starting from 2 to 12
//! members and growing to at most 20, and 32 schedules of up to 16 steps that start at 16 to
//! 20 members; the file runs in about 8 s in a debug build (well under 60 s). External joins, branches and ReInit will
//! join these schedules when the group engine offers them.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

use proptest::prelude::*;
use treekem_mls::fuzzing::{GroupAction, GroupSim, SimParams, Tamper, WireMode};

/// The largest group the simulations grow.
const MAX_MEMBERS: usize = 20;

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        Just(Tamper::SignatureOrCiphertext),
        Just(Tamper::ConfirmationTagOrSenderData),
        Just(Tamper::StaleEpoch),
    ]
}

fn action() -> impl Strategy<Value = GroupAction> {
    let m = any::<u8>;
    prop_oneof![
        3 => (m(), m(), any::<bool>(), any::<bool>()).prop_map(|(by, count, tree_in_welcome, force_path)| {
            GroupAction::Add { by, count, tree_in_welcome, force_path }
        }),
        1 => (m(), m()).prop_map(|(by, of)| GroupAction::AddExisting { by, of }),
        2 => (m(), m()).prop_map(|(by, target)| GroupAction::Remove { by, target }),
        2 => (m(), m(), m()).prop_map(|(by, target, committer)| {
            GroupAction::ProposeRemove { by, target, committer }
        }),
        2 => m().prop_map(|by| GroupAction::SelfUpdate { by }),
        2 => (m(), m()).prop_map(|(by, committer)| GroupAction::ProposeUpdate { by, committer }),
        2 => m().prop_map(|by| GroupAction::EmptyCommit { by }),
        2 => (m(), m(), proptest::option::of(m())).prop_map(|(by, committer, mismatched)| {
            GroupAction::Psk { by, committer, mismatched }
        }),
        3 => m().prop_map(|by| GroupAction::Send { by }),
        3 => m().prop_map(|index| GroupAction::Deliver { index }),
        1 => (m(), m()).prop_map(|(index, to)| GroupAction::Replay { index, to }),
        2 => (m(), tamper(), any::<bool>()).prop_map(|(by, kind, discard)| {
            GroupAction::Tampered { by, kind, discard }
        }),
        1 => m().prop_map(|to| GroupAction::StaleCommit { to }),
        2 => (m(), m(), any::<bool>()).prop_map(|(a, b, b_first)| {
            GroupAction::Concurrent { a, b, b_first }
        }),
        1 => m().prop_map(|via| GroupAction::ExternalJoin { via }),
        1 => (m(), m()).prop_map(|(by, with)| GroupAction::Branch { by, with }),
        1 => (m(), m()).prop_map(|(by, committer)| GroupAction::ReInit { by, committer }),
    ]
}

fn wire_mode() -> impl Strategy<Value = WireMode> {
    prop_oneof![
        Just(WireMode::Public),
        Just(WireMode::Private),
        Just(WireMode::Mixed)
    ]
}

fn simulate(seed: u64, initial_members: usize, wire_mode: WireMode, actions: &[GroupAction]) {
    let mut sim = GroupSim::new(SimParams {
        seed,
        initial_members,
        max_members: MAX_MEMBERS,
        wire_mode,
    });
    sim.run(actions);
    let stats = sim.stats();
    assert!(stats.max_members <= MAX_MEMBERS);
    assert!(sim.member_count() >= 1);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn members_agree_after_every_step_and_rejections_change_nothing(
        seed in any::<u64>(),
        initial_members in 2usize..=12,
        wire_mode in wire_mode(),
        actions in proptest::collection::vec(action(), 1..=32),
    ) {
        simulate(seed, initial_members, wire_mode, &actions);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn large_groups_agree_after_every_step(
        seed in any::<u64>(),
        initial_members in 16usize..=MAX_MEMBERS,
        wire_mode in wire_mode(),
        actions in proptest::collection::vec(action(), 1..=16),
    ) {
        simulate(seed, initial_members, wire_mode, &actions);
    }
}

/// Every kind of step at least once, in one schedule, from a group of three.
#[test]
fn every_action_kind_in_one_schedule() {
    let actions = [
        GroupAction::Add {
            by: 0,
            count: 1,
            tree_in_welcome: false,
            force_path: true,
        },
        GroupAction::AddExisting { by: 1, of: 2 },
        GroupAction::Remove { by: 3, target: 3 },
        GroupAction::Send { by: 1 },
        GroupAction::Send { by: 2 },
        GroupAction::Deliver { index: 1 },
        GroupAction::Replay { index: 1, to: 0 },
        GroupAction::ProposeUpdate {
            by: 1,
            committer: 2,
        },
        GroupAction::Deliver { index: 0 },
        GroupAction::ProposeRemove {
            by: 0,
            target: 4,
            committer: 3,
        },
        GroupAction::Psk {
            by: 2,
            committer: 1,
            mismatched: Some(0),
        },
        GroupAction::Tampered {
            by: 0,
            kind: Tamper::SignatureOrCiphertext,
            discard: false,
        },
        GroupAction::Tampered {
            by: 1,
            kind: Tamper::ConfirmationTagOrSenderData,
            discard: true,
        },
        GroupAction::Tampered {
            by: 2,
            kind: Tamper::StaleEpoch,
            discard: false,
        },
        GroupAction::StaleCommit { to: 1 },
        GroupAction::SelfUpdate { by: 2 },
        GroupAction::Remove { by: 0, target: 1 },
        GroupAction::EmptyCommit { by: 1 },
        GroupAction::Concurrent {
            a: 0,
            b: 1,
            b_first: false,
        },
        GroupAction::Concurrent {
            a: 1,
            b: 0,
            b_first: true,
        },
        GroupAction::ExternalJoin { via: 1 },
        GroupAction::Branch { by: 0, with: 2 },
        GroupAction::ReInit {
            by: 1,
            committer: 2,
        },
        GroupAction::Send { by: 0 },
        GroupAction::Concurrent {
            a: 2,
            b: 1,
            b_first: false,
        },
        GroupAction::ReInit {
            by: 0,
            committer: 0,
        },
    ];
    for wire_mode in [WireMode::Public, WireMode::Private, WireMode::Mixed] {
        let mut sim = GroupSim::new(SimParams {
            seed: 7,
            initial_members: 3,
            max_members: MAX_MEMBERS,
            wire_mode,
        });
        sim.run(&actions);
        let stats = sim.stats();
        assert!(stats.commits >= 10, "{stats:?}");
        assert!(stats.rejected >= 10, "{stats:?}");
        assert_eq!(stats.max_members, 5);
    }
}
