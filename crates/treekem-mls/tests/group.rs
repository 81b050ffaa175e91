//! The group engine end to end (RFC 9420 sections 10-12): a group created by one member,
//! two members added by one Commit (one Welcome), application messages between all,
//! an Update proposal committed by another member, a Remove, external and resumption PSK
//! Commits, a member added with the tree given out of band; after every epoch all members
//! agree on the epoch authenticator. Run for every implemented suite, with handshake
//! messages as PublicMessages and as PrivateMessages. Tampered Commits (bad signature,
//! stale epoch, unknown proposal reference, missing path) are rejected with the state
//! unchanged (the insider edits that get past the membership tag, for COMMIT-1, COMMIT-3,
//! PROP-2 and PROP-18, are tested inside the crate, in `group::commit`). Late application
//! messages of kept past epochs decrypt, older ones and past handshakes are refused (MSG-5).
//! External Commits join (in every suite) and may remove the joiner's prior leaf; XC-1 to
//! XC-6 refuse malformed ones. Proposals from `external_senders` and new_member_proposal
//! self-Adds are committed by reference (MSG-2, PROP-17 refuse the wrong ones).

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
    extension::Extensions,
    framing::MlsMessage,
    fuzzing::{add_and_join, basic_bundle},
    group::{
        CommitOptions, Group, GroupConfig, GroupStatus, KeyPackageBundle, KeyPackageOptions,
        PskStore, Received, validate_key_package,
    },
    primitives::{SecretVec, rand::CryptoRng},
    proposal::{Add, PreSharedKeyId, Proposal, PskSource, Remove},
    suite::CipherSuite,
    types::{LeafIndex, ProposalRef, ResumptionPskUsage, WireFormat},
    welcome::Welcome,
};

/// A bundle whose signature key is derived from `seed` (so a test can make a second
/// KeyPackage of the same client).
fn bundle_seeded(
    suite: CipherSuite,
    name: &str,
    seed: u8,
    rng: &mut impl CryptoRng,
) -> KeyPackageBundle {
    let signer = suite.signature_key_from_bytes(&[seed; 32]).unwrap();
    KeyPackageBundle::generate(
        suite,
        signer,
        KeyPackageOptions::basic(name.as_bytes()),
        rng,
    )
    .unwrap()
}

fn welcome_of(message: Option<MlsMessage>) -> Welcome {
    match message {
        Some(MlsMessage::Welcome(w)) => w,
        other => panic!("expected a Welcome, got {other:?}"),
    }
}

/// Delivers `message` to every group of `members` and checks each received a Commit.
fn deliver_commit(members: &mut [&mut Group], message: &MlsMessage) {
    for m in members.iter_mut() {
        match m.process_message(message) {
            Ok(Received::Commit { .. }) => {}
            other => panic!("member {:?}: {other:?}", m.own_leaf()),
        }
    }
}

fn assert_agree(groups: &[&Group]) {
    let first = groups[0];
    for g in groups {
        assert_eq!(g.epoch(), first.epoch());
        assert_eq!(g.epoch_authenticator(), first.epoch_authenticator());
        assert_eq!(g.tree().tree_hash(), first.tree().tree_hash());
        assert_eq!(g.context(), first.context());
    }
}

/// Every member sends one application message that every other member reads.
fn exchange(groups: &mut [&mut Group], rng: &mut impl CryptoRng) {
    for i in 0..groups.len() {
        let text = format!("hello from {}", groups[i].own_leaf().0).into_bytes();
        let message = groups[i].send_application(&text, b"ad", rng).unwrap();
        let sender = groups[i].own_leaf();
        for (j, g) in groups.iter_mut().enumerate() {
            if i == j {
                continue;
            }
            assert_eq!(
                g.process_message(&message).unwrap(),
                Received::Application {
                    sender,
                    data: text.clone(),
                    authenticated_data: b"ad".to_vec()
                }
            );
        }
    }
}

fn scenario(suite: CipherSuite, wire_format: WireFormat, seed: u64) {
    let mut rng = seeded_rng(seed);
    let config = GroupConfig {
        handshake_wire_format: wire_format,
        padding: 7,
        ..GroupConfig::default()
    };
    let mut alice = Group::create(
        b"group-1".to_vec(),
        basic_bundle(suite, "alice", &mut rng),
        Extensions::empty(),
        config,
        &mut rng,
    )
    .unwrap();
    assert_eq!(alice.epoch(), 0);

    // Epoch 1: Alice adds Bob and Carol with one Commit and one Welcome.
    let bob_kp = basic_bundle(suite, "bob", &mut rng);
    let carol_kp = basic_bundle(suite, "carol", &mut rng);
    validate_key_package(suite, bob_kp.key_package(), Some(1_700_000_000)).unwrap();
    let out = alice
        .commit(
            CommitOptions {
                proposals: vec![
                    Proposal::Add(Add {
                        key_package: bob_kp.key_package().clone(),
                    }),
                    Proposal::Add(Add {
                        key_package: carol_kp.key_package().clone(),
                    }),
                ],
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    assert_eq!(alice.epoch(), 0, "the commit is staged, not applied");
    assert_eq!(alice.merge_pending_commit().unwrap(), 1);
    let welcome = welcome_of(out.welcome);
    assert_eq!(welcome.secrets.len(), 2, "one Welcome for both joiners");
    let mut bob = Group::join(&welcome, bob_kp, None, PskStore::new(), config).unwrap();
    let mut carol = Group::join(&welcome, carol_kp, None, PskStore::new(), config).unwrap();
    assert_agree(&[&alice, &bob, &carol]);
    assert_eq!(alice.tree().member_count(), 3);
    exchange(&mut [&mut alice, &mut bob, &mut carol], &mut rng);

    // Epoch 2: Bob proposes an Update; Carol commits it by reference (path required).
    let (update, update_ref) = bob.propose_update(&mut rng).unwrap();
    for g in [&mut alice, &mut carol] {
        assert_eq!(
            g.process_message(&update).unwrap(),
            Received::Proposal {
                sender: treekem_mls::framing::Sender::Member(bob.own_leaf()),
                reference: update_ref.clone()
            }
        );
    }
    let out = carol.commit(CommitOptions::default(), &mut rng).unwrap();
    let (MlsMessage::PublicMessage(_) | MlsMessage::PrivateMessage(_)) = &out.commit else {
        panic!("commit is not a framed message");
    };
    // A stale or tampered copy changes nothing.
    let before = alice.epoch_authenticator().to_vec();
    if let MlsMessage::PublicMessage(m) = &out.commit {
        let mut bad = m.clone();
        bad.auth.signature[0] ^= 1;
        assert!(
            alice
                .process_message(&MlsMessage::PublicMessage(bad))
                .is_err()
        );
        assert_eq!(alice.epoch_authenticator(), before.as_slice());
    }
    deliver_commit(&mut [&mut alice, &mut bob], &out.commit);
    carol.merge_pending_commit().unwrap();
    assert_agree(&[&alice, &bob, &carol]);
    assert_eq!(alice.epoch(), 2);
    // Stale epoch: the same Commit again.
    let err = bob.process_message(&out.commit).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid {
                rule: treekem_mls::Rule::MsgEpoch,
                ..
            }
        ),
        "{err:?}"
    );
    exchange(&mut [&mut alice, &mut bob, &mut carol], &mut rng);

    // Epoch 3: Alice removes Carol (by value, path required).
    let out = alice
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Remove(Remove {
                    removed: carol.own_leaf(),
                })],
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    deliver_commit(&mut [&mut bob], &out.commit);
    assert!(matches!(
        carol.process_message(&out.commit).unwrap(),
        Received::Removed { .. }
    ));
    assert_eq!(carol.status(), &GroupStatus::Removed);
    alice.merge_pending_commit().unwrap();
    assert_agree(&[&alice, &bob]);
    assert_eq!(alice.tree().member_count(), 2);
    exchange(&mut [&mut alice, &mut bob], &mut rng);

    // Epoch 4: an external PSK and a resumption PSK of epoch 2, proposed by Bob, committed
    // by Alice by reference without a path (PSK proposals do not require one).
    let mut fresh = || {
        SecretVec::random(suite.hash_len(), &mut rng)
            .expose_secret()
            .to_vec()
    };
    let external = PreSharedKeyId {
        psk: PskSource::External {
            psk_id: b"shared-psk".to_vec(),
        },
        psk_nonce: fresh(),
    };
    let resumption = PreSharedKeyId {
        psk: PskSource::Resumption {
            usage: ResumptionPskUsage::Application,
            psk_group_id: b"group-1".to_vec(),
            psk_epoch: 2,
        },
        psk_nonce: fresh(),
    };
    let psk = SecretVec::from_slice(b"an external psk shared by alice and bob");
    alice
        .psks_mut()
        .insert_external(b"shared-psk".to_vec(), psk.clone());
    bob.psks_mut().insert_external(b"shared-psk".to_vec(), psk);
    let mut refs: Vec<ProposalRef> = Vec::new();
    for id in [external, resumption] {
        let (m, r) = bob.propose_psk(id, &mut rng).unwrap();
        assert!(matches!(
            alice.process_message(&m).unwrap(),
            Received::Proposal { .. }
        ));
        refs.push(r);
    }
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    deliver_commit(&mut [&mut bob], &out.commit);
    alice.merge_pending_commit().unwrap();
    assert_agree(&[&alice, &bob]);

    // Epoch 5: Dave is added with a forced path, the tree given out of band.
    let dave_kp = basic_bundle(suite, "dave", &mut rng);
    let out = bob
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Add(Add {
                    key_package: dave_kp.key_package().clone(),
                })],
                force_path: true,
                ratchet_tree_in_welcome: false,
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    deliver_commit(&mut [&mut alice], &out.commit);
    bob.merge_pending_commit().unwrap();
    let welcome = welcome_of(out.welcome);
    let tree = bob.tree().to_extension();
    let mut dave = Group::join(&welcome, dave_kp, Some(&tree), PskStore::new(), config).unwrap();
    assert_agree(&[&alice, &bob, &dave]);
    exchange(&mut [&mut alice, &mut bob, &mut dave], &mut rng);

    // Epoch 6: an empty Commit from Dave (path required).
    let out = dave.commit(CommitOptions::default(), &mut rng).unwrap();
    deliver_commit(&mut [&mut alice, &mut bob], &out.commit);
    dave.merge_pending_commit().unwrap();
    assert_agree(&[&alice, &bob, &dave]);
    exchange(&mut [&mut alice, &mut bob, &mut dave], &mut rng);
    assert_eq!(alice.epoch(), 6);
}

#[test]
fn members_agree_every_epoch_public_handshakes() {
    for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
        scenario(suite, WireFormat::PublicMessage, 100 + i as u64);
    }
}

#[test]
fn members_agree_every_epoch_private_handshakes() {
    for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
        scenario(suite, WireFormat::PrivateMessage, 200 + i as u64);
    }
}

/// Two members of a fresh group, Bob joined by Alice's Commit.
fn pair(rng: impl CryptoRng) -> (Group, Group) {
    pair_with(GroupConfig::default(), rng)
}

/// [`pair`] with both members configured by `config`.
fn pair_with(config: GroupConfig, rng: impl CryptoRng) -> (Group, Group) {
    pair_in(CipherSuite::Mls128X25519Aes128GcmSha256Ed25519, config, rng)
}

/// [`pair_with`] in `suite`.
fn pair_in(suite: CipherSuite, config: GroupConfig, mut rng: impl CryptoRng) -> (Group, Group) {
    let mut alice = Group::create(
        b"pair".to_vec(),
        basic_bundle(suite, "alice", &mut rng),
        Extensions::empty(),
        config,
        &mut rng,
    )
    .unwrap();
    let bob_kp = if suite == CipherSuite::Mls128X25519Aes128GcmSha256Ed25519 {
        bundle_seeded(suite, "bob", 0x42, &mut rng)
    } else {
        basic_bundle(suite, "bob", &mut rng)
    };
    let bob = add_and_join(&mut alice, bob_kp, config, &mut rng);
    (alice, bob)
}

/// Alice's Commit as a PublicMessage with `edit` applied (membership tag left stale).
fn tampered_commit(
    alice: &mut Group,
    rng: &mut impl CryptoRng,
    edit: impl FnOnce(&mut treekem_mls::framing::PublicMessage),
) -> MlsMessage {
    let out = alice.commit(CommitOptions::default(), rng).unwrap();
    alice.discard_pending_commit();
    let MlsMessage::PublicMessage(mut m) = out.commit else {
        panic!("public commit expected");
    };
    edit(&mut m);
    MlsMessage::PublicMessage(m)
}

fn assert_rejected_unchanged(bob: &mut Group, message: &MlsMessage) -> Error {
    let (epoch, auth, tree) = (
        bob.epoch(),
        bob.epoch_authenticator().to_vec(),
        bob.tree().to_bytes().unwrap(),
    );
    let err = bob.process_message(message).unwrap_err();
    assert_eq!(bob.epoch(), epoch);
    assert_eq!(bob.epoch_authenticator(), auth.as_slice());
    assert_eq!(bob.tree().to_bytes().unwrap(), tree);
    err
}

#[test]
fn tampered_commits_are_rejected_with_state_unchanged() {
    let (mut alice, mut bob) = pair(seeded_rng(7));
    let mut rng = seeded_rng(70);
    // Bad signature (the membership tag no longer matches either).
    let bad = tampered_commit(&mut alice, &mut rng, |m| m.auth.signature[3] ^= 0x40);
    assert_rejected_unchanged(&mut bob, &bad);
    // Wrong confirmation tag (caught by the membership tag that covers it here; the
    // COMMIT-3 check itself is tested inside the crate with a recomputed tag).
    let bad = tampered_commit(&mut alice, &mut rng, |m| {
        m.auth.confirmation_tag.as_mut().unwrap().0[0] ^= 1;
    });
    assert_eq!(
        assert_rejected_unchanged(&mut bob, &bad),
        Error::DecryptionFailed
    );
    // Stale epoch.
    let bad = tampered_commit(&mut alice, &mut rng, |m| m.content.epoch -= 1);
    assert!(matches!(
        assert_rejected_unchanged(&mut bob, &bad),
        Error::Invalid {
            rule: treekem_mls::Rule::MsgEpoch,
            ..
        }
    ));
    // The genuine Commit still works afterwards.
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    assert!(matches!(
        bob.process_message(&out.commit).unwrap(),
        Received::Commit { epoch: 2, .. }
    ));
    alice.merge_pending_commit().unwrap();
    assert_agree(&[&alice, &bob]);
}

#[test]
fn own_commit_is_merged_not_processed() {
    let (mut alice, _bob) = pair(seeded_rng(8));
    let mut rng = seeded_rng(80);
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    assert!(matches!(
        alice.process_message(&out.commit),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        alice.commit(CommitOptions::default(), &mut rng),
        Err(Error::Misuse(_))
    ));
    alice.merge_pending_commit().unwrap();
    assert!(matches!(
        alice.merge_pending_commit(),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn prop_rules_refuse_invalid_commit_lists() {
    let (mut alice, bob) = pair(seeded_rng(9));
    let mut rng = seeded_rng(90);
    let by_value = |p: Vec<Proposal>| CommitOptions {
        proposals: p,
        ..CommitOptions::default()
    };
    let remove = |l: LeafIndex| Proposal::Remove(Remove { removed: l });
    let expect = |r: treekem_mls::Result<_>, id: &str| match r {
        Err(Error::Invalid { rule, .. }) if rule.id() == id => {}
        other => panic!("{id}: {other:?}"),
    };
    // PROP-3: removing the committer.
    expect(
        alice.commit(by_value(vec![remove(alice.own_leaf())]), &mut rng),
        "PROP-3",
    );
    // PROP-4: two Removes of the same leaf.
    expect(
        alice.commit(
            by_value(vec![remove(bob.own_leaf()), remove(bob.own_leaf())]),
            &mut rng,
        ),
        "PROP-4",
    );
    // PROP-1: a Remove of a blank leaf.
    expect(
        alice.commit(by_value(vec![remove(LeafIndex(5))]), &mut rng),
        "PROP-1",
    );
    // PROP-6: adding a client already in the group.
    let suite = alice.suite();
    let dup = bundle_seeded(suite, "bob again", 0x42, &mut rng)
        .key_package()
        .clone();
    expect(
        alice.commit(
            by_value(vec![Proposal::Add(Add {
                key_package: dup.clone(),
            })]),
            &mut rng,
        ),
        "PROP-6",
    );
    // ... unless the same Commit removes that member.
    alice
        .commit(
            by_value(vec![
                remove(bob.own_leaf()),
                Proposal::Add(Add { key_package: dup }),
            ]),
            &mut rng,
        )
        .unwrap();
    alice.discard_pending_commit();
    // PROP-5: two Adds of the same KeyPackage.
    let kp = basic_bundle(suite, "y", &mut rng).key_package().clone();
    expect(
        alice.commit(
            by_value(vec![
                Proposal::Add(Add {
                    key_package: kp.clone(),
                }),
                Proposal::Add(Add { key_package: kp }),
            ]),
            &mut rng,
        ),
        "PROP-5",
    );
    // PSK-1 / PROP-12: an unknown PSK and a short nonce.
    let psk = |nonce: usize| {
        Proposal::PreSharedKey(treekem_mls::proposal::PreSharedKey {
            psk: PreSharedKeyId {
                psk: PskSource::External {
                    psk_id: b"nobody has it".to_vec(),
                },
                psk_nonce: vec![0; nonce],
            },
        })
    };
    expect(alice.commit(by_value(vec![psk(32)]), &mut rng), "PSK-1");
    expect(alice.commit(by_value(vec![psk(3)]), &mut rng), "PROP-12");
    // PROP-10: ExternalInit in a regular Commit.
    expect(
        alice.commit(
            by_value(vec![Proposal::ExternalInit(
                treekem_mls::proposal::ExternalInit::default(),
            )]),
            &mut rng,
        ),
        "PROP-10",
    );
    // Nothing was staged by the refused attempts.
    assert!(!alice.has_pending_commit());
}

/// Alice commits (an empty Commit with a path) and merges; `others` process it.
fn empty_commit(alice: &mut Group, others: &mut [&mut Group], rng: &mut impl CryptoRng) {
    let out = alice.commit(CommitOptions::default(), rng).unwrap();
    alice.merge_pending_commit().unwrap();
    deliver_commit(others, &out.commit);
}

#[test]
fn msg_5_late_application_messages_of_kept_past_epochs_decrypt() {
    let mut rng = seeded_rng(501);
    let (mut alice, mut bob) = pair(&mut rng);
    assert_eq!(GroupConfig::default().past_epochs, 3);
    let n = alice.epoch();
    let late = alice.send_application(b"late", b"", &mut rng).unwrap();
    let later = alice.send_application(b"later", b"", &mut rng).unwrap();
    // The group moves to n + 2; the message of epoch n still decrypts, once.
    empty_commit(&mut alice, &mut [&mut bob], &mut rng);
    empty_commit(&mut alice, &mut [&mut bob], &mut rng);
    assert_eq!(bob.epoch(), n + 2);
    match bob.process_message(&late).unwrap() {
        Received::Application { data, sender, .. } => {
            assert_eq!(data, b"late");
            assert_eq!(sender, alice.own_leaf());
        }
        other => panic!("{other:?}"),
    }
    assert!(bob.process_message(&late).is_err(), "a key is used once");
    // Epoch n's keys are deleted once the group is at n + 1 + past_epochs.
    empty_commit(&mut alice, &mut [&mut bob], &mut rng);
    empty_commit(&mut alice, &mut [&mut bob], &mut rng);
    assert_eq!(bob.epoch(), n + 4);
    assert!(matches!(
        bob.process_message(&later),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Msg5,
            ..
        })
    ));
}

#[test]
fn msg_5_a_late_message_of_a_member_removed_since_verifies_with_its_old_key() {
    let mut rng = seeded_rng(502);
    let (mut alice, mut bob) = pair(&mut rng);
    let from_bob = bob.send_application(b"bye", b"", &mut rng).unwrap();
    let out = alice
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Remove(Remove {
                    removed: bob.own_leaf(),
                })],
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    assert!(alice.tree().leaf(bob.own_leaf()).is_none());
    assert!(matches!(
        alice.process_message(&from_bob).unwrap(),
        Received::Application { data, .. } if data == b"bye"
    ));
    drop(out);
}

#[test]
fn msg_5_handshake_messages_of_past_epochs_and_unkept_epochs_are_refused() {
    let mut rng = seeded_rng(503);
    let config = GroupConfig {
        past_epochs: 0,
        handshake_wire_format: WireFormat::PrivateMessage,
        ..GroupConfig::default()
    };
    let (mut alice, mut bob) = pair_with(config, &mut rng);
    let app = alice.send_application(b"x", b"", &mut rng).unwrap();
    let (proposal, _) = alice.propose_remove(bob.own_leaf(), &mut rng).unwrap();
    alice.discard_pending_commit();
    let out = alice
        .commit(
            CommitOptions {
                include_received: false,
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    alice.merge_pending_commit().unwrap();
    deliver_commit(&mut [&mut bob], &out.commit);
    // A handshake message of a past epoch is never accepted.
    assert!(matches!(
        bob.process_message(&proposal),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::MsgEpoch,
            ..
        })
    ));
    // With past_epochs = 0, the previous epoch's keys are gone.
    assert!(matches!(
        bob.process_message(&app),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Msg5,
            ..
        })
    ));
}

/// Carol's external Commit into Alice and Bob's group, made from Alice's GroupInfo.
fn external_join(
    alice: &Group,
    name: &str,
    seed: u8,
    options: treekem_mls::group::ExternalCommitOptions,
    rng: &mut impl CryptoRng,
) -> Result<(Group, MlsMessage), Error> {
    let suite = alice.suite();
    let info = alice.external_group_info(true).unwrap();
    // A seeded signature key (so a test can re-sign) where the suite takes 32 bytes.
    let joiner = if suite == CipherSuite::Mls128X25519Aes128GcmSha256Ed25519 {
        bundle_seeded(suite, name, seed, rng)
    } else {
        basic_bundle(suite, name, rng)
    };
    Group::join_external(
        &info,
        None,
        joiner,
        options,
        PskStore::new(),
        GroupConfig::default(),
        rng,
    )
}

#[test]
fn external_commit_joins_and_everyone_agrees() {
    for (i, suite) in CipherSuite::ALL.into_iter().enumerate() {
        let mut rng = seeded_rng(600 + i as u64);
        let (mut alice, mut bob) = pair_in(suite, GroupConfig::default(), &mut rng);
        let (mut carol, commit) =
            external_join(&alice, "carol", 0x51, Default::default(), &mut rng).unwrap();
        deliver_commit(&mut [&mut alice, &mut bob], &commit);
        assert_agree(&[&alice, &bob, &carol]);
        assert_eq!(carol.tree().tree_hash(), alice.tree().tree_hash());
        exchange(&mut [&mut alice, &mut bob, &mut carol], &mut rng);
        // Carol commits as a member afterwards.
        let out = carol.commit(CommitOptions::default(), &mut rng).unwrap();
        carol.merge_pending_commit().unwrap();
        deliver_commit(&mut [&mut alice, &mut bob], &out.commit);
        assert_agree(&[&alice, &bob, &carol]);
    }
}

#[test]
fn external_commit_removes_the_prior_self() {
    let mut rng = seeded_rng(610);
    let (mut alice, mut old_bob) = pair(&mut rng);
    let prior = old_bob.own_leaf();
    let (mut bob, commit) = external_join(
        &alice,
        "bob",
        0x61,
        treekem_mls::group::ExternalCommitOptions {
            remove_prior: Some(prior),
            ..Default::default()
        },
        &mut rng,
    )
    .unwrap();
    deliver_commit(&mut [&mut alice], &commit);
    assert!(matches!(
        old_bob.process_message(&commit).unwrap(),
        Received::Removed { .. }
    ));
    assert_agree(&[&alice, &bob]);
    assert_eq!(alice.tree().member_count(), 2);
    // The new leaf is the leftmost blank one: the prior leaf, freed by the Remove.
    assert_eq!(bob.own_leaf(), prior);
    exchange(&mut [&mut alice, &mut bob], &mut rng);
}

#[test]
fn xc_5_an_external_commit_may_not_remove_another_member() {
    let mut rng = seeded_rng(611);
    let (alice, mut bob) = pair(&mut rng);
    let (_, commit) = external_join(
        &alice,
        "mallory",
        0x62,
        treekem_mls::group::ExternalCommitOptions {
            remove_prior: Some(alice.own_leaf()),
            ..Default::default()
        },
        &mut rng,
    )
    .unwrap();
    assert!(matches!(
        assert_rejected_unchanged(&mut bob, &commit),
        Error::Invalid {
            rule: treekem_mls::Rule::Xc5,
            ..
        }
    ));
}

#[test]
fn xc_6_a_group_info_without_external_pub_cannot_be_joined() {
    let mut rng = seeded_rng(612);
    let (alice, _bob) = pair(&mut rng);
    let info = alice.group_info(true).unwrap();
    let err = Group::join_external(
        &info,
        None,
        basic_bundle(alice.suite(), "carol", &mut rng),
        Default::default(),
        PskStore::new(),
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::Invalid {
            rule: treekem_mls::Rule::Xc6,
            ..
        }
    ));
}

/// An external Commit edited by its (malicious) sender and re-signed with its key, the
/// confirmation tag kept: the rules are checked before the tag.
fn edited_external_commit(
    alice: &Group,
    rng: &mut impl CryptoRng,
    edit: impl FnOnce(&mut treekem_mls::commit::Commit),
) -> MlsMessage {
    let (_, commit) = external_join(alice, "eve", 0x63, Default::default(), rng).unwrap();
    let MlsMessage::PublicMessage(m) = commit else {
        panic!("external Commits are PublicMessages");
    };
    let mut content = m.content.clone();
    let treekem_mls::framing::FramedContentBody::Commit(c) = &mut content.body else {
        panic!("a Commit");
    };
    edit(c);
    let signer = alice.suite().signature_key_from_bytes(&[0x63; 32]).unwrap();
    let mut signed = treekem_mls::protection::sign_content(
        alice.suite(),
        WireFormat::PublicMessage,
        content,
        alice.context(),
        &signer,
    )
    .unwrap();
    signed.auth.confirmation_tag = m.auth.confirmation_tag.clone();
    MlsMessage::PublicMessage(
        treekem_mls::protection::protect_public(alice.suite(), signed, alice.context(), &[])
            .unwrap(),
    )
}

#[test]
fn xc_1_to_xc_4_external_commit_rules() {
    use treekem_mls::proposal::{ExternalInit, ProposalOrRef};
    let mut rng = seeded_rng(613);
    let (mut alice, mut bob) = pair(&mut rng);
    let kp = basic_bundle(alice.suite(), "dave", &mut rng)
        .key_package()
        .clone();
    type Edit = Box<dyn FnOnce(&mut treekem_mls::commit::Commit)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "XC-1",
            Box::new(|c| {
                c.proposals.remove(0);
            }),
        ),
        (
            "XC-1",
            Box::new(|c| {
                c.proposals
                    .push(ProposalOrRef::Proposal(Box::new(Proposal::ExternalInit(
                        ExternalInit {
                            kem_output: vec![1; 32],
                        },
                    ))))
            }),
        ),
        (
            "XC-3",
            Box::new(|c| {
                c.proposals
                    .push(ProposalOrRef::Reference(ProposalRef(vec![1; 32])))
            }),
        ),
        (
            "XC-3",
            Box::new(move |c| {
                c.proposals
                    .push(ProposalOrRef::Proposal(Box::new(Proposal::Add(Add {
                        key_package: kp,
                    }))))
            }),
        ),
        (
            "XC-4",
            Box::new(|c| {
                for _ in 0..2 {
                    c.proposals
                        .push(ProposalOrRef::Proposal(Box::new(Proposal::Remove(
                            Remove {
                                removed: LeafIndex(1),
                            },
                        ))));
                }
            }),
        ),
        ("XC-2", Box::new(|c| c.path = None)),
    ];
    for (rule, edit) in cases {
        let bad = edited_external_commit(&alice, &mut rng, edit);
        for member in [&mut alice, &mut bob] {
            let err = assert_rejected_unchanged(member, &bad);
            assert!(
                matches!(&err, Error::Invalid { rule: broken, .. } if broken.id() == rule),
                "{rule}: {err:?}"
            );
        }
    }
}

#[test]
fn external_senders_propose_and_members_commit_by_reference() {
    use treekem_mls::{
        credential::Credential,
        extension::{ExternalSender, ExternalSenders},
        group::{external_proposal, new_member_proposal},
    };
    let mut rng = seeded_rng(700);
    let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
    let ds = suite.generate_signature_key(&mut rng);
    let mut extensions = Extensions::empty();
    extensions
        .set_typed(&ExternalSenders(vec![ExternalSender {
            signature_key: ds.public_key().into(),
            credential: Credential::Basic {
                identity: b"ds".to_vec(),
            },
        }]))
        .unwrap();
    let mut alice = Group::create(
        b"ext".to_vec(),
        basic_bundle(suite, "alice", &mut rng),
        extensions,
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    // Carol proposes her own Add; Alice commits it by reference and Welcomes her.
    let carol_kp = basic_bundle(suite, "carol", &mut rng);
    let add = new_member_proposal(alice.context(), &carol_kp).unwrap();
    assert!(matches!(
        alice.process_message(&add).unwrap(),
        Received::Proposal {
            sender: treekem_mls::framing::Sender::NewMemberProposal,
            ..
        }
    ));
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    alice.merge_pending_commit().unwrap();
    let carol = Group::join(
        &welcome_of(out.welcome),
        carol_kp,
        None,
        PskStore::new(),
        GroupConfig::default(),
    )
    .unwrap();
    assert_agree(&[&alice, &carol]);
    // The delivery service (external sender 0) proposes removing Carol.
    let remove = external_proposal(
        suite,
        alice.context(),
        0,
        Proposal::Remove(Remove {
            removed: carol.own_leaf(),
        }),
        &ds,
    )
    .unwrap();
    let mut carol = carol;
    for g in [&mut alice, &mut carol] {
        assert!(matches!(
            g.process_message(&remove).unwrap(),
            Received::Proposal {
                sender: treekem_mls::framing::Sender::External(0),
                ..
            }
        ));
    }
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    alice.merge_pending_commit().unwrap();
    assert!(matches!(
        carol.process_message(&out.commit).unwrap(),
        Received::Removed { .. }
    ));
    assert_eq!(alice.tree().member_count(), 1);

    // MSG-2: an external sender index not in the list; a key not the listed one.
    let unlisted = external_proposal(
        suite,
        alice.context(),
        1,
        Proposal::Remove(Remove {
            removed: LeafIndex(0),
        }),
        &ds,
    )
    .unwrap();
    assert!(matches!(
        assert_rejected_unchanged(&mut alice, &unlisted),
        Error::Invalid {
            rule: treekem_mls::Rule::Msg2,
            ..
        }
    ));
    let impostor = suite.generate_signature_key(&mut rng);
    let forged = external_proposal(
        suite,
        alice.context(),
        0,
        Proposal::Remove(Remove {
            removed: LeafIndex(0),
        }),
        &impostor,
    )
    .unwrap();
    assert_eq!(
        assert_rejected_unchanged(&mut alice, &forged),
        Error::VerificationFailed
    );
    // PROP-17: an external sender may not propose an ExternalInit (refused when made) nor,
    // signed by hand, a new_member_proposal sender a Remove (refused by the members).
    let content = treekem_mls::framing::FramedContent {
        group_id: alice.group_id().to_vec(),
        epoch: alice.epoch(),
        sender: treekem_mls::framing::Sender::NewMemberProposal,
        authenticated_data: Vec::new(),
        body: treekem_mls::framing::FramedContentBody::Proposal(Proposal::Remove(Remove {
            removed: LeafIndex(0),
        })),
    };
    let signed = treekem_mls::protection::sign_content(
        suite,
        WireFormat::PublicMessage,
        content,
        alice.context(),
        &ds,
    )
    .unwrap();
    let bad = MlsMessage::PublicMessage(
        treekem_mls::protection::protect_public(suite, signed, alice.context(), &[]).unwrap(),
    );
    assert!(matches!(
        assert_rejected_unchanged(&mut alice, &bad),
        Error::Invalid {
            rule: treekem_mls::Rule::Prop17,
            ..
        }
    ));
    assert!(matches!(
        external_proposal(
            suite,
            alice.context(),
            0,
            Proposal::ExternalInit(Default::default()),
            &ds
        ),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Prop17,
            ..
        })
    ));
    assert!(alice.cached_proposals().next().is_none());
}

#[test]
fn msg_4_a_staged_application_message_consumes_its_key_only_when_committed() {
    let mut rng = seeded_rng(504);
    let (mut alice, mut bob) = pair(&mut rng);
    let current = alice.send_application(b"now", b"ad", &mut rng).unwrap();
    let late = alice.send_application(b"late", b"", &mut rng).unwrap();
    let n = alice.epoch();
    empty_commit(&mut alice, &mut [&mut bob], &mut rng);
    let fresh = alice.send_application(b"fresh", b"", &mut rng).unwrap();
    // Epoch n + 1's message and epoch n's late one: staged and dropped, nothing changes.
    for (message, data, epoch) in [(&fresh, &b"fresh"[..], n + 1), (&late, b"late", n)] {
        let before = bob.to_bytes().unwrap();
        let (got, staged) = bob.stage_application(message).unwrap();
        assert_eq!(got, data);
        assert_eq!(staged.epoch(), epoch);
        assert_eq!(staged.sender(), alice.own_leaf());
        drop(staged);
        assert_eq!(
            bob.to_bytes().unwrap().expose_secret(),
            before.expose_secret()
        );
        // Committed: the key is consumed, a second staging is refused.
        let (got, staged) = bob.stage_application(message).unwrap();
        staged.commit().unwrap();
        assert_eq!(got, data);
        assert_ne!(
            bob.to_bytes().unwrap().expose_secret(),
            before.expose_secret()
        );
        assert!(
            bob.stage_application(message).is_err(),
            "a key is used once"
        );
    }
    assert_eq!(
        bob.stage_application(&current)
            .unwrap()
            .1
            .authenticated_data(),
        b"ad"
    );
    // Handshake messages are not application messages.
    let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
    assert!(matches!(
        bob.stage_application(&out.commit),
        Err(Error::Misuse(_))
    ));
}
