//! The Signal Double Ratchet (revision 1, 2016-11-20), sections 3 and 4: sessions between two
//! parties, with and without header encryption, from the 32-byte secret and the associated
//! data of a key agreement (X3DH or PQXDH; this crate does not depend on one).
//!
//! - **Algorithms** (section 5.2, [`kdf`]): KDF_RK = HKDF-SHA256(salt = RK, IKM = DH output),
//!   KDF_CK = HMAC-SHA256(CK, 0x01 / 0x02), ENCRYPT = HKDF-expanded AES-256-CBC key, HMAC key
//!   and IV, HMAC-SHA256 over `AD || header || ciphertext`. The constants are a [`Profile`]:
//!   [`Profile::project_default`] (full 32-byte MAC) or [`Profile::libsignal_v3`] (libsignal's
//!   `WhisperRatchet` / `WhisperMessageKeys`, 8-byte MAC), which reproduces libsignal's vectors.
//! - **Messages** ([`header`]): a fixed-layout, versioned header `(DH, PN, N)`, clear (version
//!   1) or encrypted with AES-256-GCM under a synthetic nonce (version 2, section 4).
//! - **Out-of-order delivery** ([`limits`]): skipped keys per (chain, N), bounded per message,
//!   in all and in chains, evicted oldest first; duplicates and replays rejected.
//! - **Nothing lost**: a message that fails leaves the session exactly as it was.
//! - **State** ([`Session::to_bytes`]): versioned, strictly decoded, zeroizing.
//!
//! # Example: a complete session
//!
//! ```
//! use double_ratchet::{Config, Session, primitives::{SecretBytes, X25519SecretKey}};
//!
//! # fn main() -> Result<(), double_ratchet::Error> {
//! // Any `CryptoRng`; in an application the operating system's, here a seeded test RNG.
//! let mut rng = test_support::seeded_rng(1);
//!
//! // From the key agreement: the shared secret, the AD, and Bob's ratchet key pair (his
//! // signed prekey in X3DH), whose public half Alice knows.
//! let sk = SecretBytes::from_array([7u8; 32]);
//! let ad = b"Encode(IK_A) || Encode(IK_B)";
//! let bob_ratchet = X25519SecretKey::generate(&mut rng);
//! let bob_public = bob_ratchet.public_key().clone();
//!
//! let mut alice = Session::init_alice(Config::default(), &sk, ad, &bob_public, &mut rng)?;
//! let mut bob = Session::init_bob(Config::default(), &sk, ad, bob_ratchet)?;
//!
//! // Alice speaks first; Bob answers (a DH ratchet step), messages may arrive out of order.
//! let m1 = alice.encrypt(b"hello Bob", &mut rng)?;
//! let m2 = alice.encrypt(b"are you there?", &mut rng)?;
//! assert_eq!(bob.decrypt(&m2)?, b"are you there?");
//! assert_eq!(bob.decrypt(&m1)?, b"hello Bob");
//! let r1 = bob.encrypt(b"hi Alice", &mut rng)?;
//! assert_eq!(alice.decrypt(&r1)?, b"hi Alice");
//!
//! // A replay is rejected, and leaves the session as it was.
//! let before = alice.to_bytes();
//! assert_eq!(alice.decrypt(&r1), Err(double_ratchet::Error::Duplicate { n: 0 }));
//! assert_eq!(alice.to_bytes().expose_secret(), before.expose_secret());
//!
//! // Save and restore (encrypt the saved bytes at rest).
//! let saved = bob.to_bytes();
//! let mut bob = Session::from_bytes(saved.expose_secret())?;
//! let m3 = alice.encrypt(b"still here", &mut rng)?;
//! assert_eq!(bob.decrypt(&m3)?, b"still here");
//! # Ok(())
//! # }
//! ```
//!
//! With header encryption, use [`Session::init_alice_he`] and [`Session::init_bob_he`] with the
//! two shared header keys ([`SharedHeaderKeys`]) the key agreement also derived.
//!
//! # Limits
//!
//! [`Limits`] (see [`limits`]): a message may make the receiver skip at most `max_skip` = 2 000
//! keys in one chain (`DR-SKIP`, else [`Error::TooFarAhead`] and nothing changes); at most
//! `max_stored_keys` = 2 000 skipped keys are kept (`DR-STORE`), in at most
//! `max_skipped_chains` = 5 receiving chains (`DR-CHAINS`, the spec's "delete skipped keys
//! after some ratchet steps"), the oldest stored evicted first. These follow libsignal (2 000
//! keys per chain, 5 receiver chains) and vodozemac (a gap of 2 000): enough for routine loss,
//! while one message costs at most 4 000 HMACs and a session at most 2 000 stored keys.
//!
//! # What this crate does not reproduce from the seed product
//!
//! - The seed's KDF_RK used the DH output as HKDF salt and the root key as input; here the
//!   root key is the salt, as the specification says.
//! - The seed encrypted with AES-GCM under random nonces; here messages use the specification's
//!   recommended ENCRYPT (each message key is used once, the IV is derived with it), and header
//!   encryption uses a synthetic nonce that cannot repeat on different headers
//!   ([`header`], `DR-HE-NONCE`).
//! - The seed capped skipped keys only per call and evicted them in lexicographic order; here
//!   the bounds hold per message, in all and per chain, and eviction is oldest first.
//! - The seed's JavaScript fallback never performed a DH ratchet step; here every reply after
//!   a received new ratchet key performs one.
//!
//! In addition, a message that fails here (bad MAC, malformed, too far ahead, a replay)
//! changes nothing in the session: decryption is computed on the side and committed only
//! after the MAC verified.
//!
//! Deviation from the specification's pseudo-code, allowed by its section 6.5: the new sending
//! ratchet key is generated when the next message is sent rather than when a new ratchet key
//! is received (the derived keys are identical), so [`Session::decrypt`] needs no RNG.

/// The crate's error type (one variant per rule id).
mod error;
/// Sections 3.1 and 4.2: header, message wire format, HENCRYPT/HDECRYPT.
pub mod header;
/// Section 5.2: KDF_RK, KDF_RK_HE, KDF_CK and ENCRYPT's key expansion, one type per key role.
pub mod kdf;
/// Sections 3.5 and 6.4: the skipped-key and chain bounds.
pub mod limits;
/// Section 5.2: the application constants (info strings, MAC length).
mod profile;
/// Sections 3 and 4: the session (initialization, RatchetEncrypt, RatchetDecrypt).
mod session;
/// Section 3.5: MKSKIPPED, the skipped-message-key store.
mod skipped;
/// Sections 3.2 and 4.3: the saved-session format.
mod state;

/// Entry points for the fuzz targets (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

pub use error::{Error, Result};
pub use header::{Header, MessageRef};
pub use limits::Limits;
pub use profile::Profile;
pub use session::{Config, Session, SharedHeaderKeys, StagedDecrypt};
pub use state::STATE_VERSION;

/// The `primitives` crate this one is built on (its secret and key types appear in the API).
pub use primitives;
