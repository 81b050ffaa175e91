//! Commits on the wire (RFC 9420 section 12.4) and the UpdatePath they may carry (section
//! 7.6), with the HPKECiphertext both the UpdatePath and the Welcome use.
//!
//! ```text
//! struct { opaque kem_output<V>; opaque ciphertext<V>; } HPKECiphertext;
//!
//! struct {
//!     HPKEPublicKey encryption_key;
//!     HPKECiphertext encrypted_path_secret<V>;
//! } UpdatePathNode;
//!
//! struct { LeafNode leaf_node; UpdatePathNode nodes<V>; } UpdatePath;
//!
//! struct {
//!     ProposalOrRef proposals<V>;
//!     optional<UpdatePath> path;
//! } Commit;
//! ```
//!
//! Decoding checks syntax only; section 12.2's list validation and the UpdatePath's length
//! and leaf rules (section 7.6) are the group engine's.
//!
//! Proven by `messages.json` (family `mls-messages`: `commit`, `public_message_commit`).

use crate::{
    Result,
    codec::{Codec, Reader, Writer},
    leaf_node::LeafNode,
    proposal::ProposalOrRef,
    types::HpkePublicKeyBytes,
};

/// `HPKECiphertext` (section 7.6): the output of `EncryptWithLabel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct HpkeCiphertext {
    /// `kem_output<V>`.
    pub kem_output: Vec<u8>,
    /// `ciphertext<V>`.
    pub ciphertext: Vec<u8>,
}

impl Codec for HpkeCiphertext {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.kem_output);
        w.opaque(&self.ciphertext);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            kem_output: r.opaque_vec()?,
            ciphertext: r.opaque_vec()?,
        })
    }
}

/// `UpdatePathNode` (section 7.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UpdatePathNode {
    /// `encryption_key`: the node's new public key.
    pub encryption_key: HpkePublicKeyBytes,
    /// `encrypted_path_secret<V>`: one ciphertext per node of the copath node's resolution.
    pub encrypted_path_secret: Vec<HpkeCiphertext>,
}

impl Codec for UpdatePathNode {
    fn encode(&self, w: &mut Writer) {
        self.encryption_key.encode(w);
        w.vec(&self.encrypted_path_secret);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            encryption_key: HpkePublicKeyBytes::decode(r)?,
            encrypted_path_secret: r.vec()?,
        })
    }
}

/// `UpdatePath` (section 7.6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UpdatePath {
    /// `leaf_node`: the committer's new leaf (source `commit`).
    pub leaf_node: LeafNode,
    /// `nodes<V>`: one per node of the committer's filtered direct path.
    pub nodes: Vec<UpdatePathNode>,
}

impl Codec for UpdatePath {
    fn encode(&self, w: &mut Writer) {
        self.leaf_node.encode(w);
        w.vec(&self.nodes);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            leaf_node: LeafNode::decode(r)?,
            nodes: r.vec()?,
        })
    }
}

/// `Commit` (section 12.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Commit {
    /// `proposals<V>`.
    pub proposals: Vec<ProposalOrRef>,
    /// `path`: `optional<UpdatePath>`.
    pub path: Option<UpdatePath>,
}

impl Codec for Commit {
    fn encode(&self, w: &mut Writer) {
        w.vec(&self.proposals);
        w.optional(self.path.as_ref());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            proposals: r.vec()?,
            path: r.optional()?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn empty_commit_and_bad_optional_byte() {
        let c = Commit::default();
        assert_eq!(c.to_bytes().unwrap(), [0, 0]);
        assert_eq!(Commit::from_bytes(&[0, 0]).unwrap(), c);
        assert!(Commit::from_bytes(&[0, 2]).is_err());
        assert!(Commit::from_bytes(&[0, 0xff]).is_err());
    }
}
