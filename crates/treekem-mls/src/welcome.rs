//! Joining a group by Welcome on the wire (RFC 9420 section 12.4.3, "Adding Members to the
//! Group", and 12.4.3.1, "Joining via Welcome Message"): GroupInfo and GroupInfoTBS, the
//! GroupSecrets encrypted to each new member, and the Welcome itself.
//!
//! ```text
//! struct {
//!     GroupContext group_context;
//!     Extension extensions<V>;
//!     MAC confirmation_tag;
//!     uint32 signer;
//!     opaque signature<V>;   /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
//! } GroupInfo;
//!
//! GroupInfoTBS = every GroupInfo field above `signature`.
//!
//! struct { opaque path_secret<V>; } PathSecret;
//!
//! struct {
//!   opaque joiner_secret<V>;
//!   optional<PathSecret> path_secret;
//!   PreSharedKeyID psks<V>;
//! } GroupSecrets;
//!
//! struct {
//!   KeyPackageRef new_member;
//!   HPKECiphertext encrypted_group_secrets;
//! } EncryptedGroupSecrets;
//!
//! struct {
//!   CipherSuite cipher_suite;
//!   EncryptedGroupSecrets secrets<V>;
//!   opaque encrypted_group_info<V>;
//! } Welcome;
//! ```
//!
//! `joiner_secret` and `path_secret` are secrets: they are held in [`SecretVec`] (zeroized
//! on drop, redacted `Debug`, no `PartialEq`, no `Copy`), are read straight from the
//! decrypted plaintext into that storage, and [`GroupSecrets::to_secret_bytes`] encodes them
//! into a buffer sized up front and returned as a [`SecretVec`], so no plain copy is left
//! behind by the encoder.
//!
//! Proven by `messages.json` (family `mls-messages`: `mls_welcome`, `mls_group_info`,
//! `group_secrets`).

use primitives::SecretVec;

use crate::{
    Error, Result,
    codec::{Codec, MAX_VARINT, Reader, Writer},
    commit::HpkeCiphertext,
    extension::Extensions,
    group_context::GroupContext,
    proposal::PreSharedKeyId,
    types::{CipherSuiteId, KeyPackageRef, LeafIndex, Mac},
};

/// `GroupInfo` (section 12.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// `group_context`.
    pub group_context: GroupContext,
    /// `extensions<V>` (for example `ratchet_tree`, `external_pub`).
    pub extensions: Extensions,
    /// `confirmation_tag`.
    pub confirmation_tag: Mac,
    /// `signer`: the leaf whose signature key signed.
    pub signer: LeafIndex,
    /// `signature<V>`: `SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)`.
    pub signature: Vec<u8>,
}

impl GroupInfo {
    fn encode_content(&self, w: &mut Writer) {
        self.group_context.encode(w);
        self.extensions.encode(w);
        self.confirmation_tag.encode(w);
        self.signer.encode(w);
    }

    /// The encoding of GroupInfoTBS, the content of the GroupInfo's signature.
    ///
    /// # Errors
    /// [`Error::Misuse`] if a vector is too long to encode.
    pub fn tbs(&self) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        self.encode_content(&mut w);
        w.finish()
    }
}

impl Codec for GroupInfo {
    fn encode(&self, w: &mut Writer) {
        self.encode_content(w);
        w.opaque(&self.signature);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_context: GroupContext::decode(r)?,
            extensions: Extensions::decode(r)?,
            confirmation_tag: Mac::decode(r)?,
            signer: LeafIndex::decode(r)?,
            signature: r.opaque_vec()?,
        })
    }
}

/// `PathSecret` (section 12.4.3.1): the path secret of the lowest common ancestor of the
/// committer and the new member.
#[derive(Debug)]
pub struct PathSecret {
    /// `path_secret<V>`.
    pub path_secret: SecretVec,
}

impl Codec for PathSecret {
    /// Encodes the secret into `w`, whose buffer is not zeroized: prefer
    /// [`GroupSecrets::to_secret_bytes`].
    fn encode(&self, w: &mut Writer) {
        w.opaque(self.path_secret.expose_secret());
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            path_secret: SecretVec::from_slice(r.opaque()?),
        })
    }
}

/// `GroupSecrets` (section 12.4.3.1): what each new member decrypts from the Welcome.
#[derive(Debug)]
pub struct GroupSecrets {
    /// `joiner_secret<V>`.
    pub joiner_secret: SecretVec,
    /// `path_secret`: `optional<PathSecret>`.
    pub path_secret: Option<PathSecret>,
    /// `psks<V>`: the PSKs to inject, in order.
    pub psks: Vec<PreSharedKeyId>,
}

/// The length of the variable-length integer encoding `v <= MAX_VARINT` (section 2.1.2).
const fn varint_len(v: usize) -> usize {
    if v < 1 << 6 {
        1
    } else if v < 1 << 14 {
        2
    } else {
        4
    }
}

impl GroupSecrets {
    /// The encoding, in a buffer allocated once at its final size and returned as a secret,
    /// to be encrypted into `EncryptedGroupSecrets`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if a secret or the PSK list is too long to encode.
    pub fn to_secret_bytes(&self) -> Result<SecretVec> {
        let joiner = self.joiner_secret.expose_secret();
        let path = self
            .path_secret
            .as_ref()
            .map(|p| p.path_secret.expose_secret());
        // Rejected before anything secret is written, so that the failing `finish` below
        // (which drops its buffer unzeroized) can only concern the public PSK list.
        if joiner.len() > MAX_VARINT || path.is_some_and(|p| p.len() > MAX_VARINT) {
            return Err(Error::Misuse(
                "secret of 2^30 bytes or more cannot be encoded",
            ));
        }
        let mut psks = Writer::new();
        psks.vec(&self.psks);
        let psks = psks.finish()?;
        let len = varint_len(joiner.len())
            + joiner.len()
            + 1
            + path.map_or(0, |p| varint_len(p.len()) + p.len())
            + psks.len();
        let mut w = Writer::with_capacity(len);
        w.opaque(joiner);
        match path {
            None => w.u8(0),
            Some(p) => {
                w.u8(1);
                w.opaque(p);
            }
        }
        w.bytes(&psks);
        Ok(SecretVec::new(w.finish()?))
    }
}

impl Codec for GroupSecrets {
    /// Encodes the secrets into `w`, whose buffer is not zeroized: prefer
    /// [`Self::to_secret_bytes`].
    fn encode(&self, w: &mut Writer) {
        w.opaque(self.joiner_secret.expose_secret());
        w.optional(self.path_secret.as_ref());
        w.vec(&self.psks);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            joiner_secret: SecretVec::from_slice(r.opaque()?),
            path_secret: r.optional()?,
            psks: r.vec()?,
        })
    }
}

/// `EncryptedGroupSecrets` (section 12.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EncryptedGroupSecrets {
    /// `new_member`: the KeyPackageRef of the new member's KeyPackage.
    pub new_member: KeyPackageRef,
    /// `encrypted_group_secrets`: GroupSecrets encrypted to the KeyPackage's `init_key`.
    pub encrypted_group_secrets: HpkeCiphertext,
}

impl Codec for EncryptedGroupSecrets {
    fn encode(&self, w: &mut Writer) {
        self.new_member.encode(w);
        self.encrypted_group_secrets.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            new_member: KeyPackageRef::decode(r)?,
            encrypted_group_secrets: HpkeCiphertext::decode(r)?,
        })
    }
}

/// `Welcome` (section 12.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Welcome {
    /// `cipher_suite`.
    pub cipher_suite: CipherSuiteId,
    /// `secrets<V>`: one entry per new member.
    pub secrets: Vec<EncryptedGroupSecrets>,
    /// `encrypted_group_info<V>`: the GroupInfo under the welcome key and nonce.
    pub encrypted_group_info: Vec<u8>,
}

impl Codec for Welcome {
    fn encode(&self, w: &mut Writer) {
        self.cipher_suite.encode(w);
        w.vec(&self.secrets);
        w.opaque(&self.encrypted_group_info);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            cipher_suite: CipherSuiteId::decode(r)?,
            secrets: r.vec()?,
            encrypted_group_info: r.opaque_vec()?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use crate::proposal::PskSource;

    fn secrets(path: bool) -> GroupSecrets {
        GroupSecrets {
            joiner_secret: SecretVec::from_slice(&[0xa5; 70]),
            path_secret: path.then(|| PathSecret {
                path_secret: SecretVec::from_slice(&[0x5a; 32]),
            }),
            psks: vec![PreSharedKeyId {
                psk: PskSource::External {
                    psk_id: b"psk".to_vec(),
                },
                psk_nonce: vec![1; 32],
            }],
        }
    }

    #[test]
    fn secret_encoding_matches_the_codec_and_round_trips() {
        for path in [false, true] {
            let s = secrets(path);
            let plain = s.to_bytes().unwrap();
            let secret = s.to_secret_bytes().unwrap();
            assert_eq!(secret.expose_secret(), plain.as_slice());
            let back = GroupSecrets::from_bytes(&plain).unwrap();
            assert_eq!(back.joiner_secret.expose_secret(), &[0xa5; 70]);
            assert_eq!(back.path_secret.is_some(), path);
            assert_eq!(back.psks, s.psks);
            assert_eq!(back.to_bytes().unwrap(), plain);
        }
    }

    #[test]
    fn debug_output_shows_no_secret_bytes() {
        let dbg = format!("{:?}", secrets(true));
        assert!(!dbg.contains("165"), "{dbg}"); // 0xa5
        assert!(!dbg.contains("90"), "{dbg}"); // 0x5a
        assert!(!dbg.to_lowercase().contains("a5"), "{dbg}");
        assert!(!dbg.to_lowercase().contains("5a"), "{dbg}");
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn bad_path_secret_presence_byte_is_rejected() {
        let mut bytes = secrets(false).to_bytes().unwrap();
        // joiner_secret: 2-byte length + 70 bytes, then the presence byte.
        *bytes.get_mut(72).unwrap() = 2;
        assert!(GroupSecrets::from_bytes(&bytes).is_err());
    }
}
