//! Criterion benches of the MLS core (suite 1):
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

use criterion::{Criterion, criterion_group, criterion_main};
use treekem_mls::{
    framing::{FramedContent, FramedContentBody, Sender},
    fuzzing::fuzz_epoch,
    protection::{protect_private, sign_content},
    types::{LeafIndex, WireFormat},
};

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

criterion_group!(benches, private_message);
criterion_main!(benches);
