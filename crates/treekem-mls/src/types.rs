//! The small scalar types of RFC 9420's wire structures and the values registered for them
//! (section 17, "IANA Considerations"), plus the byte-string roles shared by several
//! structures (sections 5.1.1 public keys, 5.2 hash references, 6.1 MAC).
//!
//! Two kinds of scalar appear on the wire, and they decode differently:
//!
//! | kind | types | decoding |
//! |---|---|---|
//! | open registry (`uint16`, values assigned by IANA, GREASE and private use allowed) | [`ProtocolVersion`], [`CipherSuiteId`], [`ExtensionType`], [`ProposalType`], [`CredentialType`] | any value; a [`Capabilities`](crate::leaf_node::Capabilities) list MUST carry unknown values through (section 13.4) |
//! | closed `enum` (every value defined by RFC 9420, `reserved(0)`) | [`WireFormat`], [`ContentType`], [`SenderType`], [`LeafNodeSource`], [`NodeType`], [`PskType`], [`ResumptionPskUsage`], [`ProposalOrRefType`] | strict: `reserved(0)` and values the RFC does not define are [`Error::Decode`] |
//!
//! `WireFormat` is a registry too (section 17.2), but an MLSMessage whose body this crate
//! cannot parse is useless, so unknown wire formats (including the private-use range
//! `0xF000..=0xFFFF`) are rejected like the closed enums.
//!
//! Registered values (section 17):
//!
//! | registry | values |
//! |---|---|
//! | cipher suites (17.1) | 1..=7, see [`CipherSuiteId`]'s constants |
//! | wire formats (17.2) | `mls_public_message` 1, `mls_private_message` 2, `mls_welcome` 3, `mls_group_info` 4, `mls_key_package` 5 |
//! | extension types (17.3) | `application_id` 1, `ratchet_tree` 2, `required_capabilities` 3, `external_pub` 4, `external_senders` 5 |
//! | proposal types (17.4) | `add` 1, `update` 2, `remove` 3, `psk` 4, `reinit` 5, `external_init` 6, `group_context_extensions` 7 |
//! | credential types (17.5) | `basic` 1, `x509` 2 |
//! | GREASE (13.5) | `0x0A0A`, `0x1A1A`, ..., `0xEAEA` in the cipher-suite, extension, proposal and credential registries |
//!
//! Names follow Rust casing (`PskType` for the RFC's `PSKType`); each type's documentation
//! gives the RFC name.
//!
//! Proven by `deserialization.json` (family `mls-deserialization`, through the codec) and
//! `messages.json` (family `mls-messages`), plus the unit tests below for every closed enum.

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
};

/// Whether a `uint16` registry value is one of the GREASE values of section 13.5
/// (`0x0A0A`, `0x1A1A`, ..., `0xEAEA`).
pub const fn is_grease(value: u16) -> bool {
    let [hi, lo] = value.to_be_bytes();
    hi == lo && lo & 0x0f == 0x0a && lo != 0xfa
}

/// A `uint16` registry newtype with `Codec`, `From<u16>` and a GREASE test.
macro_rules! u16_registry {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u16);

        impl $name {
            /// Whether this is a GREASE value (section 13.5).
            pub const fn is_grease(self) -> bool {
                is_grease(self.0)
            }
        }

        impl From<u16> for $name {
            fn from(v: u16) -> Self {
                Self(v)
            }
        }

        impl From<$name> for u16 {
            fn from(v: $name) -> Self {
                v.0
            }
        }

        impl Codec for $name {
            fn encode(&self, w: &mut Writer) {
                w.u16(self.0);
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                r.u16().map(Self)
            }
        }
    };
}

u16_registry!(
    /// `ProtocolVersion` (section 6): `uint16`, `mls10(1)`. Decodes any value; the structures
    /// that require `mls10` check it themselves.
    ProtocolVersion
);

impl ProtocolVersion {
    /// `reserved(0)`.
    pub const RESERVED: Self = Self(0);
    /// `mls10(1)`, the only version RFC 9420 defines.
    pub const MLS10: Self = Self(1);
}

u16_registry!(
    /// `CipherSuite` (section 5.1, registry 17.1): the raw identifier. Which suites this crate
    /// implements is decided by [`crate::suite::CipherSuite::from_id`], which maps the identifier.
    CipherSuiteId
);

impl CipherSuiteId {
    /// `MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519` (0x0001).
    pub const MLS_128_DHKEMX25519_AES128GCM_SHA256_ED25519: Self = Self(0x0001);
    /// `MLS_128_DHKEMP256_AES128GCM_SHA256_P256` (0x0002).
    pub const MLS_128_DHKEMP256_AES128GCM_SHA256_P256: Self = Self(0x0002);
    /// `MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519` (0x0003).
    pub const MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_ED25519: Self = Self(0x0003);
    /// `MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448` (0x0004).
    pub const MLS_256_DHKEMX448_AES256GCM_SHA512_ED448: Self = Self(0x0004);
    /// `MLS_256_DHKEMP521_AES256GCM_SHA512_P521` (0x0005).
    pub const MLS_256_DHKEMP521_AES256GCM_SHA512_P521: Self = Self(0x0005);
    /// `MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448` (0x0006).
    pub const MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_ED448: Self = Self(0x0006);
    /// `MLS_256_DHKEMP384_AES256GCM_SHA384_P384` (0x0007).
    pub const MLS_256_DHKEMP384_AES256GCM_SHA384_P384: Self = Self(0x0007);
}

u16_registry!(
    /// `ExtensionType` (section 7.2, registry 17.3).
    ExtensionType
);

impl ExtensionType {
    /// `application_id` (0x0001), in LeafNodes.
    pub const APPLICATION_ID: Self = Self(0x0001);
    /// `ratchet_tree` (0x0002), in GroupInfo.
    pub const RATCHET_TREE: Self = Self(0x0002);
    /// `required_capabilities` (0x0003), in GroupContext.
    pub const REQUIRED_CAPABILITIES: Self = Self(0x0003);
    /// `external_pub` (0x0004), in GroupInfo.
    pub const EXTERNAL_PUB: Self = Self(0x0004);
    /// `external_senders` (0x0005), in GroupContext.
    pub const EXTERNAL_SENDERS: Self = Self(0x0005);

    /// Whether this is one of the "default" extension types of section 7.2, which every
    /// client supports and which MUST NOT be listed in `Capabilities`.
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0005)
    }
}

u16_registry!(
    /// `ProposalType` (section 12.1, registry 17.4).
    ProposalType
);

impl ProposalType {
    /// `add` (0x0001).
    pub const ADD: Self = Self(0x0001);
    /// `update` (0x0002).
    pub const UPDATE: Self = Self(0x0002);
    /// `remove` (0x0003).
    pub const REMOVE: Self = Self(0x0003);
    /// `psk` (0x0004).
    pub const PSK: Self = Self(0x0004);
    /// `reinit` (0x0005).
    pub const REINIT: Self = Self(0x0005);
    /// `external_init` (0x0006).
    pub const EXTERNAL_INIT: Self = Self(0x0006);
    /// `group_context_extensions` (0x0007).
    pub const GROUP_CONTEXT_EXTENSIONS: Self = Self(0x0007);

    /// Whether this is one of the "default" proposal types of section 7.2, which every client
    /// supports and which MUST NOT be listed in `Capabilities`.
    pub const fn is_default(self) -> bool {
        matches!(self.0, 0x0001..=0x0007)
    }
}

u16_registry!(
    /// `CredentialType` (section 5.3, registry 17.5).
    CredentialType
);

impl CredentialType {
    /// `basic` (0x0001).
    pub const BASIC: Self = Self(0x0001);
    /// `x509` (0x0002).
    pub const X509: Self = Self(0x0002);
}

/// The index of a leaf among the leaves of the ratchet tree (section 4.2; `uint32` on the
/// wire: `Remove.removed`, `Sender.leaf_index`, `SenderData.leaf_index`, `GroupInfo.signer`,
/// `unmerged_leaves`, the `leaf_index` of LeafNodeTBS). The node index of leaf `i` is `2i`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LeafIndex(pub u32);

impl From<u32> for LeafIndex {
    fn from(v: u32) -> Self {
        Self(v)
    }
}

impl From<LeafIndex> for u32 {
    fn from(v: LeafIndex) -> Self {
        v.0
    }
}

impl Codec for LeafIndex {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.u32().map(Self)
    }
}

/// A byte-string newtype encoded as `opaque <V>`.
macro_rules! opaque_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
        pub struct $name(pub Vec<u8>);

        impl $name {
            /// The bytes.
            pub fn as_slice(&self) -> &[u8] {
                &self.0
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl From<Vec<u8>> for $name {
            fn from(v: Vec<u8>) -> Self {
                Self(v)
            }
        }

        impl From<&[u8]> for $name {
            fn from(v: &[u8]) -> Self {
                Self(v.to_vec())
            }
        }

        impl Codec for $name {
            fn encode(&self, w: &mut Writer) {
                w.opaque(&self.0);
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                r.opaque_vec().map(Self)
            }
        }
    };
}

opaque_newtype!(
    /// `HPKEPublicKey` (section 5.1.1): an encoded HPKE public key, `opaque <V>`. Named
    /// `...Bytes` to keep it apart from the parsed key type of `primitives`.
    HpkePublicKeyBytes
);

opaque_newtype!(
    /// `SignaturePublicKey` (section 5.1.1): an encoded signature public key, `opaque <V>`.
    SignaturePublicKeyBytes
);

opaque_newtype!(
    /// `KeyPackageRef` (section 5.2): `RefHash("MLS 1.0 KeyPackage Reference", KeyPackage)`.
    KeyPackageRef
);

opaque_newtype!(
    /// `ProposalRef` (section 5.2): `RefHash("MLS 1.0 Proposal Reference",
    /// AuthenticatedContent)`.
    ProposalRef
);

/// `MAC` (section 6.1): a confirmation or membership tag, `opaque <V>`.
///
/// Equality is constant time in the contents (the lengths are public), so comparing a
/// received tag with a computed one (`received == computed`) leaks nothing about where they
/// differ.
#[derive(Debug, Clone, Default)]
pub struct Mac(pub Vec<u8>);

impl PartialEq for Mac {
    fn eq(&self, other: &Self) -> bool {
        primitives::secret::ct_eq_bytes(&self.0, &other.0)
    }
}

impl Eq for Mac {}

impl core::hash::Hash for Mac {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl AsRef<[u8]> for Mac {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Mac {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl Codec for Mac {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.opaque_vec().map(Self)
    }
}

/// A closed enumeration: `Codec` through a fixed-width integer, strict decoding.
macro_rules! wire_enum {
    (
        $(#[$doc:meta])*
        $name:ident : $int:ident, $err:literal {
            $( $(#[$vdoc:meta])* $variant:ident = $value:literal ),+ $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vdoc])* $variant ),+
        }

        impl $name {
            /// The wire value.
            pub const fn value(self) -> $int {
                match self {
                    $( Self::$variant => $value ),+
                }
            }

            /// The variant for a wire value.
            ///
            /// # Errors
            /// [`Error::Decode`] for `reserved(0)` and values RFC 9420 does not define.
            pub const fn from_value(v: $int) -> Result<Self> {
                match v {
                    $( $value => Ok(Self::$variant), )+
                    _ => Err(Error::Decode($err)),
                }
            }
        }

        impl Codec for $name {
            fn encode(&self, w: &mut Writer) {
                w.$int(self.value());
            }
            fn decode(r: &mut Reader<'_>) -> Result<Self> {
                Self::from_value(r.$int()?)
            }
        }
    };
}

wire_enum!(
    /// `WireFormat` (section 6, registry 17.2). Unknown and private-use values are rejected
    /// (see the module documentation).
    WireFormat: u16, "unknown or reserved wire format" {
        /// `mls_public_message` (1).
        PublicMessage = 1,
        /// `mls_private_message` (2).
        PrivateMessage = 2,
        /// `mls_welcome` (3).
        Welcome = 3,
        /// `mls_group_info` (4).
        GroupInfo = 4,
        /// `mls_key_package` (5).
        KeyPackage = 5,
    }
);

wire_enum!(
    /// `ContentType` (section 6).
    ContentType: u8, "unknown or reserved content type" {
        /// `application` (1).
        Application = 1,
        /// `proposal` (2).
        Proposal = 2,
        /// `commit` (3).
        Commit = 3,
    }
);

wire_enum!(
    /// `SenderType` (section 6).
    SenderType: u8, "unknown or reserved sender type" {
        /// `member` (1).
        Member = 1,
        /// `external` (2).
        External = 2,
        /// `new_member_proposal` (3).
        NewMemberProposal = 3,
        /// `new_member_commit` (4).
        NewMemberCommit = 4,
    }
);

wire_enum!(
    /// `LeafNodeSource` (section 7.2).
    LeafNodeSource: u8, "unknown or reserved leaf node source" {
        /// `key_package` (1).
        KeyPackage = 1,
        /// `update` (2).
        Update = 2,
        /// `commit` (3).
        Commit = 3,
    }
);

wire_enum!(
    /// `NodeType` (sections 7.8, 12.4.3.3).
    NodeType: u8, "unknown or reserved node type" {
        /// `leaf` (1).
        Leaf = 1,
        /// `parent` (2).
        Parent = 2,
    }
);

wire_enum!(
    /// `PSKType` (section 8.4).
    PskType: u8, "unknown or reserved PSK type" {
        /// `external` (1).
        External = 1,
        /// `resumption` (2).
        Resumption = 2,
    }
);

wire_enum!(
    /// `ResumptionPSKUsage` (section 8.4).
    ResumptionPskUsage: u8, "unknown or reserved resumption PSK usage" {
        /// `application` (1).
        Application = 1,
        /// `reinit` (2).
        Reinit = 2,
        /// `branch` (3).
        Branch = 3,
    }
);

wire_enum!(
    /// `ProposalOrRefType` (section 12.4).
    ProposalOrRefType: u8, "unknown or reserved ProposalOrRef type" {
        /// `proposal` (1).
        Proposal = 1,
        /// `reference` (2).
        Reference = 2,
    }
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn grease_values_are_exactly_the_sixteen_of_section_13_5() {
        let all: Vec<u16> = (0..=u16::MAX).filter(|&v| is_grease(v)).collect();
        let expected: Vec<u16> = (0..15u16)
            .map(|i| (i << 12) | 0x0a00 | (i << 4) | 0x0a)
            .collect();
        assert_eq!(all, expected);
        assert!(ExtensionType(0x3a3a).is_grease());
        assert!(!ExtensionType::RATCHET_TREE.is_grease());
    }

    #[test]
    fn closed_enums_reject_reserved_and_unknown_values() {
        assert!(WireFormat::from_bytes(&[0, 0]).is_err());
        assert!(WireFormat::from_bytes(&[0, 6]).is_err());
        assert!(WireFormat::from_bytes(&[0xf0, 0x00]).is_err());
        assert_eq!(
            WireFormat::from_bytes(&[0, 3]).unwrap(),
            WireFormat::Welcome
        );
        assert!(ContentType::from_bytes(&[0]).is_err());
        assert!(ContentType::from_bytes(&[4]).is_err());
        assert!(SenderType::from_bytes(&[5]).is_err());
        assert!(LeafNodeSource::from_bytes(&[0]).is_err());
        assert!(NodeType::from_bytes(&[3]).is_err());
        assert!(PskType::from_bytes(&[0]).is_err());
        assert!(ResumptionPskUsage::from_bytes(&[4]).is_err());
        assert!(ProposalOrRefType::from_bytes(&[0]).is_err());
        for v in 1..=3 {
            let ct = ContentType::from_bytes(&[v]).unwrap();
            assert_eq!(ct.to_bytes().unwrap(), [v]);
        }
    }

    #[test]
    fn registry_newtypes_carry_any_value() {
        let v = ProposalType::from_bytes(&[0xf0, 0x01]).unwrap();
        assert_eq!(v, ProposalType(0xf001));
        assert_eq!(v.to_bytes().unwrap(), [0xf0, 0x01]);
        assert!(ProposalType::ADD.is_default());
        assert!(!ProposalType(8).is_default());
    }

    #[test]
    fn mac_equality_compares_contents() {
        assert_eq!(Mac(vec![1, 2]), Mac(vec![1, 2]));
        assert_ne!(Mac(vec![1, 2]), Mac(vec![1, 3]));
        assert_ne!(Mac(vec![1, 2]), Mac(vec![1]));
    }
}
