//! Creating a group (RFC 9420 section 11) and joining one from a Welcome (section
//! 12.4.3.1).
//!
//! | id | rule | section |
//! |---|---|---|
//! | WEL-1 | the Welcome, the KeyPackage and the GroupInfo's GroupContext name the same cipher suite, and the version is `mls10` | 12.4.3.1 |
//! | WEL-2 | a ratchet tree is at hand: in the GroupInfo's `ratchet_tree` extension or given out of band | 12.4.3.1, 12.4.3.3 |
//! | WEL-3 | the tree's hash equals the GroupContext's `tree_hash` | 12.4.3.1 |
//! | WEL-4 | the GroupInfo's signer is a non-blank leaf (and its signature verifies) | 12.4.3.1 |
//! | WEL-5 | the tree has a leaf identical to the KeyPackage's leaf node | 12.4.3.1 |
//! | WEL-6 | at most one resumption PSK of usage `reinit` or `branch`, and then the GroupInfo's epoch is 1 | 12.4.3.1 |
//! | WEL-7 | every leaf of the tree is valid for the group (LN-1, LN-2, LN-3) | 12.4.3.1, 7.3 |
//! | WEL-8 | the non-default extensions of the GroupContext are supported by the joiner | 12.4.3 |
//! | WEL-9 | the Welcome has an entry for the joiner's KeyPackage (by its reference) | 12.4.3.1 |
//!
//! Then the tree's own checks ([`RatchetTree::validate`]: TREE-4 to TREE-12, PH-1), PSK-1
//! for the GroupSecrets' PSKs, TK-1 for the path secret, and the confirmation tag.

use primitives::{SecretVec, rand::CryptoRng};

use crate::{
    Error, Result,
    extension::{Extensions, RatchetTreeExtension},
    group_context::GroupContext,
    join::{confirm_group_info, open_group_info, open_group_secrets, verify_group_info},
    key_schedule::{EpochSecret, JoinerSecret},
    proposal::PskSource,
    suite::CipherSuite,
    transcript,
    tree::RatchetTree,
    treekem::{PathSecret, TreePrivateKeys},
    types::{CipherSuiteId, LeafIndex, Mac, ProtocolVersion, ResumptionPskUsage},
    welcome::Welcome,
};

use super::{
    EpochState, Group, GroupConfig, GroupStatus, KeyPackageBundle, PskStore,
    validation::{
        CredentialSummary, LeafRole, check_leaf_content, check_leaf_self,
        check_required_capabilities,
    },
};

/// WEL-8: the joiner (or creator) supports the group's non-default extensions.
fn check_context_extensions(
    leaf: &crate::leaf_node::LeafNode,
    extensions: &Extensions,
) -> Result<()> {
    for ext in extensions.iter() {
        if !ext.extension_type.is_default()
            && !leaf.capabilities.extensions.contains(&ext.extension_type)
        {
            return Err(Error::invalid(
                crate::Rule::Wel8,
                "the group uses an extension this member does not support",
            ));
        }
    }
    check_required_capabilities(leaf, extensions.required_capabilities()?.as_ref())
}

impl Group {
    /// Creates a one-member group (section 11) with `bundle`'s leaf at index 0: epoch 0, a
    /// fresh random epoch secret, the confirmation tag over the empty transcript and the
    /// interim transcript hash from it.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the leaf does not support `extensions` (WEL-8, LN-2) or
    /// breaks LN-1, LN-4 to LN-6; [`Error::Misuse`] for a GroupConfig that cannot work.
    pub fn create(
        group_id: Vec<u8>,
        bundle: KeyPackageBundle,
        extensions: Extensions,
        config: GroupConfig,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        let suite = bundle.suite;
        let leaf = bundle.key_package.leaf_node;
        check_leaf_self(suite, &leaf, LeafRole::KeyPackage, None)?;
        check_context_extensions(&leaf, &extensions)?;
        let tree = RatchetTree::new(suite, leaf)?;
        let keys = TreePrivateKeys::new(&tree, LeafIndex(0), bundle.leaf_private)?;
        let context = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(suite.id()),
            group_id,
            epoch: 0,
            tree_hash: tree.tree_hash().to_vec(),
            confirmed_transcript_hash: Vec::new(),
            extensions,
        };
        let secrets =
            EpochSecret::from_secret(SecretVec::random(suite.hash_len(), rng)).derive(suite)?;
        let tag = Mac(transcript::confirmation_tag(
            suite,
            secrets.confirmation_key.expose_secret(),
            &[],
        ));
        let interim = transcript::interim_transcript_hash(suite, &[], &tag.0)?;
        Self::assemble(
            suite,
            context,
            tree,
            keys,
            secrets,
            interim,
            tag,
            bundle.signer,
            PskStore::new(),
            config,
        )
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one private constructor of the whole state"
    )]
    pub(super) fn assemble(
        suite: CipherSuite,
        context: GroupContext,
        tree: RatchetTree,
        keys: TreePrivateKeys,
        secrets: crate::key_schedule::EpochSecrets,
        interim: Vec<u8>,
        tag: Mac,
        signer: crate::suite::SignaturePrivateKey,
        mut psks: PskStore,
        config: GroupConfig,
    ) -> Result<Self> {
        let secret_tree = crate::secret_tree::SecretTree::new(
            suite,
            SecretVec::from_slice(secrets.encryption_secret.expose_secret()),
            tree.leaf_count(),
            config.secret_tree_limits,
        )?;
        psks.insert_resumption(
            context.group_id.clone(),
            context.epoch,
            secrets.resumption_psk.clone(),
        );
        Ok(Self {
            suite,
            context,
            tree,
            keys,
            epoch: EpochState {
                secrets,
                secret_tree,
                interim_transcript_hash: interim,
                confirmation_tag: tag,
            },
            signer,
            proposals: Vec::new(),
            psks,
            pending_updates: Vec::new(),
            pending_commit: None,
            status: GroupStatus::Active,
            config,
            past: std::collections::VecDeque::new(),
            reissue: Vec::new(),
            removed_by: None,
            origin: None,
            saved: super::persist::SaveTracker::default(),
            signature_keys: super::SignatureKeyCache::default(),
        })
    }

    /// Joins a group from a Welcome (section 12.4.3.1) with `bundle`, the KeyPackage the
    /// Welcome was made for. `ratchet_tree` is the tree given out of band, used when the
    /// GroupInfo has no `ratchet_tree` extension; `psks` holds the PSKs the Welcome may
    /// name (and becomes the group's store).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the rule (WEL-*, PSK-1, TREE-*, PH-1, TK-1),
    /// [`Error::VerificationFailed`] for a bad GroupInfo or leaf signature,
    /// [`Error::DecryptionFailed`] if the GroupSecrets or GroupInfo do not decrypt or the
    /// confirmation tag does not verify, [`Error::Unsupported`] for a suite not implemented.
    pub fn join(
        welcome: &Welcome,
        bundle: KeyPackageBundle,
        ratchet_tree: Option<&RatchetTreeExtension>,
        psks: PskStore,
        config: GroupConfig,
    ) -> Result<Self> {
        Self::join_checked(
            welcome,
            bundle,
            ratchet_tree,
            psks,
            config,
            |_, _, _| Ok(()),
        )
    }

    /// [`Self::join`] with `check` run on the GroupSecrets' PSK IDs, the GroupContext and
    /// the tree once they are verified, before anything is kept (ReInit and branch).
    pub(super) fn join_checked(
        welcome: &Welcome,
        bundle: KeyPackageBundle,
        ratchet_tree: Option<&RatchetTreeExtension>,
        psks: PskStore,
        config: GroupConfig,
        check: impl FnOnce(
            &[crate::proposal::PreSharedKeyId],
            &GroupContext,
            &RatchetTree,
        ) -> Result<()>,
    ) -> Result<Self> {
        let suite = bundle.suite;
        let kp = &bundle.key_package;
        if welcome.cipher_suite != kp.cipher_suite || kp.cipher_suite != CipherSuiteId(suite.id()) {
            return Err(Error::invalid(
                crate::Rule::Wel1,
                "the Welcome and the KeyPackage name different cipher suites",
            ));
        }
        let secrets = open_group_secrets(suite, welcome, kp, &bundle.init_private)?;
        let special = secrets
            .psks
            .iter()
            .filter(|id| {
                matches!(
                    id.psk,
                    PskSource::Resumption {
                        usage: ResumptionPskUsage::Reinit | ResumptionPskUsage::Branch,
                        ..
                    }
                )
            })
            .count();
        if special > 1 {
            return Err(Error::invalid(
                crate::Rule::Wel6,
                "more than one reinit or branch resumption PSK",
            ));
        }
        let psk_secret = psks.psk_secret(suite, &secrets.psks)?;
        let joiner = JoinerSecret::from_secret(secrets.joiner_secret);
        let info = open_group_info(suite, welcome, &joiner, psk_secret.expose_secret())?;
        let context = &info.group_context;
        if context.cipher_suite != kp.cipher_suite || context.version != ProtocolVersion::MLS10 {
            return Err(Error::invalid(
                crate::Rule::Wel1,
                "the GroupInfo's cipher suite or version is not the KeyPackage's",
            ));
        }
        if special > 0 && context.epoch != 1 {
            return Err(Error::invalid(
                crate::Rule::Wel6,
                "a reinit or branch resumption PSK with a GroupInfo epoch other than 1",
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
        verify_group_info(suite, &info, signer.signature_key.as_slice())?;
        if tree.tree_hash() != context.tree_hash.as_slice() {
            return Err(Error::invalid(
                crate::Rule::Wel3,
                "the ratchet tree's hash is not the GroupContext's tree_hash",
            ));
        }
        tree.validate(&context.group_id)?;
        let required = context.extensions.required_capabilities()?;
        let summary = CredentialSummary::of(&tree, &[]);
        for (_, leaf) in tree.members() {
            let checked = check_leaf_content(suite, leaf)
                .and_then(|()| check_required_capabilities(leaf, required.as_ref()))
                .and_then(|()| summary.check(leaf));
            if checked.is_err() {
                return Err(Error::invalid(
                    crate::Rule::Wel7,
                    "a leaf of the tree is not valid for the group",
                ));
            }
        }
        check_context_extensions(&kp.leaf_node, &context.extensions)?;
        check(&secrets.psks, context, &tree)?;
        let own = tree
            .find_signature_key(kp.leaf_node.signature_key.as_slice())
            .filter(|&i| tree.leaf(i) == Some(&kp.leaf_node))
            .ok_or(Error::invalid(
                crate::Rule::Wel5,
                "no leaf of the tree is the KeyPackage's leaf node",
            ))?;
        let path_secret = secrets.path_secret.map(|p| {
            (
                info.signer,
                PathSecret::from_secret(SecretVec::from_slice(p.path_secret.expose_secret())),
            )
        });
        let keys = TreePrivateKeys::join(&tree, own, bundle.leaf_private, path_secret)?;
        let epoch_secrets = confirm_group_info(suite, &info, &joiner, psk_secret.expose_secret())?;
        let interim = transcript::interim_transcript_hash(
            suite,
            &context.confirmed_transcript_hash,
            &info.confirmation_tag.0,
        )?;
        let tag = info.confirmation_tag.clone();
        Self::assemble(
            suite,
            info.group_context,
            tree,
            keys,
            epoch_secrets,
            interim,
            tag,
            bundle.signer,
            psks,
            config,
        )
    }

    /// The group's current GroupInfo (section 12.4.3), signed by this member, with the
    /// `ratchet_tree` extension if `with_tree`.
    ///
    /// # Errors
    /// As signing and encoding.
    pub fn group_info(&self, with_tree: bool) -> Result<crate::welcome::GroupInfo> {
        let mut extensions = Extensions::empty();
        if with_tree {
            extensions.set_typed(&self.tree.to_extension())?;
        }
        let mut info = crate::welcome::GroupInfo {
            group_context: self.context.clone(),
            extensions,
            confirmation_tag: self.epoch.confirmation_tag.clone(),
            signer: self.own_leaf(),
            signature: Vec::new(),
        };
        crate::join::sign_group_info(self.suite, &mut info, &self.signer)?;
        Ok(info)
    }
}
