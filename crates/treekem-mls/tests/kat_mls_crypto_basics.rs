//! `crypto-basics.json` (family `mls-crypto-basics`), RFC 9420 sections 5.1-5.2, 8 and 9.
//!
//! Format: one entry per suite with `ref_hash`, `expand_with_label`, `derive_secret`,
//! `derive_tree_secret`, `sign_with_label` and `encrypt_with_label` objects. Checks: the
//! derivations reproduce `out`; the given signature verifies and ours (Ed25519 is
//! deterministic, so equal; ECDSA is checked by verification) verifies too, and a flipped
//! bit does not; the given HPKE ciphertext decrypts to the plaintext, ours round-trips, and a
//! flipped bit fails. Suites 4-6 are skipped.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report, seeded_rng, str_field};
use treekem_mls::suite::SignatureScheme;

#[test]
fn kat_mls_crypto_basics() {
    let (mut passed, mut skipped) = (0, 0);
    let mut rng = seeded_rng(9420);
    for e in common::entries("crypto-basics.json") {
        let Some(suite) = common::suite(&e) else {
            skipped += 1;
            continue;
        };
        let v = &e["ref_hash"];
        let out = suite
            .ref_hash(str_field(v, "label").as_bytes(), &hex_field(v, "value"))
            .unwrap();
        assert_eq!(out, hex_field(v, "out"));

        let v = &e["expand_with_label"];
        let len = usize::try_from(common::num(v, "length")).unwrap();
        let out = suite
            .expand_with_label(
                &hex_field(v, "secret"),
                str_field(v, "label").as_bytes(),
                &hex_field(v, "context"),
                len,
            )
            .unwrap();
        assert_eq!(out.expose_secret(), hex_field(v, "out"));

        let v = &e["derive_secret"];
        let out = suite
            .derive_secret(&hex_field(v, "secret"), str_field(v, "label").as_bytes())
            .unwrap();
        assert_eq!(out.expose_secret(), hex_field(v, "out"));

        let v = &e["derive_tree_secret"];
        let out = suite
            .derive_tree_secret(
                &hex_field(v, "secret"),
                str_field(v, "label").as_bytes(),
                u32::try_from(common::num(v, "generation")).unwrap(),
                usize::try_from(common::num(v, "length")).unwrap(),
            )
            .unwrap();
        assert_eq!(out.expose_secret(), hex_field(v, "out"));

        let v = &e["sign_with_label"];
        let (label, content) = (str_field(v, "label").as_bytes(), hex_field(v, "content"));
        let public = hex_field(v, "pub");
        let mut signature = hex_field(v, "signature");
        suite
            .verify_with_label(&public, label, &content, &signature)
            .unwrap();
        let key = suite
            .signature_key_from_bytes(&hex_field(v, "priv"))
            .unwrap();
        assert_eq!(key.public_key(), public);
        let ours = suite.sign_with_label(&key, label, &content).unwrap();
        if suite.signature_scheme() == SignatureScheme::Ed25519 {
            assert_eq!(ours, signature);
        }
        suite
            .verify_with_label(&public, label, &content, &ours)
            .unwrap();
        assert!(
            suite
                .verify_with_label(&public, b"other", &content, &ours)
                .is_err()
        );
        let last = signature.len() - 1;
        signature[last] ^= 1;
        assert!(
            suite
                .verify_with_label(&public, label, &content, &signature)
                .is_err()
        );

        let v = &e["encrypt_with_label"];
        let (label, context) = (str_field(v, "label").as_bytes(), hex_field(v, "context"));
        let plaintext = hex_field(v, "plaintext");
        let (private, public) = suite.hpke_private_key(&hex_field(v, "priv")).unwrap();
        assert_eq!(public.as_bytes(), hex_field(v, "pub"));
        let kem_output = hex_field(v, "kem_output");
        let mut ciphertext = hex_field(v, "ciphertext");
        let pt = suite
            .decrypt_with_label(&private, label, &context, &kem_output, &ciphertext)
            .unwrap();
        assert_eq!(pt, plaintext);
        ciphertext[0] ^= 1;
        assert!(
            suite
                .decrypt_with_label(&private, label, &context, &kem_output, &ciphertext)
                .is_err()
        );
        let (kem2, ct2) = suite
            .encrypt_with_label(&public, label, &context, &plaintext, &mut rng)
            .unwrap();
        let pt2 = suite
            .decrypt_with_label(&private, label, &context, &kem2, &ct2)
            .unwrap();
        assert_eq!(pt2, plaintext);
        assert!(
            suite
                .decrypt_with_label(&private, b"other", &context, &kem2, &ct2)
                .is_err()
        );
        passed += 1;
    }
    assert_eq!((passed, skipped), (4, 3));
    report("mls-crypto-basics", passed, skipped);
}
