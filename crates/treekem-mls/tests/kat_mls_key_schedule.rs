//! `key-schedule.json` (family `mls-key-schedule`, RFC 9420 section 8) and `psk_secret.json`
//! (family `mls-psk-secret`, section 8.4).
//!
//! key-schedule format: `{ cipher_suite, group_id, initial_init_secret, epochs: [{ tree_hash,
//! commit_secret, psk_secret, confirmed_transcript_hash, group_context, joiner_secret,
//! welcome_secret, init_secret, sender_data_secret, encryption_secret, exporter_secret,
//! epoch_authenticator, external_secret, confirmation_key, membership_key, resumption_psk,
//! external_pub, exporter: { label, context, length, secret } }] }`. Each epoch `i` builds the
//! GroupContext (epoch `i`, no extensions), checks its encoding, then every derived secret,
//! the external public key and the exporter, chaining `init_secret` into the next epoch.
//! Every epoch of every implemented suite is one case.
//!
//! psk_secret format: `{ cipher_suite, psks: [{ psk_id, psk, psk_nonce }], psk_secret }`, the
//! PSKs external. Each entry is one case.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{hex_field, report, str_field};
use treekem_mls::{
    codec::Writer,
    key_schedule::{InitSecret, PskInput, psk_secret},
    primitives::SecretVec,
};

/// The GroupContext of section 8.1 with no extensions.
fn group_context(suite: u16, group_id: &[u8], epoch: u64, tree_hash: &[u8], cth: &[u8]) -> Vec<u8> {
    let mut w = Writer::new();
    w.u16(1);
    w.u16(suite);
    w.opaque(group_id);
    w.u64(epoch);
    w.opaque(tree_hash);
    w.opaque(cth);
    w.opaque(&[]);
    w.finish().unwrap()
}

#[test]
fn kat_mls_key_schedule() {
    let (mut passed, mut skipped) = (0, 0);
    for e in common::entries("key-schedule.json") {
        let epochs = e["epochs"].as_array().unwrap();
        let Some(suite) = common::suite(&e) else {
            skipped += epochs.len();
            continue;
        };
        let group_id = hex_field(&e, "group_id");
        let mut init =
            InitSecret::from_secret(SecretVec::new(hex_field(&e, "initial_init_secret")));
        for (epoch, v) in (0u64..).zip(epochs) {
            let ctx = group_context(
                suite.id(),
                &group_id,
                epoch,
                &hex_field(v, "tree_hash"),
                &hex_field(v, "confirmed_transcript_hash"),
            );
            assert_eq!(ctx, hex_field(v, "group_context"));
            let psk = hex_field(v, "psk_secret");
            let joiner = init
                .joiner_secret(suite, &hex_field(v, "commit_secret"), &ctx)
                .unwrap();
            assert_eq!(joiner.expose_secret(), hex_field(v, "joiner_secret"));
            let welcome = joiner.welcome_secret(suite, &psk).unwrap();
            assert_eq!(welcome.expose_secret(), hex_field(v, "welcome_secret"));
            let secrets = joiner
                .epoch_secret(suite, &psk, &ctx)
                .unwrap()
                .derive(suite)
                .unwrap();
            for (name, value) in [
                ("sender_data_secret", &secrets.sender_data_secret),
                ("encryption_secret", &secrets.encryption_secret),
                ("exporter_secret", &secrets.exporter_secret),
                ("epoch_authenticator", &secrets.epoch_authenticator),
                ("external_secret", &secrets.external_secret),
                ("confirmation_key", &secrets.confirmation_key),
                ("membership_key", &secrets.membership_key),
                ("resumption_psk", &secrets.resumption_psk),
            ] {
                assert_eq!(value.expose_secret(), hex_field(v, name), "{name}");
            }
            assert_eq!(
                secrets.init_secret.expose_secret(),
                hex_field(v, "init_secret")
            );
            let (_, external_pub) = secrets.external_key_pair(suite).unwrap();
            assert_eq!(external_pub.as_bytes(), hex_field(v, "external_pub"));
            let x = &v["exporter"];
            let exported = secrets
                .export(
                    suite,
                    str_field(x, "label").as_bytes(),
                    &hex_field(x, "context"),
                    usize::try_from(common::num(x, "length")).unwrap(),
                )
                .unwrap();
            assert_eq!(exported.expose_secret(), hex_field(x, "secret"));
            init = secrets.init_secret;
            passed += 1;
        }
    }
    assert_eq!((passed, skipped), (20, 15));
    report("mls-key-schedule", passed, skipped);
}

#[test]
fn kat_mls_psk_secret() {
    let (mut passed, mut skipped) = (0, 0);
    for e in common::entries("psk_secret.json") {
        let Some(suite) = common::suite(&e) else {
            skipped += 1;
            continue;
        };
        let psks = e["psks"].as_array().unwrap();
        // PreSharedKeyID { psktype = external (1); opaque psk_id<V>; opaque psk_nonce<V>; }
        let ids: Vec<Vec<u8>> = psks
            .iter()
            .map(|p| {
                let mut w = Writer::new();
                w.u8(1);
                w.opaque(&hex_field(p, "psk_id"));
                w.opaque(&hex_field(p, "psk_nonce"));
                w.finish().unwrap()
            })
            .collect();
        let keys: Vec<SecretVec> = psks
            .iter()
            .map(|p| SecretVec::new(hex_field(p, "psk")))
            .collect();
        let inputs: Vec<PskInput<'_>> = ids
            .iter()
            .zip(&keys)
            .map(|(id, psk)| PskInput { id, psk })
            .collect();
        let secret = psk_secret(suite, &inputs).unwrap();
        assert_eq!(secret.expose_secret(), hex_field(&e, "psk_secret"));
        if let Some((first, rest)) = inputs.split_first() {
            // Order matters: moving the first PSK to the end changes the secret.
            if !rest.is_empty() {
                let mut reordered: Vec<PskInput<'_>> = rest
                    .iter()
                    .map(|p| PskInput {
                        id: p.id,
                        psk: p.psk,
                    })
                    .collect();
                reordered.push(PskInput {
                    id: first.id,
                    psk: first.psk,
                });
                assert_ne!(
                    psk_secret(suite, &reordered).unwrap().expose_secret(),
                    secret.expose_secret()
                );
            }
        }
        passed += 1;
    }
    assert_eq!((passed, skipped), (44, 33));
    report("mls-psk-secret", passed, skipped);
}
