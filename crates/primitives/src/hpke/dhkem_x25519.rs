//! HPKE base mode over DHKEM(X25519, HKDF-SHA256) (RFC 9180), this crate's own: the labeled
//! KDF (section 4), the DH-based KEM (sections 4.1 and 7.1), the key schedule (section 5.1),
//! encryption with its nonce sequence and the secret exporter (sections 5.2 and 5.3), and the
//! single-shot API (section 6.1), with every KDF and AEAD of [`super`].
//!
//! ```text
//! suite_id (KEM)  = "KEM" || I2OSP(0x0020, 2)
//! suite_id (HPKE) = "HPKE" || I2OSP(kem_id, 2) || I2OSP(kdf_id, 2) || I2OSP(aead_id, 2)
//! LabeledExtract(salt, label, ikm)    = Extract(salt, "HPKE-v1" || suite_id || label || ikm)
//! LabeledExpand(prk, label, info, L)  = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id
//!                                                   || label || info, L)
//!
//! DeriveKeyPair(ikm):  dkp_prk = LabeledExtract("", "dkp_prk", ikm)
//!                      skE     = LabeledExpand(dkp_prk, "sk", "", 32); pkE = X25519(skE, 9)
//! Encap(pkR):          dh = X25519(skE, pkR); enc = pkE; kem_context = enc || pkR
//! Decap(enc, skR):     dh = X25519(skR, enc); kem_context = enc || pk(skR)
//!   shared_secret = LabeledExpand(LabeledExtract("", "eae_prk", dh), "shared_secret",
//!                                 kem_context, 32)
//! KeySchedule (mode 0, psk = psk_id = ""):
//!   key_schedule_context = 0x00 || LabeledExtract("", "psk_id_hash", "")
//!                               || LabeledExtract("", "info_hash", info)
//!   secret          = LabeledExtract(shared_secret, "secret", "")
//!   key             = LabeledExpand(secret, "key", key_schedule_context, Nk)
//!   base_nonce      = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
//!   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
//! nonce(seq) = base_nonce XOR I2OSP(seq, Nn)
//! ```
//!
//! | id | rule | section |
//! |---|---|---|
//! | X25519-1 | an all-zero DH output is refused (on seal: `InvalidPublicKey`; on open: `DecryptionFailed`) | 7.1.4, RFC 7748 6.1 |
//! | HPKE-1 | `enc` is exactly `Nenc` = 32 bytes | 7.1.1 |
//! | HPKE-2 | a sequence number is never reused; at its limit the context refuses (`Misuse`) | 5.2 |
//! | HPKE-3 | an export is at most 255 * `Nh` bytes (`Misuse`) | 5.3 |
//! | HPKE-4 | an export-only suite neither seals nor opens (`Misuse`) | 5.3 |
//!
//! The labeled KDF builds no buffer: its parts go to HMAC one after the other, and every
//! intermediate (DH output, shared secret, PRKs, key, nonce, ephemeral secret) lives on the
//! stack in a type zeroized on drop. A [`Schedule`] holds what depends only on the suite and
//! `info` (the suite id and `key_schedule_context`, all public), so that a batch of
//! encryptions to many recipients under one `info` hashes it once; nothing secret outlives
//! a call.
//!
//! A batch ([`seal_batch`]) computes each recipient's result exactly as a single seal would,
//! from its own `ikmE`; only the field inversions are shared: one for all ephemeral public
//! keys (the Edwards-to-Montgomery map) and one for all DH outputs (the ladders' final
//! division). The X25519-1 check then applies to the batch: one small-order recipient key
//! fails it as a whole.

use zeroize::Zeroize as _;

use crate::{
    AeadAlgorithm, AeadKey, Error, HashAlgorithm, Nonce, Result, SecretBytes, SecretVec, hkdf,
    hmac::{self, Tag},
    x25519::{self, KEY_LEN},
};

use super::{HpkeAead, HpkeKdf, HpkeKem, HpkeSuite};

/// `Nsk`, `Npk`, `Nenc`, `Nsecret` and `Ndh` of DHKEM(X25519, HKDF-SHA256): all 32.
pub(super) const N: usize = KEY_LEN;
/// `Nn`: the nonce length of every AEAD offered.
const NN: usize = crate::aead::NONCE_LEN;
/// The KEM's suite id, `"KEM" || I2OSP(0x0020, 2)`.
const KEM_SUITE_ID: [u8; 5] = *b"KEM\x00\x20";
/// The version label every labeled KDF call starts with.
const VERSION: &[u8] = b"HPKE-v1";
/// HKDF-SHA256, the KEM's own KDF whatever the suite's.
const KEM_KDF: HashAlgorithm = HashAlgorithm::Sha256;
/// The longest `key_schedule_context`: mode and two HKDF-SHA512 extracts.
const MAX_CONTEXT: usize = 1 + 2 * 64;

/// `LabeledExtract(salt, label, ikm)`, with `ikm` in parts: an HMAC, its output on the stack.
fn labeled_extract(
    kdf: HashAlgorithm,
    suite_id: &[u8],
    salt: &[u8],
    label: &[u8],
    ikm: &[u8],
) -> Tag {
    hmac::mac_concat(kdf, salt, &[VERSION, suite_id, label, ikm])
}

/// `LabeledExpand(prk, label, info, L)` into `out` (L = `out.len()`), with `info` the
/// concatenation of three parts.
fn labeled_expand(
    kdf: HashAlgorithm,
    suite_id: &[u8],
    prk: &[u8],
    label: &[u8],
    info: [&[u8]; 3],
    out: &mut [u8],
) -> Result<()> {
    let len = u16::try_from(out.len())
        .map_err(|_| Error::Misuse("HPKE export length exceeds 255 * Nh"))?
        .to_be_bytes();
    let [a, b, c] = info;
    hkdf::expand_into(kdf, prk, &[&len, VERSION, suite_id, label, a, b, c], out)
        .map_err(|_| Error::Misuse("HPKE export length exceeds 255 * Nh"))
}

/// `DeriveKeyPair(ikm)`'s private key (section 7.1.3). `ikm` of at least `Nsk` bytes is the
/// caller's check.
pub(super) fn derive_secret(ikm: &[u8]) -> Result<SecretBytes<N>> {
    let prk = labeled_extract(KEM_KDF, &KEM_SUITE_ID, b"", b"dkp_prk", ikm);
    let mut sk = SecretBytes::from_array([0; N]);
    labeled_expand(
        KEM_KDF,
        &KEM_SUITE_ID,
        prk.as_bytes(),
        b"sk",
        [b"", b"", b""],
        sk.expose_secret_mut(),
    )?;
    Ok(sk)
}

/// The public key `X25519(sk, 9)` (`SerializePublicKey` of `pk(sk)`).
pub(super) fn public_key(sk: &SecretBytes<N>) -> [u8; N] {
    x25519::public_from_secret(sk.expose_secret())
}

/// [`public_key`] of each secret, with one field inversion for all.
pub(super) fn public_keys(sks: &[SecretBytes<N>]) -> Vec<[u8; N]> {
    let scalars: Vec<&[u8; N]> = sks.iter().map(SecretBytes::expose_secret).collect();
    x25519::public_from_secret_batch(&scalars)
}

/// `ExtractAndExpand(dh, kem_context)` with `kem_context = enc || pkR`.
fn shared_secret(dh: &SecretBytes<N>, enc: &[u8; N], pk_r: &[u8; N]) -> Result<SecretBytes<N>> {
    let eae_prk = labeled_extract(KEM_KDF, &KEM_SUITE_ID, b"", b"eae_prk", dh.expose_secret());
    let mut shared = SecretBytes::from_array([0; N]);
    labeled_expand(
        KEM_KDF,
        &KEM_SUITE_ID,
        eae_prk.as_bytes(),
        b"shared_secret",
        [enc, pk_r, b""],
        shared.expose_secret_mut(),
    )?;
    Ok(shared)
}

const fn hash(kdf: HpkeKdf) -> HashAlgorithm {
    match kdf {
        HpkeKdf::HkdfSha256 => HashAlgorithm::Sha256,
        HpkeKdf::HkdfSha384 => HashAlgorithm::Sha384,
        HpkeKdf::HkdfSha512 => HashAlgorithm::Sha512,
    }
}

const fn aead(aead: HpkeAead) -> Option<AeadAlgorithm> {
    match aead {
        HpkeAead::Aes128Gcm => Some(AeadAlgorithm::Aes128Gcm),
        HpkeAead::Aes256Gcm => Some(AeadAlgorithm::Aes256Gcm),
        HpkeAead::ChaCha20Poly1305 => Some(AeadAlgorithm::ChaCha20Poly1305),
        HpkeAead::ExportOnly => None,
    }
}

/// What the key schedule of one suite and `info` needs before any secret: the suite id and
/// `key_schedule_context` (public values, computed once per batch).
pub(super) struct Schedule {
    kdf: HashAlgorithm,
    aead: Option<AeadAlgorithm>,
    suite_id: [u8; 10],
    context: [u8; MAX_CONTEXT],
    context_len: usize,
}

/// An encryption key and its base nonce, zeroized on drop (the cipher state by the cipher
/// crates).
struct KeyAndNonce {
    key: AeadKey,
    base_nonce: SecretBytes<NN>,
}

impl KeyAndNonce {
    /// `base_nonce XOR I2OSP(seq, Nn)` as a [`Nonce`], which the caller zeroizes after use.
    fn nonce(&self, seq: u64) -> Nonce {
        let mut bytes = *self.base_nonce.expose_secret();
        for (b, s) in bytes[NN - 8..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        let nonce = Nonce::from_array(bytes);
        bytes.zeroize();
        nonce
    }

    fn seal(&self, seq: u64, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = self.nonce(seq);
        let ct = self.key.seal(&nonce, aad, plaintext);
        nonce.zeroize();
        ct
    }

    fn open(&self, seq: u64, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = self.nonce(seq);
        let pt = self.key.open(&nonce, aad, ciphertext);
        nonce.zeroize();
        pt.map_err(|_| Error::DecryptionFailed)
    }
}

impl Schedule {
    /// The schedule of `suite` (whose KEM is DHKEM(X25519)) and `info`.
    pub(super) fn new(suite: HpkeSuite, info: &[u8]) -> Self {
        let kdf = hash(suite.kdf);
        let mut suite_id = [0u8; 10];
        suite_id[..4].copy_from_slice(b"HPKE");
        suite_id[4..6].copy_from_slice(&HpkeKem::DhKemX25519Sha256.id().to_be_bytes());
        suite_id[6..8].copy_from_slice(&suite.kdf.id().to_be_bytes());
        suite_id[8..].copy_from_slice(&suite.aead.id().to_be_bytes());
        let psk_id_hash = labeled_extract(kdf, &suite_id, b"", b"psk_id_hash", b"");
        let info_hash = labeled_extract(kdf, &suite_id, b"", b"info_hash", info);
        let nh = kdf.output_len();
        let mut context = [0u8; MAX_CONTEXT];
        // context[0] = mode_base = 0x00.
        context[1..=nh].copy_from_slice(psk_id_hash.as_bytes());
        context[1 + nh..=2 * nh].copy_from_slice(info_hash.as_bytes());
        Self {
            kdf,
            aead: aead(suite.aead),
            suite_id,
            context,
            context_len: 1 + 2 * nh,
        }
    }

    fn expand(&self, secret: &Tag, label: &[u8], out: &mut [u8]) -> Result<()> {
        let context = self.context.get(..self.context_len).unwrap_or_default();
        labeled_expand(
            self.kdf,
            &self.suite_id,
            secret.as_bytes(),
            label,
            [context, b"", b""],
            out,
        )
    }

    /// `secret = LabeledExtract(shared_secret, "secret", psk)` with the empty psk.
    fn secret(&self, shared: &SecretBytes<N>) -> Tag {
        labeled_extract(
            self.kdf,
            &self.suite_id,
            shared.expose_secret(),
            b"secret",
            b"",
        )
    }

    /// `key` and `base_nonce`; HPKE-4 for an export-only suite.
    fn key_and_nonce(&self, secret: &Tag) -> Result<KeyAndNonce> {
        let alg = self.aead.ok_or(Error::Misuse(
            "HPKE-4: an export-only suite cannot seal or open",
        ))?;
        let mut key = [0u8; 32];
        let key_bytes = key
            .get_mut(..alg.key_len())
            .ok_or(Error::Internal("AEAD key longer than 32 bytes"))?;
        let mut base_nonce = SecretBytes::from_array([0; NN]);
        let made = self
            .expand(secret, b"key", key_bytes)
            .and_then(|()| self.expand(secret, b"base_nonce", base_nonce.expose_secret_mut()))
            .and_then(|()| AeadKey::new(alg, key_bytes));
        key.zeroize();
        Ok(KeyAndNonce {
            key: made?,
            base_nonce,
        })
    }

    /// The context of a shared secret: key, base nonce (none for export-only) and exporter
    /// secret.
    fn context(&self, shared: &SecretBytes<N>) -> Result<Context> {
        let secret = self.secret(shared);
        let keys = match self.aead {
            Some(_) => Some(self.key_and_nonce(&secret)?),
            None => None,
        };
        let mut exporter_secret = SecretVec::zeroed(self.kdf.output_len());
        self.expand(&secret, b"exp", exporter_secret.expose_secret_mut())?;
        Ok(Context {
            keys,
            exporter_secret,
            kdf: self.kdf,
            suite_id: self.suite_id,
            seq: 0,
        })
    }
}

/// `Encap(pkR)` for each recipient with its ephemeral private key: `(enc, shared_secret)`.
/// The ephemeral public keys share one field inversion, the DHs another.
fn encap_batch(
    ephemeral: &[SecretBytes<N>],
    recipients: &[&[u8; N]],
) -> Result<Vec<([u8; N], SecretBytes<N>)>> {
    let encs = public_keys(ephemeral);
    let scalars: Vec<&[u8; N]> = ephemeral.iter().map(SecretBytes::expose_secret).collect();
    let pairs: Vec<(&[u8; N], &[u8; N])> = scalars
        .iter()
        .copied()
        .zip(recipients.iter().copied())
        .collect();
    let dhs = x25519::diffie_hellman_many(&pairs).map_err(|_| Error::InvalidPublicKey("HPKE"))?;
    encs.into_iter()
        .zip(dhs.iter().zip(recipients))
        .map(|(enc, (dh, pk_r))| Ok((enc, shared_secret(dh, &enc, pk_r)?)))
        .collect()
}

/// `SealBase` to each `(pkR, plaintext)` with `info` and `aad` of `schedule`, the ephemeral key
/// of recipient i derived from `ikm_e[i]` (`Nsk` bytes each): `(enc, ct)` per recipient, each
/// exactly what a single [`seal`] gives.
///
/// # Errors
/// HPKE-4 ([`Error::Misuse`]) for an export-only suite, or when the two slices differ in
/// length; X25519-1 ([`Error::InvalidPublicKey`]) if any DH output is zero.
pub(super) fn seal_batch(
    schedule: &Schedule,
    aad: &[u8],
    recipients: &[(&[u8; N], &[u8])],
    ikm_e: &[SecretBytes<N>],
) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    if schedule.aead.is_none() {
        return Err(Error::Misuse(
            "HPKE-4: an export-only suite cannot seal or open",
        ));
    }
    if recipients.len() != ikm_e.len() {
        return Err(Error::Misuse("HPKE batch: one ikmE per recipient"));
    }
    let ephemeral = ikm_e
        .iter()
        .map(|ikm| derive_secret(ikm.expose_secret()))
        .collect::<Result<Vec<_>>>()?;
    let keys: Vec<&[u8; N]> = recipients.iter().map(|(pk, _)| *pk).collect();
    let encapsulated = encap_batch(&ephemeral, &keys)?;
    encapsulated
        .iter()
        .zip(recipients)
        .map(|((enc, shared), (_, plaintext))| {
            let secret = schedule.secret(shared);
            let ct = schedule.key_and_nonce(&secret)?.seal(0, aad, plaintext)?;
            Ok((enc.to_vec(), ct))
        })
        .collect()
}

/// `Decap(enc, skR)` with the recipient's public key given (HPKE-1, X25519-1).
fn decap(enc: &[u8], sk_r: &SecretBytes<N>, pk_r: &[u8; N]) -> Result<SecretBytes<N>> {
    let enc: &[u8; N] = enc.try_into().map_err(|_| Error::DecryptionFailed)?;
    let dh =
        x25519::diffie_hellman(sk_r.expose_secret(), enc).map_err(|_| Error::DecryptionFailed)?;
    shared_secret(&dh, enc, pk_r).map_err(|_| Error::DecryptionFailed)
}

/// `OpenBase(enc, skR, info, aad, ct)` with the recipient's public key given.
///
/// # Errors
/// HPKE-4 ([`Error::Misuse`]) for an export-only suite; [`Error::DecryptionFailed`] for any
/// other failure.
pub(super) fn open(
    schedule: &Schedule,
    enc: &[u8],
    sk_r: &SecretBytes<N>,
    pk_r: &[u8; N],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Vec<u8>> {
    if schedule.aead.is_none() {
        return Err(Error::Misuse(
            "HPKE-4: an export-only suite cannot seal or open",
        ));
    }
    let shared = decap(enc, sk_r, pk_r)?;
    let secret = schedule.secret(&shared);
    schedule.key_and_nonce(&secret)?.open(0, aad, ciphertext)
}

/// `SetupBaseS(pkR, info)` with the ephemeral key derived from `ikm_e`: `(enc, context)`.
///
/// # Errors
/// X25519-1 ([`Error::InvalidPublicKey`]) if the DH output is zero.
pub(super) fn setup_sender(
    schedule: &Schedule,
    pk_r: &[u8; N],
    ikm_e: &SecretBytes<N>,
) -> Result<([u8; N], Context)> {
    let sk_e = derive_secret(ikm_e.expose_secret())?;
    let mut encapsulated = encap_batch(core::slice::from_ref(&sk_e), &[pk_r])?;
    let (enc, shared) = encapsulated
        .pop()
        .ok_or(Error::Internal("HPKE batch of one gave no result"))?;
    Ok((enc, schedule.context(&shared)?))
}

/// `SetupBaseR(enc, skR, info)` with the recipient's public key given.
///
/// # Errors
/// [`Error::DecryptionFailed`] if `enc` is malformed or the DH output zero.
pub(super) fn setup_receiver(
    schedule: &Schedule,
    enc: &[u8],
    sk_r: &SecretBytes<N>,
    pk_r: &[u8; N],
) -> Result<Context> {
    let shared = decap(enc, sk_r, pk_r)?;
    schedule.context(&shared)
}

/// An encryption context (section 5.2): the key and base nonce (none for an export-only
/// suite), the exporter secret and the sequence number. Zeroized on drop.
pub(super) struct Context {
    keys: Option<KeyAndNonce>,
    exporter_secret: SecretVec,
    kdf: HashAlgorithm,
    suite_id: [u8; 10],
    seq: u64,
}

impl Context {
    /// The keys and the sequence number after this one (HPKE-2, HPKE-4).
    fn next(&self) -> Result<(&KeyAndNonce, u64)> {
        let keys = self.keys.as_ref().ok_or(Error::Misuse(
            "HPKE-4: an export-only suite cannot seal or open",
        ))?;
        let next = self
            .seq
            .checked_add(1)
            .ok_or(Error::Misuse("HPKE-2: sequence number exhausted"))?;
        Ok((keys, next))
    }

    /// `ContextS.Seal(aad, pt)`.
    pub(super) fn seal(&mut self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let (keys, next) = self.next()?;
        let ct = keys.seal(self.seq, aad, plaintext)?;
        self.seq = next;
        Ok(ct)
    }

    /// `ContextR.Open(aad, ct)`; a failure leaves the sequence number.
    pub(super) fn open(&mut self, aad: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        let (keys, next) = self.next()?;
        let pt = keys.open(self.seq, aad, ciphertext)?;
        self.seq = next;
        Ok(pt)
    }

    /// `Context.Export(exporter_context, L)` (HPKE-3).
    pub(super) fn export(&self, exporter_context: &[u8], len: usize) -> Result<SecretVec> {
        if len > crate::limits::max_hkdf_output(self.kdf.output_len()) {
            return Err(Error::Misuse("HPKE-3: export length exceeds 255 * Nh"));
        }
        let mut out = SecretVec::zeroed(len);
        labeled_expand(
            self.kdf,
            &self.suite_id,
            self.exporter_secret.expose_secret(),
            b"sec",
            [exporter_context, b"", b""],
            out.expose_secret_mut(),
        )?;
        Ok(out)
    }
}
