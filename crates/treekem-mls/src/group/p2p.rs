//! Concurrent Commits without a server (issue 7, "peer to peer"; RFC 9420 section 14 leaves
//! the choice among concurrent Commits to the application): a deterministic rule every
//! member applies on its own, and the state kept to switch to the winner.
//!
//! ```text
//! tiebreak(C) = RefHash("MLS 1.0 Commit Tiebreak", AuthenticatedContent(C))
//!
//!  epoch n ──C_a──> n+1 (applied first)        a Commit C_b for epoch n arrives later:
//!     │                                        tiebreak(C_b) <  tiebreak(C_a): rewind to n,
//!     └── switch point kept                        apply C_b (Received::CommitSwitched)
//!         (tree, private keys, secrets,        tiebreak(C_b) >= tiebreak(C_a): nothing
//!          proposal cache) for                     changes (Received::CommitLost)
//!          GroupConfig::p2p_window epochs
//! ```
//!
//! The tiebreak is computed over the AuthenticatedContent (wire format, FramedContent,
//! signature and confirmation tag) after unprotecting, so it is the same for every member
//! whether the Commit came as a PublicMessage or a PrivateMessage; the lowest
//! (lexicographic byte order) wins.
//!
//! | id | rule |
//! |---|---|
//! | P2P-1 | among the valid Commits for epoch n a member has seen, the one with the lowest tiebreak wins; a member at epoch n+k (k <= `p2p_window`) that receives a Commit for epoch n with a lower tiebreak than the one it applied rolls back to epoch n and applies it |
//! | P2P-2 | a switch is atomic: if the winning candidate is rejected, the member stays where it was (MSG-4) |
//! | P2P-3 | a member whose own Commit (pending, or merged and later rolled back) loses discards it and offers its by-value proposals in [`super::Group::proposals_to_reissue`] |
//! | P2P-4 | a member removed by a Commit that later loses is restored by the winner (if the winner keeps it) |
//!
//! Cost: the ratchet tree is never copied. A switch point keeps the undo log of the
//! Commit's tree transaction ([`TreeUndo`], the nodes it replaced: O(what the Commit
//! changed), O(log n) for a Commit without Adds or Removes); switching reverts the logs of
//! the epochs in between, newest first, checks that the tree hash is the switch point's
//! epoch's, and keeps the log of the revert to redo it if the competing Commit is
//! rejected (P2P-2). The other state (private keys, epoch secrets, secret tree, proposal
//! cache) is moved, not copied. With the default `p2p_window = 0` nothing is kept.

use crate::{
    Result,
    codec::Codec,
    framing::{AuthenticatedContent, FramedContentBody, MlsMessage},
    key_schedule::EpochSecrets,
    proposal::Proposal,
    suite::CipherSuite,
    tree::{RatchetTree, TreeTransaction, TreeUndo},
    treekem::TreePrivateKeys,
    types::{ContentType, Mac},
};

use super::{
    CachedProposal, EpochState, Group, GroupStatus, PastEpoch, Received, commit::PendingCommit,
};

/// `RefHash("MLS 1.0 Commit Tiebreak", AuthenticatedContent)`: the lowest wins (P2P-1).
///
/// # Errors
/// As [`CipherSuite::ref_hash`] and encoding.
pub fn commit_tiebreak(suite: CipherSuite, content: &AuthenticatedContent) -> Result<Vec<u8>> {
    suite.ref_hash(b"MLS 1.0 Commit Tiebreak", &content.to_bytes()?)
}

/// What an epoch transition keeps to be undone.
pub(super) struct SwitchCapture {
    /// The log of the Commit's tree transaction ([`Self::commit_tree`]).
    pub(super) undo: TreeUndo,
    pub(super) tiebreak: Vec<u8>,
    /// This member's by-value proposals, if the Commit is its own.
    pub(super) own_proposals: Vec<Proposal>,
}

impl SwitchCapture {
    /// Commits a Commit's tree transaction, keeping its undo log in `capture` if switch
    /// points are kept.
    pub(super) fn commit_tree(capture: &mut Option<Self>, tx: TreeTransaction<'_>) {
        match capture {
            Some(c) => c.undo = tx.commit_undoable(),
            None => tx.commit(),
        }
    }
}

/// The state of epoch n kept beside its [`PastEpoch`] entry after a Commit moved the group
/// on, so that a Commit for epoch n with a lower tiebreak can replace it (P2P-1).
pub(super) struct SwitchPoint {
    /// Reverts the tree from the next epoch to this one.
    pub(super) undo: TreeUndo,
    pub(super) keys: TreePrivateKeys,
    pub(super) secrets: EpochSecrets,
    pub(super) interim_transcript_hash: Vec<u8>,
    pub(super) confirmation_tag: Mac,
    pub(super) proposals: Vec<CachedProposal>,
    pub(super) pending_updates: Vec<(Vec<u8>, primitives::HpkePrivateKey)>,
    pub(super) status: GroupStatus,
    pub(super) tiebreak: Vec<u8>,
    pub(super) own_proposals: Vec<Proposal>,
}

impl SwitchPoint {
    /// The switch point of the epoch being left, from its parts.
    #[allow(clippy::too_many_arguments, reason = "the parts of an epoch, moved in")]
    pub(super) fn new(
        capture: SwitchCapture,
        keys: TreePrivateKeys,
        secrets: EpochSecrets,
        interim_transcript_hash: Vec<u8>,
        confirmation_tag: Mac,
        proposals: Vec<CachedProposal>,
        pending_updates: Vec<(Vec<u8>, primitives::HpkePrivateKey)>,
        status: GroupStatus,
    ) -> Self {
        Self {
            undo: capture.undo,
            keys,
            secrets,
            interim_transcript_hash,
            confirmation_tag,
            proposals,
            pending_updates,
            status,
            tiebreak: capture.tiebreak,
            own_proposals: capture.own_proposals,
        }
    }
}

/// The current state set aside while a switch is tried (P2P-2).
struct Rewound {
    index: usize,
    context: crate::group_context::GroupContext,
    /// Redoes the revert of the tree to the switch point's epoch.
    redo: TreeUndo,
    /// The switch point's own log, for its entry if the switch is undone.
    undo: TreeUndo,
    keys: TreePrivateKeys,
    epoch: EpochState,
    proposals: Vec<CachedProposal>,
    pending_updates: Vec<(Vec<u8>, primitives::HpkePrivateKey)>,
    pending_commit: Option<PendingCommit>,
    status: GroupStatus,
    removed_by: Option<Vec<u8>>,
    /// The past entries after the switch point (the abandoned branch).
    tail: Vec<PastEpoch>,
    /// What the switch point's entry keeps besides the restored state.
    sender_data_secret: primitives::SecretVec,
    changed_keys: Vec<(crate::types::LeafIndex, Option<Vec<u8>>)>,
    tiebreak: Vec<u8>,
    own_proposals: Vec<Proposal>,
}

/// Checks, for a loaded state, that the switch points' undo logs lead the tree back
/// through the tree hashes of their epochs, newest first; the tree is left as it was.
/// Switch points are kept for the newest epochs only, so they form a suffix of `past`.
///
/// # Errors
/// [`crate::Error::Decode`] if a log does not fit or reaches another tree, or a switch point
/// sits behind an epoch without one.
pub(super) fn check_switch_logs(
    tree: &mut RatchetTree,
    past: &std::collections::VecDeque<PastEpoch>,
) -> Result<()> {
    const BAD: crate::Error =
        crate::Error::Decode("a persisted switch point does not lead back to its epoch");
    let mut tx = tree.transaction();
    let mut suffix = true;
    for p in past.iter().rev() {
        match (&p.switch, suffix) {
            (Some(s), true) => {
                tx.revert(&s.undo).map_err(|_| BAD)?;
                if tx.tree_hash() != p.context.tree_hash.as_slice() {
                    return Err(BAD);
                }
            }
            (Some(_), false) => return Err(BAD),
            (None, _) => suffix = false,
        }
    }
    Ok(())
}

impl Group {
    /// Ends the window of concurrent Commits: the kept switch points are dropped (the
    /// application knows every member has moved on), and past epochs beyond
    /// [`super::GroupConfig::past_epochs`] deleted.
    pub fn settle(&mut self) {
        for p in &mut self.past {
            p.switch = None;
        }
        self.removed_by = None;
        self.prune_past();
    }

    /// The by-value proposals of this member's own Commits that lost to a concurrent
    /// Commit (P2P-3), to be proposed or committed again in the new epoch. By-reference
    /// proposals of a lost Commit came from other members, who re-propose them; joiners
    /// Welcomed by a lost Commit must be added again (their Welcome leads to an abandoned
    /// epoch).
    pub fn proposals_to_reissue(&self) -> &[Proposal] {
        &self.reissue
    }

    /// Takes [`Self::proposals_to_reissue`], leaving it empty.
    pub fn take_proposals_to_reissue(&mut self) -> Vec<Proposal> {
        core::mem::take(&mut self.reissue)
    }

    /// Whether switch points are kept for concurrent Commits.
    pub(super) const fn p2p(&self) -> bool {
        self.config.p2p_window > 0
    }

    /// Takes what is needed to undo the next epoch transition, if switch points are kept.
    pub(super) fn capture(
        &self,
        content: &AuthenticatedContent,
        own_proposals: Vec<Proposal>,
    ) -> Result<Option<SwitchCapture>> {
        if !self.p2p() {
            return Ok(None);
        }
        Ok(Some(SwitchCapture {
            undo: TreeUndo::default(),
            tiebreak: commit_tiebreak(self.suite, content)?,
            own_proposals,
        }))
    }

    /// Drops switch points older than `p2p_window` epochs and past epochs beyond
    /// `past_epochs` that hold no switch point.
    pub(super) fn prune_past(&mut self) {
        let len = self.past.len();
        let window = self.config.p2p_window;
        for (i, p) in self.past.iter_mut().enumerate() {
            if len - i > window {
                p.switch = None;
            }
        }
        while self.past.len() > self.config.past_epochs
            && self.past.front().is_some_and(|p| p.switch.is_none())
        {
            self.past.pop_front();
        }
    }

    /// The index in `past` of the switch point of the epoch of `message`, if it is a
    /// Commit for an earlier epoch of this group that a switch point is kept for.
    pub(super) fn switch_point_for(&self, message: &MlsMessage) -> Option<usize> {
        let (group_id, epoch) = match message {
            MlsMessage::PublicMessage(m)
                if matches!(m.content.body, FramedContentBody::Commit(_)) =>
            {
                (&m.content.group_id, m.content.epoch)
            }
            MlsMessage::PrivateMessage(m) if m.content_type == ContentType::Commit => {
                (&m.group_id, m.epoch)
            }
            _ => return None,
        };
        if *group_id != self.context.group_id || epoch >= self.context.epoch {
            return None;
        }
        self.past
            .iter()
            .position(|p| p.context.epoch == epoch && p.switch.is_some())
    }

    /// P2P-1, P2P-2: a Commit for the epoch of switch point `index`.
    pub(super) fn process_competing_commit(
        &mut self,
        message: &MlsMessage,
        index: usize,
    ) -> Result<Received> {
        let abandoned_epoch = self.context.epoch;
        let Some(rewound) = self.rewind(index)? else {
            return Err(crate::Error::Internal("switch point vanished"));
        };
        let attempt = (|| {
            let (content, staged) = self.unprotect(message)?;
            if !matches!(content.content.body, FramedContentBody::Commit(_)) {
                return Err(crate::Error::Internal("switch: not a Commit"));
            }
            if commit_tiebreak(self.suite, &content)? >= rewound.tiebreak {
                return Ok(None);
            }
            self.process_commit(&content, staged).map(Some)
        })();
        match attempt {
            Ok(Some(received)) => {
                let epoch = self.context.epoch;
                self.psks
                    .remove_resumption_after(&self.context.group_id, epoch);
                let Rewound {
                    tail,
                    own_proposals,
                    ..
                } = rewound;
                self.reissue.extend(own_proposals);
                for p in tail {
                    if let Some(s) = p.switch {
                        self.reissue.extend(s.own_proposals);
                    }
                }
                Ok(match received {
                    Received::Commit { sender, epoch } => Received::CommitSwitched {
                        sender,
                        epoch,
                        abandoned_epoch,
                    },
                    other => other,
                })
            }
            Ok(None) => {
                let epoch = self.context.epoch.saturating_add(1);
                self.unrewind(rewound)?;
                Ok(Received::CommitLost { epoch })
            }
            Err(e) => {
                self.unrewind(rewound)?;
                Err(e)
            }
        }
    }

    /// Moves the current state aside and restores the epoch of switch point `index`: the
    /// tree by reverting the logs of the switch points from the newest to `index`.
    ///
    /// # Errors
    /// [`crate::Error::Internal`] if the reverted tree is not that epoch's (nothing changed).
    fn rewind(&mut self, index: usize) -> Result<Option<Rewound>> {
        let kept = self.past.iter().skip(index);
        if index >= self.past.len() || kept.clone().any(|p| p.switch.is_none()) {
            return Ok(None);
        }
        let mut tx = self.tree.transaction();
        for s in kept.rev().filter_map(|p| p.switch.as_ref()) {
            tx.revert(&s.undo)?;
        }
        let reached = self
            .past
            .get(index)
            .is_some_and(|p| tx.tree_hash() == p.context.tree_hash.as_slice());
        if !reached {
            return Err(crate::Error::Internal(
                "switch: the reverted tree is not the epoch's",
            ));
        }
        let redo = tx.commit_undoable();
        let tail: Vec<PastEpoch> = self.past.drain(index.saturating_add(1)..).collect();
        let Some(entry) = self.past.pop_back() else {
            return Err(crate::Error::Internal("switch point vanished"));
        };
        let PastEpoch {
            context,
            sender_data_secret,
            secret_tree,
            changed_keys,
            switch,
        } = entry;
        let Some(s) = switch.map(|s| *s) else {
            return Err(crate::Error::Internal("switch point vanished"));
        };
        let epoch = EpochState {
            secrets: s.secrets,
            secret_tree,
            interim_transcript_hash: s.interim_transcript_hash,
            confirmation_tag: s.confirmation_tag,
        };
        Ok(Some(Rewound {
            index,
            context: core::mem::replace(&mut self.context, context),
            redo,
            undo: s.undo,
            keys: core::mem::replace(&mut self.keys, s.keys),
            epoch: core::mem::replace(&mut self.epoch, epoch),
            proposals: core::mem::replace(&mut self.proposals, s.proposals),
            pending_updates: core::mem::replace(&mut self.pending_updates, s.pending_updates),
            pending_commit: self.pending_commit.take(),
            status: core::mem::replace(&mut self.status, s.status),
            removed_by: self.removed_by.take(),
            tail,
            sender_data_secret,
            changed_keys,
            tiebreak: s.tiebreak,
            own_proposals: s.own_proposals,
        }))
    }

    /// Undoes [`Self::rewind`] (the restored epoch is unchanged: a rejected Commit changes
    /// nothing).
    ///
    /// # Errors
    /// [`crate::Error::Internal`] if the redo log does not fit (it was recorded on this tree
    /// by [`Self::rewind`], so it does).
    fn unrewind(&mut self, r: Rewound) -> Result<()> {
        self.tree.revert(&r.redo)?;
        let epoch = core::mem::replace(&mut self.epoch, r.epoch);
        let switch = SwitchPoint {
            undo: r.undo,
            keys: core::mem::replace(&mut self.keys, r.keys),
            secrets: epoch.secrets,
            interim_transcript_hash: epoch.interim_transcript_hash,
            confirmation_tag: epoch.confirmation_tag,
            proposals: core::mem::replace(&mut self.proposals, r.proposals),
            pending_updates: core::mem::replace(&mut self.pending_updates, r.pending_updates),
            status: core::mem::replace(&mut self.status, r.status),
            tiebreak: r.tiebreak,
            own_proposals: r.own_proposals,
        };
        let entry = PastEpoch {
            context: core::mem::replace(&mut self.context, r.context),
            sender_data_secret: r.sender_data_secret,
            secret_tree: epoch.secret_tree,
            changed_keys: r.changed_keys,
            switch: Some(Box::new(switch)),
        };
        self.pending_commit = r.pending_commit;
        self.removed_by = r.removed_by;
        debug_assert_eq!(self.past.len(), r.index);
        self.past.push_back(entry);
        self.past.extend(r.tail);
        Ok(())
    }
}

impl Group {
    /// P2P-4: a member removed by a Commit that may still lose processes a competing
    /// Commit of the same epoch; every other message is refused as before.
    pub(super) fn process_while_removed(&mut self, message: &MlsMessage) -> Result<Received> {
        let Some(removed_by) = self.removed_by.clone() else {
            return Err(crate::Error::Misuse(
                "this member was removed from the group",
            ));
        };
        let epoch = self.context.epoch;
        self.status = GroupStatus::Active;
        let attempt = (|| {
            let (content, staged) = self.unprotect(message)?;
            if !matches!(content.content.body, FramedContentBody::Commit(_)) {
                return Err(crate::Error::Misuse(
                    "this member was removed from the group",
                ));
            }
            if commit_tiebreak(self.suite, &content)? >= removed_by {
                return Ok(None);
            }
            self.process_commit(&content, staged).map(Some)
        })();
        match attempt {
            Ok(Some(Received::Commit { sender, epoch: new }))
            | Ok(Some(Received::CommitSwitched {
                sender, epoch: new, ..
            })) => Ok(Received::CommitSwitched {
                sender,
                epoch: new,
                abandoned_epoch: epoch,
            }),
            Ok(Some(other)) => Ok(other),
            Ok(None) => {
                self.status = GroupStatus::Removed;
                Ok(Received::CommitLost {
                    epoch: epoch.saturating_add(1),
                })
            }
            Err(e) => {
                self.status = GroupStatus::Removed;
                Err(e)
            }
        }
    }
}
