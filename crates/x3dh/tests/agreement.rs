//! X3DH / PQXDH behaviour through the public API: round trips (3-DH, 4-DH, PQXDH with
//! ML-KEM-768 and -1024, one-time and last-resort KEM prekeys), strict encodings, and every
//! rejection rule, each checking that a failed responder leaves its store unchanged.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use primitives::{MlKemParams, X25519PublicKey, rand::CryptoRng};
use test_support::seeded_rng;
use x3dh::{
    Error, IdentityKeyPair, InMemoryPrekeyStore, InitialMessage, KemPrekey, KemPrekeyKind,
    OneTimePrekey, PrekeyBundle, PrekeyStore as _, Profile, SignedPrekey, initiate,
    keys::{OneTimePrekeyPublic, encode_ec},
    respond,
};

struct Bob {
    identity: IdentityKeyPair,
    store: InMemoryPrekeyStore,
    bundle: PrekeyBundle,
}

/// Bob with SPK id 1, optionally OPK id 10 and a KEM prekey id 20 of `kem`.
fn bob(rng: &mut impl CryptoRng, opk: bool, kem: Option<(MlKemParams, KemPrekeyKind)>) -> Bob {
    let identity = IdentityKeyPair::generate(rng);
    let spk = SignedPrekey::generate(1, &identity, rng);
    let mut bundle = PrekeyBundle {
        identity: identity.public().clone(),
        signed_prekey: spk.public(),
        one_time_prekey: None,
        kem_prekey: None,
    };
    let mut store = InMemoryPrekeyStore::new(spk);
    if opk {
        let k = OneTimePrekey::generate(10, rng);
        bundle.one_time_prekey = Some(k.public());
        store.add_one_time_prekey(k).unwrap();
    }
    if let Some((params, kind)) = kem {
        let k = KemPrekey::generate(20, kind, params, &identity, rng).unwrap();
        bundle.kem_prekey = Some(k.public());
        store.add_kem_prekey(k).unwrap();
    }
    Bob {
        identity,
        store,
        bundle,
    }
}

const KEMS: [Option<(MlKemParams, KemPrekeyKind)>; 4] = [
    None,
    Some((MlKemParams::MlKem768, KemPrekeyKind::OneTime)),
    Some((MlKemParams::MlKem1024, KemPrekeyKind::OneTime)),
    Some((MlKemParams::MlKem1024, KemPrekeyKind::LastResort)),
];

#[test]
fn x3dh_and_pqxdh_round_trip_every_variant() {
    let mut rng = seeded_rng(1);
    for profile in [Profile::project_default(), Profile::libsignal_v3()] {
        for opk in [false, true] {
            for kem in KEMS {
                let alice = IdentityKeyPair::generate(&mut rng);
                let mut b = bob(&mut rng, opk, kem);
                // Bundles and messages survive their encodings.
                let wire = b.bundle.encode().unwrap();
                let decoded = PrekeyBundle::decode(&wire).unwrap();
                assert_eq!(decoded, b.bundle);
                let verified = decoded.verify().unwrap();
                let (msg, sa) = initiate(&profile, &alice, &verified, b"app", &mut rng).unwrap();
                let wire = msg.encode().unwrap();
                let msg2 = InitialMessage::decode(&wire).unwrap();
                assert_eq!(msg2, msg);
                let sb = respond(&profile, &b.identity, &mut b.store, &msg2, b"app").unwrap();
                assert!(sa.shared_secret().ct_eq(sb.shared_secret()));
                assert_eq!(
                    sa.shared_secret().expose_secret().len(),
                    profile.output_len()
                );
                assert_eq!(sa.associated_data(), sb.associated_data());
                assert_eq!(&sa.associated_data()[66..], b"app");
                assert_eq!(sa.prekey_ids(), sb.prekey_ids());
                assert_eq!(sa.initial_ratchet_key(), sb.initial_ratchet_key());
                assert_eq!(
                    sb.initial_ratchet_key_pair().unwrap().public_key(),
                    sb.initial_ratchet_key()
                );
                assert!(sa.initial_ratchet_key_pair().is_none());
                // Consumption: OPK and one-time KEM prekeys are gone, last-resort stays.
                let snap = b.store.snapshot();
                assert!(snap.one_time.is_empty());
                match kem {
                    Some((_, KemPrekeyKind::LastResort)) => assert_eq!(snap.kem.len(), 1),
                    _ => assert!(snap.kem.is_empty()),
                }
                // Different application data gives a different AD (same SK).
                let debug = format!("{:?} {:?}", sa.shared_secret(), sa);
                assert!(debug.contains("redacted"));
                let hex: String = sa.shared_secret().expose_secret()[..4]
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect();
                assert!(!debug.contains(&hex));
            }
        }
    }
}

#[test]
fn pqxdh_last_resort_kem_prekey_is_reusable_one_time_is_not() {
    let mut rng = seeded_rng(2);
    let p = Profile::default();
    let mut b = bob(
        &mut rng,
        false,
        Some((MlKemParams::MlKem1024, KemPrekeyKind::LastResort)),
    );
    for _ in 0..2 {
        let alice = IdentityKeyPair::generate(&mut rng);
        let v = b.bundle.clone().verify().unwrap();
        let (m, _) = initiate(&p, &alice, &v, &[], &mut rng).unwrap();
        respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap();
    }
    let mut b = bob(
        &mut rng,
        false,
        Some((MlKemParams::MlKem768, KemPrekeyKind::OneTime)),
    );
    let alice = IdentityKeyPair::generate(&mut rng);
    let v = b.bundle.clone().verify().unwrap();
    let (m, _) = initiate(&p, &alice, &v, &[], &mut rng).unwrap();
    respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap();
    let before = b.store.snapshot();
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap_err(),
        Error::UnknownKemPrekey(20)
    );
    assert_eq!(b.store.snapshot(), before);
}

#[test]
fn x3dh_sig_bad_signed_prekey_signature_rejected() {
    let mut rng = seeded_rng(3);
    let b = bob(&mut rng, true, None);
    for bit in [0usize, 100, 255, 256, 511] {
        let mut bundle = b.bundle.clone();
        let mut sig = *bundle.signed_prekey.signature.as_bytes();
        sig[bit / 8] ^= 1 << (bit % 8);
        bundle.signed_prekey.signature = x3dh::xeddsa::Signature::from_bytes(sig);
        assert_eq!(bundle.verify().unwrap_err(), Error::SignedPrekeySignature);
    }
    // A substituted signed prekey.
    let mut bundle = b.bundle.clone();
    bundle.signed_prekey.key = X25519PublicKey::from_bytes([9; 32]);
    assert_eq!(bundle.verify().unwrap_err(), Error::SignedPrekeySignature);
}

#[test]
fn pqxdh_sig_bad_kem_prekey_signature_rejected() {
    let mut rng = seeded_rng(4);
    let b = bob(
        &mut rng,
        false,
        Some((MlKemParams::MlKem1024, KemPrekeyKind::OneTime)),
    );
    let mut bundle = b.bundle.clone();
    let kem = bundle.kem_prekey.as_mut().unwrap();
    let mut sig = *kem.signature.as_bytes();
    sig[7] ^= 0x10;
    kem.signature = x3dh::xeddsa::Signature::from_bytes(sig);
    assert_eq!(bundle.verify().unwrap_err(), Error::KemPrekeySignature);
    // The KEM key of another bundle under this bundle's signature.
    let other = bob(
        &mut rng,
        false,
        Some((MlKemParams::MlKem1024, KemPrekeyKind::OneTime)),
    );
    let mut bundle = b.bundle.clone();
    bundle.kem_prekey.as_mut().unwrap().key = other.bundle.kem_prekey.unwrap().key;
    assert_eq!(bundle.verify().unwrap_err(), Error::KemPrekeySignature);
}

#[test]
fn x3dh_ik_wrong_identity_rejected() {
    let mut rng = seeded_rng(5);
    let b = bob(&mut rng, false, None);
    let mallory = IdentityKeyPair::generate(&mut rng);
    // The signed prekey presented under another identity: its signature fails.
    let mut bundle = b.bundle.clone();
    bundle.identity = mallory.public().clone();
    assert_eq!(bundle.verify().unwrap_err(), Error::SignedPrekeySignature);
    // A valid bundle from someone other than the expected peer.
    assert_eq!(
        b.bundle
            .clone()
            .verify_expecting(mallory.public())
            .unwrap_err(),
        Error::WrongIdentity
    );
    b.bundle
        .clone()
        .verify_expecting(b.identity.public())
        .unwrap();
    // Agreeing with oneself.
    let v = b.bundle.clone().verify().unwrap();
    assert_eq!(
        initiate(&Profile::default(), &b.identity, &v, &[], &mut rng).unwrap_err(),
        Error::WrongIdentity
    );
}

/// Low-order u-coordinates (RFC 7748 section 6.1): every X25519 output with them is zero.
fn low_order_points() -> Vec<X25519PublicKey> {
    let mut one = [0u8; 32];
    one[0] = 1;
    vec![
        X25519PublicKey::from_bytes([0; 32]),
        X25519PublicKey::from_bytes(one),
    ]
}

#[test]
fn x3dh_dh0_low_order_keys_rejected() {
    let mut rng = seeded_rng(6);
    let p = Profile::default();
    let alice = IdentityKeyPair::generate(&mut rng);
    for low in low_order_points() {
        // A malicious Bob signs a low-order signed prekey: the signature is fine, DH1 is zero.
        let b = bob(&mut rng, false, None);
        let mut bundle = b.bundle.clone();
        bundle.signed_prekey.key = low.clone();
        bundle.signed_prekey.signature = b.identity.sign(&encode_ec(&low), &mut rng);
        let v = bundle.verify().unwrap();
        assert_eq!(
            initiate(&p, &alice, &v, &[], &mut rng).unwrap_err(),
            Error::ZeroDiffieHellman
        );
        // A low-order one-time prekey: DH4 is zero.
        let mut bundle = b.bundle.clone();
        bundle.one_time_prekey = Some(OneTimePrekeyPublic {
            id: 10,
            key: low.clone(),
        });
        let v = bundle.verify().unwrap();
        assert_eq!(
            initiate(&p, &alice, &v, &[], &mut rng).unwrap_err(),
            Error::ZeroDiffieHellman
        );
        // A low-order ephemeral or identity key in an initial message: the responder rejects it
        // and keeps its one-time prekey.
        let mut b = bob(&mut rng, true, None);
        let v = b.bundle.clone().verify().unwrap();
        let (msg, _) = initiate(&p, &alice, &v, &[], &mut rng).unwrap();
        let before = b.store.snapshot();
        let mut bad = msg.clone();
        bad.ephemeral = low.clone();
        assert_eq!(
            respond(&p, &b.identity, &mut b.store, &bad, &[]).unwrap_err(),
            Error::ZeroDiffieHellman
        );
        let mut bad = msg.clone();
        bad.identity = x3dh::IdentityKey::new(low.clone());
        assert_eq!(
            respond(&p, &b.identity, &mut b.store, &bad, &[]).unwrap_err(),
            Error::ZeroDiffieHellman
        );
        assert_eq!(b.store.snapshot(), before);
        respond(&p, &b.identity, &mut b.store, &msg, &[]).unwrap();
    }
}

#[test]
fn x3dh_spk_opk_pqxdh_pqpk_unknown_ids_and_replay_rejected() {
    let mut rng = seeded_rng(7);
    let p = Profile::default();
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut b = bob(
        &mut rng,
        true,
        Some((MlKemParams::MlKem1024, KemPrekeyKind::OneTime)),
    );
    let v = b.bundle.clone().verify().unwrap();
    let (msg, _) = initiate(&p, &alice, &v, &[], &mut rng).unwrap();
    let before = b.store.snapshot();
    let mut m = msg.clone();
    m.signed_prekey_id = 2;
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap_err(),
        Error::UnknownSignedPrekey(2)
    );
    let mut m = msg.clone();
    m.one_time_prekey_id = Some(11);
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap_err(),
        Error::UnknownOneTimePrekey(11)
    );
    let mut m = msg.clone();
    m.kem.as_mut().unwrap().0 = 21;
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap_err(),
        Error::UnknownKemPrekey(21)
    );
    // Responding to our own identity.
    let mut m = msg.clone();
    m.identity = b.identity.public().clone();
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &m, &[]).unwrap_err(),
        Error::WrongIdentity
    );
    assert_eq!(b.store.snapshot(), before);
    respond(&p, &b.identity, &mut b.store, &msg, &[]).unwrap();
    // Replay: the one-time prekey is consumed.
    let after = b.store.snapshot();
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &msg, &[]).unwrap_err(),
        Error::UnknownOneTimePrekey(10)
    );
    assert_eq!(b.store.snapshot(), after);
}

#[test]
fn x3dh_spk_rotation_keeps_previous_for_grace_period() {
    let mut rng = seeded_rng(8);
    let p = Profile::default();
    let alice = IdentityKeyPair::generate(&mut rng);
    let mut b = bob(&mut rng, false, None);
    b.store =
        InMemoryPrekeyStore::new(b.store.current_signed_prekey().clone()).with_grace_period(100);
    let v = b.bundle.clone().verify().unwrap();
    let (old_msg, _) = initiate(&p, &alice, &v, &[], &mut rng).unwrap();
    let new = SignedPrekey::generate(2, &b.identity, &mut rng);
    b.store.rotate_signed_prekey(new.clone(), 1_000).unwrap();
    assert!(b.store.rotate_signed_prekey(new, 1_001).is_err());
    assert!(b.store.signed_prekey(1).is_some());
    respond(&p, &b.identity, &mut b.store, &old_msg, &[]).unwrap();
    b.store.prune(1_099);
    assert!(b.store.signed_prekey(1).is_some());
    b.store.prune(1_100);
    assert!(b.store.signed_prekey(1).is_none());
    assert_eq!(
        respond(&p, &b.identity, &mut b.store, &old_msg, &[]).unwrap_err(),
        Error::UnknownSignedPrekey(1)
    );
}

#[test]
fn codec_bundle_and_initial_message_truncated_at_every_length_rejected() {
    let mut rng = seeded_rng(9);
    let p = Profile::default();
    let alice = IdentityKeyPair::generate(&mut rng);
    for kem in [None, Some((MlKemParams::MlKem768, KemPrekeyKind::OneTime))] {
        let b = bob(&mut rng, true, kem);
        let wire = b.bundle.encode().unwrap();
        for len in 0..wire.len() {
            assert!(
                matches!(PrekeyBundle::decode(&wire[..len]), Err(Error::Decode(_))),
                "bundle truncated to {len}"
            );
        }
        let mut long = wire.clone();
        long.push(0);
        assert!(PrekeyBundle::decode(&long).is_err());
        let mut bad = wire.clone();
        bad[0] = 2;
        assert!(PrekeyBundle::decode(&bad).is_err());
        let flags_at = 1 + 33 + 4 + 33 + 64;
        let mut bad = wire.clone();
        bad[flags_at] |= 0x04;
        assert!(PrekeyBundle::decode(&bad).is_err());
        let mut bad = wire.clone();
        bad[1] = 0x08;
        assert_eq!(
            PrekeyBundle::decode(&bad).unwrap_err(),
            Error::UnsupportedKeyType(0x08)
        );
        let v = b.bundle.clone().verify().unwrap();
        let (msg, _) = initiate(&p, &alice, &v, &[], &mut rng).unwrap();
        let wire = msg.encode().unwrap();
        for len in 0..wire.len() {
            assert!(
                matches!(InitialMessage::decode(&wire[..len]), Err(Error::Decode(_))),
                "message truncated to {len}"
            );
        }
        let mut long = wire.clone();
        long.push(0);
        assert!(InitialMessage::decode(&long).is_err());
        let mut bad = wire.clone();
        bad[0] = 0;
        assert!(InitialMessage::decode(&bad).is_err());
        let mut bad = wire.clone();
        bad[34] = 0x0a;
        assert_eq!(
            InitialMessage::decode(&bad).unwrap_err(),
            Error::UnsupportedKeyType(0x0a)
        );
    }
    // A KEM prekey of type 0x08 (Kyber round 3) is refused.
    let b = bob(
        &mut rng,
        false,
        Some((MlKemParams::MlKem1024, KemPrekeyKind::OneTime)),
    );
    let mut wire = b.bundle.encode().unwrap();
    wire[1 + 33 + 4 + 33 + 64 + 1 + 4] = 0x08;
    assert_eq!(
        PrekeyBundle::decode(&wire).unwrap_err(),
        Error::UnsupportedKeyType(0x08)
    );
}
