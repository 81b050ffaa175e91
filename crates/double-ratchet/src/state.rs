//! Double Ratchet section 3.2 (state variables) and section 4.3 (header-encryption state):
//! the saved-session format, version 1.
//!
//! ```text
//! version       u8   0x01
//! profile       u8   1 = project default, 2 = libsignal v3
//! flags         u8   bit 0 HE, bit 1 DHr, bit 2 CKs, bit 3 CKr, bit 4 HKs, bit 5 HKr; others 0
//! limits        3 × u32   max_skip, max_stored_keys, max_skipped_chains
//! ad            u32 length || bytes                (at most MAX_AD_LEN)
//! DHs           32   secret scalar as generated
//! DHr           32   if flag
//! RK            32
//! CKs, CKr      32 each, if flag
//! Ns, Nr, PN    3 × u32
//! HKs, HKr      32 each, if flag (HE only)
//! NHKs, NHKr    32 each (HE only)
//! MKSKIPPED     u32 count (at most max_stored_keys), then count × (chain id 32 || N u32 || MK 32),
//!               oldest first
//! ```
//!
//! Integers are big-endian. Decoding is strict (`DR-STATE`): every flag bit and field must be
//! as above, HKs/HKr flags only with HE, the limits valid, and no byte may follow. The encoding
//! is secret (it holds every key of the session): it is returned as a zeroizing
//! [`SecretVec`]; encrypt it at rest.

#![warn(
    clippy::indexing_slicing,
    reason = "parses and derives from untrusted input"
)]

use primitives::{SecretBytes, SecretVec, X25519PublicKey, X25519SecretKey};

use crate::{
    Error, Limits, Profile, Result,
    kdf::{ChainKey, HeaderKey, MessageKey, RootKey},
    limits::MAX_AD_LEN,
    session::{HeaderState, Session},
    skipped::{SkippedEntry, SkippedKeys},
};

/// The saved-state format version.
pub const STATE_VERSION: u8 = 0x01;

const F_HE: u8 = 1;
const F_DHR: u8 = 1 << 1;
const F_CKS: u8 = 1 << 2;
const F_CKR: u8 = 1 << 3;
const F_HKS: u8 = 1 << 4;
const F_HKR: u8 = 1 << 5;
const F_ALL: u8 = (1 << 6) - 1;

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}

impl Session {
    /// Saves the whole session (versioned, see the module documentation).
    pub fn to_bytes(&self) -> SecretVec {
        // Exact upper bound, so the buffer never reallocates and leaves no unzeroized copy behind.
        let mut out = Vec::with_capacity(330 + self.ad.len() + 68 * self.skipped.len());
        out.push(STATE_VERSION);
        out.push(self.profile.id as u8);
        let mut flags = 0;
        if self.he.is_some() {
            flags |= F_HE;
        }
        if self.dhr.is_some() {
            flags |= F_DHR;
        }
        if self.cks.is_some() {
            flags |= F_CKS;
        }
        if self.ckr.is_some() {
            flags |= F_CKR;
        }
        if let Some(he) = &self.he {
            if he.hks.is_some() {
                flags |= F_HKS;
            }
            if he.hkr.is_some() {
                flags |= F_HKR;
            }
        }
        out.push(flags);
        put_u32(&mut out, self.limits.max_skip);
        put_u32(&mut out, self.limits.max_stored_keys);
        put_u32(&mut out, self.limits.max_skipped_chains);
        // ad.len() <= MAX_AD_LEN, checked at initialization and decoding.
        put_u32(&mut out, u32::try_from(self.ad.len()).unwrap_or(u32::MAX));
        out.extend_from_slice(&self.ad);
        out.extend_from_slice(self.dhs.to_secret().expose_secret());
        if let Some(dhr) = &self.dhr {
            out.extend_from_slice(dhr.as_bytes());
        }
        out.extend_from_slice(self.rk.expose_secret());
        for ck in [&self.cks, &self.ckr].into_iter().flatten() {
            out.extend_from_slice(ck.expose_secret());
        }
        put_u32(&mut out, self.ns);
        put_u32(&mut out, self.nr);
        put_u32(&mut out, self.pn);
        if let Some(he) = &self.he {
            for hk in [&he.hks, &he.hkr].into_iter().flatten() {
                out.extend_from_slice(hk.expose_secret());
            }
            out.extend_from_slice(he.nhks.expose_secret());
            out.extend_from_slice(he.nhkr.expose_secret());
        }
        put_u32(
            &mut out,
            u32::try_from(self.skipped.len()).unwrap_or(u32::MAX),
        );
        for e in self.skipped.iter() {
            out.extend_from_slice(e.chain.expose_secret());
            put_u32(&mut out, e.n);
            out.extend_from_slice(e.mk.expose_secret());
        }
        SecretVec::new(out)
    }

    /// Restores a session saved by [`Session::to_bytes`].
    ///
    /// # Errors
    /// [`Error::StateDecode`] (`DR-STATE`) for any deviation from the format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader { bytes };
        if r.u8()? != STATE_VERSION {
            return Err(Error::StateDecode("unknown state version"));
        }
        let profile = Profile::from_id(r.u8()?).ok_or(Error::StateDecode("unknown profile"))?;
        let flags = r.u8()?;
        if flags & !F_ALL != 0 {
            return Err(Error::StateDecode("unknown flag bits"));
        }
        let he = flags & F_HE != 0;
        if !he && flags & (F_HKS | F_HKR) != 0 {
            return Err(Error::StateDecode("header keys without header encryption"));
        }
        if he && profile.kdf_rk_he_info().is_none() {
            return Err(Error::StateDecode("profile has no header encryption"));
        }
        let limits = Limits {
            max_skip: r.u32()?,
            max_stored_keys: r.u32()?,
            max_skipped_chains: r.u32()?,
        };
        limits
            .validate()
            .map_err(|_| Error::StateDecode("limits out of range"))?;
        let ad_len = usize::try_from(r.u32()?).map_err(|_| Error::StateDecode("ad length"))?;
        if ad_len > MAX_AD_LEN {
            return Err(Error::StateDecode("ad longer than MAX_AD_LEN"));
        }
        let ad = r.take(ad_len)?.to_vec();
        let dhs = X25519SecretKey::from_secret(&r.secret()?);
        let dhr = if flags & F_DHR != 0 {
            Some(X25519PublicKey::from_bytes(*r.secret()?.expose_secret()))
        } else {
            None
        };
        let rk = RootKey(r.secret()?);
        let cks = (flags & F_CKS != 0)
            .then(|| r.secret().map(ChainKey))
            .transpose()?;
        let ckr = (flags & F_CKR != 0)
            .then(|| r.secret().map(ChainKey))
            .transpose()?;
        // Consistency: a receiving chain exists only with a peer key; a pending sending
        // ratchet (no CKs) needs one too unless this is Bob before his first message.
        if ckr.is_some() && dhr.is_none() {
            return Err(Error::StateDecode("receiving chain without DHr"));
        }
        if cks.is_some() && dhr.is_none() {
            return Err(Error::StateDecode("sending chain without DHr"));
        }
        let ns = r.u32()?;
        let nr = r.u32()?;
        let pn = r.u32()?;
        let he = if he {
            let hks = (flags & F_HKS != 0)
                .then(|| r.secret().map(HeaderKey))
                .transpose()?;
            let hkr = (flags & F_HKR != 0)
                .then(|| r.secret().map(HeaderKey))
                .transpose()?;
            if cks.is_some() && hks.is_none() {
                return Err(Error::StateDecode("sending chain without HKs"));
            }
            if ckr.is_some() != hkr.is_some() {
                return Err(Error::StateDecode("receiving chain and HKr disagree"));
            }
            Some(HeaderState {
                hks,
                hkr,
                nhks: HeaderKey(r.secret()?),
                nhkr: HeaderKey(r.secret()?),
            })
        } else {
            None
        };
        let count = r.u32()?;
        if count > limits.max_stored_keys {
            return Err(Error::StateDecode("more skipped keys than max_stored_keys"));
        }
        let mut skipped = SkippedKeys::default();
        for _ in 0..count {
            let chain = r.secret()?;
            let n = r.u32()?;
            let mk = MessageKey(r.secret()?);
            if skipped.find(chain.expose_secret(), n).is_some() {
                return Err(Error::StateDecode("duplicate skipped key"));
            }
            skipped.push_decoded(SkippedEntry { chain, n, mk });
        }
        if skipped.chains().len() > usize::try_from(limits.max_skipped_chains).unwrap_or(0) {
            return Err(Error::StateDecode("more skipped chains than allowed"));
        }
        if !r.bytes.is_empty() {
            return Err(Error::StateDecode("trailing bytes"));
        }
        Ok(Self {
            profile,
            limits,
            ad,
            dhs,
            dhr,
            rk,
            cks,
            ckr,
            ns,
            nr,
            pn,
            he,
            skipped,
        })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < n {
            return Err(Error::StateDecode("truncated"));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8> {
        self.take(1)?
            .first()
            .copied()
            .ok_or(Error::StateDecode("truncated"))
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes(
            b.try_into().map_err(|_| Error::StateDecode("truncated"))?,
        ))
    }

    fn secret(&mut self) -> Result<SecretBytes<32>> {
        SecretBytes::try_from_slice(self.take(32)?).map_err(|_| Error::StateDecode("truncated"))
    }
}
