//! `messages.json` (family `mls-messages`), RFC 9420 sections 6 (MLSMessage,
//! PublicMessage, PrivateMessage), 10 (KeyPackage), 12.1.1-12.1.7 (proposals), 12.4
//! (Commit), 12.4.3 (Welcome, GroupInfo, GroupSecrets) and 12.4.3.3 (ratchet tree).
//!
//! Format: 300 objects, each with 17 hex fields, independent of the cipher suite:
//! `mls_welcome`, `mls_group_info`, `mls_key_package` (MLSMessage of that wire format),
//! `ratchet_tree` (`optional<Node> ratchet_tree<V>`), `group_secrets` (GroupSecrets),
//! `add_proposal`, `update_proposal`, `remove_proposal`, `pre_shared_key_proposal`,
//! `re_init_proposal`, `external_init_proposal`, `group_context_extensions_proposal` (the
//! proposal bodies, without the Proposal type), `commit` (Commit),
//! `public_message_application`, `public_message_proposal`, `public_message_commit`
//! (MLSMessage holding a PublicMessage of that content type) and `private_message`
//! (MLSMessage holding a PrivateMessage).
//!
//! Checks, for every field of every entry (one case each, 5100 in all): the bytes decode as
//! the structure named above (wire format and content type included), with nothing left
//! over, and re-encode to the same bytes. Where a structure carries extensions of the types
//! RFC 9420 defines, their bodies are parsed and re-encoded too. Negative twins: the bytes
//! shortened by one and the bytes with one extra byte both fail to decode.
//!
//! A second test mutates the vectors' messages: every MLSMessage field with its version set
//! to 2 (MSG-1) or its wire format set to 0, 6 or `0xF000` is rejected, and every GroupInfo
//! re-encoded with its first extension repeated is rejected (EXT-1).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

mod common;

use test_support::{Json, hex_field, report};
use treekem_mls::{
    Error,
    codec::{Codec, Writer},
    commit::Commit,
    extension::{
        ApplicationId, Extension, ExtensionBody, Extensions, ExternalPub, ExternalSenders,
        RatchetTreeExtension, RequiredCapabilities,
    },
    framing::{FramedContentBody, MlsMessage},
    leaf_node::{LeafNode, Node},
    proposal::{Add, ExternalInit, GroupContextExtensions, PreSharedKey, ReInit, Remove, Update},
    types::{ContentType, ExtensionType},
    welcome::GroupSecrets,
};

/// Decodes `bytes` as `T`, checks the exact re-encoding and the negative twins, and returns
/// the value.
fn round_trip<T: Codec>(bytes: &[u8], what: &str) -> T {
    let v = T::from_bytes(bytes).unwrap_or_else(|e| panic!("{what}: decode: {e}"));
    assert_eq!(v.to_bytes().unwrap(), bytes, "{what}: re-encoding differs");
    assert!(
        T::from_bytes(&bytes[..bytes.len() - 1]).is_err(),
        "{what}: truncated by one byte still decodes"
    );
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(
        T::from_bytes(&longer).is_err(),
        "{what}: an appended byte is accepted"
    );
    v
}

/// Parses, re-encodes and compares the body of one known extension.
fn check_body<T: ExtensionBody>(e: &Extension, what: &str) -> T {
    let body: T = e
        .body()
        .unwrap_or_else(|err| panic!("{what}: extension body: {err}"));
    assert_eq!(
        body.to_bytes().unwrap(),
        e.extension_data,
        "{what}: extension body"
    );
    body
}

/// Checks the bodies of the extensions RFC 9420 defines; returns how many were parsed.
fn check_extensions(exts: &Extensions, what: &str) -> usize {
    let mut parsed = 0;
    for e in exts {
        parsed += 1;
        match e.extension_type {
            ExtensionType::APPLICATION_ID => {
                check_body::<ApplicationId>(e, what);
            }
            ExtensionType::RATCHET_TREE => {
                let tree = check_body::<RatchetTreeExtension>(e, what);
                check_tree(&tree, what);
            }
            ExtensionType::REQUIRED_CAPABILITIES => {
                check_body::<RequiredCapabilities>(e, what);
            }
            ExtensionType::EXTERNAL_PUB => {
                check_body::<ExternalPub>(e, what);
            }
            ExtensionType::EXTERNAL_SENDERS => {
                check_body::<ExternalSenders>(e, what);
            }
            _ => parsed -= 1,
        }
    }
    parsed
}

fn check_leaf(leaf: &LeafNode, what: &str) {
    check_extensions(&leaf.extensions, what);
}

fn check_tree(tree: &RatchetTreeExtension, what: &str) {
    for node in tree.nodes.iter().flatten() {
        if let Node::Leaf(leaf) = node {
            check_leaf(leaf, what);
        }
    }
}

fn check_public(bytes: &[u8], expected: ContentType, what: &str) {
    match round_trip::<MlsMessage>(bytes, what) {
        MlsMessage::PublicMessage(m) => {
            assert_eq!(m.content.content_type(), expected, "{what}");
            assert_eq!(
                m.auth.confirmation_tag.is_some(),
                expected == ContentType::Commit,
                "{what}"
            );
            match &m.content.body {
                FramedContentBody::Commit(c) => {
                    if let Some(path) = &c.path {
                        check_leaf(&path.leaf_node, what);
                    }
                }
                FramedContentBody::Proposal(_) | FramedContentBody::Application(_) => {}
            }
        }
        other => panic!("{what}: wire format {:?}", other.wire_format()),
    }
}

fn check_entry(e: &Json, i: usize, extensions_parsed: &mut usize) -> usize {
    let field = |name: &str| hex_field(e, name);
    let what = |name: &str| format!("entry {i} `{name}`");
    let mut cases = 0;

    match round_trip::<MlsMessage>(&field("mls_welcome"), &what("mls_welcome")) {
        MlsMessage::Welcome(w) => assert!(!w.secrets.is_empty()),
        other => panic!("{}: {:?}", what("mls_welcome"), other.wire_format()),
    }
    cases += 1;

    match round_trip::<MlsMessage>(&field("mls_group_info"), &what("mls_group_info")) {
        MlsMessage::GroupInfo(gi) => {
            let w = what("mls_group_info");
            *extensions_parsed += check_extensions(&gi.extensions, &w);
            *extensions_parsed += check_extensions(&gi.group_context.extensions, &w);
            let tbs = gi.tbs().unwrap();
            let full = gi.to_bytes().unwrap();
            assert!(full.starts_with(&tbs), "{w}: GroupInfoTBS is a prefix");
        }
        other => panic!("{}: {:?}", what("mls_group_info"), other.wire_format()),
    }
    cases += 1;

    match round_trip::<MlsMessage>(&field("mls_key_package"), &what("mls_key_package")) {
        MlsMessage::KeyPackage(kp) => {
            let w = what("mls_key_package");
            *extensions_parsed += check_extensions(&kp.extensions, &w);
            *extensions_parsed += check_extensions(&kp.leaf_node.extensions, &w);
            let tbs = kp.tbs().unwrap();
            assert!(
                kp.to_bytes().unwrap().starts_with(&tbs),
                "{w}: KeyPackageTBS"
            );
        }
        other => panic!("{}: {:?}", what("mls_key_package"), other.wire_format()),
    }
    cases += 1;

    let tree = round_trip::<RatchetTreeExtension>(&field("ratchet_tree"), &what("ratchet_tree"));
    check_tree(&tree, &what("ratchet_tree"));
    cases += 1;

    // GroupSecrets holds secrets and has no PartialEq: round_trip compares the encodings.
    let gs = round_trip::<GroupSecrets>(&field("group_secrets"), &what("group_secrets"));
    assert_eq!(
        gs.to_secret_bytes().unwrap().expose_secret(),
        field("group_secrets").as_slice()
    );
    cases += 1;

    let add = round_trip::<Add>(&field("add_proposal"), &what("add_proposal"));
    check_leaf(&add.key_package.leaf_node, &what("add_proposal"));
    cases += 1;
    let update = round_trip::<Update>(&field("update_proposal"), &what("update_proposal"));
    check_leaf(&update.leaf_node, &what("update_proposal"));
    cases += 1;
    round_trip::<Remove>(&field("remove_proposal"), &what("remove_proposal"));
    cases += 1;
    round_trip::<PreSharedKey>(
        &field("pre_shared_key_proposal"),
        &what("pre_shared_key_proposal"),
    );
    cases += 1;
    let reinit = round_trip::<ReInit>(&field("re_init_proposal"), &what("re_init_proposal"));
    *extensions_parsed += check_extensions(&reinit.extensions, &what("re_init_proposal"));
    cases += 1;
    round_trip::<ExternalInit>(
        &field("external_init_proposal"),
        &what("external_init_proposal"),
    );
    cases += 1;
    let gce = round_trip::<GroupContextExtensions>(
        &field("group_context_extensions_proposal"),
        &what("group_context_extensions_proposal"),
    );
    *extensions_parsed +=
        check_extensions(&gce.extensions, &what("group_context_extensions_proposal"));
    cases += 1;

    let commit = round_trip::<Commit>(&field("commit"), &what("commit"));
    if let Some(path) = &commit.path {
        check_leaf(&path.leaf_node, &what("commit"));
    }
    cases += 1;

    for (name, ct) in [
        ("public_message_application", ContentType::Application),
        ("public_message_proposal", ContentType::Proposal),
        ("public_message_commit", ContentType::Commit),
    ] {
        check_public(&field(name), ct, &what(name));
        cases += 1;
    }

    match round_trip::<MlsMessage>(&field("private_message"), &what("private_message")) {
        MlsMessage::PrivateMessage(_) => {}
        other => panic!("{}: {:?}", what("private_message"), other.wire_format()),
    }
    cases += 1;

    // Every field of the entry was checked.
    assert_eq!(
        e.as_object().unwrap().len(),
        cases,
        "entry {i}: unexpected fields"
    );
    cases
}

#[test]
fn kat_mls_messages() {
    let entries = common::entries("messages.json");
    assert_eq!(entries.len(), 300);
    let mut passed = 0;
    let mut extensions_parsed = 0;
    for (i, e) in entries.iter().enumerate() {
        passed += check_entry(e, i, &mut extensions_parsed);
    }
    assert_eq!(passed, 300 * 17);
    assert!(
        extensions_parsed > 0,
        "no known extension body was exercised"
    );
    eprintln!("known extension bodies parsed: {extensions_parsed}");
    report("mls-messages", passed, 0);
}

#[test]
fn kat_mls_messages_negative_twins_version_wire_format_duplicate_extension() {
    let entries = common::entries("messages.json");
    let mut rejected = 0;
    for (i, e) in entries.iter().enumerate() {
        for name in [
            "mls_welcome",
            "mls_group_info",
            "mls_key_package",
            "public_message_application",
            "public_message_proposal",
            "public_message_commit",
            "private_message",
        ] {
            let bytes = hex_field(e, name);
            let mut v2 = bytes.clone();
            v2[1] = 2;
            assert_eq!(
                MlsMessage::from_bytes(&v2),
                Err(Error::Decode("MSG-1: MLSMessage version is not mls10")),
                "entry {i} `{name}`"
            );
            for wf in [[0u8, 0], [0, 6], [0xf0, 0]] {
                let mut bad = bytes.clone();
                bad[2..4].copy_from_slice(&wf);
                assert!(
                    MlsMessage::from_bytes(&bad).is_err(),
                    "entry {i} `{name}` wire format {wf:02x?}"
                );
            }
            rejected += 4;
        }

        let MlsMessage::GroupInfo(gi) =
            MlsMessage::from_bytes(&hex_field(e, "mls_group_info")).unwrap()
        else {
            panic!("entry {i}: not a GroupInfo");
        };
        let mut list = gi.extensions.as_slice().to_vec();
        list.push(list[0].clone());
        let mut w = Writer::new();
        gi.group_context.encode(&mut w);
        w.vec(&list);
        gi.confirmation_tag.encode(&mut w);
        gi.signer.encode(&mut w);
        w.opaque(&gi.signature);
        let dup = w.finish().unwrap();
        assert!(
            matches!(
                treekem_mls::welcome::GroupInfo::from_bytes(&dup),
                Err(Error::Invalid {
                    rule: treekem_mls::Rule::Ext1,
                    ..
                })
            ),
            "entry {i}: duplicate extension accepted"
        );
        rejected += 1;
    }
    assert_eq!(rejected, 300 * (7 * 4 + 1));
}
