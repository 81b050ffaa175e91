//! The peer-to-peer handshake: every interleaving of the two peers' events (start, deliveries,
//! including simultaneous initiation) ends with both peers holding the same session (`HS-TIE`);
//! drops leave peers incomplete without panics; duplicates are rejected or ignored without
//! changing the session (`HS-STATE`); wrong identities are refused (`X3DH-IK`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use primitives::MlKemParams;
use test_support::seeded_rng;
use x3dh::{
    Error, Handshake, HandshakeConfig, HandshakeMessage, IdentityKeyPair, Role, keys::encode_ec,
};

/// Two peers, `a` with the smaller identity encoding.
fn peers(seed: u64, kem: Option<MlKemParams>, eager: (bool, bool)) -> [Handshake; 2] {
    let mut rng = seeded_rng(seed);
    let mut ids = [
        IdentityKeyPair::generate(&mut rng),
        IdentityKeyPair::generate(&mut rng),
    ];
    ids.sort_by_key(|k| k.public().encode());
    let [ia, ib] = ids;
    let cfg = |eager| HandshakeConfig {
        kem,
        initiate_on_bundle: eager,
        application_data: b"p2p".to_vec(),
        ..HandshakeConfig::default()
    };
    [
        Handshake::new(ia, cfg(eager.0), &mut rng).unwrap(),
        Handshake::new(ib, cfg(eager.1), &mut rng).unwrap(),
    ]
}

#[derive(Clone)]
struct World {
    peers: [Handshake; 2],
    started: [bool; 2],
    /// In flight: (destination, message).
    flight: Vec<(usize, HandshakeMessage)>,
    steps: u64,
    /// Initial messages sent (2 = simultaneous initiation).
    initials: usize,
}

fn check_done(w: &World, expect_initiator: Option<usize>) {
    let [a, b] = &w.peers;
    let (sa, sb) = (a.session().unwrap(), b.session().unwrap());
    assert!(sa.shared_secret().ct_eq(sb.shared_secret()));
    assert_eq!(sa.associated_data(), sb.associated_data());
    assert_eq!(sa.initial_ratchet_key(), sb.initial_ratchet_key());
    assert_ne!(sa.role(), sb.role());
    if let Some(i) = expect_initiator {
        assert_eq!(w.peers[i].session().unwrap().role(), Role::Initiator);
    }
    let responder = if sa.role() == Role::Responder { sa } else { sb };
    assert_eq!(
        responder.initial_ratchet_key_pair().unwrap().public_key(),
        responder.initial_ratchet_key()
    );
}

/// Explores every order of events; returns the number of complete runs.
fn explore(w: World, expect_initiator: Option<usize>, runs: &mut [usize; 2]) {
    let mut progressed = false;
    for p in 0..2 {
        if !w.started[p] {
            progressed = true;
            let mut n = w.clone();
            n.started[p] = true;
            let m = n.peers[p].start().unwrap();
            n.flight.push((1 - p, m));
            explore(n, expect_initiator, runs);
        }
    }
    for i in 0..w.flight.len() {
        progressed = true;
        let mut n = w.clone();
        let (to, msg) = n.flight.remove(i);
        // Every message survives its encoding.
        let msg = HandshakeMessage::decode(&msg.encode().unwrap()).unwrap();
        n.steps += 1;
        let mut rng = seeded_rng(n.steps * 31 + u64::try_from(i).unwrap());
        if let Some(reply) = n.peers[to].receive(msg, &mut rng).unwrap() {
            if matches!(reply, HandshakeMessage::Initial(_)) {
                n.initials += 1;
            }
            n.flight.push((1 - to, reply));
        }
        explore(n, expect_initiator, runs);
    }
    if !progressed {
        check_done(&w, expect_initiator);
        runs[0] += 1;
        if w.initials == 2 {
            runs[1] += 1;
        }
    }
}

fn world(peers: [Handshake; 2]) -> World {
    World {
        peers,
        started: [false; 2],
        flight: Vec::new(),
        steps: 0,
        initials: 0,
    }
}

#[test]
fn hs_tie_every_interleaving_converges_simultaneous_initiation() {
    let mut runs = [0; 2];
    // Either may end up initiator (an initial can overtake a bundle); they always agree.
    explore(world(peers(1, None, (true, true))), None, &mut runs);
    // 36 complete orders, 18 of them with both peers initiating (the tie-break decides).
    assert_eq!(runs, [36, 18]);
    let mut pq_runs = [0; 2];
    explore(
        world(peers(2, Some(MlKemParams::MlKem1024), (true, true))),
        None,
        &mut pq_runs,
    );
    assert_eq!(runs, pq_runs);
}

#[test]
fn hs_tie_every_interleaving_converges_single_initiator() {
    for (eager, initiator) in [((true, false), 0), ((false, true), 1)] {
        let mut runs = [0; 2];
        explore(
            world(peers(3, Some(MlKemParams::MlKem768), eager)),
            Some(initiator),
            &mut runs,
        );
        assert!(runs[0] > 10 && runs[1] == 0, "{runs:?}");
    }
}

#[test]
fn hs_explicit_initiation_by_either_peer() {
    for who in 0..2 {
        let mut rng = seeded_rng(4);
        let [mut a, mut b] = peers(5, None, (false, false));
        let ma = a.start().unwrap();
        let mb = b.start().unwrap();
        assert!(a.receive(mb, &mut rng).unwrap().is_none());
        assert!(b.receive(ma, &mut rng).unwrap().is_none());
        let (x, y) = if who == 0 {
            (&mut a, &mut b)
        } else {
            (&mut b, &mut a)
        };
        let init = x.initiate(&mut rng).unwrap();
        assert!(x.initiate(&mut rng).is_err());
        let accept = y.receive(init, &mut rng).unwrap().unwrap();
        assert!(x.receive(accept, &mut rng).unwrap().is_none());
        assert!(a.is_complete() && b.is_complete());
        assert!(
            a.session()
                .unwrap()
                .shared_secret()
                .ct_eq(b.session().unwrap().shared_secret())
        );
    }
}

/// Runs the simultaneous case to completion in a fixed order, returning every message sent.
fn full_run() -> ([Handshake; 2], Vec<(usize, HandshakeMessage)>) {
    let mut rng = seeded_rng(6);
    let [mut a, mut b] = peers(7, None, (true, true));
    let mut log = Vec::new();
    let ma = a.start().unwrap();
    let mb = b.start().unwrap();
    log.push((1, ma.clone()));
    log.push((0, mb.clone()));
    let ia = a.receive(mb, &mut rng).unwrap().unwrap();
    let ib = b.receive(ma, &mut rng).unwrap().unwrap();
    log.push((1, ia.clone()));
    log.push((0, ib.clone()));
    assert!(a.receive(ib, &mut rng).unwrap().is_none(), "a wins the tie");
    let acc = b.receive(ia, &mut rng).unwrap().unwrap();
    log.push((0, acc.clone()));
    assert!(a.receive(acc, &mut rng).unwrap().is_none());
    ([a, b], log)
}

#[test]
fn hs_state_duplicates_rejected_or_ignored_without_change() {
    let (mut ps, log) = full_run();
    let mut rng = seeded_rng(8);
    let before: Vec<Vec<u8>> = ps
        .iter()
        .map(|p| {
            p.session()
                .unwrap()
                .shared_secret()
                .expose_secret()
                .to_vec()
        })
        .collect();
    for (to, msg) in log {
        match ps[to].receive(msg.clone(), &mut rng) {
            Err(Error::UnexpectedMessage(_)) => {}
            // A's ignoring of B's losing initiation is stable.
            Ok(None) => assert!(matches!(msg, HandshakeMessage::Initial(_)) && to == 0),
            other => panic!("duplicate {msg:?} to {to}: {other:?}"),
        }
    }
    for (p, b) in ps.iter().zip(before) {
        assert_eq!(
            p.session().unwrap().shared_secret().expose_secret(),
            b.as_slice()
        );
    }
}

#[test]
fn hs_state_drops_leave_peers_incomplete() {
    // Drop the Accept: the responder is done, the initiator waits.
    let mut rng = seeded_rng(9);
    let [mut a, mut b] = peers(10, None, (true, false));
    let ma = a.start().unwrap();
    let mb = b.start().unwrap();
    let init = a.receive(mb, &mut rng).unwrap().unwrap();
    assert!(b.receive(ma, &mut rng).unwrap().is_none());
    let _dropped_accept = b.receive(init, &mut rng).unwrap().unwrap();
    assert!(b.is_complete() && !a.is_complete());
    assert!(a.clone().into_session().is_err());
    // An Accept for an initiation that was never sent.
    let mut c = peers(11, None, (true, true))[0].clone();
    let bogus = HandshakeMessage::Accept(primitives::X25519PublicKey::from_bytes([9; 32]));
    assert_eq!(
        c.receive(bogus, &mut rng).unwrap_err(),
        Error::UnexpectedMessage("accept")
    );
}

#[test]
fn x3dh_ik_handshake_wrong_identity_rejected() {
    let mut rng = seeded_rng(12);
    let [a, b] = peers(13, None, (true, true));
    let mallory = IdentityKeyPair::generate(&mut rng);
    let mut cfg = HandshakeConfig {
        kem: None,
        expected_peer: Some(mallory.public().clone()),
        ..HandshakeConfig::default()
    };
    cfg.application_data = b"p2p".to_vec();
    let mut a2 = Handshake::new(IdentityKeyPair::generate(&mut rng), cfg, &mut rng).unwrap();
    let mut b2 = b.clone();
    let mb = b2.start().unwrap();
    assert_eq!(a2.receive(mb, &mut rng).unwrap_err(), Error::WrongIdentity);
    // Our own bundle reflected back.
    let mut a3 = a.clone();
    let own = a3.start().unwrap();
    assert_eq!(a3.receive(own, &mut rng).unwrap_err(), Error::WrongIdentity);
    // Bundle from B, then an initial message claiming another identity.
    let mut a4 = a.clone();
    let mut b4 = b.clone();
    a4.receive(b4.start().unwrap(), &mut rng).unwrap();
    let mut m = peers(14, None, (true, true));
    let mut c = m[1].clone();
    let mc = m[0].start().unwrap();
    let init = c.receive(mc, &mut rng).unwrap().unwrap();
    assert_eq!(
        a4.receive(init, &mut rng).unwrap_err(),
        Error::WrongIdentity
    );
    let _ = encode_ec;
}

#[test]
fn codec_handshake_messages_strict() {
    let (_, log) = full_run();
    for (_, msg) in log {
        let wire = msg.encode().unwrap();
        assert_eq!(HandshakeMessage::decode(&wire).unwrap(), msg);
        for len in 0..wire.len() {
            assert!(HandshakeMessage::decode(&wire[..len]).is_err());
        }
        let mut long = wire.clone();
        long.push(0);
        assert!(HandshakeMessage::decode(&long).is_err());
        let mut bad = wire;
        bad[0] = 4;
        assert!(HandshakeMessage::decode(&bad).is_err());
    }
}
