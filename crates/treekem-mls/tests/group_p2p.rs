//! Concurrent Commits without a server (issue 7, rules P2P-1 to P2P-4 in
//! `src/group/p2p.rs`): groups of 3 to 10 members in which two or three members commit in
//! the same epoch (each Adding a new member by value); every member receives the others'
//! Commits in every delivery order (all permutations). All members end on the same epoch
//! authenticator, tree and GroupContext (the Commit with the lowest
//! `RefHash("MLS 1.0 Commit Tiebreak", AuthenticatedContent)` won), the winner's joiner
//! joins, everyone exchanges messages; each loser finds its Add in
//! `proposals_to_reissue()` and commits it in the next epoch. Committers either merge
//! their own Commit at once or leave it pending until a competing one arrives; handshakes
//! as PublicMessages and as PrivateMessages. Also: a member removed by a losing Commit is
//! restored (P2P-4), a forged competing Commit with a lower tiebreak changes nothing
//! (P2P-2), and after `settle()` a late Commit for a past epoch is refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use test_support::seeded_rng;
use treekem_mls::{
    extension::Extensions,
    framing::{AuthenticatedContent, MlsMessage},
    fuzzing::{basic_bundle, commit_add},
    group::{
        CommitOptions, Group, GroupConfig, GroupStatus, KeyPackageBundle, PskStore, Received,
        commit_tiebreak,
    },
    primitives::rand::CryptoRng,
    proposal::{Add, Proposal, Remove},
    suite::CipherSuite,
    types::{LeafIndex, WireFormat},
};

const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

fn welcome(message: Option<&MlsMessage>) -> &treekem_mls::welcome::Welcome {
    match message {
        Some(MlsMessage::Welcome(w)) => w,
        other => panic!("expected a Welcome, got {other:?}"),
    }
}

/// A group of `n` members (all added by member 0 in one Commit), each with `config`.
fn group_of(n: usize, config: GroupConfig, rng: &mut impl CryptoRng) -> Vec<Group> {
    let mut creator = Group::create(
        b"p2p".to_vec(),
        basic_bundle(SUITE, "m0", rng),
        Extensions::empty(),
        config,
        rng,
    )
    .unwrap();
    let bundles: Vec<KeyPackageBundle> = (1..n)
        .map(|i| basic_bundle(SUITE, &format!("m{i}"), rng))
        .collect();
    let out = creator
        .commit(
            CommitOptions {
                proposals: bundles
                    .iter()
                    .map(|b| {
                        Proposal::Add(Add {
                            key_package: b.key_package().clone(),
                        })
                    })
                    .collect(),
                ..CommitOptions::default()
            },
            rng,
        )
        .unwrap();
    creator.merge_pending_commit().unwrap();
    let w = welcome(out.welcome.as_ref()).clone();
    let mut members = vec![creator];
    for b in bundles {
        members.push(Group::join(&w, b, None, PskStore::new(), config).unwrap());
    }
    members
}

fn assert_agree(groups: &[Group]) {
    let first = &groups[0];
    for g in groups {
        assert_eq!(g.epoch(), first.epoch());
        assert_eq!(g.epoch_authenticator(), first.epoch_authenticator());
        assert_eq!(g.tree().tree_hash(), first.tree().tree_hash());
        assert_eq!(g.context(), first.context());
    }
}

/// Every member sends one application message that every other member reads.
fn exchange(groups: &mut [Group], rng: &mut impl CryptoRng) {
    for i in 0..groups.len() {
        let text = format!("hello from {}", groups[i].own_leaf().0).into_bytes();
        let message = groups[i].send_application(&text, b"", rng).unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if i != j {
                assert!(matches!(
                    g.process_message(&message).unwrap(),
                    Received::Application { data, .. } if data == text
                ));
            }
        }
    }
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for (i, &x) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, x);
            out.push(p);
        }
    }
    out
}

/// `n` members; `committers` commit concurrently in the same epoch; each member receives
/// the others' Commits in the order `order` (indices into `committers`).
/// Returns how many Commits were switched to and how many lost.
fn concurrent(
    n: usize,
    committers: &[usize],
    order: &[usize],
    wire: WireFormat,
    seed: u64,
) -> (usize, usize) {
    let (mut switched, mut lost) = (0, 0);
    let mut rng = seeded_rng(seed);
    let config = GroupConfig {
        handshake_wire_format: wire,
        p2p_window: 2,
        ..GroupConfig::default()
    };
    let mut members = group_of(n, config, &mut rng);
    let start = members[0].epoch();

    // Each committer Adds a new member by value; even-numbered ones merge at once, the
    // others keep their Commit pending until a competing one arrives.
    let mut joiners = Vec::new();
    let mut commits = Vec::new();
    for (k, &c) in committers.iter().enumerate() {
        let joiner = basic_bundle(SUITE, &format!("joiner{k}"), &mut rng);
        let out = commit_add(&mut members[c], &joiner, &mut rng);
        if k % 2 == 0 {
            members[c].merge_pending_commit().unwrap();
        }
        joiners.push(Some(joiner));
        commits.push(out);
    }

    for (m, member) in members.iter_mut().enumerate() {
        for &k in order {
            if committers[k] == m {
                continue;
            }
            match member.process_message(&commits[k].commit) {
                Ok(Received::Commit { .. }) => {}
                Ok(Received::CommitSwitched { .. }) => switched += 1,
                Ok(Received::CommitLost { .. }) => lost += 1,
                other => panic!("member {m}, commit {k}: {other:?}"),
            }
        }
        assert!(!member.has_pending_commit(), "member {m}");
        assert_eq!(member.epoch(), start + 1);
    }
    assert_agree(&members);

    // Exactly one committer won: its Add went in; the losers have theirs to re-issue.
    let winners: Vec<usize> = (0..committers.len())
        .filter(|&k| members[committers[k]].proposals_to_reissue().is_empty())
        .collect();
    assert_eq!(winners.len(), 1, "n={n} order={order:?}");
    let winner = winners[0];
    let joiner = joiners[winner].take().unwrap();
    let w = welcome(commits[winner].welcome.as_ref()).clone();
    members.push(Group::join(&w, joiner, None, PskStore::new(), config).unwrap());
    assert_agree(&members);
    exchange(&mut members, &mut rng);

    // The losers re-issue their Adds, one after the other, in the next epochs.
    for (k, &c) in committers.iter().enumerate() {
        if k == winner {
            continue;
        }
        let reissued = members[c].take_proposals_to_reissue();
        assert_eq!(reissued.len(), 1);
        let out = members[c]
            .commit(
                CommitOptions {
                    proposals: reissued,
                    ..CommitOptions::default()
                },
                &mut rng,
            )
            .unwrap();
        members[c].merge_pending_commit().unwrap();
        for (m, member) in members.iter_mut().enumerate() {
            if m != c {
                assert!(matches!(
                    member.process_message(&out.commit).unwrap(),
                    Received::Commit { .. }
                ));
            }
        }
        let joiner = joiners[k].take().unwrap();
        let w = welcome(out.welcome.as_ref()).clone();
        members.push(Group::join(&w, joiner, None, PskStore::new(), config).unwrap());
        assert_agree(&members);
    }
    for m in &mut members {
        m.settle();
    }
    exchange(&mut members, &mut rng);
    assert_eq!(members.len(), n + committers.len());
    (switched, lost)
}

fn committers_of(n: usize, count: usize) -> Vec<usize> {
    match count {
        2 => vec![1, n - 1],
        _ => vec![0, n / 2, n - 1],
    }
}

#[test]
fn p2p_1_two_or_three_concurrent_commits_in_every_delivery_order_converge() {
    let mut seed = 0;
    let (mut switched, mut lost) = (0, 0);
    for n in 3..=10 {
        for count in [2, 3] {
            let committers = committers_of(n, count);
            let indices: Vec<usize> = (0..count).collect();
            for order in permutations(&indices) {
                seed += 1;
                let (s, l) = concurrent(n, &committers, &order, WireFormat::PublicMessage, seed);
                switched += s;
                lost += l;
            }
        }
    }
    assert!(switched > 0 && lost > 0, "{switched} {lost}");
}

#[test]
fn p2p_1_concurrent_private_message_commits_converge() {
    let mut seed = 1000;
    let (mut switched, mut lost) = (0, 0);
    for n in [3, 6, 10] {
        for count in [2, 3] {
            let committers = committers_of(n, count);
            let indices: Vec<usize> = (0..count).collect();
            for order in permutations(&indices) {
                seed += 1;
                let (s, l) = concurrent(n, &committers, &order, WireFormat::PrivateMessage, seed);
                switched += s;
                lost += l;
            }
        }
    }
    assert!(switched > 0 && lost > 0, "{switched} {lost}");
}

fn tiebreak(message: &MlsMessage) -> Vec<u8> {
    let MlsMessage::PublicMessage(m) = message else {
        panic!("public message expected");
    };
    commit_tiebreak(
        SUITE,
        &AuthenticatedContent {
            wire_format: WireFormat::PublicMessage,
            content: m.content.clone(),
            auth: m.auth.clone(),
        },
    )
    .unwrap()
}

/// `genuine` with one signature bit flipped, the first flip whose tiebreak is below
/// `target`.
fn forge_below(genuine: &MlsMessage, target: &[u8]) -> MlsMessage {
    let MlsMessage::PublicMessage(genuine) = genuine else {
        panic!("public message expected");
    };
    (0..genuine.auth.signature.len())
        .find_map(|i| {
            let mut m = genuine.clone();
            m.auth.signature[i] ^= 0x80;
            let message = MlsMessage::PublicMessage(m);
            (tiebreak(&message).as_slice() < target).then_some(message)
        })
        .unwrap()
}

#[test]
fn p2p_4_a_member_removed_by_a_losing_commit_is_restored() {
    let mut restored = 0;
    let mut removed = 0;
    for seed in 0..8 {
        let mut rng = seeded_rng(100 + seed);
        let config = GroupConfig {
            p2p_window: 1,
            ..GroupConfig::default()
        };
        let mut members = group_of(3, config, &mut rng);
        // Member 0 removes member 2; member 1 commits an empty Commit.
        let remove = members[0]
            .commit(
                CommitOptions {
                    proposals: vec![Proposal::Remove(Remove {
                        removed: LeafIndex(2),
                    })],
                    ..CommitOptions::default()
                },
                &mut rng,
            )
            .unwrap();
        members[0].merge_pending_commit().unwrap();
        let empty = members[1]
            .commit(CommitOptions::default(), &mut rng)
            .unwrap();
        members[1].merge_pending_commit().unwrap();
        members[0].process_message(&empty.commit).unwrap();
        members[1].process_message(&remove.commit).unwrap();
        for m in [&remove.commit, &empty.commit] {
            let _ = members[2].process_message(m).unwrap();
        }
        let remove_wins = tiebreak(&remove.commit) < tiebreak(&empty.commit);
        if remove_wins {
            removed += 1;
            assert_eq!(members[2].status(), &GroupStatus::Removed);
            assert_eq!(members[0].tree().member_count(), 2);
            assert_eq!(
                members[0].epoch_authenticator(),
                members[1].epoch_authenticator()
            );
        } else {
            restored += 1;
            assert_eq!(members[2].status(), &GroupStatus::Active);
            assert_agree(&members);
            let mut rng2 = seeded_rng(seed);
            exchange(&mut members, &mut rng2);
            assert_eq!(members[0].proposals_to_reissue().len(), 1);
        }
    }
    assert!(restored > 0 && removed > 0, "{restored} {removed}");
}

#[test]
fn p2p_2_a_forged_competing_commit_with_a_lower_tiebreak_changes_nothing() {
    let mut rng = seeded_rng(7);
    let config = GroupConfig {
        p2p_window: 2,
        ..GroupConfig::default()
    };
    let mut members = group_of(3, config, &mut rng);
    let applied = members[0]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    members[0].merge_pending_commit().unwrap();
    members[2].process_message(&applied.commit).unwrap();
    let other = members[1]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    members[1].discard_pending_commit();
    let target = tiebreak(&applied.commit);
    let forged = forge_below(&other.commit, &target);
    let before = members[2].epoch_authenticator().to_vec();
    let tree = members[2].tree().tree_hash().to_vec();
    assert!(members[2].process_message(&forged).is_err());
    assert_eq!(members[2].epoch_authenticator(), before.as_slice());
    assert_eq!(members[2].tree().tree_hash(), tree.as_slice());
    // The genuine competitor is still judged by its own tiebreak.
    let received = members[2].process_message(&other.commit).unwrap();
    if tiebreak(&other.commit) < target {
        assert!(matches!(
            received,
            Received::CommitSwitched { epoch: 2, .. }
        ));
    } else {
        assert_eq!(received, Received::CommitLost { epoch: 2 });
        assert_eq!(members[2].epoch_authenticator(), before.as_slice());
    }
}

#[test]
fn p2p_1_after_settle_a_late_commit_for_a_past_epoch_is_refused() {
    let mut rng = seeded_rng(8);
    let config = GroupConfig {
        p2p_window: 2,
        ..GroupConfig::default()
    };
    let mut members = group_of(3, config, &mut rng);
    let applied = members[0]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    members[0].merge_pending_commit().unwrap();
    members[2].process_message(&applied.commit).unwrap();
    let late = members[1]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    members[2].settle();
    let before = members[2].epoch_authenticator().to_vec();
    assert!(members[2].process_message(&late.commit).is_err());
    assert_eq!(members[2].epoch_authenticator(), before.as_slice());
}

#[test]
fn p2p_1_without_a_window_a_commit_for_a_past_epoch_is_refused() {
    let mut rng = seeded_rng(9);
    let mut members = group_of(3, GroupConfig::default(), &mut rng);
    let applied = members[0]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    members[0].merge_pending_commit().unwrap();
    members[2].process_message(&applied.commit).unwrap();
    let late = members[1]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    assert!(members[2].process_message(&late.commit).is_err());
}

/// P2P-1 across two epochs: members already two Commits past epoch n (the second one
/// growing the tree) receive a Commit for epoch n with a lower tiebreak and revert both
/// (also a member restored from a save in between); a forged one changes nothing first
/// (P2P-2); the committer of the abandoned branch gets its Add back to re-issue (P2P-3).
#[test]
fn p2p_1_a_commit_two_epochs_back_reverts_both() {
    let mut rng = seeded_rng(11);
    let config = GroupConfig {
        p2p_window: 2,
        ..GroupConfig::default()
    };
    let mut members = group_of(4, config, &mut rng);
    assert_eq!(members[0].tree().leaf_count(), 4);
    let start = members[0].epoch();
    let from_bob = members[1]
        .commit(CommitOptions::default(), &mut rng)
        .unwrap();
    members[1].merge_pending_commit().unwrap();
    let first = loop {
        let out = members[0]
            .commit(CommitOptions::default(), &mut rng)
            .unwrap();
        if tiebreak(&out.commit) > tiebreak(&from_bob.commit) {
            break out;
        }
        members[0].discard_pending_commit();
    };
    members[0].merge_pending_commit().unwrap();
    let joiner = basic_bundle(SUITE, "joiner", &mut rng);
    let second = commit_add(&mut members[0], &joiner, &mut rng);
    members[0].merge_pending_commit().unwrap();
    for m in &mut members[2..] {
        m.process_message(&first.commit).unwrap();
        m.process_message(&second.commit).unwrap();
    }
    assert_eq!(members[2].epoch(), start + 2);
    assert_eq!(members[2].tree().leaf_count(), 8);
    let mut restored = Group::from_bytes(members[2].to_bytes().unwrap().expose_secret()).unwrap();

    // A forged Commit for epoch n with a lower tiebreak: both epochs reverted, the Commit
    // rejected, both redone.
    let forged = forge_below(&from_bob.commit, &tiebreak(&first.commit));
    let before = members[2].epoch_authenticator().to_vec();
    let tree = members[2].tree().tree_hash().to_vec();
    assert!(members[2].process_message(&forged).is_err());
    assert_eq!(members[2].epoch_authenticator(), before.as_slice());
    assert_eq!(members[2].tree().tree_hash(), tree.as_slice());
    assert_eq!(members[2].tree().leaf_count(), 8);

    for g in members.iter_mut().skip(2).chain([&mut restored]) {
        assert!(matches!(
            g.process_message(&from_bob.commit).unwrap(),
            Received::CommitSwitched { abandoned_epoch, .. } if abandoned_epoch == start + 2
        ));
    }
    assert!(matches!(
        members[0].process_message(&from_bob.commit).unwrap(),
        Received::CommitSwitched { .. }
    ));
    assert_eq!(
        members[1].process_message(&first.commit).unwrap(),
        Received::CommitLost { epoch: start + 1 }
    );
    assert_agree(&members);
    assert_eq!(
        restored.epoch_authenticator(),
        members[0].epoch_authenticator()
    );
    assert_eq!(restored.context(), members[0].context());
    assert_eq!(members[0].epoch(), start + 1);
    assert_eq!(members[0].tree().leaf_count(), 4);
    exchange(&mut members, &mut rng);
    assert_eq!(members[0].proposals_to_reissue().len(), 1);
}
