//! `tree-operations.json` (family `mls-tree-operations`), RFC 9420 sections 7.7, 7.8 and
//! 12.1.1-12.1.3.
//!
//! Format: `{ cipher_suite, tree_before, proposal, proposal_sender, tree_hash_before,
//! tree_after, tree_hash_after }`, trees as `optional<Node> ratchet_tree<V>`, the proposal
//! an Add, Update or Remove. Checks: the tree hash of `tree_before`; applying the proposal
//! (Add: leftmost blank leaf or extend, unmerged leaves; Update: replace the sender's leaf
//! and blank its path; Remove: blank leaf and path, truncate) re-encodes to exactly
//! `tree_after`, whose tree hash (computed incrementally, from the cache) matches and equals
//! that of `tree_after` decoded from scratch. Negative twins: a Remove of a blank leaf and
//! an Update from a blank leaf are rejected with the tree unchanged, and so is an Add whose
//! key is already in the tree; a transaction rolled back restores the tree byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report};
use treekem_mls::{Error, codec::Codec, proposal::Proposal, tree::RatchetTree, types::LeafIndex};

#[test]
fn kat_mls_tree_operations() {
    let (mut passed, mut skipped) = (0, 0);
    for (case, e) in common::entries("tree-operations.json").iter().enumerate() {
        let Some(suite) = common::suite(e) else {
            skipped += 1;
            continue;
        };
        let before = hex_field(e, "tree_before");
        let mut tree = RatchetTree::from_bytes(suite, &before).unwrap();
        assert_eq!(tree.to_bytes().unwrap(), before, "case {case}: re-encoding");
        assert_eq!(
            tree.tree_hash(),
            hex_field(e, "tree_hash_before"),
            "case {case}"
        );
        let proposal = Proposal::from_bytes(&hex_field(e, "proposal")).unwrap();
        let sender = LeafIndex(u32::try_from(common::num(e, "proposal_sender")).unwrap());
        match proposal {
            Proposal::Add(add) => {
                tree.add_leaf(add.key_package.leaf_node).unwrap();
            }
            Proposal::Update(update) => tree.update_leaf(sender, update.leaf_node).unwrap(),
            Proposal::Remove(remove) => tree.remove_leaf(remove.removed).unwrap(),
            other => panic!(
                "case {case}: unexpected proposal {:?}",
                other.proposal_type()
            ),
        }
        let after = hex_field(e, "tree_after");
        assert_eq!(tree.to_bytes().unwrap(), after, "case {case}: tree_after");
        assert_eq!(
            tree.tree_hash(),
            hex_field(e, "tree_hash_after"),
            "case {case}"
        );
        let fresh = RatchetTree::from_bytes(suite, &after).unwrap();
        for x in 0..fresh.node_width() {
            assert_eq!(
                tree.node_tree_hash(x),
                fresh.node_tree_hash(x),
                "case {case} node {x}"
            );
        }
        passed += 1;
    }
    assert_eq!((passed, skipped), (5, 0));
    report("mls-tree-operations", passed, skipped);
}

#[test]
fn prop_1_blank_targets_and_tree_7_duplicate_add_leave_the_tree_unchanged() {
    let entries = common::entries("tree-operations.json");
    let e = &entries[0];
    let suite = common::suite(e).unwrap();
    let mut tree = RatchetTree::from_bytes(suite, &hex_field(e, "tree_before")).unwrap();
    let bytes = tree.to_bytes().unwrap();
    let hash = tree.tree_hash().to_vec();
    let outside = LeafIndex(tree.leaf_count());
    assert!(matches!(
        tree.remove_leaf(outside),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Prop1,
            ..
        })
    ));
    let (first, leaf) = tree.members().next().map(|(i, l)| (i, l.clone())).unwrap();
    assert!(matches!(
        tree.update_leaf(outside, leaf.clone()),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Prop1,
            ..
        })
    ));
    // The same leaf again: its encryption key is already in the tree (TREE-7).
    assert!(matches!(
        tree.add_leaf(leaf.clone()),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Tree7,
            ..
        })
    ));
    // An Update keeping the encryption key is rejected too (section 7.3).
    assert!(matches!(
        tree.update_leaf(first, leaf),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Tree7,
            ..
        })
    ));
    assert_eq!(tree.to_bytes().unwrap(), bytes);
    assert_eq!(tree.tree_hash(), hash);
}

#[test]
fn dropped_transaction_restores_the_tree_after_removes_and_truncation() {
    for e in common::entries("tree-operations.json") {
        let suite = common::suite(&e).unwrap();
        let mut tree = RatchetTree::from_bytes(suite, &hex_field(&e, "tree_before")).unwrap();
        let bytes = tree.to_bytes().unwrap();
        let hashes: Vec<_> = (0..tree.node_width())
            .map(|x| tree.node_tree_hash(x).unwrap().to_vec())
            .collect();
        let members: Vec<LeafIndex> = tree.members().map(|(i, _)| i).collect();
        {
            let mut tx = tree.transaction();
            // Remove everyone but the first member, from the right: the tree shrinks to one
            // leaf, then grows back when a leaf is added again.
            for &m in members.iter().skip(1).rev() {
                tx.remove_leaf(m).unwrap();
            }
            assert_eq!(tx.leaf_count(), 1);
            let leaf = tree_leaf(&e, suite, members[1]);
            tx.add_leaf(leaf).unwrap();
            assert_eq!(tx.leaf_count(), 2);
        }
        assert_eq!(tree.to_bytes().unwrap(), bytes);
        for (x, h) in (0..).zip(&hashes) {
            assert_eq!(tree.node_tree_hash(x).unwrap(), h.as_slice(), "node {x}");
        }
        // The same changes committed give the tree that applying them one by one gives.
        let mut tx = tree.transaction();
        tx.remove_leaf(members[1]).unwrap();
        tx.commit();
        let mut direct = RatchetTree::from_bytes(suite, &bytes).unwrap();
        direct.remove_leaf(members[1]).unwrap();
        assert_eq!(tree.to_bytes().unwrap(), direct.to_bytes().unwrap());
        assert_eq!(tree.tree_hash(), direct.tree_hash());
    }
}

fn tree_leaf(
    e: &test_support::Json,
    suite: treekem_mls::suite::CipherSuite,
    leaf: LeafIndex,
) -> treekem_mls::leaf_node::LeafNode {
    RatchetTree::from_bytes(suite, &hex_field(e, "tree_before"))
        .unwrap()
        .leaf(leaf)
        .unwrap()
        .clone()
}
