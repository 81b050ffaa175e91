//! `welcome.json` (family `mls-welcome`), RFC 9420 section 12.4.3.1.
//!
//! Format: `{ cipher_suite, init_priv, signer_pub, key_package, welcome }` (the last two
//! MLSMessages). Checks: the entry for the key package decrypts with `init_priv`; the
//! GroupInfo decrypts with the welcome key (no PSKs), its signature verifies under
//! `signer_pub` and its confirmation tag under the epoch's confirmation key; our own
//! GroupSecrets and GroupInfo encryption round-trip; flipping any single byte of the
//! encoded Welcome makes one of these steps fail. One case per entry.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report, seeded_rng};
use treekem_mls::{
    Error, Result,
    codec::Codec,
    framing::MlsMessage,
    join::{
        confirm_group_info, open_group_info, open_group_secrets, seal_group_info,
        seal_group_secrets, verify_group_info,
    },
    key_package::KeyPackage,
    key_schedule::JoinerSecret,
    primitives::{HpkePrivateKey, SecretVec},
    suite::CipherSuite,
    welcome::{GroupInfo, Welcome},
};

fn welcome(bytes: &[u8]) -> Result<Welcome> {
    match MlsMessage::from_bytes(bytes)? {
        MlsMessage::Welcome(w) => Ok(w),
        _ => Err(Error::Decode("not a Welcome")),
    }
}

/// Every step of joining, up to the confirmed epoch secrets.
fn join(
    suite: CipherSuite,
    bytes: &[u8],
    kp: &KeyPackage,
    init: &HpkePrivateKey,
    signer_pub: &[u8],
) -> Result<GroupInfo> {
    let w = welcome(bytes)?;
    let secrets = open_group_secrets(suite, &w, kp, init)?;
    assert!(secrets.psks.is_empty());
    let joiner = JoinerSecret::from_secret(secrets.joiner_secret);
    let psk_secret = vec![0u8; suite.hash_len()];
    let info = open_group_info(suite, &w, &joiner, &psk_secret)?;
    verify_group_info(suite, &info, signer_pub)?;
    confirm_group_info(suite, &info, &joiner, &psk_secret)?;
    Ok(info)
}

#[test]
fn kat_mls_welcome() {
    let (mut passed, mut skipped) = (0, 0);
    let mut rng = seeded_rng(12);
    for e in common::entries("welcome.json") {
        let Some(suite) = common::suite(&e) else {
            skipped += 1;
            continue;
        };
        let MlsMessage::KeyPackage(kp) =
            MlsMessage::from_bytes(&hex_field(&e, "key_package")).unwrap()
        else {
            panic!("key_package is not a KeyPackage");
        };
        let (init, init_pub) = suite.hpke_private_key(&hex_field(&e, "init_priv")).unwrap();
        assert_eq!(init_pub.as_bytes(), kp.init_key.as_slice());
        let signer_pub = hex_field(&e, "signer_pub");
        let bytes = hex_field(&e, "welcome");
        let info = join(suite, &bytes, &kp, &init, &signer_pub).unwrap();

        for i in 0..bytes.len() {
            let mut m = bytes.clone();
            m[i] ^= 0x01;
            assert!(
                join(suite, &m, &kp, &init, &signer_pub).is_err(),
                "byte {i} flipped was accepted"
            );
        }

        // Our own encryption of the same GroupInfo to the same key package.
        let w = welcome(&bytes).unwrap();
        let secrets = open_group_secrets(suite, &w, &kp, &init).unwrap();
        let joiner =
            JoinerSecret::from_secret(SecretVec::from_slice(secrets.joiner_secret.expose_secret()));
        let psk_secret = vec![0u8; suite.hash_len()];
        let encrypted_group_info = seal_group_info(suite, &info, &joiner, &psk_secret).unwrap();
        let entries = seal_group_secrets(
            suite,
            &encrypted_group_info,
            vec![(&kp, &secrets, &mut rng)],
        )
        .unwrap();
        let ours = Welcome {
            cipher_suite: w.cipher_suite,
            secrets: entries,
            encrypted_group_info,
        };
        let ours = MlsMessage::Welcome(ours).to_bytes().unwrap();
        assert_eq!(join(suite, &ours, &kp, &init, &signer_pub).unwrap(), info);
        passed += 1;
    }
    assert_eq!((passed, skipped), (4, 3));
    report("mls-welcome", passed, skipped);
}
