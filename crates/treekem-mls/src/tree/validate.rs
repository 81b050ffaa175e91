//! The checks a member makes on a ratchet tree it did not build itself (RFC 9420 section
//! 12.4.3.1 "Joining via Welcome Message": "Verify the integrity of the ratchet tree"),
//! with the leaf-node rules of section 7.3 that need no group context and the parent-hash
//! verification of section 7.9.2. Rule ids as in the parent module's table. Proven by
//! `tree-validation.json` (family `mls-tree-validation`: parent hashes and leaf signatures
//! of trees with blanks, skipped links and unmerged leaves, each with negative twins).
//!
//! **Parent hashes, bottom up in linear time.** For a non-blank parent P with children C
//! and S, a node D is a valid link into P (section 7.9.2) only if D is in `resolution(C)`
//! and `resolution(C) \ {D}` equals `P.unmerged_leaves` restricted to C's subtree. So each
//! side of P offers at most one candidate, found from `resolution(C)` alone, and every
//! non-blank node lies in the resolution of exactly one such C (below its nearest non-blank
//! ancestor): the whole check reads O(n) resolution entries and computes at most two parent
//! hashes per parent node, instead of trying every descendant of every node. A parent node
//! passes PH-1 if exactly one of its (at most two) candidates carries the right parent hash;
//! chains then reach a leaf by induction, since each link goes strictly down a level.

use super::{RatchetTree, encryption_key};
use crate::{
    Error, Result,
    leaf_node::LeafNode,
    suite::Signed,
    tree_math::{self, NodeIndex},
    types::LeafIndex,
};

impl RatchetTree {
    /// The integrity checks of a joiner (section 12.4.3.1) that need only the tree and the
    /// group ID: TREE-4 to TREE-12 and PH-1 (see the module table). The caller also compares
    /// [`Self::tree_hash`] with the GroupInfo's and validates each leaf against the group's
    /// context (credentials, required capabilities, lifetimes).
    ///
    /// Costs O(n) hashes and one signature verification per member.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the first rule broken, or [`Error::VerificationFailed`]
    /// for a bad leaf signature (TREE-9).
    pub fn validate(&self, group_id: &[u8]) -> Result<()> {
        self.check_unmerged_leaves()?;
        self.check_unique_keys()?;
        self.check_leaf_capabilities()?;
        self.verify_parent_hashes()?;
        self.verify_leaf_signatures(group_id)
    }

    /// TREE-4, TREE-5 and TREE-6 for every parent node.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the rule.
    pub fn check_unmerged_leaves(&self) -> Result<()> {
        for x in (1..self.node_width()).step_by(2) {
            let Some(p) = self.parent_node(x) else {
                continue;
            };
            if p.unmerged_leaves.windows(2).any(|w| w.first() >= w.last()) {
                return Err(Error::invalid(
                    crate::Rule::Tree4,
                    "unmerged_leaves is not strictly increasing",
                ));
            }
        }
        for x in (1..self.node_width()).step_by(2) {
            let Some(p) = self.parent_node(x) else {
                continue;
            };
            for &u in &p.unmerged_leaves {
                let leaf_x = tree_math::leaf_node(u.0);
                if !self.contains_leaf(u)
                    || !tree_math::is_in_subtree(x, leaf_x)
                    || self.leaf(u).is_none()
                {
                    return Err(Error::invalid(
                        crate::Rule::Tree5,
                        "an unmerged leaf is not a non-blank leaf below its node",
                    ));
                }
                let mut z = tree_math::parent(leaf_x, self.n_leaves);
                while let Some(y) = z.filter(|&y| y != x) {
                    if let Some(between) = self.parent_node(y)
                        && between.unmerged_leaves.binary_search(&u).is_err()
                    {
                        return Err(Error::invalid(
                            crate::Rule::Tree6,
                            "a node between an unmerged leaf and its node does not \
                             list it",
                        ));
                    }
                    z = tree_math::parent(y, self.n_leaves);
                }
            }
        }
        Ok(())
    }

    /// TREE-7 (encryption keys unique among all nodes), TREE-8 (signature keys unique among
    /// leaves) and TREE-12 (encryption keys are valid public keys).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the rule.
    pub fn check_unique_keys(&self) -> Result<()> {
        if self.encryption_keys.values().any(|&c| c > 1) {
            return Err(Error::invalid(
                crate::Rule::Tree7,
                "an encryption key appears in two nodes",
            ));
        }
        if self.signature_keys.values().any(|leaves| leaves.len() > 1) {
            return Err(Error::invalid(
                crate::Rule::Tree8,
                "a signature key appears in two leaves",
            ));
        }
        for node in self.nodes.iter().flatten() {
            self.suite
                .hpke_public_key(encryption_key(node).as_slice())
                .map_err(|_| {
                    Error::invalid(
                        crate::Rule::Tree12,
                        "an encryption key is not a valid public key",
                    )
                })?;
        }
        Ok(())
    }

    /// TREE-10 and TREE-11 for every leaf: its credential type and its non-default
    /// extension types are listed in its own capabilities (section 7.2).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the rule.
    pub fn check_leaf_capabilities(&self) -> Result<()> {
        for (_, leaf) in self.members() {
            if !leaf
                .capabilities
                .credentials
                .contains(&leaf.credential.credential_type())
            {
                return Err(Error::invalid(
                    crate::Rule::Tree10,
                    "a leaf's credential type is not in its capabilities",
                ));
            }
            for ext in leaf.extensions.iter() {
                if !ext.extension_type.is_default()
                    && !leaf.capabilities.extensions.contains(&ext.extension_type)
                {
                    return Err(Error::invalid(
                        crate::Rule::Tree11,
                        "a leaf carries an extension its capabilities do not list",
                    ));
                }
            }
        }
        Ok(())
    }

    /// TREE-9: every leaf's signature verifies (`VerifyWithLabel(signature_key,
    /// "LeafNodeTBS", LeafNodeTBS)`, with `group_id` and the leaf index for leaves whose
    /// source is `update` or `commit`).
    ///
    /// The leaves are checked in batches of 512 (one batch equation
    /// each for Ed25519, [`CipherSuite::verify_with_label_batch`]), the batches spread over
    /// threads with the feature `parallel` (`parallel::in_signature_batches`). The batches
    /// are cut the same way whatever the number of threads, so the verdict does not depend
    /// on it.
    ///
    /// [`CipherSuite::verify_with_label_batch`]: crate::suite::CipherSuite::verify_with_label_batch
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] for a bad signature or a signature key that does not
    /// decode.
    pub fn verify_leaf_signatures(&self, group_id: &[u8]) -> Result<()> {
        let leaves: Vec<(LeafIndex, &LeafNode)> = self.members().collect();
        crate::parallel::in_signature_batches(&leaves, |batch| {
            self.verify_leaf_batch(group_id, batch)
        })
    }

    /// TREE-9 for one batch of leaves.
    fn verify_leaf_batch(&self, group_id: &[u8], leaves: &[(LeafIndex, &LeafNode)]) -> Result<()> {
        let keys = leaves
            .iter()
            .map(|(_, leaf)| {
                self.suite
                    .signature_public_key(leaf.signature_key.as_slice())
                    .map_err(|_| Error::VerificationFailed)
            })
            .collect::<Result<Vec<_>>>()?;
        let tbs = leaves
            .iter()
            .map(|&(index, leaf)| leaf.tbs(Some((group_id, index))))
            .collect::<Result<Vec<_>>>()?;
        let signed: Vec<Signed<'_>> = leaves
            .iter()
            .zip(&keys)
            .zip(&tbs)
            .map(|(((_, leaf), key), content)| Signed {
                key,
                content,
                signature: &leaf.signature,
            })
            .collect();
        self.suite.verify_with_label_batch(b"LeafNodeTBS", &signed)
    }

    /// PH-1 (section 7.9.2): every non-blank parent node is parent-hash valid, linked by a
    /// valid parent hash from exactly one node below it (see the module documentation).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming PH-1.
    pub fn verify_parent_hashes(&self) -> Result<()> {
        for p in (1..self.node_width()).step_by(2) {
            if self.parent_node(p).is_none() {
                continue;
            }
            let (Some(l), Some(r)) = (tree_math::left(p), tree_math::right(p)) else {
                return Err(Error::Internal("parent without children"));
            };
            let mut links = 0u32;
            for (c, s) in [(l, r), (r, l)] {
                let Some(d) = self.link_candidate(p, c) else {
                    continue;
                };
                let Some(stored) = self.stored_parent_hash(d) else {
                    continue;
                };
                if self.parent_hash_of(p, s)?.as_deref() == Some(stored) {
                    links += 1;
                }
            }
            if links != 1 {
                return Err(Error::invalid(
                    crate::Rule::Ph1,
                    "a parent node is not parent-hash valid through exactly one child",
                ));
            }
        }
        Ok(())
    }

    /// The only node D that can link into parent `p` from its child `c`: `resolution(c)`
    /// minus `p`'s unmerged leaves under `c` must be exactly `{D}`, and those unmerged
    /// leaves must all be in `resolution(c)` (section 7.9.2, third criterion).
    fn link_candidate(&self, p: NodeIndex, c: NodeIndex) -> Option<NodeIndex> {
        let parent = self.parent_node(p)?;
        let mut res = self.resolution(c);
        res.sort_unstable();
        let mut unmerged: Vec<NodeIndex> = parent
            .unmerged_leaves
            .iter()
            .map(|u: &LeafIndex| tree_math::leaf_node(u.0))
            .filter(|&y| tree_math::is_in_subtree(c, y))
            .collect();
        unmerged.sort_unstable();
        if unmerged.iter().any(|u| res.binary_search(u).is_err()) {
            return None;
        }
        let mut rest = res.iter().filter(|y| unmerged.binary_search(y).is_err());
        let d = *rest.next()?;
        if rest.next().is_some() {
            return None;
        }
        Some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{fuzzing::FixtureGroup, leaf_node::Node, suite::CipherSuite};

    /// `tree` with one bit of leaf `leaf`'s signature flipped.
    fn with_bad_signature(tree: &RatchetTree, leaf: u32) -> RatchetTree {
        let mut nodes = tree.to_extension().nodes;
        let Some(Some(Node::Leaf(l))) = nodes.get_mut(tree_math::leaf_node(leaf) as usize) else {
            panic!("leaf {leaf} is blank");
        };
        l.signature[5] ^= 0x10;
        RatchetTree::from_nodes(tree.suite(), nodes).unwrap()
    }

    /// TREE-9 over several batches of 512 leaves: every leaf is checked, whichever batch (and
    /// thread) it falls in; a bad signature anywhere is refused.
    #[test]
    fn tree_9_leaf_signatures_in_batches() {
        let mut rng = test_support::seeded_rng(0x7439);
        let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
        let fixture = FixtureGroup::build(suite, 1100, false, &mut rng);
        let group_id = b"fixture group";
        assert_eq!(fixture.tree.verify_leaf_signatures(group_id), Ok(()));
        for leaf in [0, 1, 511, 512, 1023, 1024, 1099] {
            assert_eq!(
                with_bad_signature(&fixture.tree, leaf).verify_leaf_signatures(group_id),
                Err(Error::VerificationFailed),
                "leaf {leaf}"
            );
        }
    }

    /// The same for an ECDSA suite, whose signatures are checked one by one.
    #[test]
    fn tree_9_leaf_signatures_ecdsa() {
        let mut rng = test_support::seeded_rng(0x7440);
        let suite = CipherSuite::Mls128P256Aes128GcmSha256P256;
        let fixture = FixtureGroup::build(suite, 40, false, &mut rng);
        assert_eq!(
            fixture.tree.verify_leaf_signatures(b"fixture group"),
            Ok(())
        );
        assert_eq!(
            with_bad_signature(&fixture.tree, 17).verify_leaf_signatures(b"fixture group"),
            Err(Error::VerificationFailed)
        );
    }
}
