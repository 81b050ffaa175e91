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

use std::{collections::BTreeMap, sync::OnceLock};

use primitives::{HpkePrivateKey, SecretVec, fuzzing::FuzzRng, rand::CryptoRng};

use crate::{
    codec::{Codec, Reader, Writer},
    commit::{Commit, UpdatePath},
    credential::Credential,
    extension::{Extensions, RatchetTreeExtension},
    framing::{
        AuthenticatedContent, FramedContent, FramedContentBody, MlsMessage, PrivateMessage,
        PrivateMessageContent, Sender,
    },
    group_context::GroupContext,
    key_package::KeyPackage,
    leaf_node::{Capabilities, LeafNode, LeafNodeSourceData, Lifetime, Node, ParentNode},
    proposal::Proposal,
    protection::{protect_private, sign_content, unprotect_private},
    secret_tree::{SecretTree, SecretTreeLimits},
    suite::{CipherSuite, SignaturePrivateKey},
    tree::RatchetTree,
    tree_math::{self, NodeIndex},
    treekem::{PathParams, PathSecret, TreePrivateKeys, create_update_path, process_update_path},
    types::{CipherSuiteId, ContentType, CredentialType, LeafIndex, ProtocolVersion, WireFormat},
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

/// A member's leaf node as it comes from a KeyPackage: a fresh HPKE key pair and signature
/// key, a basic credential naming `index`, and capabilities for `suite`.
pub fn member_leaf(
    suite: CipherSuite,
    index: u32,
    rng: &mut impl CryptoRng,
) -> (LeafNode, HpkePrivateKey, SignaturePrivateKey) {
    let (private, public) = suite
        .derive_key_pair(SecretVec::random(suite.hash_len(), rng).expose_secret())
        .expect("key pair");
    let signer = suite.generate_signature_key(rng);
    let mut leaf = LeafNode {
        encryption_key: public.as_bytes().into(),
        signature_key: signer.public_key().into(),
        credential: Credential::Basic {
            identity: format!("member-{index}").into_bytes(),
        },
        capabilities: Capabilities {
            versions: vec![ProtocolVersion::MLS10],
            cipher_suites: vec![CipherSuiteId(suite.id())],
            extensions: Vec::new(),
            proposals: Vec::new(),
            credentials: vec![CredentialType::BASIC],
        },
        leaf_node_source: LeafNodeSourceData::KeyPackage {
            lifetime: Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
        },
        extensions: Extensions::empty(),
        signature: Vec::new(),
    };
    leaf.signature = suite
        .sign_with_label(&signer, b"LeafNodeTBS", &leaf.tbs(None).expect("tbs"))
        .expect("sign");
    (leaf, private, signer)
}

/// A group of `n` members for benches and fuzz targets, every member with real keys.
/// *Sparse*: every parent node blank, as after one add-only commit. *Populated*: every
/// parent node above a member holds a key pair from its own path secret, as after each
/// member's self-update (parent hashes are not filled in, so it does not pass
/// [`RatchetTree::validate`]; processing and creating UpdatePaths do not depend on them).
#[derive(Debug)]
pub struct FixtureGroup {
    /// The tree.
    pub tree: RatchetTree,
    /// Each member's leaf private key.
    pub leaf_keys: Vec<HpkePrivateKey>,
    /// Each member's signature key.
    pub signers: Vec<SignaturePrivateKey>,
    /// The path secret of each populated parent node.
    node_secrets: BTreeMap<NodeIndex, PathSecret>,
}

impl FixtureGroup {
    /// Builds the group.
    pub fn build(suite: CipherSuite, n: u32, populated: bool, rng: &mut impl CryptoRng) -> Self {
        let mut nodes = Vec::new();
        let mut leaf_keys = Vec::new();
        let mut signers = Vec::new();
        let mut node_secrets = BTreeMap::new();
        for i in 0..n {
            if i > 0 {
                let x = 2 * i - 1;
                if populated {
                    let secret = PathSecret::from_secret(SecretVec::random(suite.hash_len(), rng));
                    let (_, public) = secret.key_pair(suite).expect("key pair");
                    nodes.push(Some(Node::Parent(ParentNode {
                        encryption_key: public.as_bytes().into(),
                        parent_hash: Vec::new(),
                        unmerged_leaves: Vec::new(),
                    })));
                    node_secrets.insert(x, secret);
                } else {
                    nodes.push(None);
                }
            }
            let (leaf, private, signer) = member_leaf(suite, i, rng);
            nodes.push(Some(Node::Leaf(leaf)));
            leaf_keys.push(private);
            signers.push(signer);
        }
        Self {
            tree: RatchetTree::from_nodes(suite, nodes).expect("fixture tree"),
            leaf_keys,
            signers,
            node_secrets,
        }
    }

    /// The private state of member `leaf`: its leaf key and the keys of its populated
    /// direct path.
    pub fn private_keys(&self, leaf: LeafIndex) -> TreePrivateKeys {
        let i = usize::try_from(leaf.0).expect("index");
        let sk = self.leaf_keys.get(i).expect("member").clone();
        let mut keys = TreePrivateKeys::new(&self.tree, leaf, sk).expect("leaf key");
        let n = self.tree.leaf_count();
        for x in tree_math::direct_path(tree_math::leaf_node(leaf.0), n) {
            if let Some(secret) = self.node_secrets.get(&x) {
                keys.set_path_secret(&self.tree, x, secret)
                    .expect("path secret");
            }
        }
        keys
    }

    /// A GroupContext for this tree (epoch 1, its tree hash).
    pub fn context(&self) -> GroupContext {
        GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(self.tree.suite().id()),
            group_id: b"fixture group".to_vec(),
            epoch: 1,
            tree_hash: self.tree.tree_hash().to_vec(),
            confirmed_transcript_hash: Vec::new(),
            extensions: Extensions::empty(),
        }
    }
}

/// `mls_ratchet_tree_validate`: the first byte picks the suite (an index into
/// [`CipherSuite::ALL`], modulo its length: 0-3 are suites 1, 2, 3 and 7), the rest is a
/// `ratchet_tree` extension. A tree that decodes must re-encode to exactly its input and
/// have a tree hash; validation must return, never panic.
pub fn ratchet_tree_validate(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let suite = CipherSuite::ALL
        .get(usize::from(selector) % CipherSuite::ALL.len())
        .copied()
        .expect("an index modulo the length");
    let Ok(tree) = RatchetTree::from_bytes(suite, input) else {
        return;
    };
    assert_eq!(
        tree.to_bytes().expect("re-encodes"),
        input,
        "re-encoding differs"
    );
    assert_eq!(tree.tree_hash().len(), suite.hash_len());
    let _ = tree.validate(b"fuzz group");
}

/// The fixed group of `mls_update_path_process`: eight members, parent nodes populated,
/// member 0 the recipient, and a genuine UpdatePath from member 5.
#[derive(Debug)]
pub struct FuzzPathGroup {
    /// The group.
    pub group: FixtureGroup,
    /// Member 0's private state.
    pub keys: TreePrivateKeys,
    /// The provisional context of the genuine path.
    pub context: GroupContext,
    /// A genuine UpdatePath from member 5.
    pub genuine: UpdatePath,
}

/// The group of [`FuzzPathGroup`], built once.
pub fn fuzz_path_group() -> &'static FuzzPathGroup {
    static GROUP: OnceLock<FuzzPathGroup> = OnceLock::new();
    GROUP.get_or_init(|| {
        let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
        let mut rng = FuzzRng::new(0x6d6c_735f_7061_7468);
        let group = FixtureGroup::build(suite, 8, true, &mut rng);
        let keys = group.private_keys(LeafIndex(0));
        let context = group.context();
        let mut tree = group.tree.clone();
        let created = create_update_path(
            &mut tree,
            LeafIndex(5),
            &PathParams {
                group_context: &context,
                joiners: &[],
                signer: group.signers.get(5).expect("eight members"),
                leaf_template: None,
            },
            &mut rng,
        )
        .expect("create");
        FuzzPathGroup {
            group,
            keys,
            context,
            genuine: created.update_path,
        }
    })
}

/// `mls_update_path_process`: the first byte picks the sender (leaves 1 to 7), the rest is
/// an UpdatePath processed by member 0 of a fixed, populated eight-member group. On error
/// the tree is byte for byte and hash for hash what it was; on success the tree hash is
/// that of the merged tree and a commit secret of `Nh` bytes comes out.
pub fn update_path_process(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let fixture = fuzz_path_group();
    let Ok(path) = UpdatePath::from_bytes(input) else {
        return;
    };
    let sender = LeafIndex(1 + u32::from(selector % 7));
    let mut tree = fixture.group.tree.clone();
    let before = (tree.to_bytes().expect("encodes"), tree.tree_hash().to_vec());
    match process_update_path(
        &mut tree,
        &fixture.keys,
        sender,
        &path,
        &fixture.context,
        &[],
    ) {
        Ok(processed) => {
            assert_eq!(
                processed.commit_secret.expose_secret().len(),
                tree.suite().hash_len()
            );
            assert_ne!(tree.tree_hash(), before.1.as_slice());
        }
        Err(_) => {
            assert_eq!(tree.to_bytes().expect("encodes"), before.0, "tree changed");
            assert_eq!(tree.tree_hash(), before.1.as_slice(), "tree hash changed");
        }
    }
}
