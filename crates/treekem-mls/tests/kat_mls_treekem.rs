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

use std::collections::BTreeMap;

use test_support::{Json, hex_field, report, seeded_rng, unhex};
use treekem_mls::{
    Error,
    codec::Codec,
    commit::UpdatePath,
    credential::Credential,
    extension::Extensions,
    group_context::GroupContext,
    leaf_node::{LeafNode, LeafNodeSourceData, Lifetime},
    primitives::{
        HpkePrivateKey, SecretVec,
        rand::{CryptoRng, Rng},
    },
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
    assert_eq!((passed, skipped), (44, 33));
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
    let invalid = |id: &'static str| move |e: &Error| matches!(e, Error::Invalid { rule, .. } if rule.id() == id);

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
        |e| {
            matches!(
                e,
                Error::Invalid {
                    rule: treekem_mls::Rule::Ph2 | treekem_mls::Rule::Up4,
                    ..
                }
            )
        },
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

/// A uniform-enough index below `n` (test randomness only).
fn pick(rng: &mut impl Rng, n: usize) -> usize {
    usize::try_from(rng.next_u32()).unwrap() % n
}

/// A member of the simulated group: its private tree state and signature key.
struct SimMember {
    keys: TreePrivateKeys,
    signer: SignaturePrivateKey,
}

/// A fresh leaf modelled on `template` (credential, capabilities), with new keys, signed
/// for `source` (in the group's context for `update`).
fn fresh_leaf(
    suite: CipherSuite,
    template: &LeafNode,
    source: LeafNodeSourceData,
    group: Option<(&[u8], LeafIndex)>,
    rng: &mut impl CryptoRng,
) -> (LeafNode, HpkePrivateKey, SignaturePrivateKey) {
    let (sk, pk) = suite
        .derive_key_pair(SecretVec::random(suite.hpke().kem.private_key_len(), rng).expose_secret())
        .unwrap();
    let signer = suite.generate_signature_key(rng);
    let mut leaf = template.clone();
    leaf.encryption_key = pk.as_bytes().into();
    leaf.signature_key = signer.public_key().into();
    leaf.credential = Credential::Basic {
        identity: SecretVec::random(16, rng).expose_secret().to_vec(),
    };
    leaf.leaf_node_source = source;
    let tbs = leaf.tbs(group).unwrap();
    leaf.signature = suite
        .sign_with_label(&signer, b"LeafNodeTBS", &tbs)
        .unwrap();
    (leaf, sk, signer)
}

/// Checks after every epoch: the tree is valid for a joiner, its cached hashes equal the
/// ones computed from scratch, and every member's keys match the tree.
fn check_epoch(tree: &RatchetTree, group_id: &[u8], members: &BTreeMap<LeafIndex, SimMember>) {
    tree.validate(group_id).unwrap();
    let fresh = RatchetTree::from_bytes(tree.suite(), &tree.to_bytes().unwrap()).unwrap();
    for x in 0..tree.node_width() {
        assert_eq!(tree.node_tree_hash(x), fresh.node_tree_hash(x), "node {x}");
    }
    for (i, m) in members {
        assert_eq!(m.keys.own_leaf(), *i);
        assert!(m.keys.has_private_key(tree, 2 * i.0), "leaf {i:?}");
        for x in m.keys.nodes() {
            assert!(m.keys.has_private_key(tree, x), "leaf {i:?} node {x}");
        }
    }
}

/// Random group evolution from every vector tree: Commits with and without UpdatePaths
/// carrying Adds (joiners get the path secret of their common ancestor with the committer,
/// or none), Removes (blanks and truncation) and Updates, plus external joins; every member
/// must reach the committer's tree and commit secret, and the tree must stay valid
/// (unmerged leaves, parent-hash chains, signatures) with exact cached hashes.
#[test]
fn random_group_evolution_converges() {
    let mut rng = seeded_rng(0x7ee_4e3);
    let mut epochs = 0;
    // external joins, updates, removes, truncations, path-less adds, epochs with unmerged
    // leaves: each must happen for the test to mean anything.
    let mut seen = [0u32; 6];
    for e in common::entries("treekem.json") {
        let Some(suite) = common::suite(&e) else {
            continue;
        };
        let mut tree = RatchetTree::from_bytes(suite, &hex_field(&e, "ratchet_tree")).unwrap();
        let mut ctx = context(&e, suite);
        let mut members: BTreeMap<LeafIndex, SimMember> = members(&e, suite, &tree)
            .into_iter()
            .map(|(i, m)| {
                (
                    i,
                    SimMember {
                        keys: m.keys,
                        signer: m.signer,
                    },
                )
            })
            .collect();
        let template = tree.members().next().unwrap().1.clone();
        for _ in 0..6 {
            epochs += 1;
            ctx.epoch += 1;
            let ids: Vec<LeafIndex> = members.keys().copied().collect();
            let committer = ids[pick(&mut rng, ids.len())];
            if pick(&mut rng, 6) == 0 {
                // An external join: the joiner takes the leftmost blank leaf.
                let mut committed = tree.clone();
                let leaf_index = committed.reserve_external_leaf().unwrap();
                let (leaf, _, signer) = fresh_leaf(
                    suite,
                    &template,
                    LeafNodeSourceData::Update,
                    Some((&ctx.group_id, leaf_index)),
                    &mut rng,
                );
                let created = treekem::create_update_path(
                    &mut committed,
                    leaf_index,
                    &PathParams {
                        group_context: &ctx,
                        joiners: &[],
                        signer: &signer,
                        leaf_template: Some(leaf),
                    },
                    &mut rng,
                )
                .unwrap();
                for m in members.values_mut() {
                    let mut t = tree.clone();
                    assert_eq!(t.reserve_external_leaf().unwrap(), leaf_index);
                    let out = treekem::process_update_path(
                        &mut t,
                        &m.keys,
                        leaf_index,
                        &created.update_path,
                        &ctx,
                        &[],
                    )
                    .unwrap();
                    assert_eq!(
                        out.commit_secret.expose_secret(),
                        created.commit_secret.expose_secret()
                    );
                    assert_eq!(t.to_bytes().unwrap(), committed.to_bytes().unwrap());
                    m.keys = out.private_keys;
                }
                seen[0] += 1;
                members.insert(
                    leaf_index,
                    SimMember {
                        keys: created.private_keys,
                        signer,
                    },
                );
                tree = committed;
                check_epoch(&tree, &ctx.group_id, &members);
                continue;
            }
            // Proposals, applied in the order of section 12.3: updates, removes, adds.
            let others: Vec<LeafIndex> = ids.iter().copied().filter(|&i| i != committer).collect();
            let mut updated = None;
            let mut removed = None;
            if !others.is_empty() && pick(&mut rng, 4) == 0 {
                let who = others[pick(&mut rng, others.len())];
                let (leaf, sk, _) = fresh_leaf(
                    suite,
                    &template,
                    LeafNodeSourceData::Update,
                    Some((&ctx.group_id, who)),
                    &mut rng,
                );
                // The member keeps its signature key: only the leaf content changes.
                let mut leaf = leaf;
                let m = members.get_mut(&who).unwrap();
                leaf.signature_key = m.signer.public_key().into();
                leaf.credential = tree.leaf(who).unwrap().credential.clone();
                let tbs = leaf.tbs(Some((&ctx.group_id, who))).unwrap();
                leaf.signature = suite
                    .sign_with_label(&m.signer, b"LeafNodeTBS", &tbs)
                    .unwrap();
                tree.update_leaf(who, leaf).unwrap();
                m.keys = TreePrivateKeys::new(&tree, who, sk).unwrap();
                updated = Some(who);
                seen[1] += 1;
            }
            if others.len() > 1 && pick(&mut rng, 3) == 0 {
                let candidates: Vec<LeafIndex> = others
                    .iter()
                    .copied()
                    .filter(|&i| Some(i) != updated)
                    .collect();
                let who = candidates[pick(&mut rng, candidates.len())];
                let width = tree.leaf_count();
                tree.remove_leaf(who).unwrap();
                seen[2] += 1;
                seen[3] += u32::from(tree.leaf_count() < width);
                members.remove(&who);
                removed = Some(who);
            }
            let mut joiners = Vec::new();
            for _ in 0..pick(&mut rng, 3) {
                let (leaf, sk, signer) = fresh_leaf(
                    suite,
                    &template,
                    LeafNodeSourceData::KeyPackage {
                        lifetime: Lifetime {
                            not_before: 0,
                            not_after: u64::MAX,
                        },
                    },
                    None,
                    &mut rng,
                );
                let index = tree.add_leaf(leaf).unwrap();
                joiners.push((index, sk, signer));
            }
            let joiner_ids: Vec<LeafIndex> = joiners.iter().map(|(i, _, _)| *i).collect();
            let with_path = updated.is_some()
                || removed.is_some()
                || joiners.is_empty()
                || pick(&mut rng, 2) == 0;
            if with_path {
                let mut committed = tree.clone();
                let created = treekem::create_update_path(
                    &mut committed,
                    committer,
                    &PathParams {
                        group_context: &ctx,
                        joiners: &joiner_ids,
                        signer: &members[&committer].signer,
                        leaf_template: None,
                    },
                    &mut rng,
                )
                .unwrap();
                for (i, m) in &mut members {
                    if *i == committer {
                        continue;
                    }
                    let mut t = tree.clone();
                    let out = treekem::process_update_path(
                        &mut t,
                        &m.keys,
                        committer,
                        &created.update_path,
                        &ctx,
                        &joiner_ids,
                    )
                    .unwrap_or_else(|err| panic!("leaf {i:?}: {err}"));
                    assert_eq!(
                        out.commit_secret.expose_secret(),
                        created.commit_secret.expose_secret()
                    );
                    assert_eq!(
                        Some(out.path_secret.expose_secret()),
                        created.path_secret_for(*i).map(PathSecret::expose_secret)
                    );
                    assert_eq!(t.to_bytes().unwrap(), committed.to_bytes().unwrap());
                    m.keys = out.private_keys;
                }
                for (index, sk, signer) in joiners {
                    let secret = created.path_secret_for(index).unwrap().clone();
                    let keys =
                        TreePrivateKeys::join(&committed, index, sk, Some((committer, secret)))
                            .unwrap();
                    members.insert(index, SimMember { keys, signer });
                }
                members.get_mut(&committer).unwrap().keys = created.private_keys;
                tree = committed;
            } else {
                seen[4] += 1;
                for m in members.values_mut() {
                    m.keys.retain_consistent(&tree);
                }
                for (index, sk, signer) in joiners {
                    let keys = TreePrivateKeys::join(&tree, index, sk, None).unwrap();
                    members.insert(index, SimMember { keys, signer });
                }
            }
            check_epoch(&tree, &ctx.group_id, &members);
            seen[5] += u32::from((1..tree.node_width()).step_by(2).any(|x| {
                tree.parent_node(x)
                    .is_some_and(|p| !p.unmerged_leaves.is_empty())
            }));
        }
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
    // Six epochs from each of the 44 vector trees of suites 1, 2, 3 and 7.
    assert_eq!(epochs, 44 * 6);
}
