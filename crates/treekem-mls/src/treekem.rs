//! TreeKEM: creating and processing UpdatePaths (RFC 9420 section 7.4 "Ratchet Tree
//! Evolution", 7.5 "Synchronizing Views of the Tree", 7.6 "Update Paths", and the path
//! steps of sections 12.4.1 "Creating a Commit" and 12.4.2 "Processing a Commit"). Proven by
//! `treekem.json` (family `mls-treekem`): every recipient of every vector UpdatePath
//! recovers the vector's path secret and commit secret and the merged tree has the vector's
//! tree hash; UpdatePaths this module creates on the vector trees are processed by every
//! other member to the same commit secret.
//!
//! ```text
//! leaf_secret (random, Nh bytes)
//!   |-- DeriveSecret("node") --> DeriveKeyPair --> leaf_priv, leaf_pub   (the new LeafNode)
//!   '-- DeriveSecret("path") --> path_secret[0]          for fdp[0], the lowest node
//!        path_secret[n]   = DeriveSecret(path_secret[n-1], "path")       for fdp[n]
//!        node_secret[n]   = DeriveSecret(path_secret[n], "node")
//!        node_priv[n], node_pub[n] = KEM.DeriveKeyPair(node_secret[n])
//!        commit_secret    = DeriveSecret(path_secret[last], "path")
//!
//! UpdatePathNode[n] = { node_pub[n],
//!     [ EncryptWithLabel(pk(y), "UpdatePathNode", GroupContext', path_secret[n])
//!         for y in resolution(copath child of fdp[n]) minus the Commit's new members ] }
//! ```
//!
//! `fdp` is the committer's filtered direct path; `GroupContext'` is the provisional group
//! context, whose `tree_hash` is that of the tree after the merge. (Section 7.4 lets
//! `path_secret[0]` be sampled directly; deriving it from the leaf secret, as the section's
//! figure draws it, gives the same distribution and one random draw per path.)
//!
//! A recipient decrypts at the lowest common ancestor of its leaf and the sender's (the
//! lowest node of the sender's filtered direct path above it), using the first node of the
//! copath child's resolution it holds a private key for, then derives the remaining path
//! secrets and checks every derived public key against the UpdatePath.
//!
//! | id | rule | section |
//! |---|---|---|
//! | UP-1 | the sender's leaf is in the tree and the UpdatePath has one node per filtered-direct-path node | 7.6, 12.4.2 |
//! | UP-2 | the UpdatePath's `leaf_node_source` is `commit` (its signature: TREE-9) | 7.3 |
//! | UP-3 | the new leaf's encryption key differs from the committer's current one | 12.4.2 |
//! | UP-4 | no public key of the UpdatePath is already in the tree or repeated in the path, and each is a valid key | 12.4.2, 5.1.1 |
//! | UP-5 | each node has one ciphertext per resolution entry of its copath child, new members excluded | 7.6 |
//! | UP-6 | the public keys derived from the decrypted path secret equal the UpdatePath's | 7.5, 12.4.2 |
//! | UP-7 | a decrypted path secret is `Nh` bytes long | 7.4 |
//! | PH-2 | the new leaf's `parent_hash` is the parent hash of its filtered direct path | 7.9.2, 12.4.2 |
//! | TK-1 | a private key given for a node matches the node's public key | 7.5, 12.4.3.1 |
//!
//! **Nothing changes on error.** Both operations work inside a [`TreeTransaction`]: the
//! tree is merged, the provisional context hashed, and the encryptions or decryptions done;
//! any failure drops the transaction and restores the tree. The private keys come back as a
//! new [`TreePrivateKeys`], leaving the caller's until it decides to replace them (after
//! the confirmation tag verifies, for instance).

use std::collections::{BTreeMap, HashSet};

use primitives::{
    HpkePrivateKey, HpkePublicKey, SecretBytes, SecretVec,
    rand::{CryptoRng, SeededRng},
};

use crate::{
    Error, Result,
    codec::Codec,
    commit::{HpkeCiphertext, UpdatePath, UpdatePathNode},
    group_context::GroupContext,
    leaf_node::{LeafNode, LeafNodeSourceData, Node},
    suite::{CipherSuite, SignaturePrivateKey},
    tree::{RatchetTree, TreeTransaction},
    tree_math::{self, NodeIndex},
    types::{HpkePublicKeyBytes, LeafIndex},
};

/// The label of path-secret encryption (section 7.6).
const UPDATE_PATH_NODE: &[u8] = b"UpdatePathNode";

/// A path secret (section 7.4). Zeroized on drop.
#[derive(Clone)]
pub struct PathSecret(SecretVec);

impl core::fmt::Debug for PathSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PathSecret").finish_non_exhaustive()
    }
}

impl PathSecret {
    /// A path secret from its bytes (a Welcome's `GroupSecrets.path_secret`, a test vector).
    pub const fn from_secret(secret: SecretVec) -> Self {
        Self(secret)
    }

    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// The next path secret up the path: `DeriveSecret(path_secret, "path")`.
    ///
    /// # Errors
    /// As [`CipherSuite::derive_secret`].
    pub fn next(&self, suite: CipherSuite) -> Result<Self> {
        suite.derive_secret(self.expose_secret(), b"path").map(Self)
    }

    /// The node key pair: `DeriveKeyPair(DeriveSecret(path_secret, "node"))`.
    ///
    /// # Errors
    /// As [`CipherSuite::derive_secret`] and [`CipherSuite::derive_key_pair`].
    pub fn key_pair(&self, suite: CipherSuite) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        Self::key_pairs(core::slice::from_ref(self), suite)?
            .pop()
            .ok_or(Error::Internal("one key pair per path secret"))
    }

    /// [`Self::key_pair`] of each secret, in order (a path's node keys, whose public keys share
    /// a field inversion with X25519).
    ///
    /// # Errors
    /// As [`Self::key_pair`].
    pub fn key_pairs(
        secrets: &[Self],
        suite: CipherSuite,
    ) -> Result<Vec<(HpkePrivateKey, HpkePublicKey)>> {
        let node_secrets = secrets
            .iter()
            .map(|secret| suite.derive_secret(secret.expose_secret(), b"node"))
            .collect::<Result<Vec<_>>>()?;
        let ikms: Vec<&[u8]> = node_secrets.iter().map(SecretVec::expose_secret).collect();
        suite.derive_key_pairs(&ikms)
    }
}

/// The `commit_secret` an UpdatePath contributes to the key schedule (section 8). Zeroized
/// on drop.
pub struct CommitSecret(SecretVec);

impl core::fmt::Debug for CommitSecret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CommitSecret").finish_non_exhaustive()
    }
}

impl CommitSecret {
    /// The all-zero commit secret of a Commit without an UpdatePath (section 12.4.2).
    pub fn zero(suite: CipherSuite) -> Self {
        Self(SecretVec::zeroed(suite.hash_len()))
    }

    /// The secret bytes, for [`crate::key_schedule::InitSecret::joiner_secret`].
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

/// A node's HPKE key pair as held by a member.
#[derive(Clone)]
struct NodeKeyPair {
    private: HpkePrivateKey,
    public: Vec<u8>,
}

/// A member's private view of the tree (section 4.2): its leaf index and the HPKE private
/// keys it holds, for its leaf and for nodes on its direct path. Each key remembers its
/// public key, so a key whose node has since been blanked or replaced is never used (and
/// is dropped by [`Self::retain_consistent`]). Zeroized on drop (the private keys are
/// `primitives` secrets); `Debug` shows the leaf index and which nodes have keys.
#[derive(Clone)]
pub struct TreePrivateKeys {
    suite: CipherSuite,
    own_leaf: LeafIndex,
    keys: BTreeMap<NodeIndex, NodeKeyPair>,
}

impl core::fmt::Debug for TreePrivateKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TreePrivateKeys")
            .field("own_leaf", &self.own_leaf)
            .field("nodes", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// The encryption key of node `x` of `tree`, if non-blank.
fn node_key(tree: &RatchetTree, x: NodeIndex) -> Option<&[u8]> {
    tree.node(x).map(|n| match n {
        Node::Leaf(l) => l.encryption_key.as_slice(),
        Node::Parent(p) => p.encryption_key.as_slice(),
    })
}

impl TreePrivateKeys {
    /// The private state of the member at `own_leaf`, holding only its leaf's private key.
    ///
    /// # Errors
    /// [`Error::Invalid`] (TK-1) if the leaf is blank or its encryption key is not the
    /// key's public key; [`Error::Crypto`] if the key is not one of the suite's KEM.
    pub fn new(
        tree: &RatchetTree,
        own_leaf: LeafIndex,
        leaf_private_key: HpkePrivateKey,
    ) -> Result<Self> {
        let suite = tree.suite();
        let (_, public) = suite.hpke_private_key(leaf_private_key.expose_secret())?;
        let x = tree_math::leaf_node(own_leaf.0);
        if tree.leaf(own_leaf).map(|l| l.encryption_key.as_slice()) != Some(public.as_bytes()) {
            return Err(Error::invalid(
                crate::Rule::Tk1,
                "the leaf private key does not match the leaf in the tree",
            ));
        }
        let mut keys = BTreeMap::new();
        keys.insert(
            x,
            NodeKeyPair {
                private: leaf_private_key,
                public: public.as_bytes().to_vec(),
            },
        );
        Ok(Self {
            suite,
            own_leaf,
            keys,
        })
    }

    /// The private state of a member joining from a Welcome (section 12.4.3.1): its leaf key
    /// and, when the GroupSecrets carry a `path_secret` from the committer at `committer`,
    /// the keys of the lowest common ancestor of both leaves and of every non-blank node
    /// above it, each derived from the previous path secret.
    ///
    /// # Errors
    /// As [`Self::new`]; [`Error::Invalid`] (TK-1) if a derived key does not match its node
    /// or the common ancestor is blank; [`Error::Misuse`] if `committer` is `own_leaf`.
    pub fn join(
        tree: &RatchetTree,
        own_leaf: LeafIndex,
        leaf_private_key: HpkePrivateKey,
        path_secret: Option<(LeafIndex, PathSecret)>,
    ) -> Result<Self> {
        let mut keys = Self::new(tree, own_leaf, leaf_private_key)?;
        if let Some((committer, secret)) = path_secret {
            if committer == own_leaf {
                return Err(Error::Misuse("join: the committer is the joiner itself"));
            }
            let lca = tree_math::common_ancestor(
                tree_math::leaf_node(own_leaf.0),
                tree_math::leaf_node(committer.0),
            );
            let mut secret = secret;
            keys.set_path_secret(tree, lca, &secret)?;
            for p in tree_math::direct_path(lca, tree.leaf_count()) {
                if tree.node(p).is_some() {
                    secret = secret.next(tree.suite())?;
                    keys.set_path_secret(tree, p, &secret)?;
                }
            }
        }
        Ok(keys)
    }

    /// Sets the private key of node `x`, an ancestor of the own leaf, from its path secret.
    ///
    /// # Errors
    /// [`Error::Invalid`] (TK-1) if `x` is blank, not an ancestor of the own leaf, or its
    /// public key is not the derived one.
    pub fn set_path_secret(
        &mut self,
        tree: &RatchetTree,
        x: NodeIndex,
        secret: &PathSecret,
    ) -> Result<()> {
        let own_x = tree_math::leaf_node(self.own_leaf.0);
        if x == own_x || !tree_math::is_in_subtree(x, own_x) {
            return Err(Error::invalid(
                crate::Rule::Tk1,
                "a path secret for a node not above the own leaf",
            ));
        }
        let (private, public) = secret.key_pair(self.suite)?;
        if node_key(tree, x) != Some(public.as_bytes()) {
            return Err(Error::invalid(
                crate::Rule::Tk1,
                "a path secret's key pair does not match its node",
            ));
        }
        self.keys.insert(
            x,
            NodeKeyPair {
                private,
                public: public.as_bytes().to_vec(),
            },
        );
        Ok(())
    }

    /// The member's leaf index.
    pub const fn own_leaf(&self) -> LeafIndex {
        self.own_leaf
    }

    /// The nodes this member holds private keys for, in index order.
    pub fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.keys.keys().copied()
    }

    /// Whether the member holds a private key for node `x` that matches `tree`.
    pub fn has_private_key(&self, tree: &RatchetTree, x: NodeIndex) -> bool {
        self.private_key_for(tree, x).is_some()
    }

    /// Drops the keys of nodes that `tree` has blanked or replaced (after Update and Remove
    /// proposals, for instance). Costs O(log n): a member holds at most one key per level.
    pub fn retain_consistent(&mut self, tree: &RatchetTree) {
        self.keys
            .retain(|&x, pair| node_key(tree, x) == Some(pair.public.as_slice()));
    }

    /// The private keys held, by node, for persistence (`crate::group` saves them).
    pub(crate) fn private_keys(&self) -> impl Iterator<Item = (NodeIndex, &HpkePrivateKey)> + '_ {
        self.keys.iter().map(|(x, pair)| (*x, &pair.private))
    }

    /// Private keys restored from persistence: each public key is recomputed from its
    /// private key, so a key whose node has since changed is still never used.
    ///
    /// # Errors
    /// [`Error::Crypto`] if a key is not one of the suite's KEM.
    pub(crate) fn from_private_keys(
        suite: CipherSuite,
        own_leaf: LeafIndex,
        keys: Vec<(NodeIndex, SecretVec)>,
    ) -> Result<Self> {
        let mut out = BTreeMap::new();
        for (x, bytes) in keys {
            let (private, public) = suite.hpke_private_key(bytes.expose_secret())?;
            out.insert(
                x,
                NodeKeyPair {
                    private,
                    public: public.as_bytes().to_vec(),
                },
            );
        }
        Ok(Self {
            suite,
            own_leaf,
            keys: out,
        })
    }

    fn private_key_for(&self, tree: &RatchetTree, x: NodeIndex) -> Option<&HpkePrivateKey> {
        self.keys
            .get(&x)
            .filter(|pair| node_key(tree, x) == Some(pair.public.as_slice()))
            .map(|pair| &pair.private)
    }
}

/// What a committer supplies to [`create_update_path`].
#[derive(Debug)]
pub struct PathParams<'a> {
    /// The provisional GroupContext (section 12.4.2): the new epoch's values, whose
    /// `tree_hash` is replaced by the tree hash after the merge. Its `group_id` also goes
    /// into the new leaf's signature.
    pub group_context: &'a GroupContext,
    /// The members the same Commit adds, excluded from every resolution encrypted to.
    pub joiners: &'a [LeafIndex],
    /// The committer's signature key; its public key must be the leaf's `signature_key`.
    pub signer: &'a SignaturePrivateKey,
    /// The new leaf's content (credential, capabilities, extensions, signature key); its
    /// encryption key, source, parent hash and signature are filled in. `None` keeps the
    /// committer's current leaf (required for an external commit, whose leaf is blank).
    pub leaf_template: Option<LeafNode>,
}

/// The result of [`create_update_path`].
#[derive(Debug)]
pub struct CreatedUpdatePath {
    /// The UpdatePath for the Commit.
    pub update_path: UpdatePath,
    /// The commit secret for the key schedule.
    pub commit_secret: CommitSecret,
    /// The committer's private keys for the new tree (leaf and filtered direct path).
    pub private_keys: TreePrivateKeys,
    committer: LeafIndex,
    path_secrets: Vec<(NodeIndex, PathSecret)>,
}

impl CreatedUpdatePath {
    /// The path secrets, by node of the filtered direct path, bottom up.
    pub fn path_secrets(&self) -> &[(NodeIndex, PathSecret)] {
        &self.path_secrets
    }

    /// The path secret a joiner's Welcome carries (section 12.4.3.1): the one of the lowest
    /// common ancestor of the joiner's and the committer's leaves. `None` if that node is
    /// not on the path (the joiner is the committer, or outside the tree).
    pub fn path_secret_for(&self, joiner: LeafIndex) -> Option<&PathSecret> {
        if joiner == self.committer {
            return None;
        }
        let lca = tree_math::common_ancestor(
            tree_math::leaf_node(joiner.0),
            tree_math::leaf_node(self.committer.0),
        );
        self.path_secrets
            .iter()
            .find(|(x, _)| *x == lca)
            .map(|(_, s)| s)
    }
}

/// The result of [`process_update_path`].
#[derive(Debug)]
pub struct ProcessedUpdatePath {
    /// The commit secret for the key schedule.
    pub commit_secret: CommitSecret,
    /// The recipient's private keys for the new tree, to replace the old ones once the
    /// Commit is accepted.
    pub private_keys: TreePrivateKeys,
    /// The path secret this recipient decrypted (at the lowest common ancestor of its leaf
    /// and the sender's).
    pub path_secret: PathSecret,
}

fn sorted(leaves: &[LeafIndex]) -> Vec<LeafIndex> {
    let mut v = leaves.to_vec();
    v.sort_unstable();
    v
}

/// The provisional GroupContext with the tree's hash, encoded.
fn context_bytes(context: &GroupContext, tree: &RatchetTree) -> Result<Vec<u8>> {
    let mut ctx = context.clone();
    ctx.tree_hash = tree.tree_hash().to_vec();
    ctx.to_bytes()
}

/// The fewest path-secret encryptions worth a thread of their own: eight HPKE encryptions
/// are about half a millisecond, some twenty times the cost of starting a thread.
const ENCRYPTIONS_PER_THREAD: usize = 8;

/// One `EncryptWithLabel` of a path secret to one node of a copath resolution, with its own
/// randomness.
struct PathSecretEncryption<'a> {
    /// The position in the filtered direct path of the node whose secret this is.
    node: usize,
    /// The recipient's HPKE public key, encoded.
    public_key: &'a [u8],
    path_secret: &'a PathSecret,
    /// Seeds the encryption's [`SeededRng`].
    seed: SecretBytes<32>,
}

/// The encryptions of one run of tasks as one batch (the same label and context for all): each
/// task's ephemeral key from its own seed, so the results do not depend on how the tasks are
/// cut into runs.
fn encrypt_run(
    suite: CipherSuite,
    context: &[u8],
    run: &[PathSecretEncryption<'_>],
) -> Result<Vec<HpkeCiphertext>> {
    let keys = run
        .iter()
        .map(|task| suite.hpke_public_key(task.public_key))
        .collect::<Result<Vec<_>>>()?;
    let sealed = suite.encrypt_with_label_many(
        UPDATE_PATH_NODE,
        context,
        run.iter().zip(&keys).map(|(task, key)| {
            (
                key,
                task.path_secret.expose_secret(),
                SeededRng::from_seed(&task.seed),
            )
        }),
    )?;
    Ok(sealed
        .into_iter()
        .map(|(kem_output, ciphertext)| HpkeCiphertext {
            kem_output,
            ciphertext,
        })
        .collect())
}

/// Creates an UpdatePath for the member at `committer` and merges it into `tree`
/// (sections 7.4-7.6, 12.4.1): fresh path secrets and node keys for its filtered direct
/// path, parent hashes, a new signed leaf (source `commit`), the provisional GroupContext
/// with the new tree hash, and the path secrets encrypted to the copath resolutions minus
/// the joiners. Costs O(log n) hashes and key derivations plus one encryption per
/// resolution entry.
///
/// # Errors
/// [`Error::Misuse`] if `committer` is outside the tree, has no leaf and no template was
/// given, or `signer` is not the leaf's signature key; [`Error::Invalid`] (TREE-8) if the
/// template's signature key belongs to another member; [`Error::Crypto`] if a node of a
/// resolution has an invalid public key. The tree is unchanged on error.
pub fn create_update_path(
    tree: &mut RatchetTree,
    committer: LeafIndex,
    params: &PathParams<'_>,
    rng: &mut impl CryptoRng,
) -> Result<CreatedUpdatePath> {
    let suite = tree.suite();
    if !tree.contains_leaf(committer) {
        return Err(Error::Misuse("create_update_path: leaf outside the tree"));
    }
    let mut leaf = match &params.leaf_template {
        Some(t) => t.clone(),
        None => tree.leaf(committer).cloned().ok_or(Error::Misuse(
            "create_update_path: a blank leaf needs a leaf template",
        ))?,
    };
    if params.signer.public_key() != leaf.signature_key.as_slice() {
        return Err(Error::Misuse(
            "create_update_path: the signer is not the leaf's signature key",
        ));
    }
    let joiners = sorted(params.joiners);
    let fdp = tree.filtered_direct_path_with_copath(committer);

    // secrets[0] is the leaf secret, secrets[1 + n] path_secret[n]; all key pairs at once.
    let leaf_secret = PathSecret(SecretVec::random(suite.hash_len(), rng));
    let mut secret = leaf_secret.next(suite)?;
    let mut secrets = Vec::with_capacity(fdp.len() + 1);
    secrets.push(leaf_secret);
    for _ in &fdp {
        let next = secret.next(suite)?;
        secrets.push(core::mem::replace(&mut secret, next));
    }
    let commit_secret = CommitSecret(secret.0);
    let mut pairs = PathSecret::key_pairs(&secrets, suite)?.into_iter();
    let (leaf_private, leaf_public) = pairs
        .next()
        .ok_or(Error::Internal("no key pair for the leaf secret"))?;
    let pairs: Vec<_> = pairs.collect();
    let secrets = secrets.split_off(1);
    let keys: Vec<HpkePublicKeyBytes> = pairs
        .iter()
        .map(|(_, pk)| HpkePublicKeyBytes::from(pk.as_bytes()))
        .collect();

    let mut tx = tree.transaction();
    let parent_hash = tx.merge_path_nodes(committer, &fdp, &keys)?;
    leaf.encryption_key = leaf_public.as_bytes().into();
    leaf.leaf_node_source = LeafNodeSourceData::Commit { parent_hash };
    let tbs = leaf.tbs(Some((&params.group_context.group_id, committer)))?;
    leaf.signature = suite.sign_with_label(params.signer, b"LeafNodeTBS", &tbs)?;
    tx.set_committed_leaf(committer, leaf.clone())?;
    let context = context_bytes(params.group_context, &tx)?;

    // One task per encryption, its randomness seeded here in order (module `parallel`); each
    // thread's run of tasks is sealed as one batch, sharing its field inversions.
    let mut tasks = Vec::new();
    for (node, ((_, copath), secret)) in fdp.iter().zip(&secrets).enumerate() {
        for y in tx.resolution_excluding(*copath, &joiners) {
            tasks.push(PathSecretEncryption {
                node,
                public_key: node_key(&tx, y)
                    .ok_or(Error::Internal("blank node in a resolution"))?,
                path_secret: secret,
                seed: SecretBytes::random(rng),
            });
        }
    }
    let mut nodes: Vec<UpdatePathNode> = keys
        .into_iter()
        .map(|encryption_key| UpdatePathNode {
            encryption_key,
            encrypted_path_secret: Vec::new(),
        })
        .collect();
    let encrypted = crate::parallel::map_runs(&tasks, ENCRYPTIONS_PER_THREAD, |run| {
        encrypt_run(suite, &context, run)
    })?;
    if encrypted.len() != tasks.len() {
        return Err(Error::Internal("one path-secret encryption per task"));
    }
    for (task, ciphertext) in tasks.iter().zip(encrypted) {
        nodes
            .get_mut(task.node)
            .ok_or(Error::Internal("encryption for a node outside the path"))?
            .encrypted_path_secret
            .push(ciphertext);
    }
    tx.commit();

    let mut private_keys = TreePrivateKeys {
        suite,
        own_leaf: committer,
        keys: BTreeMap::new(),
    };
    private_keys.keys.insert(
        tree_math::leaf_node(committer.0),
        NodeKeyPair {
            private: leaf_private,
            public: leaf_public.as_bytes().to_vec(),
        },
    );
    for ((p, _), (private, public)) in fdp.iter().zip(pairs) {
        private_keys.keys.insert(
            *p,
            NodeKeyPair {
                private,
                public: public.as_bytes().to_vec(),
            },
        );
    }
    Ok(CreatedUpdatePath {
        update_path: UpdatePath {
            leaf_node: leaf,
            nodes,
        },
        commit_secret,
        private_keys,
        committer,
        path_secrets: fdp.iter().map(|(p, _)| *p).zip(secrets).collect(),
    })
}

/// Validates an UpdatePath from `sender` and merges it into `tree` without decrypting
/// (section 7.5 "merges UpdatePath into the tree"): UP-1 to UP-5, the leaf's source and
/// signature (UP-2, TREE-9, with `group_id` and `sender`), the merge, and PH-2. For a
/// member that needs the tree but no secrets, and as the first half of
/// [`process_update_path`].
///
/// The LeafNode checks of section 7.3 that need the group's context (credential,
/// capabilities against the group's, lifetime) are the caller's.
///
/// # Errors
/// [`Error::Invalid`] naming the rule, [`Error::VerificationFailed`] for the leaf's
/// signature. The tree is unchanged on error.
pub fn merge_update_path(
    tree: &mut RatchetTree,
    sender: LeafIndex,
    path: &UpdatePath,
    group_id: &[u8],
    joiners: &[LeafIndex],
) -> Result<()> {
    let mut tx = tree.transaction();
    merge_in(&mut tx, sender, path, group_id, &sorted(joiners))?;
    tx.commit();
    Ok(())
}

/// The checks and the merge of [`merge_update_path`], inside the caller's transaction.
/// Returns the filtered direct path with copath children.
fn merge_in(
    tree: &mut TreeTransaction<'_>,
    sender: LeafIndex,
    path: &UpdatePath,
    group_id: &[u8],
    joiners: &[LeafIndex],
) -> Result<Vec<(NodeIndex, NodeIndex)>> {
    let suite = tree.suite();
    if !tree.contains_leaf(sender) {
        return Err(Error::invalid(
            crate::Rule::Up1,
            "the sender's leaf is outside the tree",
        ));
    }
    let leaf = &path.leaf_node;
    if !matches!(leaf.leaf_node_source, LeafNodeSourceData::Commit { .. }) {
        return Err(Error::invalid(
            crate::Rule::Up2,
            "an UpdatePath's leaf node source is not commit",
        ));
    }
    let tbs = leaf.tbs(Some((group_id, sender)))?;
    suite.verify_with_label(
        leaf.signature_key.as_slice(),
        b"LeafNodeTBS",
        &tbs,
        &leaf.signature,
    )?;
    let fdp = tree.filtered_direct_path_with_copath(sender);
    if path.nodes.len() != fdp.len() {
        return Err(Error::invalid(
            crate::Rule::Up1,
            "the UpdatePath's length is not that of the filtered direct path",
        ));
    }
    if tree
        .leaf(sender)
        .is_some_and(|current| current.encryption_key == leaf.encryption_key)
    {
        return Err(Error::invalid(
            crate::Rule::Up3,
            "the committer's new leaf reuses its encryption key",
        ));
    }
    let mut seen = HashSet::with_capacity(fdp.len() + 1);
    for key in
        core::iter::once(&leaf.encryption_key).chain(path.nodes.iter().map(|n| &n.encryption_key))
    {
        if tree.contains_encryption_key(key.as_slice()) || !seen.insert(key.as_slice()) {
            return Err(Error::invalid(
                crate::Rule::Up4,
                "a public key of the UpdatePath is already in the tree",
            ));
        }
        suite.hpke_public_key(key.as_slice()).map_err(|_| {
            Error::invalid(
                crate::Rule::Up4,
                "an UpdatePath key is not a valid public key",
            )
        })?;
    }
    for ((_, copath), node) in fdp.iter().zip(&path.nodes) {
        if tree.resolution_excluding(*copath, joiners).len() != node.encrypted_path_secret.len() {
            return Err(Error::invalid(
                crate::Rule::Up5,
                "ciphertext count differs from the copath node's resolution",
            ));
        }
    }
    let keys: Vec<HpkePublicKeyBytes> = path
        .nodes
        .iter()
        .map(|n| n.encryption_key.clone())
        .collect();
    let parent_hash = tree.merge_path_nodes(sender, &fdp, &keys)?;
    if !matches!(&leaf.leaf_node_source, LeafNodeSourceData::Commit { parent_hash: ph } if *ph == parent_hash)
    {
        return Err(Error::invalid(
            crate::Rule::Ph2,
            "the committer's leaf parent_hash does not match its path",
        ));
    }
    tree.set_committed_leaf(sender, leaf.clone())?;
    Ok(fdp)
}

/// Processes an UpdatePath from `sender` as the member whose private state is `keys`
/// (sections 7.5 and 12.4.2): [`merge_update_path`]'s checks and merge, the provisional
/// GroupContext with the new tree hash, decryption at the lowest common ancestor, the
/// remaining path secrets with UP-6 on every derived key, and the commit secret. Costs
/// O(log n) hashes and derivations plus one decryption, and the UP-5 count check, which
/// reads as many resolution entries as the UpdatePath has ciphertexts.
///
/// `group_context` is the provisional context (its `tree_hash` is replaced), `joiners` the
/// members added by the same Commit.
///
/// # Errors
/// As [`merge_update_path`]; [`Error::DecryptionFailed`] if the path secret does not
/// decrypt; [`Error::Invalid`] for UP-6 and UP-7; [`Error::Misuse`] if `keys` belong to
/// the sender or a joiner, or hold no usable key (they do not match the tree). The tree is
/// unchanged on error, and `keys` are never changed.
pub fn process_update_path(
    tree: &mut RatchetTree,
    keys: &TreePrivateKeys,
    sender: LeafIndex,
    path: &UpdatePath,
    group_context: &GroupContext,
    joiners: &[LeafIndex],
) -> Result<ProcessedUpdatePath> {
    let suite = tree.suite();
    let own = keys.own_leaf;
    let joiners = sorted(joiners);
    if own == sender {
        return Err(Error::Misuse(
            "process_update_path: the recipient is the sender",
        ));
    }
    if joiners.binary_search(&own).is_ok() {
        return Err(Error::Misuse(
            "process_update_path: a new member takes its path secret from the Welcome",
        ));
    }
    if !keys.has_private_key(tree, tree_math::leaf_node(own.0)) {
        return Err(Error::Misuse(
            "process_update_path: the private keys do not match the tree",
        ));
    }
    let mut tx = tree.transaction();
    let fdp = merge_in(&mut tx, sender, path, &group_context.group_id, &joiners)?;
    let context = context_bytes(group_context, &tx)?;

    let lca =
        tree_math::common_ancestor(tree_math::leaf_node(own.0), tree_math::leaf_node(sender.0));
    let k = fdp
        .iter()
        .position(|(p, _)| *p == lca)
        .ok_or(Error::Internal(
            "the common ancestor is not on the filtered path",
        ))?;
    let (_, copath) = fdp.get(k).ok_or(Error::Internal("filtered path index"))?;
    let (position, private) = tx
        .resolution_excluding(*copath, &joiners)
        .into_iter()
        .enumerate()
        .find_map(|(i, y)| keys.private_key_for(&tx, y).map(|sk| (i, sk)))
        .ok_or(Error::Misuse(
            "process_update_path: no private key for the copath resolution",
        ))?;
    let ct = path
        .nodes
        .get(k)
        .and_then(|n| n.encrypted_path_secret.get(position))
        .ok_or(Error::Internal("ciphertext index after the UP-5 check"))?;
    let plaintext = SecretVec::new(suite.decrypt_with_label(
        private,
        UPDATE_PATH_NODE,
        &context,
        &ct.kem_output,
        &ct.ciphertext,
    )?);
    if plaintext.len() != suite.hash_len() {
        return Err(Error::invalid(
            crate::Rule::Up7,
            "a path secret is not Nh bytes long",
        ));
    }
    let decrypted = PathSecret(plaintext);

    let mut private_keys = keys.clone();
    for p in tree_math::direct_path(tree_math::leaf_node(sender.0), tx.leaf_count()) {
        private_keys.keys.remove(&p);
    }
    private_keys.retain_consistent(&tx);
    // The path secrets from the common ancestor up, then all their key pairs at once.
    let mut secrets = vec![decrypted.clone()];
    for _ in k + 1..fdp.len() {
        let next = secrets
            .last()
            .ok_or(Error::Internal("path secrets start with the decrypted one"))?
            .next(suite)?;
        secrets.push(next);
    }
    let pairs = PathSecret::key_pairs(&secrets, suite)?;
    for (((p, _), node), (private, public)) in fdp.iter().zip(&path.nodes).skip(k).zip(pairs) {
        if public.as_bytes() != node.encryption_key.as_slice() {
            return Err(Error::invalid(
                crate::Rule::Up6,
                "a derived public key differs from the UpdatePath's",
            ));
        }
        private_keys.keys.insert(
            *p,
            NodeKeyPair {
                private,
                public: public.as_bytes().to_vec(),
            },
        );
    }
    let commit_secret = CommitSecret(
        secrets
            .last()
            .ok_or(Error::Internal("path secrets start with the decrypted one"))?
            .next(suite)?
            .0,
    );
    tx.commit();
    Ok(ProcessedUpdatePath {
        commit_secret,
        private_keys,
        path_secret: decrypted,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Neither the hex nor the decimal-list form of `secret` appears in `debug`.
    fn assert_hidden(debug: &str, secret: &[u8]) {
        assert!(!debug.contains(&hex(secret)), "{debug}");
        assert!(!debug.contains(&format!("{secret:?}")), "{debug}");
    }

    /// The path secrets' encryptions (spread over threads with the feature `parallel`) take
    /// their randomness from seeds drawn in order: a seeded RNG gives the same UpdatePath
    /// byte for byte, and every member decrypts its path secret from it.
    #[test]
    fn update_path_is_reproducible_and_decrypts_for_everyone() {
        let mut rng = test_support::seeded_rng(0x7570);
        let fixture = crate::fuzzing::FixtureGroup::build(SUITE, 70, false, &mut rng);
        let context = fixture.context();
        let params = PathParams {
            group_context: &context,
            joiners: &[],
            signer: &fixture.signers[1],
            leaf_template: None,
        };
        let create = |seed| {
            let mut tree = fixture.tree.clone();
            let created = create_update_path(
                &mut tree,
                LeafIndex(1),
                &params,
                &mut test_support::seeded_rng(seed),
            )
            .unwrap();
            (tree, created)
        };
        let (tree, created) = create(7);
        let bytes = created.update_path.to_bytes().unwrap();
        assert_eq!(create(7).1.update_path.to_bytes().unwrap(), bytes);
        assert_ne!(create(8).1.update_path.to_bytes().unwrap(), bytes);
        // Sixty-nine encryptions, one per other member of this sparse tree.
        let encryptions: usize = created
            .update_path
            .nodes
            .iter()
            .map(|n| n.encrypted_path_secret.len())
            .sum();
        assert_eq!(encryptions, 69);
        for member in (0..70).filter(|&m| m != 1) {
            let mut receiver = fixture.tree.clone();
            let processed = process_update_path(
                &mut receiver,
                &fixture.private_keys(LeafIndex(member)),
                LeafIndex(1),
                &created.update_path,
                &context,
                &[],
            )
            .unwrap();
            assert_eq!(
                processed.commit_secret.0.expose_secret(),
                created.commit_secret.0.expose_secret(),
                "member {member}"
            );
            assert_eq!(receiver.tree_hash(), tree.tree_hash());
        }
    }

    /// A run of path-secret encryptions sealed as one batch gives what the same tasks give cut
    /// into smaller runs (as more threads cut them): the UpdatePath does not depend on the
    /// thread count.
    #[test]
    fn encryption_runs_do_not_depend_on_the_split() {
        let mut rng = test_support::seeded_rng(0x7275);
        let fixture = crate::fuzzing::FixtureGroup::build(SUITE, 12, false, &mut rng);
        let secret = PathSecret::from_secret(SecretVec::from_slice(&[9; 32]));
        let tasks: Vec<PathSecretEncryption<'_>> = (0..11u32)
            .map(|leaf| PathSecretEncryption {
                node: 0,
                public_key: node_key(&fixture.tree, tree_math::leaf_node(leaf)).unwrap(),
                path_secret: &secret,
                seed: SecretBytes::random(&mut rng),
            })
            .collect();
        let whole = encrypt_run(SUITE, b"context", &tasks).unwrap();
        assert_eq!(whole.len(), tasks.len());
        for run in [1, 3, 4, 10] {
            let split: Vec<HpkeCiphertext> = tasks
                .chunks(run)
                .flat_map(|part| encrypt_run(SUITE, b"context", part).unwrap())
                .collect();
            assert_eq!(split, whole, "runs of {run}");
        }
    }

    #[test]
    fn secret_debug_output_shows_no_secret_bytes() {
        let bytes: Vec<u8> = (0x40..0x60).collect();
        let path = PathSecret::from_secret(SecretVec::from_slice(&bytes));
        assert_hidden(&format!("{path:?}"), &bytes);
        let commit = CommitSecret(SecretVec::from_slice(&bytes));
        assert_hidden(&format!("{commit:?}"), &bytes);
        let (private, public) = path.key_pair(SUITE).unwrap();
        let keys = TreePrivateKeys {
            suite: SUITE,
            own_leaf: LeafIndex(3),
            keys: BTreeMap::from([(
                6,
                NodeKeyPair {
                    private: private.clone(),
                    public: public.as_bytes().to_vec(),
                },
            )]),
        };
        let debug = format!("{keys:?}");
        assert_hidden(&debug, private.expose_secret());
        assert!(debug.contains("own_leaf"));
        assert_eq!(
            format!("{:?}", CommitSecret::zero(SUITE)),
            "CommitSecret { .. }"
        );
    }

    #[test]
    fn path_secret_chain_matches_the_rfc_derivations() {
        let secret = PathSecret::from_secret(SecretVec::from_slice(&[7; 32]));
        let next = secret.next(SUITE).unwrap();
        let expected = SUITE.derive_secret(&[7; 32], b"path").unwrap();
        assert_eq!(next.expose_secret(), expected.expose_secret());
        let node = SUITE.derive_secret(&[7; 32], b"node").unwrap();
        let (_, pk) = SUITE.derive_key_pair(node.expose_secret()).unwrap();
        assert_eq!(secret.key_pair(SUITE).unwrap().1, pk);
    }
}
