//! The nodes of the ratchet tree on the wire: `ParentNode` (RFC 9420 section 7.1),
//! `LeafNode` with `Capabilities`, `Lifetime` and `LeafNodeTBS` (section 7.2), and `Node`
//! (section 12.4.3.3, with `NodeType` of section 7.8).
//!
//! ```text
//! struct {
//!     HPKEPublicKey encryption_key;
//!     opaque parent_hash<V>;
//!     uint32 unmerged_leaves<V>;
//! } ParentNode;
//!
//! struct {
//!     ProtocolVersion versions<V>;
//!     CipherSuite cipher_suites<V>;
//!     ExtensionType extensions<V>;
//!     ProposalType proposals<V>;
//!     CredentialType credentials<V>;
//! } Capabilities;
//!
//! struct { uint64 not_before; uint64 not_after; } Lifetime;
//!
//! struct {
//!     HPKEPublicKey encryption_key;
//!     SignaturePublicKey signature_key;
//!     Credential credential;
//!     Capabilities capabilities;
//!     LeafNodeSource leaf_node_source;
//!     select (LeafNode.leaf_node_source) {
//!         case key_package: Lifetime lifetime;
//!         case update:      struct{};
//!         case commit:      opaque parent_hash<V>;
//!     };
//!     Extension extensions<V>;
//!     opaque signature<V>;   /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
//! } LeafNode;
//!
//! LeafNodeTBS = the LeafNode fields above `signature`, then
//!     select (leaf_node_source) {
//!         case key_package: struct{};
//!         case update, commit: opaque group_id<V>; uint32 leaf_index;
//!     };
//!
//! struct {
//!     NodeType node_type;
//!     select (Node.node_type) {
//!         case leaf:   LeafNode leaf_node;
//!         case parent: ParentNode parent_node;
//!     };
//! } Node;
//! ```
//!
//! Decoding checks syntax only (plus EXT-1 in the extension list). The validation of
//! section 7.3 (signature, capabilities, lifetime, sorted `unmerged_leaves`, which source
//! is allowed where) belongs to the code that knows the context; [`LeafNode::tbs`] gives it
//! the signed bytes.
//!
//! Proven by `messages.json` (family `mls-messages`: KeyPackages, Add/Update proposals,
//! UpdatePaths and the `ratchet_tree` field).

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
    credential::Credential,
    extension::Extensions,
    types::{
        CipherSuiteId, CredentialType, ExtensionType, HpkePublicKeyBytes, LeafIndex,
        LeafNodeSource, NodeType, ProposalType, ProtocolVersion, SignaturePublicKeyBytes,
    },
};

/// `Capabilities` (section 7.2). Unknown values MUST be ignored (section 13.4), so every
/// list decodes any registry value, GREASE included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// `versions<V>`.
    pub versions: Vec<ProtocolVersion>,
    /// `cipher_suites<V>`.
    pub cipher_suites: Vec<CipherSuiteId>,
    /// `extensions<V>`: non-default extension types supported.
    pub extensions: Vec<ExtensionType>,
    /// `proposals<V>`: non-default proposal types supported.
    pub proposals: Vec<ProposalType>,
    /// `credentials<V>`.
    pub credentials: Vec<CredentialType>,
}

impl Codec for Capabilities {
    fn encode(&self, w: &mut Writer) {
        w.vec(&self.versions);
        w.vec(&self.cipher_suites);
        w.vec(&self.extensions);
        w.vec(&self.proposals);
        w.vec(&self.credentials);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            versions: r.vec()?,
            cipher_suites: r.vec()?,
            extensions: r.vec()?,
            proposals: r.vec()?,
            credentials: r.vec()?,
        })
    }
}

/// `Lifetime` (section 7.2): seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Lifetime {
    /// `not_before`.
    pub not_before: u64,
    /// `not_after`.
    pub not_after: u64,
}

impl Codec for Lifetime {
    fn encode(&self, w: &mut Writer) {
        w.u64(self.not_before);
        w.u64(self.not_after);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            not_before: r.u64()?,
            not_after: r.u64()?,
        })
    }
}

/// `leaf_node_source` with the field it selects (section 7.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LeafNodeSourceData {
    /// `key_package` (1): the leaf came from a KeyPackage.
    KeyPackage {
        /// `lifetime`.
        lifetime: Lifetime,
    },
    /// `update` (2): the leaf came from an Update proposal.
    Update,
    /// `commit` (3): the leaf came from a Commit's UpdatePath.
    Commit {
        /// `parent_hash<V>`.
        parent_hash: Vec<u8>,
    },
}

impl LeafNodeSourceData {
    /// The `LeafNodeSource` on the wire.
    pub const fn source(&self) -> LeafNodeSource {
        match self {
            Self::KeyPackage { .. } => LeafNodeSource::KeyPackage,
            Self::Update => LeafNodeSource::Update,
            Self::Commit { .. } => LeafNodeSource::Commit,
        }
    }
}

impl Codec for LeafNodeSourceData {
    fn encode(&self, w: &mut Writer) {
        self.source().encode(w);
        match self {
            Self::KeyPackage { lifetime } => lifetime.encode(w),
            Self::Update => {}
            Self::Commit { parent_hash } => w.opaque(parent_hash),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match LeafNodeSource::decode(r)? {
            LeafNodeSource::KeyPackage => Self::KeyPackage {
                lifetime: Lifetime::decode(r)?,
            },
            LeafNodeSource::Update => Self::Update,
            LeafNodeSource::Commit => Self::Commit {
                parent_hash: r.opaque_vec()?,
            },
        })
    }
}

/// `LeafNode` (section 7.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LeafNode {
    /// `encryption_key`.
    pub encryption_key: HpkePublicKeyBytes,
    /// `signature_key`.
    pub signature_key: SignaturePublicKeyBytes,
    /// `credential`.
    pub credential: Credential,
    /// `capabilities`.
    pub capabilities: Capabilities,
    /// `leaf_node_source` and the lifetime or parent hash it selects.
    pub leaf_node_source: LeafNodeSourceData,
    /// `extensions<V>`.
    pub extensions: Extensions,
    /// `signature<V>`: `SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)`.
    pub signature: Vec<u8>,
}

impl LeafNode {
    /// Every field but the signature, as in LeafNodeTBS.
    fn encode_content(&self, w: &mut Writer) {
        self.encryption_key.encode(w);
        self.signature_key.encode(w);
        self.credential.encode(w);
        self.capabilities.encode(w);
        self.leaf_node_source.encode(w);
        self.extensions.encode(w);
    }

    /// The encoding of LeafNodeTBS (section 7.2), the content of the leaf's signature
    /// (`SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)`, section 5.1.2).
    ///
    /// `group` is the group ID and this leaf's index. It is appended for the `update` and
    /// `commit` sources, which sign in the context of a group, and ignored for
    /// `key_package`, whose TBS has no group context (the RFC's `select`); a verifier walking
    /// a tree can therefore pass it for every leaf.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the source is `update` or `commit` and `group` is `None`, or a
    /// vector is too long to encode.
    pub fn tbs(&self, group: Option<(&[u8], LeafIndex)>) -> Result<Vec<u8>> {
        let mut w = Writer::with_capacity(ENCODING_CAPACITY);
        self.encode_content(&mut w);
        match (&self.leaf_node_source, group) {
            (LeafNodeSourceData::KeyPackage { .. }, _) => {}
            (_, Some((group_id, leaf_index))) => {
                w.opaque(group_id);
                leaf_index.encode(&mut w);
            }
            (_, None) => {
                return Err(Error::Misuse(
                    "LeafNodeTBS of an update or commit leaf needs the group ID and leaf index",
                ));
            }
        }
        w.finish()
    }
}

impl Codec for LeafNode {
    fn encode(&self, w: &mut Writer) {
        self.encode_content(w);
        w.opaque(&self.signature);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            encryption_key: HpkePublicKeyBytes::decode(r)?,
            signature_key: SignaturePublicKeyBytes::decode(r)?,
            credential: Credential::decode(r)?,
            capabilities: Capabilities::decode(r)?,
            leaf_node_source: LeafNodeSourceData::decode(r)?,
            extensions: Extensions::decode(r)?,
            signature: r.opaque_vec()?,
        })
    }
}

/// `ParentNode` (section 7.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ParentNode {
    /// `encryption_key`.
    pub encryption_key: HpkePublicKeyBytes,
    /// `parent_hash<V>`.
    pub parent_hash: Vec<u8>,
    /// `unmerged_leaves<V>` (the RFC requires increasing order; decoding does not check it).
    pub unmerged_leaves: Vec<LeafIndex>,
}

impl Codec for ParentNode {
    fn encode(&self, w: &mut Writer) {
        self.encryption_key.encode(w);
        w.opaque(&self.parent_hash);
        w.vec(&self.unmerged_leaves);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            encryption_key: HpkePublicKeyBytes::decode(r)?,
            parent_hash: r.opaque_vec()?,
            unmerged_leaves: r.vec()?,
        })
    }
}

/// Room for a LeafNode's encoding without regrowing a buffer: one with a basic credential
/// and default capabilities takes about 200 bytes. A joiner of a 10 000-member group hashes
/// and verifies that many leaves, and a buffer grown step by step costs several allocations
/// each.
pub(crate) const ENCODING_CAPACITY: usize = 320;

/// `Node` (section 12.4.3.3): a non-blank node of the ratchet tree.
///
/// The leaf is boxed so that a slot of the tree (`Option<Node>`) takes at most 80 bytes
/// rather than 272: a `ratchet_tree` of blank nodes costs one byte of input per slot, so a
/// hostile Welcome naming the largest tree ([`crate::tree::MAX_LEAVES`] leaves, about two
/// million slots in two megabytes) costs a joiner about 0.2 GB with the tree's cached data
/// (32 bytes a slot) before its checks reject it, instead of 0.6 GB.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// `leaf` (1).
    Leaf(Box<LeafNode>),
    /// `parent` (2).
    Parent(ParentNode),
}

impl Node {
    /// The `NodeType` on the wire.
    pub const fn node_type(&self) -> NodeType {
        match self {
            Self::Leaf(_) => NodeType::Leaf,
            Self::Parent(_) => NodeType::Parent,
        }
    }
}

impl Codec for Node {
    fn encode(&self, w: &mut Writer) {
        self.node_type().encode(w);
        match self {
            Self::Leaf(leaf) => leaf.encode(w),
            Self::Parent(parent) => parent.encode(w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match NodeType::decode(r)? {
            NodeType::Leaf => Self::Leaf(Box::new(LeafNode::decode(r)?)),
            NodeType::Parent => Self::Parent(ParentNode::decode(r)?),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    /// A tree slot stays small: a `ratchet_tree` of blank nodes costs one byte of input per
    /// slot (see [`Node`]).
    #[test]
    fn a_tree_slot_is_at_most_80_bytes() {
        assert!(
            size_of::<Option<Node>>() <= 80,
            "{}",
            size_of::<Option<Node>>()
        );
    }

    pub(crate) fn leaf(source: LeafNodeSourceData) -> LeafNode {
        LeafNode {
            encryption_key: vec![1; 32].into(),
            signature_key: vec![2; 32].into(),
            credential: Credential::Basic {
                identity: b"alice".to_vec(),
            },
            capabilities: Capabilities {
                versions: vec![ProtocolVersion::MLS10],
                cipher_suites: vec![CipherSuiteId(1), CipherSuiteId(0x0a0a)],
                extensions: vec![],
                proposals: vec![],
                credentials: vec![CredentialType::BASIC],
            },
            leaf_node_source: source,
            extensions: Extensions::empty(),
            signature: vec![3; 64],
        }
    }

    #[test]
    fn leaf_and_parent_nodes_round_trip() {
        for source in [
            LeafNodeSourceData::KeyPackage {
                lifetime: Lifetime {
                    not_before: 1,
                    not_after: u64::MAX,
                },
            },
            LeafNodeSourceData::Update,
            LeafNodeSourceData::Commit {
                parent_hash: vec![4; 32],
            },
        ] {
            let node = Node::Leaf(Box::new(leaf(source)));
            let bytes = node.to_bytes().unwrap();
            assert_eq!(bytes.first(), Some(&1));
            assert_eq!(Node::from_bytes(&bytes).unwrap(), node);
        }
        let parent = Node::Parent(ParentNode {
            encryption_key: vec![5; 32].into(),
            parent_hash: vec![],
            unmerged_leaves: vec![LeafIndex(1), LeafIndex(3)],
        });
        let bytes = parent.to_bytes().unwrap();
        assert_eq!(Node::from_bytes(&bytes).unwrap(), parent);
        let mut bad = bytes;
        if let Some(b) = bad.first_mut() {
            *b = 3;
        }
        assert!(Node::from_bytes(&bad).is_err());
    }

    #[test]
    fn tbs_appends_group_context_only_for_update_and_commit() {
        let kp = leaf(LeafNodeSourceData::KeyPackage {
            lifetime: Lifetime::default(),
        });
        let full = kp.to_bytes().unwrap();
        let tbs = kp.tbs(None).unwrap();
        assert_eq!(kp.tbs(Some((b"g", LeafIndex(7)))).unwrap(), tbs);
        // TBS = LeafNode without the signature (64 bytes plus a 2-byte length).
        assert_eq!(full.get(..full.len() - 66), Some(tbs.as_slice()));

        let up = leaf(LeafNodeSourceData::Update);
        assert!(up.tbs(None).is_err());
        let tbs = up.tbs(Some((b"g", LeafIndex(7)))).unwrap();
        let full = up.to_bytes().unwrap();
        let content = full.get(..full.len() - 66).unwrap();
        let mut expected = content.to_vec();
        expected.extend_from_slice(&[1, b'g', 0, 0, 0, 7]);
        assert_eq!(tbs, expected);
    }
}
