//! The GroupContext (RFC 9420 section 8.1): the summary of the group's state that the key
//! schedule, signatures (FramedContentTBS, section 6.1) and HPKE contexts
//! (UpdatePathNode, section 7.6) bind to.
//!
//! ```text
//! struct {
//!     ProtocolVersion version = mls10;
//!     CipherSuite cipher_suite;
//!     opaque group_id<V>;
//!     uint64 epoch;
//!     opaque tree_hash<V>;
//!     opaque confirmed_transcript_hash<V>;
//!     Extension extensions<V>;
//! } GroupContext;
//! ```
//!
//! `version` is kept as a field (it is encoded and hashed like the others); decoding accepts
//! any value, and the group engine checks it against the version in use.
//!
//! Proven by `messages.json` (family `mls-messages`: the GroupContext inside every GroupInfo).

use crate::{
    Result,
    codec::{Codec, Reader, Writer},
    extension::Extensions,
    types::{CipherSuiteId, ProtocolVersion},
};

/// `GroupContext` (section 8.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupContext {
    /// `version` (`mls10`).
    pub version: ProtocolVersion,
    /// `cipher_suite`.
    pub cipher_suite: CipherSuiteId,
    /// `group_id<V>`.
    pub group_id: Vec<u8>,
    /// `epoch`.
    pub epoch: u64,
    /// `tree_hash<V>`: the tree hash of the root (section 7.8).
    pub tree_hash: Vec<u8>,
    /// `confirmed_transcript_hash<V>` (section 8.2).
    pub confirmed_transcript_hash: Vec<u8>,
    /// `extensions<V>`.
    pub extensions: Extensions,
}

impl Codec for GroupContext {
    fn encode(&self, w: &mut Writer) {
        self.version.encode(w);
        self.cipher_suite.encode(w);
        w.opaque(&self.group_id);
        w.u64(self.epoch);
        w.opaque(&self.tree_hash);
        w.opaque(&self.confirmed_transcript_hash);
        self.extensions.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            version: ProtocolVersion::decode(r)?,
            cipher_suite: CipherSuiteId::decode(r)?,
            group_id: r.opaque_vec()?,
            epoch: r.u64()?,
            tree_hash: r.opaque_vec()?,
            confirmed_transcript_hash: r.opaque_vec()?,
            extensions: Extensions::decode(r)?,
        })
    }
}
