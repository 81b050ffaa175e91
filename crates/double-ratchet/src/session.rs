//! Double Ratchet section 3 (the Double Ratchet: state, initialization, encrypting and
//! decrypting messages, out-of-order messages) and section 4 (with header encryption).
//!
//! ```text
//! state: DHs, DHr, RK, CKs, CKr, Ns, Nr, PN, MKSKIPPED      (+ HKs, HKr, NHKs, NHKr with HE)
//!
//! Alice:  DHs = GENERATE_DH(); DHr = bob_ratchet_pub; (RK, CKs) = KDF_RK(SK, DH(DHs, DHr))
//! Bob:    DHs = bob_ratchet_keypair; RK = SK                         (no chains yet)
//! send:   (CKs, MK) = KDF_CK(CKs); header = (DHs.pub, PN, Ns); Ns += 1
//!         message = header || ENCRYPT(MK, plaintext, AD || header)
//! recv:   skipped key for (DHr, N)? -> use and delete it
//!         else if header.dh != DHr: skip the old chain up to PN, DH ratchet step
//!         skip the chain up to N; (CKr, MK) = KDF_CK(CKr); Nr += 1; DECRYPT
//! ```
//!
//! **Deferred sending ratchet** (section 6.5 permits deferring the generation of a new ratchet
//! key): on receiving a new ratchet key the receiver derives the receiving chain and sets
//! `PN = Ns, Ns = Nr = 0` as in DHRatchet, but generates its new ratchet key pair and the
//! sending chain only when it next sends. The keys are the same as the specification's; the
//! difference is that decryption needs no randomness, and `encrypt` takes the RNG.
//!
//! **Per-message associated data (`DR-AD`, a project extension).** [`Session::encrypt_with_ad`]
//! and [`Session::stage_decrypt`] authenticate extra bytes `ad` that are not sent: the MAC
//! input becomes `AD || u32_be(len(ad)) || ad || header || ciphertext`. With an empty `ad`
//! nothing is inserted, so those messages are the specification's; a non-empty one cannot be
//! mistaken for none, since the length field's first byte is zero (`ad` is at most
//! [`MAX_AD_LEN`](crate::limits::MAX_AD_LEN)) and a message's first byte is its non-zero
//! version.
//!
//! **Nothing lost, nothing corrupted.** `decrypt` computes everything — skipped keys, chain
//! keys, the DH ratchet step — into a [`Plan`] without touching the session, authenticates
//! the message with the planned key, and commits the plan only after the MAC verified and the
//! ciphertext decrypted. Any failure (`DR-WIRE`, `DR-SKIP`, `DR-REPLAY`, `DR-MAC`) returns
//! with the session exactly as it was. A message key is deleted once used (`DR-REPLAY`).

#![warn(
    clippy::indexing_slicing,
    reason = "parses and derives from untrusted input"
)]

use primitives::{
    SecretBytes, SecretVec, X25519PublicKey, X25519SecretKey, rand::CryptoRng, secret::ct_eq_bytes,
};

use crate::{
    Error, Limits, Profile, Result,
    header::{Header, MessageRef, VERSION_HE, VERSION_PLAIN, hdecrypt, hencrypt},
    kdf::{ChainKey, HeaderKey, MessageKey, RootKey},
    skipped::{SkippedEntry, SkippedKeys},
};

/// A session's configuration: the profile (KDF constants, MAC length) and the limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Config {
    /// The KDF constants and MAC length.
    pub profile: Profile,
    /// The skipped-key bounds.
    pub limits: Limits,
}

/// The shared header keys of section 4, agreed with the secret key: `shared_hka` encrypts
/// Alice's first headers, `shared_nhkb` Bob's first headers.
#[derive(Clone)]
pub struct SharedHeaderKeys {
    /// Alice's first sending header key (Bob's first `NHKr`).
    pub shared_hka: SecretBytes<32>,
    /// Bob's first sending header key (Alice's first `NHKr`).
    pub shared_nhkb: SecretBytes<32>,
}

impl core::fmt::Debug for SharedHeaderKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedHeaderKeys").finish_non_exhaustive()
    }
}

/// The header-encryption state of section 4.3.
#[derive(Clone)]
pub(crate) struct HeaderState {
    pub(crate) hks: Option<HeaderKey>,
    pub(crate) hkr: Option<HeaderKey>,
    pub(crate) nhks: HeaderKey,
    pub(crate) nhkr: HeaderKey,
}

/// A Double Ratchet session with one peer.
///
/// Not `Copy`; `Clone` so a caller can stage it. Every secret in it is zeroized when dropped;
/// `Debug` shows counters only. Save it with [`Session::to_bytes`] and restore it with
/// [`Session::from_bytes`].
#[derive(Clone)]
pub struct Session {
    pub(crate) profile: Profile,
    pub(crate) limits: Limits,
    pub(crate) ad: Vec<u8>,
    pub(crate) dhs: X25519SecretKey,
    pub(crate) dhr: Option<X25519PublicKey>,
    pub(crate) rk: RootKey,
    pub(crate) cks: Option<ChainKey>,
    pub(crate) ckr: Option<ChainKey>,
    pub(crate) ns: u32,
    pub(crate) nr: u32,
    pub(crate) pn: u32,
    pub(crate) he: Option<HeaderState>,
    pub(crate) skipped: SkippedKeys,
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("profile", &self.profile)
            .field("header_encryption", &self.he.is_some())
            .field("ns", &self.ns)
            .field("nr", &self.nr)
            .field("pn", &self.pn)
            .field("skipped_keys", &self.skipped.len())
            .finish_non_exhaustive()
    }
}

/// A DH ratchet step planned by `decrypt`.
struct RatchetStep {
    dhr: X25519PublicKey,
    rk: RootKey,
    /// With header encryption: the new `HKr` (the old `NHKr`) and the new `NHKr`.
    header_keys: Option<(HeaderKey, HeaderKey)>,
}

/// Everything `decrypt` will change, computed without changing anything.
struct Plan {
    used_skipped: Option<usize>,
    new_skipped: Vec<SkippedEntry>,
    ckr_nr: Option<(ChainKey, u32)>,
    ratchet: Option<RatchetStep>,
}

/// The effect on the session of a message that authenticated and decrypted, not applied
/// yet ([`Session::stage_decrypt`]). It holds the session borrowed, so nothing else can change
/// the session in between: [`Self::commit`] applies it (deleting the used message key),
/// dropping it discards it.
pub struct StagedDecrypt<'a> {
    session: &'a mut Session,
    plan: Plan,
}

impl StagedDecrypt<'_> {
    /// Applies the message's effect on the session.
    pub fn commit(self) {
        self.session.commit(self.plan);
    }
}

impl core::fmt::Debug for StagedDecrypt<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StagedDecrypt").finish_non_exhaustive()
    }
}

/// `DR-AD`: the length field that precedes non-empty per-message associated data in the MAC
/// input (`None` for none, so that messages without it are the specification's).
fn message_ad_len(ad: &[u8]) -> Result<Option<[u8; 4]>> {
    if ad.is_empty() {
        return Ok(None);
    }
    if ad.len() > crate::limits::MAX_AD_LEN {
        return Err(Error::Misuse(
            "per-message associated data longer than MAX_AD_LEN",
        ));
    }
    let len = u32::try_from(ad.len()).map_err(|_| Error::Misuse("associated data length"))?;
    Ok(Some(len.to_be_bytes()))
}

/// Where a received message belongs.
enum Route {
    /// A stored skipped key (its index).
    Skipped(usize),
    /// The current receiving chain.
    Current,
    /// A new ratchet key: a DH ratchet step.
    Next,
}

fn dh_id(pk: &X25519PublicKey) -> SecretBytes<32> {
    SecretBytes::from_array(*pk.as_bytes())
}

fn hk_id(hk: &HeaderKey) -> SecretBytes<32> {
    SecretBytes::from_array(*hk.expose_secret())
}

impl Session {
    fn check_config(config: &Config, ad: &[u8], he: bool) -> Result<()> {
        config.limits.validate()?;
        if ad.len() > crate::limits::MAX_AD_LEN {
            return Err(Error::Misuse("associated data longer than MAX_AD_LEN"));
        }
        if he && config.profile.kdf_rk_he_info().is_none() {
            return Err(Error::Misuse("this profile has no header encryption"));
        }
        Ok(())
    }

    /// Alice's initialization (section 3.3): a fresh ratchet key from `rng`, then
    /// `(RK, CKs) = KDF_RK(SK, DH(DHs, bob_ratchet))`.
    ///
    /// `sk` and `ad` come from the key agreement (X3DH's SK and AD); `bob_ratchet` is Bob's
    /// ratchet public key (his signed prekey in X3DH).
    ///
    /// # Errors
    /// [`Error::InvalidPublicKey`] (`DR-DH`) if `bob_ratchet` has small order;
    /// [`Error::Misuse`] for limits out of range or over-long `ad`.
    pub fn init_alice(
        config: Config,
        sk: &SecretBytes<32>,
        ad: &[u8],
        bob_ratchet: &X25519PublicKey,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        Self::init_alice_inner(config, sk, ad, bob_ratchet, None, rng)
    }

    /// Alice's initialization with header encryption (section 4.4): as [`Self::init_alice`],
    /// with `(RK, CKs, NHKs) = KDF_RK_HE(SK, DH(DHs, bob_ratchet))`, `HKs = shared_hka`,
    /// `NHKr = shared_nhkb`.
    ///
    /// # Errors
    /// As [`Self::init_alice`]; [`Error::Misuse`] if the profile has no header encryption.
    pub fn init_alice_he(
        config: Config,
        sk: &SecretBytes<32>,
        ad: &[u8],
        bob_ratchet: &X25519PublicKey,
        header_keys: &SharedHeaderKeys,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        Self::init_alice_inner(config, sk, ad, bob_ratchet, Some(header_keys), rng)
    }

    fn init_alice_inner(
        config: Config,
        sk: &SecretBytes<32>,
        ad: &[u8],
        bob_ratchet: &X25519PublicKey,
        header_keys: Option<&SharedHeaderKeys>,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        Self::check_config(&config, ad, header_keys.is_some())?;
        let dhs = X25519SecretKey::generate(rng);
        let dh = dhs
            .diffie_hellman(bob_ratchet)
            .map_err(|_| Error::InvalidPublicKey)?;
        let sk = RootKey(sk.clone());
        let (rk, cks, he) = match header_keys {
            None => {
                let (rk, cks) = sk.kdf_rk(&config.profile, &dh)?;
                (rk, cks, None)
            }
            Some(keys) => {
                let (rk, cks, nhks) = sk.kdf_rk_he(&config.profile, &dh)?;
                let he = HeaderState {
                    hks: Some(HeaderKey(keys.shared_hka.clone())),
                    hkr: None,
                    nhks,
                    nhkr: HeaderKey(keys.shared_nhkb.clone()),
                };
                (rk, cks, Some(he))
            }
        };
        Ok(Self {
            profile: config.profile,
            limits: config.limits,
            ad: ad.to_vec(),
            dhs,
            dhr: Some(bob_ratchet.clone()),
            rk,
            cks: Some(cks),
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            he,
            skipped: SkippedKeys::default(),
        })
    }

    /// Bob's initialization (section 3.3): `DHs = bob_ratchet`, `RK = SK`, no chains. Bob can
    /// send only after Alice's first message arrived ([`Error::CannotSendYet`]).
    ///
    /// # Errors
    /// [`Error::Misuse`] for limits out of range or over-long `ad`.
    pub fn init_bob(
        config: Config,
        sk: &SecretBytes<32>,
        ad: &[u8],
        bob_ratchet: X25519SecretKey,
    ) -> Result<Self> {
        Self::init_bob_inner(config, sk, ad, bob_ratchet, None)
    }

    /// Bob's initialization with header encryption (section 4.4): as [`Self::init_bob`], with
    /// `NHKs = shared_nhkb` and `NHKr = shared_hka`.
    ///
    /// # Errors
    /// As [`Self::init_bob`]; [`Error::Misuse`] if the profile has no header encryption.
    pub fn init_bob_he(
        config: Config,
        sk: &SecretBytes<32>,
        ad: &[u8],
        bob_ratchet: X25519SecretKey,
        header_keys: &SharedHeaderKeys,
    ) -> Result<Self> {
        Self::init_bob_inner(config, sk, ad, bob_ratchet, Some(header_keys))
    }

    fn init_bob_inner(
        config: Config,
        sk: &SecretBytes<32>,
        ad: &[u8],
        bob_ratchet: X25519SecretKey,
        header_keys: Option<&SharedHeaderKeys>,
    ) -> Result<Self> {
        Self::check_config(&config, ad, header_keys.is_some())?;
        let he = header_keys.map(|keys| HeaderState {
            hks: None,
            hkr: None,
            nhks: HeaderKey(keys.shared_nhkb.clone()),
            nhkr: HeaderKey(keys.shared_hka.clone()),
        });
        Ok(Self {
            profile: config.profile,
            limits: config.limits,
            ad: ad.to_vec(),
            dhs: bob_ratchet,
            dhr: None,
            rk: RootKey(sk.clone()),
            cks: None,
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            he,
            skipped: SkippedKeys::default(),
        })
    }

    /// The session's profile.
    pub const fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The session's limits.
    pub const fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Replaces the limits (taking effect at the next message; stored keys beyond the new
    /// bounds are evicted then).
    ///
    /// # Errors
    /// [`Error::Misuse`] if a value is out of range.
    pub fn set_limits(&mut self, limits: Limits) -> Result<()> {
        limits.validate()?;
        self.limits = limits;
        Ok(())
    }

    /// Whether the session encrypts headers (section 4).
    pub const fn is_header_encrypted(&self) -> bool {
        self.he.is_some()
    }

    /// The current sending ratchet public key (cached, not recomputed).
    pub fn ratchet_public_key(&self) -> &X25519PublicKey {
        self.dhs.public_key()
    }

    /// The number of stored skipped message keys.
    pub fn skipped_key_count(&self) -> usize {
        self.skipped.len()
    }

    /// RatchetEncrypt (section 3.4; HE: section 4.5). `rng` is drawn from only when a DH
    /// ratchet step is due (the first message after receiving a new ratchet key).
    ///
    /// # Errors
    /// [`Error::CannotSendYet`] (`DR-SEND`) for Bob before Alice's first message;
    /// [`Error::ChainExhausted`] (`DR-COUNTER`) after 2^32 − 1 messages in one chain. The
    /// session is unchanged on error.
    pub fn encrypt(&mut self, plaintext: &[u8], rng: &mut impl CryptoRng) -> Result<Vec<u8>> {
        self.encrypt_with_ad(plaintext, &[], rng)
    }

    /// RatchetEncrypt with per-message associated data `ad` (`DR-AD`, see the module docs):
    /// the message authenticates `ad`, which is not sent; the receiver supplies the same bytes
    /// to [`Self::stage_decrypt`]. With an empty `ad` this is exactly [`Self::encrypt`].
    ///
    /// # Errors
    /// As [`Self::encrypt`]; [`Error::Misuse`] if `ad` is longer than
    /// [`MAX_AD_LEN`](crate::limits::MAX_AD_LEN). The session is unchanged on error.
    pub fn encrypt_with_ad(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<Vec<u8>> {
        let ad_len = message_ad_len(ad)?;
        // Stage: a deferred sending ratchet step, if due.
        let mut new_dhs = None;
        let mut new_rk = None;
        let mut new_hks_nhks = None;
        let ck = if let Some(ck) = &self.cks {
            ck.clone()
        } else {
            let dhr = self.dhr.as_ref().ok_or(Error::CannotSendYet)?;
            let dhs = X25519SecretKey::generate(rng);
            let dh = dhs
                .diffie_hellman(dhr)
                .map_err(|_| Error::Internal("DHr was checked when it was received"))?;
            let ck = match &self.he {
                None => {
                    let (rk, ck) = self.rk.kdf_rk(&self.profile, &dh)?;
                    new_rk = Some(rk);
                    ck
                }
                Some(he) => {
                    let (rk, ck, nhks) = self.rk.kdf_rk_he(&self.profile, &dh)?;
                    new_rk = Some(rk);
                    new_hks_nhks = Some((he.nhks.clone(), nhks));
                    ck
                }
            };
            new_dhs = Some(dhs);
            ck
        };
        let n = self.ns;
        let next_ns = n
            .checked_add(1)
            .filter(|&x| x < u32::MAX)
            .ok_or(Error::ChainExhausted)?;
        let (next_ck, mk) = ck.kdf_ck();
        let header = Header {
            dh: new_dhs.as_ref().unwrap_or(&self.dhs).public_key().clone(),
            pn: self.pn,
            n,
        };
        let mut out = Vec::new();
        match &self.he {
            None => {
                out.push(VERSION_PLAIN);
                out.extend_from_slice(&header.encode());
            }
            Some(he) => {
                let hks = match &new_hks_nhks {
                    Some((hks, _)) => hks,
                    None => he
                        .hks
                        .as_ref()
                        .ok_or(Error::Internal("a sending chain has a header key"))?,
                };
                out.push(VERSION_HE);
                out.extend_from_slice(&hencrypt(hks, &header)?);
            }
        }
        let secrets = mk.expand(&self.profile)?;
        let cipher = secrets.cipher();
        let ct = cipher.encrypt(plaintext);
        let ad_len = ad_len.as_ref().map_or(&[][..], <[u8; 4]>::as_slice);
        let tag = cipher.mac(&[&self.ad, ad_len, ad, &out, &ct]);
        let tag = tag
            .as_bytes()
            .get(..self.profile.mac_len())
            .ok_or(Error::Internal("MAC length at most 32"))?;
        out.extend_from_slice(&ct);
        out.extend_from_slice(tag);
        // Commit.
        if let Some(dhs) = new_dhs {
            self.dhs = dhs;
        }
        if let Some(rk) = new_rk {
            self.rk = rk;
        }
        if let (Some(he), Some((hks, nhks))) = (&mut self.he, new_hks_nhks) {
            he.hks = Some(hks);
            he.nhks = nhks;
        }
        self.cks = Some(next_ck);
        self.ns = next_ns;
        Ok(out)
    }

    /// RatchetDecrypt (section 3.5; HE: section 4.6). The session changes only if the message
    /// authenticates and decrypts.
    ///
    /// # Errors
    /// [`Error::Decode`] (`DR-WIRE`) for a malformed message or one of the other header mode;
    /// [`Error::TooFarAhead`] (`DR-SKIP`); [`Error::Duplicate`] (`DR-REPLAY`) for a message
    /// whose key was used or deleted; [`Error::DecryptionFailed`] (`DR-MAC`) for everything
    /// else. The session is unchanged on error.
    pub fn decrypt(&mut self, message: &[u8]) -> Result<Vec<u8>> {
        let (plaintext, staged) = self.stage_decrypt(message, &[])?;
        staged.commit();
        Ok(plaintext)
    }

    /// RatchetDecrypt with per-message associated data `ad` (`DR-AD`), staged: the message is
    /// authenticated and decrypted and its plaintext returned, and the session changes only
    /// when the returned [`StagedDecrypt`] is committed. Dropping it instead leaves the
    /// session as it was, so a caller can check the plaintext (or decrypt other layers
    /// around it) before consuming the message key. With an empty `ad`, staging and
    /// committing is exactly [`Self::decrypt`].
    ///
    /// # Errors
    /// As [`Self::decrypt`]; [`Error::Misuse`] if `ad` is longer than
    /// [`MAX_AD_LEN`](crate::limits::MAX_AD_LEN). The session is unchanged on error.
    pub fn stage_decrypt(
        &mut self,
        message: &[u8],
        ad: &[u8],
    ) -> Result<(Vec<u8>, StagedDecrypt<'_>)> {
        let ad_len = message_ad_len(ad)?;
        let ad_len = ad_len.as_ref().map_or(&[][..], <[u8; 4]>::as_slice);
        let msg = MessageRef::parse(message)?;
        if msg.is_header_encrypted() != self.he.is_some() {
            return Err(Error::Decode("header mode differs from the session's"));
        }
        let body = msg.body();
        let mac_len = self.profile.mac_len();
        let ct_len = body
            .len()
            .checked_sub(mac_len)
            .filter(|&l| l > 0 && l % 16 == 0)
            .ok_or(Error::Decode("body length"))?;
        let (ct, tag) = body.split_at(ct_len);
        let (header, route) = self.route(&msg)?;
        let (mk, plan) = self.plan(&header, route)?;
        let secrets = mk.expand(&self.profile)?;
        let cipher = secrets.cipher();
        // DR-MAC: authenticate AD || version || header || ciphertext before anything else.
        if !cipher
            .mac(&[&self.ad, ad_len, ad, msg.prefix(), ct])
            .ct_eq_prefix(tag)
        {
            return Err(Error::DecryptionFailed);
        }
        let plaintext = cipher.decrypt(ct).map_err(|_| Error::DecryptionFailed)?;
        Ok((
            plaintext,
            StagedDecrypt {
                session: self,
                plan,
            },
        ))
    }

    /// Finds the header and where the message belongs, without changing anything.
    fn route(&self, msg: &MessageRef<'_>) -> Result<(Header, Route)> {
        let Some(he) = &self.he else {
            let header = msg.clear_header()?;
            if let Some(i) = self.skipped.find(header.dh.as_bytes(), header.n) {
                return Ok((header, Route::Skipped(i)));
            }
            let route = if self.dhr.as_ref() == Some(&header.dh) {
                Route::Current
            } else {
                Route::Next
            };
            return Ok((header, route));
        };
        let enc = msg.header_bytes();
        // Section 4.6: skipped header keys first, then HKr, then NHKr.
        let mut stale = None;
        for chain in self.skipped.chains() {
            let hk = HeaderKey(chain);
            if let Some(header) = hdecrypt(&hk, enc) {
                if let Some(i) = self.skipped.find(hk.expose_secret(), header.n) {
                    return Ok((header, Route::Skipped(i)));
                }
                stale = Some(header.n);
            }
        }
        if let Some(hkr) = &he.hkr
            && let Some(header) = hdecrypt(hkr, enc)
        {
            return Ok((header, Route::Current));
        }
        if let Some(header) = hdecrypt(&he.nhkr, enc) {
            return Ok((header, Route::Next));
        }
        // DR-REPLAY: the header opened under an old chain's key, but its key is gone.
        match stale {
            Some(n) => Err(Error::Duplicate { n }),
            None => Err(Error::DecryptionFailed),
        }
    }

    /// The receiving chain's id in MKSKIPPED: `DHr`, or `HKr` with header encryption.
    fn current_chain_id(&self) -> Option<SecretBytes<32>> {
        match &self.he {
            None => self.dhr.as_ref().map(dh_id),
            Some(he) => he.hkr.as_ref().map(hk_id),
        }
    }

    /// DR-SKIP: checks `until - from` against `max_skip` and derives the skipped keys.
    fn skip(
        &self,
        ck: &ChainKey,
        from: u32,
        until: u32,
        chain: &SecretBytes<32>,
        out: &mut Vec<SkippedEntry>,
    ) -> Result<ChainKey> {
        let count = until.saturating_sub(from);
        if count > self.limits.max_skip {
            return Err(Error::TooFarAhead {
                skip: u64::from(count),
                max: self.limits.max_skip,
            });
        }
        let mut ck = ck.clone();
        for n in from..until {
            let (next, mk) = ck.kdf_ck();
            out.push(SkippedEntry {
                chain: chain.clone(),
                n,
                mk,
            });
            ck = next;
        }
        Ok(ck)
    }

    fn plan(&self, header: &Header, route: Route) -> Result<(MessageKey, Plan)> {
        let n = header.n;
        let next_nr = n
            .checked_add(1)
            .ok_or(Error::Decode("message counter out of range"))?;
        match route {
            Route::Skipped(i) => {
                let entry = self
                    .skipped
                    .get(i)
                    .ok_or(Error::Internal("skipped index found above"))?;
                let plan = Plan {
                    used_skipped: Some(i),
                    new_skipped: Vec::new(),
                    ckr_nr: None,
                    ratchet: None,
                };
                Ok((entry.mk.clone(), plan))
            }
            Route::Current => {
                let (Some(ckr), Some(chain)) = (&self.ckr, self.current_chain_id()) else {
                    // A message for a receiving chain this party does not have yet.
                    return Err(Error::DecryptionFailed);
                };
                // DR-REPLAY: an earlier message of this chain whose key is not stored.
                if n < self.nr {
                    return Err(Error::Duplicate { n });
                }
                if n - self.nr > self.limits.max_skip {
                    return Err(Error::TooFarAhead {
                        skip: u64::from(n - self.nr),
                        max: self.limits.max_skip,
                    });
                }
                let mut new_skipped = Vec::new();
                let ck = self.skip(ckr, self.nr, n, &chain, &mut new_skipped)?;
                let (next_ck, mk) = ck.kdf_ck();
                let plan = Plan {
                    used_skipped: None,
                    new_skipped,
                    ckr_nr: Some((next_ck, next_nr)),
                    ratchet: None,
                };
                Ok((mk, plan))
            }
            Route::Next => {
                // DR-SKIP, checked for both chains before any key is derived.
                let old_skip = if self.ckr.is_some() {
                    header.pn.saturating_sub(self.nr)
                } else {
                    0
                };
                for skip in [old_skip, n] {
                    if skip > self.limits.max_skip {
                        return Err(Error::TooFarAhead {
                            skip: u64::from(skip),
                            max: self.limits.max_skip,
                        });
                    }
                }
                let mut new_skipped = Vec::new();
                if let (Some(ckr), Some(chain)) = (&self.ckr, self.current_chain_id()) {
                    self.skip(ckr, self.nr, header.pn, &chain, &mut new_skipped)?;
                }
                let dh = self
                    .dhs
                    .diffie_hellman(&header.dh)
                    .map_err(|_| Error::DecryptionFailed)?;
                let (rk, ck, header_keys, chain) = match &self.he {
                    None => {
                        let (rk, ck) = self.rk.kdf_rk(&self.profile, &dh)?;
                        (rk, ck, None, dh_id(&header.dh))
                    }
                    Some(he) => {
                        let (rk, ck, nhkr) = self.rk.kdf_rk_he(&self.profile, &dh)?;
                        let chain = hk_id(&he.nhkr);
                        (rk, ck, Some((he.nhkr.clone(), nhkr)), chain)
                    }
                };
                let ck = self.skip(&ck, 0, n, &chain, &mut new_skipped)?;
                let (next_ck, mk) = ck.kdf_ck();
                let plan = Plan {
                    used_skipped: None,
                    new_skipped,
                    ckr_nr: Some((next_ck, next_nr)),
                    ratchet: Some(RatchetStep {
                        dhr: header.dh.clone(),
                        rk,
                        header_keys,
                    }),
                };
                Ok((mk, plan))
            }
        }
    }

    /// Applies a plan whose message authenticated. Cannot fail.
    fn commit(&mut self, plan: Plan) {
        if let Some(i) = plan.used_skipped {
            // DR-REPLAY: a used key is deleted.
            self.skipped.remove(i);
        }
        if let Some(step) = plan.ratchet {
            // DHRatchet, receiving half; the sending half is deferred to the next encrypt.
            self.pn = self.ns;
            self.ns = 0;
            self.nr = 0;
            self.cks = None;
            self.dhr = Some(step.dhr);
            self.rk = step.rk;
            if let (Some(he), Some((hkr, nhkr))) = (&mut self.he, step.header_keys) {
                he.hkr = Some(hkr);
                he.nhkr = nhkr;
            }
        }
        self.skipped.extend(plan.new_skipped, &self.limits);
        if let Some((ckr, nr)) = plan.ckr_nr {
            self.ckr = Some(ckr);
            self.nr = nr;
        }
    }

    /// Constant-time comparison of two sessions' complete state (as saved).
    pub fn ct_eq(&self, other: &Self) -> bool {
        let (a, b): (SecretVec, SecretVec) = (self.to_bytes(), other.to_bytes());
        ct_eq_bytes(a.expose_secret(), b.expose_secret())
    }
}
