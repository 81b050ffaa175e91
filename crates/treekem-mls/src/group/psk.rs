//! The pre-shared keys a member can inject (RFC 9420 section 8.4, 8.6 "Resumption PSK"):
//! external PSKs the application provisions by `psk_id`, and the `resumption_psk` of past
//! epochs, by group ID and epoch.
//!
//! | id | rule | section |
//! |---|---|---|
//! | PSK-1 | every PSK a Commit or a Welcome names is available | 8.4, 12.4.2, 12.4.3.1 |

use std::collections::{BTreeMap, HashMap};

use primitives::SecretVec;

use crate::{
    Error, Result,
    codec::Codec,
    key_schedule::{PskInput, psk_secret},
    proposal::{PreSharedKeyId, PskSource},
    suite::CipherSuite,
};

/// External PSKs by id and resumption PSKs by (group ID, epoch). Zeroized on drop (the
/// secrets are [`SecretVec`]s); `Debug` shows only how many there are.
#[derive(Default, Clone)]
pub struct PskStore {
    pub(super) external: HashMap<Vec<u8>, SecretVec>,
    pub(super) resumption: BTreeMap<(Vec<u8>, u64), SecretVec>,
}

impl core::fmt::Debug for PskStore {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PskStore")
            .field("external", &self.external.len())
            .field("resumption", &self.resumption.len())
            .finish_non_exhaustive()
    }
}

impl PskStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Provisions the external PSK `psk_id` (replacing one of the same id).
    pub fn insert_external(&mut self, psk_id: Vec<u8>, psk: SecretVec) {
        self.external.insert(psk_id, psk);
    }

    /// Stores the `resumption_psk` of epoch `epoch` of group `group_id`.
    pub fn insert_resumption(&mut self, group_id: Vec<u8>, epoch: u64, psk: SecretVec) {
        self.resumption.insert((group_id, epoch), psk);
    }

    /// Forgets the resumption PSKs of `group_id` older than epoch `oldest_kept`.
    pub fn prune_resumption(&mut self, group_id: &[u8], oldest_kept: u64) {
        self.resumption
            .retain(|(g, e), _| g.as_slice() != group_id || *e >= oldest_kept);
    }

    /// Forgets the resumption PSKs of `group_id` newer than epoch `newest_kept` (epochs of
    /// a branch abandoned for a concurrent Commit, P2P-1).
    pub fn remove_resumption_after(&mut self, group_id: &[u8], newest_kept: u64) {
        self.resumption
            .retain(|(g, e), _| g.as_slice() != group_id || *e <= newest_kept);
    }

    /// The PSK that `id` names, if held.
    pub fn get(&self, id: &PreSharedKeyId) -> Option<&SecretVec> {
        match &id.psk {
            PskSource::External { psk_id } => self.external.get(psk_id),
            PskSource::Resumption {
                psk_group_id,
                psk_epoch,
                ..
            } => self.resumption.get(&(psk_group_id.clone(), *psk_epoch)),
        }
    }

    /// `psk_secret` (section 8.4) of the PSKs `ids`, in order; the all-zero secret for none.
    ///
    /// # Errors
    /// [`Error::Invalid`] (PSK-1) if a PSK is not held; as [`psk_secret`].
    pub fn psk_secret(&self, suite: CipherSuite, ids: &[PreSharedKeyId]) -> Result<SecretVec> {
        let mut encoded = Vec::with_capacity(ids.len());
        let mut keys = Vec::with_capacity(ids.len());
        for id in ids {
            encoded.push(id.to_bytes()?);
            keys.push(self.get(id).ok_or(Error::invalid(
                crate::Rule::Psk1,
                "a pre-shared key named by the Commit or Welcome is not available",
            ))?);
        }
        let inputs: Vec<PskInput<'_>> = encoded
            .iter()
            .zip(keys)
            .map(|(id, psk)| PskInput { id, psk })
            .collect();
        psk_secret(suite, &inputs)
    }
}
