//! `tree-validation.json` (family `mls-tree-validation`), RFC 9420 sections 4.1.1, 7.8,
//! 7.9.2 and 12.4.3.1.
//!
//! Format: `{ cipher_suite, tree, group_id, resolutions[][], tree_hashes[] }`, the tree as
//! `optional<Node> ratchet_tree<V>`, one resolution (node indices) and one tree hash per
//! node. The trees cover full trees, internal and trailing blanks, parent-hash links that
//! skip blanks, and unmerged leaves (the vector document's "Origins of Test Trees").
//! Checks: every node's resolution and tree hash; the parent hashes (PH-1) and every leaf
//! signature with `group_id`; the whole joiner's validation (TREE-4 to TREE-12). Negative
//! twins: a flipped byte in a parent node's `parent_hash` or `encryption_key` breaks PH-1,
//! a wrong group ID breaks a leaf signature, and a tree with a trailing blank or a node of
//! the wrong kind does not decode.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report, unhex};
use treekem_mls::primitives::rand::Rng;
use treekem_mls::{
    Error, codec::Codec, extension::RatchetTreeExtension, leaf_node::Node, suite::CipherSuite,
    tree::RatchetTree,
};

#[test]
fn kat_mls_tree_validation() {
    let (mut passed, mut skipped) = (0, 0);
    for (case, e) in common::entries("tree-validation.json").iter().enumerate() {
        let Some(suite) = common::suite(e) else {
            skipped += 1;
            continue;
        };
        let bytes = hex_field(e, "tree");
        let tree = RatchetTree::from_bytes(suite, &bytes).unwrap();
        assert_eq!(tree.to_bytes().unwrap(), bytes, "case {case}: re-encoding");
        let resolutions = e["resolutions"].as_array().unwrap();
        let hashes = e["tree_hashes"].as_array().unwrap();
        assert_eq!(resolutions.len(), tree.node_width() as usize, "case {case}");
        assert_eq!(hashes.len(), tree.node_width() as usize, "case {case}");
        for x in 0..tree.node_width() {
            let expected: Vec<u32> = resolutions[x as usize]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| u32::try_from(v.as_u64().unwrap()).unwrap())
                .collect();
            assert_eq!(tree.resolution(x), expected, "case {case}: resolution({x})");
            assert_eq!(
                tree.node_tree_hash(x).unwrap(),
                unhex(hashes[x as usize].as_str().unwrap()),
                "case {case}: tree hash of node {x}"
            );
        }
        let group_id = hex_field(e, "group_id");
        tree.verify_parent_hashes()
            .unwrap_or_else(|err| panic!("case {case}: {err}"));
        tree.verify_leaf_signatures(&group_id)
            .unwrap_or_else(|err| panic!("case {case}: {err}"));
        tree.validate(&group_id)
            .unwrap_or_else(|err| panic!("case {case}: {err}"));
        negative_twins(case, suite, &tree, &group_id);
        passed += 1;
    }
    assert_eq!((passed, skipped), (56, 42));
    report("mls-tree-validation", passed, skipped);
}

/// The tree with node `x` replaced by `f(node)`.
fn mutate(tree: &RatchetTree, x: u32, f: impl FnOnce(&mut Node)) -> RatchetTree {
    let mut nodes = tree.to_extension().nodes;
    f(nodes[x as usize].as_mut().unwrap());
    RatchetTree::from_nodes(tree.suite(), nodes).unwrap()
}

fn negative_twins(case: usize, suite: CipherSuite, tree: &RatchetTree, group_id: &[u8]) {
    // PH-1: every non-blank parent node, with one byte of its parent hash or its key
    // flipped, breaks the parent-hash chains.
    let parents: Vec<u32> = (1..tree.node_width())
        .step_by(2)
        .filter(|&x| tree.parent_node(x).is_some())
        .collect();
    for &x in &parents {
        for field in ["parent_hash", "encryption_key"] {
            let bad = mutate(tree, x, |n| {
                let Node::Parent(p) = n else {
                    panic!("not a parent node")
                };
                let bytes = if field == "parent_hash" {
                    &mut p.parent_hash
                } else {
                    &mut p.encryption_key.0
                };
                if let Some(b) = bytes.first_mut() {
                    *b ^= 1;
                } else {
                    bytes.push(0);
                }
            });
            assert!(
                matches!(
                    bad.verify_parent_hashes(),
                    Err(Error::Invalid {
                        rule: treekem_mls::Rule::Ph1,
                        ..
                    })
                ),
                "case {case}: node {x} {field} flipped"
            );
        }
    }
    // TREE-9: the signatures bind the group ID (every vector tree has update or commit
    // leaves after the first commit).
    if !parents.is_empty() {
        let mut other = group_id.to_vec();
        other.push(0);
        assert_eq!(
            tree.verify_leaf_signatures(&other),
            Err(Error::VerificationFailed),
            "case {case}"
        );
    }
    // TREE-1 and TREE-2: a trailing blank, a parent at the end, a node of the wrong kind.
    let nodes = tree.to_extension().nodes;
    let mut trailing = nodes.clone();
    trailing.push(None);
    assert!(matches!(
        RatchetTree::from_nodes(suite, trailing),
        Err(Error::Invalid {
            rule: treekem_mls::Rule::Tree1,
            ..
        })
    ));
    if let Some(&x) = parents.first() {
        let mut swapped = nodes.clone();
        swapped.swap(0, x as usize);
        assert!(matches!(
            RatchetTree::from_nodes(suite, swapped),
            Err(Error::Invalid {
                rule: treekem_mls::Rule::Tree2,
                ..
            })
        ));
        let mut ends_in_parent = nodes.clone();
        ends_in_parent.truncate(x as usize + 1);
        if ends_in_parent.len() < nodes.len() {
            assert!(matches!(
                RatchetTree::from_nodes(suite, ends_in_parent),
                Err(Error::Invalid {
                    rule: treekem_mls::Rule::Tree1,
                    ..
                })
            ));
        }
    }
    // The extension body decodes and re-encodes like the tree.
    let ext = RatchetTreeExtension::from_bytes(&tree.to_bytes().unwrap()).unwrap();
    assert_eq!(ext, tree.to_extension());
}

#[test]
fn unmerged_leaf_rules_tree_4_to_6() {
    let entries = common::entries("tree-validation.json");
    // The vector trees with unmerged leaves: break each rule on the first of them.
    let mut checked = 0;
    for e in &entries {
        let Some(suite) = common::suite(e) else {
            continue;
        };
        let tree = RatchetTree::from_bytes(suite, &hex_field(e, "tree")).unwrap();
        let Some(x) = (1..tree.node_width()).step_by(2).find(|&x| {
            tree.parent_node(x)
                .is_some_and(|p| !p.unmerged_leaves.is_empty())
        }) else {
            continue;
        };
        let p = tree.parent_node(x).unwrap().clone();
        // TREE-4: duplicated entry.
        let bad = mutate(&tree, x, |n| {
            let Node::Parent(p) = n else {
                panic!("not a parent node")
            };
            let first = p.unmerged_leaves[0];
            p.unmerged_leaves.insert(0, first);
        });
        assert!(matches!(
            bad.check_unmerged_leaves(),
            Err(Error::Invalid {
                rule: treekem_mls::Rule::Tree4,
                ..
            })
        ));
        // TREE-5: an entry outside the node's subtree (the last leaf of the tree, or beyond).
        let bad = mutate(&tree, x, |n| {
            let Node::Parent(p) = n else {
                panic!("not a parent node")
            };
            p.unmerged_leaves
                .push(treekem_mls::types::LeafIndex(tree.leaf_count()));
        });
        assert!(matches!(
            bad.check_unmerged_leaves(),
            Err(Error::Invalid {
                rule: treekem_mls::Rule::Tree5,
                ..
            })
        ));
        // TREE-6: the entry dropped from the lowest non-blank node that lists it below x,
        // if any; otherwise from x itself while an ancestor still lists it.
        let u = p.unmerged_leaves[0];
        let lister = (1..tree.node_width()).step_by(2).find(|&y| {
            y != x
                && tree
                    .parent_node(y)
                    .is_some_and(|q| q.unmerged_leaves.contains(&u))
        });
        if let Some(y) = lister {
            let (low, _high) = if treekem_mls::tree_math::is_in_subtree(x, y) {
                (y, x)
            } else {
                (x, y)
            };
            let bad = mutate(&tree, low, |n| {
                let Node::Parent(p) = n else {
                    panic!("not a parent node")
                };
                p.unmerged_leaves.retain(|&v| v != u);
            });
            assert!(matches!(
                bad.check_unmerged_leaves(),
                Err(Error::Invalid {
                    rule: treekem_mls::Rule::Tree6,
                    ..
                })
            ));
        }
        // The vector tree itself passes.
        tree.check_unmerged_leaves().unwrap();
        checked += 1;
    }
    assert!(checked > 0);
}

/// Flipped positions per tree: 5 600 flips over the 56 trees of suites 1, 2, 3 and 7 (400 per
/// tree over the 42 trees of suites 1-3, 16 800 flips, were all rejected too when this test was
/// written).
const SAMPLES: usize = 100;

/// Single-byte flips at sampled positions of every vector tree: each either fails to decode
/// or fails validation (a joiner would also catch it through the tree hash, but the
/// validation alone must), and nothing panics along the way.
#[test]
fn flipped_bytes_are_rejected_without_panic() {
    let mut rng = test_support::seeded_rng(0x7ee);
    let mut tried = 0;
    for e in common::entries("tree-validation.json") {
        let Some(suite) = common::suite(&e) else {
            continue;
        };
        let bytes = hex_field(&e, "tree");
        let group_id = hex_field(&e, "group_id");
        for _ in 0..SAMPLES {
            let at = usize::try_from(rand_u32(&mut rng)).unwrap() % bytes.len();
            let mut bad = bytes.clone();
            bad[at] ^= 1 << (rand_u32(&mut rng) % 8);
            tried += 1;
            let Ok(tree) = RatchetTree::from_bytes(suite, &bad) else {
                continue;
            };
            for x in 0..tree.node_width() {
                let _ = tree.resolution(x);
            }
            assert!(
                tree.validate(&group_id).is_err(),
                "byte {at} of a {}-byte tree",
                bytes.len()
            );
        }
    }
    assert_eq!(tried, 56 * SAMPLES);
}

fn rand_u32(rng: &mut impl Rng) -> u32 {
    rng.next_u32()
}
