//! `tree-math.json` (family `mls-tree-math`), RFC 9420 section 4.1 and Appendix C.
//!
//! Format: `{ n_leaves, n_nodes, root, left[], right[], parent[], sibling[] }`, arrays
//! indexed by node with `null` where the relation does not exist. Every relation of every
//! node of the 10 trees (1 to 512 leaves) is checked.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{Json, report};
use treekem_mls::tree_math;

fn opt(v: &Json) -> Option<u32> {
    v.as_u64().map(|x| u32::try_from(x).unwrap())
}

#[test]
fn kat_mls_tree_math() {
    let entries = common::entries("tree-math.json");
    assert_eq!(entries.len(), 10);
    for e in &entries {
        let n = u32::try_from(common::num(e, "n_leaves")).unwrap();
        let width = tree_math::node_width(n);
        assert_eq!(u64::from(width), common::num(e, "n_nodes"));
        assert_eq!(u64::from(tree_math::root(n)), common::num(e, "root"));
        for x in 0..width {
            let i = x as usize;
            assert_eq!(tree_math::left(x), opt(&e["left"][i]), "left({x}) n={n}");
            assert_eq!(tree_math::right(x), opt(&e["right"][i]), "right({x}) n={n}");
            assert_eq!(tree_math::parent(x, n), opt(&e["parent"][i]), "parent({x})");
            assert_eq!(
                tree_math::sibling(x, n),
                opt(&e["sibling"][i]),
                "sibling({x})"
            );
        }
    }
    report("mls-tree-math", entries.len(), 0);
}
