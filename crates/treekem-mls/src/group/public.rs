//! The public view of a group (RFC 9420 sections 6.2, 12.4.2, 12.4.3.1; the delivery
//! service's view of section 16.x): the GroupContext, the ratchet tree and the interim
//! transcript hash, tracked from PublicMessage proposals and Commits without any secret.
//!
//! ```text
//!   GroupInfo (signature verified) + ratchet tree (WEL-1..WEL-4, TREE-*, PH-1)
//!                     |
//!                     v
//!   PublicGroup (epoch n): GroupContext, RatchetTree, interim_transcript_hash, proposals
//!     | PublicMessage(Proposal) -> signature, 12.1 rules, cached by ProposalRef
//!     | PublicMessage(Commit)   -> signature, 12.2 rules, COMMIT-1, XC-* (external),
//!     |                            proposals applied (12.3), UpdatePath merged without
//!     |                            decrypting (UP-*, PH-2, LN-*), transcript hashes
//!     v
//!   epoch n+1
//! ```
//!
//! **What it cannot check.** It holds no epoch secret, so it verifies neither the
//! membership tag of a PublicMessage (`membership_key`) nor a Commit's confirmation tag
//! (`confirmation_key`, COMMIT-3), nor whether a PreSharedKey proposal's PSK exists
//! (PSK-1), nor that an UpdatePath's ciphertexts decrypt. A Commit from an insider that
//! passes every public check but carries a wrong confirmation tag or undecryptable path is
//! accepted here and rejected by the members; the delivery service then diverges from the
//! group, and should re-sync from a member's GroupInfo. PrivateMessages cannot be read at
//! all. Everything else a member checks on a Commit is checked here with the same code
//! (the shared steps of `commit.rs` and `external.rs`), and a rejected message changes
//! nothing.

use crate::{
    Error, Result,
    extension::RatchetTreeExtension,
    framing::{AuthenticatedContent, FramedContentBody, MlsMessage, Sender},
    group_context::GroupContext,
    proposal::ReInit,
    protection::verify_content,
    suite::CipherSuite,
    transcript,
    tree::RatchetTree,
    treekem::merge_update_path,
    types::{ContentType, LeafIndex, WireFormat},
    welcome::GroupInfo,
};

use super::{
    CachedProposal, MAX_CACHED_PROPOSALS, Received,
    commit::{RegularChecked, check_path_leaf, check_regular_commit},
    external::{ExternalChecked, check_external_commit, checked_tree},
    proposal_ref, sender_signature_key,
    validation::{Judge, apply_list},
};

/// A group as a delivery service sees it: public state only; see the module
/// documentation.
pub struct PublicGroup {
    suite: CipherSuite,
    context: GroupContext,
    tree: RatchetTree,
    interim_transcript_hash: Vec<u8>,
    proposals: Vec<CachedProposal>,
    reinit: Option<ReInit>,
}

impl core::fmt::Debug for PublicGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PublicGroup")
            .field("suite", &self.suite)
            .field("epoch", &self.context.epoch)
            .field("members", &self.tree.member_count())
            .finish_non_exhaustive()
    }
}

impl PublicGroup {
    /// The public view from a GroupInfo and its ratchet tree (in the GroupInfo's
    /// `ratchet_tree` extension, or `ratchet_tree`): the joiner's checks of the GroupInfo
    /// and the tree (WEL-1 to WEL-4: suite and version, tree present, tree hash, signer's
    /// signature; the tree's validity and parent hashes).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the rule, [`Error::VerificationFailed`] for a bad
    /// signature.
    pub fn from_group_info(
        suite: CipherSuite,
        info: &GroupInfo,
        ratchet_tree: Option<&RatchetTreeExtension>,
    ) -> Result<Self> {
        let tree = checked_tree(suite, info, ratchet_tree)?;
        let interim_transcript_hash = transcript::interim_transcript_hash(
            suite,
            &info.group_context.confirmed_transcript_hash,
            &info.confirmation_tag.0,
        )?;
        Ok(Self {
            suite,
            context: info.group_context.clone(),
            tree,
            interim_transcript_hash,
            proposals: Vec::new(),
            reinit: None,
        })
    }

    /// The current GroupContext.
    pub const fn context(&self) -> &GroupContext {
        &self.context
    }

    /// The current epoch.
    pub const fn epoch(&self) -> u64 {
        self.context.epoch
    }

    /// The ratchet tree of the current epoch.
    pub const fn tree(&self) -> &RatchetTree {
        &self.tree
    }

    /// The interim transcript hash of the current epoch (section 8.2).
    pub fn interim_transcript_hash(&self) -> &[u8] {
        &self.interim_transcript_hash
    }

    /// The ReInit a Commit covered, if any (section 11.2: no further Commit is valid).
    pub const fn reinit(&self) -> Option<&ReInit> {
        self.reinit.as_ref()
    }

    fn judge(&self) -> Judge<'_> {
        Judge {
            suite: self.suite,
            context: &self.context,
            tree: &self.tree,
            psks: None,
            initial_psk_usage: None,
            now: None,
            max_lifetime: u64::MAX,
        }
    }

    /// Processes a PublicMessage of the current epoch: a proposal is validated and cached,
    /// a Commit validated and applied (the view moves to the next epoch). The signature is
    /// verified; the membership and confirmation tags cannot be (see the module
    /// documentation). A rejected message changes nothing.
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the broken rule (MSG-EPOCH, PUB-APP, MSG-2, PROP-*,
    /// COMMIT-1, XC-*, UP-*, PH-*, LN-*, TREE-*), [`Error::VerificationFailed`] for a bad
    /// signature, [`Error::Decode`] for a malformed message, [`Error::Misuse`] for a
    /// PrivateMessage or another kind of message, or after a ReInit.
    pub fn process_message(&mut self, message: &MlsMessage) -> Result<Received> {
        let MlsMessage::PublicMessage(m) = message else {
            return Err(Error::Misuse(
                "a PublicGroup processes PublicMessages only (it holds no keys)",
            ));
        };
        let content = &m.content;
        if content.group_id != self.context.group_id {
            return Err(Error::invalid(
                crate::Rule::MsgEpoch,
                "message for another group",
            ));
        }
        if content.epoch != self.context.epoch {
            return Err(Error::invalid(
                crate::Rule::MsgEpoch,
                "message for another epoch",
            ));
        }
        if content.content_type() == ContentType::Application {
            return Err(Error::invalid(
                crate::Rule::PubApp,
                "application data is never sent as a PublicMessage",
            ));
        }
        m.check_shape()
            .map_err(|_| Error::Decode("PublicMessage"))?;
        let key = sender_signature_key(&self.context, &self.tree, content)?;
        let authenticated = AuthenticatedContent {
            wire_format: WireFormat::PublicMessage,
            content: m.content.clone(),
            auth: m.auth.clone(),
        };
        verify_content(self.suite, &authenticated, &self.context, &key)?;
        match &authenticated.content.body {
            FramedContentBody::Proposal(proposal) => {
                let sender = authenticated.content.sender;
                self.judge().check_received_proposal(proposal, &sender)?;
                let reference = proposal_ref(self.suite, &authenticated)?;
                if !self.proposals.iter().any(|p| p.reference == reference) {
                    if self.proposals.len() >= MAX_CACHED_PROPOSALS {
                        return Err(Error::invalid(
                            crate::Rule::Cache1,
                            "too many proposals cached in this epoch (MAX_CACHED_PROPOSALS)",
                        ));
                    }
                    self.proposals.push(CachedProposal {
                        reference: reference.clone(),
                        proposal: proposal.clone(),
                        sender,
                    });
                }
                Ok(Received::Proposal { sender, reference })
            }
            FramedContentBody::Commit(_) => self.process_commit(&authenticated),
            FramedContentBody::Application(_) => Err(Error::invalid(
                crate::Rule::PubApp,
                "application data is never sent as a PublicMessage",
            )),
        }
    }

    /// Section 12.4.2 without secrets.
    fn process_commit(&mut self, content: &AuthenticatedContent) -> Result<Received> {
        if self.reinit.is_some() {
            return Err(Error::Misuse(
                "a ReInit was committed: the group takes no more Commits",
            ));
        }
        let FramedContentBody::Commit(commit) = &content.content.body else {
            return Err(Error::Internal("process_commit: not a Commit"));
        };
        if content.auth.confirmation_tag.is_none() {
            return Err(Error::Decode("Commit without confirmation tag"));
        }
        // The checks before the tree changes, shared with members.
        let (committer, list, credentials, path) = match content.content.sender {
            Sender::Member(committer) => {
                let RegularChecked { list, credentials } =
                    check_regular_commit(&self.judge(), &self.proposals, commit, committer)?;
                (Some(committer), list, credentials, commit.path.as_ref())
            }
            Sender::NewMemberCommit => {
                let ExternalChecked { path, list, .. } =
                    check_external_commit(&self.judge(), commit)?;
                (None, list, None, Some(path))
            }
            Sender::External(_) | Sender::NewMemberProposal => {
                return Err(Error::invalid(
                    crate::Rule::Commit2,
                    "a Commit from a non-member sender",
                ));
            }
        };
        let new_epoch = self.context.epoch.checked_add(1).ok_or(Error::invalid(
            crate::Rule::Epoch1,
            "the epoch counter is exhausted",
        ))?;
        let hashes = transcript::update(self.suite, &self.interim_transcript_hash, content)?;

        let mut tx = self.tree.transaction();
        let applied = apply_list(&mut tx, &list)?;
        let (committer, joiners): (LeafIndex, Vec<LeafIndex>) = match committer {
            Some(c) => (c, applied.joiner_leaves()),
            None => (tx.reserve_external_leaf()?, Vec::new()),
        };
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let mut context = GroupContext {
            epoch: new_epoch,
            extensions,
            ..self.context.clone()
        };
        if let Some(path) = path {
            check_path_leaf(self.suite, &path.leaf_node, &context, credentials.as_ref())?;
            merge_update_path(&mut tx, committer, path, &context.group_id, &joiners)?;
        }
        context.tree_hash = tx.tree_hash().to_vec();
        context.confirmed_transcript_hash = hashes.confirmed;
        tx.commit();
        self.context = context;
        self.interim_transcript_hash = hashes.interim;
        self.proposals.clear();
        self.reinit = applied.reinit;
        Ok(Received::Commit {
            sender: committer,
            epoch: new_epoch,
        })
    }
}
