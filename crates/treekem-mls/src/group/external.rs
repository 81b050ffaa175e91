//! External Commits (RFC 9420 section 12.4.3.2): joining a group from its GroupInfo by a
//! Commit of one's own, and processing such a Commit as a member.
//!
//! ```text
//! joiner:  kem_output, ctx = SetupBaseS(external_pub, "")
//!          init_secret    = ctx.export("MLS 1.0 external init secret", KDF.Nh)
//!          Commit { ExternalInit(kem_output) [, Remove(prior self)] [, PreSharedKey..],
//!                   path }  sent as a PublicMessage from new_member_commit
//! member:  init_secret = ReceiveExport(kem_output, external_priv, "",
//!                                      "MLS 1.0 external init secret", KDF.Nh)
//!          (external_priv = DeriveKeyPair(external_secret) of the current epoch)
//! ```
//!
//! The joiner's leaf is the leftmost blank leaf after the proposals are applied; it is the
//! committer. A member checks, besides the rules of a regular Commit that apply:
//!
//! | id | rule | section |
//! |---|---|---|
//! | XC-1 | an external Commit has exactly one ExternalInit proposal | 12.2 |
//! | XC-2 | an external Commit has a path | 12.4.3.2 |
//! | XC-3 | an external Commit covers proposals only by value, and only ExternalInit, Remove and PreSharedKey | 12.2 |
//! | XC-4 | an external Commit has at most one Remove | 12.2 |
//! | XC-5 | a Remove in an external Commit removes a member with the joiner's credential (this crate's criterion for "the application's criteria to replace the removed member") | 12.4.3.2 |
//! | XC-6 | the GroupInfo an external Commit is made from carries `external_pub` | 12.4.3.2 |

use primitives::rand::CryptoRng;

use crate::{
    Error, Result,
    codec::Codec,
    commit::Commit,
    extension::{ExternalPub, RatchetTreeExtension},
    framing::{ConfirmedTranscriptHashInput, FramedContent, FramedContentBody, MlsMessage, Sender},
    group_context::GroupContext,
    join::verify_group_info,
    key_schedule::InitSecret,
    proposal::{ExternalInit, PreSharedKey, PreSharedKeyId, Proposal, ProposalOrRef, Remove},
    protection::{protect_public, sign_content},
    transcript,
    tree::RatchetTree,
    treekem::{PathParams, create_update_path},
    types::{CipherSuiteId, LeafIndex, Mac, ProtocolVersion, WireFormat},
    welcome::GroupInfo,
};

use super::{
    Group, GroupConfig, KeyPackageBundle, PskStore,
    validation::{
        CredentialSummary, LeafRole, ResolvedProposal, apply_list, check_leaf_self,
        check_required_capabilities,
    },
};

/// The HPKE exporter label of the external init secret (section 8.3).
const EXTERNAL_INIT_LABEL: &[u8] = b"MLS 1.0 external init secret";

/// What an external Commit ([`Group::join_external`]) covers besides its ExternalInit.
#[derive(Debug, Clone, Default)]
pub struct ExternalCommitOptions {
    /// A prior leaf of the joiner to remove (a member rejoining); its credential must be
    /// the joiner's (XC-5).
    pub remove_prior: Option<LeafIndex>,
    /// PSKs to inject (held in the `psks` store given to [`Group::join_external`]).
    pub psks: Vec<PreSharedKeyId>,
    /// The Commit's `authenticated_data`.
    pub authenticated_data: Vec<u8>,
}

/// The tree of a GroupInfo checked as a joiner does (WEL-1 to WEL-4, the tree's own
/// validation).
pub(super) fn checked_tree(
    suite: crate::suite::CipherSuite,
    info: &GroupInfo,
    ratchet_tree: Option<&RatchetTreeExtension>,
) -> Result<RatchetTree> {
    let context = &info.group_context;
    if context.cipher_suite != CipherSuiteId(suite.id())
        || context.version != ProtocolVersion::MLS10
    {
        return Err(Error::invalid(
            crate::Rule::Wel1,
            "the GroupInfo's cipher suite or version is not the KeyPackage's",
        ));
    }
    let nodes = match info.extensions.ratchet_tree()? {
        Some(ext) => ext.nodes,
        None => ratchet_tree
            .ok_or(Error::invalid(
                crate::Rule::Wel2,
                "no ratchet tree in the GroupInfo and none given out of band",
            ))?
            .nodes
            .clone(),
    };
    let tree = RatchetTree::from_nodes(suite, nodes)?;
    let signer = tree.leaf(info.signer).ok_or(Error::invalid(
        crate::Rule::Wel4,
        "the GroupInfo's signer is a blank or missing leaf",
    ))?;
    verify_group_info(suite, info, signer.signature_key.as_slice())?;
    if tree.tree_hash() != context.tree_hash.as_slice() {
        return Err(Error::invalid(
            crate::Rule::Wel3,
            "the ratchet tree's hash is not the GroupContext's tree_hash",
        ));
    }
    tree.validate(&context.group_id)?;
    Ok(tree)
}

impl Group {
    /// The group's current GroupInfo with the `external_pub` extension (section 12.4.3.2),
    /// from which a new member can join by an external Commit; with the `ratchet_tree`
    /// extension if `with_tree`.
    ///
    /// # Errors
    /// As signing and encoding.
    pub fn external_group_info(&self, with_tree: bool) -> Result<GroupInfo> {
        let mut info = self.group_info(with_tree)?;
        let (_, public) = self.epoch.secrets.external_key_pair(self.suite)?;
        info.extensions.set_typed(&ExternalPub {
            external_pub: public.as_bytes().into(),
        })?;
        crate::join::sign_group_info(self.suite, &mut info, &self.signer)?;
        Ok(info)
    }

    /// Joins a group by an external Commit (section 12.4.3.2) made from `info` (which must
    /// carry `external_pub`, XC-6) and its ratchet tree (in the GroupInfo or
    /// `ratchet_tree`), with `bundle`'s credential and signature key. Returns the new
    /// member's group, already in the next epoch, and the Commit to send (a PublicMessage
    /// from `new_member_commit`); if the group rejects the Commit, drop the group.
    ///
    /// # Errors
    /// The joiner's checks of the GroupInfo and tree (WEL-1 to WEL-4, TREE-*, PH-1), XC-6,
    /// PSK-1, PROP-1 for a prior leaf that is blank; as signing and HPKE.
    pub fn join_external(
        info: &GroupInfo,
        ratchet_tree: Option<&RatchetTreeExtension>,
        bundle: KeyPackageBundle,
        options: ExternalCommitOptions,
        psks: PskStore,
        config: GroupConfig,
        rng: &mut impl CryptoRng,
    ) -> Result<(Self, MlsMessage)> {
        let suite = bundle.suite;
        let mut tree = checked_tree(suite, info, ratchet_tree)?;
        let external_pub = info.extensions.external_pub()?.ok_or(Error::invalid(
            crate::Rule::Xc6,
            "the GroupInfo carries no external_pub",
        ))?;
        let (kem_output, init) = suite.hpke().send_export(
            &suite.hpke_public_key(external_pub.external_pub.as_slice())?,
            &[],
            EXTERNAL_INIT_LABEL,
            suite.hash_len(),
            rng,
        )?;
        let old = &info.group_context;
        let mut proposals = vec![Proposal::ExternalInit(ExternalInit { kem_output })];
        if let Some(prior) = options.remove_prior {
            if tree.leaf(prior).is_none() {
                return Err(Error::invalid(
                    crate::Rule::Prop1,
                    "a Remove proposal names a blank or missing leaf",
                ));
            }
            proposals.push(Proposal::Remove(Remove { removed: prior }));
        }
        proposals.extend(
            options
                .psks
                .iter()
                .map(|psk| Proposal::PreSharedKey(PreSharedKey { psk: psk.clone() })),
        );
        let list: Vec<ResolvedProposal> = proposals
            .iter()
            .map(|p| ResolvedProposal {
                proposal: p.clone(),
                sender: Sender::NewMemberCommit,
                reference: None,
            })
            .collect();
        let mut context = GroupContext {
            epoch: old
                .epoch
                .checked_add(1)
                .ok_or(Error::Misuse("the epoch counter is exhausted"))?,
            ..old.clone()
        };
        let mut tx = tree.transaction();
        let applied = apply_list(&mut tx, &list)?;
        let own = tx.reserve_external_leaf()?;
        let created = create_update_path(
            &mut tx,
            own,
            &PathParams {
                group_context: &context,
                joiners: &[],
                signer: &bundle.signer,
                leaf_template: Some(bundle.key_package.leaf_node.clone()),
            },
            rng,
        )?;
        context.tree_hash = tx.tree_hash().to_vec();
        tx.commit();

        let commit = Commit {
            proposals: proposals
                .into_iter()
                .map(|p| ProposalOrRef::Proposal(Box::new(p)))
                .collect(),
            path: Some(created.update_path),
        };
        let content = FramedContent {
            group_id: old.group_id.clone(),
            epoch: old.epoch,
            sender: Sender::NewMemberCommit,
            authenticated_data: options.authenticated_data,
            body: FramedContentBody::Commit(commit),
        };
        let mut signed = sign_content(
            suite,
            WireFormat::PublicMessage,
            content,
            old,
            &bundle.signer,
        )?;
        let interim_before = transcript::interim_transcript_hash(
            suite,
            &old.confirmed_transcript_hash,
            &info.confirmation_tag.0,
        )?;
        let confirmed_input = ConfirmedTranscriptHashInput {
            wire_format: WireFormat::PublicMessage,
            content: signed.content.clone(),
            signature: signed.auth.signature.clone(),
        }
        .to_bytes()?;
        context.confirmed_transcript_hash =
            transcript::confirmed_transcript_hash(suite, &interim_before, &confirmed_input);
        let psk_secret = psks.psk_secret(suite, &applied.psk_ids)?;
        let ctx = context.to_bytes()?;
        let secrets = InitSecret::from_secret(init)
            .joiner_secret(suite, created.commit_secret.expose_secret(), &ctx)?
            .epoch_secret(suite, psk_secret.expose_secret(), &ctx)?
            .derive(suite)?;
        let tag = Mac(transcript::confirmation_tag(
            suite,
            secrets.confirmation_key.expose_secret(),
            &context.confirmed_transcript_hash,
        ));
        signed.auth.confirmation_tag = Some(tag.clone());
        let interim =
            transcript::interim_transcript_hash(suite, &context.confirmed_transcript_hash, &tag.0)?;
        let message = MlsMessage::PublicMessage(protect_public(suite, signed, old, &[])?);
        let group = Self::assemble(
            suite,
            context,
            tree,
            created.private_keys,
            secrets,
            interim,
            tag,
            bundle.signer,
            psks,
            config,
        )?;
        Ok((group, message))
    }

    /// Section 12.4.2 for an external Commit (sender `new_member_commit`): XC-1 to XC-5
    /// and the path leaf (shared with the public view), and the init secret from the
    /// ExternalInit; the rest is a regular Commit's ([`Group::apply_received_commit`]).
    pub(super) fn external_commit_plan<'c>(
        &self,
        commit: &'c Commit,
    ) -> Result<super::commit::ReceivedCommit<'c>> {
        let suite = self.suite;
        let ExternalChecked {
            path,
            list,
            kem_output,
        } = check_external_commit(&self.judge(), commit)?;
        let (external_private, _) = self.epoch.secrets.external_key_pair(suite)?;
        let init = suite.hpke().receive_export(
            kem_output,
            &external_private,
            &[],
            EXTERNAL_INIT_LABEL,
            suite.hash_len(),
        )?;
        Ok(super::commit::ReceivedCommit {
            committer: None,
            list,
            path: Some(path),
            leaf_check: None,
            init_secret: InitSecret::from_secret(init),
        })
    }
}

/// What [`check_external_commit`] found in an external Commit.
pub(super) struct ExternalChecked<'c> {
    pub(super) path: &'c crate::commit::UpdatePath,
    pub(super) list: Vec<ResolvedProposal>,
    pub(super) kem_output: &'c [u8],
}

/// The checks of an external Commit that need no secret (XC-1 to XC-5, PROP-7, PROP-12,
/// PROP-13, and the path's leaf: LN-*, against the tree before the Commit), shared by
/// members and the public view.
///
/// # Errors
/// [`Error::Invalid`] naming the rule.
pub(super) fn check_external_commit<'c>(
    judge: &super::validation::Judge<'_>,
    commit: &'c Commit,
) -> Result<ExternalChecked<'c>> {
    let path = commit.path.as_ref().ok_or(Error::invalid(
        crate::Rule::Xc2,
        "an external Commit without path",
    ))?;
    let mut kem_output = None;
    let mut removed = None;
    let mut list = Vec::with_capacity(commit.proposals.len());
    let mut psk_ids = Vec::new();
    for p in &commit.proposals {
        let ProposalOrRef::Proposal(proposal) = p else {
            return Err(Error::invalid(
                crate::Rule::Xc3,
                "an external Commit covers a proposal by reference",
            ));
        };
        match &**proposal {
            Proposal::ExternalInit(e) => {
                if kem_output.replace(&e.kem_output).is_some() {
                    return Err(Error::invalid(
                        crate::Rule::Xc1,
                        "an external Commit with more than one ExternalInit",
                    ));
                }
            }
            Proposal::Remove(r) => {
                if removed.replace(r.removed).is_some() {
                    return Err(Error::invalid(
                        crate::Rule::Xc4,
                        "an external Commit with more than one Remove",
                    ));
                }
            }
            Proposal::PreSharedKey(psk) => {
                judge.check_psk_id(&psk.psk)?;
                if psk_ids.contains(&&psk.psk) {
                    return Err(Error::invalid(
                        crate::Rule::Prop7,
                        "two PreSharedKey proposals with the same PreSharedKeyID",
                    ));
                }
                psk_ids.push(&psk.psk);
            }
            _ => {
                return Err(Error::invalid(
                    crate::Rule::Xc3,
                    "an external Commit covers a proposal other than ExternalInit, \
                         Remove and PreSharedKey",
                ));
            }
        }
        list.push(ResolvedProposal {
            proposal: (**proposal).clone(),
            sender: Sender::NewMemberCommit,
            reference: None,
        });
    }
    let kem_output = kem_output.ok_or(Error::invalid(
        crate::Rule::Xc1,
        "an external Commit without ExternalInit",
    ))?;
    let leaf = &path.leaf_node;
    if let Some(r) = removed {
        let prior = judge.tree.leaf(r).ok_or(Error::invalid(
            crate::Rule::Prop1,
            "a Remove proposal names a blank or missing leaf",
        ))?;
        if prior.credential != leaf.credential {
            return Err(Error::invalid(
                crate::Rule::Xc5,
                "an external Commit removes a member with another credential",
            ));
        }
    }
    check_leaf_self(judge.suite, leaf, LeafRole::Commit, None)?;
    check_required_capabilities(
        leaf,
        judge.context.extensions.required_capabilities()?.as_ref(),
    )?;
    let excluded: Vec<LeafIndex> = removed.into_iter().collect();
    CredentialSummary::of(judge.tree, &excluded).check(leaf)?;
    Ok(ExternalChecked {
        path,
        list,
        kem_output,
    })
}

/// A proposal from an external sender (section 12.1.8.1): the `sender_index`-th entry of
/// the group's `external_senders` extension signs `proposal` (one of add, remove, psk,
/// reinit, group_context_extensions, PROP-17) for the epoch of `context`; sent as a
/// PublicMessage (no membership tag). Members cache it and a Commit covers it by
/// reference.
///
/// # Errors
/// [`Error::Invalid`] (PROP-17) for a type an external sender may not propose; as signing.
pub fn external_proposal(
    suite: crate::suite::CipherSuite,
    context: &GroupContext,
    sender_index: u32,
    proposal: Proposal,
    signer: &crate::suite::SignaturePrivateKey,
) -> Result<MlsMessage> {
    if !matches!(proposal.proposal_type().0, 1 | 3 | 4 | 5 | 7) {
        return Err(Error::invalid(
            crate::Rule::Prop17,
            "an external sender proposed a type it may not",
        ));
    }
    sign_external(
        suite,
        context,
        Sender::External(sender_index),
        proposal,
        signer,
    )
}

/// A `new_member_proposal` (section 12.1.8): the owner of `bundle` proposes adding itself
/// to the group in the epoch of `context` (from its GroupInfo), signed with the
/// KeyPackage's key; a member's Commit covers it by reference and Welcomes it.
///
/// # Errors
/// As signing.
pub fn new_member_proposal(
    context: &GroupContext,
    bundle: &KeyPackageBundle,
) -> Result<MlsMessage> {
    sign_external(
        bundle.suite,
        context,
        Sender::NewMemberProposal,
        Proposal::Add(crate::proposal::Add {
            key_package: bundle.key_package.clone(),
        }),
        &bundle.signer,
    )
}

fn sign_external(
    suite: crate::suite::CipherSuite,
    context: &GroupContext,
    sender: Sender,
    proposal: Proposal,
    signer: &crate::suite::SignaturePrivateKey,
) -> Result<MlsMessage> {
    let content = FramedContent {
        group_id: context.group_id.clone(),
        epoch: context.epoch,
        sender,
        authenticated_data: Vec::new(),
        body: FramedContentBody::Proposal(proposal),
    };
    let signed = sign_content(suite, WireFormat::PublicMessage, content, context, signer)?;
    Ok(MlsMessage::PublicMessage(protect_public(
        suite,
        signed,
        context,
        &[],
    )?))
}

/// The signature key of an external Commit's sender: its path's leaf (XC-2).
pub(super) fn external_committer_key(content: &FramedContent) -> Result<Vec<u8>> {
    match &content.body {
        FramedContentBody::Commit(Commit {
            path: Some(path), ..
        }) => Ok(path.leaf_node.signature_key.0.clone()),
        FramedContentBody::Commit(_) => Err(Error::invalid(
            crate::Rule::Xc2,
            "an external Commit without path",
        )),
        _ => Err(Error::invalid(
            crate::Rule::Commit2,
            "a new_member_commit sender sent something other than a Commit",
        )),
    }
}
