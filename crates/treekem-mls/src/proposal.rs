//! Proposals on the wire (RFC 9420 section 12.1 and its subsections 12.1.1-12.1.7), the
//! PreSharedKeyID they and GroupSecrets name (section 8.4), and ProposalOrRef (section
//! 12.4), which a Commit lists.
//!
//! ```text
//! struct {
//!     ProposalType proposal_type;
//!     select (Proposal.proposal_type) {
//!         case add:                      Add;                     // 12.1.1, type 1
//!         case update:                   Update;                  // 12.1.2, type 2
//!         case remove:                   Remove;                  // 12.1.3, type 3
//!         case psk:                      PreSharedKey;            // 12.1.4, type 4
//!         case reinit:                   ReInit;                  // 12.1.5, type 5
//!         case external_init:            ExternalInit;            // 12.1.6, type 6
//!         case group_context_extensions: GroupContextExtensions;  // 12.1.7, type 7
//!     };
//! } Proposal;
//!
//! struct {
//!   PSKType psktype;
//!   select (PreSharedKeyID.psktype) {
//!     case external:   opaque psk_id<V>;
//!     case resumption: ResumptionPSKUsage usage; opaque psk_group_id<V>; uint64 psk_epoch;
//!   };
//!   opaque psk_nonce<V>;
//! } PreSharedKeyID;
//!
//! struct {
//!   ProposalOrRefType type;
//!   select (ProposalOrRef.type) {
//!     case proposal:  Proposal proposal;
//!     case reference: ProposalRef reference;
//!   };
//! } ProposalOrRef;
//! ```
//!
//! **Convention for other proposal types.** RFC 9420 gives no framing for the body of a
//! proposal type it does not define (GREASE, private use, later registrations), yet such a
//! proposal must be skipped over to decode the rest of a Commit. This crate reads and writes
//! such a body as one `opaque <V>` ([`Proposal::Other`]), the convention used for "custom
//! proposals" elsewhere (mls-rs documents a byte vector as the default encoding of its custom
//! proposals). `reserved(0)` is rejected. Whether a proposal is allowed (section 12.2) is
//! decided by the group engine.
//!
//! Proven by `messages.json` (family `mls-messages`: the seven proposal bodies, and
//! proposals inside PublicMessages and Commits).

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
    extension::Extensions,
    key_package::KeyPackage,
    leaf_node::LeafNode,
    types::{
        CipherSuiteId, LeafIndex, ProposalOrRefType, ProposalRef, ProposalType, ProtocolVersion,
        PskType, ResumptionPskUsage,
    },
};

/// `psktype` with the fields it selects (section 8.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PskSource {
    /// `external` (1): a PSK the application provisioned.
    External {
        /// `psk_id<V>`.
        psk_id: Vec<u8>,
    },
    /// `resumption` (2): the `resumption_psk` of an epoch of a group.
    Resumption {
        /// `usage`.
        usage: ResumptionPskUsage,
        /// `psk_group_id<V>`.
        psk_group_id: Vec<u8>,
        /// `psk_epoch`.
        psk_epoch: u64,
    },
}

impl PskSource {
    /// The `PSKType` on the wire.
    pub const fn psk_type(&self) -> PskType {
        match self {
            Self::External { .. } => PskType::External,
            Self::Resumption { .. } => PskType::Resumption,
        }
    }
}

/// `PreSharedKeyID` (section 8.4). It names a PSK; it holds no secret.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PreSharedKeyId {
    /// `psktype` and the identifying fields.
    pub psk: PskSource,
    /// `psk_nonce<V>`: fresh, `KDF.Nh` bytes (checked by the group engine).
    pub psk_nonce: Vec<u8>,
}

impl Codec for PreSharedKeyId {
    fn encode(&self, w: &mut Writer) {
        self.psk.psk_type().encode(w);
        match &self.psk {
            PskSource::External { psk_id } => w.opaque(psk_id),
            PskSource::Resumption {
                usage,
                psk_group_id,
                psk_epoch,
            } => {
                usage.encode(w);
                w.opaque(psk_group_id);
                w.u64(*psk_epoch);
            }
        }
        w.opaque(&self.psk_nonce);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let psk = match PskType::decode(r)? {
            PskType::External => PskSource::External {
                psk_id: r.opaque_vec()?,
            },
            PskType::Resumption => PskSource::Resumption {
                usage: ResumptionPskUsage::decode(r)?,
                psk_group_id: r.opaque_vec()?,
                psk_epoch: r.u64()?,
            },
        };
        Ok(Self {
            psk,
            psk_nonce: r.opaque_vec()?,
        })
    }
}

/// `Add` (section 12.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Add {
    /// `key_package`.
    pub key_package: KeyPackage,
}

impl Codec for Add {
    fn encode(&self, w: &mut Writer) {
        self.key_package.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            key_package: KeyPackage::decode(r)?,
        })
    }
}

/// `Update` (section 12.1.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Update {
    /// `leaf_node`.
    pub leaf_node: LeafNode,
}

impl Codec for Update {
    fn encode(&self, w: &mut Writer) {
        self.leaf_node.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            leaf_node: LeafNode::decode(r)?,
        })
    }
}

/// `Remove` (section 12.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Remove {
    /// `removed`: the leaf to blank.
    pub removed: LeafIndex,
}

impl Codec for Remove {
    fn encode(&self, w: &mut Writer) {
        self.removed.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            removed: LeafIndex::decode(r)?,
        })
    }
}

/// `PreSharedKey` (section 12.1.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PreSharedKey {
    /// `psk`.
    pub psk: PreSharedKeyId,
}

impl Codec for PreSharedKey {
    fn encode(&self, w: &mut Writer) {
        self.psk.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            psk: PreSharedKeyId::decode(r)?,
        })
    }
}

/// `ReInit` (section 12.1.5).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReInit {
    /// `group_id<V>` of the new group.
    pub group_id: Vec<u8>,
    /// `version`.
    pub version: ProtocolVersion,
    /// `cipher_suite`.
    pub cipher_suite: CipherSuiteId,
    /// `extensions<V>`.
    pub extensions: Extensions,
}

impl Codec for ReInit {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id);
        self.version.encode(w);
        self.cipher_suite.encode(w);
        self.extensions.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_id: r.opaque_vec()?,
            version: ProtocolVersion::decode(r)?,
            cipher_suite: CipherSuiteId::decode(r)?,
            extensions: Extensions::decode(r)?,
        })
    }
}

/// `ExternalInit` (section 12.1.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ExternalInit {
    /// `kem_output<V>`: the KEM output for `external_pub` (section 8.3).
    pub kem_output: Vec<u8>,
}

impl Codec for ExternalInit {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.kem_output);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            kem_output: r.opaque_vec()?,
        })
    }
}

/// `GroupContextExtensions` (section 12.1.7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct GroupContextExtensions {
    /// `extensions<V>`: the complete new list.
    pub extensions: Extensions,
}

impl Codec for GroupContextExtensions {
    fn encode(&self, w: &mut Writer) {
        self.extensions.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            extensions: Extensions::decode(r)?,
        })
    }
}

/// `Proposal` (section 12.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Proposal {
    /// `add` (1).
    Add(Add),
    /// `update` (2).
    Update(Update),
    /// `remove` (3).
    Remove(Remove),
    /// `psk` (4).
    PreSharedKey(PreSharedKey),
    /// `reinit` (5).
    ReInit(ReInit),
    /// `external_init` (6).
    ExternalInit(ExternalInit),
    /// `group_context_extensions` (7).
    GroupContextExtensions(GroupContextExtensions),
    /// Any other type, its body carried as one `opaque <V>` by convention (see the module
    /// documentation). Never types 0-7 when decoded.
    Other {
        /// The proposal type.
        proposal_type: ProposalType,
        /// The body, without its length prefix.
        data: Vec<u8>,
    },
}

impl Proposal {
    /// The `ProposalType` on the wire.
    pub const fn proposal_type(&self) -> ProposalType {
        match self {
            Self::Add(_) => ProposalType::ADD,
            Self::Update(_) => ProposalType::UPDATE,
            Self::Remove(_) => ProposalType::REMOVE,
            Self::PreSharedKey(_) => ProposalType::PSK,
            Self::ReInit(_) => ProposalType::REINIT,
            Self::ExternalInit(_) => ProposalType::EXTERNAL_INIT,
            Self::GroupContextExtensions(_) => ProposalType::GROUP_CONTEXT_EXTENSIONS,
            Self::Other { proposal_type, .. } => *proposal_type,
        }
    }
}

impl Codec for Proposal {
    fn encode(&self, w: &mut Writer) {
        self.proposal_type().encode(w);
        match self {
            Self::Add(p) => p.encode(w),
            Self::Update(p) => p.encode(w),
            Self::Remove(p) => p.encode(w),
            Self::PreSharedKey(p) => p.encode(w),
            Self::ReInit(p) => p.encode(w),
            Self::ExternalInit(p) => p.encode(w),
            Self::GroupContextExtensions(p) => p.encode(w),
            Self::Other { data, .. } => w.opaque(data),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let proposal_type = ProposalType::decode(r)?;
        Ok(match proposal_type {
            ProposalType(0) => return Err(Error::Decode("reserved proposal type 0")),
            ProposalType::ADD => Self::Add(Add::decode(r)?),
            ProposalType::UPDATE => Self::Update(Update::decode(r)?),
            ProposalType::REMOVE => Self::Remove(Remove::decode(r)?),
            ProposalType::PSK => Self::PreSharedKey(PreSharedKey::decode(r)?),
            ProposalType::REINIT => Self::ReInit(ReInit::decode(r)?),
            ProposalType::EXTERNAL_INIT => Self::ExternalInit(ExternalInit::decode(r)?),
            ProposalType::GROUP_CONTEXT_EXTENSIONS => {
                Self::GroupContextExtensions(GroupContextExtensions::decode(r)?)
            }
            _ => Self::Other {
                proposal_type,
                data: r.opaque_vec()?,
            },
        })
    }
}

/// `ProposalOrRef` (section 12.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProposalOrRef {
    /// `proposal` (1): the proposal by value (boxed: a proposal is some 350 bytes, a
    /// reference 24).
    Proposal(Box<Proposal>),
    /// `reference` (2): the ProposalRef of an AuthenticatedContent carrying it.
    Reference(ProposalRef),
}

impl ProposalOrRef {
    /// The `ProposalOrRefType` on the wire.
    pub const fn proposal_or_ref_type(&self) -> ProposalOrRefType {
        match self {
            Self::Proposal(_) => ProposalOrRefType::Proposal,
            Self::Reference(_) => ProposalOrRefType::Reference,
        }
    }
}

impl Codec for ProposalOrRef {
    fn encode(&self, w: &mut Writer) {
        self.proposal_or_ref_type().encode(w);
        match self {
            Self::Proposal(p) => p.encode(w),
            Self::Reference(r) => r.encode(w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match ProposalOrRefType::decode(r)? {
            ProposalOrRefType::Proposal => Self::Proposal(Box::new(Proposal::decode(r)?)),
            ProposalOrRefType::Reference => Self::Reference(ProposalRef::decode(r)?),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn other_proposal_types_carry_an_opaque_body_and_reserved_is_rejected() {
        let p = Proposal::Other {
            proposal_type: ProposalType(0x0a0a),
            data: vec![1, 2, 3],
        };
        let bytes = p.to_bytes().unwrap();
        assert_eq!(bytes, [0x0a, 0x0a, 3, 1, 2, 3]);
        assert_eq!(Proposal::from_bytes(&bytes).unwrap(), p);
        assert!(Proposal::from_bytes(&[0, 0, 0]).is_err());
    }

    #[test]
    fn psk_ids_and_refs_round_trip() {
        for psk in [
            PskSource::External {
                psk_id: b"id".to_vec(),
            },
            PskSource::Resumption {
                usage: ResumptionPskUsage::Branch,
                psk_group_id: b"g".to_vec(),
                psk_epoch: 9,
            },
        ] {
            let p = ProposalOrRef::Proposal(Box::new(Proposal::PreSharedKey(PreSharedKey {
                psk: PreSharedKeyId {
                    psk,
                    psk_nonce: vec![0; 32],
                },
            })));
            let bytes = p.to_bytes().unwrap();
            assert_eq!(ProposalOrRef::from_bytes(&bytes).unwrap(), p);
        }
        let r = ProposalOrRef::Reference(ProposalRef(vec![7; 32]));
        let bytes = r.to_bytes().unwrap();
        assert_eq!(ProposalOrRef::from_bytes(&bytes).unwrap(), r);
        assert!(ProposalOrRef::from_bytes(&[3, 0]).is_err());
    }
}
