//! Entry points for the fuzz targets in `fuzz/` (`cascade_envelope_decode`, `cascade_open`)
//! and the two-peer fixture they, the tests and the benches share. Each entry point takes
//! arbitrary bytes, must never panic, and asserts what must hold of any input.
//! `tests/fuzz_corpus_replay.rs` runs the committed corpus through them on stable.

#![allow(
    clippy::missing_panics_doc,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a fuzz entry point panics exactly when an invariant fails: that is the oracle"
)]

use std::sync::OnceLock;

use double_ratchet::{Config, Session};
use mlkem_layer::{DecapsulationKey, EncapsulationKey, ParameterSet};
use primitives::{SecretBytes, SecretVec, fuzzing::FuzzRng, rand::CryptoRng};
use treekem_mls::{
    extension::Extensions,
    fuzzing::{add_and_join, basic_bundle},
    group::{Group, GroupConfig},
    suite::CipherSuite,
};

use crate::{
    AeadLayer, Cascade, DoubleRatchetLayer, MlKemLayer, MlsLayer,
    envelope::{EnvelopeRef, StackEntry, encode_record},
};

/// The associated data of every fixture envelope.
pub const FUZZ_AD: &[u8] = b"cascade fuzz AD";

/// The ML-KEM parameter set of the fixture (the product's ML-KEM layer used 768).
pub const FIXTURE_KEM: ParameterSet = ParameterSet::MlKem768;

/// What one peer's default stack is made of, in rebuildable form.
pub struct PeerParts {
    kem_seed: SecretVec,
    peer_ek: Vec<u8>,
    ratchet: SecretVec,
    group: SecretVec,
    aead_key: SecretBytes<32>,
}

impl core::fmt::Debug for PeerParts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PeerParts").finish_non_exhaustive()
    }
}

impl PeerParts {
    /// The peer's default stack (ML-KEM, Double Ratchet, MLS, AEAD), rebuilt.
    pub fn cascade(&self) -> Cascade {
        let own = DecapsulationKey::from_seed(FIXTURE_KEM, self.kem_seed.expose_secret()).unwrap();
        let peer = EncapsulationKey::from_bytes(FIXTURE_KEM, &self.peer_ek).unwrap();
        Cascade::default_stack(
            MlKemLayer::new(own, peer),
            DoubleRatchetLayer::new(Session::from_bytes(self.ratchet.expose_secret()).unwrap()),
            MlsLayer::new(Group::from_bytes(self.group.expose_secret()).unwrap()),
            AeadLayer::from_key(&self.aead_key).unwrap(),
        )
        .unwrap()
    }
}

/// Two members of a fresh MLS group (suite 1): Alice created it and added Bob.
pub fn group_pair(rng: &mut impl CryptoRng) -> (Group, Group) {
    let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
    let mut alice = Group::create(
        b"cascade fixture".to_vec(),
        basic_bundle(suite, "alice", rng),
        Extensions::empty(),
        GroupConfig::default(),
        rng,
    )
    .unwrap();
    let bob = basic_bundle(suite, "bob", rng);
    let bob = add_and_join(&mut alice, bob, GroupConfig::default(), rng);
    (alice, bob)
}

/// Alice's and Bob's default stacks, from `rng`: ML-KEM-768 keys, a Double Ratchet pair
/// (without header encryption), a two-member MLS group and a shared AEAD key.
pub fn pair_parts(rng: &mut impl CryptoRng) -> (PeerParts, PeerParts) {
    let alice_kem = DecapsulationKey::generate(FIXTURE_KEM, rng);
    let bob_kem = DecapsulationKey::generate(FIXTURE_KEM, rng);
    let (alice_dr, bob_dr) = double_ratchet::fuzzing::pair(Config::default(), false, rng);
    let (alice_group, bob_group) = group_pair(rng);
    let aead_key = SecretBytes::<32>::random(rng);
    let alice = PeerParts {
        kem_seed: alice_kem.export_seed(),
        peer_ek: bob_kem.encapsulation_key().as_bytes().to_vec(),
        ratchet: alice_dr.to_bytes(),
        group: alice_group.to_bytes().unwrap(),
        aead_key: aead_key.clone(),
    };
    let bob = PeerParts {
        kem_seed: bob_kem.export_seed(),
        peer_ek: alice_kem.encapsulation_key().as_bytes().to_vec(),
        ratchet: bob_dr.to_bytes(),
        group: bob_group.to_bytes().unwrap(),
        aead_key,
    };
    (alice, bob)
}

/// Alice's and Bob's default stacks from a seeded [`FuzzRng`].
pub fn pair(seed: u64) -> (Cascade, Cascade) {
    let (a, b) = pair_parts(&mut FuzzRng::new(seed));
    (a.cascade(), b.cascade())
}

/// The saved state of every stateful layer of `cascade` (Double Ratchet session, MLS
/// group), to check that a failed open changed nothing.
pub fn snapshot(cascade: &Cascade) -> Vec<u8> {
    let mut out = Vec::new();
    if let Some(l) = cascade.layer::<DoubleRatchetLayer>() {
        out.extend_from_slice(l.session().to_bytes().expose_secret());
    }
    if let Some(l) = cascade.layer::<MlsLayer>() {
        out.extend_from_slice(l.group().to_bytes().unwrap().expose_secret());
    }
    out
}

/// The `cascade_open` fixture: Bob's state before any message, and Alice's genuine
/// envelopes to him (seeds for the corpus) with their plaintexts.
#[derive(Debug)]
pub struct OpenFixture {
    /// Bob's stack, rebuildable for every input.
    pub bob: PeerParts,
    /// Genuine envelopes from Alice and their plaintexts.
    pub envelopes: Vec<(Vec<u8>, Vec<u8>)>,
}

/// The fixture, built once.
pub fn open_fixture() -> &'static OpenFixture {
    static FIXTURE: OnceLock<OpenFixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut rng = FuzzRng::new(0x0CA5_CADE);
        let (alice, bob) = pair_parts(&mut rng);
        let mut alice = alice.cascade();
        let envelopes = [&b""[..], b"hello Bob", &[0x5a; 300]]
            .iter()
            .map(|pt| {
                let (env, _) = alice.seal(pt, FUZZ_AD, &mut rng).unwrap();
                (env, pt.to_vec())
            })
            .collect();
        OpenFixture { bob, envelopes }
    })
}

/// `cascade_open`: arbitrary bytes into Bob's default stack. No panic; a rejected input
/// leaves the Double Ratchet session and the MLS group byte-for-byte as they were; an
/// accepted one is one of Alice's genuine envelopes and yields its plaintext. Bob is kept
/// from one input to the next while inputs are rejected (the check proves his state did
/// not move) and rebuilt after an accepted one.
pub fn cascade_open(data: &[u8]) {
    thread_local! {
        static BOB: std::cell::RefCell<Option<(Cascade, Vec<u8>)>> =
            const { std::cell::RefCell::new(None) };
    }
    let fixture = open_fixture();
    let (mut bob, before) = BOB.with_borrow_mut(Option::take).unwrap_or_else(|| {
        let bob = fixture.bob.cascade();
        let before = snapshot(&bob);
        (bob, before)
    });
    match bob.open(data, FUZZ_AD) {
        Ok((plaintext, report)) => {
            let genuine = fixture
                .envelopes
                .iter()
                .find(|(env, _)| env == data)
                .expect("only a genuine envelope opens");
            assert_eq!(plaintext, genuine.1);
            assert_eq!(report.layers.len(), 4);
            assert_ne!(
                snapshot(&bob),
                before,
                "an accepted message consumes its keys"
            );
        }
        Err(_) => {
            assert!(
                snapshot(&bob) == before,
                "a rejected envelope changed a layer"
            );
            BOB.with_borrow_mut(|kept| *kept = Some((bob, before)));
        }
    }
}

/// `cascade_envelope_decode`: arbitrary bytes as an envelope. A parsed envelope's record
/// re-encodes to exactly its bytes, and the record and body make up the input.
pub fn envelope_decode(data: &[u8]) {
    let Ok(env) = EnvelopeRef::parse(data) else {
        return;
    };
    let entries: Vec<_> = env.entries().collect();
    assert_eq!(encode_record(&entries).unwrap(), env.record());
    assert_eq!([env.record(), env.body()].concat(), data);
    // The stack check never panics, whatever the record. The default stack is built once:
    // rebuilding Bob's cascade per input cost more than everything else here.
    static STACK: OnceLock<Vec<StackEntry>> = OnceLock::new();
    let stack = STACK.get_or_init(|| open_fixture().bob.cascade().stack().to_vec());
    let _ = crate::envelope::compare_stacks(stack, &env);
}
