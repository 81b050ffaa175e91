//! The ratchet tree (RFC 9420 section 4 "Ratchet Tree Concepts", section 7 "Ratchet Tree
//! Operations" 7.1-7.9, the tree changes of the Add, Update and Remove proposals in
//! sections 12.1.1-12.1.3, and the `ratchet_tree` extension of section 12.4.3.3). Proven by
//! `tree-operations.json` (family `mls-tree-operations`: add, update, remove and the tree
//! hash before and after), `tree-validation.json` (family `mls-tree-validation`:
//! resolutions, every node's tree hash, parent hashes and leaf signatures) and
//! `treekem.json` (family `mls-treekem`, through [`crate::treekem`]).
//!
//! ```text
//!               W = root             node indices (Appendix C)      7
//!               |                                             3           11
//!         .-----+-----.                                     1   5       9   13
//!        /             \                                   0 2 4 6     8 10 12 14
//!       _=U             Y
//!     .-+-.           .-+-.          resolution(x): x itself and its unmerged leaves if x is
//!    /     \         /     \         non-blank; [] for a blank leaf; resolution(left) ++
//!   T       _=V     X       _=Z      resolution(right) for a blank parent (section 4.1.1)
//!  / \     / \     / \     / \
//! A   B   _   _   E   F   G   _=H    filtered direct path of A: T, W (U is dropped because
//!                                    its copath child V has an empty resolution, 4.1.2)
//! ```
//!
//! # Representation and cost
//!
//! [`RatchetTree`] is the array of Appendix C: `Option<Node>` per node index, leaf `i` at
//! `2i`, always a power of two leaves wide. Beside each node it caches
//! - the node's **tree hash** (section 7.8). Every change marks the changed node and its
//!   direct path dirty, and every public operation ends by rehashing exactly the dirty
//!   nodes (bottom up; children that are clean are read from the cache). One changed path
//!   therefore costs O(log n) hashes, not O(n): adding, updating or removing a member and
//!   merging an UpdatePath all rehash one direct path. Growing the tree hashes the new
//!   blank right half once (its blank leaves hash differently by index), which the adds
//!   that fill it amortise to O(1) each.
//! - the number of non-blank nodes and of non-blank leaves in the node's subtree, so that
//!   "is this resolution empty" (filtered direct paths), "is the right subtree blank"
//!   (truncation) and "where is the leftmost blank leaf" (Add) are O(1) or O(log n), and a
//!   resolution costs O(|resolution| log n) however sparse the tree.
//!
//! and, for the whole tree, multisets of the encryption keys of all nodes and of the
//! signature keys of the leaves, so the uniqueness rules (TREE-7, TREE-8, UP-4) are
//! hash-map lookups instead of scans.
//!
//! # Nothing changes on error
//!
//! Every mutation goes through one private setter that records the node it replaces in a
//! journal while a [`TreeTransaction`] is open. Each public operation runs in its own
//! transaction, and callers who chain several operations (a Commit: proposals, then the
//! UpdatePath, then the key schedule and the confirmation tag) open one themselves with
//! [`RatchetTree::transaction`]: dropping it without [`TreeTransaction::commit`] restores
//! the tree exactly, in time proportional to what changed.
//!
//! # Rules enforced here
//!
//! | id | rule | section |
//! |---|---|---|
//! | TREE-1 | the last entry of `ratchet_tree` is non-blank, and is a leaf | 12.4.3.3 |
//! | TREE-2 | leaves sit at even, parent nodes at odd positions | 12.4.3.3, App. C |
//! | TREE-3 | at most [`MAX_LEAVES`] leaves | (resource bound) |
//! | TREE-4 | `unmerged_leaves` is strictly increasing | 7.1 |
//! | TREE-5 | an unmerged leaf is a non-blank leaf below the node | 12.4.3.1 |
//! | TREE-6 | every non-blank node between an unmerged leaf and the node lists it too | 12.4.3.1 |
//! | TREE-7 | encryption keys are unique among all nodes | 7.3, 12.4.3.1 |
//! | TREE-8 | signature keys are unique among the leaves | 7.3 |
//! | TREE-9 | every leaf's signature verifies (reported as [`Error::VerificationFailed`]) | 7.3 |
//! | TREE-10 | a leaf's credential type is listed in its capabilities | 7.2 |
//! | TREE-11 | a leaf's non-default extensions are listed in its capabilities | 7.2, 7.3 |
//! | TREE-12 | encryption keys are valid public keys of the suite's KEM | 5.1.1 |
//! | PH-1 | every non-blank parent node is parent-hash valid, linked from exactly one child chain | 7.9.2 |
//! | PROP-1 | an Update or Remove names a non-blank leaf | 12.1.2, 12.1.3 |
//!
//! [`RatchetTree::validate`] runs TREE-4 to TREE-12 and PH-1, the tree checks a joiner
//! makes (section 12.4.3.1); decoding runs TREE-1 to TREE-3. The checks of a LeafNode that
//! need the group's context (credential acceptance, required capabilities, lifetime) are
//! the group engine's.

#![warn(clippy::indexing_slicing)]

mod hash;
mod validate;

use std::collections::HashMap;

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
    extension::RatchetTreeExtension,
    leaf_node::{LeafNode, Node, ParentNode},
    suite::CipherSuite,
    tree_math::{self, NodeIndex},
    types::{HpkePublicKeyBytes, LeafIndex},
};

/// The largest number of leaves a [`RatchetTree`] accepts (TREE-3): 2^20, about a million
/// members. RFC 9420 allows up to 2^31 leaves (leaf indices are `uint32` and node indices
/// must fit too); the bound keeps a hostile `ratchet_tree` or a run of Adds from asking
/// for unbounded memory and hashing.
pub const MAX_LEAVES: u32 = 1 << 20;

/// Cached facts about a node's subtree.
#[derive(Debug, Clone, Default)]
struct Meta {
    /// The node's tree hash; `None` while dirty (only inside an operation).
    hash: Option<Vec<u8>>,
    /// Non-blank nodes in the subtree (the node included).
    nonblank: u32,
    /// Non-blank leaves in the subtree.
    leaves: u32,
}

/// One journal entry: how to undo one change.
#[derive(Debug, Clone)]
enum Undo {
    /// A node was replaced; this was its old value.
    Set {
        x: NodeIndex,
        old: Option<Box<Node>>,
    },
    /// The tree was doubled from `old_leaves` leaves.
    Grow { old_leaves: u32 },
    /// The tree was halved from `old_leaves` leaves; the dropped nodes were blank, and
    /// `meta` is their cached data.
    Shrink { old_leaves: u32, meta: Vec<Meta> },
}

/// The log of a committed transaction ([`TreeTransaction::commit_undoable`]), oldest change
/// first, for [`RatchetTree::revert`]. A P2P switch point keeps the log of the Commit that
/// left its epoch instead of a copy of the tree.
///
/// Encoded for persistence as
///
/// ```text
/// struct {
///     uint8 kind;                       // 0: node set, 1: tree grown, 2: tree halved
///     select (kind) {
///         case 0: uint32 node_index; optional<Node> old;
///         case 1, 2: uint32 old_leaves; // the blank half's cached hashes are recomputed
///     };
/// } entries<V>;
/// ```
#[derive(Debug, Clone, Default)]
pub struct TreeUndo(Vec<Undo>);

impl TreeUndo {
    /// Whether the log holds no change.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Codec for Undo {
    fn encode(&self, w: &mut Writer) {
        match self {
            Self::Set { x, old } => {
                w.u8(0);
                w.u32(*x);
                w.optional(old.as_deref());
            }
            Self::Grow { old_leaves } => {
                w.u8(1);
                w.u32(*old_leaves);
            }
            Self::Shrink { old_leaves, .. } => {
                w.u8(2);
                w.u32(*old_leaves);
            }
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match r.u8()? {
            0 => Self::Set {
                x: r.u32()?,
                old: r.optional::<Node>()?.map(Box::new),
            },
            1 => Self::Grow {
                old_leaves: r.u32()?,
            },
            2 => Self::Shrink {
                old_leaves: r.u32()?,
                meta: Vec::new(),
            },
            _ => return Err(Error::Decode("tree undo log: unknown entry kind")),
        })
    }
}

impl Codec for TreeUndo {
    fn encode(&self, w: &mut Writer) {
        w.vec(&self.0);
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self(r.vec()?))
    }
}

/// The public state of a group's ratchet tree; see the module documentation.
#[derive(Clone)]
pub struct RatchetTree {
    suite: CipherSuite,
    n_leaves: u32,
    nodes: Vec<Option<Node>>,
    meta: Vec<Meta>,
    encryption_keys: HashMap<Vec<u8>, u32>,
    /// Signature key -> the leaves that have it (one, in a valid tree).
    signature_keys: HashMap<Vec<u8>, Vec<LeafIndex>>,
    journal: Option<Vec<Undo>>,
}

impl core::fmt::Debug for RatchetTree {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RatchetTree")
            .field("suite", &self.suite)
            .field("leaves", &self.n_leaves)
            .field("members", &self.member_count())
            .finish_non_exhaustive()
    }
}

/// `usize` index of a node (node indices are `u32`; `usize` is at least 32 bits wide on
/// every target this crate builds for, and a failed conversion gives an index no vector
/// reaches).
fn ix(x: NodeIndex) -> usize {
    usize::try_from(x).unwrap_or(usize::MAX)
}

/// The number of leaves in the subtree of a node at `level`.
const fn subtree_leaves(level: u32) -> u32 {
    1 << level
}

/// The encryption key of a node.
const fn encryption_key(node: &Node) -> &HpkePublicKeyBytes {
    match node {
        Node::Leaf(l) => &l.encryption_key,
        Node::Parent(p) => &p.encryption_key,
    }
}

fn multiset_add(set: &mut HashMap<Vec<u8>, u32>, key: &[u8]) {
    let count = set.entry(key.to_vec()).or_insert(0);
    *count = count.saturating_add(1);
}

fn multiset_remove(set: &mut HashMap<Vec<u8>, u32>, key: &[u8]) {
    if let Some(count) = set.get_mut(key) {
        *count = count.saturating_sub(1);
        if *count == 0 {
            set.remove(key);
        }
    }
}

impl RatchetTree {
    /// A one-member tree: the creator's leaf at index 0 (section 11).
    ///
    /// # Errors
    /// [`Error::Misuse`] if the leaf cannot be encoded.
    pub fn new(suite: CipherSuite, leaf: LeafNode) -> Result<Self> {
        Self::from_nodes(suite, vec![Some(Node::Leaf(Box::new(leaf)))])
    }

    /// The tree described by a `ratchet_tree` extension (section 12.4.3.3), extended with
    /// blank nodes to the next full width. Checks TREE-1 to TREE-3 only; a joiner then runs
    /// [`Self::validate`] and compares [`Self::tree_hash`] with the GroupInfo's.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming TREE-1, TREE-2 or TREE-3.
    pub fn from_nodes(suite: CipherSuite, mut nodes: Vec<Option<Node>>) -> Result<Self> {
        match nodes.last() {
            // TREE-1: the sender MUST NOT include trailing blanks; the receiver checks it.
            None | Some(None) => {
                return Err(Error::invalid(
                    crate::Rule::Tree1,
                    "the ratchet_tree is empty or ends with a blank node",
                ));
            }
            // TREE-1: a parent as the last non-blank node means the right subtree under the
            // root is blank, a tree that truncation (section 12.1.3) never leaves behind.
            Some(Some(Node::Parent(_))) => {
                return Err(Error::invalid(
                    crate::Rule::Tree1,
                    "the last node of the ratchet_tree is a parent node",
                ));
            }
            Some(Some(Node::Leaf(_))) => {}
        }
        let len = u32::try_from(nodes.len())
            .ok()
            .filter(|&l| l <= tree_math::node_width(MAX_LEAVES))
            .ok_or(Error::invalid(
                crate::Rule::Tree3,
                "the ratchet_tree has too many nodes",
            ))?;
        let mut n_leaves = 1u32;
        while tree_math::node_width(n_leaves) < len {
            n_leaves =
                n_leaves
                    .checked_mul(2)
                    .filter(|&n| n <= MAX_LEAVES)
                    .ok_or(Error::invalid(
                        crate::Rule::Tree3,
                        "the ratchet_tree has too many nodes",
                    ))?;
        }
        for (x, node) in (0u32..).zip(&nodes) {
            match node {
                Some(Node::Leaf(_)) if !tree_math::is_leaf(x) => {
                    return Err(Error::invalid(
                        crate::Rule::Tree2,
                        "a leaf node at an odd position",
                    ));
                }
                Some(Node::Parent(_)) if tree_math::is_leaf(x) => {
                    return Err(Error::invalid(
                        crate::Rule::Tree2,
                        "a parent node at an even position",
                    ));
                }
                _ => {}
            }
        }
        let width = ix(tree_math::node_width(n_leaves));
        nodes.resize(width, None);
        let mut tree = Self {
            suite,
            n_leaves,
            meta: vec![Meta::default(); width],
            nodes,
            encryption_keys: HashMap::new(),
            signature_keys: HashMap::new(),
            journal: None,
        };
        for (x, node) in (0u32..).zip(&tree.nodes) {
            let Some(node) = node else { continue };
            multiset_add(&mut tree.encryption_keys, encryption_key(node).as_slice());
            if let Node::Leaf(leaf) = node {
                let at = LeafIndex(x / 2);
                tree.signature_keys
                    .entry(leaf.signature_key.0.clone())
                    .or_default()
                    .push(at);
            }
        }
        tree.count_subtree(tree_math::root(n_leaves));
        tree.refresh_hashes()?;
        Ok(tree)
    }

    /// Decodes `optional<Node> ratchet_tree<V>` (the `ratchet_tree` extension's body, and the
    /// tree format of the test vectors) and builds the tree as [`Self::from_nodes`].
    ///
    /// # Errors
    /// [`Error::Decode`] for malformed bytes; as [`Self::from_nodes`].
    pub fn from_bytes(suite: CipherSuite, bytes: &[u8]) -> Result<Self> {
        Self::from_nodes(suite, RatchetTreeExtension::from_bytes(bytes)?.nodes)
    }

    /// The `ratchet_tree` extension body: the nodes in array order, with the blank nodes
    /// after the last non-blank one left out (section 12.4.3.3).
    pub fn to_extension(&self) -> RatchetTreeExtension {
        let end = self
            .nodes
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        RatchetTreeExtension {
            nodes: self.nodes.iter().take(end).cloned().collect(),
        }
    }

    /// The encoding of [`Self::to_extension`].
    ///
    /// # Errors
    /// [`Error::Misuse`] if a vector is too long to encode.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.to_extension().to_bytes()
    }

    /// Fills in the node counters of the subtree under `x` (construction only).
    fn count_subtree(&mut self, x: NodeIndex) -> (u32, u32) {
        let own = self.node(x).is_some();
        let (mut nonblank, mut leaves) = (u32::from(own), 0);
        if tree_math::is_leaf(x) {
            leaves = u32::from(own);
        } else if let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
            let (ln, ll) = self.count_subtree(l);
            let (rn, rl) = self.count_subtree(r);
            nonblank = nonblank.saturating_add(ln).saturating_add(rn);
            leaves = ll.saturating_add(rl);
        }
        if let Some(m) = self.meta.get_mut(ix(x)) {
            m.nonblank = nonblank;
            m.leaves = leaves;
        }
        (nonblank, leaves)
    }

    // ----- reading -------------------------------------------------------------------

    /// The cipher suite the tree's hashes and keys belong to.
    pub const fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The number of leaves, blank ones included (a power of two).
    pub const fn leaf_count(&self) -> u32 {
        self.n_leaves
    }

    /// The number of nodes, `2 * leaf_count() - 1`.
    pub const fn node_width(&self) -> u32 {
        tree_math::node_width(self.n_leaves)
    }

    /// The root's node index.
    pub const fn root(&self) -> NodeIndex {
        tree_math::root(self.n_leaves)
    }

    /// The number of non-blank leaves (the group's members).
    pub fn member_count(&self) -> u32 {
        self.meta_of(self.root()).map_or(0, |m| m.leaves)
    }

    /// Node `x`, `None` if blank or outside the tree.
    pub fn node(&self, x: NodeIndex) -> Option<&Node> {
        self.nodes.get(ix(x)).and_then(Option::as_ref)
    }

    /// The leaf node of `leaf`, `None` if blank or outside the tree.
    pub fn leaf(&self, leaf: LeafIndex) -> Option<&LeafNode> {
        match self.node(tree_math::leaf_node(leaf.0)) {
            Some(Node::Leaf(l)) => Some(l),
            _ => None,
        }
    }

    /// The parent node at `x`, `None` if blank, a leaf or outside the tree.
    pub fn parent_node(&self, x: NodeIndex) -> Option<&ParentNode> {
        match self.node(x) {
            Some(Node::Parent(p)) => Some(p),
            _ => None,
        }
    }

    /// The non-blank leaves, in index order.
    pub fn members(&self) -> impl Iterator<Item = (LeafIndex, &LeafNode)> + '_ {
        (0u32..)
            .zip(self.nodes.iter().step_by(2))
            .filter_map(|(i, n)| match n {
                Some(Node::Leaf(l)) => Some((LeafIndex(i), l.as_ref())),
                _ => None,
            })
    }

    /// The nodes in array order (`None` for blank), the full width.
    pub fn nodes(&self) -> &[Option<Node>] {
        &self.nodes
    }

    /// Whether `leaf` is inside the tree (blank or not).
    pub const fn contains_leaf(&self, leaf: LeafIndex) -> bool {
        leaf.0 < self.n_leaves
    }

    /// Whether some node of the tree has this encryption key (TREE-7 / UP-4 lookups).
    pub fn contains_encryption_key(&self, key: &[u8]) -> bool {
        self.encryption_keys.contains_key(key)
    }

    /// The leaf whose signature key this is, if any (TREE-8 lookups, O(1)).
    pub fn find_signature_key(&self, key: &[u8]) -> Option<LeafIndex> {
        self.signature_keys
            .get(key)
            .and_then(|leaves| leaves.first())
            .copied()
    }

    fn meta_of(&self, x: NodeIndex) -> Option<&Meta> {
        self.meta.get(ix(x))
    }

    /// Whether the subtree under `x` has no non-blank node (its resolution is empty).
    fn subtree_blank(&self, x: NodeIndex) -> bool {
        self.meta_of(x).is_none_or(|m| m.nonblank == 0)
    }

    /// The tree hash of the root (section 7.8), the GroupContext's `tree_hash`.
    pub fn tree_hash(&self) -> &[u8] {
        self.node_tree_hash(self.root()).unwrap_or_default()
    }

    /// The tree hash of node `x`, `None` outside the tree.
    pub fn node_tree_hash(&self, x: NodeIndex) -> Option<&[u8]> {
        self.meta_of(x).and_then(|m| m.hash.as_deref())
    }

    /// The resolution of node `x` (section 4.1.1): node indices, unmerged leaves included
    /// (as the node index of the leaf), left to right. Empty outside the tree.
    pub fn resolution(&self, x: NodeIndex) -> Vec<NodeIndex> {
        self.resolution_excluding(x, &[])
    }

    /// The resolution of `x` without the leaves in `exclude` (the members added by the
    /// Commit being created or processed, section 12.4.2).
    pub fn resolution_excluding(&self, x: NodeIndex, exclude: &[LeafIndex]) -> Vec<NodeIndex> {
        let mut sorted = exclude.to_vec();
        sorted.sort_unstable();
        let mut out = Vec::new();
        self.resolve_into(x, &sorted, &mut out);
        out
    }

    /// Appends the resolution of `x` minus the leaves of `exclude` (sorted) to `out`.
    fn resolve_into(&self, x: NodeIndex, exclude: &[LeafIndex], out: &mut Vec<NodeIndex>) {
        let excluded = |leaf: u32| exclude.binary_search(&LeafIndex(leaf)).is_ok();
        match self.node(x) {
            Some(Node::Leaf(_)) => {
                if !tree_math::node_leaf(x).is_some_and(excluded) {
                    out.push(x);
                }
            }
            Some(Node::Parent(p)) => {
                out.push(x);
                out.extend(
                    p.unmerged_leaves
                        .iter()
                        .filter(|u| !excluded(u.0))
                        .map(|u| tree_math::leaf_node(u.0)),
                );
            }
            None => {
                if self.subtree_blank(x) {
                    return;
                }
                if let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
                    self.resolve_into(l, exclude, out);
                    self.resolve_into(r, exclude, out);
                }
            }
        }
    }

    /// The filtered direct path of `leaf` (section 4.1.2): its ancestors whose child on the
    /// copath of `leaf` has a non-empty resolution, bottom up. Empty outside the tree.
    pub fn filtered_direct_path(&self, leaf: LeafIndex) -> Vec<NodeIndex> {
        self.filtered_direct_path_with_copath(leaf)
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    /// The filtered direct path with, for each node, its child on the copath.
    pub(crate) fn filtered_direct_path_with_copath(
        &self,
        leaf: LeafIndex,
    ) -> Vec<(NodeIndex, NodeIndex)> {
        let mut out = Vec::new();
        if !self.contains_leaf(leaf) {
            return out;
        }
        let mut x = tree_math::leaf_node(leaf.0);
        while let (Some(p), Some(s)) = (
            tree_math::parent(x, self.n_leaves),
            tree_math::sibling(x, self.n_leaves),
        ) {
            if !self.subtree_blank(s) {
                out.push((p, s));
            }
            x = p;
        }
        out
    }

    // ----- the journal ---------------------------------------------------------------

    /// Opens a transaction: changes made through it are undone when it is dropped without
    /// [`TreeTransaction::commit`]. Transactions nest (an inner rollback undoes only the
    /// inner changes).
    pub fn transaction(&mut self) -> TreeTransaction<'_> {
        let outer = self.journal.is_none();
        let mark = self.journal.get_or_insert_with(Vec::new).len();
        TreeTransaction {
            tree: self,
            mark,
            outer,
            done: false,
        }
    }

    fn rollback_to(&mut self, mark: usize) {
        while let Some(undo) = self
            .journal
            .as_mut()
            .filter(|j| j.len() > mark)
            .and_then(Vec::pop)
        {
            // A journal entry undoes a change this tree made, so it always fits.
            let _ = self.undo_one(undo);
        }
        // The restored nodes hashed successfully before, so this cannot fail; if it did,
        // the dirty hashes would show as an empty tree hash rather than a wrong one.
        let _ = self.refresh_hashes();
    }

    /// Undoes `undo`, the log of a committed transaction ([`TreeTransaction::commit_undoable`]),
    /// newest change first, as one transaction of its own: an enclosing transaction can
    /// undo the revert in turn, and [`TreeTransaction::commit_undoable`] of an enclosing
    /// transaction returns the log that redoes what was reverted. Costs what the log
    /// changed, not the tree.
    ///
    /// # Errors
    /// [`Error::Internal`] if the log does not fit this tree (it was recorded on another
    /// tree, or decoded from a corrupted store); the tree is then unchanged.
    pub fn revert(&mut self, undo: &TreeUndo) -> Result<()> {
        let mut tx = self.transaction();
        for entry in undo.0.iter().rev() {
            let inverse = tx.undo_one(entry.clone())?;
            if let Some(journal) = tx.journal.as_mut() {
                journal.push(inverse);
            }
        }
        tx.refresh_hashes()?;
        tx.commit();
        Ok(())
    }

    /// Applies one journal entry, without journaling it, and returns the entry that
    /// undoes it in turn.
    fn undo_one(&mut self, undo: Undo) -> Result<Undo> {
        const MISFIT: Error = Error::Internal("ratchet tree: an undo log that does not fit");
        match undo {
            Undo::Set { x, old } => {
                let fits = x < self.node_width()
                    && match old.as_deref() {
                        Some(Node::Leaf(_)) => tree_math::is_leaf(x),
                        Some(Node::Parent(_)) => !tree_math::is_leaf(x),
                        None => true,
                    };
                if !fits {
                    return Err(MISFIT);
                }
                let now = self.replace_node(x, old.map(|b| *b));
                Ok(Undo::Set {
                    x,
                    old: now.map(Box::new),
                })
            }
            Undo::Grow { old_leaves } => {
                // Back to the half the tree grew from: the new root and right half are
                // blank again once every later change has been undone.
                let root = self.root();
                if old_leaves.checked_mul(2) != Some(self.n_leaves)
                    || self.node(root).is_some()
                    || !tree_math::right(root).is_some_and(|r| self.subtree_blank(r))
                {
                    return Err(MISFIT);
                }
                let current = self.n_leaves;
                let width = ix(tree_math::node_width(old_leaves));
                self.nodes.truncate(width);
                let meta = self.meta.split_off(width.min(self.meta.len()));
                self.n_leaves = old_leaves;
                Ok(Undo::Shrink {
                    old_leaves: current,
                    meta,
                })
            }
            Undo::Shrink { old_leaves, meta } => {
                if self.n_leaves.checked_mul(2) != Some(old_leaves) || old_leaves > MAX_LEAVES {
                    return Err(MISFIT);
                }
                let current = self.n_leaves;
                self.double(meta);
                Ok(Undo::Grow {
                    old_leaves: current,
                })
            }
        }
    }

    // ----- the one place nodes change ------------------------------------------------

    /// Replaces node `x`, journaling the old value.
    fn set_node(&mut self, x: NodeIndex, new: Option<Node>) -> Result<()> {
        if x >= self.node_width() {
            return Err(Error::Internal("ratchet tree: node index outside the tree"));
        }
        let old = self.replace_node(x, new);
        if let Some(journal) = self.journal.as_mut() {
            journal.push(Undo::Set {
                x,
                old: old.map(Box::new),
            });
        }
        Ok(())
    }

    /// Replaces node `x` (inside the tree) and keeps the caches consistent: key multisets,
    /// subtree counters and dirty hashes along the direct path.
    fn replace_node(&mut self, x: NodeIndex, new: Option<Node>) -> Option<Node> {
        let Some(slot) = self.nodes.get_mut(ix(x)) else {
            return new;
        };
        let old = core::mem::replace(slot, new);
        let now = slot.is_some();
        let at = LeafIndex(x / 2);
        if let Some(n) = &old {
            multiset_remove(&mut self.encryption_keys, encryption_key(n).as_slice());
            if let Node::Leaf(l) = n
                && let Some(leaves) = self.signature_keys.get_mut(l.signature_key.as_slice())
            {
                leaves.retain(|&i| i != at);
                if leaves.is_empty() {
                    self.signature_keys.remove(l.signature_key.as_slice());
                }
            }
        }
        if let Some(n) = self.nodes.get(ix(x)).and_then(Option::as_ref) {
            multiset_add(&mut self.encryption_keys, encryption_key(n).as_slice());
            if let Node::Leaf(l) = n {
                self.signature_keys
                    .entry(l.signature_key.0.clone())
                    .or_default()
                    .push(at);
            }
        }
        let was = old.is_some();
        let is_leaf = tree_math::is_leaf(x);
        let adjust = |v: &mut u32| {
            if now && !was {
                *v = v.saturating_add(1);
            } else if was && !now {
                *v = v.saturating_sub(1);
            }
        };
        let mut y = Some(x);
        while let Some(z) = y {
            if let Some(m) = self.meta.get_mut(ix(z)) {
                m.hash = None;
                adjust(&mut m.nonblank);
                if is_leaf {
                    adjust(&mut m.leaves);
                }
            }
            y = tree_math::parent(z, self.n_leaves);
        }
        old
    }

    /// Doubles the tree: a new blank root whose left subtree is the old tree and whose right
    /// subtree is blank (section 7.7).
    fn grow(&mut self) -> Result<()> {
        let old = self.n_leaves;
        if old.checked_mul(2).is_none_or(|n| n > MAX_LEAVES) {
            return Err(Error::invalid(
                crate::Rule::Tree3,
                "the tree would exceed its size bound",
            ));
        }
        self.double(Vec::new());
        if let Some(journal) = self.journal.as_mut() {
            journal.push(Undo::Grow { old_leaves: old });
        }
        Ok(())
    }

    /// Doubles the width (callers check [`MAX_LEAVES`]): a blank root over the current tree
    /// and a blank right half, whose cached data is `meta` when a halving is undone
    /// (missing entries, as in a decoded log, are a blank node's with its hash to compute).
    fn double(&mut self, mut meta: Vec<Meta>) {
        let counts = self.meta_of(self.root()).map(|m| (m.nonblank, m.leaves));
        let new = self.n_leaves.saturating_mul(2);
        let width = ix(tree_math::node_width(new));
        self.nodes.resize(width, None);
        meta.truncate(width.saturating_sub(self.meta.len()));
        self.meta.extend(meta);
        self.meta.resize(width, Meta::default());
        self.n_leaves = new;
        if let (Some(m), Some((nonblank, leaves))) =
            (self.meta.get_mut(ix(tree_math::root(new))), counts)
        {
            m.hash = None;
            m.nonblank = nonblank;
            m.leaves = leaves;
        }
    }

    /// Halves the tree while the root's right subtree is blank (section 7.7, 12.1.3),
    /// blanking the root first.
    fn truncate(&mut self) -> Result<()> {
        while self.n_leaves > 1 {
            let root = self.root();
            let Some(right) = tree_math::right(root) else {
                break;
            };
            if !self.subtree_blank(right) {
                break;
            }
            if self.node(root).is_some() {
                self.set_node(root, None)?;
            }
            let old = self.n_leaves;
            let new_width = ix(tree_math::node_width(old / 2));
            self.nodes.truncate(new_width);
            let meta = self.meta.split_off(new_width.min(self.meta.len()));
            self.n_leaves = old / 2;
            if let Some(journal) = self.journal.as_mut() {
                journal.push(Undo::Shrink {
                    old_leaves: old,
                    meta,
                });
            }
        }
        Ok(())
    }

    /// Rehashes the dirty nodes (section 7.8).
    fn refresh_hashes(&mut self) -> Result<()> {
        self.hash_node(self.root())
    }

    fn hash_node(&mut self, x: NodeIndex) -> Result<()> {
        match self.meta_of(x) {
            None => return Err(Error::Internal("ratchet tree: node index outside the tree")),
            Some(m) if m.hash.is_some() => return Ok(()),
            Some(_) => {}
        }
        let hash = if let Some(leaf) = tree_math::node_leaf(x) {
            let node = match self.node(x) {
                Some(Node::Leaf(l)) => Some(l.as_ref()),
                _ => None,
            };
            hash::leaf_tree_hash(self.suite, leaf, node)?
        } else {
            let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) else {
                return Err(Error::Internal("ratchet tree: parent without children"));
            };
            self.hash_node(l)?;
            self.hash_node(r)?;
            let (Some(lh), Some(rh)) = (self.node_tree_hash(l), self.node_tree_hash(r)) else {
                return Err(Error::Internal("ratchet tree: child hash missing"));
            };
            hash::parent_tree_hash(self.suite, self.parent_node(x), lh, rh)?
        };
        if let Some(m) = self.meta.get_mut(ix(x)) {
            m.hash = Some(hash);
        }
        Ok(())
    }

    // ----- operations ----------------------------------------------------------------

    /// TREE-7 and TREE-8 for a leaf about to be placed at `at`: its encryption key is in no
    /// node, and its signature key in no other leaf.
    fn check_new_leaf_keys(&self, leaf: &LeafNode, at: Option<LeafIndex>) -> Result<()> {
        if self.contains_encryption_key(leaf.encryption_key.as_slice()) {
            return Err(Error::invalid(
                crate::Rule::Tree7,
                "the leaf's encryption key is already in the tree",
            ));
        }
        self.check_signature_key(leaf, at)
    }

    /// TREE-8 for a leaf about to be placed at `at`: no other leaf has its signature key.
    fn check_signature_key(&self, leaf: &LeafNode, at: Option<LeafIndex>) -> Result<()> {
        if self
            .signature_keys
            .get(leaf.signature_key.as_slice())
            .is_some_and(|leaves| leaves.iter().any(|&i| Some(i) != at))
        {
            return Err(Error::invalid(
                crate::Rule::Tree8,
                "the leaf's signature key is used by another member",
            ));
        }
        Ok(())
    }

    /// The leftmost blank leaf, extending the tree if there is none.
    fn free_leaf(&mut self) -> Result<LeafIndex> {
        if self.member_count() >= self.n_leaves {
            self.grow()?;
        }
        let mut x = self.root();
        while let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
            let full = self
                .meta_of(l)
                .is_some_and(|m| m.leaves >= subtree_leaves(tree_math::level(l)));
            x = if full { r } else { l };
        }
        tree_math::node_leaf(x)
            .filter(|_| self.node(x).is_none())
            .map(LeafIndex)
            .ok_or(Error::Internal("ratchet tree: no blank leaf after growing"))
    }

    /// Adds a member (section 12.1.1): the leftmost blank leaf, or a new one after
    /// doubling the tree; the new leaf index is added, in order, to the `unmerged_leaves`
    /// of every non-blank node on its direct path. Returns the leaf index.
    ///
    /// # Errors
    /// [`Error::Invalid`] for TREE-7 / TREE-8 (a key already in the tree) or TREE-3 (the
    /// tree is at its size bound). The tree is unchanged on error.
    pub fn add_leaf(&mut self, leaf: LeafNode) -> Result<LeafIndex> {
        self.check_new_leaf_keys(&leaf, None)?;
        let mut tx = self.transaction();
        let index = tx.free_leaf()?;
        let leaf_x = tree_math::leaf_node(index.0);
        for p in tree_math::direct_path(leaf_x, tx.n_leaves) {
            let Some(mut parent) = tx.parent_node(p).cloned() else {
                continue;
            };
            if let Err(at) = parent.unmerged_leaves.binary_search(&index) {
                parent.unmerged_leaves.insert(at, index);
                tx.set_node(p, Some(Node::Parent(parent)))?;
            }
        }
        tx.set_node(leaf_x, Some(Node::Leaf(Box::new(leaf))))?;
        tx.refresh_hashes()?;
        tx.commit();
        Ok(index)
    }

    /// The leaf an external joiner's Commit takes (section 12.4.2): the leftmost blank leaf,
    /// after doubling the tree if there is none. The leaf stays blank until the joiner's
    /// UpdatePath is merged.
    ///
    /// # Errors
    /// [`Error::Invalid`] (TREE-3) if the tree is at its size bound.
    pub fn reserve_external_leaf(&mut self) -> Result<LeafIndex> {
        let mut tx = self.transaction();
        let leaf = tx.free_leaf()?;
        tx.refresh_hashes()?;
        tx.commit();
        Ok(leaf)
    }

    /// Applies an Update proposal from `sender` (section 12.1.2): replaces its leaf and
    /// blanks its direct path.
    ///
    /// # Errors
    /// [`Error::Invalid`] for PROP-1 (a blank sender leaf), TREE-7 (the new encryption key
    /// is already in the tree, which includes being the replaced one, section 7.3) or TREE-8
    /// (the signature key belongs to another member). The tree is unchanged on error.
    pub fn update_leaf(&mut self, sender: LeafIndex, leaf: LeafNode) -> Result<()> {
        if self.leaf(sender).is_none() {
            return Err(Error::invalid(
                crate::Rule::Prop1,
                "an Update proposal from a blank or missing leaf",
            ));
        }
        self.check_new_leaf_keys(&leaf, Some(sender))?;
        let mut tx = self.transaction();
        tx.blank_direct_path(sender)?;
        tx.set_node(
            tree_math::leaf_node(sender.0),
            Some(Node::Leaf(Box::new(leaf))),
        )?;
        tx.refresh_hashes()?;
        tx.commit();
        Ok(())
    }

    /// Applies a Remove proposal (section 12.1.3): blanks the leaf and its direct path, then
    /// truncates the tree while the root's right subtree is blank.
    ///
    /// # Errors
    /// [`Error::Invalid`] (PROP-1) if the leaf is blank or outside the tree. The tree is
    /// unchanged on error.
    pub fn remove_leaf(&mut self, removed: LeafIndex) -> Result<()> {
        if self.leaf(removed).is_none() {
            return Err(Error::invalid(
                crate::Rule::Prop1,
                "a Remove proposal names a blank or missing leaf",
            ));
        }
        let mut tx = self.transaction();
        tx.set_node(tree_math::leaf_node(removed.0), None)?;
        tx.blank_direct_path(removed)?;
        tx.truncate()?;
        tx.refresh_hashes()?;
        tx.commit();
        Ok(())
    }

    /// Blanks every node on the direct path of `leaf`.
    fn blank_direct_path(&mut self, leaf: LeafIndex) -> Result<()> {
        for p in tree_math::direct_path(tree_math::leaf_node(leaf.0), self.n_leaves) {
            if self.node(p).is_some() {
                self.set_node(p, None)?;
            }
        }
        Ok(())
    }

    /// Merges the parent nodes of an UpdatePath from `sender` (section 7.5 "merges
    /// UpdatePath into the tree", section 7.9): blanks the sender's direct path, sets each
    /// node of its filtered direct path to the given key with no unmerged leaves, and fills
    /// in their `parent_hash` fields top down. Returns the parent hash the sender's new leaf
    /// must carry. The leaf itself is set by [`Self::set_committed_leaf`].
    ///
    /// `keys` must have one entry per filtered-direct-path node (checked by the caller).
    pub(crate) fn merge_path_nodes(
        &mut self,
        sender: LeafIndex,
        fdp: &[(NodeIndex, NodeIndex)],
        keys: &[HpkePublicKeyBytes],
    ) -> Result<Vec<u8>> {
        if fdp.len() != keys.len() {
            return Err(Error::Internal("merge_path_nodes: key count"));
        }
        self.refresh_hashes()?;
        self.blank_direct_path(sender)?;
        let mut parent_hash = Vec::new();
        for ((p, sibling), key) in fdp.iter().zip(keys).rev() {
            let sibling_hash = self
                .node_tree_hash(*sibling)
                .ok_or(Error::Internal("merge_path_nodes: sibling hash"))?;
            let next = hash::parent_hash(self.suite, key.as_slice(), &parent_hash, sibling_hash)?;
            let node = ParentNode {
                encryption_key: key.clone(),
                parent_hash: core::mem::replace(&mut parent_hash, next),
                unmerged_leaves: Vec::new(),
            };
            self.set_node(*p, Some(Node::Parent(node)))?;
        }
        Ok(parent_hash)
    }

    /// Sets the committer's new leaf after [`Self::merge_path_nodes`] and rehashes.
    ///
    /// # Errors
    /// [`Error::Invalid`] (TREE-8) if another leaf has the leaf's signature key.
    pub(crate) fn set_committed_leaf(&mut self, sender: LeafIndex, leaf: LeafNode) -> Result<()> {
        self.check_signature_key(&leaf, Some(sender))?;
        self.set_node(
            tree_math::leaf_node(sender.0),
            Some(Node::Leaf(Box::new(leaf))),
        )?;
        self.refresh_hashes()
    }
}

/// An open transaction on a [`RatchetTree`]; see [`RatchetTree::transaction`]. Derefs to
/// the tree; dropping it without [`Self::commit`] undoes every change made through it.
#[derive(Debug)]
pub struct TreeTransaction<'a> {
    tree: &'a mut RatchetTree,
    mark: usize,
    outer: bool,
    done: bool,
}

impl TreeTransaction<'_> {
    /// Keeps the changes (an enclosing transaction can still undo them).
    pub fn commit(mut self) {
        self.done = true;
        if self.outer {
            self.tree.journal = None;
        }
    }

    /// Keeps the changes, like [`Self::commit`], and returns their log, which
    /// [`RatchetTree::revert`] undoes later: O(what changed) to keep, where a copy of the
    /// tree is O(n).
    pub fn commit_undoable(mut self) -> TreeUndo {
        self.done = true;
        let log = if self.outer {
            self.tree.journal.take().unwrap_or_default()
        } else {
            self.tree
                .journal
                .as_ref()
                .and_then(|j| j.get(self.mark..))
                .map(<[Undo]>::to_vec)
                .unwrap_or_default()
        };
        TreeUndo(log)
    }
}

impl core::ops::Deref for TreeTransaction<'_> {
    type Target = RatchetTree;
    fn deref(&self) -> &RatchetTree {
        self.tree
    }
}

impl core::ops::DerefMut for TreeTransaction<'_> {
    fn deref_mut(&mut self) -> &mut RatchetTree {
        self.tree
    }
}

impl Drop for TreeTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.tree.rollback_to(self.mark);
            if self.outer {
                self.tree.journal = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use crate::{
        credential::Credential,
        extension::Extensions,
        leaf_node::{Capabilities, LeafNodeSourceData, Lifetime},
        types::CredentialType,
    };

    const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

    /// A leaf with distinct keys (add, update and remove do not check signatures).
    fn leaf(i: u32) -> LeafNode {
        let key = |tag: u8| {
            let mut k = vec![tag; 32];
            k.get_mut(..4).unwrap().copy_from_slice(&i.to_be_bytes());
            k
        };
        LeafNode {
            encryption_key: key(1).into(),
            signature_key: key(2).into(),
            credential: Credential::Basic {
                identity: i.to_be_bytes().to_vec(),
            },
            capabilities: Capabilities {
                credentials: vec![CredentialType::BASIC],
                ..Capabilities::default()
            },
            leaf_node_source: LeafNodeSourceData::KeyPackage {
                lifetime: Lifetime::default(),
            },
            extensions: Extensions::empty(),
            signature: vec![0; 64],
        }
    }

    fn hashes_during(f: impl FnOnce()) -> u64 {
        let before = hash::TREE_HASHES.with(core::cell::Cell::get);
        f();
        hash::TREE_HASHES.with(core::cell::Cell::get) - before
    }

    /// Every node hash of `tree` equals the one computed from scratch.
    fn assert_cache_exact(tree: &RatchetTree) {
        let fresh = RatchetTree::from_bytes(tree.suite(), &tree.to_bytes().unwrap()).unwrap();
        assert_eq!(fresh.node_width(), tree.node_width());
        for x in 0..tree.node_width() {
            assert_eq!(tree.node_tree_hash(x), fresh.node_tree_hash(x), "node {x}");
        }
    }

    #[test]
    fn one_changed_path_costs_log_n_tree_hashes() {
        let mut tree = RatchetTree::new(SUITE, leaf(0)).unwrap();
        for i in 1..1024 {
            tree.add_leaf(leaf(i)).unwrap();
        }
        assert_eq!(tree.leaf_count(), 1024);
        // A direct path of a 1024-leaf tree has 10 nodes: 11 hashes with the leaf.
        let bound = 11;
        let n = hashes_during(|| tree.remove_leaf(LeafIndex(500)).unwrap());
        assert!(n <= bound, "remove: {n}");
        let n = hashes_during(|| assert_eq!(tree.add_leaf(leaf(5000)).unwrap(), LeafIndex(500)));
        assert!(n <= bound, "add: {n}");
        let n = hashes_during(|| tree.update_leaf(LeafIndex(7), leaf(5001)).unwrap());
        assert!(n <= bound, "update: {n}");
        tree.remove_leaf(LeafIndex(600)).unwrap();
        let fdp = tree.filtered_direct_path_with_copath(LeafIndex(9));
        let keys: Vec<HpkePublicKeyBytes> = (0..fdp.len())
            .map(|j| {
                vec![9; 31]
                    .into_iter()
                    .chain([u8::try_from(j).unwrap()])
                    .collect::<Vec<_>>()
                    .into()
            })
            .collect();
        let n = hashes_during(|| {
            let mut tx = tree.transaction();
            let ph = tx.merge_path_nodes(LeafIndex(9), &fdp, &keys).unwrap();
            let mut new_leaf = leaf(5002);
            new_leaf.leaf_node_source = LeafNodeSourceData::Commit { parent_hash: ph };
            tx.set_committed_leaf(LeafIndex(9), new_leaf).unwrap();
            tx.commit();
        });
        assert!(n <= bound, "merge: {n}");
        // The root, set by the merge, lists a leaf added below it as unmerged.
        let n = hashes_during(|| assert_eq!(tree.add_leaf(leaf(5003)).unwrap(), LeafIndex(600)));
        assert!(n <= bound, "add under a path: {n}");
        assert_eq!(
            tree.parent_node(tree.root()).unwrap().unmerged_leaves,
            vec![LeafIndex(600)]
        );
        // A rolled-back transaction costs the changed paths again, not the tree.
        let n = hashes_during(|| {
            let mut tx = tree.transaction();
            tx.remove_leaf(LeafIndex(3)).unwrap();
            tx.remove_leaf(LeafIndex(1000)).unwrap();
        });
        assert!(n <= 4 * bound, "rollback: {n}");
        assert_cache_exact(&tree);
        tree.check_unmerged_leaves().unwrap();
    }

    #[test]
    fn counters_and_hashes_survive_grow_shrink_and_rollback() {
        let mut tree = RatchetTree::new(SUITE, leaf(0)).unwrap();
        let mut next = 1;
        for round in 0..6u32 {
            for _ in 0..(3 + round) {
                tree.add_leaf(leaf(next)).unwrap();
                next += 1;
            }
            assert_cache_exact(&tree);
            let members: Vec<LeafIndex> = tree.members().map(|(i, _)| i).collect();
            let before = tree.to_bytes().unwrap();
            {
                let mut tx = tree.transaction();
                for &m in members.iter().skip(1).rev() {
                    tx.remove_leaf(m).unwrap();
                }
                assert_eq!(tx.leaf_count(), 1);
                assert_eq!(tx.member_count(), 1);
                tx.add_leaf(leaf(next)).unwrap();
                assert_eq!(tx.leaf_count(), 2);
            }
            assert_eq!(tree.to_bytes().unwrap(), before);
            assert_cache_exact(&tree);
            // Remove every other member for real: blanks inside, truncation at the end.
            for &m in members.iter().skip(1).step_by(2) {
                tree.remove_leaf(m).unwrap();
            }
            assert_cache_exact(&tree);
            assert_eq!(
                tree.member_count(),
                u32::try_from(tree.members().count()).unwrap()
            );
        }
    }

    /// What a tree shows: its nodes, width, hash and member count; the caches checked
    /// against a tree built from scratch.
    fn shown(tree: &RatchetTree) -> (Vec<u8>, u32, Vec<u8>, u32) {
        assert_cache_exact(tree);
        assert_eq!(
            tree.member_count(),
            u32::try_from(tree.members().count()).unwrap()
        );
        (
            tree.to_bytes().unwrap(),
            tree.leaf_count(),
            tree.tree_hash().to_vec(),
            tree.member_count(),
        )
    }

    #[test]
    fn undo_logs_revert_and_redo_exactly_through_grow_and_shrink() {
        let mut tree = RatchetTree::new(SUITE, leaf(0)).unwrap();
        for i in 1..5 {
            tree.add_leaf(leaf(i)).unwrap();
        }
        type Step = fn(&mut RatchetTree);
        let steps: [Step; 4] = [
            // Grows from 8 to 16 leaves.
            |t| {
                for i in 5..13 {
                    t.add_leaf(leaf(i)).unwrap();
                }
            },
            |t| {
                t.update_leaf(LeafIndex(2), leaf(100)).unwrap();
                t.remove_leaf(LeafIndex(3)).unwrap();
            },
            // Truncates from 16 to 4 leaves.
            |t| {
                for i in (4..13).rev() {
                    t.remove_leaf(LeafIndex(i)).unwrap();
                }
            },
            // Fills the blank leaf, then grows from 4 to 8.
            |t| {
                t.add_leaf(leaf(200)).unwrap();
                t.add_leaf(leaf(201)).unwrap();
            },
        ];
        let mut states = vec![shown(&tree)];
        let mut logs = Vec::new();
        for step in steps {
            let mut tx = tree.transaction();
            step(&mut tx);
            logs.push(tx.commit_undoable());
            states.push(shown(&tree));
        }
        assert_eq!(states[1].1, 16);
        assert_eq!(states[3].1, 4);
        assert_eq!(states[4].1, 8);
        // Two leaves changed: the log holds their direct paths, not the tree.
        assert!(logs[1].0.len() <= 2 * 5, "{}", logs[1].0.len());

        // Reverted newest first, inside one transaction whose log redoes them all.
        let mut tx = tree.transaction();
        for (log, state) in logs.iter().zip(&states).rev() {
            tx.revert(log).unwrap();
            assert_eq!(&shown(&tx), state);
        }
        let redo = tx.commit_undoable();
        tree.revert(&redo).unwrap();
        assert_eq!(&shown(&tree), states.last().unwrap());

        // The same with the logs encoded and decoded (a halving's cached hashes are not
        // persisted and are computed again).
        for (log, state) in logs.iter().zip(&states).rev() {
            let decoded = TreeUndo::from_bytes(&log.to_bytes().unwrap()).unwrap();
            tree.revert(&decoded).unwrap();
            assert_eq!(&shown(&tree), state);
        }
    }

    #[test]
    fn an_undo_log_that_does_not_fit_changes_nothing() {
        let mut tree = RatchetTree::new(SUITE, leaf(0)).unwrap();
        for i in 1..3 {
            tree.add_leaf(leaf(i)).unwrap();
        }
        let before = shown(&tree);
        let misfits = [
            // A node outside the tree, after a change that fits.
            TreeUndo(vec![
                Undo::Set {
                    x: 0,
                    old: Some(Box::new(Node::Leaf(Box::new(leaf(9))))),
                },
                Undo::Set { x: 99, old: None },
            ]),
            // A leaf at a parent position.
            TreeUndo(vec![Undo::Set {
                x: 1,
                old: Some(Box::new(Node::Leaf(Box::new(leaf(9))))),
            }]),
            // Undoing a growth the tree did not make (its right half is not blank).
            TreeUndo(vec![Undo::Grow { old_leaves: 2 }]),
            // Undoing a halving to a width that is not twice this one.
            TreeUndo(vec![Undo::Shrink {
                old_leaves: 16,
                meta: Vec::new(),
            }]),
        ];
        for log in &misfits {
            assert!(matches!(tree.revert(log), Err(Error::Internal(_))));
            assert_eq!(shown(&tree), before);
        }
        assert!(TreeUndo::from_bytes(&[1, 3, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn tree_7_and_tree_8_keys_are_unique_in_o_1() {
        let mut tree = RatchetTree::new(SUITE, leaf(0)).unwrap();
        tree.add_leaf(leaf(1)).unwrap();
        let mut dup_sig = leaf(2);
        dup_sig.signature_key = leaf(1).signature_key;
        assert!(matches!(
            tree.add_leaf(dup_sig.clone()),
            Err(Error::Invalid {
                rule: crate::Rule::Tree8,
                ..
            })
        ));
        // The member itself may keep its signature key in an Update, not another's.
        tree.update_leaf(LeafIndex(1), dup_sig.clone()).unwrap();
        assert_eq!(
            tree.find_signature_key(dup_sig.signature_key.as_slice()),
            Some(LeafIndex(1))
        );
        assert!(matches!(
            tree.update_leaf(LeafIndex(0), leaf(7).clone_with_signature_key(&dup_sig)),
            Err(Error::Invalid {
                rule: crate::Rule::Tree8,
                ..
            })
        ));
        let mut dup_enc = leaf(3);
        dup_enc.encryption_key = leaf(0).encryption_key;
        assert!(matches!(
            tree.add_leaf(dup_enc),
            Err(Error::Invalid {
                rule: crate::Rule::Tree7,
                ..
            })
        ));
        // A decoded tree with duplicates decodes, and validation names the rule.
        let mut nodes = tree.to_extension().nodes;
        let Some(Some(Node::Leaf(l1))) = nodes.get(2).cloned() else {
            panic!("leaf 1")
        };
        if let Some(Some(Node::Leaf(l0))) = nodes.get_mut(0) {
            l0.signature_key = l1.signature_key;
        }
        let bad = RatchetTree::from_nodes(SUITE, nodes).unwrap();
        assert!(matches!(
            bad.check_unique_keys(),
            Err(Error::Invalid {
                rule: crate::Rule::Tree8,
                ..
            })
        ));
        // Removing the member frees its keys.
        tree.remove_leaf(LeafIndex(1)).unwrap();
        assert_eq!(
            tree.find_signature_key(dup_sig.signature_key.as_slice()),
            None
        );
        assert!(!tree.contains_encryption_key(dup_sig.encryption_key.as_slice()));
    }

    trait WithSignatureKey {
        fn clone_with_signature_key(&self, other: &LeafNode) -> LeafNode;
    }

    impl WithSignatureKey for LeafNode {
        fn clone_with_signature_key(&self, other: &LeafNode) -> LeafNode {
            let mut l = self.clone();
            l.signature_key = other.signature_key.clone();
            l
        }
    }

    #[test]
    fn decoding_rejects_malformed_trees() {
        let l = |i| Some(Node::Leaf(Box::new(leaf(i))));
        let p = Some(Node::Parent(ParentNode::default()));
        assert!(RatchetTree::from_nodes(SUITE, vec![]).is_err());
        assert!(RatchetTree::from_nodes(SUITE, vec![l(0), None]).is_err());
        assert!(RatchetTree::from_nodes(SUITE, vec![l(0), p.clone()]).is_err());
        assert!(RatchetTree::from_nodes(SUITE, vec![l(0), l(1), l(2)]).is_err());
        assert!(RatchetTree::from_nodes(SUITE, vec![p.clone(), None, l(1)]).is_err());
        // Five nodes extend to seven (four leaves); trailing blanks are not re-encoded.
        let tree = RatchetTree::from_nodes(SUITE, vec![l(0), p, l(1), None, l(2)]).unwrap();
        assert_eq!(tree.leaf_count(), 4);
        assert_eq!(tree.to_extension().nodes.len(), 5);
        assert_eq!(tree.resolution(5), vec![4]);
        assert_eq!(tree.resolution(3), vec![1, 4]);
        assert_eq!(tree.filtered_direct_path(LeafIndex(2)), vec![3]);
    }
}
