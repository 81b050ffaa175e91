//! MLS groups (RFC 9420, suite 1: X25519, AES-128-GCM, SHA-256, Ed25519): our group engine
//! against OpenMLS (`openmls` with `openmls_rust_crypto`) and mls-rs (`mls-rs` with
//! `mls-rs-crypto-rustcrypto`), basic credentials, handshakes as PublicMessages, for groups
//! of N = 2, 100, 1 000 and 10 000 members.
//!
//! Every implementation builds the same group: member A (leaf 0) creates it and adds the
//! N - 1 others with one add-only Commit without a path (one Welcome carrying the ratchet
//! tree); B (leaf 1) joins from it. That is the *sparse* tree (every parent node blank). Then
//! the helper members at leaves 2, 4, 8, … (one under each of A's copath nodes) each commit
//! an empty Commit with a path, in that order, so that every node of A's copath is a
//! populated parent: the *populated* tree.
//!
//! Scenarios (criterion group `mls-<scenario>-<N>`, function `ours-default`, `openmls` or
//! `mls-rs`):
//! - `build`: A creates the Commit adding N - 1 members (with the Welcome), then discards it;
//! - `join`: B joins from that Welcome (tree in the GroupInfo extension);
//! - `add-nopath-create` / `-process`: in the sparse tree, A commits one Add without a path /
//!   B processes that Commit;
//! - `add-path-sparse-create` / `-process`: the same with a forced UpdatePath;
//! - `add-path-populated-create` / `-process`: the same in the populated tree;
//! - `empty-create` / `-process`: an empty Commit (path only) in the populated tree;
//! - `remove-create` / `-process`: A removes the last member (leaf N - 1) in the populated tree
//!   (not at N = 2, where the only other member is B);
//! - `message-1KiB`: A sends 1 KiB of application data, it is encoded, decoded and B reads it.
//!
//! Only the named operation is timed: decoding a received Commit or Welcome happens before
//! (every implementation gets the decoded message), and "process" includes applying the
//! Commit (OpenMLS: `process_message` and `merge_staged_commit`). A created Commit is discarded
//! after each iteration; a processed one needs a fresh copy of B each iteration, made untimed
//! (mls-rs: `Group::clone`; OpenMLS: a copy of B's storage and `MlsGroup::load`; ours: joining
//! again from the Welcome with the same deterministic KeyPackage and replaying the helpers'
//! Commits). Serialized state size is printed (stderr) per
//! implementation and N, after the populated tree is built.
//!
//! Not equal work: mls-rs is built with its default features, which include `rayon` (leaf
//! signatures checked on join and path secrets encrypted on all cores), and ours with its
//! default feature `parallel` (the same two costs spread over the cores); OpenMLS uses one
//! thread. To compare single-threaded, run with `RAYON_NUM_THREADS=1` and build ours without
//! default features (`treekem-mls = { ..., default-features = false }`). OpenMLS writes its
//! whole group state to its storage provider on every join and merge, the others keep it in
//! memory (mls-rs writes only on `write_to_storage`, ours only on `Group::save`).
//!
//! Setup at N = 10 000 generates 10 000 KeyPackages per implementation and takes minutes;
//! `MLS_BENCH_N=2,100` and `MLS_BENCH_IMPL=ours-default,mls-rs` restrict what is built.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::too_many_arguments,
    reason = "benchmark harness"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Bencher, BenchmarkGroup, Criterion, SamplingMode, measurement::WallTime};

const MESSAGE: [u8; 1024] = [0xA5; 1024];

/// The group sizes to run (`MLS_BENCH_N`, comma-separated), all by default.
fn sizes() -> Vec<u32> {
    std::env::var("MLS_BENCH_N")
        .map(|v| v.split(',').map(|s| s.trim().parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![2, 100, 1_000, 10_000])
}

/// Whether to run implementation `name` (`MLS_BENCH_IMPL`, comma-separated), all by default.
fn enabled(name: &str) -> bool {
    std::env::var("MLS_BENCH_IMPL").map_or(true, |v| v.split(',').any(|s| s.trim() == name))
}

/// Leaves 2, 4, 8, … below `n`: one member under each of leaf 0's copath nodes (leaf 1 is
/// itself the lowest one).
fn helper_leaves(n: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut l = 2;
    while l < n {
        out.push(l);
        l *= 2;
    }
    out
}

/// Runs `f` in group `mls-<scenario>-<n>` as `name`: 10 samples; at N >= 1 000 one iteration
/// per sample (each may need an expensive untimed copy of a member).
fn bench(c: &mut Criterion, scenario: &str, n: u32, name: &str, f: impl FnMut(&mut Bencher<'_>)) {
    let mut g: BenchmarkGroup<'_, WallTime> = c.benchmark_group(format!("mls-{scenario}-{n}"));
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(if n >= 1_000 {
            Duration::from_millis(1)
        } else {
            Duration::from_millis(400)
        });
    g.bench_function(name, f);
    g.finish();
}

/// `one` prepares an input, times one operation, cleans up and returns the time taken.
fn timed(b: &mut Bencher<'_>, mut one: impl FnMut() -> Duration) {
    b.iter_custom(|iters| (0..iters).map(|_| one()).sum());
}

fn clock<R>(op: impl FnOnce() -> R) -> (R, Duration) {
    let start = Instant::now();
    let r = black_box(op());
    (r, start.elapsed())
}

mod ours {
    use super::*;
    use treekem_mls::{
        codec::Codec as _,
        extension::Extensions,
        framing::MlsMessage,
        group::{
            CommitOptions, Group, GroupConfig, KeyPackageBundle, KeyPackageOptions, PskStore,
            Received,
        },
        key_package::KeyPackage,
        proposal::{Add, Proposal, Remove},
        suite::CipherSuite,
        types::LeafIndex,
        welcome::Welcome,
    };

    const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
    pub const NAME: &str = "ours-default";

    /// Member `i`'s KeyPackage, the same every time (so B can join again from the Welcome).
    fn bundle(i: u32) -> KeyPackageBundle {
        let mut rng = bench_peers::rng(0x6f75_0000 + u64::from(i));
        let signer = SUITE.generate_signature_key(&mut rng);
        let name = format!("member {i:05}");
        KeyPackageBundle::generate(
            SUITE,
            signer,
            KeyPackageOptions::basic(name.as_bytes()),
            &mut rng,
        )
        .unwrap()
    }

    fn add(kp: &KeyPackage) -> Proposal {
        Proposal::Add(Add {
            key_package: kp.clone(),
        })
    }

    fn welcome_of(m: Option<MlsMessage>) -> Welcome {
        match m {
            Some(MlsMessage::Welcome(w)) => w,
            other => panic!("expected a Welcome, got {other:?}"),
        }
    }

    fn process(g: &mut Group, m: &MlsMessage) {
        match g.process_message(m).unwrap() {
            Received::Commit { .. } => {}
            other => panic!("{other:?}"),
        }
    }

    /// A fresh copy of B: joined from the Welcome, then the helpers' Commits replayed.
    fn copy_of_b(welcome: &Welcome, replay: &[MlsMessage]) -> Group {
        let mut b = Group::join(
            welcome,
            bundle(1),
            None,
            PskStore::new(),
            GroupConfig::default(),
        )
        .unwrap();
        for m in replay {
            process(&mut b, m);
        }
        b
    }

    /// A's Commit of `options` (created, then discarded), and B copies processing it.
    fn create_and_process(
        c: &mut Criterion,
        n: u32,
        scenario: &str,
        a: &mut Group,
        options: &CommitOptions,
        welcome: &Welcome,
        replay: &[MlsMessage],
        rng: &mut rand_chacha::ChaCha20Rng,
    ) {
        bench(c, &format!("{scenario}-create"), n, NAME, |b| {
            timed(b, || {
                let options = options.clone();
                let (out, t) = clock(|| a.commit(options, rng).unwrap());
                a.discard_pending_commit();
                drop(out);
                t
            });
        });
        let commit = a.commit(options.clone(), rng).unwrap().commit;
        a.discard_pending_commit();
        bench(c, &format!("{scenario}-process"), n, NAME, |bch| {
            timed(bch, || {
                let mut b = copy_of_b(welcome, replay);
                let ((), t) = clock(|| process(&mut b, &commit));
                drop(b);
                t
            });
        });
    }

    pub fn run(c: &mut Criterion, n: u32) {
        let mut rng = bench_peers::rng(0x6f75);
        let setup = Instant::now();
        let mut a = Group::create(
            b"bench-group".to_vec(),
            bundle(0),
            Extensions::empty(),
            GroupConfig::default(),
            &mut rng,
        )
        .unwrap();
        let kps: Vec<KeyPackage> = (1..n).map(|i| bundle(i).key_package().clone()).collect();
        let extra = bundle(n + 1).key_package().clone();
        eprintln!(
            "{NAME} N={n}: {} KeyPackages in {:?}",
            n - 1,
            setup.elapsed()
        );

        bench(c, "build", n, NAME, |b| {
            timed(b, || {
                let options = CommitOptions {
                    proposals: kps.iter().map(add).collect(),
                    ..CommitOptions::default()
                };
                let (out, t) = clock(|| a.commit(options, &mut rng).unwrap());
                a.discard_pending_commit();
                drop(out);
                t
            });
        });
        let out = a
            .commit(
                CommitOptions {
                    proposals: kps.iter().map(add).collect(),
                    ..CommitOptions::default()
                },
                &mut rng,
            )
            .unwrap();
        a.merge_pending_commit().unwrap();
        let welcome = welcome_of(out.welcome);

        bench(c, "join", n, NAME, |b| {
            timed(b, || {
                let kp = bundle(1);
                let (g, t) = clock(|| {
                    Group::join(&welcome, kp, None, PskStore::new(), GroupConfig::default())
                        .unwrap()
                });
                drop(g);
                t
            });
        });
        let t = Instant::now();
        let mut b = copy_of_b(&welcome, &[]);
        eprintln!(
            "{NAME} N={n}: one untimed copy of B takes {:?}",
            t.elapsed()
        );

        let add_nopath = CommitOptions {
            proposals: vec![add(&extra)],
            ..CommitOptions::default()
        };
        let add_path = CommitOptions {
            force_path: true,
            ..add_nopath.clone()
        };
        create_and_process(
            c,
            n,
            "add-nopath",
            &mut a,
            &add_nopath,
            &welcome,
            &[],
            &mut rng,
        );
        create_and_process(
            c,
            n,
            "add-path-sparse",
            &mut a,
            &add_path,
            &welcome,
            &[],
            &mut rng,
        );

        // Populate A's copath: each helper commits an empty Commit with a path.
        let mut helpers: Vec<Group> = helper_leaves(n)
            .into_iter()
            .map(|l| {
                Group::join(
                    &welcome,
                    bundle(l),
                    None,
                    PskStore::new(),
                    GroupConfig::default(),
                )
                .unwrap()
            })
            .collect();
        let mut replay = Vec::new();
        for h in 0..helpers.len() {
            let commit = helpers[h]
                .commit(
                    CommitOptions {
                        force_path: true,
                        ..CommitOptions::default()
                    },
                    &mut rng,
                )
                .unwrap()
                .commit;
            helpers[h].merge_pending_commit().unwrap();
            for (j, other) in helpers.iter_mut().enumerate() {
                if j != h {
                    process(other, &commit);
                }
            }
            process(&mut a, &commit);
            process(&mut b, &commit);
            replay.push(commit);
        }
        drop(helpers);
        assert_eq!(a.epoch_authenticator(), b.epoch_authenticator());
        eprintln!(
            "{NAME} N={n}: serialized state size (Group::to_bytes): {} bytes",
            b.to_bytes().unwrap().expose_secret().len()
        );

        create_and_process(
            c,
            n,
            "add-path-populated",
            &mut a,
            &add_path,
            &welcome,
            &replay,
            &mut rng,
        );
        let empty = CommitOptions {
            force_path: true,
            ..CommitOptions::default()
        };
        create_and_process(c, n, "empty", &mut a, &empty, &welcome, &replay, &mut rng);
        if n > 2 {
            let remove = CommitOptions {
                proposals: vec![Proposal::Remove(Remove {
                    removed: LeafIndex(n - 1),
                })],
                ..CommitOptions::default()
            };
            create_and_process(c, n, "remove", &mut a, &remove, &welcome, &replay, &mut rng);
        }

        bench(c, "message-1KiB", n, NAME, |bch| {
            bch.iter(|| {
                let m = a.send_application(&MESSAGE, b"", &mut rng).unwrap();
                let bytes = m.to_bytes().unwrap();
                let m = MlsMessage::from_bytes(&bytes).unwrap();
                match b.process_message(&m).unwrap() {
                    Received::Application { data, .. } => data.len(),
                    other => panic!("{other:?}"),
                }
            });
        });
    }
}

mod om {
    use super::*;
    use openmls::prelude::tls_codec::{Deserialize as _, Serialize as _};
    use openmls::prelude::*;
    use openmls_basic_credential::SignatureKeyPair;
    use openmls_memory_storage::MemoryStorage;
    use openmls_rust_crypto::RustCrypto;
    use openmls_traits::OpenMlsProvider;

    pub const NAME: &str = "openmls";
    const CS: Ciphersuite = Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519;

    /// `openmls_rust_crypto`'s crypto with a storage this harness can copy.
    #[derive(Default)]
    struct Provider {
        crypto: RustCrypto,
        storage: MemoryStorage,
    }

    impl Provider {
        fn copy(&self) -> Self {
            let values = self.storage.values.read().unwrap().clone();
            Self {
                crypto: RustCrypto::default(),
                storage: MemoryStorage {
                    values: std::sync::RwLock::new(values),
                },
            }
        }

        fn bytes(&self) -> usize {
            let v = self.storage.values.read().unwrap();
            v.iter().map(|(k, v)| k.len() + v.len()).sum()
        }
    }

    impl OpenMlsProvider for Provider {
        type CryptoProvider = RustCrypto;
        type RandProvider = RustCrypto;
        type StorageProvider = MemoryStorage;
        fn storage(&self) -> &MemoryStorage {
            &self.storage
        }
        fn crypto(&self) -> &RustCrypto {
            &self.crypto
        }
        fn rand(&self) -> &RustCrypto {
            &self.crypto
        }
    }

    struct Member {
        provider: Provider,
        signer: SignatureKeyPair,
        cwk: CredentialWithKey,
    }

    fn member(i: u32, provider: Provider) -> Member {
        let signer = SignatureKeyPair::new(CS.signature_algorithm()).unwrap();
        let cwk = CredentialWithKey {
            credential: BasicCredential::new(format!("member {i:05}").into_bytes()).into(),
            signature_key: signer.public().into(),
        };
        Member {
            provider,
            signer,
            cwk,
        }
    }

    fn key_package(m: &Member) -> KeyPackage {
        KeyPackage::builder()
            .build(CS, &m.provider, &m.signer, m.cwk.clone())
            .unwrap()
            .key_package()
            .clone()
    }

    fn join_config() -> MlsGroupJoinConfig {
        MlsGroupJoinConfig::builder()
            .use_ratchet_tree_extension(true)
            .wire_format_policy(PURE_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build()
    }

    fn join(provider: &Provider, welcome: Welcome) -> MlsGroup {
        StagedWelcome::new_from_welcome(provider, &join_config(), welcome, None)
            .unwrap()
            .into_group(provider)
            .unwrap()
    }

    fn protocol(m: MlsMessageOut) -> ProtocolMessage {
        MlsMessageIn::from(m).try_into_protocol_message().unwrap()
    }

    fn process(g: &mut MlsGroup, provider: &Provider, m: ProtocolMessage) {
        let processed = g.process_message(provider, m).unwrap();
        match processed.into_content() {
            ProcessedMessageContent::StagedCommitMessage(staged) => {
                g.merge_staged_commit(provider, *staged).unwrap();
            }
            _ => panic!("not a Commit"),
        }
    }

    #[derive(Clone, Copy)]
    enum Op {
        Add { path: bool },
        Empty,
        Remove(u32),
    }

    fn commit(g: &mut MlsGroup, m: &Member, op: Op, extra: &KeyPackage) -> CommitMessageBundle {
        let builder = g.commit_builder();
        let builder = match op {
            Op::Add { path } => builder
                .propose_adds([extra.clone()])
                .force_self_update(path),
            Op::Empty => builder.force_self_update(true),
            Op::Remove(l) => builder.propose_removals([LeafNodeIndex::new(l)]),
        };
        builder
            .load_psks(m.provider.storage())
            .unwrap()
            .build(m.provider.rand(), m.provider.crypto(), &m.signer, |_| true)
            .unwrap()
            .stage_commit(&m.provider)
            .unwrap()
    }

    fn create_and_process(
        c: &mut Criterion,
        n: u32,
        scenario: &str,
        (ga, a): (&mut MlsGroup, &Member),
        op: Op,
        extra: &KeyPackage,
        b_state: &Provider,
        group_id: &GroupId,
    ) {
        bench(c, &format!("{scenario}-create"), n, NAME, |b| {
            timed(b, || {
                let (out, t) = clock(|| commit(ga, a, op, extra));
                ga.clear_pending_commit(a.provider.storage()).unwrap();
                drop(out);
                t
            });
        });
        let msg = protocol(commit(ga, a, op, extra).into_commit());
        ga.clear_pending_commit(a.provider.storage()).unwrap();
        bench(c, &format!("{scenario}-process"), n, NAME, |bch| {
            timed(bch, || {
                let provider = b_state.copy();
                let mut gb = MlsGroup::load(provider.storage(), group_id)
                    .unwrap()
                    .unwrap();
                let m = msg.clone();
                let ((), t) = clock(|| process(&mut gb, &provider, m));
                drop((gb, provider));
                t
            });
        });
    }

    pub fn run(c: &mut Criterion, n: u32) {
        let setup = Instant::now();
        let a = member(0, Provider::default());
        let create_config = MlsGroupCreateConfig::builder()
            .ciphersuite(CS)
            .use_ratchet_tree_extension(true)
            .wire_format_policy(PURE_PLAINTEXT_WIRE_FORMAT_POLICY)
            .build();
        let mut ga = MlsGroup::new(&a.provider, &a.signer, &create_config, a.cwk.clone()).unwrap();
        let group_id = ga.group_id().clone();
        // B and the helpers keep their own storage; the others share a scratch one.
        let helpers_at = helper_leaves(n);
        let scratch = Provider::default();
        let mut kept: Vec<(u32, Member)> = Vec::new();
        let mut kps = Vec::new();
        for i in 1..n {
            if i == 1 || helpers_at.contains(&i) {
                let m = member(i, Provider::default());
                kps.push(key_package(&m));
                kept.push((i, m));
            } else {
                let m = member(i, Provider::default());
                kps.push(
                    KeyPackage::builder()
                        .build(CS, &scratch, &m.signer, m.cwk.clone())
                        .unwrap()
                        .key_package()
                        .clone(),
                );
            }
        }
        drop(scratch);
        let extra = key_package(&member(n + 1, Provider::default()));
        eprintln!(
            "{NAME} N={n}: {} KeyPackages in {:?}",
            n - 1,
            setup.elapsed()
        );

        bench(c, "build", n, NAME, |b| {
            timed(b, || {
                let kps = kps.clone();
                let (out, t) = clock(|| {
                    ga.commit_builder()
                        .propose_adds(kps)
                        .load_psks(a.provider.storage())
                        .unwrap()
                        .build(a.provider.rand(), a.provider.crypto(), &a.signer, |_| true)
                        .unwrap()
                        .stage_commit(&a.provider)
                        .unwrap()
                });
                ga.clear_pending_commit(a.provider.storage()).unwrap();
                drop(out);
                t
            });
        });
        let out = ga
            .commit_builder()
            .propose_adds(kps.clone())
            .load_psks(a.provider.storage())
            .unwrap()
            .build(a.provider.rand(), a.provider.crypto(), &a.signer, |_| true)
            .unwrap()
            .stage_commit(&a.provider)
            .unwrap();
        ga.merge_pending_commit(&a.provider).unwrap();
        let welcome = match MlsMessageIn::from(out.into_welcome_msg().unwrap()).extract() {
            MlsMessageBodyIn::Welcome(w) => w,
            _ => panic!("not a Welcome"),
        };

        let (_, bm) = kept.remove(0);
        bench(c, "join", n, NAME, |bch| {
            timed(bch, || {
                let provider = bm.provider.copy();
                let w = welcome.clone();
                let (g, t) = clock(|| join(&provider, w));
                drop((g, provider));
                t
            });
        });
        let b_member = Member {
            provider: bm.provider.copy(),
            ..bm
        };
        let mut gb = join(&b_member.provider, welcome.clone());
        let sparse_b = b_member.provider.copy();

        create_and_process(
            c,
            n,
            "add-nopath",
            (&mut ga, &a),
            Op::Add { path: false },
            &extra,
            &sparse_b,
            &group_id,
        );
        create_and_process(
            c,
            n,
            "add-path-sparse",
            (&mut ga, &a),
            Op::Add { path: true },
            &extra,
            &sparse_b,
            &group_id,
        );

        let mut helpers: Vec<(MlsGroup, Member)> = kept
            .into_iter()
            .map(|(_, m)| (join(&m.provider, welcome.clone()), m))
            .collect();
        for h in 0..helpers.len() {
            let msg = {
                let (g, m) = &mut helpers[h];
                let out = commit(g, m, Op::Empty, &extra);
                g.merge_pending_commit(&m.provider).unwrap();
                protocol(out.into_commit())
            };
            for (j, (g, m)) in helpers.iter_mut().enumerate() {
                if j != h {
                    process(g, &m.provider, msg.clone());
                }
            }
            process(&mut ga, &a.provider, msg.clone());
            process(&mut gb, &b_member.provider, msg);
        }
        drop(helpers);
        assert_eq!(
            ga.epoch_authenticator().as_slice(),
            gb.epoch_authenticator().as_slice()
        );
        eprintln!(
            "{NAME} N={n}: serialized state size (B's storage, keys and values): {} bytes",
            b_member.provider.bytes()
        );
        let populated_b = b_member.provider.copy();
        create_and_process(
            c,
            n,
            "add-path-populated",
            (&mut ga, &a),
            Op::Add { path: true },
            &extra,
            &populated_b,
            &group_id,
        );
        create_and_process(
            c,
            n,
            "empty",
            (&mut ga, &a),
            Op::Empty,
            &extra,
            &populated_b,
            &group_id,
        );
        if n > 2 {
            create_and_process(
                c,
                n,
                "remove",
                (&mut ga, &a),
                Op::Remove(n - 1),
                &extra,
                &populated_b,
                &group_id,
            );
        }

        bench(c, "message-1KiB", n, NAME, |bch| {
            bch.iter(|| {
                let m = ga.create_message(&a.provider, &a.signer, &MESSAGE).unwrap();
                let bytes = m.tls_serialize_detached().unwrap();
                let m = MlsMessageIn::tls_deserialize_exact(&bytes)
                    .unwrap()
                    .try_into_protocol_message()
                    .unwrap();
                match gb
                    .process_message(&b_member.provider, m)
                    .unwrap()
                    .into_content()
                {
                    ProcessedMessageContent::ApplicationMessage(app) => app.into_bytes().len(),
                    _ => panic!("not application data"),
                }
            });
        });
    }
}

mod mr {
    use super::*;
    use mls_rs::{
        CipherSuite, CipherSuiteProvider as _, Client, CryptoProvider as _, ExtensionList, Group,
        MlsMessage, MlsRules,
        client_builder::{MlsConfig, PaddingMode},
        error::MlsError,
        group::{GroupContext, ReceivedMessage, Roster},
        identity::{
            SigningIdentity,
            basic::{BasicCredential, BasicIdentityProvider},
        },
        mls_rules::{
            CommitDirection, CommitOptions, CommitSource, EncryptionOptions, ProposalBundle,
        },
        storage_provider::in_memory::InMemoryGroupStateStorage,
    };
    use mls_rs_crypto_rustcrypto::RustCryptoProvider;
    use std::sync::atomic::{AtomicBool, Ordering};

    pub const NAME: &str = "mls-rs";
    const CS: CipherSuite = CipherSuite::CURVE25519_AES128;

    /// Whether Commits must carry a path (mls-rs decides it per client from its rules).
    static FORCE_PATH: AtomicBool = AtomicBool::new(false);

    /// mls-rs's default rules, but with the path requirement from [`FORCE_PATH`], the tree in
    /// the Welcome, handshakes as PublicMessages and no padding (as ours and OpenMLS here).
    #[derive(Clone, Copy, Debug)]
    struct Rules;

    impl MlsRules for Rules {
        type Error = std::convert::Infallible;

        fn filter_proposals(
            &self,
            _: CommitDirection,
            _: CommitSource,
            _: &Roster<'_>,
            _: &GroupContext,
            proposals: ProposalBundle,
        ) -> Result<ProposalBundle, Self::Error> {
            Ok(proposals)
        }

        fn commit_options(
            &self,
            _: &Roster<'_>,
            _: &GroupContext,
            _: &ProposalBundle,
        ) -> Result<CommitOptions, Self::Error> {
            Ok(CommitOptions::new()
                .with_path_required(FORCE_PATH.load(Ordering::Relaxed))
                .with_ratchet_tree_extension(true))
        }

        fn encryption_options(
            &self,
            _: &Roster<'_>,
            _: &GroupContext,
        ) -> Result<EncryptionOptions, Self::Error> {
            Ok(EncryptionOptions::new(false, PaddingMode::None))
        }
    }

    fn client(i: u32, storage: InMemoryGroupStateStorage) -> Client<impl MlsConfig> {
        let crypto = RustCryptoProvider::new();
        let (secret, public) = crypto
            .cipher_suite_provider(CS)
            .unwrap()
            .signature_key_generate()
            .unwrap();
        let identity = SigningIdentity::new(
            BasicCredential::new(format!("member {i:05}").into_bytes()).into_credential(),
            public,
        );
        Client::builder()
            .identity_provider(BasicIdentityProvider)
            .crypto_provider(crypto)
            .mls_rules(Rules)
            .group_state_storage(storage)
            .signing_identity(identity, secret, CS)
            .build()
    }

    fn key_package<C: MlsConfig>(c: &Client<C>) -> MlsMessage {
        c.generate_key_package_message(ExtensionList::default(), ExtensionList::default(), None)
            .unwrap()
    }

    fn process<C: MlsConfig>(g: &mut Group<C>, m: MlsMessage) {
        match g.process_incoming_message(m).unwrap() {
            ReceivedMessage::Commit(_) => {}
            other => panic!("{other:?}"),
        }
    }

    #[derive(Clone, Copy)]
    enum Op {
        Add,
        Empty,
        Remove(u32),
    }

    fn commit<C: MlsConfig>(
        g: &mut Group<C>,
        op: Op,
        extra: &MlsMessage,
    ) -> Result<mls_rs::group::CommitOutput, MlsError> {
        match op {
            Op::Add => g.commit_builder().add_member(extra.clone())?.build(),
            Op::Empty => g.commit(Vec::new()),
            Op::Remove(l) => g.commit_builder().remove_member(l)?.build(),
        }
    }

    fn create_and_process<C: MlsConfig>(
        c: &mut Criterion,
        n: u32,
        scenario: &str,
        ga: &mut Group<C>,
        (op, path): (Op, bool),
        extra: &MlsMessage,
        b_state: &Group<C>,
    ) {
        FORCE_PATH.store(path, Ordering::Relaxed);
        bench(c, &format!("{scenario}-create"), n, NAME, |b| {
            timed(b, || {
                let (out, t) = clock(|| commit(ga, op, extra).unwrap());
                ga.clear_pending_commit();
                drop(out);
                t
            });
        });
        let msg = commit(ga, op, extra).unwrap().commit_message;
        ga.clear_pending_commit();
        FORCE_PATH.store(false, Ordering::Relaxed);
        bench(c, &format!("{scenario}-process"), n, NAME, |bch| {
            timed(bch, || {
                let mut gb = b_state.clone();
                let m = msg.clone();
                let ((), t) = clock(|| process(&mut gb, m));
                drop(gb);
                t
            });
        });
    }

    /// Bytes written by `write_to_storage` into `storage`: the group state and its epochs.
    fn stored_bytes(storage: &InMemoryGroupStateStorage, group_id: &[u8]) -> usize {
        use mls_rs::GroupStateStorage as _;
        let state = storage.state(group_id).unwrap().map_or(0, |s| s.len());
        let max = storage.max_epoch_id(group_id).unwrap().unwrap_or(0);
        let epochs: usize = (0..=max)
            .filter_map(|e| storage.epoch(group_id, e).unwrap())
            .map(|e| e.len())
            .sum();
        state + epochs
    }

    pub fn run(c: &mut Criterion, n: u32) {
        FORCE_PATH.store(false, Ordering::Relaxed);
        let setup = Instant::now();
        let a = client(0, InMemoryGroupStateStorage::new());
        let mut ga = a
            .create_group(ExtensionList::default(), ExtensionList::default(), None)
            .unwrap();
        let helpers_at = helper_leaves(n);
        let b_storage = InMemoryGroupStateStorage::new();
        let mut kept = Vec::new();
        let mut kps = Vec::new();
        for i in 1..n {
            let storage = if i == 1 {
                b_storage.clone()
            } else {
                InMemoryGroupStateStorage::new()
            };
            let cl = client(i, storage);
            kps.push(key_package(&cl));
            if i == 1 || helpers_at.contains(&i) {
                kept.push(cl);
            }
        }
        let extra = key_package(&client(n + 1, InMemoryGroupStateStorage::new()));
        eprintln!(
            "{NAME} N={n}: {} KeyPackages in {:?}",
            n - 1,
            setup.elapsed()
        );

        let build = |ga: &mut Group<_>, kps: Vec<MlsMessage>| {
            let mut builder = ga.commit_builder();
            for kp in kps {
                builder = builder.add_member(kp).unwrap();
            }
            builder.build().unwrap()
        };
        bench(c, "build", n, NAME, |b| {
            timed(b, || {
                let kps = kps.clone();
                let (out, t) = clock(|| build(&mut ga, kps));
                ga.clear_pending_commit();
                drop(out);
                t
            });
        });
        let out = build(&mut ga, kps.clone());
        ga.apply_pending_commit().unwrap();
        let welcome = out.welcome_messages.into_iter().next().unwrap();

        let bc = kept.remove(0);
        bench(c, "join", n, NAME, |bch| {
            timed(bch, || {
                let (g, t) = clock(|| bc.join_group(None, &welcome, None).unwrap());
                drop(g);
                t
            });
        });
        let mut gb = bc.join_group(None, &welcome, None).unwrap().0;
        let sparse_b = gb.clone();

        create_and_process(
            c,
            n,
            "add-nopath",
            &mut ga,
            (Op::Add, false),
            &extra,
            &sparse_b,
        );
        create_and_process(
            c,
            n,
            "add-path-sparse",
            &mut ga,
            (Op::Add, true),
            &extra,
            &sparse_b,
        );

        let mut helpers: Vec<_> = kept
            .iter()
            .map(|cl| cl.join_group(None, &welcome, None).unwrap().0)
            .collect();
        for h in 0..helpers.len() {
            let msg = commit(&mut helpers[h], Op::Empty, &extra)
                .unwrap()
                .commit_message;
            helpers[h].apply_pending_commit().unwrap();
            for (j, g) in helpers.iter_mut().enumerate() {
                if j != h {
                    process(g, msg.clone());
                }
            }
            process(&mut ga, msg.clone());
            process(&mut gb, msg);
        }
        drop(helpers);
        assert_eq!(
            ga.epoch_authenticator().unwrap().to_vec(),
            gb.epoch_authenticator().unwrap().to_vec()
        );
        let populated_b = gb.clone();
        gb.write_to_storage().unwrap();
        eprintln!(
            "{NAME} N={n}: serialized state size (write_to_storage: state and epochs): {} bytes",
            stored_bytes(&b_storage, gb.group_id())
        );

        create_and_process(
            c,
            n,
            "add-path-populated",
            &mut ga,
            (Op::Add, true),
            &extra,
            &populated_b,
        );
        create_and_process(
            c,
            n,
            "empty",
            &mut ga,
            (Op::Empty, true),
            &extra,
            &populated_b,
        );
        if n > 2 {
            create_and_process(
                c,
                n,
                "remove",
                &mut ga,
                (Op::Remove(n - 1), true),
                &extra,
                &populated_b,
            );
        }

        bench(c, "message-1KiB", n, NAME, |bch| {
            bch.iter(|| {
                let m = ga
                    .encrypt_application_message(&MESSAGE, Vec::new())
                    .unwrap();
                let bytes = m.to_bytes().unwrap();
                let m = MlsMessage::from_bytes(&bytes).unwrap();
                match gb.process_incoming_message(m).unwrap() {
                    ReceivedMessage::ApplicationMessage(app) => app.data().len(),
                    other => panic!("{other:?}"),
                }
            });
        });
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    for n in sizes() {
        if enabled(ours::NAME) {
            ours::run(&mut c, n);
        }
        if enabled(om::NAME) {
            om::run(&mut c, n);
        }
        if enabled(mr::NAME) {
            mr::run(&mut c, n);
        }
    }
    c.final_summary();
}
