//! Entry points for the fuzz targets in `fuzz/` (`mls_message_decode`,
//! `mls_private_message_unprotect`, `mls_ratchet_tree_validate`, `mls_update_path_process`,
//! and for the group engine `mls_group_process`, `mls_welcome_join`,
//! `mls_group_interaction`). Each takes arbitrary bytes, must never panic, and asserts what
//! must hold of any input. `tests/fuzz_corpus_replay.rs` runs the committed corpus through
//! them on stable; `tests/proptest_group.rs` runs [`GroupSim`](crate::fuzzing::GroupSim) on random schedules.

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
    group::{
        CommitOptions, CommitOutput, Group, GroupConfig, GroupStatus, KeyPackageBundle,
        KeyPackageOptions, PskStore, PublicGroup, Received,
    },
    group_context::GroupContext,
    key_package::KeyPackage,
    leaf_node::{Capabilities, LeafNode, LeafNodeSourceData, Lifetime, Node, ParentNode},
    proposal::{Add, PreSharedKey, PreSharedKeyId, Proposal, PskSource, Remove},
    protection::{protect_private, sign_content, unprotect_private},
    secret_tree::{SecretTree, SecretTreeLimits},
    suite::{CipherSuite, SignaturePrivateKey},
    tree::RatchetTree,
    tree_math::{self, NodeIndex},
    treekem::{PathParams, PathSecret, TreePrivateKeys, create_update_path, process_update_path},
    types::{
        CipherSuiteId, ContentType, CredentialType, LeafIndex, ProposalRef, ProtocolVersion,
        WireFormat,
    },
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
                    .ok_or(crate::Error::invalid(
                        crate::Rule::Prop1,
                        "no member at this leaf",
                    ))
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
            nodes.push(Some(Node::Leaf(Box::new(leaf))));
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

// ----- The group engine: `mls_group_process`, `mls_welcome_join`, `mls_group_interaction` -----
//
// These drive [`Group`] through its public API only, with real keys throughout: every group
// is built from a [`FuzzRng`], so the same input always meets the same group.

/// The suite of the group-engine fixtures.
const GROUP_SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

/// A KeyPackageBundle of `suite` with a basic credential `name` and a fresh signature key:
/// the test and bench members of every group fixture.
pub fn basic_bundle(suite: CipherSuite, name: &str, rng: &mut impl CryptoRng) -> KeyPackageBundle {
    let signer = suite.generate_signature_key(rng);
    KeyPackageBundle::generate(
        suite,
        signer,
        KeyPackageOptions::basic(name.as_bytes()),
        rng,
    )
    .expect("a KeyPackage")
}

/// A KeyPackageBundle that is the same for the same `seed` (its keys come from a
/// [`FuzzRng`] seeded with it). Joining consumes a bundle; this makes the same one again.
pub fn seeded_bundle(name: &str, seed: u64) -> KeyPackageBundle {
    basic_bundle(GROUP_SUITE, name, &mut FuzzRng::new(seed))
}

fn welcome_of(message: Option<MlsMessage>) -> Welcome {
    match message {
        Some(MlsMessage::Welcome(w)) => w,
        _ => panic!("a Commit that adds members comes with a Welcome"),
    }
}

/// `group` commits an Add of `bundle`'s KeyPackage by value; the Commit stays pending.
pub fn commit_add(
    group: &mut Group,
    bundle: &KeyPackageBundle,
    rng: &mut impl CryptoRng,
) -> CommitOutput {
    group
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Add(Add {
                    key_package: bundle.key_package().clone(),
                })],
                ..CommitOptions::default()
            },
            rng,
        )
        .expect("an Add commits")
}

/// Adds `bundle`'s member to `group` by one Commit (merged) and returns the new member's
/// group, joined from the Welcome (ratchet tree in it) with `config`: the two-member groups
/// of the tests, fuzz fixtures and benches of this and other crates.
pub fn add_and_join(
    group: &mut Group,
    bundle: KeyPackageBundle,
    config: GroupConfig,
    rng: &mut impl CryptoRng,
) -> Group {
    let out = commit_add(group, &bundle, rng);
    group.merge_pending_commit().expect("merge");
    Group::join(
        &welcome_of(out.welcome),
        bundle,
        None,
        PskStore::new(),
        config,
    )
    .expect("the added member joins")
}

/// Everything of a member's state that the public API shows: after a rejected message it
/// must be as it was.
#[derive(Debug, PartialEq, Eq)]
struct Snapshot {
    epoch: u64,
    authenticator: Vec<u8>,
    context: Vec<u8>,
    tree: Vec<u8>,
    pending_commit: bool,
    status: GroupStatus,
}

impl Snapshot {
    fn of(group: &Group) -> Self {
        Self {
            epoch: group.epoch(),
            authenticator: group.epoch_authenticator().to_vec(),
            context: group.context().to_bytes().expect("context encodes"),
            tree: group.tree().to_bytes().expect("tree encodes"),
            pending_commit: group.has_pending_commit(),
            status: group.status().clone(),
        }
    }
}

/// An error from the engine on any input must blame the input or the caller, never be a
/// state the crate believes unreachable.
fn assert_not_internal(err: &crate::Error) {
    assert!(
        !matches!(err, crate::Error::Internal(_)),
        "input reached an internal error: {err}"
    );
}

/// Processes `message` and, if it is rejected, checks that nothing changed.
fn process_checked(group: &mut Group, message: &MlsMessage) -> crate::Result<Received> {
    let before = Snapshot::of(group);
    let result = group.process_message(message);
    if let Err(e) = &result {
        assert_not_internal(e);
        assert_eq!(
            Snapshot::of(group),
            before,
            "a rejected message changed the state ({e})"
        );
    }
    result
}

/// The live group of `mls_group_process`: Alice (leaf 0), Bob (leaf 1) and Carol (leaf 2)
/// in epoch 3, after an add, a self-update and a second add with a path, so the tree has
/// parent nodes. Carol, the receiver, is rebuilt for every input from her Welcome (a
/// [`Group`] is not `Clone`; the Welcome and her seeded bundle are its snapshot).
#[derive(Debug)]
pub struct FuzzLiveGroup {
    /// The group's member configuration (handshakes public or private).
    pub config: GroupConfig,
    /// Carol's Welcome into epoch 3 (the ratchet tree inside).
    pub welcome: Welcome,
    /// The seed of Carol's bundle ([`seeded_bundle`]).
    pub carol_seed: u64,
    /// Carol's epoch authenticator after joining.
    pub authenticator: Vec<u8>,
    /// An application message from Alice to epoch 3 (a PrivateMessage).
    pub application: MlsMessage,
    /// An Update proposal from Bob in epoch 3.
    pub proposal: MlsMessage,
    /// Bob's Commit to epoch 4: Dave added by value, with a path.
    pub commit: MlsMessage,
    /// The epoch authenticator of epoch 4.
    pub next_authenticator: Vec<u8>,
}

/// The text of [`FuzzLiveGroup::application`] and its authenticated data.
const LIVE_APPLICATION: (&[u8], &[u8]) = (b"hello carol", b"fuzz aad");

impl FuzzLiveGroup {
    fn build(wire_format: WireFormat, seed: u64) -> Self {
        let mut rng = FuzzRng::new(seed);
        let config = GroupConfig {
            handshake_wire_format: wire_format,
            padding: 3,
            ..GroupConfig::default()
        };
        let add = |kp: &KeyPackageBundle| CommitOptions {
            proposals: vec![Proposal::Add(Add {
                key_package: kp.key_package().clone(),
            })],
            ..CommitOptions::default()
        };
        let mut alice = Group::create(
            b"fuzz live group".to_vec(),
            seeded_bundle("alice", seed ^ 1),
            Extensions::empty(),
            config,
            &mut rng,
        )
        .expect("create");
        // Epoch 1: Bob joins.
        let bob_kp = seeded_bundle("bob", seed ^ 2);
        let out = alice.commit(add(&bob_kp), &mut rng).expect("add Bob");
        alice.merge_pending_commit().expect("merge");
        let mut bob = Group::join(
            &welcome_of(out.welcome),
            bob_kp,
            None,
            PskStore::new(),
            config,
        )
        .expect("Bob joins");
        // Epoch 2: Bob updates his path.
        let out = bob
            .commit(
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut rng,
            )
            .expect("self-update");
        alice.process_message(&out.commit).expect("Alice follows");
        bob.merge_pending_commit().expect("merge");
        // Epoch 3: Carol joins by a Commit with a path.
        let carol_seed = seed ^ 3;
        let carol_kp = seeded_bundle("carol", carol_seed);
        let out = alice
            .commit(
                CommitOptions {
                    force_path: true,
                    ..add(&carol_kp)
                },
                &mut rng,
            )
            .expect("add Carol");
        bob.process_message(&out.commit).expect("Bob follows");
        alice.merge_pending_commit().expect("merge");
        let welcome = welcome_of(out.welcome);
        // The genuine messages of epoch 3.
        let application = alice
            .send_application(LIVE_APPLICATION.0, LIVE_APPLICATION.1, &mut rng)
            .expect("send");
        let (proposal, _) = bob.propose_update(&mut rng).expect("propose");
        alice.process_message(&proposal).expect("Alice caches");
        let dave_kp = seeded_bundle("dave", seed ^ 4);
        let out = bob
            .commit(
                CommitOptions {
                    force_path: true,
                    include_received: false,
                    ..add(&dave_kp)
                },
                &mut rng,
            )
            .expect("add Dave");
        alice.process_message(&out.commit).expect("Alice follows");
        bob.merge_pending_commit().expect("merge");
        assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
        let fixture = Self {
            config,
            welcome,
            carol_seed,
            authenticator: Vec::new(),
            application,
            proposal,
            commit: out.commit,
            next_authenticator: bob.epoch_authenticator().to_vec(),
        };
        let carol = fixture.carol();
        Self {
            authenticator: carol.epoch_authenticator().to_vec(),
            ..fixture
        }
    }

    /// A fresh Carol in epoch 3.
    pub fn carol(&self) -> Group {
        Group::join(
            &self.welcome,
            seeded_bundle("carol", self.carol_seed),
            None,
            PskStore::new(),
            self.config,
        )
        .expect("Carol joins")
    }
}

/// The live groups of `mls_group_process`, built once: index 0 sends handshakes as
/// PublicMessages, index 1 as PrivateMessages.
pub fn fuzz_live_groups() -> &'static [FuzzLiveGroup; 2] {
    static GROUPS: OnceLock<[FuzzLiveGroup; 2]> = OnceLock::new();
    GROUPS.get_or_init(|| {
        [
            FuzzLiveGroup::build(WireFormat::PublicMessage, 0x6d6c_735f_6c69_7630),
            FuzzLiveGroup::build(WireFormat::PrivateMessage, 0x6d6c_735f_6c69_7631),
        ]
    })
}

/// `mls_group_process`: bit 0 of the first byte picks the live group (public or private
/// handshakes, [`fuzz_live_groups`]), the rest is an MLSMessage that Carol processes. No
/// panic and no internal error; a rejected message changes nothing Carol's API shows, and
/// the genuine application message and Commit still process afterwards (to the known next
/// epoch authenticator); an accepted Commit is the genuine one (same next epoch), an
/// accepted application message is Alice's.
pub fn group_process(data: &[u8]) {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let fixture = &fuzz_live_groups()[usize::from(selector & 1)];
    let Ok(message) = MlsMessage::from_bytes(input) else {
        return;
    };
    let mut carol = fixture.carol();
    let before = Snapshot::of(&carol);
    let genuine_application = Received::Application {
        sender: LeafIndex(0),
        data: LIVE_APPLICATION.0.to_vec(),
        authenticated_data: LIVE_APPLICATION.1.to_vec(),
    };
    let mut application_read = false;
    match process_checked(&mut carol, &message) {
        Err(_) => {}
        Ok(Received::Commit { epoch, .. }) => {
            assert_eq!(epoch, before.epoch + 1);
            assert_eq!(carol.epoch_authenticator(), fixture.next_authenticator);
            return;
        }
        Ok(received @ Received::Application { .. }) => {
            assert_eq!(
                received, genuine_application,
                "a forged application message"
            );
            assert_eq!(Snapshot::of(&carol), before);
            application_read = true;
        }
        Ok(Received::Proposal { sender, .. }) => {
            assert_eq!(sender, Sender::Member(LeafIndex(1)), "a forged proposal");
            assert_eq!(carol.epoch(), before.epoch);
            assert_eq!(carol.epoch_authenticator(), before.authenticator);
        }
        Ok(other) => panic!("no genuine message of this epoch gives {other:?}"),
    }
    if !application_read {
        assert_eq!(
            carol.process_message(&fixture.application).ok(),
            Some(genuine_application),
            "the genuine application message no longer opens"
        );
    }
    assert!(
        matches!(
            carol.process_message(&fixture.commit),
            Ok(Received::Commit { .. })
        ),
        "the genuine Commit no longer processes"
    );
    assert_eq!(carol.epoch_authenticator(), fixture.next_authenticator);
}

/// A genuine Welcome of [`FuzzWelcomes`] and what joining it must give.
#[derive(Debug)]
pub struct GenuineWelcome {
    /// The Welcome.
    pub welcome: Welcome,
    /// The ratchet tree, when the Welcome does not carry it.
    pub ratchet_tree: Option<RatchetTreeExtension>,
    /// The joined epoch's authenticator.
    pub authenticator: Vec<u8>,
    /// The joined epoch's tree hash.
    pub tree_hash: Vec<u8>,
    /// The next Commit (Bob's, with a path).
    pub next_commit: MlsMessage,
    /// The epoch authenticator after it.
    pub next_authenticator: Vec<u8>,
}

impl GenuineWelcome {
    /// The input of `mls_welcome_join` for this Welcome: the Welcome, then the tree if any.
    pub fn input(&self) -> Vec<u8> {
        let mut bytes = self.welcome.to_bytes().expect("encodes");
        if let Some(tree) = &self.ratchet_tree {
            bytes.extend(tree.to_bytes().expect("encodes"));
        }
        bytes
    }
}

/// The id and value of the external PSK the joiner of `mls_welcome_join` holds.
const JOINER_PSK: (&[u8], &[u8]) = (b"fuzz psk", b"an external psk of the welcome fixture");

/// The seed of the joiner's bundle in `mls_welcome_join`.
const JOINER_SEED: u64 = 0x6d6c_735f_6a6f_696e;

/// The joiner's PSK store in `mls_welcome_join`.
fn joiner_psks() -> PskStore {
    let mut psks = PskStore::new();
    psks.insert_external(JOINER_PSK.0.to_vec(), SecretVec::from_slice(JOINER_PSK.1));
    psks
}

/// The genuine Welcomes of `mls_welcome_join`, all for the same KeyPackage
/// ([`seeded_bundle`] of `JOINER_SEED`), into three groups of Alice and Bob: the tree in
/// the Welcome; the tree out of band; the tree in the Welcome and an external PSK injected
/// by the same Commit (the joiner holds it), handshakes as PrivateMessages.
#[derive(Debug)]
pub struct FuzzWelcomes {
    /// The Welcomes.
    pub genuine: Vec<GenuineWelcome>,
}

impl FuzzWelcomes {
    fn build() -> Self {
        let mut rng = FuzzRng::new(0x6d6c_735f_7765_6c63);
        let mut genuine = Vec::new();
        for (i, (tree_in_welcome, psk, wire_format)) in [
            (true, false, WireFormat::PublicMessage),
            (false, false, WireFormat::PublicMessage),
            (true, true, WireFormat::PrivateMessage),
        ]
        .into_iter()
        .enumerate()
        {
            let config = GroupConfig {
                handshake_wire_format: wire_format,
                ..GroupConfig::default()
            };
            let seed = 0x100 * u64::try_from(i).expect("small");
            let mut alice = Group::create(
                format!("fuzz welcome group {i}").into_bytes(),
                seeded_bundle("alice", seed + 1),
                Extensions::empty(),
                config,
                &mut rng,
            )
            .expect("create");
            let mut bob =
                add_and_join(&mut alice, seeded_bundle("bob", seed + 2), config, &mut rng);
            let joiner = seeded_bundle("joiner", JOINER_SEED);
            let mut proposals = vec![Proposal::Add(Add {
                key_package: joiner.key_package().clone(),
            })];
            if psk {
                for g in [&mut alice, &mut bob] {
                    g.psks_mut().insert_external(
                        JOINER_PSK.0.to_vec(),
                        SecretVec::from_slice(JOINER_PSK.1),
                    );
                }
                proposals.push(Proposal::PreSharedKey(PreSharedKey {
                    psk: PreSharedKeyId {
                        psk: PskSource::External {
                            psk_id: JOINER_PSK.0.to_vec(),
                        },
                        psk_nonce: SecretVec::random(GROUP_SUITE.hash_len(), &mut rng)
                            .expose_secret()
                            .to_vec(),
                    },
                }));
            }
            let out = alice
                .commit(
                    CommitOptions {
                        proposals,
                        force_path: true,
                        ratchet_tree_in_welcome: tree_in_welcome,
                        ..CommitOptions::default()
                    },
                    &mut rng,
                )
                .expect("add the joiner");
            bob.process_message(&out.commit).expect("Bob follows");
            alice.merge_pending_commit().expect("merge");
            let welcome = welcome_of(out.welcome);
            let ratchet_tree = (!tree_in_welcome).then(|| alice.tree().to_extension());
            let authenticator = alice.epoch_authenticator().to_vec();
            let tree_hash = alice.tree().tree_hash().to_vec();
            let next = bob
                .commit(CommitOptions::default(), &mut rng)
                .expect("Bob commits");
            alice.process_message(&next.commit).expect("Alice follows");
            bob.merge_pending_commit().expect("merge");
            genuine.push(GenuineWelcome {
                welcome,
                ratchet_tree,
                authenticator,
                tree_hash,
                next_commit: next.commit,
                next_authenticator: bob.epoch_authenticator().to_vec(),
            });
        }
        Self { genuine }
    }
}

/// The Welcomes of `mls_welcome_join`, built once.
pub fn fuzz_welcomes() -> &'static FuzzWelcomes {
    static WELCOMES: OnceLock<FuzzWelcomes> = OnceLock::new();
    WELCOMES.get_or_init(FuzzWelcomes::build)
}

/// `mls_welcome_join`: the input is a Welcome followed by an optional `ratchet_tree`
/// (nothing after the Welcome: none), joined with the fixed KeyPackageBundle and PSK store.
/// No panic and no internal error; a join that succeeds is into the epoch of one of the
/// genuine Welcomes ([`fuzz_welcomes`]: same epoch authenticator and tree hash) and then
/// follows that group's next Commit to its next epoch authenticator.
pub fn welcome_join(data: &[u8]) {
    let fixture = fuzz_welcomes();
    let mut r = Reader::new(data);
    let Ok(welcome) = Welcome::decode(&mut r) else {
        return;
    };
    let ratchet_tree = match r.remaining() {
        [] => None,
        rest => match RatchetTreeExtension::from_bytes(rest) {
            Ok(tree) => Some(tree),
            Err(_) => return,
        },
    };
    let joined = Group::join(
        &welcome,
        seeded_bundle("joiner", JOINER_SEED),
        ratchet_tree.as_ref(),
        joiner_psks(),
        GroupConfig::default(),
    );
    let mut group = match joined {
        Ok(group) => group,
        Err(e) => {
            assert_not_internal(&e);
            return;
        }
    };
    let genuine = fixture
        .genuine
        .iter()
        .find(|g| g.authenticator == group.epoch_authenticator())
        .expect("a successful join is into a genuine Welcome's epoch");
    assert_eq!(group.tree().tree_hash(), genuine.tree_hash.as_slice());
    assert_eq!(group.status(), &GroupStatus::Active);
    assert!(
        matches!(
            group.process_message(&genuine.next_commit),
            Ok(Received::Commit { .. })
        ),
        "the joined member does not follow the group's next Commit"
    );
    assert_eq!(group.epoch_authenticator(), genuine.next_authenticator);
}

/// How [`GroupAction::Tampered`] spoils a Commit before delivering it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    /// PublicMessage: a signature bit; PrivateMessage: a ciphertext bit.
    SignatureOrCiphertext,
    /// PublicMessage: a confirmation-tag bit (caught by the membership tag over it);
    /// PrivateMessage: a bit of the encrypted sender data.
    ConfirmationTagOrSenderData,
    /// The epoch one lower (a stale epoch).
    StaleEpoch,
}

/// One step of a group schedule, for `mls_group_interaction` and
/// `tests/proptest_group.rs`. A member argument is an index into the current members taken
/// modulo their count, so every value names someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupAction {
    /// `by` commits Adds of `count` (1 to 3) new members by value, one Welcome for all,
    /// with the tree in the Welcome or out of band, with or without a forced path.
    Add {
        /// The committer.
        by: u8,
        /// How many join (1 + `count % 3`, capped by the size limit).
        count: u8,
        /// Whether the tree travels in the Welcome.
        tree_in_welcome: bool,
        /// Whether the Commit carries a path although Adds need none.
        force_path: bool,
    },
    /// `by` commits an Add of a new KeyPackage of the client of member `of`: rejected
    /// (PROP-6), nothing staged.
    AddExisting {
        /// The committer.
        by: u8,
        /// The member whose client is added again.
        of: u8,
    },
    /// `by` commits a Remove of `target` by value (of itself: rejected, PROP-3).
    Remove {
        /// The committer.
        by: u8,
        /// The removed member.
        target: u8,
    },
    /// `by` proposes removing `target`; `committer` commits the received proposals.
    ProposeRemove {
        /// The proposer.
        by: u8,
        /// The removed member.
        target: u8,
        /// The committer.
        committer: u8,
    },
    /// `by` commits with a path and no proposals to update its own keys.
    SelfUpdate {
        /// The committer.
        by: u8,
    },
    /// `by` proposes an Update; `committer` commits the received proposals.
    ProposeUpdate {
        /// The proposer.
        by: u8,
        /// The committer.
        committer: u8,
    },
    /// `by` commits nothing (a path is required: an empty Commit).
    EmptyCommit {
        /// The committer.
        by: u8,
    },
    /// Every member is given a fresh external PSK; `by` proposes it and `committer`
    /// commits it. If `mismatched` names a member other than the committer and the Commit
    /// is a PublicMessage, that member first holds a wrong value: it rejects the Commit
    /// (its confirmation tag does not verify, COMMIT-3) with its state unchanged, is given
    /// the right value and then accepts the same Commit.
    Psk {
        /// The proposer.
        by: u8,
        /// The committer.
        committer: u8,
        /// The member holding a wrong value at first, if any.
        mismatched: Option<u8>,
    },
    /// `by` sends an application message that stays in flight.
    Send {
        /// The sender.
        by: u8,
    },
    /// The in-flight message at `index` is delivered to every member that has not had it
    /// (any order: messages of one epoch out of order, and of past epochs).
    Deliver {
        /// Which in-flight message.
        index: u8,
    },
    /// An in-flight message delivered to `to` is delivered again: rejected, unchanged.
    Replay {
        /// Which in-flight message.
        index: u8,
        /// The receiver.
        to: u8,
    },
    /// `by` creates a Commit (a path, no proposals) and every other member gets a tampered
    /// copy: rejected with the state unchanged. Then the genuine Commit is delivered (it
    /// must still be accepted) or, if `discard`, the committer discards it.
    Tampered {
        /// The committer.
        by: u8,
        /// The tampering.
        kind: Tamper,
        /// Whether the genuine Commit is dropped instead of delivered.
        discard: bool,
    },
    /// The last Commit delivered is delivered again to `to`: rejected (stale epoch).
    StaleCommit {
        /// The receiver.
        to: u8,
    },
    /// Members `a` and `b` (another member if equal) commit in the same epoch without a
    /// server (P2P-1): `a` with a path and merges at once, `b` an empty Commit it keeps
    /// pending; every member receives both (not its own) in one order or the other, and
    /// all converge on the Commit with the lower tiebreak; then every member settles.
    Concurrent {
        /// The first committer.
        a: u8,
        /// The second committer.
        b: u8,
        /// Whether `b`'s Commit is delivered first.
        b_first: bool,
    },
    /// A new client joins by an external Commit from the GroupInfo of member `via`
    /// (skipped at the size limit); every member processes it.
    ExternalJoin {
        /// The member whose GroupInfo is used.
        via: u8,
    },
    /// Member `by` branches a subgroup with member `with` (section 11.3): new
    /// KeyPackages, a branch resumption PSK; `with` joins by `join_branch`; the two agree
    /// and exchange messages; the old group goes on unchanged.
    Branch {
        /// The creator.
        by: u8,
        /// The other subgroup member.
        with: u8,
    },
    /// Member `by` proposes a ReInit (a new group ID), `committer` commits it, every member
    /// is then in ReInitPending; `by` creates the new group with new KeyPackages of all
    /// members and the reinit resumption PSK, the others join by `join_reinit`; the
    /// simulation goes on in the new group (in-flight messages of the old one are dropped).
    ReInit {
        /// The proposer and creator of the new group.
        by: u8,
        /// The committer of the ReInit.
        committer: u8,
    },
}

impl GroupAction {
    /// Decodes actions from bytes: four bytes per action (kind, then three arguments).
    pub fn decode_all(data: &[u8]) -> Vec<Self> {
        data.chunks_exact(4)
            .map(|c| {
                let (a, b, d) = (c[1], c[2], c[3]);
                match c[0] % 17 {
                    0 => Self::Add {
                        by: a,
                        count: b,
                        tree_in_welcome: d & 1 == 0,
                        force_path: d & 2 != 0,
                    },
                    1 => Self::AddExisting { by: a, of: b },
                    2 => Self::Remove { by: a, target: b },
                    3 => Self::ProposeRemove {
                        by: a,
                        target: b,
                        committer: d,
                    },
                    4 => Self::SelfUpdate { by: a },
                    5 => Self::ProposeUpdate {
                        by: a,
                        committer: b,
                    },
                    6 => Self::EmptyCommit { by: a },
                    7 => Self::Psk {
                        by: a,
                        committer: b,
                        mismatched: (d & 0x80 != 0).then_some(d & 0x7f),
                    },
                    8 => Self::Send { by: a },
                    9 => Self::Deliver { index: a },
                    10 => Self::Replay { index: a, to: b },
                    11 => Self::Tampered {
                        by: a,
                        kind: match b % 3 {
                            0 => Tamper::SignatureOrCiphertext,
                            1 => Tamper::ConfirmationTagOrSenderData,
                            _ => Tamper::StaleEpoch,
                        },
                        discard: d & 1 != 0,
                    },
                    12 => Self::StaleCommit { to: a },
                    13 => Self::Concurrent {
                        a,
                        b,
                        b_first: d & 1 != 0,
                    },
                    14 => Self::ExternalJoin { via: a },
                    15 => Self::Branch { by: a, with: b },
                    _ => Self::ReInit {
                        by: a,
                        committer: b,
                    },
                }
            })
            .collect()
    }
}

/// How the members of a [`GroupSim`] send handshake messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireMode {
    /// Every member as PublicMessages.
    Public,
    /// Every member as PrivateMessages.
    Private,
    /// Members alternate (by the order they were created in).
    Mixed,
}

/// The parameters of a [`GroupSim`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimParams {
    /// The seed of every key and nonce.
    pub seed: u64,
    /// How many members the group starts with (created, then one add-only Commit).
    pub initial_members: usize,
    /// The most members the group may have; Adds beyond it are skipped.
    pub max_members: usize,
    /// How handshakes are sent.
    pub wire_mode: WireMode,
}

/// A member of a [`GroupSim`].
#[derive(Debug)]
struct SimMember {
    /// The order it was created in (its client: its signature key comes from it).
    name: u32,
    group: Group,
}

/// An application message sent and not delivered to everyone.
#[derive(Debug)]
struct InFlight {
    message: MlsMessage,
    expected: Received,
    epoch: u64,
    sender: u32,
    delivered: Vec<u32>,
}

/// The most application messages kept in flight (the oldest are forgotten).
const MAX_IN_FLIGHT: usize = 16;

/// What a [`GroupSim`] run did, for tests that want to see that a schedule was exercised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Commits accepted by every member.
    pub commits: usize,
    /// Operations and messages rejected (each checked to change nothing).
    pub rejected: usize,
    /// Application messages read.
    pub application_messages: usize,
    /// The largest group size seen.
    pub max_members: usize,
}

/// A group of real members run through a schedule of [`GroupAction`]s: every Commit is
/// delivered to every member (in order), application messages may wait in flight. After
/// every step all members agree on the epoch, epoch authenticator, tree and GroupContext,
/// and one of them (in turn) sends a message every other member reads; every rejection is
/// checked to leave the state unchanged.
#[derive(Debug)]
pub struct GroupSim {
    params: SimParams,
    rng: FuzzRng,
    members: Vec<SimMember>,
    next_name: u32,
    in_flight: Vec<InFlight>,
    last_commit: Option<MlsMessage>,
    psk_counter: u32,
    steps: usize,
    stats: SimStats,
    /// With [`WireMode::Public`]: a delivery service's [`PublicGroup`] fed every genuine
    /// proposal and Commit, which must equal the members' view after every step.
    ds: Option<PublicGroup>,
}

impl GroupSim {
    /// The signature key of client `name`.
    fn signer(&self, name: u32) -> SignaturePrivateKey {
        let mut rng =
            FuzzRng::new(self.params.seed ^ u64::from(name).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        GROUP_SUITE.generate_signature_key(&mut rng)
    }

    fn config(&self, name: u32) -> GroupConfig {
        let private = match self.params.wire_mode {
            WireMode::Public => false,
            WireMode::Private => true,
            WireMode::Mixed => name % 2 == 1,
        };
        GroupConfig {
            handshake_wire_format: if private {
                WireFormat::PrivateMessage
            } else {
                WireFormat::PublicMessage
            },
            padding: usize::try_from(name % 4).expect("small"),
            // Switch points for `GroupAction::Concurrent`; every other Commit is settled
            // once all members have it.
            p2p_window: 1,
            ..GroupConfig::default()
        }
    }

    fn new_bundle(&mut self) -> (u32, KeyPackageBundle) {
        let name = self.next_name;
        self.next_name += 1;
        let bundle = KeyPackageBundle::generate(
            GROUP_SUITE,
            self.signer(name),
            KeyPackageOptions::basic(format!("member-{name}").as_bytes()),
            &mut self.rng,
        )
        .expect("a KeyPackage");
        (name, bundle)
    }

    /// A group of `params.initial_members` members (at least one).
    pub fn new(params: SimParams) -> Self {
        let mut sim = Self {
            params,
            rng: FuzzRng::new(params.seed),
            members: Vec::new(),
            next_name: 0,
            in_flight: Vec::new(),
            last_commit: None,
            psk_counter: 0,
            steps: 0,
            stats: SimStats::default(),
            ds: None,
        };
        let (name, bundle) = sim.new_bundle();
        let group = Group::create(
            b"fuzz interaction group".to_vec(),
            bundle,
            Extensions::empty(),
            sim.config(name),
            &mut sim.rng,
        )
        .expect("create");
        sim.members.push(SimMember { name, group });
        let initial = params.initial_members.clamp(1, params.max_members.max(1));
        if params.wire_mode == WireMode::Public {
            sim.ds_rebuild();
        }
        if initial > 1 {
            sim.add(0, initial - 1, true, false);
        }
        sim.check();
        sim
    }

    /// The current members' count.
    pub fn member_count(&self) -> usize {
        self.members.len()
    }

    /// What the run did so far.
    pub const fn stats(&self) -> SimStats {
        self.stats
    }

    /// Rebuilds the delivery service's view from a member's GroupInfo (after steps it
    /// cannot follow: concurrent Commits, a ReInit).
    fn ds_rebuild(&mut self) {
        if self.ds.is_some() || self.params.wire_mode == WireMode::Public {
            let info = self.members[0].group.group_info(true).expect("a GroupInfo");
            self.ds = Some(PublicGroup::from_group_info(GROUP_SUITE, &info, None).expect("a view"));
        }
    }

    /// The delivery service processes a genuine message (it must accept it).
    fn ds_accepts(&mut self, message: &MlsMessage) {
        if let Some(ds) = &mut self.ds {
            ds.process_message(message)
                .expect("the delivery service accepts a genuine message");
        }
    }

    /// Delivers `commit` from member `by` to every other member, which must accept it
    /// (members it removes learn so and leave); the committer merges.
    fn deliver_commit(&mut self, by: usize, commit: &MlsMessage) {
        self.ds_accepts(commit);
        let mut removed = Vec::new();
        for (i, m) in self.members.iter_mut().enumerate() {
            if i == by {
                continue;
            }
            match m.group.process_message(commit) {
                Ok(Received::Commit { .. }) => {}
                Ok(Received::Removed { .. }) => {
                    assert_eq!(m.group.status(), &GroupStatus::Removed);
                    removed.push(m.name);
                }
                other => panic!("member {} refused a genuine Commit: {other:?}", m.name),
            }
        }
        self.members[by]
            .group
            .merge_pending_commit()
            .expect("merge own Commit");
        self.members.retain(|m| !removed.contains(&m.name));
        for m in &mut self.members {
            m.group.settle();
        }
        self.last_commit = Some(commit.clone());
        self.stats.commits += 1;
    }

    /// A new KeyPackage of existing client `name`.
    fn bundle_of(&mut self, name: u32) -> KeyPackageBundle {
        KeyPackageBundle::generate(
            GROUP_SUITE,
            self.signer(name),
            KeyPackageOptions::basic(format!("member-{name}").as_bytes()),
            &mut self.rng,
        )
        .expect("a KeyPackage")
    }

    /// See [`GroupAction::ExternalJoin`].
    fn external_join(&mut self, via: usize) {
        if self.members.len() >= self.params.max_members {
            return;
        }
        let (name, bundle) = self.new_bundle();
        let info = self.members[via]
            .group
            .external_group_info(true)
            .expect("a GroupInfo");
        let (group, commit) = Group::join_external(
            &info,
            None,
            bundle,
            crate::group::ExternalCommitOptions::default(),
            PskStore::new(),
            self.config(name),
            &mut self.rng,
        )
        .expect("an external join");
        self.ds_accepts(&commit);
        for m in &mut self.members {
            match m.group.process_message(&commit) {
                Ok(Received::Commit { .. }) => {}
                other => panic!("member {} refused an external Commit: {other:?}", m.name),
            }
            m.group.settle();
        }
        self.members.push(SimMember { name, group });
        self.last_commit = Some(commit);
        self.stats.commits += 1;
    }

    /// See [`GroupAction::Branch`].
    fn branch(&mut self, by: usize, with: usize) {
        let n = self.members.len();
        if n < 2 {
            return;
        }
        let with = if with == by { (by + 1) % n } else { with };
        let (by_name, with_name) = (self.members[by].name, self.members[with].name);
        let own = self.bundle_of(by_name);
        let other = self.bundle_of(with_name);
        let group_id = format!("branch {}", self.steps).into_bytes();
        let (first, out) = self.members[by]
            .group
            .branch(
                group_id,
                own,
                vec![other.key_package().clone()],
                self.config(by_name),
                &mut self.rng,
            )
            .expect("a branch");
        let welcome = welcome_of(out.welcome);
        let second = Group::join_branch(
            &welcome,
            other,
            None,
            &self.members[with].group,
            self.config(with_name),
        )
        .expect("a branch join");
        assert_eq!(Snapshot::of(&first), Snapshot::of(&second));
        let mut pair = [first, second];
        for from in 0..2 {
            let message = pair[from]
                .send_application(b"branch", b"", &mut self.rng)
                .expect("send");
            assert!(matches!(
                pair[1 - from].process_message(&message),
                Ok(Received::Application { .. })
            ));
            self.stats.application_messages += 1;
        }
    }

    /// See [`GroupAction::ReInit`].
    fn reinit(&mut self, by: usize, committer: usize) {
        let reinit = crate::proposal::ReInit {
            group_id: format!("reinit {}", self.steps).into_bytes(),
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(GROUP_SUITE.id()),
            extensions: self.members[by].group.context().extensions.clone(),
        };
        let Some(out) = self.propose_and_commit(by, committer, |g, rng| {
            g.propose(Proposal::ReInit(reinit.clone()), rng)
        }) else {
            return;
        };
        self.deliver_commit(committer, &out.commit);
        for m in &self.members {
            assert_eq!(
                m.group.status(),
                &GroupStatus::ReInitPending(reinit.clone())
            );
        }
        let names: Vec<u32> = self.members.iter().map(|m| m.name).collect();
        let mut bundles: Vec<(u32, KeyPackageBundle)> =
            names.iter().map(|&n| (n, self.bundle_of(n))).collect();
        let by_name = names[by];
        let own_at = bundles
            .iter()
            .position(|(n, _)| *n == by_name)
            .expect("the creator's bundle");
        let (_, own) = bundles.remove(own_at);
        let (created, out) = self.members[by]
            .group
            .reinit(
                own,
                bundles
                    .iter()
                    .map(|(_, b)| b.key_package().clone())
                    .collect(),
                self.config(by_name),
                &mut self.rng,
            )
            .expect("a reinitialized group");
        let mut joined: BTreeMap<u32, Group> = BTreeMap::new();
        for (name, bundle) in bundles {
            let Some(MlsMessage::Welcome(welcome)) = &out.welcome else {
                panic!("a reinit with joiners has a Welcome");
            };
            let old = &self
                .members
                .iter()
                .find(|m| m.name == name)
                .expect("a member")
                .group;
            let group = Group::join_reinit(welcome, bundle, None, old, self.config(name))
                .expect("a join of the reinitialized group");
            joined.insert(name, group);
        }
        joined.insert(by_name, created);
        for m in &mut self.members {
            m.group = joined.remove(&m.name).expect("every member moved");
        }
        self.in_flight.clear();
        self.ds_rebuild();
        self.last_commit = None;
        self.stats.commits += 1;
    }

    /// See [`GroupAction::Concurrent`].
    fn concurrent(&mut self, a: usize, b: usize, b_first: bool) {
        let n = self.members.len();
        if n < 2 {
            return;
        }
        let b = if a == b { (a + 1) % n } else { b };
        let first = self.members[a]
            .group
            .commit(
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut self.rng,
            )
            .expect("a valid Commit is created");
        self.members[a]
            .group
            .merge_pending_commit()
            .expect("merge own Commit");
        let second = self.members[b]
            .group
            .commit(CommitOptions::default(), &mut self.rng)
            .expect("a valid Commit is created");
        let mut order = [(a, &first.commit), (b, &second.commit)];
        if b_first {
            order.reverse();
        }
        for (i, m) in self.members.iter_mut().enumerate() {
            for (by, commit) in order {
                if by == i {
                    continue;
                }
                match process_checked(&mut m.group, commit) {
                    Ok(
                        Received::Commit { .. }
                        | Received::CommitSwitched { .. }
                        | Received::CommitLost { .. },
                    ) => {}
                    other => panic!("member {} refused a concurrent Commit: {other:?}", m.name),
                }
            }
            assert!(
                m.group.take_proposals_to_reissue().is_empty(),
                "empty Commits leave nothing to re-issue"
            );
        }
        for m in &mut self.members {
            m.group.settle();
        }
        // A delivery service orders Commits; in this serverless step it only re-syncs.
        self.ds_rebuild();
        self.last_commit = None;
        self.stats.commits += 1;
    }

    /// `by` commits `options`, which must be accepted; delivered to all.
    fn commit_and_deliver(&mut self, by: usize, options: CommitOptions) -> CommitOutput {
        let out = self.members[by]
            .group
            .commit(options, &mut self.rng)
            .expect("a valid Commit is created");
        self.deliver_commit(by, &out.commit);
        out
    }

    /// `by` tries `options`, which must be rejected with nothing staged or changed.
    fn commit_rejected(&mut self, by: usize, options: CommitOptions, rule: &str) {
        let group = &mut self.members[by].group;
        let before = Snapshot::of(group);
        match group.commit(options, &mut self.rng) {
            Err(crate::Error::Invalid { rule: broken, .. }) if broken.id() == rule => {}
            other => panic!("expected {rule}, got {other:?}"),
        }
        assert_eq!(
            Snapshot::of(group),
            before,
            "a refused Commit changed the state"
        );
        self.stats.rejected += 1;
    }

    fn add(&mut self, by: usize, count: usize, tree_in_welcome: bool, force_path: bool) {
        let room = self.params.max_members.saturating_sub(self.members.len());
        let count = count.min(room);
        if count == 0 {
            return;
        }
        let bundles = (0..count).map(|_| self.new_bundle()).collect::<Vec<_>>();
        let out = self.commit_and_deliver(
            by,
            CommitOptions {
                proposals: bundles
                    .iter()
                    .map(|(_, b)| {
                        Proposal::Add(Add {
                            key_package: b.key_package().clone(),
                        })
                    })
                    .collect(),
                force_path,
                ratchet_tree_in_welcome: tree_in_welcome,
                ..CommitOptions::default()
            },
        );
        let welcome = welcome_of(out.welcome);
        // Adds remove no one: `by` still indexes the committer.
        let tree = (!tree_in_welcome).then(|| self.members[by].group.tree().to_extension());
        for (name, bundle) in bundles {
            let group = Group::join(
                &welcome,
                bundle,
                tree.as_ref(),
                PskStore::new(),
                self.config(name),
            )
            .expect("a new member joins from the Welcome");
            self.members.push(SimMember { name, group });
        }
    }

    /// `by` proposes with `propose`; every other member caches the proposal; `committer`
    /// commits what it received.
    fn propose_and_commit(
        &mut self,
        by: usize,
        committer: usize,
        propose: impl FnOnce(&mut Group, &mut FuzzRng) -> crate::Result<(MlsMessage, ProposalRef)>,
    ) -> Option<CommitOutput> {
        let group = &mut self.members[by].group;
        let before = Snapshot::of(group);
        let (message, _) = match propose(group, &mut self.rng) {
            Ok(sent) => sent,
            Err(e) => {
                assert_not_internal(&e);
                assert_eq!(Snapshot::of(group), before);
                self.stats.rejected += 1;
                return None;
            }
        };
        self.ds_accepts(&message);
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != by {
                assert!(
                    matches!(
                        m.group.process_message(&message),
                        Ok(Received::Proposal { .. })
                    ),
                    "member {} refused a proposal its sender made",
                    m.name
                );
            }
        }
        let out = self.members[committer]
            .group
            .commit(CommitOptions::default(), &mut self.rng)
            .expect("committing the received proposals");
        Some(out)
    }

    fn psk(&mut self, by: usize, committer: usize, mismatched: Option<usize>) {
        self.psk_counter += 1;
        let psk_id = format!("psk-{}", self.psk_counter).into_bytes();
        let value = SecretVec::random(GROUP_SUITE.hash_len(), &mut self.rng);
        let wrong = SecretVec::random(GROUP_SUITE.hash_len(), &mut self.rng);
        let mismatched = mismatched.filter(|&i| i != committer);
        for (i, m) in self.members.iter_mut().enumerate() {
            let held = if Some(i) == mismatched {
                &wrong
            } else {
                &value
            };
            m.group
                .psks_mut()
                .insert_external(psk_id.clone(), held.clone());
        }
        let nonce = SecretVec::random(GROUP_SUITE.hash_len(), &mut self.rng)
            .expose_secret()
            .to_vec();
        let id = PreSharedKeyId {
            psk: PskSource::External {
                psk_id: psk_id.clone(),
            },
            psk_nonce: nonce,
        };
        let Some(out) = self.propose_and_commit(by, committer, |g, rng| g.propose_psk(id, rng))
        else {
            return;
        };
        // A PrivateMessage Commit that decrypts consumes its ratchet key even when the
        // Commit is then rejected (see `group`), so the retry below needs a PublicMessage.
        if let (Some(i), MlsMessage::PublicMessage(_)) = (mismatched, &out.commit) {
            let m = &mut self.members[i];
            assert_eq!(
                process_checked(&mut m.group, &out.commit).err(),
                Some(crate::Error::DecryptionFailed),
                "a Commit under a PSK the member holds differently was not refused"
            );
            self.stats.rejected += 1;
            m.group.psks_mut().insert_external(psk_id, value);
        } else if let Some(i) = mismatched {
            self.members[i]
                .group
                .psks_mut()
                .insert_external(psk_id, value);
        }
        self.deliver_commit(committer, &out.commit);
    }

    fn send(&mut self, by: usize) {
        let data = format!("in flight {}", self.steps).into_bytes();
        let member = &mut self.members[by];
        let message = member
            .group
            .send_application(&data, b"sim", &mut self.rng)
            .expect("send");
        self.in_flight.push(InFlight {
            message,
            expected: Received::Application {
                sender: member.group.own_leaf(),
                data,
                authenticated_data: b"sim".to_vec(),
            },
            epoch: member.group.epoch(),
            sender: member.name,
            delivered: vec![member.name],
        });
        if self.in_flight.len() > MAX_IN_FLIGHT {
            self.in_flight.remove(0);
        }
    }

    fn deliver(&mut self, index: u8) {
        if self.in_flight.is_empty() {
            return;
        }
        let k = usize::from(index) % self.in_flight.len();
        let flight = &mut self.in_flight[k];
        for m in &mut self.members {
            if flight.delivered.contains(&m.name) {
                continue;
            }
            flight.delivered.push(m.name);
            let same_epoch = m.group.epoch() == flight.epoch;
            match process_checked(&mut m.group, &flight.message) {
                Ok(received) => {
                    assert_eq!(received, flight.expected, "member {} misread", m.name);
                    self.stats.application_messages += 1;
                }
                Err(e) => {
                    assert!(
                        !same_epoch,
                        "member {} refused a message of its epoch from {}: {e}",
                        m.name, flight.sender
                    );
                    self.stats.rejected += 1;
                }
            }
        }
    }

    fn replay(&mut self, index: u8, to: usize) {
        if self.in_flight.is_empty() {
            return;
        }
        let k = usize::from(index) % self.in_flight.len();
        let flight = &self.in_flight[k];
        let m = &mut self.members[to];
        if !flight.delivered.contains(&m.name) {
            return;
        }
        assert!(
            process_checked(&mut m.group, &flight.message).is_err(),
            "member {} accepted a message twice",
            m.name
        );
        self.stats.rejected += 1;
    }

    fn tampered(&mut self, by: usize, kind: Tamper, discard: bool) {
        let out = self.members[by]
            .group
            .commit(
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                &mut self.rng,
            )
            .expect("a Commit");
        let flip = |bytes: &mut Vec<u8>| {
            if let Some(b) = bytes.last_mut() {
                *b ^= 1;
            }
        };
        let bad = match (out.commit.clone(), kind) {
            (MlsMessage::PublicMessage(mut m), Tamper::SignatureOrCiphertext) => {
                flip(&mut m.auth.signature);
                MlsMessage::PublicMessage(m)
            }
            (MlsMessage::PublicMessage(mut m), Tamper::ConfirmationTagOrSenderData) => {
                if let Some(tag) = &mut m.auth.confirmation_tag {
                    flip(&mut tag.0);
                }
                MlsMessage::PublicMessage(m)
            }
            (MlsMessage::PublicMessage(mut m), Tamper::StaleEpoch) => {
                m.content.epoch = m.content.epoch.wrapping_sub(1);
                MlsMessage::PublicMessage(m)
            }
            (MlsMessage::PrivateMessage(mut m), Tamper::SignatureOrCiphertext) => {
                flip(&mut m.ciphertext);
                MlsMessage::PrivateMessage(m)
            }
            (MlsMessage::PrivateMessage(mut m), Tamper::ConfirmationTagOrSenderData) => {
                flip(&mut m.encrypted_sender_data);
                MlsMessage::PrivateMessage(m)
            }
            (MlsMessage::PrivateMessage(mut m), Tamper::StaleEpoch) => {
                m.epoch = m.epoch.wrapping_sub(1);
                MlsMessage::PrivateMessage(m)
            }
            (other, _) => panic!("a Commit is a framed message, not {other:?}"),
        };
        // The view cannot check confirmation tags or membership tags (see PublicGroup).
        if let Some(ds) = &mut self.ds
            && kind != Tamper::ConfirmationTagOrSenderData
        {
            let before = (ds.context().clone(), ds.tree().tree_hash().to_vec());
            assert!(
                ds.process_message(&bad).is_err(),
                "the view accepted {kind:?}"
            );
            assert_eq!(
                (ds.context().clone(), ds.tree().tree_hash().to_vec()),
                before
            );
        }
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != by {
                assert!(
                    process_checked(&mut m.group, &bad).is_err(),
                    "member {} accepted a tampered Commit ({kind:?})",
                    m.name
                );
                self.stats.rejected += 1;
            }
        }
        if discard {
            self.members[by].group.discard_pending_commit();
        } else {
            self.deliver_commit(by, &out.commit);
        }
    }

    /// Runs one action, then checks.
    pub fn step(&mut self, action: GroupAction) {
        let n = self.members.len();
        let idx = |a: u8| usize::from(a) % n;
        match action {
            GroupAction::Add {
                by,
                count,
                tree_in_welcome,
                force_path,
            } => self.add(
                idx(by),
                1 + usize::from(count % 3),
                tree_in_welcome,
                force_path,
            ),
            GroupAction::AddExisting { by, of } => {
                let (by, of) = (idx(by), idx(of));
                let signer = self.signer(self.members[of].name);
                let again = KeyPackageBundle::generate(
                    GROUP_SUITE,
                    signer,
                    KeyPackageOptions::basic(b"again"),
                    &mut self.rng,
                )
                .expect("a KeyPackage");
                let options = CommitOptions {
                    proposals: vec![Proposal::Add(Add {
                        key_package: again.key_package().clone(),
                    })],
                    ..CommitOptions::default()
                };
                self.commit_rejected(by, options, "PROP-6");
            }
            GroupAction::Remove { by, target } => {
                let (by, target) = (idx(by), idx(target));
                let removed = self.members[target].group.own_leaf();
                let options = CommitOptions {
                    proposals: vec![Proposal::Remove(Remove { removed })],
                    ..CommitOptions::default()
                };
                if by == target {
                    self.commit_rejected(by, options, "PROP-3");
                } else {
                    self.commit_and_deliver(by, options);
                }
            }
            GroupAction::ProposeRemove {
                by,
                target,
                committer,
            } => {
                let (by, target, committer) = (idx(by), idx(target), idx(committer));
                let removed = self.members[target].group.own_leaf();
                if let Some(out) =
                    self.propose_and_commit(by, committer, |g, rng| g.propose_remove(removed, rng))
                {
                    self.deliver_commit(committer, &out.commit);
                }
            }
            GroupAction::SelfUpdate { by } => {
                self.commit_and_deliver(
                    idx(by),
                    CommitOptions {
                        force_path: true,
                        ..CommitOptions::default()
                    },
                );
            }
            GroupAction::ProposeUpdate { by, committer } => {
                let (by, committer) = (idx(by), idx(committer));
                if let Some(out) = self.propose_and_commit(by, committer, Group::propose_update) {
                    self.deliver_commit(committer, &out.commit);
                }
            }
            GroupAction::EmptyCommit { by } => {
                self.commit_and_deliver(idx(by), CommitOptions::default());
            }
            GroupAction::Psk {
                by,
                committer,
                mismatched,
            } => {
                let mismatched = mismatched.map(idx);
                self.psk(idx(by), idx(committer), mismatched);
            }
            GroupAction::Send { by } => self.send(idx(by)),
            GroupAction::Deliver { index } => self.deliver(index),
            GroupAction::Replay { index, to } => self.replay(index, idx(to)),
            GroupAction::Tampered { by, kind, discard } => self.tampered(idx(by), kind, discard),
            GroupAction::Concurrent { a, b, b_first } => self.concurrent(idx(a), idx(b), b_first),
            GroupAction::ExternalJoin { via } => self.external_join(idx(via)),
            GroupAction::Branch { by, with } => self.branch(idx(by), idx(with)),
            GroupAction::ReInit { by, committer } => self.reinit(idx(by), idx(committer)),
            GroupAction::StaleCommit { to } => {
                if let Some(commit) = self.last_commit.clone() {
                    let m = &mut self.members[idx(to)];
                    assert!(
                        process_checked(&mut m.group, &commit).is_err(),
                        "member {} accepted a Commit of a past epoch",
                        m.name
                    );
                    self.stats.rejected += 1;
                }
            }
        }
        self.steps += 1;
        self.check();
    }

    /// All members agree on the epoch (authenticator, tree, context); one member, in
    /// turn, sends a message every other member reads.
    fn check(&mut self) {
        assert!(!self.members.is_empty(), "the group has no member left");
        self.stats.max_members = self.stats.max_members.max(self.members.len());
        let first = Snapshot::of(&self.members[0].group);
        assert_eq!(first.status, GroupStatus::Active);
        assert!(!first.pending_commit);
        for m in &self.members {
            assert_eq!(
                Snapshot::of(&m.group),
                first,
                "member {} disagrees with member {} after step {}",
                m.name,
                self.members[0].name,
                self.steps
            );
        }
        if let Some(ds) = &self.ds {
            let member = &self.members[0].group;
            assert_eq!(ds.context(), member.context(), "the view disagrees");
            assert_eq!(ds.tree().tree_hash(), member.tree().tree_hash());
        }
        let sender = self.steps % self.members.len();
        self.exchange_from(sender);
    }

    fn exchange_from(&mut self, sender: usize) {
        let data = format!("check {} from {sender}", self.steps).into_bytes();
        let from = &mut self.members[sender].group;
        let leaf = from.own_leaf();
        let message = from
            .send_application(&data, b"", &mut self.rng)
            .expect("send");
        let expected = Received::Application {
            sender: leaf,
            data,
            authenticated_data: Vec::new(),
        };
        for (i, m) in self.members.iter_mut().enumerate() {
            if i != sender {
                assert_eq!(
                    m.group.process_message(&message).ok().as_ref(),
                    Some(&expected),
                    "member {} cannot read member {sender}",
                    m.name
                );
                self.stats.application_messages += 1;
            }
        }
    }

    /// Runs `actions`, then every member sends a message every other member reads.
    pub fn run(&mut self, actions: &[GroupAction]) {
        for &action in actions {
            self.step(action);
        }
        for sender in 0..self.members.len() {
            self.exchange_from(sender);
        }
    }
}

/// The longest schedule `mls_group_interaction` runs (longer inputs are cut).
pub const MAX_INTERACTION_ACTIONS: usize = 24;

/// The largest group `mls_group_interaction` grows.
pub const MAX_INTERACTION_MEMBERS: usize = 8;

/// `mls_group_interaction`: the first byte picks the wire mode (bits 0-1: public, private,
/// mixed) and the initial size (bits 2-3: 1 to 4 members), the next 8 bytes seed every key,
/// the rest is a schedule of [`GroupAction`]s (four bytes each, at most
/// [`MAX_INTERACTION_ACTIONS`]) run by [`GroupSim`] with up to
/// [`MAX_INTERACTION_MEMBERS`] members.
pub fn group_interaction(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some((seed, rest)) = rest.split_first_chunk::<8>() else {
        return;
    };
    let wire_mode = match mode & 3 {
        0 => WireMode::Public,
        1 => WireMode::Private,
        _ => WireMode::Mixed,
    };
    let mut actions = GroupAction::decode_all(rest);
    actions.truncate(MAX_INTERACTION_ACTIONS);
    let mut sim = GroupSim::new(SimParams {
        seed: u64::from_le_bytes(*seed),
        initial_members: 1 + usize::from((mode >> 2) & 3),
        max_members: MAX_INTERACTION_MEMBERS,
        wire_mode,
    });
    sim.run(&actions);
}

/// The saved states `mls_group_state_decode` starts from: Carol's, in both live groups.
pub fn fuzz_saved_states() -> &'static [Vec<u8>; 2] {
    static STATES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    STATES.get_or_init(|| {
        fuzz_live_groups().each_ref().map(|fixture| {
            fixture
                .carol()
                .to_bytes()
                .expect("a live group saves")
                .expose_secret()
                .to_vec()
        })
    })
}

/// `mls_group_state_decode`: arbitrary bytes as a saved group state ([`Group::from_bytes`]).
/// No panic and no internal error; a state that loads saves again, and that save loads to
/// the same group (same epoch, authenticator, context and tree) and saves to the same
/// bytes.
pub fn group_state_decode(data: &[u8]) {
    let group = match Group::from_bytes(data) {
        Ok(group) => group,
        Err(e) => {
            assert!(
                !matches!(e, crate::Error::Internal(_)),
                "an internal error on a saved state: {e}"
            );
            return;
        }
    };
    let saved = group.to_bytes().expect("a loaded group saves");
    let again = Group::from_bytes(saved.expose_secret()).expect("a saved group loads");
    assert_eq!(Snapshot::of(&again), Snapshot::of(&group));
    assert_eq!(
        again.to_bytes().expect("saves").expose_secret(),
        saved.expose_secret(),
        "saving is not stable"
    );
}
