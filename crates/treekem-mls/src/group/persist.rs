//! Persistence of a member's group state (issue 7, "Persistence"): versioned bytes
//! ([`Group::to_bytes`], [`Group::from_bytes`]) and incremental saves through a
//! [`Store`] ([`Group::save`], [`Group::load`]).
//!
//! # What is saved
//!
//! Everything a member needs to go on: the GroupContext, the ratchet tree, its own leaf
//! and signature key, its [`crate::treekem::TreePrivateKeys`], the epoch secrets (init,
//! sender data, encryption, exporter, external, confirmation, membership, resumption,
//! epoch authenticator), the interim transcript hash and confirmation tag, the secret tree
//! of the epoch (the ratchets in use with their next generation and retained keys, and the
//! node secrets not yet split), the proposal cache and this member's pending Update keys,
//! the PSK store, the kept past epochs (MSG-5) and switch points (P2P-1), the pending
//! Commit if any, the status, and the [`GroupConfig`].
//!
//! # Layout: one record per key
//!
//! | key | value | changes when |
//! |---|---|---|
//! | `state` | `opaque save_id<V>`, then the version and everything small: suite, GroupContext, tree width, signer, config, status, PSKs, private keys, epoch secrets, transcript, proposal cache, the list of past epochs, whether a Commit is pending | every save that changes anything |
//! | `node/<x>` | the `Node` at node index `x` (absent: blank) | the node or a node below it changed |
//! | `st/<e>` | the secret tree of epoch `e`: width, limits, unsplit node secrets, the leaves in use | a leaf of epoch `e` is used for the first time |
//! | `st/<e>/<leaf>` | that leaf's handshake and application ratchets (secret, next generation, retained keys) | a message of that leaf is sent or received in epoch `e` |
//! | `past/<e>` | a kept past epoch `e`: its GroupContext, sender-data secret, the signature keys its Commit replaced, its switch point (the undo log of the Commit's tree changes, [`crate::tree::TreeUndo`], and that epoch's keys) while `p2p_window` keeps it | created once; deleted with `st/<e>/*` when the epoch is dropped |
//! | `pending` | this member's staged Commit (proposals, path, next GroupContext, keys and secrets) | [`Group::commit`], merge, discard |
//!
//! Indices and epochs are ASCII decimal. One store holds one group (give each group its own
//! store, or a prefixing wrapper).
//!
//! **Incremental saves.** A Group remembers what its last [`Group::save`] wrote (or what
//! [`Group::load`] read): each node's tree hash and presence, and a digest of every other
//! record. The next save writes one batch with the records whose digest changed and
//! deletes the records that are gone (dropped past epochs and their secret-tree leaves,
//! the pending Commit once merged). Nodes are found by walking down from the root into the
//! subtrees whose tree hash differs from the one saved (a node's tree hash covers its
//! whole subtree, section 7.8), so a Commit that changes one path costs O(log n) node
//! records, never the whole tree; blanked nodes become deletions, and the nodes a
//! truncation drops are deleted. `state` carries a `save_id` that changes with every
//! save; when the store's `save_id` is not the one this Group last saw (another copy
//! saved, another store, a failed batch) the save writes everything and deletes what the
//! stored state lists, so a save is never applied against a state it was not computed
//! from.
//!
//! # Guarantees
//!
//! - **Atomic**: one save is one [`Store::batch`], all of it or none ([`FileStore`] commits
//!   it by renaming a synced journal). `state` names every other record a load reads, and
//!   a record is reachable only through the `state` of its own batch, so a store holds
//!   either the state before a save or the one after, never a mix.
//! - **Stage, persist, then merge.** Own Commit: [`Group::commit`] stages epoch n+1 beside
//!   epoch n; [`Group::save`] persists both (`pending`); send the Commit; once it is
//!   accepted, [`Group::merge_pending_commit`] and save again. A crash before the first
//!   save loses only a Commit that was never sent; after it, the loaded Group has the
//!   pending Commit and merges (or discards) it as the live one would. Received Commit:
//!   [`Group::process_message`] changes only memory; save, then acknowledge the message to
//!   the transport. A crash before the save leaves epoch n in the store, and processing
//!   the same Commit again gives the same epoch n+1.
//! - **Deletion**: a save deletes the records of dropped epochs, so their keys leave the
//!   store as they leave memory (section 9.2). Values are stored as given: encrypt the
//!   store at rest if the device needs it.
//! - **Strict decoding**: [`Group::from_bytes`] and [`Group::load`] check the version,
//!   every length, every enumeration, keys in strictly increasing order, no trailing
//!   bytes, no unknown record, and the consistency of what they read (the tree's hash is
//!   the GroupContext's, secrets have the suite's lengths, the own leaf is in the tree). The
//!   ratchet tree is rebuilt by [`RatchetTree::from_nodes`] (TREE-1 to TREE-3), and the
//!   switch points' undo logs are reverted on it once, newest first, each reaching its
//!   epoch's tree hash, then undone. Malformed input is an [`Error::Decode`], never a
//!   panic.
//! - **Secrets**: [`Group::to_bytes`] returns a [`SecretVec`] (zeroized on drop); the
//!   values of a save's batch are zeroized once the store has them. Buffers the encoder
//!   grows may leave copies in freed memory.
//!
//! ```text
//! bytes = "TKMG" || uint16 version || { opaque key<V>; opaque value<V>; } records<V>
//! ```
//!
//! The byte form is the same records, sorted by key, in one vector: what [`Group::load`]
//! reads from a store, [`Group::from_bytes`] reads from the vector.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{Mutex, PoisonError},
};

use primitives::{HpkePrivateKey, SecretVec};
use zeroize::Zeroize as _;

use super::{
    CachedProposal, EpochState, Group, GroupConfig, GroupStatus, PastEpoch, PskStore,
    commit::PendingCommit, p2p::SwitchPoint, validation::ResolvedProposal,
};
use crate::{
    Error, Result,
    codec::{Codec, MAX_VARINT, Reader, Writer},
    commit::UpdatePath,
    framing::Sender,
    group_context::GroupContext,
    key_schedule::{EpochSecrets, InitSecret},
    leaf_node::Node,
    proposal::{Proposal, ReInit},
    secret_tree::{KeyAndNonce, RatchetParts, SecretTree, SecretTreeLimits, SecretTreeParts},
    storage::{Store, StoreOp},
    suite::CipherSuite,
    tree::{RatchetTree, TreeUndo},
    tree_math::{self, NodeIndex},
    treekem::TreePrivateKeys,
    types::{LeafIndex, Mac, ProposalRef, ResumptionPskUsage, WireFormat},
};

#[cfg(doc)]
use crate::storage::FileStore;

/// The version of the persisted group state this crate writes and the only one it reads.
/// Version 2: a switch point keeps the undo log of its Commit's tree changes instead of a
/// copy of the tree (version 1).
pub const STATE_VERSION: u16 = 2;

const MAGIC: &[u8; 4] = b"TKMG";
const STATE_KEY: &[u8] = b"state";
const PENDING_KEY: &[u8] = b"pending";
const NODE_PREFIX: &[u8] = b"node/";
/// Bytes of a `save_id`.
const ID_LEN: usize = 16;

fn node_key(x: NodeIndex) -> Vec<u8> {
    format!("node/{x}").into_bytes()
}

fn st_key(epoch: u64) -> Vec<u8> {
    format!("st/{epoch}").into_bytes()
}

fn st_leaf_key(epoch: u64, leaf: u32) -> Vec<u8> {
    format!("st/{epoch}/{leaf}").into_bytes()
}

fn past_key(epoch: u64) -> Vec<u8> {
    format!("past/{epoch}").into_bytes()
}

/// A node index written in ASCII decimal without leading zeros.
fn parse_index(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 10 || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(digits).ok()?.parse().ok()
}

fn bad(what: &'static str) -> Error {
    Error::Decode(what)
}

// ----- small codecs -------------------------------------------------------------------

fn read_secret(r: &mut Reader<'_>, len: usize) -> Result<SecretVec> {
    let bytes = r.opaque()?;
    if bytes.len() == len {
        Ok(SecretVec::from_slice(bytes))
    } else {
        Err(bad("persisted secret of the wrong length"))
    }
}

fn read_bool(r: &mut Reader<'_>) -> Result<bool> {
    match r.u8()? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(bad("persisted flag not 0 or 1")),
    }
}

fn write_usize(w: &mut Writer, v: usize) {
    w.u64(u64::try_from(v).unwrap_or(u64::MAX));
}

fn read_usize(r: &mut Reader<'_>) -> Result<usize> {
    usize::try_from(r.u64()?).map_err(|_| bad("persisted count too large"))
}

/// A vector whose elements `f` decodes; each element must consume input.
fn read_list<T>(
    r: &mut Reader<'_>,
    mut f: impl FnMut(&mut Reader<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    r.vector(|r| {
        let mut out = Vec::new();
        while !r.is_empty() {
            let before = r.remaining().len();
            out.push(f(r)?);
            if r.remaining().len() == before {
                return Err(Error::Internal("persisted element decoded from no bytes"));
            }
        }
        Ok(out)
    })
}

fn write_opt_bytes(w: &mut Writer, v: Option<&[u8]>) {
    match v {
        None => w.u8(0),
        Some(b) => {
            w.u8(1);
            w.opaque(b);
        }
    }
}

fn read_opt_bytes(r: &mut Reader<'_>) -> Result<Option<Vec<u8>>> {
    Ok(if read_bool(r)? {
        Some(r.opaque_vec()?)
    } else {
        None
    })
}

fn write_secrets(w: &mut Writer, s: &EpochSecrets) {
    for x in [
        &s.sender_data_secret,
        &s.encryption_secret,
        &s.exporter_secret,
        &s.external_secret,
        &s.confirmation_key,
        &s.membership_key,
        &s.resumption_psk,
        &s.epoch_authenticator,
    ] {
        w.opaque(x.expose_secret());
    }
    w.opaque(s.init_secret.expose_secret());
}

fn read_secrets(r: &mut Reader<'_>, suite: CipherSuite) -> Result<EpochSecrets> {
    let h = suite.hash_len();
    Ok(EpochSecrets {
        sender_data_secret: read_secret(r, h)?,
        encryption_secret: read_secret(r, h)?,
        exporter_secret: read_secret(r, h)?,
        external_secret: read_secret(r, h)?,
        confirmation_key: read_secret(r, h)?,
        membership_key: read_secret(r, h)?,
        resumption_psk: read_secret(r, h)?,
        epoch_authenticator: read_secret(r, h)?,
        init_secret: InitSecret::from_secret(read_secret(r, h)?),
    })
}

fn write_keys(w: &mut Writer, keys: &TreePrivateKeys) {
    w.u32(keys.own_leaf().0);
    w.vector(|w| {
        for (x, private) in keys.private_keys() {
            w.u32(x);
            w.opaque(private.expose_secret());
        }
    });
}

fn read_keys(r: &mut Reader<'_>, suite: CipherSuite) -> Result<TreePrivateKeys> {
    let own = LeafIndex(r.u32()?);
    let mut last: Option<NodeIndex> = None;
    let keys = read_list(r, |r| {
        let x = r.u32()?;
        if last.is_some_and(|l| x <= l) || x >= tree_math::node_width(tree_math::MAX_LEAVES) {
            return Err(bad("persisted private keys not in increasing node order"));
        }
        last = Some(x);
        Ok((x, SecretVec::from_slice(r.opaque()?)))
    })?;
    TreePrivateKeys::from_private_keys(suite, own, keys)
        .map_err(|_| bad("persisted HPKE private key"))
}

fn write_proposals(w: &mut Writer, proposals: &[CachedProposal]) {
    w.vector(|w| {
        for p in proposals {
            p.reference.encode(w);
            p.proposal.encode(w);
            p.sender.encode(w);
        }
    });
}

fn read_proposals(r: &mut Reader<'_>) -> Result<Vec<CachedProposal>> {
    let list = read_list(r, |r| {
        Ok(CachedProposal {
            reference: ProposalRef::decode(r)?,
            proposal: Proposal::decode(r)?,
            sender: Sender::decode(r)?,
        })
    })?;
    if list.len() > super::MAX_CACHED_PROPOSALS {
        return Err(bad("persisted proposal cache too large"));
    }
    Ok(list)
}

fn write_updates(w: &mut Writer, updates: &[(Vec<u8>, HpkePrivateKey)]) {
    w.vector(|w| {
        for (public, private) in updates {
            w.opaque(public);
            w.opaque(private.expose_secret());
        }
    });
}

fn read_updates(r: &mut Reader<'_>, suite: CipherSuite) -> Result<Vec<(Vec<u8>, HpkePrivateKey)>> {
    read_list(r, |r| {
        let public = r.opaque_vec()?;
        let (private, derived) = suite
            .hpke_private_key(r.opaque()?)
            .map_err(|_| bad("persisted Update private key"))?;
        if derived.as_bytes() != public.as_slice() {
            return Err(bad("persisted Update key pair does not match"));
        }
        Ok((public, private))
    })
}

fn write_status(w: &mut Writer, status: &GroupStatus) {
    match status {
        GroupStatus::Active => w.u8(0),
        GroupStatus::Removed => w.u8(1),
        GroupStatus::ReInitPending(reinit) => {
            w.u8(2);
            reinit.encode(w);
        }
    }
}

fn read_status(r: &mut Reader<'_>) -> Result<GroupStatus> {
    match r.u8()? {
        0 => Ok(GroupStatus::Active),
        1 => Ok(GroupStatus::Removed),
        2 => Ok(GroupStatus::ReInitPending(ReInit::decode(r)?)),
        _ => Err(bad("persisted group status")),
    }
}

fn write_config(w: &mut Writer, c: &GroupConfig) {
    c.handshake_wire_format.encode(w);
    write_usize(w, c.padding);
    w.u32(c.secret_tree_limits.max_forward);
    write_usize(w, c.secret_tree_limits.max_retained);
    w.u64(c.resumption_psk_epochs);
    write_usize(w, c.past_epochs);
    write_usize(w, c.p2p_window);
    w.u64(c.max_lifetime);
}

fn read_config(r: &mut Reader<'_>) -> Result<GroupConfig> {
    let config = GroupConfig {
        handshake_wire_format: WireFormat::decode(r)?,
        padding: read_usize(r)?,
        secret_tree_limits: SecretTreeLimits {
            max_forward: r.u32()?,
            max_retained: read_usize(r)?,
        },
        resumption_psk_epochs: r.u64()?,
        past_epochs: read_usize(r)?,
        p2p_window: read_usize(r)?,
        max_lifetime: r.u64()?,
    };
    // A padding no PrivateMessage could carry would only fail later, on every send.
    if config.padding > MAX_VARINT {
        return Err(bad("persisted padding too large"));
    }
    Ok(config)
}

fn write_psks(w: &mut Writer, psks: &PskStore) {
    let mut external: Vec<_> = psks.external.iter().collect();
    external.sort_unstable_by(|a, b| a.0.cmp(b.0));
    w.vector(|w| {
        for (id, psk) in external {
            w.opaque(id);
            w.opaque(psk.expose_secret());
        }
    });
    w.vector(|w| {
        for ((group, epoch), psk) in &psks.resumption {
            w.opaque(group);
            w.u64(*epoch);
            w.opaque(psk.expose_secret());
        }
    });
}

fn read_psks(r: &mut Reader<'_>) -> Result<PskStore> {
    let mut psks = PskStore::new();
    let mut last: Option<Vec<u8>> = None;
    for (id, psk) in read_list(r, |r| {
        Ok((r.opaque_vec()?, SecretVec::from_slice(r.opaque()?)))
    })? {
        if last.as_ref().is_some_and(|l| id <= *l) {
            return Err(bad("persisted external PSKs not in increasing order"));
        }
        last = Some(id.clone());
        psks.insert_external(id, psk);
    }
    let mut last: Option<(Vec<u8>, u64)> = None;
    for (group, epoch, psk) in read_list(r, |r| {
        Ok((
            r.opaque_vec()?,
            r.u64()?,
            SecretVec::from_slice(r.opaque()?),
        ))
    })? {
        let key = (group, epoch);
        if last.as_ref().is_some_and(|l| key <= *l) {
            return Err(bad("persisted resumption PSKs not in increasing order"));
        }
        last = Some(key.clone());
        psks.insert_resumption(key.0, key.1, psk);
    }
    Ok(psks)
}

fn write_ratchet(w: &mut Writer, r: &RatchetParts) {
    w.opaque(r.secret.expose_secret());
    w.u32(r.next);
    w.vector(|w| {
        for (g, k) in &r.retained {
            w.u32(*g);
            w.opaque(k.key.expose_secret());
            w.opaque(k.nonce.expose_secret());
        }
    });
}

fn read_ratchet(r: &mut Reader<'_>) -> Result<RatchetParts> {
    Ok(RatchetParts {
        secret: SecretVec::from_slice(r.opaque()?),
        next: r.u32()?,
        retained: read_list(r, |r| {
            Ok((
                r.u32()?,
                KeyAndNonce {
                    key: SecretVec::from_slice(r.opaque()?),
                    nonce: SecretVec::from_slice(r.opaque()?),
                },
            ))
        })?,
    })
}

fn write_leaf_ratchets(w: &mut Writer, ratchets: &[RatchetParts; 2]) {
    for r in ratchets {
        write_ratchet(w, r);
    }
}

fn read_leaf_ratchets(r: &mut Reader<'_>) -> Result<[RatchetParts; 2]> {
    Ok([read_ratchet(r)?, read_ratchet(r)?])
}

/// A secret tree's header: width, limits, unsplit node secrets, the leaves in use.
fn write_st_header(w: &mut Writer, parts: &SecretTreeParts) {
    w.u32(parts.n_leaves);
    w.u32(parts.limits.max_forward);
    write_usize(w, parts.limits.max_retained);
    w.vector(|w| {
        for (x, s) in &parts.nodes {
            w.u32(*x);
            w.opaque(s.expose_secret());
        }
    });
    w.vector(|w| {
        for (leaf, _) in &parts.leaves {
            w.u32(*leaf);
        }
    });
}

fn read_st_header(r: &mut Reader<'_>) -> Result<(SecretTreeParts, Vec<u32>)> {
    let n_leaves = r.u32()?;
    let limits = SecretTreeLimits {
        max_forward: r.u32()?,
        max_retained: read_usize(r)?,
    };
    let nodes = read_list(r, |r| Ok((r.u32()?, SecretVec::from_slice(r.opaque()?))))?;
    let leaves = read_list(r, |r| r.u32())?;
    Ok((
        SecretTreeParts {
            n_leaves,
            limits,
            nodes,
            leaves: Vec::new(),
        },
        leaves,
    ))
}

/// A whole secret tree in one value (a pending Commit's).
fn write_st_inline(w: &mut Writer, tree: &SecretTree) {
    let parts = tree.to_parts();
    write_st_header(w, &parts);
    for (_, ratchets) in &parts.leaves {
        write_leaf_ratchets(w, ratchets);
    }
}

fn read_st_inline(r: &mut Reader<'_>, suite: CipherSuite) -> Result<SecretTree> {
    let (mut parts, leaves) = read_st_header(r)?;
    for leaf in leaves {
        parts.leaves.push((leaf, read_leaf_ratchets(r)?));
    }
    SecretTree::from_parts(suite, parts)
}

fn write_switch(w: &mut Writer, s: &SwitchPoint) {
    s.undo.encode(w);
    write_keys(w, &s.keys);
    write_secrets(w, &s.secrets);
    w.opaque(&s.interim_transcript_hash);
    s.confirmation_tag.encode(w);
    write_proposals(w, &s.proposals);
    write_updates(w, &s.pending_updates);
    write_status(w, &s.status);
    w.opaque(&s.tiebreak);
    w.vec(&s.own_proposals);
}

fn read_switch(r: &mut Reader<'_>, suite: CipherSuite) -> Result<SwitchPoint> {
    Ok(SwitchPoint {
        undo: TreeUndo::decode(r)?,
        keys: read_keys(r, suite)?,
        secrets: read_secrets(r, suite)?,
        interim_transcript_hash: r.opaque_vec()?,
        confirmation_tag: Mac::decode(r)?,
        proposals: read_proposals(r)?,
        pending_updates: read_updates(r, suite)?,
        status: read_status(r)?,
        tiebreak: r.opaque_vec()?,
        own_proposals: r.vec()?,
    })
}

fn write_pending(w: &mut Writer, p: &PendingCommit) {
    w.vector(|w| {
        for rp in &p.list {
            rp.proposal.encode(w);
            rp.sender.encode(w);
            w.optional(rp.reference.as_ref());
        }
    });
    w.optional(p.path.as_ref());
    p.context.encode(w);
    write_keys(w, &p.keys);
    write_secrets(w, &p.epoch.secrets);
    w.opaque(&p.epoch.interim_transcript_hash);
    p.epoch.confirmation_tag.encode(w);
    write_st_inline(w, &p.epoch.secret_tree);
    w.optional(p.reinit.as_ref());
    w.opaque(&p.tiebreak);
}

fn read_pending(r: &mut Reader<'_>, suite: CipherSuite) -> Result<PendingCommit> {
    let list = read_list(r, |r| {
        Ok(ResolvedProposal {
            proposal: Proposal::decode(r)?,
            sender: Sender::decode(r)?,
            reference: r.optional()?,
        })
    })?;
    let path: Option<UpdatePath> = r.optional()?;
    let context = GroupContext::decode(r)?;
    let keys = read_keys(r, suite)?;
    let secrets = read_secrets(r, suite)?;
    let interim_transcript_hash = r.opaque_vec()?;
    let confirmation_tag = Mac::decode(r)?;
    let secret_tree = read_st_inline(r, suite)?;
    Ok(PendingCommit {
        list,
        path,
        context,
        keys,
        epoch: EpochState {
            secrets,
            secret_tree,
            interim_transcript_hash,
            confirmation_tag,
        },
        reinit: r.optional()?,
        tiebreak: r.opaque_vec()?,
    })
}

fn write_past(w: &mut Writer, p: &PastEpoch) -> Result<()> {
    p.context.encode(w);
    w.opaque(p.sender_data_secret.expose_secret());
    w.vector(|w| {
        for (leaf, key) in &p.changed_keys {
            w.u32(leaf.0);
            write_opt_bytes(w, key.as_deref());
        }
    });
    match &p.switch {
        None => w.u8(0),
        Some(s) => {
            w.u8(1);
            write_switch(w, s);
        }
    }
    Ok(())
}

// ----- the records --------------------------------------------------------------------

/// Encodes with `f` into a zeroizing buffer.
fn encoded(f: impl FnOnce(&mut Writer) -> Result<()>) -> Result<SecretVec> {
    let mut w = Writer::with_capacity(4096);
    f(&mut w)?;
    Ok(SecretVec::new(w.finish()?))
}

/// The parts of `state` after its `save_id`, decoded.
struct StateBody {
    suite: CipherSuite,
    context: GroupContext,
    n_leaves: u32,
    signer: crate::suite::SignaturePrivateKey,
    config: GroupConfig,
    origin: Option<ResumptionPskUsage>,
    status: GroupStatus,
    removed_by: Option<Vec<u8>>,
    reissue: Vec<Proposal>,
    psks: PskStore,
    keys: TreePrivateKeys,
    secrets: EpochSecrets,
    interim_transcript_hash: Vec<u8>,
    confirmation_tag: Mac,
    proposals: Vec<CachedProposal>,
    pending_updates: Vec<(Vec<u8>, HpkePrivateKey)>,
    past: Vec<u64>,
    pending: bool,
}

fn signer_bytes(signer: &crate::suite::SignaturePrivateKey) -> SecretVec {
    use crate::suite::SignaturePrivateKey as K;
    match signer {
        K::Ed25519(k) => k.to_secret().into(),
        K::EcdsaP256(k) => k.to_secret().into(),
        K::EcdsaP384(k) => k.to_secret().into(),
    }
}

fn read_state_body(r: &mut Reader<'_>) -> Result<StateBody> {
    if r.u16()? != STATE_VERSION {
        return Err(bad("persisted group state of an unknown version"));
    }
    let suite = CipherSuite::from_id(r.u16()?).map_err(|_| bad("persisted cipher suite"))?;
    let context = GroupContext::decode(r)?;
    let n_leaves = r.u32()?;
    let signer = suite
        .signature_key_from_bytes(r.opaque()?)
        .map_err(|_| bad("persisted signature key"))?;
    let config = read_config(r)?;
    let origin = r.optional()?;
    let status = read_status(r)?;
    let removed_by = read_opt_bytes(r)?;
    let reissue = r.vec()?;
    let psks = read_psks(r)?;
    let keys = read_keys(r, suite)?;
    let secrets = read_secrets(r, suite)?;
    let interim_transcript_hash = r.opaque_vec()?;
    let confirmation_tag = Mac::decode(r)?;
    let proposals = read_proposals(r)?;
    let pending_updates = read_updates(r, suite)?;
    let past = read_list(r, |r| r.u64())?;
    if past.windows(2).any(|w| w[0] >= w[1]) || past.last().is_some_and(|&e| e >= context.epoch) {
        return Err(bad(
            "persisted past epochs not increasing and before the current one",
        ));
    }
    let pending = read_bool(r)?;
    Ok(StateBody {
        suite,
        context,
        n_leaves,
        signer,
        config,
        origin,
        status,
        removed_by,
        reissue,
        psks,
        keys,
        secrets,
        interim_transcript_hash,
        confirmation_tag,
        proposals,
        pending_updates,
        past,
        pending,
    })
}

/// Splits `state` into its `save_id` and body.
fn split_state(value: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut r = Reader::new(value);
    let id = r.opaque()?;
    if id.len() > 64 {
        return Err(bad("persisted save id too long"));
    }
    Ok((id, r.remaining()))
}

impl Group {
    /// The body of `state` (everything small; see the module documentation).
    fn state_body(&self) -> Result<SecretVec> {
        encoded(|w| {
            w.u16(STATE_VERSION);
            w.u16(self.suite.id());
            self.context.encode(w);
            w.u32(self.tree.leaf_count());
            w.opaque(signer_bytes(&self.signer).expose_secret());
            write_config(w, &self.config);
            w.optional(self.origin.as_ref());
            write_status(w, &self.status);
            write_opt_bytes(w, self.removed_by.as_deref());
            w.vec(&self.reissue);
            write_psks(w, &self.psks);
            write_keys(w, &self.keys);
            write_secrets(w, &self.epoch.secrets);
            w.opaque(&self.epoch.interim_transcript_hash);
            self.epoch.confirmation_tag.encode(w);
            write_proposals(w, &self.proposals);
            write_updates(w, &self.pending_updates);
            w.vector(|w| {
                for p in &self.past {
                    w.u64(p.context.epoch);
                }
            });
            w.u8(u8::from(self.pending_commit.is_some()));
            Ok(())
        })
    }

    /// Every record but `state` and the nodes, by key.
    fn side_records(&self) -> Result<BTreeMap<Vec<u8>, SecretVec>> {
        let mut out = BTreeMap::new();
        let mut secret_tree = |epoch: u64, tree: &SecretTree| -> Result<()> {
            let parts = tree.to_parts();
            out.insert(
                st_key(epoch),
                encoded(|w| {
                    write_st_header(w, &parts);
                    Ok(())
                })?,
            );
            for (leaf, ratchets) in &parts.leaves {
                out.insert(
                    st_leaf_key(epoch, *leaf),
                    encoded(|w| {
                        write_leaf_ratchets(w, ratchets);
                        Ok(())
                    })?,
                );
            }
            Ok(())
        };
        secret_tree(self.context.epoch, &self.epoch.secret_tree)?;
        for p in &self.past {
            secret_tree(p.context.epoch, &p.secret_tree)?;
        }
        for p in &self.past {
            out.insert(past_key(p.context.epoch), encoded(|w| write_past(w, p))?);
        }
        if let Some(p) = &self.pending_commit {
            out.insert(
                PENDING_KEY.to_vec(),
                encoded(|w| {
                    write_pending(w, p);
                    Ok(())
                })?,
            );
        }
        Ok(out)
    }

    /// The whole state as versioned bytes (see the module documentation for the format and
    /// what it holds). Zeroized when dropped.
    ///
    /// # Errors
    /// [`Error::Misuse`] if a part is too long to encode.
    pub fn to_bytes(&self) -> Result<SecretVec> {
        let mut records = self.side_records()?;
        let state = self.state_body()?;
        records.insert(
            STATE_KEY.to_vec(),
            encoded(|w| {
                w.opaque(&[]);
                w.bytes(state.expose_secret());
                Ok(())
            })?,
        );
        for (x, node) in (0u32..).zip(self.tree.nodes()) {
            if let Some(node) = node {
                records.insert(node_key(x), SecretVec::new(node.to_bytes()?));
            }
        }
        encoded(|w| {
            w.bytes(MAGIC);
            w.u16(STATE_VERSION);
            w.vector(|w| {
                for (key, value) in &records {
                    w.opaque(key);
                    w.opaque(value.expose_secret());
                }
            });
            Ok(())
        })
    }

    /// Restores a Group from [`Self::to_bytes`]. The restored member goes on where the
    /// saved one stood (it processes the next Commit, sends and receives). Its first
    /// [`Self::save`] writes everything.
    ///
    /// # Errors
    /// [`Error::Decode`] for anything but a well-formed state of [`STATE_VERSION`]: a
    /// wrong magic or version, trailing bytes, records out of order, unknown or missing,
    /// lengths, enumerations, or parts inconsistent with each other; the tree rules
    /// TREE-1 to TREE-3 for the tree.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.bytes(MAGIC.len())? != MAGIC {
            return Err(bad("not a persisted group state"));
        }
        if r.u16()? != STATE_VERSION {
            return Err(bad("persisted group state of an unknown version"));
        }
        let mut records: BTreeMap<&[u8], &[u8]> = BTreeMap::new();
        let mut last: Option<&[u8]> = None;
        r.vector(|r| {
            while !r.is_empty() {
                let key = r.opaque()?;
                let value = r.opaque()?;
                if last.is_some_and(|l| key <= l) {
                    return Err(bad("persisted records not in increasing key order"));
                }
                last = Some(key);
                records.insert(key, value);
            }
            Ok(())
        })?;
        r.finish("trailing bytes after the persisted group state")?;
        let mut used = 0usize;
        let mut nodes_read = 0usize;
        let group = {
            let mut get = |key: &[u8]| -> Result<Option<SecretVec>> {
                let v = records.get(key).map(|v| SecretVec::from_slice(v));
                used += usize::from(v.is_some());
                Ok(v)
            };
            let mut node_list = |n_leaves: u32| -> Result<Vec<Option<Node>>> {
                let width = tree_math::node_width(n_leaves);
                let mut nodes: Vec<Option<Node>> = Vec::new();
                for (key, value) in records.range(NODE_PREFIX..) {
                    let Some(digits) = key.strip_prefix(NODE_PREFIX) else {
                        break;
                    };
                    let x = parse_index(digits)
                        .filter(|&x| x < width)
                        .ok_or(bad("persisted node key"))?;
                    let i = usize::try_from(x).map_err(|_| bad("persisted node key"))?;
                    if nodes.len() <= i {
                        nodes.resize(i + 1, None);
                    }
                    if let Some(slot) = nodes.get_mut(i) {
                        *slot = Some(Node::from_bytes(value)?);
                    }
                    nodes_read += 1;
                }
                Ok(nodes)
            };
            rebuild(&mut get, &mut node_list)?.0
        };
        if used + nodes_read != records.len() {
            return Err(bad("unknown records in the persisted group state"));
        }
        Ok(group)
    }

    /// Saves this member's state to `store` in one atomic batch that holds only what
    /// changed since the last save or load of this Group (see the module documentation:
    /// O(log n) node records after a Commit, the small per-epoch records, deletions of
    /// dropped epochs). The first save, or a save into a store last written by another
    /// copy, writes everything and deletes what the stored state listed. Nothing is
    /// written when nothing changed.
    ///
    /// # Errors
    /// As [`Store::get`] and [`Store::batch`] (then the store holds the previous state or,
    /// for a [`FileStore`] reopened after a crash, this one; the next save checks which);
    /// [`Error::Misuse`] if a part is too long to encode.
    pub fn save(&self, store: &mut impl Store) -> Result<()> {
        let suite = self.suite;
        let digest = |v: &SecretVec| suite.hash(v.expose_secret());
        let records = self.side_records()?;
        let body = self.state_body()?;
        let body_digest = digest(&body);
        let stored = store.get(STATE_KEY)?.map(SecretVec::new);
        let stored_id = stored
            .as_ref()
            .and_then(|s| split_state(s.expose_secret()).ok())
            .map(|(id, _)| id.to_vec());
        let mut guard = self.saved.0.lock().unwrap_or_else(PoisonError::into_inner);
        let previous = guard
            .as_ref()
            .filter(|t| stored_id.as_deref() == Some(t.id.as_slice()));
        let incremental = previous.is_some();
        let mut ops = Ops(Vec::new());
        let mut digests = BTreeMap::new();
        for (key, value) in &records {
            let d = digest(value);
            if previous.is_none_or(|t| t.records.get(key) != Some(&d)) {
                ops.0.push(StoreOp::Put {
                    key: key.clone(),
                    value: value.expose_secret().to_vec(),
                });
            }
            digests.insert(key.clone(), d);
        }
        let node_changes = match previous {
            Some(t) => {
                for key in t.records.keys() {
                    if !records.contains_key(key) {
                        ops.0.push(StoreOp::Delete { key: key.clone() });
                    }
                }
                Some(t.diff_nodes(&self.tree, &mut ops.0)?)
            }
            None => {
                // Everything is written; what the stored state names and this one does
                // not is deleted (old epochs' keys must leave the store, section 9.2).
                if let Some(stored) = &stored {
                    for key in stored_keys(store, stored.expose_secret()) {
                        let is_node_gone = key
                            .strip_prefix(NODE_PREFIX)
                            .and_then(parse_index)
                            .is_some_and(|x| self.tree.node(x).is_none());
                        if (key.starts_with(NODE_PREFIX) && is_node_gone)
                            || (!key.starts_with(NODE_PREFIX) && !records.contains_key(&key))
                        {
                            ops.0.push(StoreOp::Delete { key });
                        }
                    }
                }
                for (x, node) in (0u32..).zip(self.tree.nodes()) {
                    if let Some(node) = node {
                        ops.0.push(StoreOp::Put {
                            key: node_key(x),
                            value: node.to_bytes()?,
                        });
                    }
                }
                None
            }
        };
        if ops.0.is_empty() && previous.is_some_and(|t| t.state_digest == body_digest) {
            return Ok(());
        }
        // save_id = H(previous save_id || body), truncated: new for every change, and
        // different for different histories.
        let mut id_input = stored_id.unwrap_or_default();
        id_input.extend_from_slice(&body_digest);
        let mut id = suite.hash(&id_input);
        id.truncate(ID_LEN);
        let state = encoded(|w| {
            w.opaque(&id);
            w.bytes(body.expose_secret());
            Ok(())
        })?;
        ops.0.push(StoreOp::Put {
            key: STATE_KEY.to_vec(),
            value: state.expose_secret().to_vec(),
        });
        store.batch(&ops.0)?;
        let tracker = match (guard.take(), node_changes) {
            (Some(mut t), Some(changes)) if incremental => {
                t.apply_node_changes(&self.tree, changes);
                t.id = id;
                t.state_digest = body_digest;
                t.records = digests;
                t
            }
            _ => Tracked::full(&self.tree, id, body_digest, digests),
        };
        *guard = Some(tracker);
        Ok(())
    }

    /// Loads the state [`Self::save`] wrote to `store`. The loaded Group remembers what
    /// it read, so its next save is incremental.
    ///
    /// # Errors
    /// [`Error::Decode`] if the store holds no group state or a malformed one (as
    /// [`Self::from_bytes`]); as [`Store::get`].
    pub fn load(store: &impl Store) -> Result<Self> {
        let mut get =
            |key: &[u8]| -> Result<Option<SecretVec>> { Ok(store.get(key)?.map(SecretVec::new)) };
        let mut node_list = |n_leaves: u32| -> Result<Vec<Option<Node>>> {
            let mut nodes = Vec::new();
            for x in 0..tree_math::node_width(n_leaves) {
                nodes.push(match store.get(&node_key(x))? {
                    Some(v) => Some(Node::from_bytes(&v)?),
                    None => None,
                });
            }
            while nodes.last().is_some_and(Option::is_none) {
                nodes.pop();
            }
            Ok(nodes)
        };
        let (group, id, body_digest, records) = rebuild(&mut get, &mut node_list)?;
        let suite = group.suite;
        let digests = records
            .into_iter()
            .map(|(k, v)| (k, suite.hash(v.expose_secret())))
            .collect();
        *group.saved.0.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Tracked::full(&group.tree, id, body_digest, digests));
        Ok(group)
    }
}

/// The keys a stored `state` names (best effort: nothing if it does not parse).
fn stored_keys(store: &impl Store, state: &[u8]) -> Vec<Vec<u8>> {
    let Ok((_, body)) = split_state(state) else {
        return Vec::new();
    };
    let Ok(body) = read_state_body(&mut Reader::new(body)) else {
        return Vec::new();
    };
    let width = if body.n_leaves.is_power_of_two() && body.n_leaves <= crate::tree::MAX_LEAVES {
        tree_math::node_width(body.n_leaves)
    } else {
        0
    };
    let mut keys: Vec<Vec<u8>> = (0..width).map(node_key).collect();
    for epoch in body.past.iter().copied().chain([body.context.epoch]) {
        keys.push(st_key(epoch));
        if let Ok(Some(header)) = store.get(&st_key(epoch)).map(|v| v.map(SecretVec::new))
            && let Ok((_, leaves)) = read_st_header(&mut Reader::new(header.expose_secret()))
        {
            keys.extend(leaves.into_iter().map(|l| st_leaf_key(epoch, l)));
        }
    }
    keys.extend(body.past.iter().map(|&e| past_key(e)));
    keys.push(PENDING_KEY.to_vec());
    keys
}

/// Rebuilds a Group from its records: `get` reads one by key, `nodes` the tree's nodes
/// (trailing blanks left out) for a width of `n_leaves`. Returns the group, the `save_id`,
/// the digest of the state body and the side records read.
#[allow(clippy::type_complexity, reason = "one private helper's tuple")]
fn rebuild(
    get: &mut dyn FnMut(&[u8]) -> Result<Option<SecretVec>>,
    nodes: &mut dyn FnMut(u32) -> Result<Vec<Option<Node>>>,
) -> Result<(Group, Vec<u8>, Vec<u8>, BTreeMap<Vec<u8>, SecretVec>)> {
    let state = get(STATE_KEY)?.ok_or(bad("no persisted group state"))?;
    let (id, body_bytes) = split_state(state.expose_secret())?;
    let mut r = Reader::new(body_bytes);
    let body = read_state_body(&mut r)?;
    r.finish("trailing bytes after the persisted state")?;
    let suite = body.suite;
    let body_digest = suite.hash(body_bytes);
    if body.context.cipher_suite.0 != suite.id() {
        return Err(bad("persisted GroupContext of another cipher suite"));
    }
    if !body.n_leaves.is_power_of_two() || body.n_leaves > crate::tree::MAX_LEAVES {
        return Err(bad("persisted tree width"));
    }
    let mut tree = RatchetTree::from_nodes(suite, nodes(body.n_leaves)?)
        .map_err(|_| bad("persisted ratchet tree"))?;
    if tree.leaf_count() != body.n_leaves || tree.tree_hash() != body.context.tree_hash.as_slice() {
        return Err(bad(
            "persisted ratchet tree does not match the GroupContext",
        ));
    }
    let own = body.keys.own_leaf();
    if body.status != GroupStatus::Removed
        && tree.leaf(own).map(|l| l.signature_key.as_slice())
            != Some(body.signer.public_key().as_slice())
    {
        return Err(bad("persisted own leaf does not match the signature key"));
    }
    let mut side = BTreeMap::new();
    let mut read = |key: Vec<u8>| -> Result<SecretVec> {
        let v = get(&key)?.ok_or(bad("a persisted record named by the state is missing"))?;
        side.insert(key, v.clone());
        Ok(v)
    };
    let mut secret_tree = |epoch: u64| -> Result<SecretTree> {
        let header = read(st_key(epoch))?;
        let mut r = Reader::new(header.expose_secret());
        let (mut parts, leaves) = read_st_header(&mut r)?;
        r.finish("trailing bytes after a persisted secret tree")?;
        for leaf in leaves {
            let value = read(st_leaf_key(epoch, leaf))?;
            let mut r = Reader::new(value.expose_secret());
            let ratchets = read_leaf_ratchets(&mut r)?;
            r.finish("trailing bytes after persisted ratchets")?;
            parts.leaves.push((leaf, ratchets));
        }
        SecretTree::from_parts(suite, parts)
    };
    let current_tree = secret_tree(body.context.epoch)?;
    let mut past_trees = Vec::new();
    for &epoch in &body.past {
        past_trees.push(secret_tree(epoch)?);
    }
    let mut past = VecDeque::new();
    for (&epoch, secret_tree) in body.past.iter().zip(past_trees) {
        let value = read(past_key(epoch))?;
        let mut r = Reader::new(value.expose_secret());
        let context = GroupContext::decode(&mut r)?;
        if context.epoch != epoch {
            return Err(bad("persisted past epoch under another epoch's key"));
        }
        let sender_data_secret = read_secret(&mut r, suite.hash_len())?;
        let changed_keys = read_list(&mut r, |r| Ok((LeafIndex(r.u32()?), read_opt_bytes(r)?)))?;
        let switch = if read_bool(&mut r)? {
            Some(Box::new(read_switch(&mut r, suite)?))
        } else {
            None
        };
        r.finish("trailing bytes after a persisted past epoch")?;
        past.push_back(PastEpoch {
            context,
            sender_data_secret,
            secret_tree,
            changed_keys,
            switch,
        });
    }
    super::p2p::check_switch_logs(&mut tree, &past)?;
    let pending_commit = if body.pending {
        let value = read(PENDING_KEY.to_vec())?;
        let mut r = Reader::new(value.expose_secret());
        let p = read_pending(&mut r, suite)?;
        r.finish("trailing bytes after a persisted pending Commit")?;
        Some(p)
    } else {
        None
    };
    let group = Group {
        suite,
        context: body.context,
        tree,
        keys: body.keys,
        epoch: EpochState {
            secrets: body.secrets,
            secret_tree: current_tree,
            interim_transcript_hash: body.interim_transcript_hash,
            confirmation_tag: body.confirmation_tag,
        },
        signer: body.signer,
        proposals: body.proposals,
        psks: body.psks,
        pending_updates: body.pending_updates,
        pending_commit,
        status: body.status,
        config: body.config,
        past,
        reissue: body.reissue,
        removed_by: body.removed_by,
        origin: body.origin,
        saved: SaveTracker::default(),
        signature_keys: super::SignatureKeyCache::default(),
    };
    Ok((group, id.to_vec(), body_digest, side))
}

// ----- what the last save wrote -------------------------------------------------------

/// The operations of one save; their values (secrets) are zeroized when dropped.
struct Ops(Vec<StoreOp>);

impl Drop for Ops {
    fn drop(&mut self) {
        for op in &mut self.0 {
            if let StoreOp::Put { value, .. } = op {
                value.zeroize();
            }
        }
    }
}

/// What a Group last saved or loaded (see the module documentation); empty until then.
#[derive(Default)]
pub(super) struct SaveTracker(Mutex<Option<Tracked>>);

impl core::fmt::Debug for SaveTracker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SaveTracker").finish_non_exhaustive()
    }
}

struct Tracked {
    /// The `save_id` of the stored state.
    id: Vec<u8>,
    /// The digest of the stored state's body.
    state_digest: Vec<u8>,
    /// The digest of every other stored record but the nodes.
    records: BTreeMap<Vec<u8>, Vec<u8>>,
    hash_len: usize,
    /// The node width of the stored tree.
    width: u32,
    /// The stored tree's node tree hashes, `hash_len` bytes per node.
    hashes: Vec<u8>,
    /// Which stored nodes are non-blank (have a record).
    present: Vec<bool>,
}

/// A node whose record a save rewrote: its tree hash and whether it is non-blank.
type NodeChange = (NodeIndex, Vec<u8>, bool);

impl Tracked {
    fn full(
        tree: &RatchetTree,
        id: Vec<u8>,
        state_digest: Vec<u8>,
        records: BTreeMap<Vec<u8>, Vec<u8>>,
    ) -> Self {
        let hash_len = tree.suite().hash_len();
        let width = tree.node_width();
        let mut hashes = Vec::with_capacity(hash_len * tree.nodes().len());
        let mut present = Vec::with_capacity(tree.nodes().len());
        for x in 0..width {
            let h = tree.node_tree_hash(x).unwrap_or_default();
            hashes.extend(
                h.iter()
                    .copied()
                    .chain(core::iter::repeat(0))
                    .take(hash_len),
            );
            present.push(tree.node(x).is_some());
        }
        Self {
            id,
            state_digest,
            records,
            hash_len,
            width,
            hashes,
            present,
        }
    }

    fn hash(&self, x: NodeIndex) -> Option<&[u8]> {
        let i = usize::try_from(x).ok()?;
        if x >= self.width {
            return None;
        }
        self.hashes
            .get(i.checked_mul(self.hash_len)?..i.checked_add(1)?.checked_mul(self.hash_len)?)
    }

    fn was_present(&self, x: NodeIndex) -> bool {
        x < self.width
            && usize::try_from(x)
                .ok()
                .and_then(|i| self.present.get(i))
                .copied()
                .unwrap_or(false)
    }

    /// Appends the node operations that bring the stored tree to `tree`: down from the
    /// root into every subtree whose tree hash changed, plus deletions of the non-blank
    /// nodes a truncation dropped. Returns the nodes rewritten.
    fn diff_nodes(&self, tree: &RatchetTree, ops: &mut Vec<StoreOp>) -> Result<Vec<NodeChange>> {
        let width = tree.node_width();
        for x in width..self.width {
            if self.was_present(x) {
                ops.push(StoreOp::Delete { key: node_key(x) });
            }
        }
        let mut changes = Vec::new();
        let mut stack = vec![tree.root()];
        while let Some(x) = stack.pop() {
            let now = tree.node_tree_hash(x).unwrap_or_default();
            if self.hash(x) == Some(now) {
                continue;
            }
            let node = tree.node(x);
            match node {
                Some(n) => ops.push(StoreOp::Put {
                    key: node_key(x),
                    value: n.to_bytes()?,
                }),
                None if self.was_present(x) => ops.push(StoreOp::Delete { key: node_key(x) }),
                None => {}
            }
            changes.push((x, now.to_vec(), node.is_some()));
            if let (Some(l), Some(r)) = (tree_math::left(x), tree_math::right(x)) {
                stack.push(l);
                stack.push(r);
            }
        }
        Ok(changes)
    }

    fn apply_node_changes(&mut self, tree: &RatchetTree, changes: Vec<NodeChange>) {
        let width = tree.node_width();
        let n = usize::try_from(width).unwrap_or(0);
        self.hashes.resize(n.saturating_mul(self.hash_len), 0);
        self.present.resize(n, false);
        self.width = width;
        for (x, hash, present) in changes {
            let Ok(i) = usize::try_from(x) else { continue };
            let start = i.saturating_mul(self.hash_len);
            if let Some(slot) = self
                .hashes
                .get_mut(start..start.saturating_add(self.hash_len))
                && hash.len() == self.hash_len
            {
                slot.copy_from_slice(&hash);
            }
            if let Some(p) = self.present.get_mut(i) {
                *p = present;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

    use primitives::rand::CryptoRng;
    use test_support::seeded_rng;

    use super::*;
    use crate::fuzzing::basic_bundle;
    use crate::{
        extension::Extensions,
        framing::MlsMessage,
        group::{CommitOptions, Received},
        proposal::Add,
        storage::{FileStore, MemoryStore},
    };

    const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

    fn pair(config: GroupConfig, rng: &mut impl CryptoRng) -> (Group, Group) {
        let mut alice = Group::create(
            b"g".to_vec(),
            basic_bundle(SUITE, "alice", rng),
            Extensions::empty(),
            config,
            rng,
        )
        .unwrap();
        let bob = basic_bundle(SUITE, "bob", rng);
        let carol = basic_bundle(SUITE, "carol", rng);
        let proposals = [&bob, &carol]
            .iter()
            .map(|b| {
                Proposal::Add(Add {
                    key_package: b.key_package().clone(),
                })
            })
            .collect();
        let out = alice
            .commit(
                CommitOptions {
                    proposals,
                    ..CommitOptions::default()
                },
                rng,
            )
            .unwrap();
        alice.merge_pending_commit().unwrap();
        let Some(MlsMessage::Welcome(w)) = out.welcome else {
            panic!("no welcome");
        };
        let bob = Group::join(&w, bob, None, PskStore::new(), config).unwrap();
        (alice, bob)
    }

    fn empty_commit(from: &mut Group, rng: &mut impl CryptoRng) -> MlsMessage {
        let out = from
            .commit(
                CommitOptions {
                    force_path: true,
                    ..CommitOptions::default()
                },
                rng,
            )
            .unwrap();
        from.merge_pending_commit().unwrap();
        out.commit
    }

    /// Reads from a store and keeps a batch instead of applying it.
    struct Capture<'a> {
        inner: &'a FileStore,
        ops: Vec<StoreOp>,
    }

    impl Store for Capture<'_> {
        fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
            self.inner.get(key)
        }
        fn batch(&mut self, ops: &[StoreOp]) -> Result<()> {
            self.ops = ops.to_vec();
            Ok(())
        }
    }

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("treekem-mls-persist-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// A crash inside a save's batch in a FileStore: before the journal's commit point the
    /// store reopens in the old epoch, after it in the new one, never between.
    #[test]
    fn a_crash_inside_a_file_store_batch_gives_one_epoch_or_the_other() {
        let mut rng = seeded_rng(81);
        let (mut alice, mut bob) = pair(GroupConfig::default(), &mut rng);
        let dir = temp_dir("journal");
        let mut store = FileStore::open(&dir).unwrap();
        send_and_read(&mut bob, &mut alice, &mut rng);
        alice.save(&mut store).unwrap();
        let old = alice.epoch_authenticator().to_vec();
        let commit = empty_commit(&mut bob, &mut rng);
        alice.process_message(&commit).unwrap();
        let mut capture = Capture {
            inner: &store,
            ops: Vec::new(),
        };
        alice.save(&mut capture).unwrap();
        let ops = capture.ops;
        assert!(ops.len() > 3);

        // Power lost while the journal was being written: journal.tmp is discarded.
        std::fs::write(dir.join("journal.tmp"), b"\x40\x10partial").unwrap();
        drop(store);
        let store = FileStore::open(&dir).unwrap();
        assert_eq!(Group::load(&store).unwrap().epoch_authenticator(), old);

        // Power lost after the journal's rename, before (all of) the records were written:
        // reopening replays it.
        store.write_journal(&ops).unwrap();
        drop(store);
        let mut store = FileStore::open(&dir).unwrap();
        let mut loaded = Group::load(&store).unwrap();
        assert_eq!(loaded.epoch_authenticator(), alice.epoch_authenticator());
        assert_eq!(loaded.tree().tree_hash(), alice.tree().tree_hash());
        send_and_read(&mut bob, &mut loaded, &mut rng);
        // Alice's own record of the store is stale (the capture never wrote): her next
        // save notices the save_id and writes everything.
        alice.save(&mut store).unwrap();
        let again = Group::load(&store).unwrap();
        assert_eq!(again.to_bytes().unwrap().expose_secret(), {
            let copy = Group::from_bytes(alice.to_bytes().unwrap().expose_secret()).unwrap();
            copy.to_bytes().unwrap().expose_secret().to_vec()
        });
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn send_and_read(from: &mut Group, to: &mut Group, rng: &mut impl CryptoRng) {
        let m = from.send_application(b"x", b"", rng).unwrap();
        assert!(matches!(
            to.process_message(&m).unwrap(),
            Received::Application { .. }
        ));
    }

    /// Two copies of one member saving into one store: each save is computed against what
    /// the store holds (the save_id), so the store always loads as the last saver's state.
    #[test]
    fn two_copies_saving_into_one_store_never_mix() {
        let mut rng = seeded_rng(82);
        let (alice, mut bob) = pair(GroupConfig::default(), &mut rng);
        let mut store = MemoryStore::new();
        alice.save(&mut store).unwrap();
        let mut copy = Group::load(&store).unwrap();
        let commit = empty_commit(&mut bob, &mut rng);
        copy.process_message(&commit).unwrap();
        copy.save(&mut store).unwrap();
        // Alice (still in the old epoch) saves over it: a full save of her state.
        alice.save(&mut store).unwrap();
        let loaded = Group::load(&store).unwrap();
        assert_eq!(loaded.epoch_authenticator(), alice.epoch_authenticator());
        let mut fresh = MemoryStore::new();
        alice.save(&mut fresh).unwrap();
        assert_eq!(store.len(), fresh.len());
        // And the copy, saving again, overwrites it back.
        copy.save(&mut store).unwrap();
        let loaded = Group::load(&store).unwrap();
        assert_eq!(loaded.epoch_authenticator(), copy.epoch_authenticator());
    }

    /// Switch points (P2P-1) persist: a member restored between two concurrent Commits
    /// still switches to the winner.
    #[test]
    fn switch_points_survive_and_a_restored_member_switches() {
        let mut rng = seeded_rng(83);
        let config = GroupConfig {
            p2p_window: 2,
            ..GroupConfig::default()
        };
        let (mut alice, mut bob) = pair(config, &mut rng);
        let mut store = MemoryStore::new();
        alice.save(&mut store).unwrap();
        let from_alice = empty_commit(&mut alice, &mut rng);
        let from_bob = empty_commit(&mut bob, &mut rng);
        alice.save(&mut store).unwrap();
        let mut loaded = Group::load(&store).unwrap();
        let mut restored = Group::from_bytes(alice.to_bytes().unwrap().expose_secret()).unwrap();
        for g in [&mut alice, &mut loaded, &mut restored] {
            g.process_message(&from_bob).unwrap();
        }
        bob.process_message(&from_alice).unwrap();
        for g in [&alice, &loaded, &restored] {
            assert_eq!(g.epoch_authenticator(), bob.epoch_authenticator());
        }
        loaded.save(&mut store).unwrap();
        let again = Group::load(&store).unwrap();
        assert_eq!(again.epoch_authenticator(), bob.epoch_authenticator());
    }

    #[test]
    fn keys_parse_strictly() {
        assert_eq!(parse_index(b"0"), Some(0));
        assert_eq!(parse_index(b"4294967295"), Some(u32::MAX));
        for bad in [&b""[..], b"01", b"4294967296", b"1a", b"-1", b"99999999999"] {
            assert_eq!(parse_index(bad), None);
        }
        assert_eq!(node_key(12), b"node/12");
        assert_eq!(st_leaf_key(3, 4), b"st/3/4");
    }

    /// The tracker's Debug output shows nothing of what it tracks.
    #[test]
    fn tracker_debug_shows_no_digests() {
        let t = SaveTracker::default();
        assert_eq!(format!("{t:?}"), "SaveTracker { .. }");
    }
}
