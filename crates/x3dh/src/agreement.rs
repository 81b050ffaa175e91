//! The key agreement (X3DH section 3.3 "Sending the initial message" and 3.4 "Receiving the
//! initial message"; PQXDH section 3.3-3.4).
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   [DH4 = DH(EK_A, OPK_B)]
//! [(CT, SS) = PQKEM-ENC(PQPK_B)]                                                   (PQXDH)
//! SK = KDF(DH1 || DH2 || DH3 [|| DH4] [|| SS])
//! KDF(KM) = HKDF-SHA-256(salt = 32 zero bytes, IKM = F || KM, info, L)    F = 0xFF * 32
//! AD = Encode(IK_A) || Encode(IK_B) [|| application data]
//! ```
//!
//! Rules: `X3DH-SIG`/`PQXDH-SIG` (the initiator takes only a [`VerifiedBundle`]), `X3DH-DH0`
//! (every DH output non-zero: `primitives`' X25519 refuses all-zero outputs), `X3DH-IK` (no
//! agreement with one's own identity), `X3DH-SPK`, `X3DH-OPK`, `PQXDH-PQPK` (the responder
//! knows the prekeys named). EK_A's private key, the DH outputs and SS are zeroized when SK
//! exists (they live in zeroizing containers dropped at the end of the computation).
//!
//! A [`Profile`] fixes `info` and L. [`Profile::libsignal_v3`] is libsignal's session v3
//! (info `WhisperText`, L = 64 = RK || CK). [`Profile::project_default`] is this project's: info
//! `secure-messaging X3DH v1`, L = 32 (the spec's SK, which the Double Ratchet takes as its
//! first root key). PQXDH's info is `<info>_X25519_SHA-256_<KEM>` (PQXDH section 2.2: the four
//! parameters joined with `_`, their spellings left to the implementer; these follow libsignal's
//! `WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024`), with KEM `ML-KEM-768` or `ML-KEM-1024`.

use primitives::{
    HashAlgorithm, MlKemCiphertext, MlKemSharedSecret, SecretBytes, SecretVec, X25519PublicKey,
    X25519SecretKey, hkdf, rand::CryptoRng,
};

use crate::{
    Error, Result,
    bundle::VerifiedBundle,
    keys::{IdentityKey, IdentityKeyPair},
    limits::MAX_APPLICATION_AD_LEN,
    message::InitialMessage,
    store::PrekeyStore,
};

/// The KDF prefix F: 32 0xFF bytes for X25519 (X3DH section 2.2).
const F: [u8; 32] = [0xff; 32];

/// Which `info` string and output length the KDF uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Profile {
    info: &'static str,
    output_len: usize,
}

impl Profile {
    /// libsignal's session version 3: info `WhisperText`, L = 64 (root key || chain key).
    /// PQXDH under this profile uses the spec's info rule, not libsignal's Kyber label, so it
    /// is not interoperable with libsignal.
    pub const fn libsignal_v3() -> Self {
        Self {
            info: "WhisperText",
            output_len: 64,
        }
    }

    /// This project's profile: info `secure-messaging X3DH v1`, L = 32.
    pub const fn project_default() -> Self {
        Self {
            info: "secure-messaging X3DH v1",
            output_len: 32,
        }
    }

    /// A custom profile.
    ///
    /// # Errors
    /// [`Error::Misuse`] unless 32 <= `output_len` <= 255 * 32.
    pub const fn custom(info: &'static str, output_len: usize) -> Result<Self> {
        if output_len < 32 || output_len > 255 * 32 {
            return Err(Error::Misuse("KDF output length must be 32..=8160"));
        }
        Ok(Self { info, output_len })
    }

    /// The X3DH info string.
    pub const fn info(&self) -> &'static str {
        self.info
    }

    /// L, the number of output bytes.
    pub const fn output_len(&self) -> usize {
        self.output_len
    }

    /// The info string for this agreement: X3DH's, or PQXDH's `<info>_X25519_SHA-256_<KEM>`.
    pub fn info_for(&self, kem: Option<primitives::MlKemParams>) -> String {
        match kem {
            None => self.info.to_owned(),
            Some(p) => format!("{}_X25519_SHA-256_{}", self.info, p.name()),
        }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Self::project_default()
    }
}

/// The shared secret SK (L bytes). Zeroized on drop; `Debug` is redacted.
#[derive(Clone)]
pub struct SharedSecret(SecretVec);

impl SharedSecret {
    /// The secret bytes. With [`Profile::libsignal_v3`], bytes 0..32 are the root key and
    /// 32..64 the chain key.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &Self) -> bool {
        primitives::secret::ct_eq_bytes(self.0.expose_secret(), other.0.expose_secret())
    }
}

impl core::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SharedSecret(<{} bytes redacted>)", self.0.len())
    }
}

/// Which side of the agreement a party was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Alice: sent the initial message; starts the Double Ratchet by a DH ratchet step with
    /// the responder's signed prekey.
    Initiator,
    /// Bob: received it; starts the Double Ratchet with his signed prekey pair.
    Responder,
}

/// The ids of the responder's prekeys an agreement used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrekeyIds {
    /// SPK_B's id.
    pub signed_prekey: u32,
    /// OPK_B's id, if any.
    pub one_time_prekey: Option<u32>,
    /// PQPK_B's id, for PQXDH.
    pub kem_prekey: Option<u32>,
}

/// The agreement's output: SK, AD and what the first Double Ratchet message needs.
#[derive(Clone)]
pub struct Session {
    secret: SharedSecret,
    associated_data: Vec<u8>,
    role: Role,
    remote_identity: IdentityKey,
    ratchet_public: X25519PublicKey,
    ratchet_pair: Option<X25519SecretKey>,
    ids: PrekeyIds,
}

impl Session {
    /// SK.
    pub const fn shared_secret(&self) -> &SharedSecret {
        &self.secret
    }

    /// AD = Encode(IK_A) || Encode(IK_B) || application data.
    pub fn associated_data(&self) -> &[u8] {
        &self.associated_data
    }

    /// Initiator or responder.
    pub const fn role(&self) -> Role {
        self.role
    }

    /// The peer's identity key.
    pub const fn remote_identity(&self) -> &IdentityKey {
        &self.remote_identity
    }

    /// The responder's signed prekey SPK_B: the initial Double Ratchet public key on both sides.
    pub const fn initial_ratchet_key(&self) -> &X25519PublicKey {
        &self.ratchet_public
    }

    /// The responder's signed prekey pair (its first ratchet key pair); `None` for the initiator.
    pub const fn initial_ratchet_key_pair(&self) -> Option<&X25519SecretKey> {
        self.ratchet_pair.as_ref()
    }

    /// The prekey ids used.
    pub const fn prekey_ids(&self) -> PrekeyIds {
        self.ids
    }
}

impl core::fmt::Debug for Session {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Session")
            .field("role", &self.role)
            .field("remote_identity", &self.remote_identity)
            .field("initial_ratchet_key", &self.ratchet_public)
            .field("prekey_ids", &self.ids)
            .finish_non_exhaustive()
    }
}

/// `KDF(DH1 || ... [|| SS])` with the profile's info (for PQXDH when `kem` names its KEM).
fn kdf(
    profile: &Profile,
    dhs: &[&[u8]],
    ss: Option<(&MlKemSharedSecret, primitives::MlKemParams)>,
) -> Result<SharedSecret> {
    let ss_bytes: Option<&[u8]> = ss.map(|(s, _)| s.expose_secret().as_slice());
    let parts: Vec<&[u8]> = core::iter::once(F.as_slice())
        .chain(dhs.iter().copied())
        .chain(ss_bytes)
        .collect();
    // Filled in place in a zeroizing buffer of its final size.
    let mut ikm = SecretVec::zeroed(parts.iter().map(|p| p.len()).sum());
    let mut rest = ikm.expose_secret_mut();
    for part in parts {
        let (head, tail) = rest.split_at_mut(part.len());
        head.copy_from_slice(part);
        rest = tail;
    }
    let info = profile.info_for(ss.map(|(_, p)| p));
    let out = hkdf::derive(
        HashAlgorithm::Sha256,
        &[0u8; 32],
        ikm.expose_secret(),
        info.as_bytes(),
        profile.output_len,
    )?;
    Ok(SharedSecret(out))
}

fn associated_data(
    initiator: &IdentityKey,
    responder: &IdentityKey,
    app: &[u8],
) -> Result<Vec<u8>> {
    if app.len() > MAX_APPLICATION_AD_LEN {
        return Err(Error::Misuse("application associated data too long"));
    }
    let mut ad = Vec::with_capacity(66 + app.len());
    ad.extend_from_slice(&initiator.encode());
    ad.extend_from_slice(&responder.encode());
    ad.extend_from_slice(app);
    Ok(ad)
}

/// Alice's side: a fresh EK_A (and, for PQXDH, an encapsulation to PQPK_B) drawn from `rng`,
/// then [`InitialMessage`] and [`Session`].
///
/// # Errors
/// [`Error::WrongIdentity`] (`X3DH-IK`) if the bundle is our own, [`Error::ZeroDiffieHellman`]
/// (`X3DH-DH0`), [`Error::Misuse`] for oversized application data.
pub fn initiate(
    profile: &Profile,
    identity: &IdentityKeyPair,
    bundle: &VerifiedBundle,
    application_data: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<(InitialMessage, Session)> {
    let ephemeral = X25519SecretKey::generate(rng);
    let kem = bundle
        .bundle()
        .kem_prekey
        .as_ref()
        .map(|k| k.key.encapsulate(rng));
    initiate_with(profile, identity, bundle, application_data, ephemeral, kem)
}

/// DH1, DH2, DH3 and, with a one-time prekey, DH4, in that order, as one batch: the X25519
/// ladders share a single field inversion. X3DH-DH0 holds at every DH: primitives refuses any
/// all-zero output (`X25519-1`), and one refused DH fails the whole agreement.
fn diffie_hellmans<'a>(
    first_three: [(&'a X25519SecretKey, &'a X25519PublicKey); 3],
    fourth: Option<(&'a X25519SecretKey, &'a X25519PublicKey)>,
) -> Result<Vec<SecretBytes<32>>> {
    let [dh1, dh2, dh3] = first_three;
    Ok(match fourth {
        Some(dh4) => X25519SecretKey::diffie_hellman_batch([dh1, dh2, dh3, dh4])?.into(),
        None => X25519SecretKey::diffie_hellman_batch(first_three)?.into(),
    })
}

/// [`initiate`] with the ephemeral key and the encapsulation given (deterministic tests).
pub(crate) fn initiate_with(
    profile: &Profile,
    identity: &IdentityKeyPair,
    bundle: &VerifiedBundle,
    application_data: &[u8],
    ephemeral: X25519SecretKey,
    kem: Option<(MlKemCiphertext, MlKemSharedSecret)>,
) -> Result<(InitialMessage, Session)> {
    let b = bundle.bundle();
    // X3DH-IK
    if primitives::secret::ct_eq_bytes(&b.identity.encode(), &identity.public().encode()) {
        return Err(Error::WrongIdentity);
    }
    let ad = associated_data(identity.public(), &b.identity, application_data)?;
    let spk = &b.signed_prekey.key;
    let dh_outputs = diffie_hellmans(
        [
            (identity.secret(), spk),
            (&ephemeral, b.identity.public_key()),
            (&ephemeral, spk),
        ],
        b.one_time_prekey.as_ref().map(|opk| (&ephemeral, &opk.key)),
    )?;
    let dhs: Vec<&[u8]> = dh_outputs
        .iter()
        .map(|d| d.expose_secret().as_slice())
        .collect();
    let (kem_ct, ss) = match (&b.kem_prekey, kem) {
        (Some(pq), Some((ct, ss))) => {
            if ct.params() != pq.key.params() {
                return Err(Error::Misuse("encapsulation for another parameter set"));
            }
            (Some((pq.id, ct)), Some((ss, pq.key.params())))
        }
        (None, None) => (None, None),
        _ => {
            return Err(Error::Internal(
                "KEM encapsulation does not match the bundle",
            ));
        }
    };
    let secret = kdf(profile, &dhs, ss.as_ref().map(|(s, p)| (s, *p)))?;
    let message = InitialMessage {
        identity: identity.public().clone(),
        ephemeral: ephemeral.public_key().clone(),
        signed_prekey_id: b.signed_prekey.id,
        one_time_prekey_id: b.one_time_prekey.as_ref().map(|o| o.id),
        kem: kem_ct,
    };
    let ids = PrekeyIds {
        signed_prekey: b.signed_prekey.id,
        one_time_prekey: message.one_time_prekey_id,
        kem_prekey: b.kem_prekey.as_ref().map(|k| k.id),
    };
    // EK_A, DH1..DH4 and SS drop (and zeroize) here.
    Ok((
        message,
        Session {
            secret,
            associated_data: ad,
            role: Role::Initiator,
            remote_identity: b.identity.clone(),
            ratchet_public: spk.clone(),
            ratchet_pair: None,
            ids,
        },
    ))
}

/// Bob's side: looks up the prekeys the message names, computes SK, and only then consumes the
/// one-time keys. Any error leaves `store` unchanged.
///
/// # Errors
/// [`Error::UnknownSignedPrekey`] (`X3DH-SPK`), [`Error::UnknownOneTimePrekey`] (`X3DH-OPK`,
/// including a replay naming a consumed key), [`Error::UnknownKemPrekey`] (`PQXDH-PQPK`),
/// [`Error::WrongIdentity`] (`X3DH-IK`), [`Error::ZeroDiffieHellman`] (`X3DH-DH0`),
/// [`Error::Crypto`], [`Error::Misuse`].
pub fn respond(
    profile: &Profile,
    identity: &IdentityKeyPair,
    store: &mut impl PrekeyStore,
    message: &InitialMessage,
    application_data: &[u8],
) -> Result<Session> {
    // X3DH-IK
    if primitives::secret::ct_eq_bytes(&message.identity.encode(), &identity.public().encode()) {
        return Err(Error::WrongIdentity);
    }
    let ad = associated_data(&message.identity, identity.public(), application_data)?;
    let (secret, ratchet_pair) = {
        // X3DH-SPK
        let spk = store
            .signed_prekey(message.signed_prekey_id)
            .ok_or(Error::UnknownSignedPrekey(message.signed_prekey_id))?;
        // X3DH-OPK
        let opk = match message.one_time_prekey_id {
            Some(id) => Some(
                store
                    .one_time_prekey(id)
                    .ok_or(Error::UnknownOneTimePrekey(id))?,
            ),
            None => None,
        };
        // PQXDH-PQPK
        let ss = match &message.kem {
            Some((id, ct)) => {
                let pq = store.kem_prekey(*id).ok_or(Error::UnknownKemPrekey(*id))?;
                let params = pq.decapsulation_key().params();
                if params != ct.params() {
                    return Err(Error::UnknownKemPrekey(*id));
                }
                let ss = pq
                    .decapsulation_key()
                    .decapsulate(ct)
                    .map_err(|_| Error::Crypto)?;
                Some((ss, params))
            }
            None => None,
        };
        let dh_outputs = diffie_hellmans(
            [
                (spk.secret(), message.identity.public_key()),
                (identity.secret(), &message.ephemeral),
                (spk.secret(), &message.ephemeral),
            ],
            opk.map(|opk| (opk.secret(), &message.ephemeral)),
        )?;
        let dhs: Vec<&[u8]> = dh_outputs
            .iter()
            .map(|d| d.expose_secret().as_slice())
            .collect();
        let secret = kdf(profile, &dhs, ss.as_ref().map(|(s, p)| (s, *p)))?;
        (secret, spk.secret().clone())
    };
    // Success: now consume the one-time keys (deleting their private halves).
    if let Some(id) = message.one_time_prekey_id {
        store
            .take_one_time_prekey(id)
            .ok_or(Error::Internal("one-time prekey vanished"))?;
    }
    if let Some((id, _)) = &message.kem {
        store.take_kem_prekey(*id)?;
    }
    Ok(Session {
        secret,
        associated_data: ad,
        role: Role::Responder,
        remote_identity: message.identity.clone(),
        ratchet_public: ratchet_pair.public_key().clone(),
        ratchet_pair: Some(ratchet_pair),
        ids: PrekeyIds {
            signed_prekey: message.signed_prekey_id,
            one_time_prekey: message.one_time_prekey_id,
            kem_prekey: message.kem.as_ref().map(|(id, _)| *id),
        },
    })
}
