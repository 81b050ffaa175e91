//! XEdDSA against `test-vectors/signal/xeddsa-verify-libsignal.json` (libsignal
//! `test_signature`): `{inputs: {signer_x25519_public, message, signature}, expected.valid}`.
//! Checks: the libsignal-convention signature verifies (`XEDDSA-VERIFY`), a spec-literal
//! verifier rejects it (bit 7 of sig[63] set), every single-bit flip of the signature is
//! rejected, and flips of the message and key too; then seeded sign/verify round trips, whose
//! signatures verify under both conventions. Family `signal-xeddsa-verify`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use common::arr32;
use primitives::{SecretBytes, X25519PublicKey, X25519SecretKey};
use test_support::{committed_json, hex_field, report, seeded_rng};
use x3dh::xeddsa::{self, Signature};

#[test]
fn xeddsa_verify_libsignal_vector_and_every_bit_flip() {
    let v = committed_json("signal/xeddsa-verify-libsignal.json");
    let inputs = &v["inputs"];
    let private = hex_field(inputs, "signer_x25519_private");
    let public = hex_field(inputs, "signer_x25519_public");
    let message = hex_field(inputs, "message");
    let sig = hex_field(inputs, "signature");
    assert_eq!(v["expected"]["valid"], true);
    let sk = X25519SecretKey::from_secret(&SecretBytes::from_array(arr32(&private)));
    assert_eq!(sk.public_key().as_bytes().as_slice(), public.as_slice());
    let pk = X25519PublicKey::from_bytes(arr32(&public));
    let sig = Signature::try_from_slice(&sig).unwrap();
    let mut passed = 0;

    xeddsa::verify(&pk, &message, &sig).expect("libsignal vector verifies");
    passed += 1;
    assert!(
        xeddsa::verify_spec(&pk, &message, &sig).is_err(),
        "spec-literal verify must reject the sign-bit-in-s form"
    );
    passed += 1;

    for bit in 0..512 {
        let mut bad = *sig.as_bytes();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(
            xeddsa::verify(&pk, &message, &Signature::from_bytes(bad)).is_err(),
            "signature bit flip {bit} accepted"
        );
        passed += 1;
    }
    for bit in 0..message.len() * 8 {
        let mut bad = message.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(
            xeddsa::verify(&pk, &bad, &sig).is_err(),
            "message flip {bit}"
        );
        passed += 1;
    }
    for bit in 0..256 {
        let mut bad = arr32(&public);
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(
            xeddsa::verify(&X25519PublicKey::from_bytes(bad), &message, &sig).is_err(),
            "key flip {bit}"
        );
        passed += 1;
    }
    assert_eq!(passed, 2 + 512 + 33 * 8 + 256);
    report("signal-xeddsa-verify", passed, 0);
}

#[test]
fn xeddsa_sign_verify_round_trips_under_both_conventions() {
    let mut rng = seeded_rng(0x0edd5a);
    let mut cases = 0;
    for i in 0..32u8 {
        let sk = X25519SecretKey::generate(&mut rng);
        let msg = vec![i; usize::from(i) * 3];
        let sig = xeddsa::sign(&sk, &msg, &mut rng);
        // A spec signature has bit 7 of sig[63] clear: s < q < 2^253.
        assert_eq!(sig.as_bytes()[63] & 0x80, 0);
        xeddsa::verify_spec(sk.public_key(), &msg, &sig).expect("spec convention");
        xeddsa::verify(sk.public_key(), &msg, &sig).expect("libsignal convention");
        let mut other = msg.clone();
        other.push(1);
        assert!(xeddsa::verify(sk.public_key(), &other, &sig).is_err());
        // Randomized: two signatures of one message differ, both verify.
        let sig2 = xeddsa::sign(&sk, &msg, &mut rng);
        assert_ne!(sig, sig2);
        xeddsa::verify(sk.public_key(), &msg, &sig2).unwrap();
        cases += 1;
    }
    assert_eq!(cases, 32);
}

#[test]
fn xeddsa_verify_rejects_sign_bit_flipped_libsignal_form() {
    // Setting bit 7 of sig[63] on a spec signature selects the other sign of A under the
    // libsignal reading: must fail.
    let mut rng = seeded_rng(7);
    let sk = X25519SecretKey::generate(&mut rng);
    let sig = xeddsa::sign(&sk, b"msg", &mut rng);
    let mut bad = *sig.as_bytes();
    bad[63] |= 0x80;
    assert!(xeddsa::verify(sk.public_key(), b"msg", &Signature::from_bytes(bad)).is_err());
}
