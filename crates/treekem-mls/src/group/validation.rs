//! Leaf-node validation (RFC 9420 section 7.3), proposal validation (sections 12.1.1-12.1.8),
//! proposal-list validation (section 12.2) and applying a proposal list (section 12.3).
//!
//! | id | rule | section |
//! |---|---|---|
//! | LN-1 | a leaf's capabilities list the group's version and cipher suite | 7.3 |
//! | LN-2 | a leaf's capabilities list the group's `required_capabilities` | 7.3, 11.1 |
//! | LN-3 | a new leaf's credential type is supported by every member, and it supports every credential type in use | 7.3 |
//! | LN-4 | a leaf's non-default extensions are listed in its capabilities, its credential type too | 7.2, 7.3 |
//! | LN-5 | a leaf's source fits where it appears (`key_package` in a KeyPackage, `update` in an Update, `commit` in an UpdatePath) | 7.3 |
//! | LN-6 | a leaf's encryption key is a valid public key of the suite | 5.1.1, 7.3 |
//! | PROP-1 | an Update or Remove names a non-blank leaf (checked by the tree) | 12.1.2, 12.1.3 |
//! | PROP-2 | a Commit contains no Update proposed by the committer | 12.2 |
//! | PROP-3 | a Commit contains no Remove of the committer | 12.2 |
//! | PROP-4 | at most one Update or Remove per leaf | 12.2 |
//! | PROP-5 | no two Adds for the same client (same signature key) | 12.2 |
//! | PROP-6 | no Add of a client already in the group (its signature key), unless the same Commit removes that member | 12.2 |
//! | PROP-7 | no two PreSharedKey proposals with the same PreSharedKeyID | 12.2 |
//! | PROP-8 | at most one GroupContextExtensions proposal | 12.2 |
//! | PROP-9 | a ReInit is the only proposal of its Commit | 12.2 |
//! | PROP-10 | ExternalInit appears only in an external Commit | 12.1.6, 12.2 |
//! | PROP-11 | a non-default proposal type is supported by every member that stays | 12.2 |
//! | PROP-12 | a PSK's `psk_nonce` is `KDF.Nh` bytes | 12.1.4 |
//! | PROP-13 | a PreSharedKey proposal names no resumption PSK of usage `reinit` or `branch` | 12.1.4, 11.2, 11.3 |
//! | PROP-14 | a ReInit's version is not below the group's | 12.1.5 |
//! | PROP-15 | a `required_capabilities` extension of a GroupContextExtensions is supported by every member after the Commit | 12.1.7, 11.1 |
//! | PROP-16 | an Update comes from a member, with a leaf of source `update` and a new encryption key | 12.1.2, 7.3 |
//! | PROP-17 | an `external` sender proposes only add, remove, psk, reinit or group_context_extensions; a `new_member_proposal` sender only Add | 12.1.8 |
//! | PROP-18 | a Commit's proposal reference names a proposal received in this epoch | 12.4 |
//! | PROP-19 | an Update of the receiving member that a Commit covers is one this member proposed (it holds the private key) | 12.4.2 |
//! | COMMIT-1 | the `path` is present unless the Commit covers proposals that are all add, psk or reinit | 12.4 |

use std::collections::{BTreeSet, HashSet};

use crate::{
    Error, Result,
    extension::{Extensions, RequiredCapabilities},
    framing::Sender,
    group_context::GroupContext,
    key_package::KeyPackage,
    leaf_node::{LeafNode, LeafNodeSourceData},
    proposal::PreSharedKeyId,
    proposal::{Proposal, PskSource, ReInit},
    suite::CipherSuite,
    tree::RatchetTree,
    types::{
        CipherSuiteId, CredentialType, LeafIndex, LeafNodeSource, ProposalRef, ProposalType,
        ResumptionPskUsage,
    },
};

use super::{
    key_packages::{check_key_package, check_lifetime, key_package_signatures_valid},
    psk::PskStore,
};

/// Where a LeafNode appears (LN-5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeafRole {
    KeyPackage,
    Update,
    Commit,
}

/// LN-1, LN-4 and LN-6: the rules of a LeafNode that need neither the group nor where
/// the leaf appears.
pub(crate) fn check_leaf_content(suite: CipherSuite, leaf: &LeafNode) -> Result<()> {
    let caps = &leaf.capabilities;
    if !caps
        .versions
        .contains(&crate::types::ProtocolVersion::MLS10)
        || !caps.cipher_suites.contains(&CipherSuiteId(suite.id()))
    {
        return Err(Error::invalid(
            crate::Rule::Ln1,
            "the leaf does not support the group's version and cipher suite",
        ));
    }
    if !caps
        .credentials
        .contains(&leaf.credential.credential_type())
    {
        return Err(Error::invalid(
            crate::Rule::Ln4,
            "the leaf's credential type is not in its capabilities",
        ));
    }
    for ext in leaf.extensions.iter() {
        if !ext.extension_type.is_default() && !caps.extensions.contains(&ext.extension_type) {
            return Err(Error::invalid(
                crate::Rule::Ln4,
                "the leaf carries an extension its capabilities do not list",
            ));
        }
    }
    suite
        .hpke_public_key(leaf.encryption_key.as_slice())
        .map_err(|_| {
            Error::invalid(
                crate::Rule::Ln6,
                "the leaf's encryption key is not a valid public key",
            )
        })?;
    Ok(())
}

/// LN-5 for `role`, then [`check_leaf_content`]: [`check_leaf_self`] without the signature.
pub(crate) fn check_leaf_unsigned(
    suite: CipherSuite,
    leaf: &LeafNode,
    role: LeafRole,
) -> Result<()> {
    let expected = match role {
        LeafRole::KeyPackage => LeafNodeSource::KeyPackage,
        LeafRole::Update => LeafNodeSource::Update,
        LeafRole::Commit => LeafNodeSource::Commit,
    };
    if leaf.leaf_node_source.source() != expected {
        return Err(Error::invalid(
            crate::Rule::Ln5,
            "the leaf node source does not fit where the leaf appears",
        ));
    }
    check_leaf_content(suite, leaf)
}

/// [`check_leaf_content`], LN-5 for `role` and, for a KeyPackage leaf always and for
/// others when `signed_at` gives the group ID and leaf index, the signature.
pub(crate) fn check_leaf_self(
    suite: CipherSuite,
    leaf: &LeafNode,
    role: LeafRole,
    signed_at: Option<(&[u8], LeafIndex)>,
) -> Result<()> {
    check_leaf_unsigned(suite, leaf, role)?;
    let tbs = match (role, signed_at) {
        (LeafRole::KeyPackage, _) => Some(leaf.tbs(None)?),
        (_, Some(at)) => Some(leaf.tbs(Some(at))?),
        (_, None) => None,
    };
    if let Some(tbs) = tbs {
        suite.verify_with_label(
            leaf.signature_key.as_slice(),
            b"LeafNodeTBS",
            &tbs,
            &leaf.signature,
        )?;
    }
    Ok(())
}

/// LN-2: the leaf's capabilities cover `required` (default extension and proposal types
/// need not be listed; credential types must).
pub(crate) fn check_required_capabilities(
    leaf: &LeafNode,
    required: Option<&RequiredCapabilities>,
) -> Result<()> {
    let Some(rc) = required else {
        return Ok(());
    };
    let caps = &leaf.capabilities;
    let ok = rc
        .extension_types
        .iter()
        .all(|t| t.is_default() || caps.extensions.contains(t))
        && rc
            .proposal_types
            .iter()
            .all(|t| t.is_default() || caps.proposals.contains(t))
        && rc
            .credential_types
            .iter()
            .all(|t| caps.credentials.contains(t));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            crate::Rule::Ln2,
            "the leaf does not support the group's required capabilities",
        ))
    }
}

/// The credential types of a set of members (LN-3): those in use, and those every member
/// supports.
#[derive(Debug, Clone, Default)]
pub(crate) struct CredentialSummary {
    in_use: BTreeSet<CredentialType>,
    supported_by_all: Option<BTreeSet<CredentialType>>,
}

impl CredentialSummary {
    /// The summary of the members of `tree` other than `exclude`. Costs O(n).
    pub(crate) fn of(tree: &RatchetTree, exclude: &[LeafIndex]) -> Self {
        let mut s = Self::default();
        for (i, leaf) in tree.members() {
            if exclude.contains(&i) {
                continue;
            }
            s.add(leaf);
        }
        s
    }

    fn add(&mut self, leaf: &LeafNode) {
        self.in_use.insert(leaf.credential.credential_type());
        let supported: BTreeSet<CredentialType> =
            leaf.capabilities.credentials.iter().copied().collect();
        self.supported_by_all = Some(match self.supported_by_all.take() {
            None => supported,
            Some(all) => all.intersection(&supported).copied().collect(),
        });
    }

    /// LN-3 for a leaf joining these members.
    pub(crate) fn check(&self, leaf: &LeafNode) -> Result<()> {
        let own = leaf.credential.credential_type();
        let supported = self
            .supported_by_all
            .as_ref()
            .is_none_or(|s| s.contains(&own));
        let covers = self
            .in_use
            .iter()
            .all(|t| leaf.capabilities.credentials.contains(t));
        if supported && covers {
            Ok(())
        } else {
            Err(Error::invalid(
                crate::Rule::Ln3,
                "the leaf's credential type is not supported by every member, or it \
                 does not support one in use",
            ))
        }
    }
}

/// A proposal of a Commit with who proposed it and, if committed by reference, its
/// reference.
#[derive(Debug, Clone)]
pub(crate) struct ResolvedProposal {
    pub(crate) proposal: Proposal,
    pub(crate) sender: Sender,
    pub(crate) reference: Option<ProposalRef>,
}

/// The group state a proposal is judged against.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Judge<'a> {
    pub(crate) suite: CipherSuite,
    pub(crate) context: &'a GroupContext,
    pub(crate) tree: &'a RatchetTree,
    /// The PSKs held (PSK-1); `None` for the public view, which holds none and cannot
    /// check it.
    pub(crate) psks: Option<&'a PskStore>,
    /// The resumption PSK usage (`reinit` or `branch`) the first Commit of a group created
    /// by [`super::Group::reinit`] or [`super::Group::branch`] may carry (PROP-13).
    pub(crate) initial_psk_usage: Option<ResumptionPskUsage>,
    /// The time (seconds since the Unix epoch) KeyPackages must be valid at (KP-6): set
    /// for what this member sends, `None` for what it receives (section 7.3 only
    /// recommends the check there: a KeyPackage may expire in transit).
    pub(crate) now: Option<u64>,
    /// The longest KeyPackage lifetime accepted (KP-8).
    pub(crate) max_lifetime: u64,
}

/// Which signatures of a proposal [`Judge::check_proposal`] verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signatures {
    /// All of them: a proposal received by value.
    Verify,
    /// All but an Add's KeyPackage and leaf signatures, which [`key_package_signatures_valid`]
    /// verified with the other Adds of the same Commit.
    KeyPackageVerified,
    /// A proposal committed by reference, verified on receipt: only an Add's leaf signature
    /// (part of the leaf's own rules).
    Received,
}

/// PROP-17: the proposal types an `external` sender may send (section 12.1.8).
const fn external_may_send(t: ProposalType) -> bool {
    matches!(t.0, 1 | 3 | 4 | 5 | 7)
}

impl Judge<'_> {
    /// The rules of one proposal on its own, with the group's current extensions
    /// (`extensions` after a GroupContextExtensions of the same Commit), verifying the
    /// `signatures` named.
    fn check_proposal(
        &self,
        proposal: &Proposal,
        sender: &Sender,
        extensions: &Extensions,
        signatures: Signatures,
    ) -> Result<()> {
        let t = proposal.proposal_type();
        match sender {
            Sender::External(_) if !external_may_send(t) => {
                return Err(Error::invalid(
                    crate::Rule::Prop17,
                    "an external sender proposed a type it may not",
                ));
            }
            Sender::NewMemberProposal if t != ProposalType::ADD => {
                return Err(Error::invalid(
                    crate::Rule::Prop17,
                    "a new_member_proposal sender proposed something other than Add",
                ));
            }
            _ => {}
        }
        let required = extensions.required_capabilities()?;
        match proposal {
            Proposal::Add(add) => self.check_add(&add.key_package, required.as_ref(), signatures),
            Proposal::Update(update) => {
                let Sender::Member(at) = *sender else {
                    return Err(Error::invalid(
                        crate::Rule::Prop16,
                        "an Update proposal from a non-member",
                    ));
                };
                let current = self.tree.leaf(at).ok_or(Error::invalid(
                    crate::Rule::Prop1,
                    "an Update proposal from a blank or missing leaf",
                ))?;
                let leaf = &update.leaf_node;
                if leaf.leaf_node_source.source() != LeafNodeSource::Update {
                    return Err(Error::invalid(
                        crate::Rule::Prop16,
                        "an Update's leaf node source is not update",
                    ));
                }
                let signed = (signatures != Signatures::Received)
                    .then_some((self.context.group_id.as_slice(), at));
                check_leaf_self(self.suite, leaf, LeafRole::Update, signed)?;
                if leaf.encryption_key == current.encryption_key {
                    return Err(Error::invalid(
                        crate::Rule::Prop16,
                        "an Update keeps the leaf's encryption key",
                    ));
                }
                check_required_capabilities(leaf, required.as_ref())?;
                if leaf.credential.credential_type() != current.credential.credential_type()
                    || leaf.capabilities.credentials != current.capabilities.credentials
                {
                    CredentialSummary::of(self.tree, &[at]).check(leaf)?;
                }
                Ok(())
            }
            Proposal::Remove(remove) => {
                if self.tree.leaf(remove.removed).is_none() {
                    return Err(Error::invalid(
                        crate::Rule::Prop1,
                        "a Remove proposal names a blank or missing leaf",
                    ));
                }
                Ok(())
            }
            Proposal::PreSharedKey(psk) => self.check_psk_id(&psk.psk),
            Proposal::ReInit(reinit) => check_reinit(self.context, reinit),
            Proposal::ExternalInit(_) => Err(Error::invalid(
                crate::Rule::Prop10,
                "an ExternalInit proposal outside an external Commit",
            )),
            Proposal::GroupContextExtensions(gce) => {
                let rc = gce.extensions.required_capabilities()?;
                if rc.is_some() {
                    for (_, leaf) in self.tree.members() {
                        check_required_capabilities(leaf, rc.as_ref()).map_err(|_| {
                            Error::invalid(
                                crate::Rule::Prop15,
                                "a member does not support the proposed required \
                                 capabilities",
                            )
                        })?;
                    }
                }
                Ok(())
            }
            Proposal::Other { proposal_type, .. } => {
                if self
                    .tree
                    .members()
                    .all(|(_, l)| l.capabilities.proposals.contains(proposal_type))
                {
                    Ok(())
                } else {
                    Err(Error::invalid(
                        crate::Rule::Prop11,
                        "a proposal type some member does not support",
                    ))
                }
            }
        }
    }

    /// [`Self::check_proposal`] for a proposal on its own (received, or about to be sent),
    /// by value: against the group's current extensions, every signature verified.
    pub(crate) fn check_received_proposal(
        &self,
        proposal: &Proposal,
        sender: &Sender,
    ) -> Result<()> {
        self.check_proposal(
            proposal,
            sender,
            &self.context.extensions,
            Signatures::Verify,
        )
    }

    fn check_add(
        &self,
        kp: &KeyPackage,
        required: Option<&RequiredCapabilities>,
        signatures: Signatures,
    ) -> Result<()> {
        match signatures {
            Signatures::Verify => check_key_package(self.suite, kp, None, false)?,
            Signatures::KeyPackageVerified => check_key_package(self.suite, kp, None, true)?,
            Signatures::Received => {
                check_leaf_self(self.suite, &kp.leaf_node, LeafRole::KeyPackage, None)?;
            }
        }
        if kp.version != self.context.version {
            return Err(Error::invalid(
                crate::Rule::Kp1,
                "KeyPackage version is not the group's",
            ));
        }
        if let LeafNodeSourceData::KeyPackage { lifetime } = &kp.leaf_node.leaf_node_source {
            check_lifetime(lifetime, self.now, self.max_lifetime)?;
        }
        check_required_capabilities(&kp.leaf_node, required)
    }

    /// PROP-12 and PROP-13.
    pub(crate) fn check_psk_id(&self, id: &PreSharedKeyId) -> Result<()> {
        if id.psk_nonce.len() != self.suite.hash_len() {
            return Err(Error::invalid(
                crate::Rule::Prop12,
                "a psk_nonce is not KDF.Nh bytes",
            ));
        }
        if let PskSource::Resumption { usage, .. } = &id.psk
            && *usage != ResumptionPskUsage::Application
            && Some(*usage) != self.initial_psk_usage
        {
            return Err(Error::invalid(
                crate::Rule::Prop13,
                "a PreSharedKey proposal names a reinit or branch resumption PSK",
            ));
        }
        Ok(())
    }

    /// Section 12.2 for a regular Commit by `committer`: every proposal valid on its own
    /// (with the extensions of a GroupContextExtensions of the list), PROP-2 to PROP-11,
    /// PROP-15 against the members after the Commit, and PSK-1.
    ///
    /// The signatures of the KeyPackages added by value are verified first, each strictly,
    /// on all cores with the feature `parallel` ([`key_package_signatures_valid`]; not a
    /// batch equation, whose verdict strict verifiers may not share). Only if all verify does the
    /// proposal-by-proposal pass skip them; otherwise it verifies each KeyPackage on its
    /// own as before, so the error (which rule, which proposal first) is the same either way.
    pub(crate) fn check_commit_list(
        &self,
        list: &[ResolvedProposal],
        committer: LeafIndex,
    ) -> Result<()> {
        let mut extensions = None;
        for p in list {
            if let Proposal::GroupContextExtensions(gce) = &p.proposal {
                if extensions.is_some() {
                    return Err(Error::invalid(
                        crate::Rule::Prop8,
                        "more than one GroupContextExtensions proposal",
                    ));
                }
                extensions = Some(&gce.extensions);
            }
        }
        let extensions = extensions.unwrap_or(&self.context.extensions);
        let added_by_value: Vec<&KeyPackage> = list
            .iter()
            .filter(|p| p.reference.is_none())
            .filter_map(|p| match &p.proposal {
                Proposal::Add(a) => Some(&a.key_package),
                _ => None,
            })
            .collect();
        // One Add is verified on its own: there is nothing to spread over threads.
        let by_value = if added_by_value.len() > 1
            && key_package_signatures_valid(self.suite, &added_by_value)
        {
            Signatures::KeyPackageVerified
        } else {
            Signatures::Verify
        };
        let mut touched = HashSet::new();
        let mut removed = Vec::new();
        let mut added_keys = HashSet::new();
        let mut psk_ids = HashSet::new();
        let mut adds: Vec<&KeyPackage> = Vec::new();
        let mut other_types = BTreeSet::new();
        let mut reinit = false;
        let mut gce_rc = None;
        for p in list {
            match (&p.proposal, &p.sender) {
                (Proposal::Update(_), Sender::Member(s)) if *s == committer => {
                    return Err(Error::invalid(
                        crate::Rule::Prop2,
                        "the Commit contains an Update from the committer",
                    ));
                }
                (Proposal::GroupContextExtensions(gce), _) => {
                    // PROP-15 is judged against the members after the Commit, below.
                    gce_rc = gce.extensions.required_capabilities()?;
                }
                (proposal, sender) => {
                    let signatures = if p.reference.is_none() {
                        by_value
                    } else {
                        Signatures::Received
                    };
                    self.check_proposal(proposal, sender, extensions, signatures)?;
                }
            }
            match &p.proposal {
                Proposal::Update(_) => {
                    if let Sender::Member(s) = p.sender
                        && !touched.insert(s)
                    {
                        return Err(Error::invalid(
                            crate::Rule::Prop4,
                            "two Update or Remove proposals for the same leaf",
                        ));
                    }
                }
                Proposal::Remove(r) => {
                    if r.removed == committer {
                        return Err(Error::invalid(
                            crate::Rule::Prop3,
                            "the Commit removes the committer",
                        ));
                    }
                    if !touched.insert(r.removed) {
                        return Err(Error::invalid(
                            crate::Rule::Prop4,
                            "two Update or Remove proposals for the same leaf",
                        ));
                    }
                    removed.push(r.removed);
                }
                Proposal::Add(a) => {
                    if !added_keys.insert(a.key_package.leaf_node.signature_key.as_slice()) {
                        return Err(Error::invalid(
                            crate::Rule::Prop5,
                            "two Add proposals for the same client",
                        ));
                    }
                    adds.push(&a.key_package);
                }
                Proposal::PreSharedKey(psk) => {
                    if !psk_ids.insert(&psk.psk) {
                        return Err(Error::invalid(
                            crate::Rule::Prop7,
                            "two PreSharedKey proposals with the same PreSharedKeyID",
                        ));
                    }
                    if self.psks.is_some_and(|p| p.get(&psk.psk).is_none()) {
                        return Err(Error::invalid(
                            crate::Rule::Psk1,
                            "a pre-shared key named by the Commit or Welcome is not \
                             available",
                        ));
                    }
                }
                Proposal::ReInit(_) => reinit = true,
                Proposal::ExternalInit(_) => {
                    return Err(Error::invalid(
                        crate::Rule::Prop10,
                        "an ExternalInit proposal outside an external Commit",
                    ));
                }
                Proposal::GroupContextExtensions(_) => {}
                Proposal::Other { proposal_type, .. } => {
                    other_types.insert(*proposal_type);
                }
            }
        }
        if reinit && list.len() > 1 {
            return Err(Error::invalid(
                crate::Rule::Prop9,
                "a ReInit proposal together with other proposals",
            ));
        }
        for kp in &adds {
            if let Some(member) = self
                .tree
                .find_signature_key(kp.leaf_node.signature_key.as_slice())
                && !removed.contains(&member)
            {
                return Err(Error::invalid(
                    crate::Rule::Prop6,
                    "an Add proposal for a client already in the group",
                ));
            }
        }
        let staying = || {
            self.tree
                .members()
                .filter(|(i, _)| !removed.contains(i))
                .map(|(_, l)| l)
        };
        for t in &other_types {
            if !staying().all(|l| l.capabilities.proposals.contains(t)) {
                return Err(Error::invalid(
                    crate::Rule::Prop11,
                    "a proposal type some member does not support",
                ));
            }
        }
        if let Some(rc) = gce_rc.as_ref() {
            for leaf in staying().chain(adds.iter().map(|kp| &kp.leaf_node)) {
                check_required_capabilities(leaf, Some(rc)).map_err(|_| {
                    Error::invalid(
                        crate::Rule::Prop15,
                        "a member does not support the proposed required capabilities",
                    )
                })?;
            }
        }
        if !adds.is_empty() {
            let summary = CredentialSummary::of(self.tree, &removed);
            for kp in &adds {
                summary.check(&kp.leaf_node)?;
            }
        }
        Ok(())
    }
}

/// PROP-14.
fn check_reinit(context: &GroupContext, reinit: &ReInit) -> Result<()> {
    if reinit.version < context.version {
        return Err(Error::invalid(
            crate::Rule::Prop14,
            "a ReInit to a version below the group's",
        ));
    }
    Ok(())
}

/// Whether a Commit covering `list` must carry a path (section 12.4, COMMIT-1): unless
/// it covers at least one proposal and all are add, psk or reinit.
pub(crate) fn path_required(list: &[ResolvedProposal]) -> bool {
    list.is_empty()
        || list.iter().any(|p| {
            !matches!(
                p.proposal,
                Proposal::Add(_) | Proposal::PreSharedKey(_) | Proposal::ReInit(_)
            )
        })
}

/// What applying a proposal list changed (section 12.3).
#[derive(Debug, Default)]
pub(crate) struct Applied {
    /// The new GroupContext extensions, if a GroupContextExtensions was applied.
    pub(crate) extensions: Option<Extensions>,
    /// The leaves of the added members, in list order, with their KeyPackages.
    pub(crate) joiners: Vec<(LeafIndex, KeyPackage)>,
    /// The members removed.
    pub(crate) removed: Vec<LeafIndex>,
    /// The members whose leaf an Update replaced.
    pub(crate) updated: Vec<LeafIndex>,
    /// The PSKs, in list order.
    pub(crate) psk_ids: Vec<PreSharedKeyId>,
    /// A ReInit's parameters.
    pub(crate) reinit: Option<ReInit>,
}

impl Applied {
    /// The joiners' leaf indices.
    pub(crate) fn joiner_leaves(&self) -> Vec<LeafIndex> {
        self.joiners.iter().map(|(l, _)| *l).collect()
    }
}

/// Applies a validated list to `tree` in the order of section 12.3: GroupContextExtensions,
/// Updates, Removes, Adds (in list order), then notes PSKs and ReInit. The caller runs it
/// inside a transaction.
pub(crate) fn apply_list(tree: &mut RatchetTree, list: &[ResolvedProposal]) -> Result<Applied> {
    let mut applied = Applied::default();
    for p in list {
        if let Proposal::GroupContextExtensions(gce) = &p.proposal {
            applied.extensions = Some(gce.extensions.clone());
        }
    }
    for p in list {
        if let (Proposal::Update(u), Sender::Member(s)) = (&p.proposal, &p.sender) {
            tree.update_leaf(*s, u.leaf_node.clone())?;
            applied.updated.push(*s);
        }
    }
    for p in list {
        if let Proposal::Remove(r) = &p.proposal {
            tree.remove_leaf(r.removed)?;
            applied.removed.push(r.removed);
        }
    }
    for p in list {
        match &p.proposal {
            Proposal::Add(a) => {
                let leaf = tree.add_leaf(a.key_package.leaf_node.clone())?;
                applied.joiners.push((leaf, a.key_package.clone()));
            }
            Proposal::PreSharedKey(psk) => applied.psk_ids.push(psk.psk.clone()),
            Proposal::ReInit(r) => applied.reinit = Some(r.clone()),
            _ => {}
        }
    }
    Ok(applied)
}
