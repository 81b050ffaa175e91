//! Creating a Commit (RFC 9420 section 12.4.1) with its Welcome (12.4.3), processing one
//! (12.4.2), and merging one's own Commit once it was accepted.

use primitives::{SecretVec, rand::CryptoRng};

use crate::{
    Error, Result,
    codec::Codec,
    commit::{Commit, UpdatePath},
    extension::Extensions,
    framing::{
        AuthenticatedContent, ConfirmedTranscriptHashInput, FramedContentBody, MlsMessage, Sender,
    },
    group_context::GroupContext,
    join::{seal_group_info, seal_group_secrets, sign_group_info},
    key_schedule::EpochSecrets,
    proposal::{Proposal, ProposalOrRef, ReInit},
    transcript,
    treekem::{
        CommitSecret, PathParams, TreePrivateKeys, create_update_path, merge_update_path,
        process_update_path,
    },
    types::{CipherSuiteId, LeafIndex, Mac},
    welcome::{GroupInfo, GroupSecrets, PathSecret as WelcomePathSecret, Welcome},
};

use super::{
    EpochState, Group, GroupStatus, Received, resolve,
    validation::{
        CredentialSummary, LeafRole, ResolvedProposal, apply_list, check_leaf_self,
        check_required_capabilities, path_required,
    },
};

/// What [`Group::commit`] commits.
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Proposals committed by value (from this member).
    pub proposals: Vec<Proposal>,
    /// Whether to cover, by reference, the proposals received in this epoch (those that
    /// fit together: this member's own Updates are left out, since the path replaces them,
    /// as are Removes of this member, Updates of a member also removed, and duplicates).
    pub include_received: bool,
    /// Whether to send an UpdatePath even where none is required.
    pub force_path: bool,
    /// Whether the Welcome's GroupInfo carries the `ratchet_tree` extension (otherwise the
    /// joiners get the tree out of band, from [`Group::tree`] after the merge).
    pub ratchet_tree_in_welcome: bool,
    /// The Commit's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        Self {
            proposals: Vec::new(),
            include_received: true,
            force_path: false,
            ratchet_tree_in_welcome: true,
            authenticated_data: Vec::new(),
        }
    }
}

/// The messages of a Commit created by [`Group::commit`].
#[derive(Debug, Clone)]
pub struct CommitOutput {
    /// The Commit, protected with the current epoch's keys.
    pub commit: MlsMessage,
    /// One Welcome for all the members the Commit adds, if any.
    pub welcome: Option<MlsMessage>,
    /// The GroupInfo of the new epoch (signed; the one the Welcome carries).
    pub group_info: GroupInfo,
}

/// A Commit of this member, created and not yet merged.
pub(crate) struct PendingCommit {
    list: Vec<ResolvedProposal>,
    path: Option<UpdatePath>,
    context: GroupContext,
    keys: TreePrivateKeys,
    epoch: EpochState,
    reinit: Option<ReInit>,
}

impl core::fmt::Debug for PendingCommit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingCommit")
            .field("epoch", &self.context.epoch)
            .finish_non_exhaustive()
    }
}

/// The key schedule of a new epoch (section 8): joiner secret, epoch secrets.
fn key_schedule(
    group: &Group,
    commit_secret: &CommitSecret,
    psk_secret: &SecretVec,
    context: &GroupContext,
) -> Result<(crate::key_schedule::JoinerSecret, EpochSecrets)> {
    let suite = group.suite;
    let ctx = context.to_bytes()?;
    let joiner = group.epoch.secrets.init_secret.clone().joiner_secret(
        suite,
        commit_secret.expose_secret(),
        &ctx,
    )?;
    let secrets = joiner
        .epoch_secret(suite, psk_secret.expose_secret(), &ctx)?
        .derive(suite)?;
    Ok((joiner, secrets))
}

impl Group {
    /// Section 12.4.2 for a Commit that unprotected: see [`Self::process_message`].
    pub(super) fn process_commit(&mut self, content: &AuthenticatedContent) -> Result<Received> {
        let suite = self.suite;
        let own = self.own_leaf();
        let committer = match content.content.sender {
            Sender::Member(leaf) => leaf,
            Sender::NewMemberCommit => {
                return Err(Error::Unsupported(
                    "COMMIT-2: external Commits are not supported yet",
                ));
            }
            Sender::External(_) | Sender::NewMemberProposal => {
                return Err(Error::Invalid(
                    "COMMIT-2: a Commit from a non-member sender",
                ));
            }
        };
        if committer == own {
            return Err(Error::Misuse(
                "this member's own Commit: merge it with merge_pending_commit",
            ));
        }
        self.check_active()?;
        let FramedContentBody::Commit(commit) = &content.content.body else {
            return Err(Error::Internal("process_commit: not a Commit"));
        };
        let tag = content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(Error::Decode("Commit without confirmation tag"))?;
        let list = resolve(&self.proposals, &commit.proposals, content.content.sender)?;
        self.judge().check_commit_list(&list, committer)?;
        if path_required(&list) && commit.path.is_none() {
            return Err(Error::Invalid(
                "COMMIT-1: the Commit has no path but its proposals require one",
            ));
        }
        let new_epoch = self
            .context
            .epoch
            .checked_add(1)
            .ok_or(Error::Invalid("the epoch counter is exhausted"))?;
        let hashes = transcript::update(suite, &self.epoch.interim_transcript_hash, content)?;
        let old_leaf = self.tree.leaf(committer).cloned();
        let credentials = match (&commit.path, &old_leaf) {
            (Some(path), Some(old))
                if path.leaf_node.credential.credential_type()
                    != old.credential.credential_type()
                    || path.leaf_node.capabilities.credentials != old.capabilities.credentials =>
            {
                Some(CredentialSummary::of(&self.tree, &[committer]))
            }
            _ => None,
        };

        let mut tx = self.tree.transaction();
        let applied = apply_list(&mut tx, &list)?;
        let joiners = applied.joiner_leaves();
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let mut context = GroupContext {
            epoch: new_epoch,
            extensions,
            ..self.context.clone()
        };
        let mut keys = self.keys.clone();
        if applied.updated.contains(&own) {
            let current = tx
                .leaf(own)
                .map(|l| l.encryption_key.0.clone())
                .ok_or(Error::Internal("own updated leaf is blank"))?;
            let private = self
                .pending_updates
                .iter()
                .find(|(k, _)| *k == current)
                .map(|(_, sk)| sk.clone())
                .ok_or(Error::Invalid(
                    "a committed Update of this member that it did not propose",
                ))?;
            keys = TreePrivateKeys::new(&tx, own, private)?;
        }
        keys.retain_consistent(&tx);
        if applied.removed.contains(&own) {
            // Removed: nothing more can be derived; the group is over for this member.
            drop(tx);
            self.status = GroupStatus::Removed;
            self.proposals.clear();
            self.pending_updates.clear();
            self.pending_commit = None;
            return Ok(Received::Removed { sender: committer });
        }
        let commit_secret = match &commit.path {
            Some(path) => {
                let leaf = &path.leaf_node;
                check_leaf_self(suite, leaf, LeafRole::Commit, None)?;
                check_required_capabilities(
                    leaf,
                    context.extensions.required_capabilities()?.as_ref(),
                )?;
                if let Some(summary) = &credentials {
                    summary.check(leaf)?;
                }
                let processed =
                    process_update_path(&mut tx, &keys, committer, path, &context, &joiners)?;
                keys = processed.private_keys;
                processed.commit_secret
            }
            None => CommitSecret::zero(suite),
        };
        context.tree_hash = tx.tree_hash().to_vec();
        context.confirmed_transcript_hash = hashes.confirmed;
        let psk_secret = self.psks.psk_secret(suite, &applied.psk_ids)?;
        let ctx = context.to_bytes()?;
        let secrets = self
            .epoch
            .secrets
            .init_secret
            .clone()
            .joiner_secret(suite, commit_secret.expose_secret(), &ctx)?
            .epoch_secret(suite, psk_secret.expose_secret(), &ctx)?
            .derive(suite)?;
        // COMMIT-3.
        transcript::verify_confirmation_tag(
            suite,
            secrets.confirmation_key.expose_secret(),
            &context.confirmed_transcript_hash,
            &tag.0,
        )?;
        let secret_tree = crate::secret_tree::SecretTree::new(
            suite,
            SecretVec::from_slice(secrets.encryption_secret.expose_secret()),
            tx.leaf_count(),
            self.config.secret_tree_limits,
        )?;
        tx.commit();
        let epoch = EpochState {
            secrets,
            secret_tree,
            interim_transcript_hash: hashes.interim,
            confirmation_tag: tag.clone(),
        };
        self.install_epoch(context, keys, epoch, applied.reinit);
        Ok(Received::Commit {
            sender: committer,
            epoch: new_epoch,
        })
    }

    /// The received proposals a Commit of this member covers by reference (see
    /// [`CommitOptions::include_received`]).
    fn received_for_commit(&self) -> Vec<ResolvedProposal> {
        let own = self.own_leaf();
        let removed: Vec<LeafIndex> = self
            .proposals
            .iter()
            .filter_map(|p| match &p.proposal {
                Proposal::Remove(r) => Some(r.removed),
                _ => None,
            })
            .collect();
        let mut out: Vec<ResolvedProposal> = Vec::new();
        let mut reinit = None;
        for p in &self.proposals {
            let keep = match (&p.proposal, &p.sender) {
                (Proposal::Update(_), Sender::Member(s)) => {
                    if *s == own || removed.contains(s) {
                        false
                    } else {
                        // The most recent Update of a member wins.
                        out.retain(|q| {
                            !(matches!(q.proposal, Proposal::Update(_)) && q.sender == p.sender)
                        });
                        true
                    }
                }
                (Proposal::Update(_), _) => false,
                (Proposal::Remove(r), _) => r.removed != own
                    && !out.iter().any(
                        |q| matches!(&q.proposal, Proposal::Remove(x) if x.removed == r.removed),
                    ),
                (Proposal::Add(a), _) => !out.iter().any(|q| {
                    matches!(&q.proposal, Proposal::Add(x)
                        if x.key_package.leaf_node.signature_key
                            == a.key_package.leaf_node.signature_key)
                }),
                (Proposal::PreSharedKey(psk), _) => self.psks.get(&psk.psk).is_some()
                    && !out.iter().any(
                        |q| matches!(&q.proposal, Proposal::PreSharedKey(x) if x.psk == psk.psk),
                    ),
                (Proposal::GroupContextExtensions(_), _) => {
                    out.retain(|q| !matches!(q.proposal, Proposal::GroupContextExtensions(_)));
                    true
                }
                (Proposal::ReInit(_), _) => {
                    reinit.get_or_insert_with(|| ResolvedProposal {
                        proposal: p.proposal.clone(),
                        sender: p.sender,
                        reference: Some(p.reference.clone()),
                    });
                    false
                }
                (Proposal::ExternalInit(_), _) => false,
                (Proposal::Other { .. }, _) => true,
            };
            if keep {
                out.push(ResolvedProposal {
                    proposal: p.proposal.clone(),
                    sender: p.sender,
                    reference: Some(p.reference.clone()),
                });
            }
        }
        // A ReInit goes alone, and only if nothing else is pending (section 12.2).
        match reinit {
            Some(r) if out.is_empty() => vec![r],
            _ => out,
        }
    }

    /// Creates a Commit (section 12.4.1) covering `options.proposals` by value and, if
    /// asked, the proposals received in this epoch by reference; with an UpdatePath when
    /// required (COMMIT-1) or `options.force_path`; and one Welcome for all new members
    /// (section 12.4.3), each with the path secret of its common ancestor with this member.
    /// The next epoch is staged: merge it with [`Self::merge_pending_commit`] once the
    /// Commit is accepted, or drop it with [`Self::discard_pending_commit`].
    ///
    /// # Errors
    /// The rules of section 12.2 (PROP-*, KP-*, LN-*, PSK-1); [`Error::Misuse`] if the
    /// group is not active or a Commit is already pending. Nothing changes on error
    /// (except, for a PrivateMessage Commit, the handshake ratchet's next generation).
    pub fn commit(
        &mut self,
        options: CommitOptions,
        rng: &mut impl CryptoRng,
    ) -> Result<CommitOutput> {
        self.check_active()?;
        if self.pending_commit.is_some() {
            return Err(Error::Misuse(
                "a Commit is already pending: merge or discard it first",
            ));
        }
        let suite = self.suite;
        let own = self.own_leaf();
        let wire_format = self.handshake_wire_format()?;
        let mut list = if options.include_received {
            self.received_for_commit()
        } else {
            Vec::new()
        };
        list.extend(
            options
                .proposals
                .into_iter()
                .map(|proposal| ResolvedProposal {
                    proposal,
                    sender: Sender::Member(own),
                    reference: None,
                }),
        );
        self.judge().check_commit_list(&list, own)?;
        let with_path = path_required(&list) || options.force_path;
        let new_epoch = self
            .context
            .epoch
            .checked_add(1)
            .ok_or(Error::Misuse("the epoch counter is exhausted"))?;

        let mut tx = self.tree.transaction();
        let applied = apply_list(&mut tx, &list)?;
        let joiners = applied.joiner_leaves();
        let extensions = applied
            .extensions
            .clone()
            .unwrap_or_else(|| self.context.extensions.clone());
        let mut context = GroupContext {
            epoch: new_epoch,
            extensions,
            ..self.context.clone()
        };
        let mut keys = self.keys.clone();
        keys.retain_consistent(&tx);
        let created = if with_path {
            let template = tx.leaf(own).cloned();
            let created = create_update_path(
                &mut tx,
                own,
                &PathParams {
                    group_context: &context,
                    joiners: &joiners,
                    signer: &self.signer,
                    leaf_template: template,
                },
                rng,
            )?;
            Some(created)
        } else {
            None
        };
        context.tree_hash = tx.tree_hash().to_vec();
        let ratchet_tree = options.ratchet_tree_in_welcome.then(|| tx.to_extension());
        let leaf_count = tx.leaf_count();
        // The tree is rebuilt by merge_pending_commit; the staged epoch keeps only what
        // it needs.
        drop(tx);

        let path = created.as_ref().map(|c| c.update_path.clone());
        let commit = Commit {
            proposals: list
                .iter()
                .map(|p| match &p.reference {
                    Some(r) => ProposalOrRef::Reference(r.clone()),
                    None => ProposalOrRef::Proposal(Box::new(p.proposal.clone())),
                })
                .collect(),
            path: path.clone(),
        };
        let content = self.framed(
            FramedContentBody::Commit(commit),
            options.authenticated_data,
        );
        let mut signed = crate::protection::sign_content(
            suite,
            wire_format,
            content,
            &self.context,
            &self.signer,
        )?;
        let confirmed_input = ConfirmedTranscriptHashInput {
            wire_format,
            content: signed.content.clone(),
            signature: signed.auth.signature.clone(),
        }
        .to_bytes()?;
        context.confirmed_transcript_hash = transcript::confirmed_transcript_hash(
            suite,
            &self.epoch.interim_transcript_hash,
            &confirmed_input,
        );
        let psk_secret = self.psks.psk_secret(suite, &applied.psk_ids)?;
        let zero;
        let commit_secret = match &created {
            Some(c) => &c.commit_secret,
            None => {
                zero = CommitSecret::zero(suite);
                &zero
            }
        };
        let (joiner, secrets) = key_schedule(self, commit_secret, &psk_secret, &context)?;
        let tag = Mac(transcript::confirmation_tag(
            suite,
            secrets.confirmation_key.expose_secret(),
            &context.confirmed_transcript_hash,
        ));
        signed.auth.confirmation_tag = Some(tag.clone());
        let interim =
            transcript::interim_transcript_hash(suite, &context.confirmed_transcript_hash, &tag.0)?;

        // The GroupInfo and the Welcome (section 12.4.3).
        let mut info_extensions = Extensions::empty();
        if let Some(tree) = &ratchet_tree {
            info_extensions.set_typed(tree)?;
        }
        let mut group_info = GroupInfo {
            group_context: context.clone(),
            extensions: info_extensions,
            confirmation_tag: tag.clone(),
            signer: own,
            signature: Vec::new(),
        };
        sign_group_info(suite, &mut group_info, &self.signer)?;
        let welcome = if applied.joiners.is_empty() {
            None
        } else {
            let encrypted_group_info =
                seal_group_info(suite, &group_info, &joiner, psk_secret.expose_secret())?;
            let mut secrets_list = Vec::with_capacity(applied.joiners.len());
            for (leaf, kp) in &applied.joiners {
                let path_secret =
                    created
                        .as_ref()
                        .and_then(|c| c.path_secret_for(*leaf))
                        .map(|s| WelcomePathSecret {
                            path_secret: SecretVec::from_slice(s.expose_secret()),
                        });
                let group_secrets = GroupSecrets {
                    joiner_secret: SecretVec::from_slice(joiner.expose_secret()),
                    path_secret,
                    psks: applied.psk_ids.clone(),
                };
                secrets_list.push(seal_group_secrets(
                    suite,
                    kp,
                    &group_secrets,
                    &encrypted_group_info,
                    rng,
                )?);
            }
            Some(MlsMessage::Welcome(Welcome {
                cipher_suite: CipherSuiteId(suite.id()),
                secrets: secrets_list,
                encrypted_group_info,
            }))
        };

        let secret_tree = self.secret_tree(&secrets, leaf_count)?;
        let message = self.protect(signed, rng)?;
        let keys = match created {
            Some(c) => c.private_keys,
            None => keys,
        };
        self.pending_commit = Some(PendingCommit {
            list,
            path,
            context,
            keys,
            epoch: EpochState {
                secrets,
                secret_tree,
                interim_transcript_hash: interim,
                confirmation_tag: tag,
            },
            reinit: applied.reinit,
        });
        Ok(CommitOutput {
            commit: message,
            welcome,
            group_info,
        })
    }

    /// Moves to the epoch of this member's pending Commit (after the delivery service or
    /// the peers accepted it): replays its proposals and UpdatePath on the tree and swaps
    /// in the staged secrets.
    ///
    /// # Errors
    /// [`Error::Misuse`] if no Commit is pending; [`Error::Internal`] if the replay does
    /// not reproduce the staged tree (the pending Commit is kept).
    pub fn merge_pending_commit(&mut self) -> Result<u64> {
        let own = self.own_leaf();
        let pending = self
            .pending_commit
            .as_ref()
            .ok_or(Error::Misuse("no Commit is pending"))?;
        let mut tx = self.tree.transaction();
        let applied = apply_list(&mut tx, &pending.list)?;
        if let Some(path) = &pending.path {
            merge_update_path(
                &mut tx,
                own,
                path,
                &self.context.group_id,
                &applied.joiner_leaves(),
            )?;
        }
        if tx.tree_hash() != pending.context.tree_hash.as_slice() {
            return Err(Error::Internal(
                "merge_pending_commit: the replayed tree differs from the staged one",
            ));
        }
        tx.commit();
        let pending = self
            .pending_commit
            .take()
            .ok_or(Error::Internal("pending commit vanished"))?;
        let epoch = pending.context.epoch;
        self.install_epoch(pending.context, pending.keys, pending.epoch, pending.reinit);
        Ok(epoch)
    }

    /// Drops this member's pending Commit (it was rejected, or another Commit won).
    pub fn discard_pending_commit(&mut self) {
        self.pending_commit = None;
    }
}
