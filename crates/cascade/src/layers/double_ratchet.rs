//! The Double Ratchet layer: a [`double_ratchet::Session`] with one peer. The layer's
//! binding is the message's per-message associated data (`DR-AD`), so it costs no bytes;
//! opening is [`Session::stage_decrypt`], committed with the cascade.

use double_ratchet::{Config, Session, StagedDecrypt};
use primitives::{SecretBytes, rand::CryptoRng};

use crate::{CipherLayer, LayerId, Opened, StagedOpen, error::LayerError};

/// Version 1: the layer's ciphertext is a Double Ratchet message (clear header, version 1,
/// or encrypted header, version 2, as the session was set up).
pub const VERSION: u8 = 1;

/// The most a Double Ratchet message adds to its plaintext: version, encrypted header
/// (at most 80 bytes), CBC padding (at most 16) and a 32-byte MAC, rounded up.
const MAX_OVERHEAD: usize = 160;

/// A Double Ratchet session as a cascade layer.
#[derive(Debug)]
pub struct DoubleRatchetLayer {
    session: Session,
}

impl DoubleRatchetLayer {
    /// The layer of an established session.
    pub const fn new(session: Session) -> Self {
        Self { session }
    }

    /// Starts the session from a finished X3DH/PQXDH agreement: the initiator as Alice
    /// (a fresh ratchet key from `rng`), the responder as Bob (with the signed prekey pair),
    /// both with the agreement's SK and AD (X3DH section 3.3 to Double Ratchet section 3.3).
    ///
    /// # Errors
    /// [`LayerError::Misuse`] if the agreement's secret is not 32 bytes (use a 32-byte
    /// profile, such as the project default); the session's own initialization errors.
    pub fn from_agreement(
        agreement: &x3dh::Session,
        config: Config,
        rng: &mut impl CryptoRng,
    ) -> Result<Self, LayerError> {
        let sk = SecretBytes::<32>::try_from_slice(agreement.shared_secret().expose_secret())
            .map_err(|_| LayerError::Misuse("the agreement's secret must be 32 bytes"))?;
        let ad = agreement.associated_data();
        let session = match agreement.initial_ratchet_key_pair() {
            None => Session::init_alice(config, &sk, ad, agreement.initial_ratchet_key(), rng)?,
            Some(pair) => Session::init_bob(config, &sk, ad, pair.clone())?,
        };
        Ok(Self { session })
    }

    /// The session (to save it: [`Session::to_bytes`]).
    pub const fn session(&self) -> &Session {
        &self.session
    }

    /// The session, mutably.
    pub const fn session_mut(&mut self) -> &mut Session {
        &mut self.session
    }

    /// The session, taking the layer apart.
    pub fn into_session(self) -> Session {
        self.session
    }
}

struct Staged<'a>(StagedDecrypt<'a>);

impl StagedOpen for Staged<'_> {
    fn commit(self: Box<Self>) -> Result<(), LayerError> {
        self.0.commit();
        Ok(())
    }
}

impl CipherLayer for DoubleRatchetLayer {
    fn id(&self) -> LayerId {
        LayerId::DOUBLE_RATCHET
    }

    fn version(&self) -> u8 {
        VERSION
    }

    fn max_overhead(&self) -> usize {
        MAX_OVERHEAD
    }

    fn seal(
        &mut self,
        plaintext: &[u8],
        ad: &[u8],
        mut rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>, LayerError> {
        Ok(self.session.encrypt_with_ad(plaintext, ad, &mut rng)?)
    }

    fn open<'a>(&'a mut self, ciphertext: &[u8], ad: &[u8]) -> Result<Opened<'a>, LayerError> {
        let (plaintext, staged) = self.session.stage_decrypt(ciphertext, ad)?;
        Ok(Opened {
            plaintext,
            staged: Some(Box::new(Staged(staged))),
        })
    }
}
