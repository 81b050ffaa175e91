//! KeyPackages (RFC 9420 section 10) on the wire, and the bytes their signature covers.
//!
//! ```text
//! struct {
//!     ProtocolVersion version;
//!     CipherSuite cipher_suite;
//!     HPKEPublicKey init_key;
//!     LeafNode leaf_node;
//!     Extension extensions<V>;
//!     opaque signature<V>;   /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
//! } KeyPackage;
//!
//! KeyPackageTBS = every KeyPackage field above `signature`.
//! ```
//!
//! Decoding checks syntax only (plus EXT-1 in both extension lists); the validation of
//! section 10.1 (version, suite, signature, `leaf_node_source = key_package`, distinct
//! `init_key` and `encryption_key`) needs the group and the cipher suite.
//!
//! Proven by `messages.json` (family `mls-messages`: `mls_key_package`, `add_proposal`).

use crate::{
    Result,
    codec::{Codec, Reader, Writer},
    extension::Extensions,
    leaf_node::LeafNode,
    suite::CipherSuite,
    types::{CipherSuiteId, HpkePublicKeyBytes, KeyPackageRef, ProtocolVersion},
};

/// `KeyPackage` (section 10).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyPackage {
    /// `version`.
    pub version: ProtocolVersion,
    /// `cipher_suite`.
    pub cipher_suite: CipherSuiteId,
    /// `init_key`: the HPKE key a Welcome encrypts the group secrets to.
    pub init_key: HpkePublicKeyBytes,
    /// `leaf_node`.
    pub leaf_node: LeafNode,
    /// `extensions<V>`.
    pub extensions: Extensions,
    /// `signature<V>`: `SignWithLabel(., "KeyPackageTBS", KeyPackageTBS)`.
    pub signature: Vec<u8>,
}

impl KeyPackage {
    fn encode_content(&self, w: &mut Writer) {
        self.version.encode(w);
        self.cipher_suite.encode(w);
        self.init_key.encode(w);
        self.leaf_node.encode(w);
        self.extensions.encode(w);
    }

    /// `KeyPackageRef = MakeKeyPackageRef(value) = RefHash("MLS 1.0 KeyPackage Reference",
    /// value)` over the encoded KeyPackage (section 5.2).
    ///
    /// # Errors
    /// [`crate::Error::Misuse`] if a vector is too long to encode.
    pub fn reference(&self, suite: CipherSuite) -> Result<KeyPackageRef> {
        let encoded = self.to_bytes()?;
        Ok(KeyPackageRef(
            suite.ref_hash(b"MLS 1.0 KeyPackage Reference", &encoded)?,
        ))
    }

    /// The encoding of KeyPackageTBS, the content of the KeyPackage's signature.
    ///
    /// # Errors
    /// [`crate::Error::Misuse`] if a vector is too long to encode.
    pub fn tbs(&self) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        self.encode_content(&mut w);
        w.finish()
    }
}

impl Codec for KeyPackage {
    fn encode(&self, w: &mut Writer) {
        self.encode_content(w);
        w.opaque(&self.signature);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            version: ProtocolVersion::decode(r)?,
            cipher_suite: CipherSuiteId::decode(r)?,
            init_key: HpkePublicKeyBytes::decode(r)?,
            leaf_node: LeafNode::decode(r)?,
            extensions: Extensions::decode(r)?,
            signature: r.opaque_vec()?,
        })
    }
}
