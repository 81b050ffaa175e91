//! Criterion benches of the MLS core (suite 1):
//! - `tree-hash-full/<leaves>`: build a ratchet tree of 2^10, 2^14 or 2^16 members with every
//!   parent node populated and hash every node (grows like n);
//! - `tree-hash-path/<leaves>`: in that tree, replace one member's leaf (an Update: the leaf
//!   changes and its direct path is blanked) and rehash (grows like log n);
//! - `update-path-create/<shape>-<members>` and `update-path-process/<shape>-<members>`:
//!   create an UpdatePath from member 1 (encrypting to every copath resolution entry), and
//!   process one as member 0 (decrypt once, derive, merge), at 1 000 and 10 000 members, in
//!   a sparse tree (every parent blank) and a populated one; the tree is restored after each
//!   iteration by dropping a transaction;
//! - `ratchet-tree-decode/10000` and `ratchet-tree-validate/10000`: decode the
//!   `ratchet_tree` extension of a sparse 10 000-member tree, and validate it (10 000 leaf
//!   signatures);
//! - `private-message-1KiB/protect` and `/unprotect`: sign and encrypt one 1 KiB application
//!   message as a PrivateMessage from leaf 1 of the fixed fuzz epoch, then decrypt and verify
//!   it with a receiver's secret tree (each iteration uses the next generation).

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark harness"
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use treekem_mls::{
    framing::{FramedContent, FramedContentBody, Sender},
    fuzzing::{FixtureGroup, fuzz_epoch, member_leaf},
    leaf_node::LeafNodeSourceData,
    protection::{protect_private, sign_content},
    suite::CipherSuite,
    tree::RatchetTree,
    treekem::{PathParams, create_update_path, process_update_path},
    types::{LeafIndex, WireFormat},
};

const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;

fn tree_hash(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0x7472);
    let mut group = c.benchmark_group("tree-hash");
    group.sample_size(10);
    for log in [10u32, 14, 16] {
        let n = 1 << log;
        let fixture = FixtureGroup::build(SUITE, n, true, &mut rng);
        let nodes = fixture.tree.nodes().to_vec();
        group.bench_function(format!("full/{n}"), |b| {
            b.iter_batched(
                || nodes.clone(),
                |nodes| RatchetTree::from_nodes(SUITE, nodes).unwrap(),
                BatchSize::LargeInput,
            );
        });
        let mut tree = fixture.tree;
        let target = LeafIndex(n / 3);
        let leaves: Vec<_> = (0..2)
            .map(|_| {
                // Only the hashing is measured: the leaf keeps the member's signature key
                // (another would break TREE-8) and its signature is not checked here.
                let (mut leaf, _, _) = member_leaf(SUITE, n / 3, &mut rng);
                leaf.leaf_node_source = LeafNodeSourceData::Update;
                leaf.signature_key = fixture.signers[(n / 3) as usize].public_key().into();
                leaf
            })
            .collect();
        let mut flip = 0;
        group.bench_function(format!("path/{n}"), |b| {
            b.iter(|| {
                flip ^= 1;
                tree.update_leaf(target, leaves[flip].clone()).unwrap();
                black_box(tree.tree_hash().len())
            });
        });
    }
    group.finish();
}

fn update_path(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0x7570);
    let mut group = c.benchmark_group("update-path");
    group.sample_size(10);
    for n in [1000u32, 10_000] {
        for (shape, populated) in [("sparse", false), ("populated", true)] {
            let fixture = FixtureGroup::build(SUITE, n, populated, &mut rng);
            let context = fixture.context();
            let params = PathParams {
                group_context: &context,
                joiners: &[],
                signer: &fixture.signers[1],
                leaf_template: None,
            };
            let mut tree = fixture.tree.clone();
            group.bench_function(format!("create/{shape}-{n}"), |b| {
                b.iter(|| {
                    let mut tx = tree.transaction();
                    create_update_path(&mut tx, LeafIndex(1), &params, &mut rng).unwrap()
                });
            });
            let created = {
                let mut tx = tree.transaction();
                create_update_path(&mut tx, LeafIndex(1), &params, &mut rng).unwrap()
            };
            let keys = fixture.private_keys(LeafIndex(0));
            group.bench_function(format!("process/{shape}-{n}"), |b| {
                b.iter(|| {
                    let mut tx = tree.transaction();
                    process_update_path(
                        &mut tx,
                        &keys,
                        LeafIndex(1),
                        &created.update_path,
                        &context,
                        &[],
                    )
                    .unwrap()
                });
            });
        }
    }
    group.finish();
}

fn ratchet_tree_decode(c: &mut Criterion) {
    let mut rng = test_support::seeded_rng(0x6463);
    let fixture = FixtureGroup::build(SUITE, 10_000, false, &mut rng);
    let bytes = fixture.tree.to_bytes().unwrap();
    let mut group = c.benchmark_group("ratchet-tree");
    group.sample_size(10);
    group.bench_function("decode/10000", |b| {
        b.iter(|| RatchetTree::from_bytes(SUITE, black_box(&bytes)).unwrap());
    });
    let tree = RatchetTree::from_bytes(SUITE, &bytes).unwrap();
    group.bench_function("validate/10000", |b| {
        b.iter(|| tree.validate(b"fixture group").unwrap());
    });
    group.finish();
}

const KIB: [u8; 1024] = [0xA5; 1024];

fn private_message(c: &mut Criterion) {
    let epoch = fuzz_epoch();
    let suite = epoch.suite;
    let mut rng = test_support::seeded_rng(0x6d6c73);
    let content = FramedContent {
        group_id: epoch.context.group_id.clone(),
        epoch: epoch.context.epoch,
        sender: Sender::Member(LeafIndex(1)),
        authenticated_data: Vec::new(),
        body: FramedContentBody::Application(KIB.to_vec()),
    };
    let signer = &epoch.signers[1];
    let sds = epoch.sender_data_secret.expose_secret();
    let mut sender = epoch.secret_tree();
    let mut receiver = epoch.secret_tree();
    let mut group = c.benchmark_group("private-message-1KiB");
    group.bench_function("protect", |b| {
        b.iter(|| {
            let signed = sign_content(
                suite,
                WireFormat::PrivateMessage,
                black_box(content.clone()),
                &epoch.context,
                signer,
            )
            .unwrap();
            protect_private(suite, &signed, sds, &mut sender, 0, &mut rng).unwrap()
        });
    });
    let mut sender = epoch.secret_tree();
    group.bench_function("protect+unprotect", |b| {
        b.iter(|| {
            let signed = sign_content(
                suite,
                WireFormat::PrivateMessage,
                black_box(content.clone()),
                &epoch.context,
                signer,
            )
            .unwrap();
            let m = protect_private(suite, &signed, sds, &mut sender, 0, &mut rng).unwrap();
            epoch.unprotect(&m, &mut receiver).unwrap()
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    private_message,
    tree_hash,
    update_path,
    ratchet_tree_decode
);
criterion_main!(benches);
