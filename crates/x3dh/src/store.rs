//! The responder's prekey store (X3DH section 3.4 "Receiving the initial message" and section 4.6
//! on key deletion; PQXDH section 3.4): signed prekeys by id, one-time prekeys consumed exactly
//! once, ML-KEM prekeys consumed when one-time and kept when last-resort, and signed-prekey
//! rotation with a grace period for the previous key.
//!
//! The responder looks keys up without changing anything, computes the whole agreement, and
//! only then consumes the one-time keys: every failure leaves the store as it was.

use std::collections::BTreeMap;

use crate::{
    Error, Result,
    keys::{KemPrekey, KemPrekeyKind, OneTimePrekey, SignedPrekey},
    limits::{DEFAULT_SIGNED_PREKEY_GRACE_SECS, MAX_STORED_ONE_TIME_PREKEYS},
};

/// Where a responder keeps its prekeys' private halves.
pub trait PrekeyStore {
    /// The signed prekey with this id, current or within its grace period.
    fn signed_prekey(&self, id: u32) -> Option<&SignedPrekey>;
    /// The one-time prekey with this id, without consuming it.
    fn one_time_prekey(&self, id: u32) -> Option<&OneTimePrekey>;
    /// The KEM prekey with this id, without consuming it.
    fn kem_prekey(&self, id: u32) -> Option<&KemPrekey>;
    /// Removes and returns the one-time prekey with this id: each is handed out once.
    fn take_one_time_prekey(&mut self, id: u32) -> Option<OneTimePrekey>;
    /// Marks the KEM prekey with this id used: a one-time key is removed (and returned), a
    /// last-resort key is kept (and `None` returned). `Err` if there is no such key.
    ///
    /// # Errors
    /// [`Error::UnknownKemPrekey`] if no KEM prekey has this id.
    fn take_kem_prekey(&mut self, id: u32) -> Result<Option<KemPrekey>>;
}

/// An in-memory [`PrekeyStore`].
#[derive(Clone, Debug)]
pub struct InMemoryPrekeyStore {
    current: SignedPrekey,
    /// Rotated-out signed prekeys and when (seconds) they were replaced.
    previous: Vec<(SignedPrekey, u64)>,
    grace_secs: u64,
    one_time: BTreeMap<u32, OneTimePrekey>,
    kem: BTreeMap<u32, KemPrekey>,
}

impl InMemoryPrekeyStore {
    /// A store holding `signed_prekey`, with the default grace period
    /// ([`DEFAULT_SIGNED_PREKEY_GRACE_SECS`]).
    pub const fn new(signed_prekey: SignedPrekey) -> Self {
        Self {
            current: signed_prekey,
            previous: Vec::new(),
            grace_secs: DEFAULT_SIGNED_PREKEY_GRACE_SECS,
            one_time: BTreeMap::new(),
            kem: BTreeMap::new(),
        }
    }

    /// Sets how long (seconds) a rotated-out signed prekey stays usable.
    #[must_use]
    pub const fn with_grace_period(mut self, secs: u64) -> Self {
        self.grace_secs = secs;
        self
    }

    /// The current signed prekey.
    pub const fn current_signed_prekey(&self) -> &SignedPrekey {
        &self.current
    }

    /// Makes `new` the current signed prekey at time `now_secs`; the old one stays usable for
    /// the grace period. Prunes expired ones.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `new` reuses the id of a key still held.
    pub fn rotate_signed_prekey(&mut self, new: SignedPrekey, now_secs: u64) -> Result<()> {
        if new.id() == self.current.id() || self.previous.iter().any(|(k, _)| k.id() == new.id()) {
            return Err(Error::Misuse("signed prekey id already in use"));
        }
        let old = core::mem::replace(&mut self.current, new);
        self.previous.push((old, now_secs));
        self.prune(now_secs);
        Ok(())
    }

    /// Deletes rotated-out signed prekeys whose grace period ended before `now_secs`
    /// (X3DH section 4.6).
    pub fn prune(&mut self, now_secs: u64) {
        let grace = self.grace_secs;
        self.previous
            .retain(|(_, rotated)| now_secs < rotated.saturating_add(grace));
    }

    /// Adds a one-time prekey.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the id is in use or the store is full
    /// ([`MAX_STORED_ONE_TIME_PREKEYS`]).
    pub fn add_one_time_prekey(&mut self, key: OneTimePrekey) -> Result<()> {
        if self.one_time.len() + self.kem.len() >= MAX_STORED_ONE_TIME_PREKEYS {
            return Err(Error::Misuse("prekey store full"));
        }
        if self.one_time.contains_key(&key.id()) {
            return Err(Error::Misuse("one-time prekey id already in use"));
        }
        self.one_time.insert(key.id(), key);
        Ok(())
    }

    /// Adds a signed KEM prekey.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the id is in use or the store is full.
    pub fn add_kem_prekey(&mut self, key: KemPrekey) -> Result<()> {
        if self.one_time.len() + self.kem.len() >= MAX_STORED_ONE_TIME_PREKEYS {
            return Err(Error::Misuse("prekey store full"));
        }
        if self.kem.contains_key(&key.id()) {
            return Err(Error::Misuse("KEM prekey id already in use"));
        }
        self.kem.insert(key.id(), key);
        Ok(())
    }

    /// A public summary of the state (ids held), for tests that check a failure changed nothing.
    pub fn snapshot(&self) -> StoreSnapshot {
        StoreSnapshot {
            current: self.current.id(),
            previous: self.previous.iter().map(|(k, t)| (k.id(), *t)).collect(),
            one_time: self.one_time.keys().copied().collect(),
            kem: self.kem.iter().map(|(id, k)| (*id, k.kind())).collect(),
        }
    }
}

/// The ids an [`InMemoryPrekeyStore`] holds (no key material).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreSnapshot {
    /// The current signed prekey's id.
    pub current: u32,
    /// Rotated-out signed prekeys' ids and rotation times.
    pub previous: Vec<(u32, u64)>,
    /// One-time prekey ids.
    pub one_time: Vec<u32>,
    /// KEM prekey ids and kinds.
    pub kem: Vec<(u32, KemPrekeyKind)>,
}

impl PrekeyStore for InMemoryPrekeyStore {
    fn signed_prekey(&self, id: u32) -> Option<&SignedPrekey> {
        if self.current.id() == id {
            return Some(&self.current);
        }
        self.previous.iter().map(|(k, _)| k).find(|k| k.id() == id)
    }

    fn one_time_prekey(&self, id: u32) -> Option<&OneTimePrekey> {
        self.one_time.get(&id)
    }

    fn kem_prekey(&self, id: u32) -> Option<&KemPrekey> {
        self.kem.get(&id)
    }

    fn take_one_time_prekey(&mut self, id: u32) -> Option<OneTimePrekey> {
        self.one_time.remove(&id)
    }

    fn take_kem_prekey(&mut self, id: u32) -> Result<Option<KemPrekey>> {
        match self.kem.get(&id).map(KemPrekey::kind) {
            None => Err(Error::UnknownKemPrekey(id)),
            Some(KemPrekeyKind::LastResort) => Ok(None),
            Some(KemPrekeyKind::OneTime) => Ok(self.kem.remove(&id)),
        }
    }
}
