//! The public (delivery-service side) view of a group, `PublicGroup`: built from a
//! member's GroupInfo (signature verified, tree checked), it follows a group with
//! PublicMessage handshakes through an add-only Commit with a Welcome, an Update proposal
//! committed by reference by another member, a Remove, an external Commit, a PSK-free
//! empty Commit and a GroupContextExtensions change; after every epoch its tree hash,
//! GroupContext (so the confirmed transcript hash) and interim transcript hash match the
//! members' (a view built afresh from a member's GroupInfo equals it, interim transcript
//! hash included). Tampered Commits are rejected with the view unchanged: a flipped
//! signature, a stale epoch, an added proposal reference, and, re-signed with the
//! committer's own key (the membership tag, which the view cannot check, left stale), an
//! altered path node key, an altered path leaf, a dropped path (COMMIT-1). A tampered
//! GroupInfo builds no view (WEL-*); PrivateMessages are refused.

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
    framing::{FramedContentBody, MlsMessage},
    fuzzing::basic_bundle,
    group::{
        CommitOptions, ExternalCommitOptions, Group, GroupConfig, KeyPackageBundle,
        KeyPackageOptions, PskStore, PublicGroup, Received,
    },
    proposal::{Add, Proposal, ProposalOrRef, Remove},
    protection::sign_content,
    suite::CipherSuite,
    types::{LeafIndex, ProposalRef, WireFormat},
};

const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

fn assert_view(ds: &PublicGroup, members: &[&Group]) {
    for m in members {
        assert_eq!(ds.epoch(), m.epoch());
        assert_eq!(ds.context(), m.context());
        assert_eq!(ds.tree().tree_hash(), m.tree().tree_hash());
        assert_eq!(ds.tree().to_bytes().unwrap(), m.tree().to_bytes().unwrap());
    }
}

/// The DS rejects `message` and nothing changes.
fn rejected(ds: &mut PublicGroup, message: &MlsMessage) -> Error {
    let context = ds.context().clone();
    let tree = ds.tree().to_bytes().unwrap();
    let interim = ds.interim_transcript_hash().to_vec();
    let err = ds.process_message(message).unwrap_err();
    assert_eq!(ds.context(), &context);
    assert_eq!(ds.tree().to_bytes().unwrap(), tree);
    assert_eq!(ds.interim_transcript_hash(), interim.as_slice());
    err
}

fn edit(
    message: &MlsMessage,
    f: impl FnOnce(&mut treekem_mls::framing::PublicMessage),
) -> MlsMessage {
    let MlsMessage::PublicMessage(m) = message else {
        panic!("public message expected");
    };
    let mut m = m.clone();
    f(&mut m);
    MlsMessage::PublicMessage(m)
}

#[test]
fn public_view_follows_the_group_and_rejects_tampered_commits_unchanged() {
    let mut rng = seeded_rng(1);
    let config = GroupConfig::default();
    assert_eq!(config.handshake_wire_format, WireFormat::PublicMessage);
    let mut alice = Group::create(
        b"public".to_vec(),
        basic_bundle(SUITE, "alice", &mut rng),
        Extensions::empty(),
        config,
        &mut rng,
    )
    .unwrap();
    let mut ds =
        PublicGroup::from_group_info(SUITE, &alice.group_info(true).unwrap(), None).unwrap();
    assert_view(&ds, &[&alice]);

    // Epoch 1: Alice adds Bob and Carol.
    let bob_signer = SUITE.signature_key_from_bytes(&[7; 32]).unwrap();
    let bob_kp = KeyPackageBundle::generate(
        SUITE,
        SUITE.signature_key_from_bytes(&[7; 32]).unwrap(),
        KeyPackageOptions::basic(b"bob"),
        &mut rng,
    )
    .unwrap();
    let carol_kp = basic_bundle(SUITE, "carol", &mut rng);
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
    assert!(matches!(
        ds.process_message(&out.commit).unwrap(),
        Received::Commit { epoch: 1, .. }
    ));
    alice.merge_pending_commit().unwrap();
    let Some(MlsMessage::Welcome(w)) = out.welcome else {
        panic!("no Welcome");
    };
    let mut bob = Group::join(&w, bob_kp, None, PskStore::new(), config).unwrap();
    let mut carol = Group::join(&w, carol_kp, None, PskStore::new(), config).unwrap();
    assert_view(&ds, &[&alice, &bob, &carol]);

    // Epoch 2: Bob proposes an Update; Carol commits it by reference.
    let (update, _) = bob.propose_update(&mut rng).unwrap();
    for g in [&mut alice, &mut carol] {
        g.process_message(&update).unwrap();
    }
    assert!(matches!(
        ds.process_message(&update).unwrap(),
        Received::Proposal { .. }
    ));
    let out = carol.commit(CommitOptions::default(), &mut rng).unwrap();
    ds.process_message(&out.commit).unwrap();
    carol.merge_pending_commit().unwrap();
    for g in [&mut alice, &mut bob] {
        g.process_message(&out.commit).unwrap();
    }
    assert_view(&ds, &[&alice, &bob, &carol]);

    // Tampered Commits from Bob are rejected with the view unchanged.
    let out = bob.commit(CommitOptions::default(), &mut rng).unwrap();
    bob.discard_pending_commit();
    let bad_signature = edit(&out.commit, |m| m.auth.signature[3] ^= 1);
    assert_eq!(rejected(&mut ds, &bad_signature), Error::VerificationFailed);
    let stale = edit(&out.commit, |m| m.content.epoch -= 1);
    assert!(matches!(
        rejected(&mut ds, &stale),
        Error::Invalid {
            rule: treekem_mls::Rule::MsgEpoch,
            ..
        }
    ));
    let unknown_ref = edit(&out.commit, |m| {
        if let FramedContentBody::Commit(c) = &mut m.content.body {
            c.proposals
                .push(ProposalOrRef::Reference(ProposalRef(vec![9; 32])));
        }
    });
    // The signature covers the content: the edit fails verification first.
    assert_eq!(rejected(&mut ds, &unknown_ref), Error::VerificationFailed);
    let private = bob.send_application(b"secret", b"", &mut rng).unwrap();
    assert!(matches!(rejected(&mut ds, &private), Error::Misuse(_)));
    // Bob himself (his signature key) re-signs Commits whose path was altered; the DS
    // cannot check the membership tag, but checks the path like a member.
    let context = ds.context().clone();
    let resigned = |f: &dyn Fn(&mut treekem_mls::commit::UpdatePath)| {
        edit(&out.commit, |m| {
            if let FramedContentBody::Commit(c) = &mut m.content.body {
                f(c.path.as_mut().unwrap());
            }
            let signed = sign_content(
                SUITE,
                WireFormat::PublicMessage,
                m.content.clone(),
                &context,
                &bob_signer,
            )
            .unwrap();
            m.auth.signature = signed.auth.signature;
        })
    };
    let bad_parent_key = resigned(&|p| {
        let mut key = p.nodes[0].encryption_key.as_slice().to_vec();
        key[0] ^= 1;
        p.nodes[0].encryption_key = key.into();
    });
    assert!(matches!(
        rejected(&mut ds, &bad_parent_key),
        Error::Invalid { .. }
    ));
    let bad_leaf = resigned(&|p| p.leaf_node.signature[0] ^= 1);
    assert_eq!(rejected(&mut ds, &bad_leaf), Error::VerificationFailed);
    let no_path = resigned(&|_| {});
    let no_path = edit(&no_path, |m| {
        if let FramedContentBody::Commit(c) = &mut m.content.body {
            c.path = None;
        }
        m.auth.signature = sign_content(
            SUITE,
            WireFormat::PublicMessage,
            m.content.clone(),
            &context,
            &bob_signer,
        )
        .unwrap()
        .auth
        .signature;
    });
    assert!(matches!(
        rejected(&mut ds, &no_path),
        Error::Invalid {
            rule: treekem_mls::Rule::Commit1,
            ..
        }
    ));

    // Epoch 3: Alice removes Carol.
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
    ds.process_message(&out.commit).unwrap();
    alice.merge_pending_commit().unwrap();
    bob.process_message(&out.commit).unwrap();
    assert!(matches!(
        carol.process_message(&out.commit).unwrap(),
        Received::Removed { .. }
    ));
    assert_view(&ds, &[&alice, &bob]);

    // Epoch 4: Dave joins by an external Commit from Bob's GroupInfo.
    let info = bob.external_group_info(true).unwrap();
    let (mut dave, commit) = Group::join_external(
        &info,
        None,
        basic_bundle(SUITE, "dave", &mut rng),
        ExternalCommitOptions::default(),
        PskStore::new(),
        config,
        &mut rng,
    )
    .unwrap();
    ds.process_message(&commit).unwrap();
    for g in [&mut alice, &mut bob] {
        g.process_message(&commit).unwrap();
    }
    assert_view(&ds, &[&alice, &bob, &dave]);

    // Epoch 5: Dave's empty Commit (a path); epoch 6: new GroupContext extensions.
    let out = dave.commit(CommitOptions::default(), &mut rng).unwrap();
    ds.process_message(&out.commit).unwrap();
    dave.merge_pending_commit().unwrap();
    for g in [&mut alice, &mut bob] {
        g.process_message(&out.commit).unwrap();
    }
    assert_view(&ds, &[&alice, &bob, &dave]);
    let (proposal, _) = alice
        .propose_group_context_extensions(Extensions::empty(), &mut rng)
        .unwrap();
    ds.process_message(&proposal).unwrap();
    for g in [&mut bob, &mut dave] {
        g.process_message(&proposal).unwrap();
    }
    let out = bob.commit(CommitOptions::default(), &mut rng).unwrap();
    ds.process_message(&out.commit).unwrap();
    bob.merge_pending_commit().unwrap();
    for g in [&mut alice, &mut dave] {
        g.process_message(&out.commit).unwrap();
    }
    assert_view(&ds, &[&alice, &bob, &dave]);
    assert_eq!(ds.epoch(), 6);

    // A view built now from Dave's GroupInfo equals the one that followed along.
    let fresh = PublicGroup::from_group_info(SUITE, &dave.group_info(true).unwrap(), None).unwrap();
    assert_eq!(fresh.context(), ds.context());
    assert_eq!(
        fresh.interim_transcript_hash(),
        ds.interim_transcript_hash()
    );
    assert_eq!(fresh.tree().tree_hash(), ds.tree().tree_hash());
}

#[test]
fn wel_a_tampered_group_info_or_tree_builds_no_view() {
    let mut rng = seeded_rng(2);
    let alice = Group::create(
        b"public".to_vec(),
        basic_bundle(SUITE, "alice", &mut rng),
        Extensions::empty(),
        GroupConfig::default(),
        &mut rng,
    )
    .unwrap();
    let mut info = alice.group_info(true).unwrap();
    info.signature[0] ^= 1;
    assert_eq!(
        PublicGroup::from_group_info(SUITE, &info, None).unwrap_err(),
        Error::VerificationFailed
    );
    let info = alice.group_info(false).unwrap();
    assert!(matches!(
        PublicGroup::from_group_info(SUITE, &info, None).unwrap_err(),
        Error::Invalid {
            rule: treekem_mls::Rule::Wel2,
            ..
        }
    ));
    let mut info = alice.group_info(true).unwrap();
    info.signer = LeafIndex(5);
    assert!(PublicGroup::from_group_info(SUITE, &info, None).is_err());
}
