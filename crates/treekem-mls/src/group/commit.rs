//! Creating a Commit (RFC 9420 section 12.4.1) with its Welcome (12.4.3), processing one
//! (12.4.2), and merging one's own Commit once it was accepted.

use primitives::{
    SecretBytes, SecretVec,
    rand::{CryptoRng, SeededRng},
};

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
    key_package::KeyPackage,
    key_schedule::EpochSecrets,
    proposal::{Proposal, ProposalOrRef, ReInit},
    suite::CipherSuite,
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
    /// as are Removes of this member, Updates of a member also removed, duplicates, and
    /// Adds of KeyPackages outside their lifetime at [`Self::now`]).
    pub include_received: bool,
    /// Whether to send an UpdatePath even where none is required.
    pub force_path: bool,
    /// Whether the Welcome's GroupInfo carries the `ratchet_tree` extension (otherwise the
    /// joiners get the tree out of band, from [`Group::tree`] after the merge). Without
    /// joiners there is no Welcome and the tree is never included.
    pub ratchet_tree_in_welcome: bool,
    /// The Commit's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
    /// The time (seconds since the Unix epoch) every KeyPackage the Commit adds must be
    /// within the lifetime of (KP-6; section 7.3 requires the check of what a member
    /// sends). `None`, the default, reads the system clock, where the target has one; on
    /// `wasm32-unknown-unknown`, which has none, give it here or nothing is checked.
    pub now: Option<u64>,
}

impl Default for CommitOptions {
    fn default() -> Self {
        Self {
            proposals: Vec::new(),
            include_received: true,
            force_path: false,
            ratchet_tree_in_welcome: true,
            authenticated_data: Vec::new(),
            now: None,
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
    /// The GroupInfo of the new epoch (signed; the one the Welcome carries). It has the
    /// `ratchet_tree` extension only with a Welcome and
    /// [`CommitOptions::ratchet_tree_in_welcome`]; for an external joiner's GroupInfo with
    /// the tree, use [`Group::group_info`] after the merge.
    pub group_info: GroupInfo,
}

/// A Commit of this member, created and not yet merged.
pub(crate) struct PendingCommit {
    pub(super) list: Vec<ResolvedProposal>,
    pub(super) path: Option<UpdatePath>,
    pub(super) context: GroupContext,
    pub(super) keys: TreePrivateKeys,
    pub(super) epoch: EpochState,
    pub(super) reinit: Option<ReInit>,
    /// Its tiebreak (P2P-1).
    pub(super) tiebreak: Vec<u8>,
}

impl PendingCommit {
    /// The proposals it covers by value (P2P-3).
    fn own_proposals(&self) -> Vec<Proposal> {
        self.list
            .iter()
            .filter(|p| p.reference.is_none())
            .map(|p| p.proposal.clone())
            .collect()
    }
}

impl core::fmt::Debug for PendingCommit {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PendingCommit")
            .field("epoch", &self.context.epoch)
            .finish_non_exhaustive()
    }
}

/// The fewest Welcome encryptions worth a thread of their own: each is an HPKE encryption
/// (two X25519 scalar multiplications for suite 1, about 45 µs), and each thread's run also
/// hashes the whole `encrypted_group_info` (with the ratchet tree, some 200 bytes a member)
/// once, so eight are some ten times the cost of starting a thread.
const WELCOME_SEALS_PER_THREAD: usize = 8;

/// One joiner's GroupSecrets to encrypt to its init key, with its own randomness.
struct WelcomeEncryption<'a> {
    key_package: &'a KeyPackage,
    secrets: GroupSecrets,
    /// Seeds the encryption's [`SeededRng`].
    seed: SecretBytes<32>,
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

/// Whether `key_package` is within its lifetime at `now` (KP-6; true without a time).
fn within_lifetime(key_package: &KeyPackage, now: Option<u64>) -> bool {
    match &key_package.leaf_node.leaf_node_source {
        crate::leaf_node::LeafNodeSourceData::KeyPackage { lifetime } => {
            super::key_packages::check_lifetime(lifetime, now, u64::MAX).is_ok()
        }
        _ => true,
    }
}

/// A received Commit whose proposal list is checked, ready for the shared steps of
/// [`Group::apply_received_commit`].
pub(super) struct ReceivedCommit<'c> {
    /// The committer's leaf; `None` for an external Commit.
    pub(super) committer: Option<LeafIndex>,
    pub(super) list: Vec<ResolvedProposal>,
    pub(super) path: Option<&'c UpdatePath>,
    /// `Some(credentials)`: the path leaf is still to be checked (regular Commits, against
    /// the new context); `None`: it was checked with the list (external Commits).
    pub(super) leaf_check: Option<Option<CredentialSummary>>,
    /// The previous epoch's `init_secret`, or an external Commit's from its ExternalInit.
    pub(super) init_secret: crate::key_schedule::InitSecret,
}

/// What [`check_regular_commit`] found in a Commit from a member.
pub(super) struct RegularChecked {
    pub(super) list: Vec<ResolvedProposal>,
    /// The credential types in use and supported, if the committer's path leaf changes
    /// its own (LN-3 is then checked against the other members).
    pub(super) credentials: Option<CredentialSummary>,
}

/// The checks of a Commit from member `committer` that need no secret and come before
/// the tree changes (section 12.4.2): its proposals resolved (PROP-18), the list's rules
/// (12.2), COMMIT-1. Shared by members and the public view.
///
/// # Errors
/// [`Error::Invalid`] naming the rule.
pub(super) fn check_regular_commit(
    judge: &super::validation::Judge<'_>,
    cache: &[super::CachedProposal],
    commit: &Commit,
    committer: LeafIndex,
) -> Result<RegularChecked> {
    let list = resolve(cache, &commit.proposals, Sender::Member(committer))?;
    judge.check_commit_list(&list, committer)?;
    if path_required(&list) && commit.path.is_none() {
        return Err(Error::invalid(
            crate::Rule::Commit1,
            "the Commit has no path but its proposals require one",
        ));
    }
    let credentials = match (&commit.path, judge.tree.leaf(committer)) {
        (Some(path), Some(old))
            if path.leaf_node.credential.credential_type() != old.credential.credential_type()
                || path.leaf_node.capabilities.credentials != old.capabilities.credentials =>
        {
            Some(CredentialSummary::of(judge.tree, &[committer]))
        }
        _ => None,
    };
    Ok(RegularChecked { list, credentials })
}

/// The checks of a Commit's path leaf against the new epoch's context (LN-*, section
/// 7.3), shared by members and the public view.
///
/// # Errors
/// [`Error::Invalid`] naming the rule, [`Error::VerificationFailed`].
pub(super) fn check_path_leaf(
    suite: CipherSuite,
    leaf: &crate::leaf_node::LeafNode,
    context: &GroupContext,
    credentials: Option<&CredentialSummary>,
) -> Result<()> {
    check_leaf_self(suite, leaf, LeafRole::Commit, None)?;
    check_required_capabilities(leaf, context.extensions.required_capabilities()?.as_ref())?;
    if let Some(summary) = credentials {
        summary.check(leaf)?;
    }
    Ok(())
}

impl Group {
    /// Section 12.4.2 for a Commit that unprotected: see [`Self::process_message`].
    pub(super) fn process_commit(
        &mut self,
        content: &AuthenticatedContent,
        staged: Option<crate::secret_tree::StagedReceiveKey>,
    ) -> Result<Received> {
        let own = self.own_leaf();
        let committer = match content.content.sender {
            Sender::Member(leaf) => Some(leaf),
            Sender::NewMemberCommit => None,
            Sender::External(_) | Sender::NewMemberProposal => {
                return Err(Error::invalid(
                    crate::Rule::Commit2,
                    "a Commit from a non-member sender",
                ));
            }
        };
        if committer == Some(own) {
            return Err(Error::Misuse(
                "this member's own Commit: merge it with merge_pending_commit",
            ));
        }
        self.check_active()?;
        if let Some(received) = self.contest_pending(content)? {
            return Ok(received);
        }
        // P2P-3: a pending Commit of this member loses if this one is accepted.
        let lost = self
            .pending_commit
            .as_ref()
            .map(PendingCommit::own_proposals)
            .unwrap_or_default();
        let FramedContentBody::Commit(commit) = &content.content.body else {
            return Err(Error::Internal("process_commit: not a Commit"));
        };
        let plan = match committer {
            Some(committer) => {
                let RegularChecked { list, credentials } =
                    check_regular_commit(&self.judge(), &self.proposals, commit, committer)?;
                ReceivedCommit {
                    committer: Some(committer),
                    list,
                    path: commit.path.as_ref(),
                    leaf_check: Some(credentials),
                    init_secret: self.epoch.secrets.init_secret.clone(),
                }
            }
            None => self.external_commit_plan(commit)?,
        };
        self.apply_received_commit(content, plan, staged, lost)
    }

    /// The steps of section 12.4.2 shared by regular and external Commits, once their
    /// proposal lists are checked: apply the proposals (12.3) on a tree transaction, the
    /// UpdatePath, the key schedule from `plan.init_secret`, COMMIT-3; then swap in the
    /// new epoch (or, if this member is removed, mark it so).
    fn apply_received_commit(
        &mut self,
        content: &AuthenticatedContent,
        plan: ReceivedCommit<'_>,
        staged: Option<crate::secret_tree::StagedReceiveKey>,
        lost: Vec<Proposal>,
    ) -> Result<Received> {
        let suite = self.suite;
        let own = self.own_leaf();
        let tag = content
            .auth
            .confirmation_tag
            .as_ref()
            .ok_or(Error::Decode("Commit without confirmation tag"))?;
        let new_epoch = self.context.epoch.checked_add(1).ok_or(Error::invalid(
            crate::Rule::Epoch1,
            "the epoch counter is exhausted",
        ))?;
        let hashes = transcript::update(suite, &self.epoch.interim_transcript_hash, content)?;
        let mut changed_keys = super::signature_keys_before(&self.tree, &plan.list, plan.committer);
        let mut switch = self.capture(content, Vec::new())?;

        let mut tx = self.tree.transaction();
        let applied = apply_list(&mut tx, &plan.list)?;
        // An external Commit's committer takes the leftmost blank leaf after the proposals.
        let committer = match plan.committer {
            Some(c) => c,
            None => {
                let c = tx.reserve_external_leaf()?;
                changed_keys.push((c, None));
                c
            }
        };
        let joiners = applied.joiner_leaves();
        changed_keys.extend(joiners.iter().map(|&l| (l, None)));
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
                .ok_or(Error::invalid(
                    crate::Rule::Prop19,
                    "a committed Update of this member that it did not propose",
                ))?;
            keys = TreePrivateKeys::new(&tx, own, private)?;
        }
        keys.retain_consistent(&tx);
        if applied.removed.contains(&own) {
            // Removed (or, by an external Commit, replaced): nothing more can be derived;
            // the group is over for this member (unless a concurrent Commit with a lower
            // tiebreak wins, P2P-4).
            drop(tx);
            self.apply_staged(staged)?;
            self.status = GroupStatus::Removed;
            if self.p2p() {
                self.removed_by = Some(super::commit_tiebreak(suite, content)?);
            } else {
                self.proposals.clear();
                self.pending_updates.clear();
            }
            self.pending_commit = None;
            self.reissue.extend(lost);
            return Ok(Received::Removed { sender: committer });
        }
        let commit_secret = match plan.path {
            Some(path) => {
                if let Some(credentials) = &plan.leaf_check {
                    check_path_leaf(suite, &path.leaf_node, &context, credentials.as_ref())?;
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
        let secrets = plan
            .init_secret
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
        // MSG-4: the Commit is accepted; only now is its ratchet key consumed.
        if let Some(staged) = staged {
            self.epoch.secret_tree.apply_staged(staged)?;
        }
        super::p2p::SwitchCapture::commit_tree(&mut switch, tx);
        let epoch = EpochState {
            secrets,
            secret_tree,
            interim_transcript_hash: hashes.interim,
            confirmation_tag: tag.clone(),
        };
        self.install_epoch(context, keys, epoch, applied.reinit, changed_keys, switch);
        self.reissue.extend(lost);
        Ok(Received::Commit {
            sender: committer,
            epoch: new_epoch,
        })
    }

    /// P2P-1 against this member's pending Commit for the same epoch: if it has the lower
    /// tiebreak (and switch points are kept), it is merged and the received Commit lost.
    fn contest_pending(&mut self, content: &AuthenticatedContent) -> Result<Option<Received>> {
        let Some(pending) = &self.pending_commit else {
            return Ok(None);
        };
        if !self.p2p() || pending.tiebreak >= super::commit_tiebreak(self.suite, content)? {
            return Ok(None);
        }
        self.merge_pending_commit()?;
        Ok(Some(Received::CommitLost {
            epoch: self.context.epoch,
        }))
    }

    /// The received proposals a Commit of this member covers by reference (see
    /// [`CommitOptions::include_received`]).
    fn received_for_commit(&self, now: Option<u64>) -> Vec<ResolvedProposal> {
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
                // KP-6: a KeyPackage outside its lifetime at `now` is left out rather than
                // refused, so that one stale proposal cannot block every Commit.
                (Proposal::Add(a), _) => {
                    within_lifetime(&a.key_package, now)
                        && !out.iter().any(|q| {
                            matches!(&q.proposal, Proposal::Add(x)
                        if x.key_package.leaf_node.signature_key
                            == a.key_package.leaf_node.signature_key)
                        })
                }
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
        let now = options.now.or_else(super::key_packages::system_now);
        let mut list = if options.include_received {
            self.received_for_commit(now)
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
        self.judge_sending(now).check_commit_list(&list, own)?;
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
        // The tree goes only in a Welcome's GroupInfo: encoding and signing it is O(n), and
        // a Commit without joiners (an empty or remove-only one) would pay that for nothing.
        let ratchet_tree = (options.ratchet_tree_in_welcome && !applied.joiners.is_empty())
            .then(|| tx.to_extension());
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
        let tiebreak = super::commit_tiebreak(suite, &signed)?;
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
            // One task per joiner, its randomness seeded here in order (module `parallel`),
            // so the Welcome is the same whatever the number of threads.
            let tasks: Vec<WelcomeEncryption<'_>> = applied
                .joiners
                .iter()
                .map(|(leaf, key_package)| WelcomeEncryption {
                    key_package,
                    secrets: GroupSecrets {
                        joiner_secret: SecretVec::from_slice(joiner.expose_secret()),
                        path_secret: created.as_ref().and_then(|c| c.path_secret_for(*leaf)).map(
                            |s| WelcomePathSecret {
                                path_secret: SecretVec::from_slice(s.expose_secret()),
                            },
                        ),
                        psks: applied.psk_ids.clone(),
                    },
                    seed: SecretBytes::random(rng),
                })
                .collect();
            let secrets_list =
                crate::parallel::map_runs(&tasks, WELCOME_SEALS_PER_THREAD, |run| {
                    seal_group_secrets(
                        suite,
                        &encrypted_group_info,
                        run.iter()
                            .map(|t| (t.key_package, &t.secrets, SeededRng::from_seed(&t.seed)))
                            .collect(),
                    )
                })?;
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
            tiebreak,
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
        let mut changed_keys = super::signature_keys_before(&self.tree, &pending.list, Some(own));
        let mut switch = self.p2p().then(|| super::p2p::SwitchCapture {
            undo: crate::tree::TreeUndo::default(),
            tiebreak: pending.tiebreak.clone(),
            own_proposals: pending.own_proposals(),
        });
        let mut tx = self.tree.transaction();
        let applied = apply_list(&mut tx, &pending.list)?;
        changed_keys.extend(applied.joiner_leaves().into_iter().map(|l| (l, None)));
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
        super::p2p::SwitchCapture::commit_tree(&mut switch, tx);
        let pending = self
            .pending_commit
            .take()
            .ok_or(Error::Internal("pending commit vanished"))?;
        let epoch = pending.context.epoch;
        self.install_epoch(
            pending.context,
            pending.keys,
            pending.epoch,
            pending.reinit,
            changed_keys,
            switch,
        );
        Ok(epoch)
    }

    /// Drops this member's pending Commit (it was rejected, or another Commit won).
    pub fn discard_pending_commit(&mut self) {
        self.pending_commit = None;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

    use test_support::seeded_rng;

    use super::*;
    use crate::fuzzing::{add_and_join, basic_bundle};
    use crate::{
        framing::PublicMessage,
        group::{
            GroupConfig, KeyPackageBundle, KeyPackageOptions, PskStore, key_packages,
            key_packages::{key_package_signatures_valid, validate_key_package},
        },
        protection::{protect_public, sign_content},
        suite::CipherSuite,
        types::{ProposalRef, WireFormat},
    };

    const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

    /// Alice and Bob in epoch 1.
    fn pair(rng: &mut impl CryptoRng) -> (Group, Group) {
        pair_with(GroupConfig::default(), rng)
    }

    /// Alice and Bob in epoch 1, both with `config`.
    fn pair_with(config: GroupConfig, rng: &mut impl CryptoRng) -> (Group, Group) {
        let mut alice = Group::create(
            b"g".to_vec(),
            basic_bundle(SUITE, "alice", rng),
            Extensions::empty(),
            config,
            rng,
        )
        .unwrap();
        let bob = basic_bundle(SUITE, "bob", rng);
        let bob = add_and_join(&mut alice, bob, config, rng);
        (alice, bob)
    }

    /// Alice's Commit edited by an insider: `edit` changes the content, then the message is
    /// re-signed (if `resign`) and its membership tag recomputed with the epoch's key.
    fn insider_edit(
        alice: &mut Group,
        rng: &mut impl CryptoRng,
        resign: bool,
        edit: impl FnOnce(&mut PublicMessage),
    ) -> MlsMessage {
        let out = alice.commit(CommitOptions::default(), rng).unwrap();
        alice.discard_pending_commit();
        let MlsMessage::PublicMessage(mut m) = out.commit else {
            panic!("public commit expected");
        };
        edit(&mut m);
        let tag = m.auth.confirmation_tag.clone();
        let mut content = AuthenticatedContent {
            wire_format: WireFormat::PublicMessage,
            content: m.content.clone(),
            auth: m.auth.clone(),
        };
        if resign {
            content = sign_content(
                SUITE,
                WireFormat::PublicMessage,
                m.content,
                &alice.context,
                &alice.signer,
            )
            .unwrap();
            content.auth.confirmation_tag = tag;
        }
        MlsMessage::PublicMessage(
            protect_public(
                SUITE,
                content,
                &alice.context,
                alice.epoch.secrets.membership_key.expose_secret(),
            )
            .unwrap(),
        )
    }

    fn rejected_unchanged(bob: &mut Group, m: &MlsMessage) -> Error {
        let auth = bob.epoch_authenticator().to_vec();
        let tree = bob.tree.to_bytes().unwrap();
        let err = bob.process_message(m).unwrap_err();
        assert_eq!(bob.epoch_authenticator(), auth.as_slice());
        assert_eq!(bob.tree.to_bytes().unwrap(), tree);
        assert_eq!(bob.context.epoch, 1);
        err
    }

    /// A KeyPackage valid from `not_before` to `not_after`.
    fn bundle_with_lifetime(
        name: &str,
        not_before: u64,
        not_after: u64,
        rng: &mut impl CryptoRng,
    ) -> KeyPackageBundle {
        let options = KeyPackageOptions {
            lifetime: crate::leaf_node::Lifetime {
                not_before,
                not_after,
            },
            ..KeyPackageOptions::basic(name.as_bytes())
        };
        KeyPackageBundle::generate(SUITE, SUITE.generate_signature_key(rng), options, rng).unwrap()
    }

    fn rule_of(result: Result<impl core::fmt::Debug>) -> &'static str {
        match result {
            Err(Error::Invalid { rule, .. }) => rule.id(),
            other => panic!("expected a rule broken, got {other:?}"),
        }
    }

    /// Alice with default settings, and Bob, added by her and joined with `config`.
    fn alice_and_bob(config: GroupConfig, rng: &mut impl CryptoRng) -> (Group, Group) {
        let (mut alice, bundles) = alice_and_bundles(1, rng);
        let bundle = bundles.into_iter().next().unwrap();
        let bob = add_and_join(&mut alice, bundle, config, rng);
        (alice, bob)
    }

    /// KP-6: a member commits or proposes a KeyPackage only within its lifetime, by the
    /// system clock or the time it gives; receivers do not require it (a KeyPackage may
    /// expire in transit: section 7.3 only recommends the check).
    #[test]
    fn kp_6_a_member_sends_only_key_packages_valid_now() {
        let mut rng = seeded_rng(0x6b36);
        let (mut alice, mut bob) = alice_and_bob(GroupConfig::default(), &mut rng);
        let expired = bundle_with_lifetime("expired", 1, 1000, &mut rng);
        let kp = expired.key_package().clone();
        assert_eq!(rule_of(alice.commit(adding([&kp]), &mut rng)), "KP-6");
        assert!(!alice.has_pending_commit());
        assert_eq!(rule_of(alice.propose_add(kp.clone(), &mut rng)), "KP-6");
        let late = CommitOptions {
            now: Some(1001),
            ..adding([&kp])
        };
        assert_eq!(rule_of(alice.commit(late, &mut rng)), "KP-6");

        let then = CommitOptions {
            now: Some(500),
            ..adding([&kp])
        };
        let out = alice.commit(then, &mut rng).unwrap();
        alice.merge_pending_commit().unwrap();
        assert!(matches!(
            bob.process_message(&out.commit).unwrap(),
            Received::Commit { .. }
        ));
        assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    }

    /// KP-6 for a proposal received by reference: a member's Commit leaves out an Add whose
    /// KeyPackage is outside its lifetime at the Commit's time, instead of refusing to commit
    /// at all while the stale proposal is cached.
    #[test]
    fn kp_6_a_stale_received_add_is_left_out_of_a_commit() {
        let mut rng = seeded_rng(0x6b37);
        let (mut alice, mut bob) = alice_and_bob(GroupConfig::default(), &mut rng);
        let now = key_packages::system_now().unwrap();
        let brief = bundle_with_lifetime("brief", now - 10, now + 50, &mut rng);
        let (proposal, _) = bob
            .propose_add(brief.key_package().clone(), &mut rng)
            .unwrap();
        alice.process_message(&proposal).unwrap();
        let later = CommitOptions {
            now: Some(now + 100),
            ..CommitOptions::default()
        };
        let out = alice.commit(later, &mut rng).unwrap();
        assert!(out.welcome.is_none(), "the stale Add was covered");
        alice.discard_pending_commit();
        let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
        assert!(out.welcome.is_some(), "the current Add was left out");
    }

    /// KP-8: a member with `max_lifetime` refuses longer-lived KeyPackages, whether it
    /// would commit them or receives them in another member's Commit (nothing changes);
    /// one within the bound passes both ways.
    #[test]
    fn kp_8_lifetimes_longer_than_the_group_accepts_are_refused() {
        let mut rng = seeded_rng(0x6b38);
        let (mut alice, mut bob) = alice_and_bob(
            GroupConfig {
                max_lifetime: 3600,
                ..GroupConfig::default()
            },
            &mut rng,
        );
        let forever = basic_bundle(SUITE, "forever", &mut rng);
        let kp = forever.key_package().clone();
        assert_eq!(rule_of(bob.commit(adding([&kp]), &mut rng)), "KP-8");
        assert_eq!(rule_of(bob.propose_add(kp.clone(), &mut rng)), "KP-8");
        let out = alice.commit(adding([&kp]), &mut rng).unwrap();
        let auth = bob.epoch_authenticator().to_vec();
        assert_eq!(rule_of(bob.process_message(&out.commit)), "KP-8");
        assert_eq!(bob.epoch_authenticator(), auth.as_slice());
        alice.discard_pending_commit();

        let now = key_packages::system_now().unwrap();
        let hour = bundle_with_lifetime("an hour", now - 60, now + 3540, &mut rng);
        let out = alice
            .commit(adding([hour.key_package()]), &mut rng)
            .unwrap();
        alice.merge_pending_commit().unwrap();
        bob.process_message(&out.commit).unwrap();
        assert_eq!(bob.epoch_authenticator(), alice.epoch_authenticator());
    }

    /// Alice alone in a new group, and `n` KeyPackageBundles to add.
    fn alice_and_bundles(n: usize, rng: &mut impl CryptoRng) -> (Group, Vec<KeyPackageBundle>) {
        let alice = Group::create(
            b"many adds".to_vec(),
            basic_bundle(SUITE, "alice", rng),
            Extensions::empty(),
            GroupConfig::default(),
            rng,
        )
        .unwrap();
        let bundles = (0..n)
            .map(|i| basic_bundle(SUITE, &format!("member {i}"), rng))
            .collect();
        (alice, bundles)
    }

    /// Options of a Commit adding `key_packages` by value.
    fn adding<'a>(key_packages: impl IntoIterator<Item = &'a KeyPackage>) -> CommitOptions {
        CommitOptions {
            proposals: key_packages
                .into_iter()
                .map(|kp| {
                    Proposal::Add(crate::proposal::Add {
                        key_package: kp.clone(),
                    })
                })
                .collect(),
            ..CommitOptions::default()
        }
    }

    /// The Welcome's GroupSecrets encryptions (spread over threads with the feature
    /// `parallel`) take their randomness from seeds drawn in order: a seeded RNG gives the
    /// same Welcome byte for byte, the same with and without the feature (both builds check
    /// the digest below), and every joiner joins from it into Alice's epoch.
    #[test]
    fn welcome_is_reproducible_with_or_without_threads_and_everyone_joins() {
        let (mut alice, bundles) = alice_and_bundles(40, &mut seeded_rng(0x7765));
        let options = adding(bundles.iter().map(KeyPackageBundle::key_package));
        let welcome = |alice: &mut Group, seed| {
            let out = alice
                .commit(options.clone(), &mut seeded_rng(seed))
                .unwrap();
            let Some(MlsMessage::Welcome(welcome)) = out.welcome else {
                panic!("a Welcome expected");
            };
            welcome
        };
        let first = welcome(&mut alice, 7);
        let bytes = first.to_bytes().unwrap();
        alice.discard_pending_commit();
        assert_ne!(welcome(&mut alice, 8).to_bytes().unwrap(), bytes);
        alice.discard_pending_commit();
        assert_eq!(welcome(&mut alice, 7).to_bytes().unwrap(), bytes);
        assert_eq!(
            test_support::hex(&SUITE.hash(&bytes)),
            "04e97b3a4c8feacc07fe1b256ca9d14a86c2e0bbb00bd75a7b6b809c1c9ac4e1"
        );
        alice.merge_pending_commit().unwrap();
        for bundle in bundles {
            let joined = Group::join(
                &first,
                bundle,
                None,
                PskStore::new(),
                GroupConfig::default(),
            )
            .unwrap();
            assert_eq!(joined.epoch_authenticator(), alice.epoch_authenticator());
        }
    }

    /// A KeyPackage of `bundle` after `edit`, its leaf and package signed again.
    fn resigned(bundle: &KeyPackageBundle, edit: impl FnOnce(&mut KeyPackage)) -> KeyPackage {
        let mut kp = bundle.key_package().clone();
        edit(&mut kp);
        kp.leaf_node.signature = SUITE
            .sign_with_label(
                &bundle.signer,
                b"LeafNodeTBS",
                &kp.leaf_node.tbs(None).unwrap(),
            )
            .unwrap();
        kp.signature = SUITE
            .sign_with_label(&bundle.signer, b"KeyPackageTBS", &kp.tbs().unwrap())
            .unwrap();
        kp
    }

    /// Faults of a KeyPackage, each with the rule it breaks.
    fn faults(bundle: &KeyPackageBundle) -> Vec<(&'static str, KeyPackage)> {
        let mut bad_package_signature = bundle.key_package().clone();
        bad_package_signature.signature[5] ^= 1;
        let mut bad_leaf_signature = bundle.key_package().clone();
        bad_leaf_signature.leaf_node.signature[9] ^= 1;
        let mut short_signature = bundle.key_package().clone();
        short_signature.signature.pop();
        let mut bad_key = bundle.key_package().clone();
        bad_key.leaf_node.signature_key = vec![0xff; 32].into();
        vec![
            ("KP-4", bad_package_signature),
            ("KP-4 (length)", short_signature),
            ("KP-3 (leaf signature)", bad_leaf_signature),
            ("KP-4 (signature key)", bad_key),
            (
                "KP-2",
                resigned(bundle, |kp| kp.cipher_suite = CipherSuiteId(3)),
            ),
            (
                "KP-5",
                resigned(bundle, |kp| {
                    kp.init_key = kp.leaf_node.encryption_key.0.clone().into();
                }),
            ),
            (
                "LN-6",
                resigned(bundle, |kp| {
                    kp.leaf_node.encryption_key = vec![1; 31].into();
                }),
            ),
        ]
    }

    /// A Commit adding many KeyPackages checks their signatures up front, yet refuses a
    /// faulty one with the error that checking each KeyPackage in turn gives (the first
    /// fault in list order), wherever it sits and whatever else is wrong after it; nothing
    /// is staged.
    #[test]
    fn kp_rules_of_many_adds_give_the_one_by_one_verdict() {
        let (mut alice, bundles) = alice_and_bundles(24, &mut seeded_rng(0x6b70));
        let valid: Vec<KeyPackage> = bundles.iter().map(|b| b.key_package().clone()).collect();
        let refs: Vec<&KeyPackage> = valid.iter().collect();
        assert!(key_package_signatures_valid(SUITE, &refs));
        let commit =
            |alice: &mut Group, kps: &[KeyPackage]| alice.commit(adding(kps), &mut seeded_rng(1));
        let one_by_one = |kps: &[KeyPackage]| {
            kps.iter()
                .find_map(|kp| validate_key_package(SUITE, kp, None).err())
                .unwrap()
        };
        for (rule, bad) in faults(&bundles[0]) {
            for at in [0, 11, 23] {
                let mut kps = valid.clone();
                kps[at] = bad.clone();
                let refs: Vec<&KeyPackage> = kps.iter().collect();
                // Only a bad signature fails the check up front; the other faults are refused by
                // the rules checked after it.
                let signature_fault = rule.starts_with("KP-3") || rule.starts_with("KP-4");
                assert_eq!(
                    key_package_signatures_valid(SUITE, &refs),
                    !signature_fault,
                    "{rule}"
                );
                let err = commit(&mut alice, &kps).unwrap_err();
                assert_eq!(err, one_by_one(&kps), "{rule} at {at}");
                // A second fault after the first changes nothing.
                if at < 23 {
                    let (_, later) = faults(&bundles[23]).swap_remove(0);
                    kps[23] = later;
                    assert_eq!(commit(&mut alice, &kps).unwrap_err(), err, "{rule} at {at}");
                }
                assert!(!alice.has_pending_commit());
            }
        }
        commit(&mut alice, &valid).unwrap();
    }

    #[test]
    fn commit_3_wrong_confirmation_tag_is_rejected_after_the_full_commit_is_processed() {
        let mut rng = seeded_rng(31);
        let (mut alice, mut bob) = pair(&mut rng);
        let bad = insider_edit(&mut alice, &mut rng, false, |m| {
            m.auth.confirmation_tag.as_mut().unwrap().0[0] ^= 1;
        });
        assert_eq!(rejected_unchanged(&mut bob, &bad), Error::DecryptionFailed);
        // The untouched path: Bob still processes a genuine commit.
        let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
        assert!(matches!(
            bob.process_message(&out.commit).unwrap(),
            Received::Commit { epoch: 2, .. }
        ));
    }

    #[test]
    fn commit_1_an_empty_commit_without_path_is_rejected() {
        let mut rng = seeded_rng(32);
        let (mut alice, mut bob) = pair(&mut rng);
        let bad = insider_edit(&mut alice, &mut rng, true, |m| {
            if let FramedContentBody::Commit(c) = &mut m.content.body {
                c.path = None;
            }
        });
        assert!(matches!(
            rejected_unchanged(&mut bob, &bad),
            Error::Invalid {
                rule: crate::Rule::Commit1,
                ..
            }
        ));
    }

    #[test]
    fn prop_18_an_unknown_proposal_reference_is_rejected() {
        let mut rng = seeded_rng(33);
        let (mut alice, mut bob) = pair(&mut rng);
        let bad = insider_edit(&mut alice, &mut rng, true, |m| {
            if let FramedContentBody::Commit(c) = &mut m.content.body {
                c.proposals
                    .push(ProposalOrRef::Reference(ProposalRef(vec![7; 32])));
            }
        });
        assert!(matches!(
            rejected_unchanged(&mut bob, &bad),
            Error::Invalid {
                rule: crate::Rule::Prop18,
                ..
            }
        ));
    }

    #[test]
    fn prop_2_an_update_of_the_committer_is_rejected() {
        let mut rng = seeded_rng(34);
        let (mut alice, mut bob) = pair(&mut rng);
        // Alice proposes an Update; Bob caches it; Alice then commits it by reference.
        let (update, reference) = alice.propose_update(&mut rng).unwrap();
        bob.process_message(&update).unwrap();
        let bad = insider_edit(&mut alice, &mut rng, true, |m| {
            if let FramedContentBody::Commit(c) = &mut m.content.body {
                c.proposals.push(ProposalOrRef::Reference(reference));
            }
        });
        assert!(matches!(
            rejected_unchanged(&mut bob, &bad),
            Error::Invalid {
                rule: crate::Rule::Prop2,
                ..
            }
        ));
        // An own Update is never put into an own Commit by `commit`.
        let out = alice.commit(CommitOptions::default(), &mut rng).unwrap();
        assert!(matches!(
            bob.process_message(&out.commit).unwrap(),
            Received::Commit { .. }
        ));
    }

    #[test]
    fn msg_4_a_rejected_private_commit_consumes_no_ratchet_key() {
        let mut rng = seeded_rng(35);
        let config = GroupConfig {
            handshake_wire_format: WireFormat::PrivateMessage,
            ..GroupConfig::default()
        };
        let (mut alice, mut bob) = pair_with(config, &mut rng);
        // An insider's Commit at Alice's handshake generation 0 of epoch 1: it decrypts and
        // its signature verifies, but it has no path although it is empty (COMMIT-1).
        let mut forged_tree = crate::secret_tree::SecretTree::new(
            SUITE,
            SecretVec::from_slice(alice.epoch.secrets.encryption_secret.expose_secret()),
            alice.tree.leaf_count(),
            config.secret_tree_limits,
        )
        .unwrap();
        let content = alice.framed(
            FramedContentBody::Commit(Commit {
                proposals: Vec::new(),
                path: None,
            }),
            Vec::new(),
        );
        let mut signed = sign_content(
            SUITE,
            WireFormat::PrivateMessage,
            content,
            &alice.context,
            &alice.signer,
        )
        .unwrap();
        signed.auth.confirmation_tag = Some(Mac(vec![0; 32]));
        let forged = MlsMessage::PrivateMessage(
            crate::protection::protect_private(
                SUITE,
                &signed,
                alice.epoch.secrets.sender_data_secret.expose_secret(),
                &mut forged_tree,
                0,
                &mut rng,
            )
            .unwrap(),
        );
        // Alice's genuine Commit uses the same generation 0.
        let genuine = alice.commit(CommitOptions::default(), &mut rng).unwrap();
        assert!(matches!(
            rejected_unchanged(&mut bob, &forged),
            Error::Invalid {
                rule: crate::Rule::Commit1,
                ..
            }
        ));
        assert!(matches!(
            bob.process_message(&genuine.commit).unwrap(),
            Received::Commit { epoch: 2, .. }
        ));
        alice.merge_pending_commit().unwrap();
        assert_eq!(alice.epoch_authenticator(), bob.epoch_authenticator());
    }
}
