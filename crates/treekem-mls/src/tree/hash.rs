//! Tree hashes (RFC 9420 section 7.8) and parent hashes (section 7.9), as hash inputs.
//! Proven by `tree-validation.json` (family `mls-tree-validation`: every node's tree hash,
//! and parent hashes including original sibling tree hashes under unmerged leaves),
//! `tree-operations.json` (`mls-tree-operations`: root hashes before and after a proposal)
//! and `treekem.json` (`mls-treekem`: the tree hash after merging an UpdatePath, whose
//! parent hashes are recomputed and checked against the signed leaf).
//!
//! ```text
//! struct {
//!   NodeType node_type;
//!   select (TreeHashInput.node_type) {
//!     case leaf:   LeafNodeHashInput leaf_node;
//!     case parent: ParentNodeHashInput parent_node;
//!   };
//! } TreeHashInput;
//!
//! struct { uint32 leaf_index; optional<LeafNode> leaf_node; } LeafNodeHashInput;
//! struct { optional<ParentNode> parent_node; opaque left_hash<V>; opaque right_hash<V>; }
//!     ParentNodeHashInput;
//!
//! struct {
//!     HPKEPublicKey encryption_key;
//!     opaque parent_hash<V>;
//!     opaque original_sibling_tree_hash<V>;
//! } ParentHashInput;
//! ```
//!
//! `tree_hash(x) = Hash(TreeHashInput(x))`; `parent_hash(P with copath child S) =
//! Hash(ParentHashInput(P.encryption_key, P.parent_hash, original_sibling_tree_hash(S)))`,
//! where the original sibling tree hash is the tree hash of S after blanking every leaf in
//! `P.unmerged_leaves` and removing those leaves from the `unmerged_leaves` of every node
//! below S ([`RatchetTree::original_sibling_tree_hash`]).

use super::{RatchetTree, ix};
use crate::{
    Error, Result,
    codec::{Codec, Writer},
    leaf_node::{LeafNode, Node, ParentNode},
    suite::CipherSuite,
    tree_math::{self, NodeIndex},
    types::{LeafIndex, NodeType},
};

#[cfg(test)]
thread_local! {
    /// Tree hashes computed on this thread, for the tests that bound the cost of an
    /// operation.
    pub(super) static TREE_HASHES: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

/// Counts one tree-hash computation (tests only).
fn count() {
    #[cfg(test)]
    TREE_HASHES.with(|c| c.set(c.get() + 1));
}

/// Room for a parent's `TreeHashInput`: its ParentNode (two keys' worth, a few unmerged
/// leaves) and its children's hashes.
const PARENT_HASH_INPUT_CAPACITY: usize = 256;

/// `Hash(TreeHashInput)` of a leaf.
pub(super) fn leaf_tree_hash(
    suite: CipherSuite,
    leaf_index: u32,
    leaf: Option<&LeafNode>,
) -> Result<Vec<u8>> {
    count();
    let mut w = Writer::with_capacity(crate::leaf_node::ENCODING_CAPACITY);
    NodeType::Leaf.encode(&mut w);
    w.u32(leaf_index);
    w.optional(leaf);
    Ok(suite.hash(&w.finish()?))
}

/// `Hash(TreeHashInput)` of a parent.
pub(super) fn parent_tree_hash(
    suite: CipherSuite,
    parent: Option<&ParentNode>,
    left_hash: &[u8],
    right_hash: &[u8],
) -> Result<Vec<u8>> {
    count();
    let mut w = Writer::with_capacity(PARENT_HASH_INPUT_CAPACITY);
    NodeType::Parent.encode(&mut w);
    w.optional(parent);
    w.opaque(left_hash);
    w.opaque(right_hash);
    Ok(suite.hash(&w.finish()?))
}

/// `Hash(ParentHashInput)`.
pub(super) fn parent_hash(
    suite: CipherSuite,
    encryption_key: &[u8],
    parent_hash: &[u8],
    original_sibling_tree_hash: &[u8],
) -> Result<Vec<u8>> {
    let mut w = Writer::new();
    w.opaque(encryption_key);
    w.opaque(parent_hash);
    w.opaque(original_sibling_tree_hash);
    Ok(suite.hash(&w.finish()?))
}

impl RatchetTree {
    /// The original sibling tree hash of section 7.9: the tree hash of `sibling` with the
    /// leaves of `removed` (a parent's `unmerged_leaves`, sorted ascending) blanked and dropped from
    /// every `unmerged_leaves` list below `sibling`.
    ///
    /// Cached subtree hashes are reused wherever no removed leaf lies below, so this costs
    /// O(k log n) hashes for k removed leaves under `sibling`, and none when k = 0 (the
    /// common case, as section 7.9 notes).
    pub(super) fn original_sibling_tree_hash(
        &self,
        sibling: NodeIndex,
        removed: &[LeafIndex],
    ) -> Result<Vec<u8>> {
        // Whether a removed leaf lies under `x`: the leaves under a node at level k are the
        // 2^k consecutive indices from (x + 1 - 2^k) / 2, a range found by binary search.
        let below = |x: NodeIndex| {
            let half = (1u64 << tree_math::level(x)) - 1;
            let first = u64::from(x).saturating_sub(half) / 2;
            let last = (u64::from(x) + half) / 2;
            let at = removed.partition_point(|l| u64::from(l.0) < first);
            removed.get(at).is_some_and(|l| u64::from(l.0) <= last)
        };
        if !below(sibling) {
            return self
                .node_tree_hash(sibling)
                .map(<[u8]>::to_vec)
                .ok_or(Error::Internal("tree hash of a node outside the tree"));
        }
        if let Some(leaf) = tree_math::node_leaf(sibling) {
            // A removed leaf itself: blank.
            return leaf_tree_hash(self.suite, leaf, None);
        }
        let (Some(l), Some(r)) = (tree_math::left(sibling), tree_math::right(sibling)) else {
            return Err(Error::Internal("parent without children"));
        };
        let left = self.original_sibling_tree_hash(l, removed)?;
        let right = self.original_sibling_tree_hash(r, removed)?;
        let parent = self.parent_node(sibling).map(|p| ParentNode {
            encryption_key: p.encryption_key.clone(),
            parent_hash: p.parent_hash.clone(),
            unmerged_leaves: p
                .unmerged_leaves
                .iter()
                .filter(|u| removed.binary_search(u).is_err())
                .copied()
                .collect(),
        });
        parent_tree_hash(self.suite, parent.as_ref(), &left, &right)
    }

    /// The parent hash of the parent node `p` with copath child `sibling` (section 7.9), as
    /// stored in the tree now (its `unmerged_leaves` removed from the sibling's subtree).
    /// `None` if `p` is blank.
    pub(super) fn parent_hash_of(
        &self,
        p: NodeIndex,
        sibling: NodeIndex,
    ) -> Result<Option<Vec<u8>>> {
        let Some(parent) = self.parent_node(p) else {
            return Ok(None);
        };
        let mut removed = parent.unmerged_leaves.clone();
        removed.sort_unstable();
        let osth = self.original_sibling_tree_hash(sibling, &removed)?;
        parent_hash(
            self.suite,
            parent.encryption_key.as_slice(),
            &parent.parent_hash,
            &osth,
        )
        .map(Some)
    }

    /// The node's `parent_hash` field, if it has one: a parent node's, or a leaf's whose
    /// source is `commit`.
    pub(super) fn stored_parent_hash(&self, x: NodeIndex) -> Option<&[u8]> {
        match self.nodes.get(ix(x)).and_then(Option::as_ref) {
            Some(Node::Parent(p)) => Some(&p.parent_hash),
            Some(Node::Leaf(l)) => match &l.leaf_node_source {
                crate::leaf_node::LeafNodeSourceData::Commit { parent_hash } => Some(parent_hash),
                _ => None,
            },
            None => None,
        }
    }
}
