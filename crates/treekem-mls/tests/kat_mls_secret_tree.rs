//! `secret-tree.json` (family `mls-secret-tree`), RFC 9420 sections 9, 9.1 and 6.3.2.
//!
//! Format: `{ cipher_suite, sender_data: { sender_data_secret, ciphertext, key, nonce },
//! encryption_secret, leaves: [[{ generation, handshake_key, handshake_nonce,
//! application_key, application_nonce }]] }` for trees of 1, 8 and 32 leaves. Checks: the
//! sender-data key and nonce; for every leaf, the keys at each listed generation, taken
//! through the receive path (so skipped generations are retained and used ones deleted);
//! a used generation is then refused. Each entry is one case.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report};
use treekem_mls::{
    primitives::SecretVec,
    secret_tree::{RatchetKind, SecretTree, SecretTreeLimits, sender_data_key_and_nonce},
};

#[test]
fn kat_mls_secret_tree() {
    let (mut passed, mut skipped) = (0, 0);
    for e in common::entries("secret-tree.json") {
        let Some(suite) = common::suite(&e) else {
            skipped += 1;
            continue;
        };
        let sd = &e["sender_data"];
        let keys = sender_data_key_and_nonce(
            suite,
            &hex_field(sd, "sender_data_secret"),
            &hex_field(sd, "ciphertext"),
        )
        .unwrap();
        assert_eq!(keys.key.expose_secret(), hex_field(sd, "key"));
        assert_eq!(keys.nonce.expose_secret(), hex_field(sd, "nonce"));

        let leaves = e["leaves"].as_array().unwrap();
        let n = u32::try_from(leaves.len()).unwrap();
        // Vectors of 1, 8 and 32 leaves: already powers of two.
        let limits = SecretTreeLimits {
            max_forward: 1 << 20,
            max_retained: 1 << 20,
        };
        let mut tree = SecretTree::new(
            suite,
            SecretVec::new(hex_field(&e, "encryption_secret")),
            n,
            limits,
        )
        .unwrap();
        for (leaf, gens) in (0u32..).zip(leaves) {
            for g in gens.as_array().unwrap() {
                let generation = u32::try_from(common::num(g, "generation")).unwrap();
                for (kind, key, nonce) in [
                    (RatchetKind::Handshake, "handshake_key", "handshake_nonce"),
                    (
                        RatchetKind::Application,
                        "application_key",
                        "application_nonce",
                    ),
                ] {
                    tree.with_receive_key(leaf, kind, generation, |k| {
                        assert_eq!(k.key.expose_secret(), hex_field(g, key));
                        assert_eq!(k.nonce.expose_secret(), hex_field(g, nonce));
                        Ok(())
                    })
                    .unwrap();
                    assert!(
                        tree.with_receive_key(leaf, kind, generation, |_| Ok(()))
                            .is_err()
                    );
                }
            }
        }
        passed += 1;
    }
    assert_eq!((passed, skipped), (12, 9));
    report("mls-secret-tree", passed, skipped);
}

#[test]
fn failed_open_leaves_the_ratchet_unchanged_and_limits_hold() {
    let suite = treekem_mls::suite::CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
    let limits = SecretTreeLimits {
        max_forward: 10,
        max_retained: 3,
    };
    let mut tree = SecretTree::new(suite, SecretVec::new(vec![7; 32]), 4, limits).unwrap();
    let kind = RatchetKind::Application;
    // A failing open at generation 5 commits nothing: generation 0 is still there.
    let err =
        tree.with_receive_key::<()>(1, kind, 5, |_| Err(treekem_mls::Error::DecryptionFailed));
    assert_eq!(err.unwrap_err(), treekem_mls::Error::DecryptionFailed);
    let mut first = Vec::new();
    tree.with_receive_key(1, kind, 0, |k| {
        first = k.key.expose_secret().to_vec();
        Ok(())
    })
    .unwrap();
    // Too far ahead.
    assert!(tree.with_receive_key(1, kind, 12, |_| Ok(())).is_err());
    // Jump to 6: 1..=5 skipped, only the newest 3 (3, 4, 5) retained.
    tree.with_receive_key(1, kind, 6, |_| Ok(())).unwrap();
    assert!(tree.with_receive_key(1, kind, 2, |_| Ok(())).is_err());
    tree.with_receive_key(1, kind, 3, |_| Ok(())).unwrap();
    // The sender side derives the same keys.
    let mut sender = SecretTree::new(suite, SecretVec::new(vec![7; 32]), 4, limits).unwrap();
    let (g, k) = sender.next_send_key(1, kind).unwrap();
    assert_eq!((g, k.key.expose_secret()), (0, first.as_slice()));
    // A leaf outside the tree.
    assert!(sender.next_send_key(4, kind).is_err());
}
