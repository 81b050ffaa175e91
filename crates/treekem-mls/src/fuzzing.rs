//! Entry points for the fuzz targets in `fuzz/` (`mls_message_decode`,
//! `mls_private_message_unprotect`, `mls_ratchet_tree_validate`, `mls_update_path_process`).
//! Each takes arbitrary bytes, must never panic, and asserts what must hold of any input.
//! `tests/fuzz_corpus_replay.rs` runs the committed corpus through them on stable.

#![allow(
    clippy::missing_panics_doc,
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a fuzz entry point panics exactly when an invariant fails: that is the oracle"
)]

use std::sync::OnceLock;

use primitives::{SecretVec, fuzzing::FuzzRng};

use crate::{
    codec::{Codec, Reader, Writer},
    commit::{Commit, UpdatePath},
    extension::{Extensions, RatchetTreeExtension},
    framing::{
        AuthenticatedContent, FramedContent, FramedContentBody, MlsMessage, PrivateMessage,
        PrivateMessageContent, Sender,
    },
    group_context::GroupContext,
    key_package::KeyPackage,
    leaf_node::LeafNode,
    proposal::Proposal,
    protection::{protect_private, sign_content, unprotect_private},
    secret_tree::{SecretTree, SecretTreeLimits},
    suite::{CipherSuite, SignaturePrivateKey},
    types::{CipherSuiteId, ContentType, LeafIndex, ProtocolVersion, WireFormat},
    welcome::{GroupInfo, GroupSecrets, Welcome},
};

/// Decodes one `T` from the front of `r`'s input; if it decodes, its encoding must be
/// exactly the bytes consumed.
fn round_trip<T: Codec>(input: &[u8]) {
    let mut r = Reader::new(input);
    let Ok(value) = T::decode(&mut r) else {
        return;
    };
    let consumed = input.len() - r.remaining().len();
    let mut w = Writer::new();
    value.encode(&mut w);
    let bytes = w.finish().expect("a decoded value re-encodes");
    assert_eq!(
        bytes,
        input.get(..consumed).expect("consumed within input"),
        "re-encoding differs from the bytes consumed"
    );
}

/// `mls_message_decode`: the first byte picks a top-level structure (MLSMessage, KeyPackage,
/// GroupInfo, Welcome, GroupSecrets, Commit, Proposal, LeafNode, UpdatePath, ratchet tree,
/// GroupContext, AuthenticatedContent, PrivateMessageContent of each content type); the rest
/// is decoded as it, and an accepted value must re-encode to exactly the bytes consumed.
pub fn message_decode(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    match selector % 15 {
        0 => round_trip::<MlsMessage>(input),
        1 => round_trip::<KeyPackage>(input),
        2 => round_trip::<GroupInfo>(input),
        3 => round_trip::<Welcome>(input),
        4 => {
            let mut r = Reader::new(input);
            if let Ok(secrets) = GroupSecrets::decode(&mut r) {
                let consumed = input.len() - r.remaining().len();
                let bytes = secrets.to_secret_bytes().expect("re-encodes");
                assert_eq!(
                    bytes.expose_secret(),
                    input.get(..consumed).expect("in input")
                );
            }
        }
        5 => round_trip::<Commit>(input),
        6 => round_trip::<Proposal>(input),
        7 => round_trip::<LeafNode>(input),
        8 => round_trip::<UpdatePath>(input),
        9 => round_trip::<RatchetTreeExtension>(input),
        10 => round_trip::<GroupContext>(input),
        11 => round_trip::<AuthenticatedContent>(input),
        s => {
            let content_type = match s {
                12 => ContentType::Application,
                13 => ContentType::Proposal,
                _ => ContentType::Commit,
            };
            if let Ok(content) = PrivateMessageContent::from_bytes(input, content_type) {
                assert_eq!(content.to_bytes().expect("re-encodes"), input);
            }
        }
    }
}

/// The fixed epoch of `mls_private_message_unprotect`: suite 1, four members with their
/// signature keys, the epoch's secrets, and one genuine PrivateMessage from leaf 1.
#[derive(Debug)]
pub struct FuzzEpoch {
    /// The suite.
    pub suite: CipherSuite,
    /// The group context.
    pub context: GroupContext,
    /// The members' signature keys, by leaf.
    pub signers: Vec<SignaturePrivateKey>,
    /// The root of the secret tree.
    pub encryption_secret: SecretVec,
    /// The sender-data secret.
    pub sender_data_secret: SecretVec,
    /// An application message from leaf 1, generation 0.
    pub genuine: PrivateMessage,
}

impl FuzzEpoch {
    /// A fresh receiver's secret tree for this epoch.
    pub fn secret_tree(&self) -> SecretTree {
        SecretTree::new(
            self.suite,
            SecretVec::from_slice(self.encryption_secret.expose_secret()),
            4,
            SecretTreeLimits::default(),
        )
        .expect("four leaves")
    }

    /// Unprotects `message` with `tree`, looking signature keys up by leaf.
    ///
    /// # Errors
    /// As [`unprotect_private`], and [`crate::Error::Invalid`] for a leaf with no member.
    pub fn unprotect(
        &self,
        message: &PrivateMessage,
        tree: &mut SecretTree,
    ) -> crate::Result<AuthenticatedContent> {
        unprotect_private(
            self.suite,
            message,
            &self.context,
            self.sender_data_secret.expose_secret(),
            tree,
            |leaf| {
                usize::try_from(leaf.0)
                    .ok()
                    .and_then(|i| self.signers.get(i))
                    .map(SignaturePrivateKey::public_key)
                    .ok_or(crate::Error::Invalid("no member at this leaf"))
            },
        )
    }
}

/// The epoch of [`FuzzEpoch`], built once.
pub fn fuzz_epoch() -> &'static FuzzEpoch {
    static EPOCH: OnceLock<FuzzEpoch> = OnceLock::new();
    EPOCH.get_or_init(|| {
        let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
        let mut rng = FuzzRng::new(0x6d6c_735f_7072_6976);
        let signers = (0..4)
            .map(|_| suite.generate_signature_key(&mut rng))
            .collect::<Vec<_>>();
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(suite.id()),
            group_id: b"fuzz group".to_vec(),
            epoch: 7,
            tree_hash: vec![1; 32],
            confirmed_transcript_hash: vec![2; 32],
            extensions: Extensions::empty(),
        };
        let mut epoch = FuzzEpoch {
            suite,
            context,
            signers,
            encryption_secret: SecretVec::random(32, &mut rng),
            sender_data_secret: SecretVec::random(32, &mut rng),
            genuine: PrivateMessage {
                group_id: Vec::new(),
                epoch: 0,
                content_type: ContentType::Application,
                authenticated_data: Vec::new(),
                encrypted_sender_data: Vec::new(),
                ciphertext: Vec::new(),
            },
        };
        let content = FramedContent {
            group_id: epoch.context.group_id.clone(),
            epoch: epoch.context.epoch,
            sender: Sender::Member(LeafIndex(1)),
            authenticated_data: b"aad".to_vec(),
            body: FramedContentBody::Application(b"hello fuzzer".to_vec()),
        };
        let signer = epoch.signers.get(1).expect("four signers");
        let signed = sign_content(
            suite,
            WireFormat::PrivateMessage,
            content,
            &epoch.context,
            signer,
        )
        .expect("sign");
        let mut sender_tree = epoch.secret_tree();
        epoch.genuine = protect_private(
            suite,
            &signed,
            epoch.sender_data_secret.expose_secret(),
            &mut sender_tree,
            8,
            &mut rng,
        )
        .expect("protect");
        epoch
    })
}

/// `mls_private_message_unprotect`: arbitrary bytes as an MLSMessage into a fixed epoch. A
/// PrivateMessage either unprotects to content from a member of the epoch, or fails and
/// leaves the secret tree as it was: the genuine message still opens afterwards (unless the
/// input was that very message, which consumed its key).
pub fn private_message_unprotect(data: &[u8]) {
    let epoch = fuzz_epoch();
    let Ok(MlsMessage::PrivateMessage(message)) = MlsMessage::from_bytes(data) else {
        return;
    };
    let mut tree = epoch.secret_tree();
    if let Ok(content) = epoch.unprotect(&message, &mut tree) {
        assert_eq!(content.content.group_id, epoch.context.group_id);
        assert_eq!(content.content.epoch, epoch.context.epoch);
        if message == epoch.genuine {
            assert!(
                epoch.unprotect(&epoch.genuine, &mut tree).is_err(),
                "replay accepted"
            );
            return;
        }
    }
    epoch
        .unprotect(&epoch.genuine, &mut tree)
        .expect("the genuine message opens after another input");
}
