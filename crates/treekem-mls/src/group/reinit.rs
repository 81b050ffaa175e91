//! Reinitialization (RFC 9420 section 11.2) and subgroup branching (section 11.3): a new
//! group linked to an old one by a resumption PSK (section 8.6) of usage `reinit` or
//! `branch`.
//!
//! ```text
//! old group, epoch n:  Commit(ReInit{group_id', version', suite', extensions'})
//!                      -> epoch n+1, status ReInitPending
//! Group::reinit:       new group (group_id', suite', extensions'), epoch 0
//!                      first Commit: Adds + PreSharedKey(resumption, reinit,
//!                                    old group_id, n+1, fresh nonce) -> epoch 1, Welcome
//! Group::join_reinit:  REINIT-1..3, WEL-6 (epoch 1), then an ordinary join
//!
//! Group::branch:       new group (new group_id, same suite and extensions), epoch 0
//!                      first Commit: Adds + PreSharedKey(resumption, branch,
//!                                    old group_id, current epoch, fresh nonce)
//! Group::join_branch:  BRANCH-1..3, WEL-6 (epoch 1), then an ordinary join
//! ```
//!
//! Only the first Commit of a group created by [`Group::reinit`] or [`Group::branch`] may
//! carry a resumption PSK of that usage; anywhere else a PreSharedKey proposal naming one
//! is invalid (PROP-13). A plain [`Group::join`] does not check the link to the old group
//! (it only enforces WEL-6); members of the old group join with `join_reinit` or
//! `join_branch`.
//!
//! | id | rule | section |
//! |---|---|---|
//! | REINIT-1 | a reinitialized group is created, and joined, only from an old group whose last Commit covered a ReInit (status `ReInitPending`) | 11.2 |
//! | REINIT-2 | the Welcome names a resumption PSK of usage `reinit` whose `psk_group_id` is the old group's and whose `psk_epoch` is the old group's epoch after the ReInit Commit, and no `branch` PSK | 11.2 |
//! | REINIT-3 | the new group's `version`, `cipher_suite`, `group_id` and `extensions` are the ReInit's | 11.2 |
//! | BRANCH-1 | a subgroup has the old group's `version` and `cipher_suite` | 11.3 |
//! | BRANCH-2 | the Welcome names a resumption PSK of usage `branch` whose `psk_group_id` is the old group's, and no `reinit` PSK | 11.3 |
//! | BRANCH-3 | every leaf of the subgroup has the credential of a member of the old group (this crate's "identifiers considered equivalent": equal credentials, compared with the old group's current tree) | 11.3 |
//!
//! The `epoch` of the new group's GroupInfo is 1 (WEL-6, in `join.rs`).

use primitives::{SecretVec, rand::CryptoRng};

use crate::{
    Error, Result,
    extension::{Extensions, RatchetTreeExtension},
    group_context::GroupContext,
    key_package::KeyPackage,
    proposal::{Add, PreSharedKey, PreSharedKeyId, Proposal, PskSource, ReInit},
    tree::RatchetTree,
    types::{CipherSuiteId, ResumptionPskUsage},
    welcome::Welcome,
};

use super::{CommitOptions, CommitOutput, Group, GroupConfig, GroupStatus, KeyPackageBundle};

/// The resumption PSKs of usage `usage` among `psks`: `(group_id, epoch)`.
fn resumption_of(psks: &[PreSharedKeyId], usage: ResumptionPskUsage) -> Vec<(&[u8], u64)> {
    psks.iter()
        .filter_map(|id| match &id.psk {
            PskSource::Resumption {
                usage: u,
                psk_group_id,
                psk_epoch,
            } if *u == usage => Some((psk_group_id.as_slice(), *psk_epoch)),
            _ => None,
        })
        .collect()
}

/// REINIT-2 and REINIT-3 for a Welcome into the group that `reinit` announced, from the
/// old group `old_group_id` at `old_epoch`.
pub(super) fn check_reinit_welcome(
    reinit: &ReInit,
    old_group_id: &[u8],
    old_epoch: u64,
    psks: &[PreSharedKeyId],
    context: &GroupContext,
) -> Result<()> {
    let linked = resumption_of(psks, ResumptionPskUsage::Reinit);
    if linked != [(old_group_id, old_epoch)]
        || !resumption_of(psks, ResumptionPskUsage::Branch).is_empty()
    {
        return Err(Error::invalid(
            crate::Rule::Reinit2,
            "the Welcome names no reinit resumption PSK of the old group's last epoch",
        ));
    }
    if context.group_id != reinit.group_id
        || context.version != reinit.version
        || context.cipher_suite != reinit.cipher_suite
        || context.extensions != reinit.extensions
    {
        return Err(Error::invalid(
            crate::Rule::Reinit3,
            "the new group's parameters are not the ReInit's",
        ));
    }
    Ok(())
}

/// BRANCH-1 to BRANCH-3 for a Welcome into a subgroup of `old`.
fn check_branch_welcome(
    old: &Group,
    psks: &[PreSharedKeyId],
    context: &GroupContext,
    tree: &RatchetTree,
) -> Result<()> {
    if context.version != old.context.version || context.cipher_suite != old.context.cipher_suite {
        return Err(Error::invalid(
            crate::Rule::Branch1,
            "the subgroup's version or cipher suite is not the old group's",
        ));
    }
    let linked = resumption_of(psks, ResumptionPskUsage::Branch);
    if linked.len() != 1
        || linked
            .iter()
            .any(|(g, _)| *g != old.context.group_id.as_slice())
        || !resumption_of(psks, ResumptionPskUsage::Reinit).is_empty()
    {
        return Err(Error::invalid(
            crate::Rule::Branch2,
            "the Welcome names no branch resumption PSK of the old group",
        ));
    }
    check_subgroup_members(old, tree.members().map(|(_, l)| &l.credential))
}

/// BRANCH-3: each credential is one of `old`'s members'.
fn check_subgroup_members<'a>(
    old: &Group,
    mut credentials: impl Iterator<Item = &'a crate::credential::Credential>,
) -> Result<()> {
    if credentials.all(|c| old.tree.members().any(|(_, l)| l.credential == *c)) {
        Ok(())
    } else {
        Err(Error::invalid(
            crate::Rule::Branch3,
            "a subgroup member is not a member of the old group",
        ))
    }
}

impl Group {
    /// The ReInit this group awaits (REINIT-1).
    fn pending_reinit(&self) -> Result<&ReInit> {
        match &self.status {
            GroupStatus::ReInitPending(r) => Ok(r),
            _ => Err(Error::Misuse(
                "REINIT-1: the group's last Commit covered no ReInit",
            )),
        }
    }

    /// A new group `group_id` of `bundle`'s suite with `extensions`, whose first Commit adds
    /// `key_packages` and injects this group's current resumption PSK with `usage`.
    #[allow(
        clippy::too_many_arguments,
        reason = "the new group's parameters, spelled out for both callers"
    )]
    fn resume(
        &self,
        usage: ResumptionPskUsage,
        group_id: Vec<u8>,
        extensions: Extensions,
        bundle: KeyPackageBundle,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        rng: &mut impl CryptoRng,
    ) -> Result<(Self, CommitOutput)> {
        let mut new = Self::create(group_id, bundle, extensions, config, rng)?;
        let old_group_id = self.context.group_id.clone();
        let old_epoch = self.context.epoch;
        new.psks.insert_resumption(
            old_group_id.clone(),
            old_epoch,
            self.epoch.secrets.resumption_psk.clone(),
        );
        new.origin = Some(usage);
        let psk = PreSharedKeyId {
            psk: PskSource::Resumption {
                usage,
                psk_group_id: old_group_id,
                psk_epoch: old_epoch,
            },
            // Section 11.3: a fresh nonce of KDF.Nh bytes, so the key is never reused.
            psk_nonce: SecretVec::random(new.suite.hash_len(), rng)
                .expose_secret()
                .to_vec(),
        };
        let mut proposals: Vec<Proposal> = key_packages
            .into_iter()
            .map(|key_package| Proposal::Add(Add { key_package }))
            .collect();
        proposals.push(Proposal::PreSharedKey(PreSharedKey { psk }));
        let out = new.commit(
            CommitOptions {
                proposals,
                include_received: false,
                ..CommitOptions::default()
            },
            rng,
        )?;
        new.merge_pending_commit()?;
        Ok((new, out))
    }

    /// Section 11.2 step 3: after a Commit covered a ReInit, creates the new group it
    /// announced (group ID, version, cipher suite and extensions of the ReInit) with
    /// `bundle` (a KeyPackage of the new suite) and, in its first Commit, Adds of
    /// `key_packages` (the other members' KeyPackages for the new group) and a PreSharedKey
    /// of this group's last `resumption_psk` with usage `reinit`. Returns the new group in
    /// epoch 1 and the Commit output whose Welcome the others join with
    /// [`Self::join_reinit`].
    ///
    /// # Errors
    /// [`Error::Misuse`] for REINIT-1 (no ReInit pending) or a `bundle` of another suite
    /// than the ReInit's (REINIT-3); [`Error::Unsupported`] for a version other than
    /// `mls10`; the errors of [`Self::create`] and [`Self::commit`].
    pub fn reinit(
        &self,
        bundle: KeyPackageBundle,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        rng: &mut impl CryptoRng,
    ) -> Result<(Self, CommitOutput)> {
        let r = self.pending_reinit()?;
        if CipherSuiteId(bundle.suite.id()) != r.cipher_suite {
            return Err(Error::Misuse(
                "REINIT-3: the KeyPackage is not of the ReInit's cipher suite",
            ));
        }
        if r.version != crate::types::ProtocolVersion::MLS10 {
            return Err(Error::Unsupported("a ReInit to a version other than mls10"));
        }
        self.resume(
            ResumptionPskUsage::Reinit,
            r.group_id.clone(),
            r.extensions.clone(),
            bundle,
            key_packages,
            config,
            rng,
        )
    }

    /// Joins the group that `old`'s pending ReInit announced, from its Welcome (section
    /// 11.2): an ordinary join (section 12.4.3.1) with `old`'s PSKs, plus REINIT-1 to
    /// REINIT-3 and WEL-6 (epoch 1).
    ///
    /// # Errors
    /// [`Error::Misuse`] for REINIT-1; [`Error::Invalid`] for REINIT-2, REINIT-3; the
    /// errors of [`Self::join`].
    pub fn join_reinit(
        welcome: &Welcome,
        bundle: KeyPackageBundle,
        ratchet_tree: Option<&RatchetTreeExtension>,
        old: &Self,
        config: GroupConfig,
    ) -> Result<Self> {
        let r = old.pending_reinit()?;
        let (old_group_id, old_epoch) = (old.context.group_id.as_slice(), old.context.epoch);
        Self::join_checked(
            welcome,
            bundle,
            ratchet_tree,
            old.psks.clone(),
            config,
            |psks, context, _| check_reinit_welcome(r, old_group_id, old_epoch, psks, context),
        )
    }

    /// Section 11.3: creates the subgroup `group_id` of this group (same version, cipher
    /// suite and extensions) with `bundle` (a new KeyPackage of this member) and, in its
    /// first Commit, Adds of `key_packages` (new KeyPackages of other members) and a
    /// PreSharedKey of this epoch's `resumption_psk` with usage `branch` and a fresh nonce.
    /// Returns the subgroup in epoch 1 and the Commit output whose Welcome the others join
    /// with [`Self::join_branch`].
    ///
    /// # Errors
    /// [`Error::Misuse`] for a removed member, a `bundle` of another suite (BRANCH-1), or a
    /// KeyPackage whose credential is no member's (BRANCH-3); the errors of
    /// [`Self::create`] and [`Self::commit`].
    pub fn branch(
        &self,
        group_id: Vec<u8>,
        bundle: KeyPackageBundle,
        key_packages: Vec<KeyPackage>,
        config: GroupConfig,
        rng: &mut impl CryptoRng,
    ) -> Result<(Self, CommitOutput)> {
        if self.status == GroupStatus::Removed {
            return Err(Error::Misuse("this member was removed from the group"));
        }
        if bundle.suite != self.suite {
            return Err(Error::Misuse(
                "BRANCH-1: the KeyPackage is not of the group's cipher suite",
            ));
        }
        let credentials = key_packages
            .iter()
            .chain(core::iter::once(&bundle.key_package))
            .map(|kp| &kp.leaf_node.credential);
        check_subgroup_members(self, credentials).map_err(|_| {
            Error::Misuse("BRANCH-3: a KeyPackage's credential is no member's of the group")
        })?;
        self.resume(
            ResumptionPskUsage::Branch,
            group_id,
            self.context.extensions.clone(),
            bundle,
            key_packages,
            config,
            rng,
        )
    }

    /// Joins a subgroup branched from `old` (section 11.3): an ordinary join with `old`'s
    /// PSKs (so the branch PSK's epoch must still be kept), plus BRANCH-1 to BRANCH-3 and
    /// WEL-6 (epoch 1).
    ///
    /// # Errors
    /// [`Error::Invalid`] for BRANCH-1 to BRANCH-3; the errors of [`Self::join`] (PSK-1
    /// if `old` does not hold the PSK).
    pub fn join_branch(
        welcome: &Welcome,
        bundle: KeyPackageBundle,
        ratchet_tree: Option<&RatchetTreeExtension>,
        old: &Self,
        config: GroupConfig,
    ) -> Result<Self> {
        Self::join_checked(
            welcome,
            bundle,
            ratchet_tree,
            old.psks.clone(),
            config,
            |psks, context, tree| check_branch_welcome(old, psks, context, tree),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;
    use crate::types::ProtocolVersion;

    fn reinit() -> ReInit {
        ReInit {
            group_id: b"new".to_vec(),
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(1),
            extensions: Extensions::empty(),
        }
    }

    fn psk(usage: ResumptionPskUsage, group: &[u8], epoch: u64) -> PreSharedKeyId {
        PreSharedKeyId {
            psk: PskSource::Resumption {
                usage,
                psk_group_id: group.to_vec(),
                psk_epoch: epoch,
            },
            psk_nonce: vec![0; 32],
        }
    }

    fn context(group_id: &[u8], suite: u16) -> GroupContext {
        GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(suite),
            group_id: group_id.to_vec(),
            epoch: 1,
            tree_hash: Vec::new(),
            confirmed_transcript_hash: Vec::new(),
            extensions: Extensions::empty(),
        }
    }

    #[test]
    fn reinit_2_and_3_the_welcome_is_linked_to_the_old_group_and_matches_the_reinit() {
        let r = reinit();
        let ok = [psk(ResumptionPskUsage::Reinit, b"old", 4)];
        check_reinit_welcome(&r, b"old", 4, &ok, &context(b"new", 1)).unwrap();
        let err = |psks: &[PreSharedKeyId], ctx: &GroupContext| match check_reinit_welcome(
            &r, b"old", 4, psks, ctx,
        )
        .unwrap_err()
        {
            Error::Invalid { rule, .. } => rule.id().to_owned(),
            e => format!("{e:?}"),
        };
        let new = context(b"new", 1);
        assert_eq!(err(&[], &new), "REINIT-2");
        assert_eq!(
            err(&[psk(ResumptionPskUsage::Reinit, b"old", 3)], &new),
            "REINIT-2"
        );
        assert_eq!(
            err(&[psk(ResumptionPskUsage::Reinit, b"other", 4)], &new),
            "REINIT-2"
        );
        assert_eq!(
            err(&[psk(ResumptionPskUsage::Branch, b"old", 4)], &new),
            "REINIT-2"
        );
        assert_eq!(err(&ok, &context(b"newer", 1)), "REINIT-3");
        assert_eq!(err(&ok, &context(b"new", 2)), "REINIT-3");
        let mut other_extensions = context(b"new", 1);
        other_extensions
            .extensions
            .set_typed(&crate::extension::ExternalSenders(Vec::new()))
            .unwrap();
        assert_eq!(err(&ok, &other_extensions), "REINIT-3");
    }
}
