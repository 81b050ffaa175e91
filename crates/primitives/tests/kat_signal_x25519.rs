//! libsignal's X25519 agreement KAT (`test_agreement` in `rust/core/src/curve/curve25519.rs`),
//! committed as `test-vectors/signal/x25519-agreement-libsignal.json` (provenance in
//! `test-vectors/signal/MANIFEST.md`).
//!
//! # Format
//!
//! One JSON object: `name`, `source {repo, commit, path}`, `source_test`,
//! `inputs {alice_private, alice_public, bob_private, bob_public}` (raw 32-byte keys, hex) and
//! `expected {shared}`. The case id is `source_test`.
//!
//! # Checks
//!
//! - The public key computed from each private key equals the given public key.
//! - Alice's private key with Bob's public key, and Bob's private key with Alice's public key,
//!   both give `shared`.
//! - Negative twin: Alice's private key with Bob's public key with one bit flipped does not
//!   give `shared`.
//!
//! No skips.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a known-answer test fails by panicking, with the case named in the message"
)]

use primitives::{SecretBytes, X25519PublicKey, X25519SecretKey};
use test_support::{committed_json, hex_field, report, str_field};

/// The file holds exactly one case.
const CASES: usize = 1;

#[test]
fn signal_x25519_agreement() {
    let v = committed_json("signal/x25519-agreement-libsignal.json");
    let id = str_field(&v, "source_test");
    let inputs = v.get("inputs").expect("inputs");
    let expected = hex_field(v.get("expected").expect("expected"), "shared");

    let alice = X25519SecretKey::from_secret(
        &SecretBytes::try_from_slice(&hex_field(inputs, "alice_private")).unwrap(),
    );
    let bob = X25519SecretKey::from_secret(
        &SecretBytes::try_from_slice(&hex_field(inputs, "bob_private")).unwrap(),
    );
    let alice_public = X25519PublicKey::try_from_slice(&hex_field(inputs, "alice_public")).unwrap();
    let bob_public = X25519PublicKey::try_from_slice(&hex_field(inputs, "bob_public")).unwrap();
    assert_eq!(
        alice.public_key(),
        &alice_public,
        "{id}: Alice's public key from her private key"
    );
    assert_eq!(
        bob.public_key(),
        &bob_public,
        "{id}: Bob's public key from his private key"
    );

    let ab = alice.diffie_hellman(&bob_public).unwrap();
    let ba = bob.diffie_hellman(&alice_public).unwrap();
    assert_eq!(
        ab.expose_secret().as_slice(),
        expected,
        "{id}: Alice's side"
    );
    assert_eq!(ba.expose_secret().as_slice(), expected, "{id}: Bob's side");

    let mut flipped = *bob_public.as_bytes();
    flipped[0] ^= 1;
    let other = alice
        .diffie_hellman(&X25519PublicKey::from_bytes(flipped))
        .unwrap();
    assert_ne!(
        other.expose_secret().as_slice(),
        expected,
        "{id}: flipped public key"
    );

    report("signal-x25519-agreement", CASES, 0);
}
