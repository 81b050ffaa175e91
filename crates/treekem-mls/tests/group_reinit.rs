//! Reinitialization (RFC 9420 section 11.2) and subgroup branching (section 11.3), rules
//! REINIT-1 to REINIT-3 and BRANCH-1 to BRANCH-3 in `src/group/reinit.rs`: a three-member
//! group commits a ReInit to a new group ID, cipher suite (1 -> 2) and extensions; a
//! member other than the committer creates the new group whose first Commit carries the
//! old group's last resumption PSK (usage reinit); the others join with `join_reinit`; all
//! agree in epoch 1, exchange messages and commit again. A member branches a subgroup
//! with one other member (resumption PSK of usage branch); the other joins with
//! `join_branch`. Refused: reinit or join_reinit from a group with no ReInit pending
//! (REINIT-1), a branch Welcome joined as a ReInit (REINIT-2) and a ReInit Welcome as a
//! branch (BRANCH-1: another suite), a KeyPackage of another suite at the creator
//! (REINIT-3, BRANCH-1), a subgroup with a stranger (BRANCH-3 at the creator), a branch
//! joined from another group (PSK-1), a same-suite ReInit Welcome joined as a branch
//! (BRANCH-2), a subgroup member no longer in the joiner's old group (BRANCH-3 at the
//! joiner), and a member's PreSharedKey proposal of usage reinit
//! or branch in an ordinary group (PROP-13). REINIT-2 and REINIT-3 case by case are unit
//! tests in `src/group/reinit.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use test_support::seeded_rng;
use treekem_mls::{
    Error,
    extension::{Extensions, ExternalSenders},
    framing::MlsMessage,
    group::{
        CommitOptions, Group, GroupConfig, GroupStatus, KeyPackageBundle, KeyPackageOptions,
        PskStore, Received,
    },
    primitives::rand::CryptoRng,
    proposal::{PreSharedKey, PreSharedKeyId, Proposal, PskSource, ReInit},
    suite::CipherSuite,
    types::{CipherSuiteId, ProtocolVersion, ResumptionPskUsage},
    welcome::Welcome,
};

const OLD: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
const NEW: CipherSuite = CipherSuite::Mls128P256Aes128GcmSha256P256;

/// A KeyPackage of client `name` in `suite` (the same signature key seed per name and
/// suite, so the credential is the same across KeyPackages).
fn bundle(suite: CipherSuite, name: &str, rng: &mut impl CryptoRng) -> KeyPackageBundle {
    let seed = name
        .bytes()
        .fold(1u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    let signer = suite.signature_key_from_bytes(&[seed; 32]).unwrap();
    KeyPackageBundle::generate(
        suite,
        signer,
        KeyPackageOptions::basic(name.as_bytes()),
        rng,
    )
    .unwrap()
}

fn welcome(message: Option<&MlsMessage>) -> &Welcome {
    match message {
        Some(MlsMessage::Welcome(w)) => w,
        other => panic!("expected a Welcome, got {other:?}"),
    }
}

fn agree(groups: &[&Group]) {
    for g in groups {
        assert_eq!(g.epoch_authenticator(), groups[0].epoch_authenticator());
        assert_eq!(g.context(), groups[0].context());
    }
}

fn exchange(groups: &mut [&mut Group], rng: &mut impl CryptoRng) {
    for i in 0..groups.len() {
        let message = groups[i].send_application(b"hi", b"", rng).unwrap();
        for (j, g) in groups.iter_mut().enumerate() {
            if i != j {
                assert!(matches!(
                    g.process_message(&message).unwrap(),
                    Received::Application { .. }
                ));
            }
        }
    }
}

/// Alice, Bob and Carol in epoch 1 of group "old".
fn trio(rng: &mut impl CryptoRng) -> (Group, Group, Group) {
    let config = GroupConfig::default();
    let mut alice = Group::create(
        b"old".to_vec(),
        bundle(OLD, "alice", rng),
        Extensions::empty(),
        config,
        rng,
    )
    .unwrap();
    let (bob, carol) = (bundle(OLD, "bob", rng), bundle(OLD, "carol", rng));
    let out = alice
        .commit(
            CommitOptions {
                proposals: [&bob, &carol]
                    .iter()
                    .map(|b| {
                        Proposal::Add(treekem_mls::proposal::Add {
                            key_package: b.key_package().clone(),
                        })
                    })
                    .collect(),
                ..CommitOptions::default()
            },
            rng,
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    let w = welcome(out.welcome.as_ref());
    let bob = Group::join(w, bob, None, PskStore::new(), config).unwrap();
    let carol = Group::join(w, carol, None, PskStore::new(), config).unwrap();
    (alice, bob, carol)
}

fn new_extensions() -> Extensions {
    let mut e = Extensions::empty();
    e.set_typed(&ExternalSenders(Vec::new())).unwrap();
    e
}

/// Alice proposes a ReInit, Bob commits it: all three are in ReInitPending.
fn commit_reinit(
    alice: &mut Group,
    bob: &mut Group,
    carol: &mut Group,
    rng: &mut impl CryptoRng,
) -> ReInit {
    let reinit = ReInit {
        group_id: b"reinitialized".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuiteId(NEW.id()),
        extensions: new_extensions(),
    };
    let (proposal, _) = alice
        .propose(Proposal::ReInit(reinit.clone()), rng)
        .unwrap();
    bob.process_message(&proposal).unwrap();
    carol.process_message(&proposal).unwrap();
    let out = bob.commit(CommitOptions::default(), rng).unwrap();
    bob.merge_pending_commit().unwrap();
    alice.process_message(&out.commit).unwrap();
    carol.process_message(&out.commit).unwrap();
    for g in [&*alice, &*bob, &*carol] {
        assert_eq!(g.status(), &GroupStatus::ReInitPending(reinit.clone()));
    }
    reinit
}

#[test]
fn reinit_the_group_moves_to_the_new_parameters_linked_by_a_reinit_psk() {
    let mut rng = seeded_rng(1);
    let config = GroupConfig::default();
    let (mut alice, mut bob, mut carol) = trio(&mut rng);
    // REINIT-1: nothing to reinitialize yet.
    assert!(matches!(
        carol.reinit(bundle(NEW, "carol", &mut rng), Vec::new(), config, &mut rng),
        Err(Error::Misuse(m)) if m.starts_with("REINIT-1")
    ));
    let reinit = commit_reinit(&mut alice, &mut bob, &mut carol, &mut rng);
    // REINIT-3 at the creator: a KeyPackage of the old suite.
    assert!(matches!(
        carol.reinit(bundle(OLD, "carol", &mut rng), Vec::new(), config, &mut rng),
        Err(Error::Misuse(m)) if m.starts_with("REINIT-3")
    ));

    // Carol (not the committer) recreates the group.
    let (alice_kp, bob_kp) = (bundle(NEW, "alice", &mut rng), bundle(NEW, "bob", &mut rng));
    // A fourth KeyPackage, whose owner tries the wrong kind of join below.
    let probe = bundle(NEW, "probe", &mut rng);
    let (mut carol2, out) = carol
        .reinit(
            bundle(NEW, "carol", &mut rng),
            vec![
                alice_kp.key_package().clone(),
                bob_kp.key_package().clone(),
                probe.key_package().clone(),
            ],
            config,
            &mut rng,
        )
        .unwrap();
    assert_eq!(carol2.epoch(), 1);
    assert_eq!(carol2.group_id(), reinit.group_id.as_slice());
    assert_eq!(carol2.context().cipher_suite, reinit.cipher_suite);
    assert_eq!(carol2.context().extensions, reinit.extensions);
    let w = welcome(out.welcome.as_ref());

    // REINIT-1 at a joiner: an old group with no ReInit pending.
    let (other, _, _) = trio(&mut rng);
    assert!(matches!(
        Group::join_reinit(w, bundle(NEW, "alice", &mut rng), None, &other, config),
        Err(Error::Misuse(m)) if m.starts_with("REINIT-1")
    ));
    // A ReInit Welcome is no branch: another suite than the old group's (BRANCH-1).
    assert!(matches!(
        Group::join_branch(w, probe, None, &alice, config),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Branch1,
            ..
        })
    ));

    let mut alice2 = Group::join_reinit(w, alice_kp, None, &alice, config).unwrap();
    let mut bob2 = Group::join_reinit(w, bob_kp, None, &bob, config).unwrap();
    agree(&[&alice2, &bob2, &carol2]);
    exchange(&mut [&mut alice2, &mut bob2, &mut carol2], &mut rng);

    // The new group goes on: Bob commits in epoch 2.
    let out = bob2.commit(CommitOptions::default(), &mut rng).unwrap();
    bob2.merge_pending_commit().unwrap();
    alice2.process_message(&out.commit).unwrap();
    carol2.process_message(&out.commit).unwrap();
    agree(&[&alice2, &bob2, &carol2]);
    assert_eq!(alice2.epoch(), 2);
}

#[test]
fn reinit_2_a_branch_welcome_is_not_a_reinit() {
    let mut rng = seeded_rng(2);
    let config = GroupConfig::default();
    let (mut alice, mut bob, mut carol) = trio(&mut rng);
    // Alice branches with Bob before the ReInit; the PSK of that epoch is kept by Bob.
    let bob_kp = bundle(OLD, "bob", &mut rng);
    let (_, out) = alice
        .branch(
            b"sub".to_vec(),
            bundle(OLD, "alice", &mut rng),
            vec![bob_kp.key_package().clone()],
            config,
            &mut rng,
        )
        .unwrap();
    commit_reinit(&mut alice, &mut bob, &mut carol, &mut rng);
    let err =
        Group::join_reinit(welcome(out.welcome.as_ref()), bob_kp, None, &bob, config).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                rule: treekem_mls::Rule::Reinit2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn branch_a_subgroup_is_linked_by_a_branch_psk() {
    let mut rng = seeded_rng(3);
    let config = GroupConfig::default();
    let (mut alice, mut bob, carol) = trio(&mut rng);
    // Move the old group on, so the branch names a past epoch's PSK.
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    alice.merge_pending_commit().unwrap();
    bob.process_message(&out.commit).unwrap();

    // BRANCH-1 and BRANCH-3 at the creator.
    assert!(matches!(
        alice.branch(b"sub".to_vec(), bundle(NEW, "alice", &mut rng), Vec::new(), config, &mut rng),
        Err(Error::Misuse(m)) if m.starts_with("BRANCH-1")
    ));
    let stranger = bundle(OLD, "mallory", &mut rng);
    assert!(matches!(
        alice.branch(
            b"sub".to_vec(),
            bundle(OLD, "alice", &mut rng),
            vec![stranger.key_package().clone()],
            config,
            &mut rng
        ),
        Err(Error::Misuse(m)) if m.starts_with("BRANCH-3")
    ));

    let bob_kp = bundle(OLD, "bob", &mut rng);
    let carol_kp = bundle(OLD, "carol", &mut rng);
    let (mut alice_sub, out) = alice
        .branch(
            b"sub".to_vec(),
            bundle(OLD, "alice", &mut rng),
            vec![bob_kp.key_package().clone(), carol_kp.key_package().clone()],
            config,
            &mut rng,
        )
        .unwrap();
    let w = welcome(out.welcome.as_ref());
    // Another group (a fresh trio also called "old", in epoch 1) does not hold the PSK of
    // epoch 2 the branch names (PSK-1).
    let (other, _, _) = trio(&mut rng);
    assert!(matches!(
        Group::join_branch(w, carol_kp, None, &other, config),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Psk1,
            ..
        })
    ));
    // A branch Welcome is no ReInit (and Carol has none pending: REINIT-1).
    assert!(Group::join_reinit(w, bundle(OLD, "bob", &mut rng), None, &carol, config).is_err());
    let mut bob_sub = Group::join_branch(w, bob_kp, None, &bob, config).unwrap();
    agree(&[&alice_sub, &bob_sub]);
    assert_eq!(alice_sub.group_id(), b"sub");
    assert_eq!(alice_sub.tree().member_count(), 3);
    exchange(&mut [&mut alice_sub, &mut bob_sub], &mut rng);
    // The old group goes on independently.
    exchange(&mut [&mut alice, &mut bob], &mut rng);
}

#[test]
fn prop_13_a_reinit_or_branch_psk_proposal_in_an_ordinary_group_is_invalid() {
    let mut rng = seeded_rng(4);
    let (mut alice, _, _) = trio(&mut rng);
    for usage in [ResumptionPskUsage::Reinit, ResumptionPskUsage::Branch] {
        let id = PreSharedKeyId {
            psk: PskSource::Resumption {
                usage,
                psk_group_id: b"old".to_vec(),
                psk_epoch: 1,
            },
            psk_nonce: vec![5; 32],
        };
        let err = alice
            .commit(
                CommitOptions {
                    proposals: vec![Proposal::PreSharedKey(PreSharedKey { psk: id })],
                    ..CommitOptions::default()
                },
                &mut rng,
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Invalid {
                    rule: treekem_mls::Rule::Prop13,
                    ..
                }
            ),
            "{err:?}"
        );
    }
}

#[test]
fn branch_2_a_reinit_welcome_of_the_same_suite_is_not_a_branch() {
    let mut rng = seeded_rng(5);
    let config = GroupConfig::default();
    let (mut alice, mut bob, mut carol) = trio(&mut rng);
    // A ReInit that keeps the suite, so only the PSK usage tells it from a branch.
    let reinit = ReInit {
        group_id: b"same suite".to_vec(),
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuiteId(OLD.id()),
        extensions: Extensions::empty(),
    };
    let (proposal, _) = alice.propose(Proposal::ReInit(reinit), &mut rng).unwrap();
    bob.process_message(&proposal).unwrap();
    carol.process_message(&proposal).unwrap();
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    alice.merge_pending_commit().unwrap();
    bob.process_message(&out.commit).unwrap();
    let bob_kp = bundle(OLD, "bob", &mut rng);
    let (_, out) = alice
        .reinit(
            bundle(OLD, "alice", &mut rng),
            vec![bob_kp.key_package().clone()],
            config,
            &mut rng,
        )
        .unwrap();
    let err =
        Group::join_branch(welcome(out.welcome.as_ref()), bob_kp, None, &bob, config).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                rule: treekem_mls::Rule::Branch2,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn branch_3_a_subgroup_member_who_left_the_old_group_is_refused() {
    let mut rng = seeded_rng(6);
    let config = GroupConfig::default();
    let (mut alice, mut bob, carol) = trio(&mut rng);
    let (bob_kp, carol_kp) = (bundle(OLD, "bob", &mut rng), bundle(OLD, "carol", &mut rng));
    let (_, out) = alice
        .branch(
            b"sub".to_vec(),
            bundle(OLD, "alice", &mut rng),
            vec![bob_kp.key_package().clone(), carol_kp.key_package().clone()],
            config,
            &mut rng,
        )
        .unwrap();
    // Carol leaves the old group before Bob joins the subgroup: Bob's old group no longer
    // has her credential (the branch PSK's epoch is still kept).
    let remove = alice
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Remove(treekem_mls::proposal::Remove {
                    removed: carol.own_leaf(),
                })],
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    bob.process_message(&remove.commit).unwrap();
    let err =
        Group::join_branch(welcome(out.welcome.as_ref()), bob_kp, None, &bob, config).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                rule: treekem_mls::Rule::Branch3,
                ..
            }
        ),
        "{err:?}"
    );
}
