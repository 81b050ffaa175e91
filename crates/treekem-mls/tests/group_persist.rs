//! Persistence of group state (issue 7): `Group::to_bytes` / `Group::from_bytes` round trip
//! (a restored member processes the next Commit, sends and receives), strict decoding
//! (every truncation refused, bit flips never panic, unknown versions and trailing bytes
//! refused), incremental saves through a `Store` (after a Commit in a 1 000-member group a
//! save touches O(log n) node records and a load equals the live member), and "stage,
//! persist, then merge": a crash (the Group dropped, reloaded from the store) at any step
//! of an own or a received Commit gives the old epoch or the new one, never a mix, with a
//! `MemoryStore` and a `FileStore`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use test_support::seeded_rng;
use treekem_mls::{
    Result,
    extension::Extensions,
    framing::MlsMessage,
    fuzzing::basic_bundle,
    group::{
        CommitOptions, Group, GroupConfig, KeyPackageBundle, PskStore, Received, STATE_VERSION,
    },
    primitives::{SecretVec, rand::CryptoRng},
    proposal::{Add, Proposal},
    storage::{FileStore, MemoryStore, Store, StoreOp},
    suite::CipherSuite,
    types::WireFormat,
};

const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

/// A group of `n` members made by one add-only Commit of its creator: the creator and the
/// joined members `1..=joined` (the others exist only in the tree).
fn group_of(
    n: usize,
    joined: usize,
    config: GroupConfig,
    rng: &mut impl CryptoRng,
) -> (Group, Vec<Group>) {
    let mut alice = Group::create(
        b"persist".to_vec(),
        basic_bundle(SUITE, "alice", rng),
        Extensions::empty(),
        config,
        rng,
    )
    .unwrap();
    let bundles: Vec<KeyPackageBundle> = (1..n)
        .map(|i| basic_bundle(SUITE, &format!("m{i}"), rng))
        .collect();
    let proposals = bundles
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
    let Some(MlsMessage::Welcome(welcome)) = out.welcome else {
        panic!("no Welcome");
    };
    let others = bundles
        .into_iter()
        .take(joined)
        .map(|b| Group::join(&welcome, b, None, PskStore::new(), config).unwrap())
        .collect();
    (alice, others)
}

/// The same member in the same state.
fn assert_same(a: &Group, b: &Group) {
    assert_agree(a, b);
    assert_eq!(a.own_leaf(), b.own_leaf());
    assert_eq!(a.has_pending_commit(), b.has_pending_commit());
    assert_eq!(
        a.cached_proposals().collect::<Vec<_>>(),
        b.cached_proposals().collect::<Vec<_>>()
    );
}

/// Two members in the same epoch.
fn assert_agree(a: &Group, b: &Group) {
    assert_eq!(a.epoch(), b.epoch());
    assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
    assert_eq!(a.tree().tree_hash(), b.tree().tree_hash());
    assert_eq!(a.context(), b.context());
}

fn send(from: &mut Group, to: &mut Group, text: &[u8], rng: &mut impl CryptoRng) {
    let m = from.send_application(text, b"", rng).unwrap();
    match to.process_message(&m).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, text),
        other => panic!("{other:?}"),
    }
}

fn commit_and_deliver(
    from: &mut Group,
    to: &mut [&mut Group],
    options: CommitOptions,
    rng: &mut impl CryptoRng,
) -> MlsMessage {
    let out = from.commit(options, rng).unwrap();
    from.merge_pending_commit().unwrap();
    for g in to.iter_mut() {
        assert!(matches!(
            g.process_message(&out.commit).unwrap(),
            Received::Commit { .. }
        ));
    }
    out.commit
}

/// A three-member group with state in every part: ratchets in use with retained keys,
/// past epochs, a cached proposal, an external PSK; handshakes as PrivateMessages.
fn busy_trio(rng: &mut impl CryptoRng) -> (Group, Group, Group) {
    let config = GroupConfig {
        handshake_wire_format: WireFormat::PrivateMessage,
        ..GroupConfig::default()
    };
    let (mut alice, others) = group_of(3, 2, config, rng);
    let mut others = others.into_iter();
    let (mut bob, mut carol) = (others.next().unwrap(), others.next().unwrap());
    commit_and_deliver(
        &mut bob,
        &mut [&mut alice, &mut carol],
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        rng,
    );
    send(&mut alice, &mut bob, b"one", rng);
    // Carol sends two; Alice reads the second first (the first stays retained).
    let first = carol.send_application(b"first", b"", rng).unwrap();
    let second = carol.send_application(b"second", b"", rng).unwrap();
    alice.process_message(&second).unwrap();
    bob.process_message(&first).unwrap();
    bob.process_message(&second).unwrap();
    alice
        .psks_mut()
        .insert_external(b"ext".to_vec(), SecretVec::from_slice(&[7; 32]));
    // A proposal Alice has received and cached (Bob will commit it).
    let (update, _) = carol.propose_update(rng).unwrap();
    alice.process_message(&update).unwrap();
    bob.process_message(&update).unwrap();
    // Keep `first` undelivered to Alice: restored Alice must still open it.
    let restored = Group::from_bytes(alice.to_bytes().unwrap().expose_secret()).unwrap();
    assert_same(&alice, &restored);
    let mut restored = restored;
    match restored.process_message(&first).unwrap() {
        Received::Application { data, .. } => assert_eq!(data, b"first"),
        other => panic!("{other:?}"),
    }
    (alice, bob, carol)
}

#[test]
fn to_bytes_round_trips_and_a_restored_member_continues() {
    let mut rng = seeded_rng(71);
    let (alice, mut bob, mut carol) = busy_trio(&mut rng);
    let bytes = alice.to_bytes().unwrap();
    let mut restored = Group::from_bytes(bytes.expose_secret()).unwrap();
    // The encoding is canonical: the restored member encodes to the same bytes.
    assert_eq!(
        restored.to_bytes().unwrap().expose_secret(),
        bytes.expose_secret()
    );
    assert_same(&alice, &restored);
    drop(alice);
    // Bob commits Carol's cached Update (by reference) and a path; restored Alice follows.
    commit_and_deliver(
        &mut bob,
        &mut [&mut restored, &mut carol],
        CommitOptions::default(),
        &mut rng,
    );
    assert_agree(&bob, &restored);
    assert_eq!(restored.epoch_authenticator(), carol.epoch_authenticator());
    send(&mut restored, &mut bob, b"after restore", &mut rng);
    send(&mut carol, &mut restored, b"to restored", &mut rng);
    // Restored Alice commits; the others process it.
    commit_and_deliver(
        &mut restored,
        &mut [&mut bob, &mut carol],
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut rng,
    );
    assert_agree(&bob, &restored);
    send(&mut bob, &mut restored, b"next epoch", &mut rng);
}

#[test]
fn a_pending_commit_survives_to_bytes_and_merges() {
    let mut rng = seeded_rng(72);
    let (mut alice, others) = group_of(3, 2, GroupConfig::default(), &mut rng);
    let mut others = others.into_iter();
    let (mut bob, mut carol) = (others.next().unwrap(), others.next().unwrap());
    let dave = basic_bundle(SUITE, "dave", &mut rng);
    let out = alice
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Add(Add {
                    key_package: dave.key_package().clone(),
                })],
                force_path: true,
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    let mut restored = Group::from_bytes(alice.to_bytes().unwrap().expose_secret()).unwrap();
    assert!(restored.has_pending_commit());
    drop(alice);
    restored.merge_pending_commit().unwrap();
    bob.process_message(&out.commit).unwrap();
    carol.process_message(&out.commit).unwrap();
    assert_agree(&bob, &restored);
    let Some(MlsMessage::Welcome(w)) = out.welcome else {
        panic!("no Welcome")
    };
    let mut dave = Group::join(&w, dave, None, PskStore::new(), GroupConfig::default()).unwrap();
    send(&mut dave, &mut restored, b"hi", &mut rng);
    send(&mut restored, &mut carol, b"hi all", &mut rng);
}

#[test]
fn decoding_is_strict_and_never_panics() {
    let mut rng = seeded_rng(73);
    let (alice, _, _) = busy_trio(&mut rng);
    let bytes = alice.to_bytes().unwrap();
    let bytes = bytes.expose_secret();
    // Every truncation is refused (a stride keeps the test quick; the tail and head fully).
    let len = bytes.len();
    let mut cuts: Vec<usize> = (0..len).step_by(7).collect();
    cuts.extend(len.saturating_sub(64)..len);
    cuts.extend(0..64.min(len));
    for cut in cuts {
        assert!(Group::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    // Trailing bytes and unknown versions are refused.
    let mut longer = bytes.to_vec();
    longer.push(0);
    assert!(Group::from_bytes(&longer).is_err());
    for version in [0, STATE_VERSION + 1, u16::MAX] {
        let mut other = bytes.to_vec();
        other[4..6].copy_from_slice(&version.to_be_bytes());
        assert!(Group::from_bytes(&other).is_err());
    }
    // Bit flips: decoding returns (any result), never panics; what decodes re-encodes.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..1500 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let pos = usize::try_from(x % u64::try_from(len).unwrap()).unwrap();
        let bit = (x >> 32) % 8;
        let mut flipped = bytes.to_vec();
        flipped[pos] ^= 1 << bit;
        if let Ok(g) = Group::from_bytes(&flipped) {
            let again = g.to_bytes().unwrap();
            assert!(Group::from_bytes(again.expose_secret()).is_ok());
        }
    }
}

/// A store that keeps the operations of the last batch.
#[derive(Debug, Default)]
struct Recording<S> {
    inner: S,
    last: Vec<StoreOp>,
}

impl<S: Store> Store for Recording<S> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.inner.get(key)
    }

    fn batch(&mut self, ops: &[StoreOp]) -> Result<()> {
        self.last = ops.to_vec();
        self.inner.batch(ops)
    }
}

fn node_ops(ops: &[StoreOp]) -> usize {
    ops.iter()
        .filter(|op| match op {
            StoreOp::Put { key, .. } | StoreOp::Delete { key } => key.starts_with(b"node/"),
        })
        .count()
}

/// The bytes a batch puts.
fn put_bytes(ops: &[StoreOp]) -> usize {
    ops.iter()
        .map(|op| match op {
            StoreOp::Put { value, .. } => value.len(),
            StoreOp::Delete { .. } => 0,
        })
        .sum()
}

#[test]
fn saving_a_commit_in_a_1000_member_group_writes_o_log_n_records() {
    saving_a_commit_writes_o_log_n_records(GroupConfig::default());
}

/// With switch points kept (P2P-1), a save after a Commit adds the Commit's undo log, the
/// nodes of its path, not a copy of the tree.
#[test]
fn saving_a_commit_with_switch_points_writes_o_log_n_records() {
    saving_a_commit_writes_o_log_n_records(GroupConfig {
        p2p_window: 2,
        ..GroupConfig::default()
    });
}

fn saving_a_commit_writes_o_log_n_records(config: GroupConfig) {
    let mut rng = seeded_rng(74);
    let (mut alice, others) = group_of(1000, 1, config, &mut rng);
    let mut bob = others.into_iter().next().unwrap();
    let mut store = Recording::<MemoryStore>::default();
    alice.save(&mut store).unwrap();
    let full = store.last.len();
    assert!(
        node_ops(&store.last) >= 1000,
        "the first save writes the tree"
    );
    // Nothing changed: nothing written.
    store.last.clear();
    alice.save(&mut store).unwrap();
    assert!(store.last.is_empty());

    // Alice commits with a path (and adds nobody): the save holds her path, not the tree.
    commit_and_deliver(
        &mut alice,
        &mut [&mut bob],
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut rng,
    );
    alice.save(&mut store).unwrap();
    let ops = store.last.len();
    assert!(
        ops < 40,
        "{ops} operations after a Commit (first save: {full})"
    );
    assert!(node_ops(&store.last) <= 2 * 11, "{}", node_ops(&store.last));
    let tree_bytes = alice.tree().to_bytes().unwrap().len();
    let written = put_bytes(&store.last);
    assert!(
        written * 20 < tree_bytes,
        "{written} bytes written after a Commit, the tree has {tree_bytes}"
    );
    let loaded = Group::load(&store).unwrap();
    assert_same(&alice, &loaded);

    // Bob commits; the live and the loaded Alice both process it and agree.
    let mut loaded = loaded;
    let commit = commit_and_deliver(
        &mut bob,
        &mut [&mut alice],
        CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        },
        &mut rng,
    );
    loaded.process_message(&commit).unwrap();
    assert_same(&alice, &loaded);
    // Saving the loaded one is incremental too, and a message goes through.
    loaded.save(&mut store).unwrap();
    assert!(store.last.len() < 40, "{}", store.last.len());
    send(&mut bob, &mut loaded, b"hello", &mut rng);
    send(&mut loaded, &mut bob, b"hello back", &mut rng);
    loaded.save(&mut store).unwrap();
    assert_eq!(node_ops(&store.last), 0);
    assert!(store.last.len() <= 4, "{:?}", store.last.len());
    let again = Group::load(&store).unwrap();
    assert_same(&loaded, &again);
}

#[test]
fn past_epochs_and_removed_members_are_deleted_from_the_store() {
    let mut rng = seeded_rng(75);
    let config = GroupConfig {
        past_epochs: 1,
        ..GroupConfig::default()
    };
    let (mut alice, others) = group_of(6, 1, config, &mut rng);
    let mut bob = others.into_iter().next().unwrap();
    let mut store = MemoryStore::new();
    alice.save(&mut store).unwrap();
    send(&mut bob, &mut alice, b"used", &mut rng);
    for _ in 0..3 {
        commit_and_deliver(
            &mut bob,
            &mut [&mut alice],
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut rng,
        );
        send(&mut bob, &mut alice, b"used", &mut rng);
        alice.save(&mut store).unwrap();
    }
    // Remove members 2..=5: blanked leaves and a truncated tree.
    let removes = (2..6)
        .map(|i| {
            Proposal::Remove(treekem_mls::proposal::Remove {
                removed: treekem_mls::types::LeafIndex(i),
            })
        })
        .collect();
    commit_and_deliver(
        &mut bob,
        &mut [&mut alice],
        CommitOptions {
            proposals: removes,
            ..CommitOptions::default()
        },
        &mut rng,
    );
    alice.save(&mut store).unwrap();
    // What a fresh full save of the same state holds is exactly what the store holds.
    let loaded = Group::load(&store).unwrap();
    assert_same(&alice, &loaded);
    let mut fresh = MemoryStore::new();
    Group::from_bytes(alice.to_bytes().unwrap().expose_secret())
        .unwrap()
        .save(&mut fresh)
        .unwrap();
    assert_eq!(store.len(), fresh.len());
}

/// The steps of an own Commit and of a received one, with a crash (drop, reload) after
/// each; `open` reopens the store as after a restart.
fn crash_at_every_step<S: Store>(mut store: S, open: impl Fn(S) -> S) {
    let mut rng = seeded_rng(76);
    let (mut alice, others) = group_of(4, 1, GroupConfig::default(), &mut rng);
    let mut bob = others.into_iter().next().unwrap();
    alice.save(&mut store).unwrap();
    let old_auth = alice.epoch_authenticator().to_vec();

    // Own Commit, step 1: staged, not saved. A crash loses only an unsent Commit.
    let out = alice
        .commit(
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap();
    store = open(store);
    let crashed = Group::load(&store).unwrap();
    assert_eq!(crashed.epoch_authenticator(), old_auth.as_slice());
    assert!(!crashed.has_pending_commit());

    // Step 2: persisted with the staged epoch. A crash now keeps the pending Commit.
    alice.save(&mut store).unwrap();
    store = open(store);
    let mut crashed = Group::load(&store).unwrap();
    assert!(crashed.has_pending_commit());
    assert_eq!(crashed.epoch_authenticator(), old_auth.as_slice());
    // (The Commit is sent now.)
    bob.process_message(&out.commit).unwrap();

    // Step 3: merged in memory, not saved: a crash gives the pending state again, which
    // merges to the same epoch.
    alice.merge_pending_commit().unwrap();
    crashed.merge_pending_commit().unwrap();
    assert_same(&alice, &crashed);
    store = open(store);
    let mut reloaded = Group::load(&store).unwrap();
    assert!(reloaded.has_pending_commit());
    reloaded.merge_pending_commit().unwrap();
    assert_same(&alice, &reloaded);

    // Step 4: saved after the merge.
    alice.save(&mut store).unwrap();
    store = open(store);
    let loaded = Group::load(&store).unwrap();
    assert_same(&alice, &loaded);
    assert_agree(&bob, &loaded);

    // A received Commit: processed in memory, then saved. A crash before the save gives
    // the old epoch, which processes the same Commit to the same new epoch.
    let before = alice.epoch_authenticator().to_vec();
    let from_bob = bob
        .commit(
            CommitOptions {
                force_path: true,
                ..CommitOptions::default()
            },
            &mut rng,
        )
        .unwrap()
        .commit;
    bob.merge_pending_commit().unwrap();
    alice.process_message(&from_bob).unwrap();
    store = open(store);
    let mut crashed = Group::load(&store).unwrap();
    assert_eq!(crashed.epoch_authenticator(), before.as_slice());
    crashed.process_message(&from_bob).unwrap();
    assert_same(&alice, &crashed);
    alice.save(&mut store).unwrap();
    store = open(store);
    let mut loaded = Group::load(&store).unwrap();
    assert_same(&alice, &loaded);
    send(&mut bob, &mut loaded, b"after the crashes", &mut rng);
    send(&mut loaded, &mut bob, b"and back", &mut rng);
}

#[test]
fn stage_persist_merge_with_a_memory_store() {
    crash_at_every_step(MemoryStore::new(), |s| s);
}

#[test]
fn stage_persist_merge_with_a_file_store() {
    let dir = std::env::temp_dir().join(format!("treekem-mls-persist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = FileStore::open(&dir).unwrap();
    crash_at_every_step(store, |s| {
        drop(s);
        FileStore::open(&dir).unwrap()
    });
    let _ = std::fs::remove_dir_all(&dir);
}
