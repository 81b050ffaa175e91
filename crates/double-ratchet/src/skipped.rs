//! Double Ratchet section 3.5 (MKSKIPPED) and section 4.6 (skipped keys indexed by header key),
//! with the bounds of section 6.4.
//!
//! ```text
//! MKSKIPPED : (chain id, N) -> MK        chain id = DHr (section 3) or HKr (section 4)
//! ```
//!
//! Entries are kept in insertion order. `DR-STORE`: when more than `max_stored_keys` are held,
//! the oldest stored entry is deleted first (never by key value). `DR-CHAINS`: when entries of
//! more than `max_skipped_chains` chains are held, every entry of the chain whose oldest entry
//! is oldest is deleted. A key is removed when used (`DR-REPLAY`).

#![warn(
    clippy::indexing_slicing,
    reason = "parses and derives from untrusted input"
)]

use std::collections::VecDeque;

use primitives::{SecretBytes, secret::ct_eq_bytes};

use crate::{Limits, kdf::MessageKey};

/// One skipped message key.
#[derive(Clone)]
pub(crate) struct SkippedEntry {
    /// The chain's identifier: its ratchet public key, or its header key with header
    /// encryption (secret, so compared in constant time).
    pub(crate) chain: SecretBytes<32>,
    pub(crate) n: u32,
    pub(crate) mk: MessageKey,
}

/// MKSKIPPED, in insertion order.
#[derive(Clone, Default)]
pub(crate) struct SkippedKeys {
    entries: VecDeque<SkippedEntry>,
}

impl SkippedKeys {
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &SkippedEntry> {
        self.entries.iter()
    }

    pub(crate) fn get(&self, i: usize) -> Option<&SkippedEntry> {
        self.entries.get(i)
    }

    /// The index of the key for `(chain, n)`, if stored.
    pub(crate) fn find(&self, chain: &[u8; 32], n: u32) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.n == n && ct_eq_bytes(e.chain.expose_secret(), chain))
    }

    /// The distinct chain ids, oldest first.
    pub(crate) fn chains(&self) -> Vec<SecretBytes<32>> {
        let mut out: Vec<SecretBytes<32>> = Vec::new();
        for e in &self.entries {
            if !out
                .iter()
                .any(|c| ct_eq_bytes(c.expose_secret(), e.chain.expose_secret()))
            {
                out.push(e.chain.clone());
            }
        }
        out
    }

    /// Deletes entry `i` (a used key).
    pub(crate) fn remove(&mut self, i: usize) {
        drop(self.entries.remove(i));
    }

    /// Appends `new` in order, then enforces `DR-STORE` and `DR-CHAINS`.
    pub(crate) fn extend(&mut self, new: Vec<SkippedEntry>, limits: &Limits) {
        self.entries.extend(new);
        let max_keys = usize::try_from(limits.max_stored_keys).unwrap_or(usize::MAX);
        // DR-STORE: oldest first.
        while self.entries.len() > max_keys {
            drop(self.entries.pop_front());
        }
        // DR-CHAINS: drop the oldest chain's keys while too many chains hold keys.
        let max_chains = usize::try_from(limits.max_skipped_chains).unwrap_or(usize::MAX);
        loop {
            let chains = self.chains();
            if chains.len() <= max_chains {
                break;
            }
            let Some(oldest) = chains.first() else { break };
            self.entries
                .retain(|e| !ct_eq_bytes(e.chain.expose_secret(), oldest.expose_secret()));
        }
    }

    /// Pushes one decoded entry (state restore), without eviction.
    pub(crate) fn push_decoded(&mut self, e: SkippedEntry) {
        self.entries.push_back(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(chain: u8, n: u32) -> SkippedEntry {
        SkippedEntry {
            chain: SecretBytes::from_array([chain; 32]),
            n,
            mk: MessageKey::from_bytes([n.to_le_bytes()[0]; 32]),
        }
    }

    #[test]
    fn dr_store_evicts_in_insertion_order_not_key_order() {
        let limits = Limits {
            max_skip: 10,
            max_stored_keys: 3,
            max_skipped_chains: 5,
        };
        let mut s = SkippedKeys::default();
        // Chain 9 first, then chain 1: lexicographic eviction would drop chain 1 first.
        s.extend(vec![entry(9, 5), entry(9, 6)], &limits);
        s.extend(vec![entry(1, 0), entry(1, 1)], &limits);
        assert_eq!(s.len(), 3);
        assert!(s.find(&[9; 32], 5).is_none());
        assert!(s.find(&[9; 32], 6).is_some());
        assert!(s.find(&[1; 32], 0).is_some() && s.find(&[1; 32], 1).is_some());
    }

    #[test]
    fn dr_chains_drops_the_oldest_chain() {
        let limits = Limits {
            max_skip: 10,
            max_stored_keys: 100,
            max_skipped_chains: 2,
        };
        let mut s = SkippedKeys::default();
        s.extend(vec![entry(7, 0)], &limits);
        s.extend(vec![entry(3, 0)], &limits);
        s.extend(vec![entry(5, 0), entry(5, 1)], &limits);
        assert_eq!(s.chains().len(), 2);
        assert!(s.find(&[7; 32], 0).is_none());
        assert!(s.find(&[3; 32], 0).is_some());
        s.remove(0);
        assert_eq!(s.len(), 2);
    }
}
