//! The peer-to-peer handshake (X3DH section 3 run over a live connection, with no prekey server;
//! section 4.7's note that both parties may try to initiate at once): a transport-agnostic state
//! machine that exchanges bundles directly, runs X3DH or PQXDH, and resolves simultaneous
//! initiation deterministically.
//!
//! ```text
//! messages  = Bundle(PrekeyBundle)         each peer's, sent by start()
//!           | Initial(InitialMessage)      sent by initiate(), or automatically on the peer's
//!                                          bundle when `initiate_on_bundle` is set
//!           | Accept(Encode(EK_A))         the responder's reply naming the initiation it took
//! encoding  = type (0x01 bundle, 0x02 initial, 0x03 accept) || body, strictly decoded
//! ```
//!
//! **Tie-break (`HS-TIE`).** If a peer that has sent an initial message (and not yet seen its
//! Accept) receives the other peer's initial message, the initiation whose initiator identity key
//! encoding `Encode(IK)` is lexicographically smaller wins. The peer with the smaller key ignores
//! the other initiation and waits for its Accept; the peer with the larger key discards its own
//! initiation (its ephemeral key and secret are dropped) and responds. Both then hold the same
//! session: one SK, one AD, the responder's signed prekey as the initial ratchet key, and
//! complementary roles. A losing initiation that arrives after completion is ignored.
//!
//! Rules: `HS-STATE` (duplicates, replays and out-of-order Accepts are errors and change
//! nothing), `X3DH-IK` (the peer's identity must be the expected one, the same in its bundle and
//! initial message, and differ from ours). Accept carries no key confirmation: it only ends the
//! handshake, and key confirmation comes with the first Double Ratchet message (an injected
//! Accept can make an initiator finish early, never finish with another key).

#![warn(clippy::indexing_slicing)]

use primitives::{MlKemParams, X25519PublicKey, rand::CryptoRng};

use crate::{
    Error, Result,
    agreement::{Profile, Role, Session, initiate, respond},
    bundle::{PrekeyBundle, VerifiedBundle},
    codec::Reader,
    keys::{
        DEFAULT_KEM, EC_ENCODED_LEN, IdentityKey, IdentityKeyPair, KemPrekey, KemPrekeyKind,
        SignedPrekey, decode_ec, encode_ec,
    },
    limits::{MAX_APPLICATION_AD_LEN, MAX_HANDSHAKE_MESSAGE_LEN},
    message::InitialMessage,
    store::InMemoryPrekeyStore,
};

const TYPE_BUNDLE: u8 = 0x01;
const TYPE_INITIAL: u8 = 0x02;
const TYPE_ACCEPT: u8 = 0x03;

/// A message between the two peers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HandshakeMessage {
    /// The sender's prekey bundle.
    Bundle(PrekeyBundle),
    /// The sender's X3DH/PQXDH initial message.
    Initial(InitialMessage),
    /// The responder took the initiation whose ephemeral key is this.
    Accept(X25519PublicKey),
}

impl HandshakeMessage {
    /// The encoding (module docs).
    ///
    /// # Errors
    /// As the inner encodings.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let (ty, body) = match self {
            Self::Bundle(b) => (TYPE_BUNDLE, b.encode()?),
            Self::Initial(m) => (TYPE_INITIAL, m.encode()?),
            Self::Accept(ek) => (TYPE_ACCEPT, encode_ec(ek).to_vec()),
        };
        let mut out = Vec::with_capacity(1 + body.len());
        out.push(ty);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Strict decoding (`CODEC-HS`).
    ///
    /// # Errors
    /// [`Error::Decode`] or [`Error::UnsupportedKeyType`].
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_HANDSHAKE_MESSAGE_LEN {
            return Err(Error::Decode("handshake message too long"));
        }
        let (ty, body) = bytes
            .split_first()
            .ok_or(Error::Decode("handshake message"))?;
        match *ty {
            TYPE_BUNDLE => PrekeyBundle::decode(body).map(Self::Bundle),
            TYPE_INITIAL => InitialMessage::decode(body).map(Self::Initial),
            TYPE_ACCEPT => {
                let mut r = Reader::new(body, "handshake accept");
                let ek = decode_ec(r.take(EC_ENCODED_LEN)?)?;
                r.finish()?;
                Ok(Self::Accept(ek))
            }
            _ => Err(Error::Decode("handshake message type")),
        }
    }
}

/// How a peer runs the handshake.
#[derive(Clone, Debug)]
pub struct HandshakeConfig {
    /// KDF profile (both peers must use the same).
    pub profile: Profile,
    /// Offer a signed ML-KEM prekey of this parameter set (PQXDH), or `None` for X3DH.
    pub kem: Option<MlKemParams>,
    /// Initiate as soon as the peer's bundle arrives (both peers may do so at once).
    pub initiate_on_bundle: bool,
    /// The peer's identity, if already known (a verified safety number).
    pub expected_peer: Option<IdentityKey>,
    /// Application data appended to AD (both peers must use the same).
    pub application_data: Vec<u8>,
}

impl Default for HandshakeConfig {
    /// Project profile, PQXDH with ML-KEM-1024, initiating on the peer's bundle.
    fn default() -> Self {
        Self {
            profile: Profile::project_default(),
            kem: Some(DEFAULT_KEM),
            initiate_on_bundle: true,
            expected_peer: None,
            application_data: Vec::new(),
        }
    }
}

/// One peer's handshake state.
#[derive(Clone, Debug)]
pub struct Handshake {
    config: HandshakeConfig,
    identity: IdentityKeyPair,
    store: InMemoryPrekeyStore,
    own_bundle: PrekeyBundle,
    started: bool,
    peer_bundle: Option<VerifiedBundle>,
    /// Our initiation awaiting its Accept: our EK_A and the tentative session.
    pending: Option<(X25519PublicKey, Session)>,
    /// The EK_A of the initiation we responded to.
    responded_to: Option<X25519PublicKey>,
    session: Option<Session>,
}

impl Handshake {
    /// A peer with fresh prekeys for this connection (signed prekey id 1, ML-KEM prekey id 1).
    ///
    /// # Errors
    /// [`Error::Misuse`] for an unsupported KEM or oversized application data.
    pub fn new(
        identity: IdentityKeyPair,
        config: HandshakeConfig,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        if config.application_data.len() > MAX_APPLICATION_AD_LEN {
            return Err(Error::Misuse("application associated data too long"));
        }
        let spk = SignedPrekey::generate(1, &identity, rng);
        let mut own_bundle = PrekeyBundle {
            identity: identity.public().clone(),
            signed_prekey: spk.public(),
            one_time_prekey: None,
            kem_prekey: None,
        };
        let mut store = InMemoryPrekeyStore::new(spk);
        if let Some(params) = config.kem {
            let kem = KemPrekey::generate(1, KemPrekeyKind::OneTime, params, &identity, rng)?;
            own_bundle.kem_prekey = Some(kem.public());
            store.add_kem_prekey(kem)?;
        }
        Ok(Self {
            config,
            identity,
            store,
            own_bundle,
            started: false,
            peer_bundle: None,
            pending: None,
            responded_to: None,
            session: None,
        })
    }

    /// Our bundle, to send when the connection opens.
    ///
    /// # Errors
    /// [`Error::Misuse`] if called twice.
    pub fn start(&mut self) -> Result<HandshakeMessage> {
        if self.started {
            return Err(Error::Misuse("handshake already started"));
        }
        self.started = true;
        Ok(HandshakeMessage::Bundle(self.own_bundle.clone()))
    }

    /// Sends an initial message to the peer whose bundle we hold.
    ///
    /// # Errors
    /// [`Error::Misuse`] without the peer's bundle, while an initiation is pending or after
    /// completion; otherwise as [`initiate`].
    pub fn initiate(&mut self, rng: &mut impl CryptoRng) -> Result<HandshakeMessage> {
        if self.session.is_some() || self.pending.is_some() {
            return Err(Error::Misuse("handshake already initiated or complete"));
        }
        let bundle = self
            .peer_bundle
            .as_ref()
            .ok_or(Error::Misuse("no peer bundle yet"))?;
        let (msg, session) = initiate(
            &self.config.profile,
            &self.identity,
            bundle,
            &self.config.application_data,
            rng,
        )?;
        self.pending = Some((msg.ephemeral.clone(), session));
        Ok(HandshakeMessage::Initial(msg))
    }

    /// The peer's identity as far as we know it.
    fn known_peer(&self) -> Option<&IdentityKey> {
        self.config
            .expected_peer
            .as_ref()
            .or_else(|| self.peer_bundle.as_ref().map(|b| &b.bundle().identity))
    }

    fn check_peer(&self, claimed: &IdentityKey) -> Result<()> {
        // X3DH-IK
        let ours = self.identity.public().encode();
        if primitives::secret::ct_eq_bytes(&claimed.encode(), &ours) {
            return Err(Error::WrongIdentity);
        }
        let finished_with = self.session.as_ref().map(Session::remote_identity);
        for known in [self.known_peer(), finished_with].into_iter().flatten() {
            if known.encode() != claimed.encode() {
                return Err(Error::WrongIdentity);
            }
        }
        Ok(())
    }

    /// Processes a message from the peer; returns the reply to send, if any. An error changes
    /// nothing.
    ///
    /// # Errors
    /// [`Error::UnexpectedMessage`] (`HS-STATE`), [`Error::WrongIdentity`] (`X3DH-IK`), and the
    /// verification and agreement errors.
    pub fn receive(
        &mut self,
        message: HandshakeMessage,
        rng: &mut impl CryptoRng,
    ) -> Result<Option<HandshakeMessage>> {
        match message {
            HandshakeMessage::Bundle(bundle) => {
                // HS-STATE
                if self.peer_bundle.is_some() {
                    return Err(Error::UnexpectedMessage("duplicate bundle"));
                }
                self.check_peer(&bundle.identity)?;
                let verified = bundle.verify()?;
                self.peer_bundle = Some(verified);
                if self.config.initiate_on_bundle
                    && self.session.is_none()
                    && self.pending.is_none()
                    && self.responded_to.is_none()
                {
                    match self.initiate(rng) {
                        Ok(m) => Ok(Some(m)),
                        Err(e) => {
                            self.peer_bundle = None;
                            Err(e)
                        }
                    }
                } else {
                    Ok(None)
                }
            }
            HandshakeMessage::Initial(msg) => self.receive_initial(&msg),
            HandshakeMessage::Accept(ek) => {
                let matches = self
                    .pending
                    .as_ref()
                    .is_some_and(|(ours, _)| ours.as_bytes() == ek.as_bytes());
                if !matches {
                    return Err(Error::UnexpectedMessage("accept"));
                }
                self.session = self.pending.take().map(|(_, s)| s);
                Ok(None)
            }
        }
    }

    fn receive_initial(&mut self, msg: &InitialMessage) -> Result<Option<HandshakeMessage>> {
        self.check_peer(&msg.identity)?;
        let ours = self.identity.public().encode();
        let theirs = msg.identity.encode();
        // HS-STATE: a replay of the initiation we already took.
        if self
            .responded_to
            .as_ref()
            .is_some_and(|ek| ek.as_bytes() == msg.ephemeral.as_bytes())
        {
            return Err(Error::UnexpectedMessage("replayed initial"));
        }
        let we_initiated = self.pending.is_some()
            || self
                .session
                .as_ref()
                .is_some_and(|s| s.role() == Role::Initiator);
        if we_initiated {
            // HS-TIE: the smaller initiator identity wins.
            if ours < theirs {
                return Ok(None);
            }
            if self.session.is_some() {
                return Err(Error::UnexpectedMessage("initial after completion"));
            }
        } else if self.session.is_some() {
            return Err(Error::UnexpectedMessage("initial after completion"));
        }
        let session = respond(
            &self.config.profile,
            &self.identity,
            &mut self.store,
            msg,
            &self.config.application_data,
        )?;
        // Our losing initiation (if any) is discarded, its secrets zeroized on drop.
        self.pending = None;
        self.responded_to = Some(msg.ephemeral.clone());
        self.session = Some(session);
        Ok(Some(HandshakeMessage::Accept(msg.ephemeral.clone())))
    }

    /// Whether the handshake is complete.
    pub const fn is_complete(&self) -> bool {
        self.session.is_some()
    }

    /// The session, once complete.
    pub const fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Takes the session out, once complete.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the handshake is not complete.
    pub fn into_session(self) -> Result<Session> {
        self.session.ok_or(Error::Misuse("handshake not complete"))
    }

    /// Our identity.
    pub const fn identity(&self) -> &IdentityKey {
        self.identity.public()
    }
}
