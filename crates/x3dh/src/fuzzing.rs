//! Entry points for the fuzz targets in `fuzz/` (`x3dh_bundle_decode`, `x3dh_initial_message`,
//! `x3dh_handshake`). Each takes arbitrary bytes, must never panic, and asserts what must hold
//! of any input. The stable test `tests/fuzz_corpus_replay.rs` runs the committed corpus and
//! regressions through these same functions.

#![allow(
    clippy::missing_panics_doc,
    clippy::panic,
    reason = "a fuzz entry point panics exactly when an invariant fails: that is the oracle"
)]

use std::sync::OnceLock;

use crate::{
    Handshake, HandshakeConfig, HandshakeMessage, IdentityKeyPair, InMemoryPrekeyStore,
    InitialMessage, KemPrekey, KemPrekeyKind, OneTimePrekey, PrekeyBundle, Profile, SignedPrekey,
    respond,
};
use primitives::{MlKemParams, SecretBytes, X25519SecretKey, fuzzing::FuzzRng};

/// The fixed responder of `initial_message`: identity, and a store with signed prekey 1,
/// one-time prekey 10, one-time ML-KEM-1024 prekey 20 and last-resort ML-KEM-768 prekey 21.
pub struct FuzzResponder {
    /// Bob's identity.
    pub identity: IdentityKeyPair,
    /// Bob's store.
    pub store: InMemoryPrekeyStore,
    /// Bob's bundle offering OPK 10 and KEM prekey 20.
    pub bundle: PrekeyBundle,
}

impl core::fmt::Debug for FuzzResponder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FuzzResponder").finish_non_exhaustive()
    }
}

/// The fixed responder, built once.
pub fn fuzz_responder() -> &'static FuzzResponder {
    static R: OnceLock<FuzzResponder> = OnceLock::new();
    R.get_or_init(|| {
        let mut rng = FuzzRng::new(0x0b0b);
        let identity = IdentityKeyPair::from_secret(X25519SecretKey::from_secret(
            &SecretBytes::from_array([0x42; 32]),
        ));
        let spk = SignedPrekey::generate(1, &identity, &mut rng);
        let opk = OneTimePrekey::generate(10, &mut rng);
        let kem = KemPrekey::generate(
            20,
            KemPrekeyKind::OneTime,
            MlKemParams::MlKem1024,
            &identity,
            &mut rng,
        );
        let last = KemPrekey::generate(
            21,
            KemPrekeyKind::LastResort,
            MlKemParams::MlKem768,
            &identity,
            &mut rng,
        );
        let (Ok(kem), Ok(last)) = (kem, last) else {
            panic!("fuzz responder keys")
        };
        let bundle = PrekeyBundle {
            identity: identity.public().clone(),
            signed_prekey: spk.public(),
            one_time_prekey: Some(opk.public()),
            kem_prekey: Some(kem.public()),
        };
        let mut store = InMemoryPrekeyStore::new(spk);
        let added = [
            store.add_one_time_prekey(opk),
            store.add_kem_prekey(kem),
            store.add_kem_prekey(last),
        ];
        assert!(added.iter().all(Result::is_ok), "fuzz responder store");
        FuzzResponder {
            identity,
            store,
            bundle,
        }
    })
}

/// `x3dh_bundle_decode`: a bundle that decodes must re-encode to exactly its input (and so must
/// a handshake message).
pub fn bundle_decode(data: &[u8]) {
    if let Ok(bundle) = PrekeyBundle::decode(data) {
        match bundle.encode() {
            Ok(enc) => assert_eq!(enc, data, "bundle re-encoding differs"),
            Err(e) => panic!("decoded bundle does not encode: {e}"),
        }
        // Verification must not panic either way.
        let _ = bundle.verify();
    }
    if let Ok(msg) = HandshakeMessage::decode(data) {
        match msg.encode() {
            Ok(enc) => assert_eq!(enc, data, "handshake message re-encoding differs"),
            Err(e) => panic!("decoded handshake message does not encode: {e}"),
        }
    }
}

/// `x3dh_initial_message`: decode and process against the fixed responder; a decoded message
/// re-encodes to its input, and a rejected one leaves the store unchanged.
pub fn initial_message(data: &[u8]) {
    let Ok(msg) = InitialMessage::decode(data) else {
        return;
    };
    match msg.encode() {
        Ok(enc) => assert_eq!(enc, data, "initial message re-encoding differs"),
        Err(e) => panic!("decoded initial message does not encode: {e}"),
    }
    let r = fuzz_responder();
    let mut store = r.store.clone();
    let before = store.snapshot();
    let profile = Profile::project_default();
    match respond(&profile, &r.identity, &mut store, &msg, &[]) {
        Ok(_) => {
            // One-time keys are consumed: a replay must now fail.
            if msg.one_time_prekey_id.is_some() {
                assert!(respond(&profile, &r.identity, &mut store, &msg, &[]).is_err());
            }
        }
        Err(_) => assert_eq!(store.snapshot(), before, "failed respond changed the store"),
    }
}

/// `x3dh_handshake`: two peers driven by the bytes. Byte 0 picks the configuration (bit 0/1:
/// peer A/B initiates on the bundle; bit 2: PQXDH with ML-KEM-768); each following byte is an
/// action on the in-flight messages (deliver, drop, duplicate, start, initiate). No panic; when
/// both peers finish they hold the same session.
pub fn handshake(data: &[u8]) {
    handshake_run(data);
}

/// [`handshake`], returning whether both peers finished (for the corpus replay's checks).
pub fn handshake_run(data: &[u8]) -> bool {
    let Some((&cfg, actions)) = data.split_first() else {
        return false;
    };
    let mut rng = FuzzRng::new(u64::from(cfg));
    let kem = (cfg & 4 != 0).then_some(MlKemParams::MlKem768);
    let mut peers = Vec::with_capacity(2);
    for eager in [cfg & 1 != 0, cfg & 2 != 0] {
        let config = HandshakeConfig {
            kem,
            initiate_on_bundle: eager,
            ..HandshakeConfig::default()
        };
        let Ok(p) = Handshake::new(IdentityKeyPair::generate(&mut rng), config, &mut rng) else {
            panic!("handshake setup")
        };
        peers.push(p);
    }
    let mut flight: Vec<(usize, HandshakeMessage)> = Vec::new();
    let mut iter = actions.iter();
    while let Some(&a) = iter.next() {
        let peer = usize::from(a >> 7);
        let arg = usize::from(iter.next().copied().unwrap_or(0));
        match a & 7 {
            0..=2 if !flight.is_empty() => {
                let i = arg % flight.len();
                match a & 7 {
                    0 => {
                        let (to, msg) = flight.remove(i);
                        // The wire form is what travels.
                        let Ok(wire) = msg.encode() else {
                            panic!("handshake message does not encode")
                        };
                        let Ok(msg) = HandshakeMessage::decode(&wire) else {
                            panic!("handshake message does not decode")
                        };
                        if let Some(p) = peers.get_mut(to)
                            && let Ok(Some(reply)) = p.receive(msg, &mut rng)
                        {
                            flight.push((1 - to, reply));
                        }
                    }
                    1 => {
                        flight.remove(i);
                    }
                    _ => {
                        if let Some(m) = flight.get(i).cloned() {
                            flight.push(m);
                        }
                    }
                }
            }
            3 | 4 => {
                if let Some(p) = peers.get_mut(peer)
                    && let Ok(m) = p.start()
                {
                    flight.push((1 - peer, m));
                }
            }
            5 => {
                if let Some(p) = peers.get_mut(peer)
                    && let Ok(m) = p.initiate(&mut rng)
                {
                    flight.push((1 - peer, m));
                }
            }
            _ => {}
        }
        if flight.len() > 64 {
            flight.truncate(64);
        }
    }
    if let [a, b] = peers.as_slice()
        && let (Some(sa), Some(sb)) = (a.session(), b.session())
    {
        assert!(
            sa.shared_secret().ct_eq(sb.shared_secret()),
            "both peers finished with different secrets"
        );
        assert_eq!(sa.associated_data(), sb.associated_data());
        assert_ne!(sa.role(), sb.role());
        return true;
    }
    false
}
