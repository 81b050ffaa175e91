//! SignalProtocolKit's v3 session vector (`test-vectors/signal/session-v3-signalprotocolkit.json`,
//! report family `signal-session-v3`), reproduced from `bob_root_key_RK0` onward with
//! [`Profile::libsignal_v3`].
//!
//! Checks (see the vector's `construction`):
//! 1. Alice's first DH-ratchet step: `KDF_RK(RK0, DH(alice_sending_ratchet, bob_base))` gives
//!    `alice_root_key_RK1` and `alice_sending_chain_key`;
//! 2. message keys of index 0: cipher key, MAC key, IV;
//! 3. AES-256-CBC/PKCS#7 of the plaintext equals `ciphertext`;
//! 4. the libsignal wire message, built minimally here (version byte 0x33, protobuf
//!    SignalMessage fields 1–4), equals `serialized_signal_message` without its MAC, and the
//!    8-byte MAC over `IK_A (33) || IK_B (33) || message` equals its last 8 bytes;
//! 5. a [`Session`] initialized as Alice from RK0 with the vector's ratchet key (fed through
//!    the RNG) has that public key and encrypts the plaintext to the same ciphertext, under
//!    this crate's header format and MAC (AD = IK_A || IK_B), and a Bob session from RK0 and
//!    `bob_base` decrypts it;
//! 6. negative twins: a flipped MAC byte fails both checks and Bob's decryption.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use double_ratchet::{
    Config, Error, Limits, MessageRef, Profile, Session,
    kdf::RootKey,
    primitives::{SecretBytes, X25519PublicKey, X25519SecretKey},
};
use test_support::ReplayRng;
use test_support::{committed_json, hex_field, report};

fn key33(bytes: &[u8]) -> X25519PublicKey {
    assert_eq!(bytes.len(), 33);
    assert_eq!(bytes[0], 0x05);
    X25519PublicKey::try_from_slice(&bytes[1..]).unwrap()
}

fn secret32(bytes: Vec<u8>) -> SecretBytes<32> {
    SecretBytes::try_from_slice(&bytes).unwrap()
}

/// libsignal's SignalMessage, version 3, without its MAC (fields 1–4 as the vector lists).
fn signal_message(ratchet_key33: &[u8], counter: u8, previous: u8, ciphertext: &[u8]) -> Vec<u8> {
    let mut out = vec![0x33, 0x0a, 33];
    out.extend_from_slice(ratchet_key33);
    out.extend_from_slice(&[0x10, counter, 0x18, previous, 0x22]);
    out.push(u8::try_from(ciphertext.len()).unwrap());
    out.extend_from_slice(ciphertext);
    out
}

#[test]
fn kat_signal_session_v3_first_message() {
    let v = committed_json("signal/session-v3-signalprotocolkit.json");
    let i = &v["inputs"];
    let e = &v["expected"];
    let profile = Profile::libsignal_v3();
    let rk0 = hex_field(e, "bob_root_key_RK0");
    let alice_ratchet_priv = hex_field(i, "aliceSendingRatchetPrivate");
    let alice_ratchet_pub33 = hex_field(i, "aliceSendingRatchetPublic");
    let bob_base = key33(&hex_field(i, "bobBasePublicKey"));
    let ik_a = hex_field(i, "aliceIdentityPublicKey");
    let ik_b = hex_field(i, "bobIdentityPublicKey");
    let plaintext = hex_field(i, "alicePlaintext");
    let expected_ct = hex_field(e, "ciphertext");
    let serialized = hex_field(e, "serialized_signal_message");
    let mut passed = 0;

    // 1. First DH-ratchet step.
    let alice = X25519SecretKey::from_secret(&secret32(alice_ratchet_priv.clone()));
    assert_eq!(alice.public_key(), &key33(&alice_ratchet_pub33));
    let dh = alice.diffie_hellman(&bob_base).unwrap();
    let (rk1, cks) = RootKey::from_bytes(rk0.clone().try_into().unwrap())
        .kdf_rk(&profile, &dh)
        .unwrap();
    assert_eq!(
        rk1.expose_secret().as_slice(),
        hex_field(e, "alice_root_key_RK1")
    );
    assert_eq!(
        cks.expose_secret().as_slice(),
        hex_field(e, "alice_sending_chain_key")
    );
    passed += 2;

    // 2. Message keys.
    let (_, mk) = cks.kdf_ck();
    let keys = mk.expand(&profile).unwrap();
    assert_eq!(keys.enc_key(), hex_field(e, "cipher_key"));
    assert_eq!(keys.iv(), hex_field(e, "iv"));
    assert_eq!(keys.mac_key(), hex_field(e, "mac_key"));
    passed += 3;

    // 3. Ciphertext.
    let cipher = keys.cipher();
    let ct = cipher.encrypt(&plaintext);
    assert_eq!(ct, expected_ct);
    assert_eq!(cipher.decrypt(&ct).unwrap(), plaintext);
    passed += 1;

    // 4. Wire message and its 8-byte MAC.
    let (body, mac8) = serialized.split_at(serialized.len() - 8);
    assert_eq!(signal_message(&alice_ratchet_pub33, 0, 0, &ct), body);
    let tag = cipher.mac(&[&ik_a, &ik_b, body]);
    assert_eq!(&tag.as_bytes()[..8], mac8);
    assert!(tag.ct_eq_prefix(mac8));
    let mut bad = mac8.to_vec();
    bad[7] ^= 1;
    assert!(!tag.ct_eq_prefix(&bad));
    passed += 2;

    // 5. The same through the session API (this crate's header, libsignal's keys).
    let ad = [ik_a.as_slice(), ik_b.as_slice()].concat();
    let config = Config {
        profile,
        limits: Limits::default(),
    };
    let mut rng = ReplayRng::new(&alice_ratchet_priv);
    let mut alice_session =
        Session::init_alice(config, &secret32(rk0.clone()), &ad, &bob_base, &mut rng).unwrap();
    assert_eq!(rng.remaining(), 0);
    assert_eq!(alice_session.ratchet_public_key(), alice.public_key());
    let msg = alice_session.encrypt(&plaintext, &mut rng).unwrap();
    let parsed = MessageRef::parse(&msg).unwrap();
    let header = parsed.clear_header().unwrap();
    assert_eq!((header.pn, header.n), (0, 0));
    let (msg_ct, msg_mac) = parsed.body().split_at(parsed.body().len() - 8);
    assert_eq!(msg_ct, expected_ct);
    assert!(
        cipher
            .mac(&[&ad, parsed.prefix(), msg_ct])
            .ct_eq_prefix(msg_mac)
    );
    let bob_base_priv = X25519SecretKey::from_secret(&secret32(hex_field(i, "bobBasePrivateKey")));
    assert_eq!(bob_base_priv.public_key(), &bob_base);
    let mut bob = Session::init_bob(config, &secret32(rk0), &ad, bob_base_priv).unwrap();
    // 6. Negative twin first (it must change nothing), then the genuine message.
    let mut tampered = msg.clone();
    *tampered.last_mut().unwrap() ^= 1;
    assert_eq!(bob.decrypt(&tampered), Err(Error::DecryptionFailed));
    assert_eq!(bob.decrypt(&msg).unwrap(), plaintext);
    passed += 2;

    assert_eq!(passed, 10);
    report("signal-session-v3", passed, 0);
}
