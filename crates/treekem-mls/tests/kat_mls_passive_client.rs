//! `passive-client-welcome.json`, `passive-client-handling-commit.json` and
//! `passive-client-random.json` (families `mls-passive-client-welcome`,
//! `mls-passive-client-handling-commit`, `mls-passive-client-random`), RFC 9420 sections
//! 12.4.2 and 12.4.3.1.
//!
//! Format (one entry per scenario): `{ cipher_suite, external_psks: [{psk_id, psk}],
//! key_package (MLSMessage), signature_priv, encryption_priv, init_priv, welcome
//! (MLSMessage), ratchet_tree (optional<Node> ratchet_tree<V>, or null when the Welcome
//! carries it), initial_epoch_authenticator, epochs: [{ proposals: [MLSMessage], commit
//! (MLSMessage), epoch_authenticator }] }`.
//!
//! Checks: the private keys match the KeyPackage; the client joins from the Welcome with
//! the given tree and external PSKs and computes `initial_epoch_authenticator`; for each
//! epoch it processes every proposal (cached by reference), then the Commit, and computes
//! the epoch's `epoch_authenticator`. Negative twins: the Commit with one byte of its
//! signature or confirmation tag flipped is rejected and leaves the epoch unchanged; a
//! Commit replayed after it was applied is rejected (stale epoch). Entries of suites this
//! crate does not implement are counted as skipped.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{Json, hex_field, report};
use treekem_mls::{
    codec::Codec,
    extension::RatchetTreeExtension,
    framing::MlsMessage,
    group::{Group, GroupConfig, KeyPackageBundle, PskStore, Received},
    primitives::SecretVec,
    suite::CipherSuite,
};

fn message(bytes: &[u8]) -> MlsMessage {
    MlsMessage::from_bytes(bytes).unwrap()
}

fn join(suite: CipherSuite, e: &Json) -> Group {
    let MlsMessage::KeyPackage(kp) = message(&hex_field(e, "key_package")) else {
        panic!("key_package is not a KeyPackage");
    };
    let (init, _) = suite.hpke_private_key(&hex_field(e, "init_priv")).unwrap();
    let (leaf, _) = suite
        .hpke_private_key(&hex_field(e, "encryption_priv"))
        .unwrap();
    let signer = suite
        .signature_key_from_bytes(&hex_field(e, "signature_priv"))
        .unwrap();
    let bundle = KeyPackageBundle::from_parts(suite, kp, init, leaf, signer).unwrap();
    let mut psks = PskStore::new();
    for p in e["external_psks"].as_array().unwrap() {
        psks.insert_external(hex_field(p, "psk_id"), SecretVec::new(hex_field(p, "psk")));
    }
    let tree = match &e["ratchet_tree"] {
        Json::Null => None,
        _ => Some(RatchetTreeExtension::from_bytes(&hex_field(e, "ratchet_tree")).unwrap()),
    };
    let MlsMessage::Welcome(welcome) = message(&hex_field(e, "welcome")) else {
        panic!("welcome is not a Welcome");
    };
    Group::join(
        &welcome,
        bundle,
        tree.as_ref(),
        psks,
        GroupConfig::default(),
    )
    .unwrap()
}

/// Flips the byte at `from_end` bytes before the end of a PublicMessage Commit (the
/// confirmation tag and membership tag sit at the end) or in the middle of the message.
fn tampered(bytes: &[u8], at: usize) -> Option<MlsMessage> {
    let mut b = bytes.to_vec();
    let i = b.len().checked_sub(at)?;
    b[i] ^= 0x01;
    MlsMessage::from_bytes(&b).ok()
}

/// Runs one entry; returns the number of epochs applied.
fn run(suite: CipherSuite, e: &Json, index: usize) -> usize {
    let mut group = join(suite, e);
    assert_eq!(
        group.epoch_authenticator(),
        hex_field(e, "initial_epoch_authenticator"),
        "entry {index}: initial epoch authenticator"
    );
    let epochs = e["epochs"].as_array().unwrap();
    for (n, epoch) in epochs.iter().enumerate() {
        for p in epoch["proposals"].as_array().unwrap() {
            let m = message(&test_support::unhex(p.as_str().unwrap()));
            match group.process_message(&m) {
                Ok(Received::Proposal { .. }) => {}
                other => panic!("entry {index} epoch {n}: proposal gave {other:?}"),
            }
        }
        let bytes = hex_field(epoch, "commit");
        let commit = message(&bytes);
        // Negative twins: a flipped byte near the end (tags) or in the middle.
        let before = group.epoch_authenticator().to_vec();
        for at in [1, 2, 20, 40, bytes.len() / 2] {
            if let Some(bad) = tampered(&bytes, at)
                && bad != commit
            {
                assert!(
                    group.process_message(&bad).is_err(),
                    "entry {index} epoch {n}: commit with byte -{at} flipped accepted"
                );
                assert_eq!(group.epoch_authenticator(), before.as_slice());
            }
        }
        match group.process_message(&commit) {
            Ok(Received::Commit { .. }) => {}
            other => panic!("entry {index} epoch {n}: commit gave {other:?}"),
        }
        assert_eq!(
            group.epoch_authenticator(),
            hex_field(epoch, "epoch_authenticator"),
            "entry {index} epoch {n}: epoch authenticator"
        );
        assert!(
            group.process_message(&commit).is_err(),
            "entry {index} epoch {n}: replayed commit accepted"
        );
    }
    epochs.len()
}

/// Runs every entry of `file`: exactly `entries_expected` entries, each of an implemented
/// suite passing with `epochs_per_entry` epochs.
fn family(file: &str, name: &str, entries_expected: usize, epochs_per_entry: usize) {
    let (mut passed, mut skipped, mut epochs) = (0, 0, 0);
    let entries = common::entries(file);
    assert_eq!(entries.len(), entries_expected, "{file}: entry count");
    let mut per_suite_total = std::collections::BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        *per_suite_total
            .entry(e["cipher_suite"].as_u64().unwrap())
            .or_insert(0usize) += 1;
        let Some(suite) = common::suite(e) else {
            skipped += 1;
            continue;
        };
        epochs += run(suite, e, i);
        passed += 1;
    }
    let implemented: usize = per_suite_total
        .iter()
        .filter(|(id, _)| CipherSuite::from_id(u16::try_from(**id).unwrap()).is_ok())
        .map(|(_, n)| *n)
        .sum();
    assert_eq!(passed, implemented, "{file}: passed");
    assert_eq!(passed + skipped, entries_expected, "{file}: total");
    assert_eq!(epochs, epochs_per_entry * passed, "{file}: epochs applied");
    report(name, passed, skipped);
}

#[test]
fn kat_mls_passive_client_welcome() {
    family(
        "passive-client-welcome.json",
        "mls-passive-client-welcome",
        56,
        0,
    );
}

#[test]
fn kat_mls_passive_client_handling_commit() {
    family(
        "passive-client-handling-commit.json",
        "mls-passive-client-handling-commit",
        91,
        2,
    );
}

#[test]
fn kat_mls_passive_client_random() {
    family(
        "passive-client-random.json",
        "mls-passive-client-random",
        1,
        200,
    );
}
