//! The group engine (RFC 9420 sections 8.4, 10, 11, 12, 13): one member's state of one
//! epoch of a group, and every operation that moves it: creating a group (section 11),
//! joining from a Welcome (12.4.3.1), proposals (12.1) sent and received, Commits created
//! (12.4.1) and processed (12.4.2) with proposals by value and by reference, the Welcome
//! for the new members (12.4.3), and application messages (section 15) through the epoch's
//! secret tree. Proven by `passive-client-welcome.json`, `passive-client-handling-commit.json`
//! and `passive-client-random.json` (families `mls-passive-client-welcome`,
//! `mls-passive-client-handling-commit`, `mls-passive-client-random`), and by the
//! multi-member scenarios of `tests/group.rs`.
//!
//! ```text
//!             create (epoch 0)      join(Welcome)
//!                    \                  /
//!                     v                v
//!   +--------------------------- Group (epoch n) ----------------------------+
//!   | GroupContext, RatchetTree, TreePrivateKeys, EpochSecrets, SecretTree,  |
//!   | interim transcript hash, own leaf + signer, proposal cache, PSK store  |
//!   +------------------------------------------------------------------------+
//!     | process_message(Proposal) -> validated, cached by ProposalRef
//!     | process_message(Commit)   -> resolve, validate (12.2), apply (12.3) on a
//!     |                              tree transaction, UpdatePath, key schedule,
//!     |                              confirmation tag; then swap in epoch n+1
//!     | commit()                  -> Commit + Welcome, epoch n+1 staged
//!     | merge_pending_commit()    -> epoch n+1 (after the Commit was sent)
//! ```
//!
//! **A rejected message changes nothing** (MSG-4). Proposals are applied and the
//! UpdatePath merged inside one tree transaction that is dropped (undoing them) unless the
//! confirmation tag verifies; the new private keys, secrets and context are built beside
//! the current ones and swapped in only then. A PrivateMessage's ratchet key is consumed
//! in two steps: unprotecting stages the consumption
//! ([`crate::protection::unprotect_private_staged`]) and the group applies it only once
//! the content is accepted (an application message delivered, a proposal cached, a Commit's
//! confirmation tag verified). So a Commit that decrypts and verifies but is then rejected
//! leaves its generation usable, and the genuine message of that generation still opens.
//!
//! **Past epochs** (MSG-5, section 9.2): the secret trees and sender-data secrets of the
//! last [`GroupConfig::past_epochs`] epochs (default 3) are kept, so an application
//! message that arrives after the Commits that followed it still decrypts, once; an
//! epoch's keys are deleted when that many newer epochs exist. No tree is copied per
//! epoch: a past epoch keeps its GroupContext and the old signature keys of only the
//! leaves the next Commit changed.
//!
//! **From outside the group** (`external.rs`): a new member joins by an external Commit
//! ([`Group::join_external`], from [`Group::external_group_info`]); an external sender
//! listed in `external_senders` sends proposals with [`external_proposal`], and a
//! prospective member proposes its own Add with [`new_member_proposal`]; members validate
//! them (MSG-2, PROP-17) and commit them by reference.
//!
//! # Concurrent commits without a server
//!
//! When no delivery service orders Commits (peers over WebRTC), two members may commit in
//! the same epoch n. Every member applies the same deterministic rule (P2P-1, in
//! `src/group/p2p.rs`): among the valid Commits for epoch n it has seen, the winner is the
//! one with the lowest
//! `tiebreak = RefHash("MLS 1.0 Commit Tiebreak", AuthenticatedContent)` ([`commit_tiebreak`]),
//! computed over the AuthenticatedContent after unprotecting (so the same for
//! PublicMessage and PrivateMessage handshakes). With [`GroupConfig::p2p_window`] = k > 0, a
//! member that applies a Commit for epoch n (received, or its own merged at once) keeps the
//! epoch-n state (the undo log of the Commit's tree changes, not a copy of the tree;
//! private keys, secrets, secret tree, proposal cache) for k
//! epochs or until [`Group::settle`]. A Commit for a kept epoch n with a lower tiebreak
//! rolls the member back to n and applies it ([`Received::CommitSwitched`]); one with a
//! higher (or equal) tiebreak changes nothing ([`Received::CommitLost`]); a forged one is
//! rejected with nothing changed (P2P-2). A member with its own Commit pending merges it if
//! it wins and drops it if it loses. The by-value proposals of a member's own lost Commits
//! are in [`Group::proposals_to_reissue`] to be committed again (P2P-3); a member removed by
//! a Commit that loses is restored (P2P-4). Applications send each Commit to every peer,
//! let messages of the next epochs wait until the epoch's Commits have arrived (or
//! re-deliver what failed after a switch), and call `settle` once every peer has moved on.
//!
//! ```
//! use treekem_mls::{
//!     extension::Extensions,
//!     framing::MlsMessage,
//!     group::{CommitOptions, Group, GroupConfig, KeyPackageBundle, KeyPackageOptions, PskStore},
//!     proposal::{Add, Proposal},
//!     suite::CipherSuite,
//! };
//! # fn main() -> treekem_mls::Result<()> {
//! let mut rng = test_support::seeded_rng(7);
//! let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
//! let kp = |name: &str, rng: &mut _| {
//!     let signer = suite.generate_signature_key(rng);
//!     KeyPackageBundle::generate(suite, signer, KeyPackageOptions::basic(name.as_bytes()), rng)
//! };
//! let config = GroupConfig { p2p_window: 2, ..GroupConfig::default() };
//! let alice_kp = kp("alice", &mut rng)?;
//! let mut alice =
//!     Group::create(b"p2p".to_vec(), alice_kp, Extensions::empty(), config, &mut rng)?;
//! let (bob, carol) = (kp("bob", &mut rng)?, kp("carol", &mut rng)?);
//! let adds = [&bob, &carol]
//!     .iter()
//!     .map(|b| Proposal::Add(Add { key_package: b.key_package().clone() }))
//!     .collect();
//! let options = CommitOptions { proposals: adds, ..CommitOptions::default() };
//! let out = alice.commit(options, &mut rng)?;
//! alice.merge_pending_commit()?;
//! let Some(MlsMessage::Welcome(welcome)) = out.welcome else { unreachable!() };
//! let mut bob = Group::join(&welcome, bob, None, PskStore::new(), config)?;
//! let mut carol = Group::join(&welcome, carol, None, PskStore::new(), config)?;
//!
//! // Bob and Carol commit in the same epoch and apply their own Commits at once.
//! let from_bob = bob.commit(CommitOptions::default(), &mut rng)?.commit;
//! bob.merge_pending_commit()?;
//! let from_carol = carol.commit(CommitOptions::default(), &mut rng)?.commit;
//! carol.merge_pending_commit()?;
//! // Every peer receives the other Commits, in any order: the lowest tiebreak wins.
//! alice.process_message(&from_carol)?;
//! alice.process_message(&from_bob)?;
//! bob.process_message(&from_carol)?;
//! carol.process_message(&from_bob)?;
//! assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
//! assert_eq!(alice.epoch_authenticator(), carol.epoch_authenticator());
//! // The loser's by-value proposals (none here) wait in `proposals_to_reissue()`.
//! for g in [&mut alice, &mut bob, &mut carol] {
//!     g.settle();
//! }
//! # Ok(())
//! # }
//! ```
//!
//! **ReInit and branch** (`reinit.rs`, sections 11.2, 11.3): after a Commit covered a
//! ReInit, [`Group::reinit`] creates the announced group whose first Commit carries the
//! old group's last resumption PSK (usage `reinit`) and Welcomes the others, who join with
//! [`Group::join_reinit`]; [`Group::branch`] and [`Group::join_branch`] do the same for a
//! subgroup with a PSK of usage `branch`.
//!
//! **The public view** ([`PublicGroup`], `public.rs`): a delivery service's copy of the
//! GroupContext, tree and transcript, built from a GroupInfo and tracked from PublicMessage
//! proposals and Commits with the members' own checks, except those that need secrets
//! (membership and confirmation tags, PSK availability, path decryption).
//!
//! **Persistence** (`persist.rs`): [`Group::to_bytes`] / [`Group::from_bytes`] give the
//! whole state as versioned bytes ([`STATE_VERSION`]); [`Group::save`] / [`Group::load`]
//! lay it out in the records of a [`crate::storage::Store`] and each save writes one atomic
//! batch with only what changed (O(log n) tree nodes after a Commit). Stage, persist, then
//! merge: save after [`Group::commit`] (the staged epoch is saved as pending), send, merge,
//! save; save after processing a received Commit before acknowledging it. A crash at any
//! point loads the old epoch or the new one.
//!
//! **Creating a group** follows section 11: a one-member tree, and a fresh random
//! `epoch_secret` for epoch 0 (not an all-zero init secret, which would make the first
//! epoch's secrets, and those of an add-only Commit without a path after it, computable
//! from public data).
//!
//! **Own Commits** are staged: [`Group::commit`] computes the next epoch and leaves the
//! tree unchanged (its transaction is rolled back); [`Group::merge_pending_commit`]
//! replays the proposals and the UpdatePath (O(changed path), no clone of the tree) once
//! the caller knows the Commit was accepted, [`Group::discard_pending_commit`] drops it.
//!
//! Rules: each has an id that appears at its check, in its error and in its test. Their
//! tables open the submodules' sources: `src/group/validation.rs` (leaf nodes LN-*,
//! proposals and proposal lists PROP-*, COMMIT-1), `key_packages.rs` (KP-*, KPB-1),
//! `psk.rs` (PSK-1), `join.rs` (WEL-*), `external.rs` (XC-*), `p2p.rs` (P2P-*),
//! `reinit.rs` (REINIT-*, BRANCH-*); the tree's own rules (TREE-*, PH-*, UP-*, TK-1)
//! are in [`crate::tree`] and [`crate::treekem`]; and these:
//!
//! | id | rule | section |
//! |---|---|---|
//! | MSG-5 | an application message of a past epoch is accepted only from the last `GroupConfig::past_epochs` epochs, whose keys are deleted after that (a handshake message of another epoch breaks MSG-EPOCH) | 9.2, 15 |
//! | MSG-4 | a rejected message changes nothing, not even the ratchet key of a PrivateMessage | 6.3, 9.2 |
//! | MSG-2 | a member sender is a non-blank leaf; an external sender is listed in `external_senders` | 6.1, 12.1.8.1 |
//! | MSG-3 | an application message comes from a member in a PrivateMessage | 6, 6.2 |
//! | EPOCH-1 | the epoch counter does not overflow (a `uint64`) | 8 |
//! | CACHE-1 | at most `MAX_CACHED_PROPOSALS` proposals are cached per epoch (resource bound) | 12.1 |
//! | COMMIT-2 | a Commit comes from a member, or from `new_member_commit` (an external Commit, rules XC-* in `src/group/external.rs`) | 12.4 |
//! | COMMIT-3 | the Commit's confirmation tag verifies under the new epoch's confirmation key (reported as [`Error::DecryptionFailed`]) | 12.4.2 |

mod commit;
mod external;
mod join;
mod key_packages;
mod p2p;
mod persist;
mod psk;
mod public;
mod reinit;
mod validation;

use primitives::{HpkePrivateKey, SecretVec, rand::CryptoRng};

pub use commit::{CommitOptions, CommitOutput};
pub use external::{ExternalCommitOptions, external_proposal, new_member_proposal};
pub use key_packages::{
    KeyPackageBundle, KeyPackageOptions, default_capabilities, validate_key_package,
};
pub use p2p::commit_tiebreak;
pub use persist::STATE_VERSION;
pub use psk::PskStore;
pub use public::PublicGroup;

use crate::{
    Error, Result,
    codec::Codec,
    extension::Extensions,
    framing::{AuthenticatedContent, FramedContent, FramedContentBody, MlsMessage, Sender},
    group_context::GroupContext,
    key_package::KeyPackage,
    key_schedule::EpochSecrets,
    leaf_node::{LeafNode, LeafNodeSourceData},
    proposal::{
        Add, GroupContextExtensions, PreSharedKey, PreSharedKeyId, Proposal, ReInit, Remove, Update,
    },
    protection::{
        protect_private, protect_public, sign_content, unprotect_private_staged, unprotect_public,
    },
    secret_tree::{SecretTree, SecretTreeLimits, StagedReceiveKey},
    suite::{CipherSuite, SignaturePrivateKey, SignaturePublicKey},
    tree::RatchetTree,
    treekem::TreePrivateKeys,
    types::{LeafIndex, Mac, ProposalRef, WireFormat},
};

use validation::{Judge, ResolvedProposal};

/// The most proposals cached in one epoch (a resource bound: a peer cannot make the cache
/// grow without limit; a Commit can still cover any of them by value).
pub const MAX_CACHED_PROPOSALS: usize = 10_000;

/// How a member sends and what it keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupConfig {
    /// The wire format of the proposals and Commits this member sends
    /// ([`WireFormat::PublicMessage`] or [`WireFormat::PrivateMessage`]).
    pub handshake_wire_format: WireFormat,
    /// Zero bytes of padding added to each PrivateMessage.
    pub padding: usize,
    /// Bounds of each epoch's secret tree (section 9.2).
    pub secret_tree_limits: SecretTreeLimits,
    /// How many past epochs' resumption PSKs are kept (section 8.6), the current one
    /// included.
    pub resumption_psk_epochs: u64,
    /// How many past epochs' secret trees (with their sender-data secrets, GroupContexts
    /// and the signature keys of their members) are kept so that late application
    /// messages still decrypt (MSG-5). An epoch's keys are deleted (section 9.2) once this
    /// many newer epochs follow it. Default 3; 0 keeps only the current epoch.
    pub past_epochs: usize,
    /// For groups without a server that orders Commits: for how many epochs after a
    /// Commit the state before it is kept, so that a concurrent Commit for the same epoch
    /// with a lower tiebreak can replace it (P2P-1, see the module documentation).
    /// Default 0: nothing kept, a Commit for a past epoch is refused (MSG-EPOCH). Each
    /// kept epoch costs the undo log of its Commit's tree changes (the nodes the Commit
    /// replaced), never a copy of the tree.
    pub p2p_window: usize,
    /// The longest lifetime (`not_after - not_before`, seconds) accepted in a KeyPackage
    /// this member commits, proposes or receives (KP-8). RFC 9420 section 7.2 requires
    /// applications to set one; the default, `u64::MAX`, accepts any, as the KeyPackages of
    /// [`KeyPackageOptions::basic`] never expire.
    pub max_lifetime: u64,
}

impl Default for GroupConfig {
    fn default() -> Self {
        Self {
            handshake_wire_format: WireFormat::PublicMessage,
            padding: 0,
            secret_tree_limits: SecretTreeLimits::default(),
            resumption_psk_epochs: 16,
            past_epochs: 3,
            p2p_window: 0,
            max_lifetime: u64::MAX,
        }
    }
}

/// Whether the member can still use the group.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupStatus {
    /// A member of the current epoch.
    Active,
    /// A Commit removed this member (section 12.4.2): it can send and receive nothing more.
    Removed,
    /// A Commit covered a ReInit (section 11.2): no more messages are sent in this group;
    /// the members wait for the Welcome of the new one.
    ReInitPending(ReInit),
}

/// What [`Group::process_message`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Received {
    /// Application data from a member.
    Application {
        /// The sender's leaf.
        sender: LeafIndex,
        /// The data.
        data: Vec<u8>,
        /// The message's `authenticated_data`.
        authenticated_data: Vec<u8>,
    },
    /// A valid proposal, now cached for a Commit to cover by reference.
    Proposal {
        /// Its sender.
        sender: Sender,
        /// Its `ProposalRef` (section 5.2).
        reference: ProposalRef,
    },
    /// A Commit: the group is now in `epoch`.
    Commit {
        /// The committer's leaf.
        sender: LeafIndex,
        /// The new epoch.
        epoch: u64,
    },
    /// A Commit that removed this member: the group is no longer usable (unless a
    /// concurrent Commit with a lower tiebreak replaces it, P2P-4).
    Removed {
        /// The committer's leaf.
        sender: LeafIndex,
    },
    /// A Commit for an earlier epoch with a lower tiebreak than the one this member
    /// applied (P2P-1): the member rolled back and applied it; the group is now in `epoch`.
    CommitSwitched {
        /// The committer's leaf.
        sender: LeafIndex,
        /// The new epoch.
        epoch: u64,
        /// The epoch this member was in before the switch (now abandoned).
        abandoned_epoch: u64,
    },
    /// A Commit for `epoch` - 1 that loses to the one this member applied (or is it):
    /// nothing changed (P2P-1).
    CommitLost {
        /// The epoch the winning Commit created, in which this member stays.
        epoch: u64,
    },
}

/// The consumption of a past epoch's ratchet key, staged (MSG-4, MSG-5).
struct StagedPastKey {
    epoch: u64,
    key: StagedReceiveKey,
}

/// Where a staged application message's key is consumed.
enum StagedKey {
    Current(StagedReceiveKey),
    Past(StagedPastKey),
}

/// An application message that decrypted and verified, whose ratchet key is not consumed
/// yet ([`Group::stage_application`]).
pub struct StagedApplication<'a> {
    group: &'a mut Group,
    key: StagedKey,
    sender: LeafIndex,
    epoch: u64,
    authenticated_data: Vec<u8>,
}

impl StagedApplication<'_> {
    /// The sender's leaf.
    pub const fn sender(&self) -> LeafIndex {
        self.sender
    }

    /// The epoch the message was sent in (the current one or a kept past one).
    pub const fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The message's `authenticated_data`.
    pub fn authenticated_data(&self) -> &[u8] {
        &self.authenticated_data
    }

    /// Consumes the message's ratchet key (MSG-4).
    ///
    /// # Errors
    /// [`Error::Internal`] only for states believed unreachable (the group is borrowed
    /// from staging to commit, so its ratchet cannot have moved).
    pub fn commit(self) -> Result<()> {
        match self.key {
            StagedKey::Current(key) => self.group.epoch.secret_tree.apply_staged(key),
            StagedKey::Past(key) => self.group.apply_staged_past(key),
        }
    }
}

impl core::fmt::Debug for StagedApplication<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StagedApplication")
            .field("sender", &self.sender)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// The secrets and transcript of the current epoch.
struct EpochState {
    secrets: EpochSecrets,
    secret_tree: SecretTree,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Mac,
}

/// What is kept of a past epoch to decrypt its late application messages (MSG-5): its
/// GroupContext (for the signatures' TBS and the epoch check), sender-data secret and
/// secret tree (whose used keys stay deleted). PublicMessages carry no application data,
/// so the membership key is not kept.
struct PastEpoch {
    context: GroupContext,
    sender_data_secret: SecretVec,
    secret_tree: SecretTree,
    /// The signature keys, in this epoch, of the leaves that the Commit ending it changed
    /// (None for a blank leaf). A leaf not listed here nor in a later past epoch had the
    /// signature key it has in the current tree; so no tree is copied per epoch.
    changed_keys: Vec<(LeafIndex, Option<Vec<u8>>)>,
    /// The rest of the epoch's state while a concurrent Commit may still replace the one
    /// that ended it (P2P-1).
    switch: Option<Box<p2p::SwitchPoint>>,
}

/// The signature keys in the current tree of the leaves a Commit from `committer` over
/// `list` may change (its path, Updates and Removes), before it is applied.
fn signature_keys_before(
    tree: &RatchetTree,
    list: &[ResolvedProposal],
    committer: Option<LeafIndex>,
) -> Vec<(LeafIndex, Option<Vec<u8>>)> {
    let mut leaves: Vec<LeafIndex> = committer.into_iter().collect();
    for p in list {
        match (&p.proposal, p.sender) {
            (Proposal::Update(_), Sender::Member(l)) => leaves.push(l),
            (Proposal::Remove(r), _) => leaves.push(r.removed),
            _ => {}
        }
    }
    leaves.sort_unstable_by_key(|l| l.0);
    leaves.dedup();
    leaves
        .into_iter()
        .map(|l| (l, tree.leaf(l).map(|n| n.signature_key.0.clone())))
        .collect()
}

/// A proposal received (or sent) in this epoch.
#[derive(Debug, Clone)]
struct CachedProposal {
    reference: ProposalRef,
    proposal: Proposal,
    sender: Sender,
}

/// One member's state of one epoch of a group; see the module documentation.
pub struct Group {
    suite: CipherSuite,
    context: GroupContext,
    tree: RatchetTree,
    keys: TreePrivateKeys,
    epoch: EpochState,
    signer: SignaturePrivateKey,
    proposals: Vec<CachedProposal>,
    psks: PskStore,
    /// The private keys of this member's Update proposals of this epoch, by public key.
    pending_updates: Vec<(Vec<u8>, HpkePrivateKey)>,
    pending_commit: Option<commit::PendingCommit>,
    status: GroupStatus,
    config: GroupConfig,
    /// The kept past epochs, oldest first (MSG-5, P2P-1).
    past: std::collections::VecDeque<PastEpoch>,
    /// By-value proposals of this member's lost Commits (P2P-3).
    reissue: Vec<Proposal>,
    /// The tiebreak of the Commit that removed this member, while it may lose (P2P-4).
    removed_by: Option<Vec<u8>>,
    /// How this group was created from another (ReInit or branch): its first Commit may
    /// carry a resumption PSK of that usage (section 11.2, 11.3; PROP-13 otherwise).
    origin: Option<crate::types::ResumptionPskUsage>,
    /// What the last [`Group::save`] wrote, to write only what changed since (see
    /// `src/group/persist.rs`).
    saved: persist::SaveTracker,
    /// The members' signature keys, decoded when first needed (not persisted).
    signature_keys: SignatureKeyCache,
}

/// Members' signature keys decoded once, by leaf, so that verifying a message skips
/// decoding its sender's key (for Ed25519 a point decompression, a field exponentiation:
/// about a tenth of a verification). An entry is used only while its encoding equals the
/// leaf's current key, so a leaf that changes or is removed needs no invalidation; the
/// entries are bounded by the tree's leaf count ever reached (`limits`).
#[derive(Default)]
struct SignatureKeyCache(std::collections::BTreeMap<LeafIndex, SignaturePublicKey>);

impl SignatureKeyCache {
    /// The decoded key of `leaf`, whose current encoding is `encoded`.
    fn get(
        &mut self,
        suite: CipherSuite,
        leaf: LeafIndex,
        encoded: &[u8],
    ) -> Result<&SignaturePublicKey> {
        let fresh = self
            .0
            .get(&leaf)
            .is_some_and(|k| k.as_bytes() == encoded && k.scheme() == suite.signature_scheme());
        if !fresh {
            // An undecodable key cannot verify anything (as `CipherSuite::verify_with_label`).
            let key = suite
                .signature_public_key(encoded)
                .map_err(|_| Error::VerificationFailed)?;
            self.0.insert(leaf, key);
        }
        self.0
            .get(&leaf)
            .ok_or(Error::Internal("signature key cache"))
    }
}

impl core::fmt::Debug for Group {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Group")
            .field("suite", &self.suite)
            .field("epoch", &self.context.epoch)
            .field("own_leaf", &self.keys.own_leaf())
            .field("members", &self.tree.member_count())
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// `ProposalRef` = `RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent)` (section
/// 5.2).
///
/// # Errors
/// As [`CipherSuite::ref_hash`] and encoding.
pub fn proposal_ref(suite: CipherSuite, content: &AuthenticatedContent) -> Result<ProposalRef> {
    Ok(ProposalRef(suite.ref_hash(
        b"MLS 1.0 Proposal Reference",
        &content.to_bytes()?,
    )?))
}

/// The signature key of the sender of `content` (MSG-2, PROP-17).
fn sender_signature_key(
    context: &GroupContext,
    tree: &RatchetTree,
    content: &FramedContent,
) -> Result<Vec<u8>> {
    match content.sender {
        Sender::Member(leaf) => {
            tree.leaf(leaf)
                .map(|l| l.signature_key.0.clone())
                .ok_or(Error::invalid(
                    crate::Rule::Msg2,
                    "a message from a blank or missing leaf",
                ))
        }
        Sender::External(index) => {
            let senders = context.extensions.external_senders()?.unwrap_or_default();
            usize::try_from(index)
                .ok()
                .and_then(|i| senders.0.get(i))
                .map(|s| s.signature_key.0.clone())
                .ok_or(Error::invalid(
                    crate::Rule::Msg2,
                    "an external sender not listed in external_senders",
                ))
        }
        Sender::NewMemberProposal => match &content.body {
            FramedContentBody::Proposal(Proposal::Add(add)) => {
                Ok(add.key_package.leaf_node.signature_key.0.clone())
            }
            _ => Err(Error::invalid(
                crate::Rule::Prop17,
                "a new_member_proposal sender proposed something other than Add",
            )),
        },
        Sender::NewMemberCommit => external::external_committer_key(content),
    }
}

impl Group {
    // ----- reading -------------------------------------------------------------------

    /// The cipher suite.
    pub const fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// The current GroupContext.
    pub const fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The current epoch.
    pub const fn epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The group's configuration.
    pub const fn config(&self) -> &GroupConfig {
        &self.config
    }

    /// The group ID.
    pub fn group_id(&self) -> &[u8] {
        &self.context.group_id
    }

    /// The ratchet tree of the current epoch.
    pub const fn tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// This member's leaf.
    pub const fn own_leaf(&self) -> LeafIndex {
        self.keys.own_leaf()
    }

    /// Whether the group is usable.
    pub const fn status(&self) -> &GroupStatus {
        &self.status
    }

    /// The PSKs this member holds (to provision external PSKs).
    pub const fn psks_mut(&mut self) -> &mut PskStore {
        &mut self.psks
    }

    /// The current epoch's `epoch_authenticator` (section 8.7), for members to compare out
    /// of band. It is derived from the epoch secret but meant to be shown.
    pub fn epoch_authenticator(&self) -> &[u8] {
        self.epoch.secrets.epoch_authenticator.expose_secret()
    }

    /// `MLS-Exporter(label, context, length)` of the current epoch (section 8.5).
    ///
    /// # Errors
    /// As [`EpochSecrets::export`].
    pub fn export_secret(&self, label: &[u8], context: &[u8], length: usize) -> Result<SecretVec> {
        self.epoch
            .secrets
            .export(self.suite, label, context, length)
    }

    /// The references of the proposals cached in this epoch, in the order received.
    pub fn cached_proposals(&self) -> impl Iterator<Item = &ProposalRef> + '_ {
        self.proposals.iter().map(|p| &p.reference)
    }

    /// Whether a Commit created by [`Self::commit`] awaits merging.
    pub const fn has_pending_commit(&self) -> bool {
        self.pending_commit.is_some()
    }

    fn judge(&self) -> Judge<'_> {
        Judge {
            suite: self.suite,
            context: &self.context,
            tree: &self.tree,
            psks: Some(&self.psks),
            initial_psk_usage: if self.context.epoch == 0 {
                self.origin
            } else {
                None
            },
            now: None,
            max_lifetime: self.config.max_lifetime,
        }
    }

    /// The judge of what this member sends: KeyPackages must be valid at `now` (KP-6;
    /// section 7.3 requires the check of a LeafNode a member sends).
    fn judge_sending(&self, now: Option<u64>) -> Judge<'_> {
        Judge {
            now,
            ..self.judge()
        }
    }

    fn check_active(&self) -> Result<()> {
        match self.status {
            GroupStatus::Active => Ok(()),
            GroupStatus::Removed => Err(Error::Misuse("this member was removed from the group")),
            GroupStatus::ReInitPending(_) => Err(Error::Misuse(
                "the group is being reinitialized: no more messages are sent in it",
            )),
        }
    }

    // ----- receiving -----------------------------------------------------------------

    /// Processes a PublicMessage or PrivateMessage of the current epoch: an application
    /// message is returned, a proposal validated and cached, a Commit validated and applied
    /// (the group moves to the next epoch). A rejected message changes nothing, not even
    /// the ratchet key of a PrivateMessage (MSG-4).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the broken rule (MSG-EPOCH for a message of another
    /// epoch), [`Error::VerificationFailed`] for a bad signature,
    /// [`Error::DecryptionFailed`] for a bad membership tag, ciphertext or confirmation tag
    /// (COMMIT-3), [`Error::Misuse`] for another kind of message, a removed member, or this
    /// member's own Commit (merge it with [`Self::merge_pending_commit`]).
    pub fn process_message(&mut self, message: &MlsMessage) -> Result<Received> {
        if let Some(index) = self.switch_point_for(message) {
            return self.process_competing_commit(message, index);
        }
        if self.status == GroupStatus::Removed {
            if self.removed_by.is_some() {
                return self.process_while_removed(message);
            }
            return Err(Error::Misuse("this member was removed from the group"));
        }
        let (content, staged) = self.unprotect(message)?;
        match &content.content.body {
            FramedContentBody::Application(data) => {
                match (content.wire_format, content.content.sender) {
                    (WireFormat::PrivateMessage, Sender::Member(sender)) => {
                        self.apply_staged(staged)?;
                        Ok(Received::Application {
                            sender,
                            data: data.clone(),
                            authenticated_data: content.content.authenticated_data.clone(),
                        })
                    }
                    _ => Err(Error::invalid(
                        crate::Rule::Msg3,
                        "application data not from a member in a PrivateMessage",
                    )),
                }
            }
            FramedContentBody::Proposal(proposal) => {
                let sender = content.content.sender;
                self.judge().check_received_proposal(proposal, &sender)?;
                let reference = proposal_ref(self.suite, &content)?;
                if self.proposals.len() >= MAX_CACHED_PROPOSALS {
                    return Err(Error::invalid(
                        crate::Rule::Cache1,
                        "too many proposals cached in this epoch (MAX_CACHED_PROPOSALS)",
                    ));
                }
                self.apply_staged(staged)?;
                self.cache_proposal(reference.clone(), proposal.clone(), sender)?;
                Ok(Received::Proposal { sender, reference })
            }
            FramedContentBody::Commit(_) => self.process_commit(&content, staged),
        }
    }

    /// Consumes the ratchet key of an accepted PrivateMessage of the current epoch (MSG-4).
    fn apply_staged(&mut self, staged: Option<StagedReceiveKey>) -> Result<()> {
        match staged {
            Some(s) => self.epoch.secret_tree.apply_staged(s),
            None => Ok(()),
        }
    }

    /// Unprotects a message with the current epoch's keys; a PrivateMessage's key
    /// consumption is returned staged (MSG-4).
    fn unprotect(
        &mut self,
        message: &MlsMessage,
    ) -> Result<(AuthenticatedContent, Option<StagedReceiveKey>)> {
        let suite = self.suite;
        match message {
            MlsMessage::PublicMessage(m) => {
                let key = sender_signature_key(&self.context, &self.tree, &m.content);
                let content = unprotect_public(
                    suite,
                    m,
                    &self.context,
                    self.epoch.secrets.membership_key.expose_secret(),
                    move |_| key,
                )?;
                Ok((content, None))
            }
            MlsMessage::PrivateMessage(m)
                if m.epoch != self.context.epoch && m.group_id == self.context.group_id =>
            {
                let (content, staged) = self.stage_past(m)?;
                self.apply_staged_past(staged)?;
                Ok((content, None))
            }
            MlsMessage::PrivateMessage(m) => {
                let tree = &self.tree;
                let cache = &mut self.signature_keys;
                let (content, staged) = unprotect_private_staged(
                    suite,
                    m,
                    &self.context,
                    self.epoch.secrets.sender_data_secret.expose_secret(),
                    &mut self.epoch.secret_tree,
                    |leaf| {
                        let encoded = tree
                            .leaf(leaf)
                            .map(|l| l.signature_key.0.as_slice())
                            .ok_or(Error::invalid(
                                crate::Rule::Msg2,
                                "a message from a blank or missing leaf",
                            ))?;
                        cache.get(suite, leaf, encoded)
                    },
                )?;
                Ok((content, Some(staged)))
            }
            MlsMessage::Welcome(_) | MlsMessage::GroupInfo(_) | MlsMessage::KeyPackage(_) => Err(
                Error::Misuse("process_message takes a PublicMessage or a PrivateMessage"),
            ),
        }
    }

    /// Unprotects an application message of a kept past epoch (MSG-5); the consumption of
    /// its key in that epoch's secret tree is returned staged (MSG-4).
    fn stage_past(
        &mut self,
        m: &crate::framing::PrivateMessage,
    ) -> Result<(AuthenticatedContent, StagedPastKey)> {
        if m.content_type != crate::types::ContentType::Application {
            return Err(Error::invalid(
                crate::Rule::MsgEpoch,
                "message for another epoch",
            ));
        }
        // Entries older than `past_epochs` may stay only as switch points (P2P-1).
        let oldest = self.past.len().saturating_sub(self.config.past_epochs);
        let i = self
            .past
            .iter()
            .position(|p| p.context.epoch == m.epoch)
            .filter(|&i| i >= oldest)
            .ok_or(Error::invalid(
                crate::Rule::Msg5,
                "a message of an epoch not kept (GroupConfig::past_epochs)",
            ))?;
        let suite = self.suite;
        let (entry, later) = self
            .past
            .make_contiguous()
            .get_mut(i..)
            .and_then(<[PastEpoch]>::split_first_mut)
            .ok_or(Error::Internal("past epoch index"))?;
        let PastEpoch {
            context,
            sender_data_secret,
            secret_tree,
            changed_keys,
            ..
        } = entry;
        let current = &self.tree;
        let epoch = context.epoch;
        let (content, key) = unprotect_private_staged(
            suite,
            m,
            context,
            sender_data_secret.expose_secret(),
            secret_tree,
            |leaf| {
                core::iter::once(&*changed_keys)
                    .chain(later.iter().map(|p| &p.changed_keys))
                    .find_map(|keys| keys.iter().find(|(l, _)| *l == leaf))
                    .map_or_else(
                        || current.leaf(leaf).map(|l| l.signature_key.0.clone()),
                        |(_, key)| key.clone(),
                    )
                    .ok_or(Error::invalid(
                        crate::Rule::Msg2,
                        "a message from a blank or missing leaf",
                    ))
            },
        )?;
        Ok((content, StagedPastKey { epoch, key }))
    }

    /// Consumes the ratchet key of an accepted application message of a past epoch.
    fn apply_staged_past(&mut self, staged: StagedPastKey) -> Result<()> {
        self.past
            .iter_mut()
            .find(|p| p.context.epoch == staged.epoch)
            .ok_or(Error::Internal("a staged past epoch is kept until applied"))?
            .secret_tree
            .apply_staged(staged.key)
    }

    /// Decrypts and verifies an application PrivateMessage of the current epoch or of a
    /// kept past epoch (MSG-5) and returns its application data, without consuming its
    /// ratchet key: the returned [`StagedApplication`] holds the group, so nothing else
    /// changes it in between, and [`StagedApplication::commit`] consumes the key (MSG-4).
    /// Dropping it leaves the group exactly as it was, so a caller can check the data (or
    /// open other layers around it) first. [`Self::process_message`] is this followed by
    /// `commit` for application messages.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a message that is not an application PrivateMessage, or a
    /// removed member; otherwise as [`Self::process_message`].
    pub fn stage_application(
        &mut self,
        message: &MlsMessage,
    ) -> Result<(Vec<u8>, StagedApplication<'_>)> {
        let MlsMessage::PrivateMessage(m) = message else {
            return Err(Error::Misuse(
                "stage_application takes an application PrivateMessage",
            ));
        };
        if m.content_type != crate::types::ContentType::Application {
            return Err(Error::Misuse(
                "stage_application takes an application PrivateMessage",
            ));
        }
        if self.status == GroupStatus::Removed {
            return Err(Error::Misuse("this member was removed from the group"));
        }
        let (content, key) = if m.epoch != self.context.epoch && m.group_id == self.context.group_id
        {
            let (content, key) = self.stage_past(m)?;
            (content, StagedKey::Past(key))
        } else {
            match self.unprotect(message)? {
                (content, Some(key)) => (content, StagedKey::Current(key)),
                (_, None) => {
                    return Err(Error::Internal(
                        "a current-epoch PrivateMessage stages its key",
                    ));
                }
            }
        };
        let (FramedContentBody::Application(data), Sender::Member(sender)) =
            (content.content.body, content.content.sender)
        else {
            return Err(Error::invalid(
                crate::Rule::Msg3,
                "application data not from a member in a PrivateMessage",
            ));
        };
        Ok((
            data,
            StagedApplication {
                group: self,
                key,
                sender,
                epoch: m.epoch,
                authenticated_data: content.content.authenticated_data,
            },
        ))
    }

    fn cache_proposal(
        &mut self,
        reference: ProposalRef,
        proposal: Proposal,
        sender: Sender,
    ) -> Result<()> {
        if self.proposals.iter().any(|p| p.reference == reference) {
            return Ok(());
        }
        if self.proposals.len() >= MAX_CACHED_PROPOSALS {
            return Err(Error::invalid(
                crate::Rule::Cache1,
                "too many proposals cached in this epoch (MAX_CACHED_PROPOSALS)",
            ));
        }
        self.proposals.push(CachedProposal {
            reference,
            proposal,
            sender,
        });
        Ok(())
    }

    // ----- sending -------------------------------------------------------------------

    fn framed(&self, body: FramedContentBody, authenticated_data: Vec<u8>) -> FramedContent {
        FramedContent {
            group_id: self.context.group_id.clone(),
            epoch: self.context.epoch,
            sender: Sender::Member(self.own_leaf()),
            authenticated_data,
            body,
        }
    }

    /// Protects signed content with the current epoch's keys.
    fn protect(
        &mut self,
        content: AuthenticatedContent,
        rng: &mut impl CryptoRng,
    ) -> Result<MlsMessage> {
        match content.wire_format {
            WireFormat::PrivateMessage => Ok(MlsMessage::PrivateMessage(protect_private(
                self.suite,
                &content,
                self.epoch.secrets.sender_data_secret.expose_secret(),
                &mut self.epoch.secret_tree,
                self.config.padding,
                rng,
            )?)),
            _ => Ok(MlsMessage::PublicMessage(protect_public(
                self.suite,
                content,
                &self.context,
                self.epoch.secrets.membership_key.expose_secret(),
            )?)),
        }
    }

    /// The wire format for handshake messages, checked.
    fn handshake_wire_format(&self) -> Result<WireFormat> {
        match self.config.handshake_wire_format {
            w @ (WireFormat::PublicMessage | WireFormat::PrivateMessage) => Ok(w),
            _ => Err(Error::Misuse(
                "handshake_wire_format must be PublicMessage or PrivateMessage",
            )),
        }
    }

    /// Sends a proposal (section 12.1) and caches it, so that this member's own Commit can
    /// cover it by reference. Returns the message and the proposal's reference.
    ///
    /// # Errors
    /// The rules of the proposal (PROP-*, KP-*, LN-*), [`Error::Misuse`] if the group is
    /// not active.
    pub fn propose(
        &mut self,
        proposal: Proposal,
        rng: &mut impl CryptoRng,
    ) -> Result<(MlsMessage, ProposalRef)> {
        self.check_active()?;
        let sender = Sender::Member(self.own_leaf());
        self.judge_sending(key_packages::system_now())
            .check_received_proposal(&proposal, &sender)?;
        let wire_format = self.handshake_wire_format()?;
        let content = self.framed(FramedContentBody::Proposal(proposal.clone()), Vec::new());
        let signed = sign_content(
            self.suite,
            wire_format,
            content,
            &self.context,
            &self.signer,
        )?;
        let reference = proposal_ref(self.suite, &signed)?;
        let message = self.protect(signed, rng)?;
        self.cache_proposal(reference.clone(), proposal, sender)?;
        Ok((message, reference))
    }

    /// Proposes adding the owner of `key_package`.
    ///
    /// # Errors
    /// As [`Self::propose`].
    pub fn propose_add(
        &mut self,
        key_package: KeyPackage,
        rng: &mut impl CryptoRng,
    ) -> Result<(MlsMessage, ProposalRef)> {
        self.propose(Proposal::Add(Add { key_package }), rng)
    }

    /// Proposes removing the member at `removed`.
    ///
    /// # Errors
    /// As [`Self::propose`].
    pub fn propose_remove(
        &mut self,
        removed: LeafIndex,
        rng: &mut impl CryptoRng,
    ) -> Result<(MlsMessage, ProposalRef)> {
        self.propose(Proposal::Remove(Remove { removed }), rng)
    }

    /// Proposes injecting the PSK `psk` (held in this member's store).
    ///
    /// # Errors
    /// As [`Self::propose`]; PSK-1 if the PSK is not held.
    pub fn propose_psk(
        &mut self,
        psk: PreSharedKeyId,
        rng: &mut impl CryptoRng,
    ) -> Result<(MlsMessage, ProposalRef)> {
        if self.psks.get(&psk).is_none() {
            return Err(Error::invalid(
                crate::Rule::Psk1,
                "a pre-shared key named by the Commit or Welcome is not available",
            ));
        }
        self.propose(Proposal::PreSharedKey(PreSharedKey { psk }), rng)
    }

    /// Proposes replacing the GroupContext extensions.
    ///
    /// # Errors
    /// As [`Self::propose`].
    pub fn propose_group_context_extensions(
        &mut self,
        extensions: Extensions,
        rng: &mut impl CryptoRng,
    ) -> Result<(MlsMessage, ProposalRef)> {
        self.propose(
            Proposal::GroupContextExtensions(GroupContextExtensions { extensions }),
            rng,
        )
    }

    /// Proposes an Update of this member's leaf (section 12.1.2): a new encryption key pair,
    /// the leaf re-signed with source `update`. The private key is kept until the epoch
    /// ends, for when another member commits the proposal.
    ///
    /// # Errors
    /// As [`Self::propose`].
    pub fn propose_update(
        &mut self,
        rng: &mut impl CryptoRng,
    ) -> Result<(MlsMessage, ProposalRef)> {
        let leaf = self.new_own_leaf(LeafNodeSourceData::Update, rng)?;
        let (leaf, private) = leaf;
        let public = leaf.encryption_key.0.clone();
        self.pending_updates.push((public.clone(), private));
        let sent = self.propose(Proposal::Update(Update { leaf_node: leaf }), rng);
        if sent.is_err() {
            self.pending_updates.retain(|(k, _)| *k != public);
        }
        sent
    }

    /// This member's leaf with a fresh encryption key pair and `source`, signed.
    fn new_own_leaf(
        &self,
        source: LeafNodeSourceData,
        rng: &mut impl CryptoRng,
    ) -> Result<(LeafNode, HpkePrivateKey)> {
        let own = self.own_leaf();
        let mut leaf = self
            .tree
            .leaf(own)
            .cloned()
            .ok_or(Error::Internal("own leaf is blank"))?;
        let (private, public) = self
            .suite
            .derive_key_pair(SecretVec::random(self.suite.hash_len(), rng).expose_secret())?;
        leaf.encryption_key = public.as_bytes().into();
        leaf.leaf_node_source = source;
        let tbs = leaf.tbs(Some((&self.context.group_id, own)))?;
        leaf.signature = self
            .suite
            .sign_with_label(&self.signer, b"LeafNodeTBS", &tbs)?;
        Ok((leaf, private))
    }

    /// Encrypts application data to the group (section 15) as a PrivateMessage.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the group is not active, a Commit of this member is pending,
    /// or proposals were received in this epoch (section 12.4: a member that has seen
    /// proposals commits before sending application data).
    pub fn send_application(
        &mut self,
        data: &[u8],
        authenticated_data: &[u8],
        rng: &mut impl CryptoRng,
    ) -> Result<MlsMessage> {
        self.check_active()?;
        if !self.proposals.is_empty() {
            return Err(Error::Misuse(
                "proposals are pending: commit them before sending application data",
            ));
        }
        let content = self.framed(
            FramedContentBody::Application(data.to_vec()),
            authenticated_data.to_vec(),
        );
        let signed = sign_content(
            self.suite,
            WireFormat::PrivateMessage,
            content,
            &self.context,
            &self.signer,
        )?;
        self.protect(signed, rng)
    }

    /// Replaces the current epoch by a new one (after a Commit verified or was merged).
    fn install_epoch(
        &mut self,
        context: GroupContext,
        keys: TreePrivateKeys,
        epoch: EpochState,
        reinit: Option<ReInit>,
        changed_keys: Vec<(LeafIndex, Option<Vec<u8>>)>,
        switch: Option<p2p::SwitchCapture>,
    ) {
        let new_epoch = context.epoch;
        self.psks.insert_resumption(
            context.group_id.clone(),
            new_epoch,
            epoch.secrets.resumption_psk.clone(),
        );
        let keep = self.config.resumption_psk_epochs.max(1);
        self.psks
            .prune_resumption(&context.group_id, new_epoch.saturating_sub(keep - 1));
        let old_context = core::mem::replace(&mut self.context, context);
        let old_keys = core::mem::replace(&mut self.keys, keys);
        let old = core::mem::replace(&mut self.epoch, epoch);
        let proposals = core::mem::take(&mut self.proposals);
        let pending_updates = core::mem::take(&mut self.pending_updates);
        // MSG-5: keep the last `past_epochs` epochs' receiving keys; delete older ones.
        // P2P-1: keep the rest of the epoch too while a concurrent Commit may replace the
        // one that ended it.
        if self.config.past_epochs > 0 || switch.is_some() {
            let sender_data_secret = old.secrets.sender_data_secret.clone();
            let (secret_tree, switch) = match switch {
                Some(capture) => (
                    old.secret_tree,
                    Some(Box::new(p2p::SwitchPoint::new(
                        capture,
                        old_keys,
                        old.secrets,
                        old.interim_transcript_hash,
                        old.confirmation_tag,
                        proposals,
                        pending_updates,
                        self.status.clone(),
                    ))),
                ),
                None => (old.secret_tree, None),
            };
            self.past.push_back(PastEpoch {
                context: old_context,
                sender_data_secret,
                secret_tree,
                changed_keys,
                switch,
            });
        }
        self.prune_past();
        self.pending_commit = None;
        self.removed_by = None;
        if let Some(r) = reinit {
            self.status = GroupStatus::ReInitPending(r);
        }
    }

    /// The secret tree of an epoch with `secrets`, for a tree of `leaves` leaves.
    fn secret_tree(&self, secrets: &EpochSecrets, leaves: u32) -> Result<SecretTree> {
        SecretTree::new(
            self.suite,
            SecretVec::from_slice(secrets.encryption_secret.expose_secret()),
            leaves,
            self.config.secret_tree_limits,
        )
    }
}

/// Resolves the proposals of a Commit from `committer` (by value, or by reference from
/// the cache; PROP-18).
fn resolve(
    cache: &[CachedProposal],
    proposals: &[crate::proposal::ProposalOrRef],
    committer: Sender,
) -> Result<Vec<ResolvedProposal>> {
    proposals
        .iter()
        .map(|p| match p {
            crate::proposal::ProposalOrRef::Proposal(proposal) => Ok(ResolvedProposal {
                proposal: (**proposal).clone(),
                sender: committer,
                reference: None,
            }),
            crate::proposal::ProposalOrRef::Reference(r) => cache
                .iter()
                .find(|c| c.reference == *r)
                .map(|c| ResolvedProposal {
                    proposal: c.proposal.clone(),
                    sender: c.sender,
                    reference: Some(r.clone()),
                })
                .ok_or(Error::invalid(
                    crate::Rule::Prop18,
                    "a proposal reference names no proposal received in this epoch",
                )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_key_cache_follows_the_leaf_key() {
        let suite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
        let mut rng = test_support::seeded_rng(91);
        let (k1, k2) = (
            suite.generate_signature_key(&mut rng),
            suite.generate_signature_key(&mut rng),
        );
        let sig2 = suite.sign_with_label(&k2, b"l", b"c").unwrap();
        let mut cache = SignatureKeyCache::default();
        let leaf = LeafIndex(3);
        let first = cache.get(suite, leaf, &k1.public_key()).unwrap();
        assert_eq!(first.as_bytes(), k1.public_key().as_slice());
        // The leaf's key changed: the new one is decoded, the old entry not used.
        let second = cache.get(suite, leaf, &k2.public_key()).unwrap();
        assert_eq!(second.as_bytes(), k2.public_key().as_slice());
        assert!(
            suite
                .verify_with_label_key(second, b"l", b"c", &sig2)
                .is_ok()
        );
        assert_eq!(
            cache.get(suite, leaf, &[0xff; 5]).err(),
            Some(Error::VerificationFailed)
        );
    }
}
