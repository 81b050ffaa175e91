//! `cargo xtask demo`: three peers (Alice, Bob, Carol), each a thread with its own keys and
//! state, talking over loopback TCP with no server.
//!
//! 1. Alice and Bob run the peer-to-peer PQXDH handshake, bundles over the connection, both
//!    initiating at once; the tie-break keeps one initiation.
//! 2. Over the new Double Ratchet session they exchange ML-KEM-768 keys and Bob's MLS
//!    KeyPackage; Alice makes their two-member MLS group; both derive the AES key from a
//!    shared passphrase with Argon2id (RFC 9106 costs). That is the full default cascade.
//! 3. Messages through the full cascade in both directions, sent out of order.
//! 4. Alice creates a team MLS group and adds Bob and Carol with one Welcome; every member
//!    sends to the group through a two-layer cascade (MLS, AES).
//! 5. Alice removes Carol; Carol can no longer read the group.
//! 6. A tampered and a layer-stripped envelope are rejected, naming the layer, and change
//!    nothing.
//!
//! The main thread prints what the peers report, step by step, and exits non-zero if any
//! check failed. The protocol messages themselves only ever cross the TCP connections.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the demo's output is its transcript"
)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use cascade::{
    AeadLayer, Cascade, CipherLayer, DoubleRatchetLayer, LayerId, MlKemLayer, MlsLayer, Report,
    envelope::binding, fuzzing::snapshot,
};
use getrandom::{SysRng, rand_core::UnwrapErr};
use mlkem_layer::{DecapsulationKey, EncapsulationKey, ParameterSet};
use primitives::Argon2idParams;
use treekem_mls::{
    codec::Codec,
    credential::Credential,
    extension::Extensions,
    framing::MlsMessage,
    group::{CommitOptions, Group, GroupConfig, KeyPackageBundle, KeyPackageOptions, PskStore},
    proposal::{Add, Proposal, Remove},
    suite::CipherSuite,
    types::LeafIndex,
};
use x3dh::{Handshake, HandshakeConfig, HandshakeMessage, IdentityKeyPair, Role};

type Result<T = ()> = core::result::Result<T, String>;
type Rng = UnwrapErr<SysRng>;

const SUITE: CipherSuite = CipherSuite::Mls128X25519Aes128GcmSha256Ed25519;
const KEM: ParameterSet = ParameterSet::MlKem768;
const PAIR_PASSPHRASE: &[u8] = b"alice and bob's passphrase, agreed in person";
const TEAM_PASSPHRASE: &[u8] = b"the team's passphrase, agreed in person";
/// Associated data every envelope binds: the conversation it belongs to.
const PAIR_AD: &[u8] = b"conversation alice+bob";
const TEAM_AD: &[u8] = b"conversation team";
const STEPS: [&str; 6] = [
    "Peer-to-peer handshake: PQXDH (ML-KEM-1024), bundles over TCP, both initiating at once",
    "Channel setup over the Double Ratchet: ML-KEM-768 keys, a two-member MLS group, Argon2id",
    "Alice <-> Bob through the full cascade (ML-KEM, Double Ratchet, MLS, AES), out of order",
    "Alice creates the team group, adds Bob and Carol (one Welcome); everyone sends to it",
    "Alice removes Carol: Carol can no longer read the group",
    "A tampered and a layer-stripped envelope are rejected; nothing changes",
];
/// How long a peer waits for a frame before it gives up (a stuck run fails, never hangs).
const READ_TIMEOUT: Duration = Duration::from_secs(120);
const MAX_FRAME: usize = 32 * 1024 * 1024;

/// What a peer reports to the main thread.
enum Event {
    Line(&'static str, String),
    Check(&'static str, String, bool),
    /// A value both ends of something must agree on (compared at the end).
    Fact(&'static str, String, String),
}

/// One peer: its name, randomness, links and the report channel.
struct Peer {
    name: &'static str,
    rng: Rng,
    links: HashMap<&'static str, TcpStream>,
    events: Sender<Event>,
    steps: Arc<Barrier>,
    bytes_sent: usize,
}

impl Peer {
    fn say(&self, text: impl Into<String>) {
        let _ = self.events.send(Event::Line(self.name, text.into()));
    }

    fn check(&self, ok: bool, what: impl Into<String>) {
        let _ = self.events.send(Event::Check(self.name, what.into(), ok));
    }

    fn fact(&self, key: &str, value: impl Into<String>) {
        let _ = self
            .events
            .send(Event::Fact(self.name, key.to_owned(), value.into()));
    }

    /// Waits for every peer and the printer at a step boundary.
    fn step(&self) {
        self.steps.wait();
        self.steps.wait();
    }

    fn send(&mut self, to: &'static str, kind: u8, payload: &[u8]) -> Result {
        let link = self
            .links
            .get_mut(to)
            .ok_or_else(|| format!("no link to {to}"))?;
        let len = u32::try_from(payload.len()).map_err(|_| "frame too long".to_owned())?;
        let mut frame = Vec::with_capacity(5 + payload.len());
        frame.push(kind);
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(payload);
        link.write_all(&frame)
            .map_err(|e| format!("send to {to}: {e}"))?;
        self.bytes_sent += frame.len();
        Ok(())
    }

    fn recv(&mut self, from: &'static str, kind: u8) -> Result<Vec<u8>> {
        let link = self
            .links
            .get_mut(from)
            .ok_or_else(|| format!("no link to {from}"))?;
        let mut head = [0u8; 5];
        link.read_exact(&mut head)
            .map_err(|e| format!("receive from {from}: {e}"))?;
        let [k, l0, l1, l2, l3] = head;
        if k != kind {
            return Err(format!(
                "expected a '{}' frame from {from}, got '{}'",
                char::from(kind),
                char::from(k)
            ));
        }
        let len = usize::try_from(u32::from_be_bytes([l0, l1, l2, l3]))
            .map_err(|_| "frame length".to_owned())?;
        if len > MAX_FRAME {
            return Err(format!("frame of {len} bytes from {from}"));
        }
        let mut payload = vec![0u8; len];
        link.read_exact(&mut payload)
            .map_err(|e| format!("receive from {from}: {e}"))?;
        Ok(payload)
    }
}

// Frame kinds.
const HELLO: u8 = b'I';
const HANDSHAKE: u8 = b'H';
const RATCHET: u8 = b'R';
const ENVELOPE: u8 = b'E';
const MLS: u8 = b'M';
const SALT: u8 = b'S';

fn main() -> std::process::ExitCode {
    let start = Instant::now();
    println!("cascade demo: Alice, Bob and Carol over loopback TCP, no server\n");
    match run() {
        Ok((failures, facts_ok)) => {
            println!("\ntotal {:.2?}", start.elapsed());
            if failures == 0 && facts_ok {
                println!("every check held");
                std::process::ExitCode::SUCCESS
            } else {
                println!("FAILED: {failures} check(s) did not hold");
                std::process::ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("FAILED: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Starts the three peers and prints their reports step by step.
fn run() -> Result<(usize, bool)> {
    let bind = || TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"));
    let (alice_l, bob_l, carol_l) = (bind()?, bind()?, bind()?);
    let addr = |l: &TcpListener| l.local_addr().map_err(|e| format!("address: {e}"));
    let (alice_addr, bob_addr) = (addr(&alice_l)?, addr(&bob_l)?);
    println!(
        "listening: alice {alice_addr}, bob {bob_addr}, carol {}",
        addr(&carol_l)?
    );
    let (events, reports) = channel();
    let steps = Arc::new(Barrier::new(4));
    let spawn = |name: &'static str, script: fn(&mut Peer) -> Result, links: Links| {
        let events: Sender<Event> = events.clone();
        let steps = Arc::clone(&steps);
        std::thread::spawn(move || {
            let mut peer = Peer {
                name,
                rng: UnwrapErr(SysRng),
                links: HashMap::new(),
                events,
                steps,
                bytes_sent: 0,
            };
            let outcome = links.connect(&mut peer).and_then(|()| script(&mut peer));
            if let Err(e) = outcome {
                // A peer that cannot go on ends the run: the others would wait forever.
                eprintln!("FAILED in {name}: {e}");
                std::process::exit(1);
            }
            peer.say(format!("done, {} bytes sent in all", peer.bytes_sent));
        })
    };
    let threads = [
        spawn(
            "alice",
            alice,
            Links {
                listener: Some(alice_l),
                accept: 2,
                connect: vec![],
            },
        ),
        spawn(
            "bob",
            bob,
            Links {
                listener: Some(bob_l),
                accept: 1,
                connect: vec![("alice", alice_addr)],
            },
        ),
        spawn(
            "carol",
            carol,
            Links {
                listener: None,
                accept: 0,
                connect: vec![("alice", alice_addr), ("bob", bob_addr)],
            },
        ),
    ];
    drop(carol_l);
    drop(events);
    let mut printer = Printer::default();
    for (i, title) in STEPS.iter().enumerate() {
        steps.wait();
        printer.drain(&reports);
        println!("\n== {}. {title}", i + 1);
        steps.wait();
    }
    for t in threads {
        t.join().map_err(|_| "a peer thread panicked".to_owned())?;
    }
    printer.drain(&reports);
    let facts_ok = printer.compare_facts();
    Ok((printer.failures, facts_ok))
}

/// Prints events and keeps the failed checks and the facts.
#[derive(Default)]
struct Printer {
    failures: usize,
    facts: Vec<(&'static str, String, String)>,
}

impl Printer {
    fn drain(&mut self, reports: &Receiver<Event>) {
        while let Ok(e) = reports.try_recv() {
            match e {
                Event::Line(peer, text) => println!("  [{peer:>5}] {text}"),
                Event::Check(peer, what, ok) => {
                    println!("  [{peer:>5}] {} {what}", if ok { "ok  " } else { "FAIL" });
                    if !ok {
                        self.failures += 1;
                    }
                }
                Event::Fact(peer, key, value) => self.facts.push((peer, key, value)),
            }
        }
    }

    /// Every fact must be reported by at least two peers, with one value.
    fn compare_facts(&self) -> bool {
        let mut keys: Vec<&String> = self.facts.iter().map(|(_, k, _)| k).collect();
        keys.sort();
        keys.dedup();
        let mut ok = true;
        println!();
        for key in keys {
            let values: Vec<_> = self.facts.iter().filter(|(_, k, _)| k == key).collect();
            let agree = values.len() >= 2 && values.iter().all(|(_, _, v)| *v == values[0].2);
            let who: Vec<&str> = values.iter().map(|(p, _, _)| *p).collect();
            println!(
                "  {} {key}: {} agree ({})",
                if agree { "ok  " } else { "FAIL" },
                who.join(", "),
                values.first().map_or("", |v| v.2.as_str())
            );
            ok &= agree;
        }
        ok
    }
}

/// The connections a peer makes: it accepts `accept` peers on `listener` (each introduces
/// itself with a hello frame) and connects to `connect`.
struct Links {
    listener: Option<TcpListener>,
    accept: usize,
    connect: Vec<(&'static str, std::net::SocketAddr)>,
}

impl Links {
    fn connect(self, peer: &mut Peer) -> Result {
        for (name, addr) in self.connect {
            let stream = TcpStream::connect(addr).map_err(|e| format!("connect {name}: {e}"))?;
            setup_stream(&stream)?;
            peer.links.insert(name, stream);
            let me = peer.name.as_bytes().to_vec();
            peer.send(name, HELLO, &me)?;
        }
        if let Some(listener) = self.listener {
            for _ in 0..self.accept {
                let (mut stream, _) = listener.accept().map_err(|e| format!("accept: {e}"))?;
                setup_stream(&stream)?;
                let mut head = [0u8; 5];
                stream
                    .read_exact(&mut head)
                    .map_err(|e| format!("hello: {e}"))?;
                let len = usize::from(head[4]);
                let mut name = vec![0u8; len];
                stream
                    .read_exact(&mut name)
                    .map_err(|e| format!("hello: {e}"))?;
                let name = ["alice", "bob", "carol"]
                    .into_iter()
                    .find(|n| n.as_bytes() == name)
                    .ok_or("hello from an unknown peer")?;
                peer.links.insert(name, stream);
            }
        }
        let mut names: Vec<&str> = peer.links.keys().copied().collect();
        names.sort_unstable();
        peer.say(format!("connected to {}", names.join(" and ")));
        Ok(())
    }
}

fn setup_stream(s: &TcpStream) -> Result {
    s.set_nodelay(true).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(READ_TIMEOUT))
        .map_err(|e| e.to_string())
}

// ----- the scripts ---------------------------------------------------------------------

fn alice(p: &mut Peer) -> Result {
    p.step();
    let (ratchet, role) = handshake(p, "bob", b"alice", b"bob")?;
    p.step();
    let mut pair = channel_setup(p, "bob", ratchet, role, true)?;
    p.step();
    let texts = pair_texts("alice");
    send_out_of_order(p, "bob", &mut pair, &texts, [2, 0, 1])?;
    receive_all(p, "bob", &mut pair, &pair_texts("bob"))?;
    p.step();
    let mut team = team_create(p)?;
    group_round(p, &mut team, ["alice", "bob", "carol"])?;
    p.step();
    remove_carol(p, &mut team)?;
    p.step();
    tamper_and_strip(p, &mut pair)
}

fn bob(p: &mut Peer) -> Result {
    p.step();
    let (ratchet, role) = handshake(p, "alice", b"bob", b"alice")?;
    p.step();
    let mut pair = channel_setup(p, "alice", ratchet, role, false)?;
    p.step();
    receive_all(p, "alice", &mut pair, &pair_texts("alice"))?;
    send_out_of_order(p, "alice", &mut pair, &pair_texts("bob"), [1, 2, 0])?;
    p.step();
    let mut team = team_join(p)?;
    group_round(p, &mut team, ["alice", "bob", "carol"])?;
    p.step();
    let commit = p.recv("alice", MLS)?;
    process_commit(p, &mut team, &commit, false)?;
    let envelope = p.recv("alice", ENVELOPE)?;
    let opened = team.open(&envelope, TEAM_AD);
    p.check(
        opened.as_ref().is_ok_and(|(pt, _)| pt == b"Carol is gone"),
        "reads Alice's message after Carol's removal",
    );
    p.step();
    let genuine = p.recv("alice", ENVELOPE)?;
    for what in ["tampered", "layer-stripped"] {
        let bad = p.recv("alice", ENVELOPE)?;
        let before = snapshot(&pair);
        match pair.open(&bad, PAIR_AD) {
            Ok(_) => p.check(false, format!("rejects the {what} envelope")),
            Err(e) => {
                p.check(true, format!("rejects the {what} envelope: {e}"));
                p.check(snapshot(&pair) == before, "no layer's state changed");
            }
        }
    }
    let opened = pair.open(&genuine, PAIR_AD);
    p.check(
        opened.is_ok_and(|(pt, _)| pt == b"the real one"),
        "the genuine envelope still opens afterwards",
    );
    Ok(())
}

fn carol(p: &mut Peer) -> Result {
    p.step();
    p.say("not in the handshake");
    p.step();
    p.step();
    p.step();
    let mut team = team_join(p)?;
    group_round(p, &mut team, ["alice", "bob", "carol"])?;
    p.step();
    let commit = p.recv("alice", MLS)?;
    process_commit(p, &mut team, &commit, true)?;
    let envelope = p.recv("alice", ENVELOPE)?;
    match team.open(&envelope, TEAM_AD) {
        Ok(_) => p.check(false, "cannot read the group after removal"),
        Err(e) => p.check(true, format!("cannot read the group after removal: {e}")),
    }
    p.step();
    Ok(())
}

// ----- steps ---------------------------------------------------------------------------

/// Step 1: the P2P handshake with `peer`; both send their bundle and initiate on the
/// other's, so both initiate at once and the tie-break keeps one initiation.
fn handshake(
    p: &mut Peer,
    peer: &'static str,
    me: &[u8],
    them: &[u8],
) -> Result<(DoubleRatchetLayer, Role)> {
    let t = Instant::now();
    let identity = IdentityKeyPair::generate(&mut p.rng);
    let mut hs = Handshake::new(identity.clone(), HandshakeConfig::default(), &mut p.rng)
        .map_err(|e| e.to_string())?;
    let bundle = hs.start().map_err(|e| e.to_string())?;
    let bytes = bundle.encode().map_err(|e| e.to_string())?;
    p.say(format!("sends its prekey bundle ({} bytes)", bytes.len()));
    p.send(peer, HANDSHAKE, &bytes)?;
    let mut initiated = false;
    while !hs.is_complete() {
        let msg = HandshakeMessage::decode(&p.recv(peer, HANDSHAKE)?).map_err(|e| e.to_string())?;
        let kind = match &msg {
            HandshakeMessage::Bundle(_) => "bundle",
            HandshakeMessage::Initial(_) => "initial message",
            HandshakeMessage::Accept(_) => "accept",
        };
        let reply = hs.receive(msg, &mut p.rng).map_err(|e| e.to_string())?;
        p.say(format!("received the {kind}"));
        if let Some(reply) = reply {
            let bytes = reply.encode().map_err(|e| e.to_string())?;
            let what = match reply {
                HandshakeMessage::Initial(_) => {
                    initiated = true;
                    "its initial message"
                }
                HandshakeMessage::Accept(_) => "an accept",
                HandshakeMessage::Bundle(_) => "a bundle",
            };
            p.say(format!("sends {what} ({} bytes)", bytes.len()));
            p.send(peer, HANDSHAKE, &bytes)?;
        }
    }
    let session = hs.into_session().map_err(|e| e.to_string())?;
    let role = session.role();
    p.check(initiated, "initiated at the same time as its peer");
    p.say(format!(
        "handshake done in {:.2?}: this side is the {}",
        t.elapsed(),
        match role {
            Role::Initiator => "initiator (its initiation won the tie-break)",
            Role::Responder => "responder (its own initiation lost the tie-break)",
        }
    ));
    let fingerprint = x3dh::fingerprint::Fingerprint::new(
        5200,
        me,
        identity.public(),
        them,
        session.remote_identity(),
    )
    .map_err(|e| e.to_string())?;
    let number = fingerprint.displayable();
    p.say(format!("safety number {number}"));
    p.fact("alice/bob safety number", number);
    let ratchet =
        DoubleRatchetLayer::from_agreement(&session, double_ratchet::Config::default(), &mut p.rng)
            .map_err(|e| e.to_string())?;
    Ok((ratchet, role))
}

/// Sends `payload` through the Double Ratchet alone (channel setup).
fn ratchet_send(
    p: &mut Peer,
    to: &'static str,
    dr: &mut DoubleRatchetLayer,
    payload: &[u8],
) -> Result {
    let msg = dr
        .session_mut()
        .encrypt(payload, &mut p.rng)
        .map_err(|e| e.to_string())?;
    p.send(to, RATCHET, &msg)
}

fn ratchet_recv(p: &mut Peer, from: &'static str, dr: &mut DoubleRatchetLayer) -> Result<Vec<u8>> {
    let msg = p.recv(from, RATCHET)?;
    dr.session_mut().decrypt(&msg).map_err(|e| e.to_string())
}

/// Step 2: over the Double Ratchet (the initiator speaks first), exchange ML-KEM keys, then
/// Bob's KeyPackage and Alice's Welcome to a two-member group; Alice sends the passphrase
/// salt; both derive the AES key.
fn channel_setup(
    p: &mut Peer,
    peer: &'static str,
    mut dr: DoubleRatchetLayer,
    role: Role,
    creates_group: bool,
) -> Result<Cascade> {
    let kem = DecapsulationKey::generate(KEM, &mut p.rng);
    let my_ek = kem.encapsulation_key().as_bytes().to_vec();
    let their_ek = if role == Role::Initiator {
        ratchet_send(p, peer, &mut dr, &my_ek)?;
        ratchet_recv(p, peer, &mut dr)?
    } else {
        let ek = ratchet_recv(p, peer, &mut dr)?;
        ratchet_send(p, peer, &mut dr, &my_ek)?;
        ek
    };
    let their_ek = EncapsulationKey::from_bytes(KEM, &their_ek).map_err(|e| e.to_string())?;
    p.say(format!(
        "exchanged ML-KEM-768 encapsulation keys ({} bytes each) over the ratchet",
        my_ek.len()
    ));
    let group = if creates_group {
        let kp =
            MlsMessage::from_bytes(&ratchet_recv(p, peer, &mut dr)?).map_err(|e| e.to_string())?;
        let MlsMessage::KeyPackage(kp) = kp else {
            return Err("expected a KeyPackage".into());
        };
        let mut group = new_group(p, b"alice+bob")?;
        let welcome = add_members(p, &mut group, vec![kp])?;
        ratchet_send(p, peer, &mut dr, &welcome)?;
        p.say(format!(
            "created the alice+bob MLS group and sent Bob its Welcome ({} bytes)",
            welcome.len()
        ));
        let mut salt = [0u8; 16];
        salt.copy_from_slice(&AeadLayer::generate_salt(&mut p.rng));
        ratchet_send(p, peer, &mut dr, &salt)?;
        (group, salt)
    } else {
        let bundle = key_package(p)?;
        let kp = MlsMessage::KeyPackage(bundle.key_package().clone())
            .to_bytes()
            .map_err(|e| e.to_string())?;
        ratchet_send(p, peer, &mut dr, &kp)?;
        p.say(format!("sent its MLS KeyPackage ({} bytes)", kp.len()));
        let welcome = ratchet_recv(p, peer, &mut dr)?;
        let group = join(p, &welcome, bundle)?;
        let salt: [u8; 16] = ratchet_recv(p, peer, &mut dr)?
            .try_into()
            .map_err(|_| "salt length")?;
        (group, salt)
    };
    let (group, salt) = group;
    p.fact(
        "alice+bob group epoch authenticator",
        hex(group.epoch_authenticator()),
    );
    let aead = derive_aead(p, PAIR_PASSPHRASE, &salt)?;
    let cascade = Cascade::default_stack(
        MlKemLayer::new(kem, their_ek),
        dr,
        MlsLayer::new(group),
        aead,
    )
    .map_err(|e| e.to_string())?;
    let stack: Vec<String> = cascade.stack().iter().map(|e| e.id.to_string()).collect();
    p.say(format!(
        "cascade ready, outermost first: {}",
        stack.join(" > ")
    ));
    Ok(cascade)
}

fn derive_aead(p: &Peer, passphrase: &[u8], salt: &[u8]) -> Result<AeadLayer> {
    let t = Instant::now();
    let params = Argon2idParams::default();
    let layer = AeadLayer::from_passphrase(passphrase, salt, &params).map_err(|e| e.to_string())?;
    p.say(format!(
        "Argon2id (m = {} MiB, t = {}, p = {}) derived the AES-256 key in {:.0?}",
        params.memory_kib / 1024,
        params.iterations,
        params.lanes,
        t.elapsed()
    ));
    Ok(layer)
}

fn key_package(p: &mut Peer) -> Result<KeyPackageBundle> {
    let signer = SUITE.generate_signature_key(&mut p.rng);
    KeyPackageBundle::generate(
        SUITE,
        signer,
        KeyPackageOptions::basic(p.name.as_bytes()),
        &mut p.rng,
    )
    .map_err(|e| e.to_string())
}

fn new_group(p: &mut Peer, id: &[u8]) -> Result<Group> {
    let bundle = key_package(p)?;
    Group::create(
        id.to_vec(),
        bundle,
        Extensions::empty(),
        GroupConfig::default(),
        &mut p.rng,
    )
    .map_err(|e| e.to_string())
}

/// Commits the Add of `key_packages` and merges it; returns the encoded Welcome.
fn add_members(
    p: &mut Peer,
    group: &mut Group,
    key_packages: Vec<treekem_mls::key_package::KeyPackage>,
) -> Result<Vec<u8>> {
    let proposals = key_packages
        .into_iter()
        .map(|key_package| Proposal::Add(Add { key_package }))
        .collect();
    let out = group
        .commit(
            CommitOptions {
                proposals,
                ..CommitOptions::default()
            },
            &mut p.rng,
        )
        .map_err(|e| e.to_string())?;
    group.merge_pending_commit().map_err(|e| e.to_string())?;
    out.welcome
        .ok_or("an Add commit makes a Welcome")?
        .to_bytes()
        .map_err(|e| e.to_string())
}

fn join(p: &Peer, welcome: &[u8], bundle: KeyPackageBundle) -> Result<Group> {
    let MlsMessage::Welcome(welcome) =
        MlsMessage::from_bytes(welcome).map_err(|e| e.to_string())?
    else {
        return Err("expected a Welcome".into());
    };
    let t = Instant::now();
    let group = Group::join(
        &welcome,
        bundle,
        None,
        PskStore::new(),
        GroupConfig::default(),
    )
    .map_err(|e| e.to_string())?;
    p.say(format!(
        "joined the {} group from the Welcome in {:.2?} (epoch {}, leaf {})",
        String::from_utf8_lossy(group.group_id()),
        t.elapsed(),
        group.epoch(),
        group.own_leaf().0
    ));
    Ok(group)
}

fn pair_texts(from: &str) -> [Vec<u8>; 3] {
    [
        format!("hello from {from}").into_bytes(),
        vec![b'k'; 1024],
        format!("{from}'s third message, sent before the first two arrive").into_bytes(),
    ]
}

/// Seals `texts` in order and sends them in `order`.
fn send_out_of_order(
    p: &mut Peer,
    to: &'static str,
    cascade: &mut Cascade,
    texts: &[Vec<u8>; 3],
    order: [usize; 3],
) -> Result {
    let mut sealed = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let (envelope, report) = cascade
            .seal(text, PAIR_AD, &mut p.rng)
            .map_err(|e| e.to_string())?;
        p.say(format!(
            "sealed message {} ({} bytes) into a {}-byte envelope in {:.0?}",
            i + 1,
            text.len(),
            envelope.len(),
            report.total
        ));
        if text.len() == 1024 {
            print_report(p, "seal", &report);
        }
        sealed.push(envelope);
    }
    let shown: Vec<String> = order.iter().map(|i| (i + 1).to_string()).collect();
    p.say(format!("sends them in the order {}", shown.join(", ")));
    for i in order {
        p.send(to, ENVELOPE, &sealed[i])?;
    }
    Ok(())
}

/// Receives three envelopes and checks each is one of `texts`, each once.
fn receive_all(
    p: &mut Peer,
    from: &'static str,
    cascade: &mut Cascade,
    texts: &[Vec<u8>; 3],
) -> Result {
    let mut seen = [false; 3];
    for _ in 0..3 {
        let envelope = p.recv(from, ENVELOPE)?;
        let (plaintext, report) = cascade
            .open(&envelope, PAIR_AD)
            .map_err(|e| e.to_string())?;
        let index = texts.iter().position(|t| *t == plaintext);
        match index {
            Some(i) if !seen[i] => {
                seen[i] = true;
                p.check(
                    true,
                    format!(
                        "opened {from}'s message {} ({} bytes) in {:.0?}",
                        i + 1,
                        plaintext.len(),
                        report.total
                    ),
                );
                if plaintext.len() == 1024 {
                    print_report(p, "open", &report);
                }
            }
            _ => p.check(false, format!("an unexpected plaintext from {from}")),
        }
    }
    Ok(())
}

fn print_report(p: &Peer, op: &str, report: &Report) {
    p.say(format!(
        "  {op} report      layer   bytes in  bytes out       time"
    ));
    for l in &report.layers {
        p.say(format!(
            "  {:>14} {:>10} {:>10} {:>10.1?}",
            l.id.to_string(),
            l.input_len,
            l.output_len,
            l.elapsed
        ));
    }
    let sum: Duration = report.layers.iter().map(|l| l.elapsed).sum();
    p.say(format!(
        "  {:>14} {:>21} {:>10.1?} (layers {:.1?})",
        "total",
        format!("envelope {}", report.envelope_len),
        report.total,
        sum
    ));
}

/// Step 4, Alice: the team group with Bob and Carol (their KeyPackages over TCP), one
/// Welcome to both, the salt to both.
fn team_create(p: &mut Peer) -> Result<Cascade> {
    let mut kps = Vec::new();
    for from in ["bob", "carol"] {
        let kp = MlsMessage::from_bytes(&p.recv(from, MLS)?).map_err(|e| e.to_string())?;
        let MlsMessage::KeyPackage(kp) = kp else {
            return Err(format!("expected {from}'s KeyPackage"));
        };
        kps.push(kp);
    }
    let mut group = new_group(p, b"team")?;
    let welcome = add_members(p, &mut group, kps)?;
    let salt = AeadLayer::generate_salt(&mut p.rng);
    for to in ["bob", "carol"] {
        p.send(to, MLS, &welcome)?;
        p.send(to, SALT, &salt)?;
    }
    p.say(format!(
        "created the team group, added Bob and Carol in one commit, sent one Welcome ({} bytes) to both",
        welcome.len()
    ));
    p.fact("team epoch authenticator", hex(group.epoch_authenticator()));
    team_cascade(p, group, &salt)
}

fn team_join(p: &mut Peer) -> Result<Cascade> {
    let bundle = key_package(p)?;
    let kp = MlsMessage::KeyPackage(bundle.key_package().clone())
        .to_bytes()
        .map_err(|e| e.to_string())?;
    p.send("alice", MLS, &kp)?;
    let welcome = p.recv("alice", MLS)?;
    let salt = p.recv("alice", SALT)?;
    let group = join(p, &welcome, bundle)?;
    p.fact("team epoch authenticator", hex(group.epoch_authenticator()));
    team_cascade(p, group, &salt)
}

/// The group's cascade: MLS inside AES (the pairwise layers have no place in a group
/// message, which every member opens).
fn team_cascade(p: &Peer, group: Group, salt: &[u8]) -> Result<Cascade> {
    let aead = derive_aead(p, TEAM_PASSPHRASE, salt)?;
    Cascade::new(vec![Box::new(MlsLayer::new(group)), Box::new(aead)]).map_err(|e| e.to_string())
}

/// Every member in turn sends one envelope to the other two, who open it.
fn group_round(p: &mut Peer, team: &mut Cascade, members: [&'static str; 3]) -> Result {
    for sender in members {
        if sender == p.name {
            let text = format!("{} says hi to the team", p.name);
            let (envelope, report) = team
                .seal(text.as_bytes(), TEAM_AD, &mut p.rng)
                .map_err(|e| e.to_string())?;
            let me = p.name;
            for to in members.iter().filter(|m| **m != me) {
                p.send(to, ENVELOPE, &envelope)?;
            }
            p.say(format!(
                "sent one {}-byte envelope to the group ({:.0?})",
                envelope.len(),
                report.total
            ));
        } else {
            let envelope = p.recv(sender, ENVELOPE)?;
            let opened = team.open(&envelope, TEAM_AD);
            let expected = format!("{sender} says hi to the team");
            p.check(
                opened.is_ok_and(|(pt, _)| pt == expected.as_bytes()),
                format!("read {sender}'s group message"),
            );
        }
    }
    Ok(())
}

/// Step 5, Alice: commits Carol's removal and sends the commit, then a group message.
fn remove_carol(p: &mut Peer, team: &mut Cascade) -> Result {
    let layer = team.layer_mut::<MlsLayer>().ok_or("no MLS layer")?;
    let group = layer.group_mut();
    let carol = (0..group.tree().leaf_count())
        .map(LeafIndex)
        .find(|&l| {
            group.tree().leaf(l).is_some_and(
                |n| matches!(&n.credential, Credential::Basic { identity } if identity == b"carol"),
            )
        })
        .ok_or("Carol is not in the tree")?;
    let out = group
        .commit(
            CommitOptions {
                proposals: vec![Proposal::Remove(Remove { removed: carol })],
                ..CommitOptions::default()
            },
            &mut p.rng,
        )
        .map_err(|e| e.to_string())?;
    group.merge_pending_commit().map_err(|e| e.to_string())?;
    let commit = out.commit.to_bytes().map_err(|e| e.to_string())?;
    let epoch = group.epoch();
    p.fact(
        "team epoch authenticator after the removal",
        hex(group.epoch_authenticator()),
    );
    for to in ["bob", "carol"] {
        p.send(to, MLS, &commit)?;
    }
    p.say(format!(
        "committed Carol's removal (leaf {}), now epoch {epoch}; sent the commit to Bob and Carol",
        carol.0
    ));
    let (envelope, _) = team
        .seal(b"Carol is gone", TEAM_AD, &mut p.rng)
        .map_err(|e| e.to_string())?;
    for to in ["bob", "carol"] {
        p.send(to, ENVELOPE, &envelope)?;
    }
    p.say("sent a group message to Bob and (to try) Carol");
    Ok(())
}

fn process_commit(p: &Peer, team: &mut Cascade, commit: &[u8], removed: bool) -> Result {
    let layer = team.layer_mut::<MlsLayer>().ok_or("no MLS layer")?;
    let message = MlsMessage::from_bytes(commit).map_err(|e| e.to_string())?;
    let received = layer
        .group_mut()
        .process_message(&message)
        .map_err(|e| e.to_string())?;
    use treekem_mls::group::Received;
    match (received, removed) {
        (Received::Commit { epoch, .. }, false) => {
            p.check(
                true,
                format!("processed the removal commit, now epoch {epoch}"),
            );
            p.fact(
                "team epoch authenticator after the removal",
                hex(layer.group().epoch_authenticator()),
            );
        }
        (Received::Removed { .. }, true) => p.check(true, "learned it was removed"),
        (other, _) => p.check(false, format!("unexpected result of the commit: {other:?}")),
    }
    Ok(())
}

/// Step 6, Alice: a genuine envelope, then the same with one bit flipped, then one whose
/// outer AES layer an insider who knows the passphrase peeled off (rewriting the record).
fn tamper_and_strip(p: &mut Peer, pair: &mut Cascade) -> Result {
    let (genuine, _) = pair
        .seal(b"the real one", PAIR_AD, &mut p.rng)
        .map_err(|e| e.to_string())?;
    p.send("bob", ENVELOPE, &genuine)?;
    let mut tampered = genuine.clone();
    let last = tampered.len() - 1;
    tampered[last / 2] ^= 0x10;
    p.send("bob", ENVELOPE, &tampered)?;
    p.say(format!(
        "sent the genuine envelope and a copy with bit 4 of byte {} flipped",
        last / 2
    ));
    let (stripped_envelope, _) = pair
        .seal(b"stripped", PAIR_AD, &mut p.rng)
        .map_err(|e| e.to_string())?;
    let count = usize::from(stripped_envelope[1]);
    let record = &stripped_envelope[..2 + 2 * count];
    let body = &stripped_envelope[2 + 2 * count..];
    let aead = pair.layer_mut::<AeadLayer>().ok_or("no AEAD layer")?;
    let outer = binding(record, 0, PAIR_AD).map_err(|e| e.to_string())?;
    // The AES layer has no state: nothing to commit.
    let inner = aead
        .open(body, &outer)
        .map_err(|e| e.to_string())?
        .plaintext;
    let mut stripped = vec![1, u8::try_from(count - 1).map_err(|_| "count")?];
    stripped.extend_from_slice(&record[4..]);
    stripped.extend_from_slice(&inner);
    p.send("bob", ENVELOPE, &stripped)?;
    p.say(format!(
        "peeled the AES layer off another envelope and sent it ({} -> {} bytes, record now {})",
        stripped_envelope.len(),
        stripped.len(),
        record[4..]
            .chunks(2)
            .map(|c| LayerId(c[0]).to_string())
            .collect::<Vec<_>>()
            .join(" > ")
    ));
    Ok(())
}

/// The first 8 bytes in hex, enough to compare values by eye.
fn hex(bytes: &[u8]) -> String {
    test_support::hex(bytes.get(..8).unwrap_or(bytes)) + "…"
}
