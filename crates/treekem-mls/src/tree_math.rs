//! Array-based tree math (RFC 9420 section 4.1 and Appendix C). Proven by `tree-math.json`
//! (family `mls-tree-math`).
//!
//! A tree of `n` leaves (`n` a power of two, as the ratchet tree always is) has `2n - 1`
//! nodes in an array: leaf `i` is node `2i`, the level of a node is the number of trailing
//! one bits of its index, and the root is node `n - 1`. Every function here is O(1) or
//! O(log n), with no allocation except the paths.
//!
//! Node indices are `u32`: a tree holds at most 2^31 leaves. Functions taking a node index
//! outside the tree return `None` rather than panic.

/// The index of a node in the array representation.
pub type NodeIndex = u32;

/// The largest number of leaves a tree may have (2^31).
pub const MAX_LEAVES: u32 = 1 << 31;

/// The level of node `x`: 0 for leaves, the number of trailing one bits otherwise.
pub const fn level(x: NodeIndex) -> u32 {
    x.trailing_ones()
}

/// The number of nodes of a tree of `n_leaves` leaves: `2n - 1`, or 0 for an empty tree.
pub const fn node_width(n_leaves: u32) -> u32 {
    if n_leaves == 0 {
        0
    } else {
        2 * (n_leaves - 1) + 1
    }
}

/// The root of a tree of `n_leaves` leaves (a power of two, at most [`MAX_LEAVES`]).
pub const fn root(n_leaves: u32) -> NodeIndex {
    n_leaves.saturating_sub(1)
}

/// The node of leaf `leaf`.
pub const fn leaf_node(leaf: u32) -> NodeIndex {
    leaf << 1
}

/// The leaf index of node `x`, if it is a leaf.
pub const fn node_leaf(x: NodeIndex) -> Option<u32> {
    if x & 1 == 0 { Some(x >> 1) } else { None }
}

/// Whether `x` is a leaf node.
pub const fn is_leaf(x: NodeIndex) -> bool {
    x & 1 == 0
}

/// The left child of an intermediate node, `None` for a leaf.
pub const fn left(x: NodeIndex) -> Option<NodeIndex> {
    let k = level(x);
    if k == 0 {
        None
    } else {
        Some(x ^ (1 << (k - 1)))
    }
}

/// The right child of an intermediate node, `None` for a leaf.
pub const fn right(x: NodeIndex) -> Option<NodeIndex> {
    let k = level(x);
    if k == 0 {
        None
    } else {
        Some(x ^ (3 << (k - 1)))
    }
}

/// The parent of `x` in a tree of `n_leaves` leaves; `None` for the root and for nodes
/// outside the tree.
pub const fn parent(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    if x >= node_width(n_leaves) || x == root(n_leaves) {
        return None;
    }
    let k = level(x);
    // k < 31 for every non-root node of a tree of at most 2^31 leaves.
    let b = (x >> (k + 1)) & 1;
    Some((x | (1 << k)) ^ (b << (k + 1)))
}

/// The other child of `x`'s parent; `None` for the root and for nodes outside the tree.
pub const fn sibling(x: NodeIndex, n_leaves: u32) -> Option<NodeIndex> {
    match parent(x, n_leaves) {
        None => None,
        Some(p) => {
            if x < p {
                right(p)
            } else {
                left(p)
            }
        }
    }
}

/// The direct path of `x`: its ancestors from its parent up to the root (section 4.1).
pub fn direct_path(x: NodeIndex, n_leaves: u32) -> Vec<NodeIndex> {
    let mut path = Vec::with_capacity(32);
    let mut node = x;
    while let Some(p) = parent(node, n_leaves) {
        path.push(p);
        node = p;
    }
    path
}

/// The copath of `x`: the siblings of `x` and of each node of its direct path but the root.
pub fn copath(x: NodeIndex, n_leaves: u32) -> Vec<NodeIndex> {
    let mut path = Vec::with_capacity(32);
    let mut node = x;
    while let (Some(s), Some(p)) = (sibling(node, n_leaves), parent(node, n_leaves)) {
        path.push(s);
        node = p;
    }
    path
}

/// Whether `descendant` is in the subtree rooted at `ancestor` (a node is its own
/// descendant).
pub const fn is_in_subtree(ancestor: NodeIndex, descendant: NodeIndex) -> bool {
    let k = level(ancestor);
    // The subtree of a node at level k spans [x - (2^k - 1), x + (2^k - 1)].
    let span = (1u64 << k) - 1;
    let a = ancestor as u64;
    let d = descendant as u64;
    d + span >= a && d <= a + span
}

/// The lowest common ancestor of two nodes (section 4.1, Appendix C).
pub const fn common_ancestor(x: NodeIndex, y: NodeIndex) -> NodeIndex {
    let lx = level(x) + 1;
    let ly = level(y) + 1;
    if lx <= ly && (x >> ly) == (y >> ly) {
        return y;
    }
    if ly <= lx && (x >> lx) == (y >> lx) {
        return x;
    }
    let mut xn = x;
    let mut yn = y;
    let mut k = 0;
    while xn != yn {
        xn >>= 1;
        yn >>= 1;
        k += 1;
    }
    (xn << k) + (1 << (k - 1)) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_tree_relations() {
        // Figure in section 4.1: 8 leaves, root 7.
        assert_eq!(root(8), 7);
        assert_eq!(node_width(8), 15);
        assert_eq!(direct_path(0, 8), vec![1, 3, 7]);
        assert_eq!(copath(0, 8), vec![2, 5, 11]);
        assert_eq!(parent(7, 8), None);
        assert_eq!(parent(15, 8), None);
        assert_eq!(sibling(11, 8), Some(3));
        assert!(is_in_subtree(3, 6));
        assert!(!is_in_subtree(3, 8));
        assert_eq!(common_ancestor(0, 6), 3);
        assert_eq!(common_ancestor(2, 8), 7);
        assert_eq!(common_ancestor(5, 5), 5);
        assert_eq!(common_ancestor(4, 5), 5);
    }

    #[test]
    fn largest_tree_has_no_overflow() {
        let n = MAX_LEAVES;
        let last = leaf_node(n - 1);
        assert_eq!(direct_path(last, n).len(), 31);
        assert_eq!(direct_path(last, n).last(), Some(&root(n)));
        assert_eq!(copath(0, n).len(), 31);
    }
}
