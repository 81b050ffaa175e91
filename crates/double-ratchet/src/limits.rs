//! Double Ratchet section 3.5 (out-of-order messages) and section 6.4 (deletion of skipped
//! keys): every bound this crate enforces, in one place, with the reason for each.
//!
//! | limit | default | rule | why |
//! |---|---|---|---|
//! | [`Limits::max_skip`](crate::limits::Limits::max_skip) | [`DEFAULT_MAX_SKIP`](crate::limits::DEFAULT_MAX_SKIP) = 2 000 | `DR-SKIP` | spec's MAX_SKIP: keys one message may make the receiver skip in one chain |
//! | [`Limits::max_stored_keys`](crate::limits::Limits::max_stored_keys) | [`DEFAULT_MAX_STORED_KEYS`](crate::limits::DEFAULT_MAX_STORED_KEYS) = 2 000 | `DR-STORE` | skipped keys kept in all, oldest (first stored) evicted first |
//! | [`Limits::max_skipped_chains`](crate::limits::Limits::max_skipped_chains) | [`DEFAULT_MAX_SKIPPED_CHAINS`](crate::limits::DEFAULT_MAX_SKIPPED_CHAINS) = 5 | `DR-CHAINS` | receiving chains that may hold skipped keys; the oldest chain's keys go first |
//! | [`MAX_SKIP_CEILING`](crate::limits::MAX_SKIP_CEILING), [`MAX_STORED_KEYS_CEILING`](crate::limits::MAX_STORED_KEYS_CEILING), [`MAX_SKIPPED_CHAINS_CEILING`](crate::limits::MAX_SKIPPED_CHAINS_CEILING) | | `DR-STATE` | upper bounds any configured value must respect (bound a decoded state) |
//! | [`MAX_AD_LEN`](crate::limits::MAX_AD_LEN) | 64 KiB | `DR-STATE` | associated data from the key agreement |
//!
//! The specification gives no number for MAX_SKIP: "high enough to tolerate routine lost or
//! delayed messages, but low enough that a malicious sender can't trigger excessive recipient
//! computation" (section 3.5). It also recommends deleting skipped keys "after some number of
//! ratchet steps" (section 6.4). The defaults follow the production implementations: libsignal
//! keeps at most 2 000 message keys per receiver chain and 5 receiver chains; vodozemac allows a
//! gap of 2 000 and keeps 5 receiving chains. One message thus costs the receiver at most
//! `2 × max_skip` HMAC computations (the rest of the old chain, then the new one), and a session
//! holds at most `max_stored_keys` skipped keys (68 bytes each in memory and in saved state).
//!
//! Eviction is by insertion order, never by key value: the oldest stored key goes first.

/// Default MAX_SKIP: 2 000 keys per chain (libsignal's per-chain store, vodozemac's gap).
pub const DEFAULT_MAX_SKIP: u32 = 2_000;
/// Default bound on all stored skipped keys: 2 000.
pub const DEFAULT_MAX_STORED_KEYS: u32 = 2_000;
/// Default bound on receiving chains with stored skipped keys: 5 (libsignal, vodozemac).
pub const DEFAULT_MAX_SKIPPED_CHAINS: u32 = 5;

/// The largest `max_skip` a [`Limits`] may carry: 100 000 (bounds the work one message causes).
pub const MAX_SKIP_CEILING: u32 = 100_000;
/// The largest `max_stored_keys` a [`Limits`] may carry: 100 000 (6.8 MB of keys).
pub const MAX_STORED_KEYS_CEILING: u32 = 100_000;
/// The largest `max_skipped_chains` a [`Limits`] may carry: 1 000.
pub const MAX_SKIPPED_CHAINS_CEILING: u32 = 1_000;
/// The longest associated data a session accepts from the key agreement: 64 KiB (X3DH's AD is
/// 66 bytes; the bound only keeps a decoded state small).
pub const MAX_AD_LEN: usize = 64 * 1024;

/// The configurable bounds of a session (saved with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// `DR-SKIP`: the most message keys one message may make the receiver skip in one chain
    /// (the specification's MAX_SKIP).
    pub max_skip: u32,
    /// `DR-STORE`: the most skipped message keys stored in all; beyond it the oldest stored
    /// key is deleted.
    pub max_stored_keys: u32,
    /// `DR-CHAINS`: the most receiving chains holding skipped keys; beyond it every key of the
    /// chain whose keys were stored first is deleted (the spec's "delete skipped keys after
    /// some number of ratchet steps").
    pub max_skipped_chains: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_skip: DEFAULT_MAX_SKIP,
            max_stored_keys: DEFAULT_MAX_STORED_KEYS,
            max_skipped_chains: DEFAULT_MAX_SKIPPED_CHAINS,
        }
    }
}

impl Limits {
    /// Checks the values against the ceilings.
    ///
    /// # Errors
    /// [`crate::Error::Misuse`] if a value exceeds its ceiling, or `max_skipped_chains` is 0.
    pub fn validate(&self) -> crate::Result<()> {
        if self.max_skip > MAX_SKIP_CEILING
            || self.max_stored_keys > MAX_STORED_KEYS_CEILING
            || self.max_skipped_chains > MAX_SKIPPED_CHAINS_CEILING
            || self.max_skipped_chains == 0
        {
            return Err(crate::Error::Misuse("limit out of range"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_libsignal_and_are_valid() {
        let l = Limits::default();
        assert_eq!(
            (l.max_skip, l.max_stored_keys, l.max_skipped_chains),
            (2_000, 2_000, 5)
        );
        assert!(l.validate().is_ok());
        assert!(
            Limits {
                max_skip: MAX_SKIP_CEILING + 1,
                ..l
            }
            .validate()
            .is_err()
        );
        assert!(
            Limits {
                max_skipped_chains: 0,
                ..l
            }
            .validate()
            .is_err()
        );
    }
}
