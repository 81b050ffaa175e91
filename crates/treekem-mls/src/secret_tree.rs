//! The secret tree (RFC 9420 section 9) and its per-sender hash ratchets (section 9.1), with
//! the deletion schedule of section 9.2, and the sender-data key and nonce (section 6.3.2).
//! Proven by `secret-tree.json` (family `mls-secret-tree`).
//!
//! ```text
//! tree_node_[root]_secret = encryption_secret
//! tree_node_[left(x)]_secret  = ExpandWithLabel(tree_node_[x]_secret, "tree", "left", Nh)
//! tree_node_[right(x)]_secret = ExpandWithLabel(tree_node_[x]_secret, "tree", "right", Nh)
//! handshake / application ratchet secret [0] = ExpandWithLabel(leaf secret, "handshake" / "application", "", Nh)
//! ratchet_key_[j]    = DeriveTreeSecret(ratchet_secret_[j], "key", j, Nk)
//! ratchet_nonce_[j]  = DeriveTreeSecret(ratchet_secret_[j], "nonce", j, Nn)
//! ratchet_secret_[j+1] = DeriveTreeSecret(ratchet_secret_[j], "secret", j, Nh)
//! ```
//!
//! **Lazy.** Nothing is derived until a leaf is used: the first use of a leaf walks down from
//! its lowest stored ancestor, keeping the sibling of each step and deleting each node
//! secret once both children exist, so a group of `n` members stores O(log n) node secrets
//! per active sender, not `2n - 1`.
//!
//! **Deletion (section 9.2).** A ratchet keeps only its next secret; a key is handed out
//! once: keys of skipped generations are retained (at most
//! [`SecretTreeLimits::max_retained`], the oldest evicted first) and deleted when used, and
//! a generation more than [`SecretTreeLimits::max_forward`] ahead is refused before any
//! derivation.
//!
//! | id | rule | section |
//! |---|---|---|
//! | ST-1 | a ratchet's generation does not pass `u32::MAX` | 9.1 |
//! | ST-2 | a generation already used, or deleted, is not derived again | 9.2 |
//! | ST-3 | a generation at most [`SecretTreeLimits::max_forward`] ahead of the ratchet | 9.2 |
//! | ST-4 | the sender's leaf index is inside the tree | 9 |
//! | ST-5 | a leaf secret is split into its ratchets once per epoch | 9 |
//!
//! **Nothing changes on failure.** [`SecretTree::with_receive_key`] derives the key on a
//! copy of the sender's ratchet and commits it only if the caller's decryption succeeds.

use std::collections::{BTreeMap, HashMap};

use primitives::SecretVec;

use crate::{
    Error, Result,
    suite::CipherSuite,
    tree_math::{self, NodeIndex},
};

/// Which of a leaf's two ratchets (section 9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RatchetKind {
    /// For proposals and commits.
    Handshake,
    /// For application messages.
    Application,
}

impl RatchetKind {
    const fn label(self) -> &'static [u8] {
        match self {
            Self::Handshake => b"handshake",
            Self::Application => b"application",
        }
    }
}

/// Bounds on the out-of-order tolerance of each ratchet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretTreeLimits {
    /// The largest jump ahead of a ratchet's next generation a message may ask for.
    pub max_forward: u32,
    /// The most keys of skipped generations a ratchet retains; the oldest go first.
    pub max_retained: usize,
}

impl Default for SecretTreeLimits {
    /// 1 000 generations ahead and 1 000 retained keys per ratchet.
    fn default() -> Self {
        Self {
            max_forward: 1000,
            max_retained: 1000,
        }
    }
}

/// A key and nonce of one generation of a ratchet.
#[derive(Debug, Clone)]
pub struct KeyAndNonce {
    /// The AEAD key (`Nk` bytes).
    pub key: SecretVec,
    /// The AEAD nonce (`Nn` bytes), before the reuse guard is applied.
    pub nonce: SecretVec,
}

/// One hash ratchet (section 9.1).
#[derive(Debug, Clone)]
struct Ratchet {
    /// `ratchet_secret_[next]`.
    secret: SecretVec,
    /// The generation `secret` belongs to.
    next: u32,
    /// Keys of skipped generations not used yet.
    retained: BTreeMap<u32, KeyAndNonce>,
}

impl Ratchet {
    fn new(suite: CipherSuite, leaf_secret: &[u8], kind: RatchetKind) -> Result<Self> {
        Ok(Self {
            secret: suite.expand_with_label(leaf_secret, kind.label(), &[], suite.hash_len())?,
            next: 0,
            retained: BTreeMap::new(),
        })
    }

    /// The key of generation `next`, advancing the ratchet.
    fn advance(&mut self, suite: CipherSuite) -> Result<(u32, KeyAndNonce)> {
        let j = self.next;
        let s = self.secret.expose_secret();
        let keys = KeyAndNonce {
            key: suite.derive_tree_secret(s, b"key", j, suite.aead_key_len())?,
            nonce: suite.derive_tree_secret(s, b"nonce", j, suite.aead_nonce_len())?,
        };
        let next = j.checked_add(1).ok_or(Error::invalid(
            crate::Rule::St1,
            "ratchet generation exhausted",
        ))?;
        self.secret = suite.derive_tree_secret(s, b"secret", j, suite.hash_len())?;
        self.next = next;
        Ok((j, keys))
    }

    /// Runs `open` with the key of `generation` and returns its result with the ratchet
    /// update that consuming the key makes (the deletion of that key and the retention of
    /// the skipped ones), not yet applied. Only the ratchet's secret is copied, never the
    /// retained keys. On error nothing is staged.
    fn stage_key<T>(
        &self,
        suite: CipherSuite,
        generation: u32,
        limits: SecretTreeLimits,
        open: impl FnOnce(&KeyAndNonce) -> Result<T>,
    ) -> Result<(T, RatchetUpdate)> {
        if generation < self.next {
            let keys = self.retained.get(&generation).ok_or(Error::invalid(
                crate::Rule::St2,
                "generation already used or deleted",
            ))?;
            let out = open(keys)?;
            return Ok((out, RatchetUpdate::UseRetained(generation)));
        }
        if generation - self.next > limits.max_forward {
            return Err(Error::invalid(
                crate::Rule::St3,
                "generation too far ahead of the ratchet",
            ));
        }
        let mut staged = Self {
            secret: self.secret.clone(),
            next: self.next,
            retained: BTreeMap::new(),
        };
        let keys = loop {
            let (j, keys) = staged.advance(suite)?;
            if j == generation {
                break keys;
            }
            staged.retained.insert(j, keys);
        };
        let out = open(&keys)?;
        Ok((
            out,
            RatchetUpdate::Advance {
                from: self.next,
                ratchet: staged,
            },
        ))
    }

    /// Applies an update staged by [`Self::stage_key`] on this ratchet in the state it had.
    fn apply(&mut self, update: RatchetUpdate, limits: SecretTreeLimits) -> Result<()> {
        match update {
            RatchetUpdate::UseRetained(generation) => {
                self.retained
                    .remove(&generation)
                    .ok_or(Error::Misuse("staged key no longer fits the ratchet"))?;
            }
            RatchetUpdate::Advance { from, mut ratchet } => {
                if from != self.next {
                    return Err(Error::Misuse("staged key no longer fits the ratchet"));
                }
                self.secret = ratchet.secret;
                self.next = ratchet.next;
                self.retained.append(&mut ratchet.retained);
                while self.retained.len() > limits.max_retained {
                    self.retained.pop_first();
                }
            }
        }
        Ok(())
    }
}

/// How consuming one receive key changes a ratchet.
#[derive(Debug)]
enum RatchetUpdate {
    /// A retained key of a skipped generation is deleted.
    UseRetained(u32),
    /// The ratchet moves from generation `from` to `ratchet` (its new secret and next
    /// generation, and the skipped keys to retain).
    Advance { from: u32, ratchet: Ratchet },
}

/// The consumption of one receive key, staged by [`SecretTree::stage_receive_key`] and
/// applied by [`SecretTree::apply_staged`] once the message it opened is accepted. Holds
/// secrets (zeroized on drop); `Debug` shows only the leaf and ratchet.
#[derive(Debug)]
pub struct StagedReceiveKey {
    leaf: u32,
    kind: RatchetKind,
    update: RatchetUpdate,
}

/// The ratchets of one leaf, created on first use.
#[derive(Debug, Clone)]
struct LeafRatchets {
    handshake: Ratchet,
    application: Ratchet,
}

impl LeafRatchets {
    fn new(suite: CipherSuite, leaf_secret: &[u8]) -> Result<Self> {
        Ok(Self {
            handshake: Ratchet::new(suite, leaf_secret, RatchetKind::Handshake)?,
            application: Ratchet::new(suite, leaf_secret, RatchetKind::Application)?,
        })
    }

    const fn get(&self, kind: RatchetKind) -> &Ratchet {
        match kind {
            RatchetKind::Handshake => &self.handshake,
            RatchetKind::Application => &self.application,
        }
    }

    const fn get_mut(&mut self, kind: RatchetKind) -> &mut Ratchet {
        match kind {
            RatchetKind::Handshake => &mut self.handshake,
            RatchetKind::Application => &mut self.application,
        }
    }
}

/// The secret tree of one epoch.
#[derive(Debug)]
pub struct SecretTree {
    suite: CipherSuite,
    n_leaves: u32,
    limits: SecretTreeLimits,
    /// Node secrets not yet split into their children.
    nodes: HashMap<NodeIndex, SecretVec>,
    /// Ratchets of the leaves used so far.
    leaves: HashMap<u32, LeafRatchets>,
}

impl SecretTree {
    /// The tree of a group of `n_leaves` leaves (a power of two, the width of the ratchet
    /// tree) rooted at `encryption_secret`.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `n_leaves` is zero, not a power of two, or above 2^31.
    pub fn new(
        suite: CipherSuite,
        encryption_secret: SecretVec,
        n_leaves: u32,
        limits: SecretTreeLimits,
    ) -> Result<Self> {
        if !n_leaves.is_power_of_two() || n_leaves > tree_math::MAX_LEAVES {
            return Err(Error::Misuse("secret tree width must be a power of two"));
        }
        let mut nodes = HashMap::new();
        nodes.insert(tree_math::root(n_leaves), encryption_secret);
        Ok(Self {
            suite,
            n_leaves,
            limits,
            nodes,
            leaves: HashMap::new(),
        })
    }

    /// The ratchets of `leaf`, deriving the leaf secret from its lowest stored ancestor
    /// on first use (and deleting the secrets consumed on the way).
    fn leaf(&mut self, leaf: u32) -> Result<&mut LeafRatchets> {
        if leaf >= self.n_leaves {
            return Err(Error::invalid(
                crate::Rule::St4,
                "leaf index outside the secret tree",
            ));
        }
        if !self.leaves.contains_key(&leaf) {
            let ratchets = self.derive_leaf(leaf)?;
            self.leaves.insert(leaf, ratchets);
        }
        self.leaves
            .get_mut(&leaf)
            .ok_or(Error::Internal("leaf ratchets just inserted"))
    }

    /// The path from the root down to `leaf`'s node, and the position on it of the lowest
    /// node still stored, where derivation starts.
    fn leaf_path(&self, leaf: u32) -> Result<(Vec<NodeIndex>, usize)> {
        let target = tree_math::leaf_node(leaf);
        let mut path = tree_math::direct_path(target, self.n_leaves);
        path.reverse();
        path.push(target);
        let start = path
            .iter()
            .rposition(|x| self.nodes.contains_key(x))
            .ok_or(Error::invalid(
                crate::Rule::St5,
                "leaf secret already consumed in this epoch",
            ))?;
        Ok((path, start))
    }

    /// The ratchets `leaf` gets on first use, computed without changing the tree (only the
    /// secrets on the path, none of the siblings').
    fn fresh_leaf(&self, leaf: u32) -> Result<LeafRatchets> {
        let (path, start) = self.leaf_path(leaf)?;
        let suite = self.suite;
        let below = path.get(start..).unwrap_or_default();
        let mut secret = below
            .first()
            .and_then(|node| self.nodes.get(node))
            .ok_or(Error::Internal("stored node secret"))?
            .clone();
        for pair in below.windows(2) {
            let &[node, child] = pair else {
                return Err(Error::Internal("windows of two"));
            };
            let label: &[u8] = if tree_math::left(node) == Some(child) {
                b"left"
            } else {
                b"right"
            };
            secret = suite.expand_with_label(
                secret.expose_secret(),
                b"tree",
                label,
                suite.hash_len(),
            )?;
        }
        LeafRatchets::new(suite, secret.expose_secret())
    }

    fn derive_leaf(&mut self, leaf: u32) -> Result<LeafRatchets> {
        let target = tree_math::leaf_node(leaf);
        let (path, start) = self.leaf_path(leaf)?;
        let suite = self.suite;
        let above_leaf = path.len().saturating_sub(1);
        for &node in path.get(start..above_leaf).unwrap_or_default() {
            let secret = self
                .nodes
                .remove(&node)
                .ok_or(Error::Internal("stored node secret"))?;
            let (Some(left), Some(right)) = (tree_math::left(node), tree_math::right(node)) else {
                return Err(Error::Internal("intermediate node has children"));
            };
            let s = secret.expose_secret();
            let h = suite.hash_len();
            self.nodes
                .insert(left, suite.expand_with_label(s, b"tree", b"left", h)?);
            self.nodes
                .insert(right, suite.expand_with_label(s, b"tree", b"right", h)?);
        }
        let leaf_secret = self
            .nodes
            .remove(&target)
            .ok_or(Error::Internal("leaf secret derived"))?;
        LeafRatchets::new(suite, leaf_secret.expose_secret())
    }

    /// The next key of `leaf`'s `kind` ratchet for sending, with its generation.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a leaf outside the tree or an exhausted ratchet.
    pub fn next_send_key(&mut self, leaf: u32, kind: RatchetKind) -> Result<(u32, KeyAndNonce)> {
        let suite = self.suite;
        self.leaf(leaf)?.get_mut(kind).advance(suite)
    }

    /// Runs `open` with the key of `generation` of `leaf`'s `kind` ratchet; the key is
    /// deleted (and skipped keys retained) only if `open` succeeds. On any error the ratchet
    /// is as it was.
    ///
    /// # Errors
    /// [`Error::Invalid`] for a leaf outside the tree, a generation already used or
    /// deleted, or too far ahead; any error of `open`.
    pub fn with_receive_key<T>(
        &mut self,
        leaf: u32,
        kind: RatchetKind,
        generation: u32,
        open: impl FnOnce(&KeyAndNonce) -> Result<T>,
    ) -> Result<T> {
        let (out, staged) = self.stage_receive_key(leaf, kind, generation, open)?;
        self.apply_staged(staged)?;
        Ok(out)
    }

    /// As [`Self::with_receive_key`], but the key's consumption is returned staged: the
    /// tree is unchanged until [`Self::apply_staged`] (so a message that opens but is then
    /// rejected consumes nothing). A leaf's first use derives its ratchets on the side;
    /// they are stored, and the path secrets above consumed, only when the key is applied.
    ///
    /// # Errors
    /// As [`Self::with_receive_key`].
    pub fn stage_receive_key<T>(
        &self,
        leaf: u32,
        kind: RatchetKind,
        generation: u32,
        open: impl FnOnce(&KeyAndNonce) -> Result<T>,
    ) -> Result<(T, StagedReceiveKey)> {
        let suite = self.suite;
        let limits = self.limits;
        if leaf >= self.n_leaves {
            return Err(Error::invalid(
                crate::Rule::St4,
                "leaf index outside the secret tree",
            ));
        }
        let (out, update) = match self.leaves.get(&leaf) {
            Some(ratchets) => ratchets
                .get(kind)
                .stage_key(suite, generation, limits, open)?,
            None => self
                .fresh_leaf(leaf)?
                .get(kind)
                .stage_key(suite, generation, limits, open)?,
        };
        Ok((out, StagedReceiveKey { leaf, kind, update }))
    }

    /// Applies a staged key consumption to this tree, which must be the one that staged
    /// it with no key of that ratchet consumed since.
    ///
    /// # Errors
    /// [`Error::Misuse`] if the ratchet moved since the key was staged (nothing changes).
    pub fn apply_staged(&mut self, staged: StagedReceiveKey) -> Result<()> {
        let limits = self.limits;
        self.leaf(staged.leaf)?
            .get_mut(staged.kind)
            .apply(staged.update, limits)
    }
}

/// One ratchet's state, taken apart for persistence (`crate::group` saves and restores it).
#[derive(Debug)]
pub(crate) struct RatchetParts {
    /// `ratchet_secret_[next]`.
    pub(crate) secret: SecretVec,
    /// The next generation.
    pub(crate) next: u32,
    /// Retained keys of skipped generations, by increasing generation.
    pub(crate) retained: Vec<(u32, KeyAndNonce)>,
}

/// A secret tree taken apart for persistence: unsplit node secrets and the ratchets of
/// the leaves used so far, both by increasing index.
#[derive(Debug)]
pub(crate) struct SecretTreeParts {
    pub(crate) n_leaves: u32,
    pub(crate) limits: SecretTreeLimits,
    pub(crate) nodes: Vec<(NodeIndex, SecretVec)>,
    /// `(leaf, [handshake, application])`.
    pub(crate) leaves: Vec<(u32, [RatchetParts; 2])>,
}

impl Ratchet {
    fn to_parts(&self) -> RatchetParts {
        RatchetParts {
            secret: self.secret.clone(),
            next: self.next,
            retained: self.retained.iter().map(|(g, k)| (*g, k.clone())).collect(),
        }
    }

    fn from_parts(suite: CipherSuite, parts: RatchetParts) -> Result<Self> {
        let bad = Error::Decode("persisted secret tree ratchet");
        if parts.secret.len() != suite.hash_len() {
            return Err(bad);
        }
        let mut retained = BTreeMap::new();
        for (g, k) in parts.retained {
            // Strictly increasing, below `next`, keys and nonces of the suite's lengths.
            let increasing = retained.last_key_value().is_none_or(|(last, _)| g > *last);
            if !increasing
                || g >= parts.next
                || k.key.len() != suite.aead_key_len()
                || k.nonce.len() != suite.aead_nonce_len()
            {
                return Err(bad);
            }
            retained.insert(g, k);
        }
        Ok(Self {
            secret: parts.secret,
            next: parts.next,
            retained,
        })
    }
}

impl SecretTree {
    /// The tree's state, for persistence (secrets copied; sorted, so the encoding is
    /// deterministic).
    pub(crate) fn to_parts(&self) -> SecretTreeParts {
        let mut nodes: Vec<(NodeIndex, SecretVec)> =
            self.nodes.iter().map(|(x, s)| (*x, s.clone())).collect();
        nodes.sort_unstable_by_key(|(x, _)| *x);
        let mut leaves: Vec<(u32, [RatchetParts; 2])> = self
            .leaves
            .iter()
            .map(|(l, r)| (*l, [r.handshake.to_parts(), r.application.to_parts()]))
            .collect();
        leaves.sort_unstable_by_key(|(l, _)| *l);
        SecretTreeParts {
            n_leaves: self.n_leaves,
            limits: self.limits,
            nodes,
            leaves,
        }
    }

    /// A tree from its persisted state, checked: the width a power of two within
    /// [`tree_math::MAX_LEAVES`], node and leaf indices inside it and strictly increasing,
    /// every secret, key and nonce of the suite's length, retained generations below the
    /// ratchet's next one.
    ///
    /// # Errors
    /// [`Error::Decode`] if a check fails.
    pub(crate) fn from_parts(suite: CipherSuite, parts: SecretTreeParts) -> Result<Self> {
        let bad = Error::Decode("persisted secret tree");
        if !parts.n_leaves.is_power_of_two() || parts.n_leaves > tree_math::MAX_LEAVES {
            return Err(bad);
        }
        let width = tree_math::node_width(parts.n_leaves);
        let mut nodes = HashMap::new();
        let mut last = None;
        for (x, s) in parts.nodes {
            if x >= width || last.is_some_and(|l| x <= l) || s.len() != suite.hash_len() {
                return Err(bad);
            }
            last = Some(x);
            nodes.insert(x, s);
        }
        let mut leaves = HashMap::new();
        let mut last = None;
        for (l, [h, a]) in parts.leaves {
            if l >= parts.n_leaves || last.is_some_and(|p| l <= p) {
                return Err(bad);
            }
            last = Some(l);
            leaves.insert(
                l,
                LeafRatchets {
                    handshake: Ratchet::from_parts(suite, h)?,
                    application: Ratchet::from_parts(suite, a)?,
                },
            );
        }
        Ok(Self {
            suite,
            n_leaves: parts.n_leaves,
            limits: parts.limits,
            nodes,
            leaves,
        })
    }
}

/// The sender-data key and nonce for a PrivateMessage (section 6.3.2):
/// `ExpandWithLabel(sender_data_secret, "key" / "nonce", ciphertext_sample, Nk / Nn)` with
/// `ciphertext_sample` the first `Nh` bytes of the ciphertext (all of it if shorter).
///
/// # Errors
/// As [`CipherSuite::expand_with_label`].
pub fn sender_data_key_and_nonce(
    suite: CipherSuite,
    sender_data_secret: &[u8],
    ciphertext: &[u8],
) -> Result<KeyAndNonce> {
    let sample = ciphertext.get(..suite.hash_len()).unwrap_or(ciphertext);
    Ok(KeyAndNonce {
        key: suite.expand_with_label(sender_data_secret, b"key", sample, suite.aead_key_len())?,
        nonce: suite.expand_with_label(
            sender_data_secret,
            b"nonce",
            sample,
            suite.aead_nonce_len(),
        )?,
    })
}
