//! ML-KEM sealed envelopes: each message is encrypted to a recipient's ML-KEM (FIPS 203) or
//! X-Wing public key with a fresh KEM encapsulation and a single-use AES-256-GCM key.
//!
//! ```text
//! seal(ek, plaintext, aad, rng) -> Envelope        open(dk, envelope, aad) -> plaintext
//! ```
//!
//! - **Keys.** A [`DecapsulationKey`] is generated from an RNG or rebuilt from its seed (64
//!   bytes `d || z` for ML-KEM, 32 bytes for X-Wing), the only form it is persisted in;
//!   [`DecapsulationKey::export_seed`] is the one, explicit, zeroizing export. The expanded key
//!   is computed once and cached. An [`EncapsulationKey`] exists only after the FIPS 203
//!   section 7.2 check (and X-Wing's small-order check), and caches `SHA-256(ek)`.
//! - **Parameter sets** ([`ParameterSet`]): ML-KEM-512, ML-KEM-768 (the default),
//!   ML-KEM-1024 and X-Wing (X25519 + ML-KEM-768). A recipient's key fixes its parameter set.
//! - **Envelopes** ([`Envelope`], [`EnvelopeRef`]): a versioned binary encoding with exact
//!   length checks, parsed without copying.
//! - **Limits** ([`Config`]): a configurable maximum plaintext, 10 MiB by default, enforced
//!   before any KEM work on both sides.
//! - **Errors** ([`Error`]): one opaque [`Error::DecryptionFailed`] for every failure to open
//!   a well-formed envelope; distinct errors for malformed headers, sizes and keys.
//!
//! # Example
//!
//! ```
//! use mlkem_layer::{DecapsulationKey, EncapsulationKey, ParameterSet, open, seal};
//!
//! # fn main() -> Result<(), mlkem_layer::Error> {
//! // Any `CryptoRng` (`mlkem_layer::rand::CryptoRng`): in an application the operating
//! // system's, for example `getrandom::SysRng`; here a seeded test RNG.
//! let mut rng = test_support::seeded_rng(7);
//!
//! // The recipient makes a key and persists only its seed (store it encrypted at rest).
//! let dk = DecapsulationKey::generate(ParameterSet::MlKem768, &mut rng);
//! let seed = dk.export_seed(); // zeroized when dropped
//! let ek_bytes = dk.encapsulation_key().as_bytes().to_vec(); // public: publish it
//!
//! // A sender decodes (and so checks) the public key and seals a message to it.
//! let ek = EncapsulationKey::from_bytes(ParameterSet::MlKem768, &ek_bytes)?;
//! let envelope = seal(&ek, b"hello", b"chat 42, message 1", &mut rng)?;
//! let wire: &[u8] = envelope.as_bytes();
//! assert_eq!(wire.len(), ParameterSet::MlKem768.envelope_overhead() + 5);
//!
//! // Later, perhaps in another process: restore the key from the seed and open.
//! let restored = DecapsulationKey::from_seed(ParameterSet::MlKem768, seed.expose_secret())?;
//! drop(seed);
//! assert_eq!(restored.encapsulation_key(), &ek);
//! let plaintext = open(&restored, wire, b"chat 42, message 1")?;
//! assert_eq!(plaintext, b"hello");
//!
//! // Any other associated data, or any modified byte, is the same opaque error.
//! assert_eq!(
//!     open(&restored, wire, b"chat 42, message 2"),
//!     Err(mlkem_layer::Error::DecryptionFailed)
//! );
//! # Ok(())
//! # }
//! ```
//!
//! A smaller or larger limit: `seal_with(&Config { max_plaintext: 64 * 1024 }, ...)` and the
//! same [`Config`] in [`open_with`].
//!
//! # Envelope format (version 1)
//!
//! | offset | length | field | value |
//! |---|---|---|---|
//! | 0 | 1 | `version` | `0x01` |
//! | 1 | 1 | `param_id` | `0x01` ML-KEM-512, `0x02` ML-KEM-768, `0x03` ML-KEM-1024, `0x10` X-Wing |
//! | 2 | `Nct` | `kem_ciphertext` | `Nct` = 768, 1088, 1568 or 1120 bytes, fixed by `param_id` |
//! | 2 + `Nct` | rest, at least 16 | `aead_ciphertext` | AES-256-GCM ciphertext, then its 16-byte tag |
//!
//! No length fields: the parameter set fixes the KEM ciphertext's length and everything after
//! it is the AEAD ciphertext, so the plaintext length is `len − 2 − Nct − 16` and an envelope
//! adds exactly [`ParameterSet::envelope_overhead`] bytes (1106 for ML-KEM-768). The parser
//! checks, before any decapsulation, in this order: the 2-byte header is present (`ENV-1`),
//! the version is `0x01` (`ENV-2`), the id names a parameter set (`ENV-3`), the envelope is at
//! least `2 + Nct + 16` bytes (`ENV-1`); `open` then checks that the set is the key's
//! (`KEY-3`) and that the implied plaintext is within the limit (`LIMIT-2`). Trailing bytes
//! are not a separate case: they are part of the AEAD ciphertext and fail authentication.
//! Parsing borrows ([`EnvelopeRef::parse`]); [`open`] takes the encoded bytes and parses them
//! itself, so a caller never needs a parsed value to open.
//!
//! # Key schedule
//!
//! ```text
//! (kem_ciphertext, ss) = Encaps(recipient ek)             fresh randomness per message
//! info = "mlkem-layer v1" || version || param_id || SHA-256(recipient ek) || kem_ciphertext
//! okm  = HKDF-SHA256(salt = "", IKM = ss, info, L = 44)
//! key  = okm[0..32]        nonce = okm[32..44]
//! aead_ciphertext = AES-256-GCM(key, nonce, AD = version || param_id || aad, plaintext)
//! ```
//!
//! `SHA-256(ek)` is computed once per key (cached in [`EncapsulationKey`] and
//! [`DecapsulationKey`]), not per message.
//!
//! # Security argument
//!
//! **Nonce reuse is impossible by construction.** AES-GCM fails catastrophically when one
//! key encrypts two messages under one nonce (the keystream repeats and the GHASH key can be
//! recovered). Here every message's AES key is derived from a *fresh* KEM shared secret: each
//! seal draws new encapsulation randomness (`m`, 256 bits, or X-Wing's 512-bit `eseed`), so
//! `ss` is a new uniformly random 256-bit value, and HKDF turns it, bound to that message's
//! KEM ciphertext, into the key and the nonce. Each key encrypts exactly one message — the
//! internal key type is consumed by its one use — so no (key, nonce) pair can ever be used
//! twice: with one message per key the nonce does not even need to be unique, and deriving it
//! costs nothing. Two messages share a key only if two encapsulations give the same 256-bit
//! secret, with probability about `n² / 2^257` for `n` messages: never, in practice.
//!
//! **Why this is stronger than a random IV plus a table of used IVs.** A random 96-bit IV
//! under one long-lived key is safe only up to 2^32 messages per key (NIST SP 800-38D section
//! 8.3), and a table of used IVs is *state*: it is lost on restart or a cleared browser
//! profile, is not shared between a user's devices, tabs or processes, grows without bound or
//! must forget, and is checked by the party that can least act on it. Each gap turns into a
//! silent nonce reuse. This layer has no such state and no such bound: nothing to store,
//! synchronise, evict or lose, and the per-key limits of AES-GCM are met trivially (one
//! message per key). The per-message random salt is likewise unnecessary: the KEM ciphertext
//! is the per-message randomness, and it is bound into the key.
//!
//! **Binding.** The HKDF info binds the key to the KEM ciphertext (a modified ciphertext gives
//! another key, on top of ML-KEM's implicit rejection), to the recipient's encapsulation key
//! (an envelope cannot be re-targeted), to the parameter set and version (no cross-set or
//! cross-version confusion), and the AEAD authenticates the header again with the caller's
//! `aad`. An envelope opens only with the intended key, the same `aad` and every byte intact.
//!
//! **No oracle.** Once the header is well formed, every failure is [`Error::DecryptionFailed`]:
//! ML-KEM decapsulation never fails (a modified ciphertext yields the implicit-rejection
//! secret, FIPS 203 section 6.3), so a tampered KEM ciphertext, a tampered AEAD ciphertext, a
//! wrong key, a wrong `aad` and trailing bytes all end at the same AEAD tag check. The header
//! errors speak only of public bytes. (X-Wing refuses a small-order X25519 ciphertext before
//! the tag check; that depends only on public bytes too, and surfaces as the same
//! `DecryptionFailed`.) Decryption writes plaintext only after the tag verified and only to a
//! fresh buffer; the AEAD ciphertext is never copied before it is authenticated.
//!
//! **Secrets.** Seeds, shared secrets, HKDF's PRK and output and the AES key schedule are
//! zeroizing values, wiped when dropped on every path, errors included. Keys print as their
//! parameter set and a prefix of `SHA-256(ek)` only. Key checks (FIPS 203 section 7.2, the
//! section 7.3 hash check of imported keys) and decapsulation are constant time in
//! `primitives`' backends.
//!
//! **Not provided** (as with HPKE's base mode): sender authentication (anyone holding `ek`
//! can seal to it: authenticate the sender in a surrounding layer), replay protection (bind a
//! message number in `aad` or track envelope hashes), and hiding the plaintext's length.
//!
//! # Compared with the JavaScript layer it replaces
//!
//! | | JavaScript layer | this crate |
//! |---|---|---|
//! | ML-KEM cost | 30–50 ms per operation | native `ml-kem` or formally verified `libcrux-ml-kem` (see README, Benchmarks) |
//! | AES key and IV | random 16-byte salt and 12-byte IV per message | derived per message; no randomness beyond the encapsulation |
//! | IV reuse | detected by a table of used IVs per recipient key | impossible by construction; no state |
//! | parameter sets | ML-KEM-768 | ML-KEM-512/768/1024 and the X-Wing hybrid |
//! | key storage | | 64- or 32-byte seed only, explicit zeroizing export |
//! | key checks | constant-time comparisons | FIPS 203 section 7.2 on every decoded key, constant-time backends |
//! | format | | versioned, exact lengths, checked before decapsulation |
//! | plaintext cap | 10 MB | configurable, 10 MiB default, checked before KEM work on both sides |
//! | errors | | one opaque decryption error, distinct header errors |
//!
//! # Rule ids
//!
//! `ENV-1` too short, `ENV-2` version, `ENV-3` parameter-set id, `LIMIT-1` plaintext too
//! large to seal, `LIMIT-2` envelope too large to open, `KEY-1` seed length, `KEY-2`
//! encapsulation-key check, `KEY-3` parameter-set mismatch, `OPEN-1` opaque failure. Each
//! appears at its check, in its [`Error`] variant's documentation and in its tests' names.
//!
//! # Features
//!
//! - `libcrux`: the formally verified `libcrux-ml-kem` backend of `primitives` (its default
//!   backend when on); [`MlKemBackend::all`] lists the compiled-in backends.
//! - `fuzzing`: the hidden entry points of the fuzz targets.

#![forbid(unsafe_code)]

/// The version-1 envelope encoding: borrowed parsing, exact lengths.
pub mod envelope;
/// The crate's error type (rule ids `ENV-*`, `LIMIT-*`, `KEY-*`, `OPEN-1`).
mod error;
/// The per-message HKDF-SHA256 key schedule: one AES-256-GCM key and nonce per message.
pub mod key_schedule;
/// FIPS 203 sections 7.1–7.2 and X-Wing key expansion: recipient keys, seeds only persisted.
mod keys;
/// `seal` / `open`: fresh encapsulation, key schedule, AES-256-GCM.
mod layer;
/// Bounds the crate enforces, with their reasons, and [`Config`].
pub mod limits;
/// FIPS 203 section 8 and X-Wing: parameter sets, their envelope ids and sizes.
pub mod params;

/// Entry points for the fuzz targets (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use envelope::{Envelope, EnvelopeRef, VERSION};
pub use error::{Error, Result};
pub use keys::{DecapsulationKey, EncapsulationKey};
pub use layer::{open, open_with, seal, seal_with};
pub use limits::{Config, DEFAULT_MAX_PLAINTEXT};
pub use params::ParameterSet;
pub use primitives::{MlKemBackend, SecretVec};

/// The random-number traits `seal` and key generation take (`&mut impl CryptoRng`),
/// re-exported so that callers need no direct dependency on `rand_core`.
pub mod rand {
    pub use primitives::rand::{CryptoRng, Rng, TryCryptoRng, TryRng};
}
