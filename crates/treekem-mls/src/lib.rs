//! Messaging Layer Security (RFC 9420), part 1: the cryptographic core that a group engine
//! builds on.
//!
//! | module | RFC 9420 |
//! |---|---|
//! | [`codec`] | section 2.1 (presentation language, variable-length integers 2.1.2) |
//! | [`suite`] | sections 5.1-5.2, 17.1 (cipher suites, labeled operations, RefHash) |
//! | [`types`] | section 17 registries (versions, suites, extension/proposal/credential types, wire formats), the closed enums of sections 6-12 |
//! | [`credential`] | section 5.3 (Credential), 13.3 |
//! | [`extension`] | sections 7.2, 13.4 (Extension, one per type), bodies of 5.3.3, 11.1, 12.1.8.1, 12.4.3.2, 12.4.3.3 |
//! | [`leaf_node`] | sections 7.1-7.2 (ParentNode, LeafNode, LeafNodeTBS), 12.4.3.3 (Node) |
//! | [`key_package`] | section 10 (KeyPackage, KeyPackageTBS) |
//! | [`group_context`] | section 8.1 (GroupContext) |
//! | [`proposal`] | sections 12.1.1-12.1.7 (proposals), 8.4 (PreSharedKeyID), 12.4 (ProposalOrRef) |
//! | [`commit`] | sections 12.4 (Commit), 7.6 (UpdatePath, HPKECiphertext) |
//! | [`welcome`] | section 12.4.3 (GroupInfo, GroupSecrets, Welcome) |
//! | [`framing`] | section 6 (MLSMessage, PublicMessage, PrivateMessage, content AADs, padding), 8.2 (transcript-hash inputs) |
//! | [`tree_math`] | section 4.1, Appendix C (array-based trees) |
//! | [`tree`] | sections 4, 7.1-7.3, 7.7-7.9, 12.1.1-12.1.3, 12.4.3.1, 12.4.3.3 (ratchet tree, tree and parent hashes, validation) |
//! | [`treekem`] | sections 7.4-7.6, 12.4.1-12.4.2 (UpdatePath creation and processing, path secrets) |
//! | [`key_schedule`] | section 8 (key schedule, 8.4 PSKs, 8.5 exporter, 8.3 external key pair) |
//! | [`secret_tree`] | section 9 (secret tree, 9.1 ratchets, 9.2 deletion), 6.3.2 sender-data keys |
//! | [`transcript`] | section 8.2 (transcript hashes), 6.1 (confirmation tag) |
//! | [`join`] | section 12.4.3.1 (Welcome: GroupSecrets and GroupInfo encryption, signature, confirmation) |
//! | [`storage`] | issue 7 persistence: a key-value store with atomic batches, in memory and in files (a group saves into it with `Group::save`) |
//! | [`protection`] | sections 6.1-6.3 (signatures, membership tags, PrivateMessage encryption) |
//! | [`group`] | sections 10-13 (KeyPackages, group creation, proposals, Commits, Welcome joins, external commits and proposals 12.1.8, 12.4.3.2, ReInit and branch 11.2-11.3, application messages with past epochs), a public delivery-service view, the peer-to-peer rule for concurrent Commits, and persistence (versioned bytes, incremental saves) |
//!
//! Every module maps to the section it implements; the vector family that proves it is named
//! in the module documentation.
//!
//! # Example: a group's life (create, add, join, message, remove)
//!
//! ```
//! use treekem_mls::{
//!     extension::Extensions,
//!     framing::MlsMessage,
//!     group::{
//!         CommitOptions, Group, GroupConfig, GroupStatus, KeyPackageBundle, KeyPackageOptions,
//!         PskStore, Received,
//!     },
//!     proposal::{Add, Proposal, Remove},
//!     suite::CipherSuite,
//! };
//! # fn main() -> treekem_mls::Result<()> {
//! let mut rng = test_support::seeded_rng(3); // any CryptoRng
//! let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
//! let key_package = |name: &str, rng: &mut _| {
//!     let signer = suite.generate_signature_key(rng);
//!     KeyPackageBundle::generate(suite, signer, KeyPackageOptions::basic(name.as_bytes()), rng)
//! };
//! let config = GroupConfig::default();
//!
//! // Alice creates the group and adds Bob and Carol with one Commit and one Welcome.
//! let mut alice = Group::create(
//!     b"demo group".to_vec(),
//!     key_package("alice", &mut rng)?,
//!     Extensions::empty(),
//!     config,
//!     &mut rng,
//! )?;
//! let (bob_kp, carol_kp) = (key_package("bob", &mut rng)?, key_package("carol", &mut rng)?);
//! let adds = [&bob_kp, &carol_kp]
//!     .iter()
//!     .map(|kp| Proposal::Add(Add { key_package: kp.key_package().clone() }))
//!     .collect();
//! let out = alice.commit(CommitOptions { proposals: adds, ..CommitOptions::default() }, &mut rng)?;
//! alice.merge_pending_commit()?; // once the Commit is sent
//! let Some(MlsMessage::Welcome(welcome)) = out.welcome else { unreachable!() };
//! let mut bob = Group::join(&welcome, bob_kp, None, PskStore::new(), config)?;
//! let mut carol = Group::join(&welcome, carol_kp, None, PskStore::new(), config)?;
//! assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
//!
//! // Messages.
//! let hello = bob.send_application(b"hi all", b"", &mut rng)?;
//! for member in [&mut alice, &mut carol] {
//!     let Received::Application { data, .. } = member.process_message(&hello)? else {
//!         unreachable!()
//!     };
//!     assert_eq!(data, b"hi all");
//! }
//!
//! // Alice removes Carol, who can no longer read the group.
//! let remove = Proposal::Remove(Remove { removed: carol.own_leaf() });
//! let out = alice.commit(CommitOptions { proposals: vec![remove], ..CommitOptions::default() }, &mut rng)?;
//! alice.merge_pending_commit()?;
//! bob.process_message(&out.commit)?;
//! assert!(matches!(carol.process_message(&out.commit)?, Received::Removed { .. }));
//! assert_eq!(carol.status(), &GroupStatus::Removed);
//! let secret = alice.send_application(b"carol is gone", b"", &mut rng)?;
//! assert!(carol.process_message(&secret).is_err());
//! assert!(matches!(bob.process_message(&secret)?, Received::Application { .. }));
//! # Ok(())
//! # }
//! ```
//!
//! # Example: an epoch's keys, and an application message through them
//!
//! ```
//! use treekem_mls::{
//!     extension::Extensions,
//!     framing::{FramedContent, FramedContentBody, Sender},
//!     group_context::GroupContext,
//!     key_schedule::EpochSecret,
//!     primitives::SecretVec,
//!     protection::{protect_private, sign_content, unprotect_private},
//!     secret_tree::{SecretTree, SecretTreeLimits},
//!     suite::CipherSuite,
//!     types::{CipherSuiteId, LeafIndex, ProtocolVersion, WireFormat},
//! };
//!
//! # fn main() -> treekem_mls::Result<()> {
//! let mut rng = test_support::seeded_rng(1); // any CryptoRng
//! let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
//! let context = GroupContext {
//!     version: ProtocolVersion::MLS10,
//!     cipher_suite: CipherSuiteId(suite.id()),
//!     group_id: b"group".to_vec(),
//!     epoch: 0,
//!     tree_hash: vec![0; 32], // RatchetTree::tree_hash() in a real group
//!     confirmed_transcript_hash: Vec::new(),
//!     extensions: Extensions::empty(),
//! };
//! // Section 11: a new group's first epoch starts from a fresh random epoch secret.
//! let epoch = EpochSecret::from_secret(SecretVec::random(suite.hash_len(), &mut rng))
//!     .derive(suite)?;
//! let secret_tree = || {
//!     let root = SecretVec::from_slice(epoch.encryption_secret.expose_secret());
//!     SecretTree::new(suite, root, 2, SecretTreeLimits::default())
//! };
//! let (mut alice_tree, mut bob_tree) = (secret_tree()?, secret_tree()?);
//!
//! // Alice (leaf 1) signs and encrypts; Bob decrypts and verifies with her signature key.
//! let alice_key = suite.generate_signature_key(&mut rng);
//! let content = FramedContent {
//!     group_id: context.group_id.clone(),
//!     epoch: context.epoch,
//!     sender: Sender::Member(LeafIndex(1)),
//!     authenticated_data: Vec::new(),
//!     body: FramedContentBody::Application(b"hello group".to_vec()),
//! };
//! let signed = sign_content(suite, WireFormat::PrivateMessage, content, &context, &alice_key)?;
//! let sds = epoch.sender_data_secret.expose_secret();
//! let message = protect_private(suite, &signed, sds, &mut alice_tree, 0, &mut rng)?;
//! let received = unprotect_private(suite, &message, &context, sds, &mut bob_tree, |_leaf| {
//!     Ok(alice_key.public_key())
//! })?;
//! assert_eq!(received, signed);
//! // Its key is gone: a replay fails.
//! assert!(unprotect_private(suite, &message, &context, sds, &mut bob_tree, |_| {
//!     Ok(alice_key.public_key())
//! })
//! .is_err());
//! # Ok(())
//! # }
//! ```

mod error;

pub mod codec;
pub mod commit;
pub mod credential;
pub mod extension;
pub mod framing;
/// Entry points of the fuzz targets (feature `fuzzing`).
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod group;
pub mod group_context;
pub mod join;
pub mod key_package;
pub mod key_schedule;
pub mod leaf_node;
/// Independent tasks spread over threads (feature `parallel`).
mod parallel;
pub mod proposal;
pub mod protection;
pub mod secret_tree;
pub mod storage;
pub mod suite;
pub mod transcript;
pub mod tree;
pub mod tree_math;
pub mod treekem;
pub mod types;
pub mod welcome;

pub use error::{Error, Result, Rule};
pub use primitives;
