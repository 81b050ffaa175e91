//! `message-protection.json` (family `mls-message-protection`), RFC 9420 sections 6.1-6.3.
//!
//! Format: `{ cipher_suite, group_id, epoch, tree_hash, confirmed_transcript_hash,
//! signature_priv, signature_pub, encryption_secret, sender_data_secret, membership_key,
//! proposal, proposal_pub, proposal_priv, commit, commit_pub, commit_priv, application,
//! application_priv }`; the sender is leaf 1 of a 2-member secret tree.
//!
//! Checks, for each of proposal, commit and application (one case each):
//! - the `pub` message (not for application) unprotects to the raw content; our own
//!   PublicMessage of the same content verifies; application content as a PublicMessage is
//!   refused;
//! - the `priv` message unprotects to the raw content; our own PrivateMessage (padded)
//!   unprotects with a separate receiver tree;
//! - mutations: flipping any single byte of the encoded `pub` and `priv` messages
//!   (signature, tags, ciphertext, sender data, headers) makes decoding or unprotecting
//!   fail, and afterwards the genuine message still unprotects (no key was consumed).

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{Json, hex_field, report, seeded_rng};
use treekem_mls::{
    Error,
    codec::Codec,
    commit::Commit,
    extension::Extensions,
    framing::{FramedContentBody, MlsMessage, PrivateMessage, PublicMessage},
    group_context::GroupContext,
    primitives::SecretVec,
    proposal::Proposal,
    protection::{
        protect_private, protect_public, sign_content, unprotect_private, unprotect_public,
    },
    secret_tree::{SecretTree, SecretTreeLimits},
    suite::CipherSuite,
    types::{CipherSuiteId, ProtocolVersion, WireFormat},
};

fn public(bytes: &[u8]) -> treekem_mls::Result<PublicMessage> {
    match MlsMessage::from_bytes(bytes)? {
        MlsMessage::PublicMessage(m) => Ok(m),
        _ => Err(Error::Decode("not a PublicMessage")),
    }
}

fn private(bytes: &[u8]) -> treekem_mls::Result<PrivateMessage> {
    match MlsMessage::from_bytes(bytes)? {
        MlsMessage::PrivateMessage(m) => Ok(m),
        _ => Err(Error::Decode("not a PrivateMessage")),
    }
}

fn tree(suite: CipherSuite, e: &Json) -> SecretTree {
    SecretTree::new(
        suite,
        SecretVec::new(hex_field(e, "encryption_secret")),
        2,
        SecretTreeLimits::default(),
    )
    .unwrap()
}

#[test]
fn kat_mls_message_protection() {
    let (mut passed, mut skipped) = (0, 0);
    let mut rng = seeded_rng(6);
    for e in common::entries("message-protection.json") {
        let Some(suite) = common::suite(&e) else {
            skipped += 3;
            continue;
        };
        let ctx = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(suite.id()),
            group_id: hex_field(&e, "group_id"),
            epoch: common::num(&e, "epoch"),
            tree_hash: hex_field(&e, "tree_hash"),
            confirmed_transcript_hash: hex_field(&e, "confirmed_transcript_hash"),
            extensions: Extensions::empty(),
        };
        let signer = suite
            .signature_key_from_bytes(&hex_field(&e, "signature_priv"))
            .unwrap();
        let sig_pub = hex_field(&e, "signature_pub");
        let membership_key = hex_field(&e, "membership_key");
        let sds = hex_field(&e, "sender_data_secret");
        let key_of = |_: &_| Ok(sig_pub.clone());

        for kind in ["proposal", "commit", "application"] {
            let raw = hex_field(&e, kind);
            let body = match kind {
                "proposal" => FramedContentBody::Proposal(Proposal::from_bytes(&raw).unwrap()),
                "commit" => FramedContentBody::Commit(Commit::from_bytes(&raw).unwrap()),
                _ => FramedContentBody::Application(raw.clone()),
            };

            // The private message of the vector, with every single-byte mutation first.
            let priv_bytes = hex_field(&e, &format!("{kind}_priv"));
            let mut receiver = tree(suite, &e);
            for i in 0..priv_bytes.len() {
                let mut m = priv_bytes.clone();
                m[i] ^= 0x01;
                let result = private(&m).and_then(|msg| {
                    unprotect_private(suite, &msg, &ctx, &sds, &mut receiver, |_| {
                        Ok(sig_pub.clone())
                    })
                });
                assert!(result.is_err(), "{kind}_priv byte {i} flipped was accepted");
            }
            let msg = private(&priv_bytes).unwrap();
            let content = unprotect_private(suite, &msg, &ctx, &sds, &mut receiver, |_| {
                Ok(sig_pub.clone())
            })
            .unwrap();
            assert_eq!(content.content.body, body);
            assert_eq!(
                MlsMessage::PrivateMessage(msg.clone()).to_bytes().unwrap(),
                priv_bytes
            );
            // Replay: the key is gone.
            assert!(
                unprotect_private(suite, &msg, &ctx, &sds, &mut receiver, |_| Ok(
                    sig_pub.clone()
                ))
                .is_err()
            );

            // Our own PrivateMessage of the same content round-trips.
            let mut framed = content.content.clone();
            framed.authenticated_data = b"ad".to_vec();
            let mut signed = sign_content(
                suite,
                WireFormat::PrivateMessage,
                framed.clone(),
                &ctx,
                &signer,
            )
            .unwrap();
            signed.auth.confirmation_tag = content.auth.confirmation_tag.clone();
            let mut sender = tree(suite, &e);
            let ours = protect_private(suite, &signed, &sds, &mut sender, 17, &mut rng).unwrap();
            let ours = private(&MlsMessage::PrivateMessage(ours).to_bytes().unwrap()).unwrap();
            let mut receiver = tree(suite, &e);
            let back = unprotect_private(suite, &ours, &ctx, &sds, &mut receiver, |_| {
                Ok(sig_pub.clone())
            })
            .unwrap();
            assert_eq!(back, signed);

            if kind == "application" {
                let signed =
                    sign_content(suite, WireFormat::PublicMessage, framed, &ctx, &signer).unwrap();
                assert!(protect_public(suite, signed, &ctx, &membership_key).is_err());
            } else {
                let pub_bytes = hex_field(&e, &format!("{kind}_pub"));
                let msg = public(&pub_bytes).unwrap();
                let content = unprotect_public(suite, &msg, &ctx, &membership_key, key_of).unwrap();
                assert_eq!(content.content.body, body);
                assert_eq!(
                    MlsMessage::PublicMessage(msg).to_bytes().unwrap(),
                    pub_bytes
                );
                for i in 0..pub_bytes.len() {
                    let mut m = pub_bytes.clone();
                    m[i] ^= 0x01;
                    let result = public(&m).and_then(|msg| {
                        unprotect_public(suite, &msg, &ctx, &membership_key, key_of)
                    });
                    assert!(result.is_err(), "{kind}_pub byte {i} flipped was accepted");
                }
                let mut signed =
                    sign_content(suite, WireFormat::PublicMessage, framed, &ctx, &signer).unwrap();
                signed.auth.confirmation_tag = content.auth.confirmation_tag.clone();
                let ours = protect_public(suite, signed.clone(), &ctx, &membership_key).unwrap();
                let ours = public(&MlsMessage::PublicMessage(ours).to_bytes().unwrap()).unwrap();
                let back = unprotect_public(suite, &ours, &ctx, &membership_key, key_of).unwrap();
                assert_eq!(back, signed);
                assert!(
                    unprotect_public(suite, &ours, &ctx, b"wrong membership key", key_of).is_err()
                );
            }
            passed += 1;
        }
    }
    assert_eq!((passed, skipped), (12, 9));
    report("mls-message-protection", passed, skipped);
}
