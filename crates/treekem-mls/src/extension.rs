//! Extensions (RFC 9420 section 7.2 `Extension`, section 13.4 "Extensions", registry
//! section 17.3) and the bodies of the five extension types RFC 9420 defines.
//!
//! ```text
//! struct {
//!     ExtensionType extension_type;
//!     opaque extension_data<V>;
//! } Extension;
//! ```
//!
//! | type | body | section | appears in |
//! |---|---|---|---|
//! | `application_id` (1) | `opaque application_id<V>` ([`ApplicationId`]) | 5.3.3 | LeafNode |
//! | `ratchet_tree` (2) | `optional<Node> ratchet_tree<V>` ([`RatchetTreeExtension`]) | 12.4.3.3 | GroupInfo |
//! | `required_capabilities` (3) | [`RequiredCapabilities`] | 11.1 | GroupContext |
//! | `external_pub` (4) | [`ExternalPub`] | 12.4.3.2 | GroupInfo |
//! | `external_senders` (5) | `ExternalSender external_senders<V>` ([`ExternalSenders`]) | 12.1.8.1 | GroupContext |
//!
//! Every `Extension extensions<V>` field of RFC 9420 (LeafNode, KeyPackage, GroupContext,
//! GroupInfo, ReInit, GroupContextExtensions) is an [`Extensions`] here, and its decoding
//! enforces **EXT-1** (section 13.4): "Any field containing a list of extensions MUST NOT
//! have more than one extension of any given type." The check is `O(n log n)` in the number
//! of extensions, so a long list of tiny extensions cannot make it quadratic.
//!
//! An extension's body is parsed only on request ([`Extensions::typed`]): unknown
//! extensions MUST be ignored (section 13.4), so a list decodes whatever its members contain,
//! and a malformed known body is reported when it is read.
//!
//! Proven by `messages.json` (family `mls-messages`: `ratchet_tree`, `external_pub` and
//! `required_capabilities` bodies parsed and re-encoded), EXT-1 by the unit tests below and
//! the negative twins of `tests/kat_mls_messages.rs`.

use std::collections::BTreeSet;

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
    credential::Credential,
    leaf_node::Node,
    types::{
        CredentialType, ExtensionType, HpkePublicKeyBytes, ProposalType, SignaturePublicKeyBytes,
    },
};

/// `Extension` (section 7.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extension {
    /// `extension_type`.
    pub extension_type: ExtensionType,
    /// `extension_data<V>`: the encoded body.
    pub extension_data: Vec<u8>,
}

impl Extension {
    /// An extension carrying `body`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the body does not fit a vector.
    pub fn from_body<T: ExtensionBody>(body: &T) -> Result<Self> {
        Ok(Self {
            extension_type: T::EXTENSION_TYPE,
            extension_data: body.to_bytes()?,
        })
    }

    /// The body, parsed as `T`; it must span `extension_data` exactly.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the extension is not of type `T::EXTENSION_TYPE`;
    /// [`Error::Decode`] if the body is malformed.
    pub fn body<T: ExtensionBody>(&self) -> Result<T> {
        if self.extension_type != T::EXTENSION_TYPE {
            return Err(Error::Misuse("extension body requested for another type"));
        }
        T::from_bytes(&self.extension_data)
    }
}

impl Codec for Extension {
    fn encode(&self, w: &mut Writer) {
        self.extension_type.encode(w);
        w.opaque(&self.extension_data);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            extension_type: ExtensionType::decode(r)?,
            extension_data: r.opaque_vec()?,
        })
    }
}

/// The body of an extension type this crate knows.
pub trait ExtensionBody: Codec {
    /// The extension type whose `extension_data` this body is.
    const EXTENSION_TYPE: ExtensionType;
}

/// `Extension extensions<V>` with at most one extension of each type (EXT-1).
///
/// The list is private so that the invariant holds for every value, decoded or built
/// ([`Extensions::new`], [`Extensions::set`]); the order is kept as given, since it is part
/// of the encoding that signatures and hashes cover.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Extensions(Vec<Extension>);

impl Extensions {
    /// The empty list.
    pub const fn empty() -> Self {
        Self(Vec::new())
    }

    /// A list of extensions, in this order.
    ///
    /// # Errors
    /// [`Error::Invalid`] (EXT-1) if two extensions have the same type.
    pub fn new(list: Vec<Extension>) -> Result<Self> {
        let mut seen = BTreeSet::new();
        for e in &list {
            if !seen.insert(e.extension_type) {
                return Err(Error::invalid(
                    crate::Rule::Ext1,
                    "more than one extension of the same type (section 13.4)",
                ));
            }
        }
        Ok(Self(list))
    }

    /// The extensions, in order.
    pub fn as_slice(&self) -> &[Extension] {
        &self.0
    }

    /// The extensions, in order, by value.
    pub fn into_vec(self) -> Vec<Extension> {
        self.0
    }

    /// An iterator over the extensions, in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Extension> {
        self.0.iter()
    }

    /// The number of extensions.
    pub const fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The extension of type `extension_type`, if present.
    pub fn get(&self, extension_type: ExtensionType) -> Option<&Extension> {
        self.0.iter().find(|e| e.extension_type == extension_type)
    }

    /// Whether an extension of type `extension_type` is present.
    pub fn contains(&self, extension_type: ExtensionType) -> bool {
        self.get(extension_type).is_some()
    }

    /// The body of the extension of type `T::EXTENSION_TYPE`, parsed, if present.
    ///
    /// # Errors
    /// [`Error::Decode`] if the extension is present but its body is malformed.
    pub fn typed<T: ExtensionBody>(&self) -> Result<Option<T>> {
        self.get(T::EXTENSION_TYPE).map(Extension::body).transpose()
    }

    /// Replaces the extension of the same type in place, or appends `extension`.
    pub fn set(&mut self, extension: Extension) {
        match self
            .0
            .iter_mut()
            .find(|e| e.extension_type == extension.extension_type)
        {
            Some(slot) => *slot = extension,
            None => self.0.push(extension),
        }
    }

    /// [`Self::set`] with an extension carrying `body`.
    ///
    /// # Errors
    /// As [`Extension::from_body`].
    pub fn set_typed<T: ExtensionBody>(&mut self, body: &T) -> Result<()> {
        self.set(Extension::from_body(body)?);
        Ok(())
    }

    /// Removes and returns the extension of type `extension_type`.
    pub fn remove(&mut self, extension_type: ExtensionType) -> Option<Extension> {
        let pos = self
            .0
            .iter()
            .position(|e| e.extension_type == extension_type)?;
        Some(self.0.remove(pos))
    }

    /// [`Self::typed`] for `application_id`.
    ///
    /// # Errors
    /// As [`Self::typed`].
    pub fn application_id(&self) -> Result<Option<ApplicationId>> {
        self.typed()
    }

    /// [`Self::typed`] for `ratchet_tree`.
    ///
    /// # Errors
    /// As [`Self::typed`].
    pub fn ratchet_tree(&self) -> Result<Option<RatchetTreeExtension>> {
        self.typed()
    }

    /// [`Self::typed`] for `required_capabilities`.
    ///
    /// # Errors
    /// As [`Self::typed`].
    pub fn required_capabilities(&self) -> Result<Option<RequiredCapabilities>> {
        self.typed()
    }

    /// [`Self::typed`] for `external_pub`.
    ///
    /// # Errors
    /// As [`Self::typed`].
    pub fn external_pub(&self) -> Result<Option<ExternalPub>> {
        self.typed()
    }

    /// [`Self::typed`] for `external_senders`.
    ///
    /// # Errors
    /// As [`Self::typed`].
    pub fn external_senders(&self) -> Result<Option<ExternalSenders>> {
        self.typed()
    }
}

impl<'a> IntoIterator for &'a Extensions {
    type Item = &'a Extension;
    type IntoIter = core::slice::Iter<'a, Extension>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl TryFrom<Vec<Extension>> for Extensions {
    type Error = Error;
    fn try_from(list: Vec<Extension>) -> Result<Self> {
        Self::new(list)
    }
}

impl Codec for Extensions {
    fn encode(&self, w: &mut Writer) {
        w.vec(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Self::new(r.vec()?)
    }
}

/// `application_id` (section 5.3.3): `opaque application_id<V>`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ApplicationId(pub Vec<u8>);

impl Codec for ApplicationId {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.opaque_vec().map(Self)
    }
}

impl ExtensionBody for ApplicationId {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::APPLICATION_ID;
}

/// `ratchet_tree` (section 12.4.3.3): `optional<Node> ratchet_tree<V>`, the nodes in
/// array order (leaf `i` at index `2i`), `None` for a blank node.
///
/// Decoding checks the syntax only. The rules on the tree's shape (the last entry is
/// non-blank, leaves at even and parents at odd positions, the length) are checked where the
/// ratchet tree is built from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RatchetTreeExtension {
    /// The nodes, `None` for blank.
    pub nodes: Vec<Option<Node>>,
}

impl Codec for RatchetTreeExtension {
    fn encode(&self, w: &mut Writer) {
        w.vector(|w| {
            for n in &self.nodes {
                w.optional(n.as_ref());
            }
        });
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let nodes = r.vector(|r| {
            let mut nodes = Vec::new();
            while !r.is_empty() {
                nodes.push(r.optional()?);
            }
            Ok(nodes)
        })?;
        Ok(Self { nodes })
    }
}

impl ExtensionBody for RatchetTreeExtension {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::RATCHET_TREE;
}

/// `RequiredCapabilities` (section 11.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RequiredCapabilities {
    /// `extension_types<V>`.
    pub extension_types: Vec<ExtensionType>,
    /// `proposal_types<V>`.
    pub proposal_types: Vec<ProposalType>,
    /// `credential_types<V>`.
    pub credential_types: Vec<CredentialType>,
}

impl Codec for RequiredCapabilities {
    fn encode(&self, w: &mut Writer) {
        w.vec(&self.extension_types);
        w.vec(&self.proposal_types);
        w.vec(&self.credential_types);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            extension_types: r.vec()?,
            proposal_types: r.vec()?,
            credential_types: r.vec()?,
        })
    }
}

impl ExtensionBody for RequiredCapabilities {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::REQUIRED_CAPABILITIES;
}

/// `ExternalPub` (section 12.4.3.2): the public key external joiners encrypt to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ExternalPub {
    /// `external_pub`.
    pub external_pub: HpkePublicKeyBytes,
}

impl Codec for ExternalPub {
    fn encode(&self, w: &mut Writer) {
        self.external_pub.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            external_pub: HpkePublicKeyBytes::decode(r)?,
        })
    }
}

impl ExtensionBody for ExternalPub {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_PUB;
}

/// `ExternalSender` (section 12.1.8.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalSender {
    /// `signature_key`.
    pub signature_key: SignaturePublicKeyBytes,
    /// `credential`.
    pub credential: Credential,
}

impl Codec for ExternalSender {
    fn encode(&self, w: &mut Writer) {
        self.signature_key.encode(w);
        self.credential.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            signature_key: SignaturePublicKeyBytes::decode(r)?,
            credential: Credential::decode(r)?,
        })
    }
}

/// `external_senders` (section 12.1.8.1): `ExternalSender external_senders<V>`; an
/// external sender's `sender_index` indexes this list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ExternalSenders(pub Vec<ExternalSender>);

impl Codec for ExternalSenders {
    fn encode(&self, w: &mut Writer) {
        w.vec(&self.0);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        r.vec().map(Self)
    }
}

impl ExtensionBody for ExternalSenders {
    const EXTENSION_TYPE: ExtensionType = ExtensionType::EXTERNAL_SENDERS;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn ext(t: u16, data: &[u8]) -> Extension {
        Extension {
            extension_type: ExtensionType(t),
            extension_data: data.to_vec(),
        }
    }

    #[test]
    fn ext_1_duplicate_types_are_rejected_on_decode_and_construction() {
        let list = vec![ext(0x0a0a, &[1]), ext(3, &[0, 0, 0]), ext(0x0a0a, &[])];
        let mut w = Writer::new();
        w.vec(&list);
        let bytes = w.finish().unwrap();
        assert_eq!(
            Extensions::from_bytes(&bytes),
            Err(Error::invalid(
                crate::Rule::Ext1,
                "more than one extension of the same type (section 13.4)"
            ))
        );
        assert!(Extensions::new(list).is_err());

        let ok = vec![ext(0x0a0a, &[1]), ext(3, &[0, 0, 0])];
        let exts = Extensions::new(ok.clone()).unwrap();
        let bytes = exts.to_bytes().unwrap();
        assert_eq!(Extensions::from_bytes(&bytes).unwrap().into_vec(), ok);
    }

    #[test]
    fn typed_accessors_parse_known_bodies_and_set_replaces_in_place() {
        let mut exts = Extensions::empty();
        exts.set(ext(0x1a1a, &[7]));
        let rc = RequiredCapabilities {
            extension_types: vec![ExtensionType(0xf000)],
            proposal_types: vec![],
            credential_types: vec![CredentialType::BASIC],
        };
        exts.set_typed(&rc).unwrap();
        exts.set_typed(&ApplicationId(b"app".to_vec())).unwrap();
        assert_eq!(exts.required_capabilities().unwrap(), Some(rc));
        assert_eq!(
            exts.application_id().unwrap(),
            Some(ApplicationId(b"app".to_vec()))
        );
        assert_eq!(exts.external_pub().unwrap(), None);
        exts.set_typed(&ApplicationId(b"b".to_vec())).unwrap();
        assert_eq!(exts.len(), 3);
        assert_eq!(
            exts.as_slice().get(2).map(|e| e.extension_type),
            Some(ExtensionType::APPLICATION_ID)
        );
        assert!(exts.remove(ExtensionType(0x1a1a)).is_some());
        assert_eq!(exts.len(), 2);

        // A malformed known body fails when read, not when the list is decoded.
        let bad = Extensions::new(vec![ext(4, &[5, 1])]).unwrap();
        let bytes = bad.to_bytes().unwrap();
        let decoded = Extensions::from_bytes(&bytes).unwrap();
        assert!(decoded.external_pub().is_err());
        assert!(
            decoded
                .get(ExtensionType::EXTERNAL_PUB)
                .unwrap()
                .body::<ApplicationId>()
                .is_err()
        );
    }

    #[test]
    fn ratchet_tree_body_rejects_bad_presence_byte() {
        assert_eq!(
            RatchetTreeExtension::from_bytes(&[1, 0]).unwrap(),
            RatchetTreeExtension { nodes: vec![None] }
        );
        assert!(RatchetTreeExtension::from_bytes(&[1, 2]).is_err());
    }
}
