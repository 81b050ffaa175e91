//! `seal` and `open`: one fresh encapsulation and one single-use AES-256-GCM key per message
//! (FIPS 203 section 7.2 `ML-KEM.Encaps` / 7.3 `ML-KEM.Decaps`, or X-Wing's `Encaps`/`Decaps`,
//! then the key schedule of [`crate::key_schedule`]).
//!
//! ```text
//! seal(ek, pt, aad):                          open(dk, envelope, aad):
//!   LIMIT-1  |pt| <= max                        ENV-1..3  parse header, exact lengths
//!   (ct, ss) = Encaps(ek)                       KEY-3     envelope's set == dk's set
//!   k, iv    = KDF(ss, hdr, H(ek), ct)          LIMIT-2   |aead_ct| - 16 <= max
//!   c        = AES-256-GCM(k, iv, hdr||aad, pt)   ss      = Decaps(dk, ct)
//!   return hdr || ct || c                       k, iv     = KDF(ss, hdr, H(ek), ct)
//!                                               OPEN-1    pt = AES-256-GCM-Open(...) or
//!                                                         DecryptionFailed
//! ```
//!
//! `open` takes the envelope as bytes and parses them itself ([`crate::EnvelopeRef::parse`],
//! borrowed): a caller holding an [`crate::Envelope`] passes [`crate::Envelope::as_bytes`].

use primitives::rand::CryptoRng;

use crate::{
    Config, DecapsulationKey, EncapsulationKey, Envelope, EnvelopeRef, Error, Result,
    envelope::{HEADER_LEN, TAG_LEN, VERSION},
    key_schedule::MessageKey,
};

/// Seals `plaintext` to the holder of `ek`'s decapsulation key, binding `aad` (which is not
/// sent: the receiver must supply the same bytes), with the default [`Config`] (10 MiB).
///
/// # Errors
/// As [`seal_with`].
pub fn seal(
    ek: &EncapsulationKey,
    plaintext: &[u8],
    aad: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Envelope> {
    seal_with(&Config::default(), ek, plaintext, aad, rng)
}

/// Seals `plaintext` to the holder of `ek`'s decapsulation key, binding `aad`: a fresh
/// encapsulation (its randomness drawn from `rng`) and a single-use AES-256-GCM key.
///
/// # Errors
/// [`Error::PlaintextTooLarge`] (`LIMIT-1`) if `plaintext` is longer than
/// `config.max_plaintext`, before any encapsulation or allocation. [`Error::Primitive`] only
/// for states believed unreachable.
pub fn seal_with(
    config: &Config,
    ek: &EncapsulationKey,
    plaintext: &[u8],
    aad: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<Envelope> {
    let max = config.effective_max_plaintext();
    if plaintext.len() > max {
        return Err(Error::PlaintextTooLarge {
            len: plaintext.len(),
            max,
        });
    }
    let params = ek.params();
    let header = [VERSION, params.id()];
    let (kem_ciphertext, shared_secret) = ek.encapsulate(rng)?;
    let key = MessageKey::derive(&shared_secret, &header, ek.ek_hash(), &kem_ciphertext)?;
    drop(shared_secret);
    // Cannot overflow: plaintext.len() <= max <= 2^36 and the overhead is under 2 KiB.
    let mut out = Vec::with_capacity(params.envelope_overhead().saturating_add(plaintext.len()));
    out.extend_from_slice(&header);
    out.extend_from_slice(&kem_ciphertext);
    key.seal_into(&header, aad, plaintext, &mut out)?;
    Ok(Envelope::from_encoded(params, out))
}

/// Opens `envelope` (its encoded bytes) with `dk`, checking `aad`, with the default
/// [`Config`] (10 MiB).
///
/// # Errors
/// As [`open_with`].
pub fn open(dk: &DecapsulationKey, envelope: &[u8], aad: &[u8]) -> Result<Vec<u8>> {
    open_with(&Config::default(), dk, envelope, aad)
}

/// Opens `envelope` (its encoded bytes) with `dk`, checking `aad`, and returns the
/// plaintext. The envelope is parsed in place and the AEAD ciphertext is read where it lies;
/// only the authenticated plaintext is written to a new buffer.
///
/// # Errors
/// Header problems, which the public bytes show, before any decapsulation:
/// [`Error::EnvelopeTooShort`] (`ENV-1`), [`Error::UnsupportedVersion`] (`ENV-2`),
/// [`Error::UnsupportedParameterSet`] (`ENV-3`), [`Error::ParameterSetMismatch`] (`KEY-3`),
/// [`Error::EnvelopeTooLarge`] (`LIMIT-2`). Everything else — a modified KEM or AEAD
/// ciphertext, a wrong key, a wrong `aad`, trailing bytes — is the one opaque
/// [`Error::DecryptionFailed`] (`OPEN-1`).
pub fn open_with(
    config: &Config,
    dk: &DecapsulationKey,
    envelope: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>> {
    let env = EnvelopeRef::parse(envelope)?;
    let params = env.params();
    if params != dk.params() {
        return Err(Error::ParameterSetMismatch {
            key: dk.params(),
            envelope: params,
        });
    }
    let max = config.effective_max_plaintext();
    let len = env.aead_ciphertext().len().saturating_sub(TAG_LEN);
    if len > max {
        return Err(Error::EnvelopeTooLarge { len, max });
    }
    let header: [u8; HEADER_LEN] = [VERSION, params.id()];
    // OPEN-1: from here on every failure is the same opaque error.
    let shared_secret = dk.decapsulate(env.kem_ciphertext())?;
    let key = MessageKey::derive(
        &shared_secret,
        &header,
        dk.encapsulation_key().ek_hash(),
        env.kem_ciphertext(),
    )
    .map_err(|_| Error::DecryptionFailed)?;
    drop(shared_secret);
    key.open(&header, aad, env.aead_ciphertext())
}
