//! X3DH (3-DH, no one-time prekey) under [`Profile::libsignal_v3`] against two committed
//! Signal vectors:
//! - `signal/x3dh-v3-libsignal.json` (libsignal `test_ratcheting_session_as_{bob,alice}`):
//!   private and public keys of IK_A, EK_A (`alice_base`), IK_B, SPK_B; expected chain key
//!   (OKM[32..64]) and derived root key (OKM[0..32]). Family `signal-x3dh-v3`.
//! - `signal/session-v3-signalprotocolkit.json`: the X3DH inputs (`aliceIdentity*`,
//!   `aliceBase*` = EK_A, `bobIdentity*`, `bobBase*` = SPK_B) and `expected.bob_root_key_RK0`
//!   (OKM[0..32]). Family `signal-session-v3-rk0`.
//!
//! Both run through the public API: Bob's signed prekey is signed with XEdDSA (the vectors carry
//! no signature), the bundle is verified, Alice's ephemeral key is injected through a scripted
//! RNG, and Bob's side must reach the same secret and AD. Each also has a negative twin: a
//! flipped bit of the expected value must not match, and the wrong info string must differ.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use common::arr32;
use primitives::{SecretBytes, X25519SecretKey};
use test_support::ReplayRng;
use test_support::{committed_json, hex_field, report, seeded_rng};
use x3dh::{
    IdentityKeyPair, InMemoryPrekeyStore, PrekeyBundle, Profile, Role, SignedPrekey, initiate,
    keys::encode_ec, respond,
};

fn secret(hex: &[u8]) -> X25519SecretKey {
    X25519SecretKey::from_secret(&SecretBytes::from_array(arr32(hex)))
}

/// Runs X3DH with the given private keys; returns OKM (64 bytes) after checking both sides and
/// the published public keys.
fn run(ik_a: &[u8], ek_a: &[u8], ik_b: &[u8], spk_b: &[u8], publics: [&[u8]; 4]) -> Vec<u8> {
    let alice = IdentityKeyPair::from_secret(secret(ik_a));
    let bob = IdentityKeyPair::from_secret(secret(ik_b));
    let spk = SignedPrekey::from_secret(7, secret(spk_b), &bob, &mut seeded_rng(1));
    assert_eq!(alice.public().encode().as_slice(), publics[0]);
    assert_eq!(encode_ec(secret(ek_a).public_key()).as_slice(), publics[1]);
    assert_eq!(bob.public().encode().as_slice(), publics[2]);
    assert_eq!(encode_ec(spk.secret().public_key()).as_slice(), publics[3]);
    let bundle = PrekeyBundle {
        identity: bob.public().clone(),
        signed_prekey: spk.public(),
        one_time_prekey: None,
        kem_prekey: None,
    }
    .verify()
    .expect("X3DH-SIG: our own signature verifies");
    let profile = Profile::libsignal_v3();
    let mut rng = ReplayRng::from_parts(&[ek_a]);
    let (msg, a) = initiate(&profile, &alice, &bundle, &[], &mut rng).unwrap();
    assert!(rng.exhausted());
    let mut store = InMemoryPrekeyStore::new(spk);
    let b = respond(&profile, &bob, &mut store, &msg, &[]).unwrap();
    assert!(a.shared_secret().ct_eq(b.shared_secret()));
    assert_eq!(a.associated_data(), b.associated_data());
    assert_eq!(&a.associated_data()[..33], publics[0]);
    assert_eq!(&a.associated_data()[33..], publics[2]);
    assert_eq!((a.role(), b.role()), (Role::Initiator, Role::Responder));
    assert_eq!(a.initial_ratchet_key(), b.initial_ratchet_key());
    assert_eq!(encode_ec(a.initial_ratchet_key()).as_slice(), publics[3]);
    // Negative twin: the project profile (another info, L = 32) gives another secret.
    let mut rng = ReplayRng::from_parts(&[ek_a]);
    let (_, other) = initiate(&Profile::project_default(), &alice, &bundle, &[], &mut rng).unwrap();
    assert_ne!(
        other.shared_secret().expose_secret(),
        &a.shared_secret().expose_secret()[..32]
    );
    a.shared_secret().expose_secret().to_vec()
}

#[test]
fn x3dh_v3_libsignal_chain_and_root_key() {
    let v = committed_json("signal/x3dh-v3-libsignal.json");
    let i = &v["inputs"];
    let okm = run(
        &hex_field(i, "alice_identity_private"),
        &hex_field(i, "alice_base_private"),
        &hex_field(i, "bob_identity_private"),
        &hex_field(i, "bob_signed_prekey_private"),
        [
            &hex_field(i, "alice_identity_public"),
            &hex_field(i, "alice_base_public"),
            &hex_field(i, "bob_identity_public"),
            &hex_field(i, "bob_signed_prekey_public"),
        ],
    );
    let chain = hex_field(&v["expected"], "chain_key");
    let root = hex_field(&v["derived"], "root_key");
    assert_eq!(&okm[32..], chain.as_slice(), "chain key");
    assert_eq!(&okm[..32], root.as_slice(), "root key");
    let mut flipped = chain.clone();
    flipped[0] ^= 1;
    assert_ne!(&okm[32..], flipped.as_slice());
    report("signal-x3dh-v3", 2, 0);
}

#[test]
fn session_v3_signalprotocolkit_rk0() {
    let v = committed_json("signal/session-v3-signalprotocolkit.json");
    let i = &v["inputs"];
    let okm = run(
        &hex_field(i, "aliceIdentityPrivateKey"),
        &hex_field(i, "aliceBasePrivateKey"),
        &hex_field(i, "bobIdentityPrivateKey"),
        &hex_field(i, "bobBasePrivateKey"),
        [
            &hex_field(i, "aliceIdentityPublicKey"),
            &hex_field(i, "aliceBasePublicKey"),
            &hex_field(i, "bobIdentityPublicKey"),
            &hex_field(i, "bobBasePublicKey"),
        ],
    );
    let rk0 = hex_field(&v["expected"], "bob_root_key_RK0");
    assert_eq!(&okm[..32], rk0.as_slice(), "RK0");
    let mut flipped = rk0.clone();
    flipped[31] ^= 0x80;
    assert_ne!(&okm[..32], flipped.as_slice());
    report("signal-session-v3-rk0", 1, 0);
}
