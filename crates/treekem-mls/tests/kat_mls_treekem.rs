//! `treekem.json` (family `mls-treekem`), RFC 9420 sections 7.4-7.6, 7.9 and 12.4.2.
//!
//! Format: `{ cipher_suite, group_id, epoch, confirmed_transcript_hash, ratchet_tree,
//! leaves_private: [{ index, encryption_priv, signature_priv, path_secrets: [{ node,
//! path_secret }] }], update_paths: [{ sender, update_path, path_secrets[], commit_secret,
//! tree_hash_after }] }`. The GroupContext used as HPKE context has the given suite, group
//! ID, epoch and confirmed transcript hash, empty extensions, and the tree hash of the tree
//! after the merge.
//!
//! Checks, per the vector document:
//! - each member's private state (leaf key plus the path secrets of its nodes) is consistent
//!   with the tree (TK-1);
//! - for every UpdatePath and every other non-blank member j: processing gives
//!   `path_secrets[j]` as the decrypted secret and `commit_secret`; the merged tree's hash
//!   is `tree_hash_after` (also when merged without decrypting);
//! - our own round trip: the sender creates a fresh UpdatePath on the vector tree with its
//!   signature key, and every other member processes it to the creator's commit secret and
//!   tree hash;
//! - negative twins: a flipped byte in an encrypted path secret (DecryptionFailed), in the
//!   leaf's parent hash (its signature fails; re-signed, PH-2 fails), in a path node's key
//!   (PH-2), a dropped node (UP-1), a dropped ciphertext (UP-5) are rejected, and in every
//!   case the tree is byte for byte and hash for hash what it was.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{Json, hex_field, report, seeded_rng, unhex};
use treekem_mls::{
    Error,
    codec::Codec,
    commit::UpdatePath,
    extension::Extensions,
    group_context::GroupContext,
    leaf_node::LeafNodeSourceData,
    primitives::SecretVec,
    suite::{CipherSuite, SignaturePrivateKey},
    tree::RatchetTree,
    treekem::{self, PathParams, PathSecret, TreePrivateKeys},
    types::{CipherSuiteId, LeafIndex, ProtocolVersion},
};

struct Member {
    keys: TreePrivateKeys,
    signer: SignaturePrivateKey,
}

fn u32_of(v: &Json) -> u32 {
    u32::try_from(v.as_u64().unwrap()).unwrap()
}

fn context(e: &Json, suite: CipherSuite) -> GroupContext {
    GroupContext {
        version: ProtocolVersion::MLS10,
        cipher_suite: CipherSuiteId(suite.id()),
        group_id: hex_field(e, "group_id"),
        epoch: common::num(e, "epoch"),
        tree_hash: Vec::new(),
        confirmed_transcript_hash: hex_field(e, "confirmed_transcript_hash"),
        extensions: Extensions::empty(),
    }
}

fn members(e: &Json, suite: CipherSuite, tree: &RatchetTree) -> Vec<(LeafIndex, Member)> {
    e["leaves_private"]
        .as_array()
        .unwrap()
        .iter()
        .map(|lp| {
            let index = LeafIndex(u32_of(&lp["index"]));
            let (sk, _) = suite
                .hpke_private_key(&hex_field(lp, "encryption_priv"))
                .unwrap();
            let mut keys = TreePrivateKeys::new(tree, index, sk).unwrap();
            for ps in lp["path_secrets"].as_array().unwrap() {
                let secret = PathSecret::from_secret(SecretVec::new(hex_field(ps, "path_secret")));
                keys.set_path_secret(tree, u32_of(&ps["node"]), &secret)
                    .unwrap_or_else(|err| panic!("leaf {index:?}: {err}"));
            }
            let signer = suite
                .signature_key_from_bytes(&hex_field(lp, "signature_priv"))
                .unwrap();
            (index, Member { keys, signer })
        })
        .collect()
}

/// Encoding and every node hash, to compare trees exactly.
fn snapshot(tree: &RatchetTree) -> (Vec<u8>, Vec<Vec<u8>>) {
    (
        tree.to_bytes().unwrap(),
        (0..tree.node_width())
            .map(|x| tree.node_tree_hash(x).unwrap().to_vec())
            .collect(),
    )
}

#[test]
fn kat_mls_treekem() {
    let (mut passed, mut skipped) = (0, 0);
    let mut rng = seeded_rng(7_9420);
    for (case, e) in common::entries("treekem.json").iter().enumerate() {
        let Some(suite) = common::suite(e) else {
            skipped += 1;
            continue;
        };
        let mut tree = RatchetTree::from_bytes(suite, &hex_field(e, "ratchet_tree")).unwrap();
        let original = snapshot(&tree);
        let members = members(e, suite, &tree);
        let ctx = context(e, suite);

        for (u, up) in e["update_paths"].as_array().unwrap().iter().enumerate() {
            let sender = LeafIndex(u32_of(&up["sender"]));
            let path = UpdatePath::from_bytes(&hex_field(up, "update_path")).unwrap();
            let commit_secret = hex_field(up, "commit_secret");
            let tree_hash_after = hex_field(up, "tree_hash_after");
            let expected_secrets = up["path_secrets"].as_array().unwrap();
            let mut processed = 0;
            for (j, member) in &members {
                if *j == sender {
                    continue;
                }
                let mut tx = tree.transaction();
                let out =
                    treekem::process_update_path(&mut tx, &member.keys, sender, &path, &ctx, &[])
                        .unwrap_or_else(|err| panic!("case {case} path {u} leaf {j:?}: {err}"));
                assert_eq!(
                    out.path_secret.expose_secret(),
                    unhex(expected_secrets[j.0 as usize].as_str().unwrap()),
                    "case {case} path {u} leaf {j:?}: path secret"
                );
                assert_eq!(
                    out.commit_secret.expose_secret(),
                    commit_secret,
                    "case {case} path {u}"
                );
                assert_eq!(tx.tree_hash(), tree_hash_after, "case {case} path {u}");
                // The new private state is consistent with the merged tree.
                for x in out.private_keys.nodes() {
                    assert!(out.private_keys.has_private_key(&tx, x));
                }
                drop(tx);
                assert_eq!(snapshot(&tree), original, "case {case}: rollback");
                processed += 1;
            }
            assert!(processed > 0, "case {case} path {u}: no recipient");

            // Merging alone gives the same tree.
            let mut merged = tree.clone();
            treekem::merge_update_path(&mut merged, sender, &path, &ctx.group_id, &[]).unwrap();
            assert_eq!(merged.tree_hash(), tree_hash_after, "case {case} path {u}");
            merged.validate(&ctx.group_id).unwrap();

            negative_twins(case, &tree, &members, sender, &path, &ctx);
            assert_eq!(
                snapshot(&tree),
                original,
                "case {case}: after negative twins"
            );

            // Our own UpdatePath from the same sender, processed by every other member.
            let creator = &members.iter().find(|(i, _)| *i == sender).unwrap().1;
            let mut created_tree = tree.clone();
            let created = treekem::create_update_path(
                &mut created_tree,
                sender,
                &PathParams {
                    group_context: &ctx,
                    joiners: &[],
                    signer: &creator.signer,
                    leaf_template: None,
                },
                &mut rng,
            )
            .unwrap();
            created_tree.validate(&ctx.group_id).unwrap();
            for x in created.private_keys.nodes() {
                assert!(created.private_keys.has_private_key(&created_tree, x));
            }
            for (j, member) in &members {
                if *j == sender {
                    continue;
                }
                let mut t = tree.clone();
                let out = treekem::process_update_path(
                    &mut t,
                    &member.keys,
                    sender,
                    &created.update_path,
                    &ctx,
                    &[],
                )
                .unwrap_or_else(|err| panic!("case {case} own path leaf {j:?}: {err}"));
                assert_eq!(
                    out.commit_secret.expose_secret(),
                    created.commit_secret.expose_secret()
                );
                assert_eq!(
                    Some(out.path_secret.expose_secret()),
                    created.path_secret_for(*j).map(PathSecret::expose_secret)
                );
                assert_eq!(t.tree_hash(), created_tree.tree_hash());
                assert_eq!(t.to_bytes().unwrap(), created_tree.to_bytes().unwrap());
            }
        }
        passed += 1;
    }
    assert_eq!((passed, skipped), (33, 44));
    report("mls-treekem", passed, skipped);
}

fn expect_rejected(
    what: &str,
    tree: &RatchetTree,
    member: &Member,
    sender: LeafIndex,
    path: &UpdatePath,
    ctx: &GroupContext,
    check: impl Fn(&Error) -> bool,
) {
    let mut t = tree.clone();
    let before = snapshot(&t);
    let err = treekem::process_update_path(&mut t, &member.keys, sender, path, ctx, &[])
        .err()
        .unwrap_or_else(|| panic!("{what}: accepted"));
    assert!(check(&err), "{what}: {err:?}");
    assert_eq!(snapshot(&t), before, "{what}: tree changed");
}

fn negative_twins(
    case: usize,
    tree: &RatchetTree,
    members: &[(LeafIndex, Member)],
    sender: LeafIndex,
    path: &UpdatePath,
    ctx: &GroupContext,
) {
    let suite = tree.suite();
    let signer = &members.iter().find(|(i, _)| *i == sender).unwrap().1.signer;
    let Some((_, receiver)) = members.iter().find(|(i, _)| *i != sender) else {
        return;
    };
    let invalid =
        |id: &'static str| move |e: &Error| matches!(e, Error::Invalid(m) if m.starts_with(id));

    // A flipped byte in every ciphertext: whoever decrypts it fails, nothing changes.
    let mut bad = path.clone();
    for node in &mut bad.nodes {
        for ct in &mut node.encrypted_path_secret {
            ct.ciphertext[0] ^= 1;
        }
    }
    expect_rejected(
        &format!("case {case}: flipped ciphertext"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        |e| *e == Error::DecryptionFailed,
    );

    // A flipped byte in the leaf's parent hash: the signature covers it.
    let mut bad = path.clone();
    let LeafNodeSourceData::Commit { parent_hash } = &mut bad.leaf_node.leaf_node_source else {
        panic!("case {case}: UpdatePath leaf is not from a commit");
    };
    parent_hash[0] ^= 1;
    expect_rejected(
        &format!("case {case}: flipped parent hash"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        |e| *e == Error::VerificationFailed,
    );
    // Re-signed by the sender, the parent hash itself is wrong (PH-2).
    let tbs = bad.leaf_node.tbs(Some((&ctx.group_id, sender))).unwrap();
    bad.leaf_node.signature = suite.sign_with_label(signer, b"LeafNodeTBS", &tbs).unwrap();
    expect_rejected(
        &format!("case {case}: re-signed flipped parent hash"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        invalid("PH-2"),
    );

    if path.nodes.is_empty() {
        return;
    }
    // A flipped byte in the top node's public key: the parent hash chain breaks (PH-2).
    let mut bad = path.clone();
    bad.nodes.last_mut().unwrap().encryption_key.0[0] ^= 1;
    expect_rejected(
        &format!("case {case}: flipped node key"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        |e| matches!(e, Error::Invalid(m) if m.starts_with("PH-2") || m.starts_with("UP-4")),
    );
    // A node too few (UP-1), a ciphertext too few (UP-5).
    let mut bad = path.clone();
    bad.nodes.pop();
    expect_rejected(
        &format!("case {case}: short path"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        invalid("UP-1"),
    );
    let mut bad = path.clone();
    bad.nodes[0].encrypted_path_secret.pop();
    expect_rejected(
        &format!("case {case}: missing ciphertext"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        invalid("UP-5"),
    );
    // The sender's current key reused as a node key (UP-4).
    let mut bad = path.clone();
    bad.nodes[0].encryption_key = tree.leaf(sender).unwrap().encryption_key.clone();
    expect_rejected(
        &format!("case {case}: reused key"),
        tree,
        receiver,
        sender,
        &bad,
        ctx,
        invalid("UP-4"),
    );
}
