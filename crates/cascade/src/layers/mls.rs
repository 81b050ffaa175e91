//! The MLS layer: the layer's ciphertext is an MLS PrivateMessage of a
//! [`treekem_mls::group::Group`] (RFC 9420 section 6.3) carrying application data.
//!
//! ```text
//! application_data = plaintext || SHA-256(binding)        (BIND-1, inside the ciphertext)
//! ```
//!
//! A PrivateMessage's only associated data, `authenticated_data`, travels in the clear, so
//! the layer binds the cascade's binding inside the encrypted content instead, as a digest
//! that costs 32 bytes and reveals nothing: after the message decrypts and its signature
//! verifies, the digest must equal that of the binding the receiver expects (compared in
//! constant time), else the open fails and the ratchet key is not consumed.
//! `authenticated_data` is left empty.

use primitives::{hash::sha256, rand::CryptoRng, secret::ct_eq_bytes};
use treekem_mls::{
    codec::Codec,
    framing::MlsMessage,
    group::{Group, StagedApplication},
};

use crate::{CipherLayer, LayerId, Opened, StagedOpen, error::LayerError};

/// Version 1: an MLS 1.0 `MLSMessage` holding a PrivateMessage whose application data ends
/// with the binding's SHA-256 digest.
pub const VERSION: u8 = 1;

const DIGEST_LEN: usize = 32;

/// What a PrivateMessage adds to its application data besides padding and the group id:
/// framing, epoch, sender data, signature (at most 104 bytes, ECDSA P-384), AEAD tags,
/// length prefixes and the binding digest, rounded up.
const MAX_FIXED_OVERHEAD: usize = 512;

/// An MLS group as a cascade layer.
#[derive(Debug)]
pub struct MlsLayer {
    group: Group,
}

impl MlsLayer {
    /// The layer of a group this member is in.
    pub const fn new(group: Group) -> Self {
        Self { group }
    }

    /// The group.
    pub const fn group(&self) -> &Group {
        &self.group
    }

    /// The group, mutably: proposals, commits and handshake messages go through it
    /// directly; only application messages go through the cascade.
    pub const fn group_mut(&mut self) -> &mut Group {
        &mut self.group
    }

    /// The group, taking the layer apart.
    pub fn into_group(self) -> Group {
        self.group
    }
}

struct Staged<'a>(StagedApplication<'a>);

impl StagedOpen for Staged<'_> {
    fn commit(self: Box<Self>) -> Result<(), LayerError> {
        Ok(self.0.commit()?)
    }
}

impl CipherLayer for MlsLayer {
    fn id(&self) -> LayerId {
        LayerId::MLS
    }

    fn version(&self) -> u8 {
        VERSION
    }

    fn max_overhead(&self) -> usize {
        MAX_FIXED_OVERHEAD
            .saturating_add(self.group.group_id().len())
            .saturating_add(self.group.config().padding)
    }

    fn seal(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        mut rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, LayerError> {
        let mut data = Vec::with_capacity(plaintext.len() + DIGEST_LEN);
        data.extend_from_slice(plaintext);
        data.extend_from_slice(&sha256(ad));
        let message = self.group.send_application(&data, &[], &mut rng)?;
        Ok(message.to_bytes()?)
    }

    fn open<'a>(&'a mut self, ciphertext: &[u8], ad: &[u8]) -> Result<Opened<'a>, LayerError> {
        let message = MlsMessage::from_bytes(ciphertext)?;
        let (mut plaintext, staged) = self.group.stage_application(&message)?;
        let len = plaintext
            .len()
            .checked_sub(DIGEST_LEN)
            .ok_or(LayerError::BindingMismatch)?;
        let digest = plaintext.get(len..).unwrap_or_default();
        if !ct_eq_bytes(digest, &sha256(ad)) {
            return Err(LayerError::BindingMismatch);
        }
        plaintext.truncate(len);
        Ok(Opened {
            plaintext,
            staged: Some(Box::new(Staged(staged))),
        })
    }
}
