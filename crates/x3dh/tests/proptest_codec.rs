//! Property tests of the encodings (`CODEC-*`): any bytes either fail to decode or re-encode to
//! themselves (bundle, initial message, handshake message), never panicking; mutated valid
//! encodings behave the same; and the fuzz entry points hold on arbitrary input.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use proptest::prelude::*;
use x3dh::{HandshakeMessage, InitialMessage, PrekeyBundle, fuzzing};

fn valid_seeds() -> Vec<Vec<u8>> {
    let r = fuzzing::fuzz_responder();
    let mut b = r.bundle.clone();
    let mut out = vec![b.encode().unwrap()];
    b.kem_prekey = None;
    out.push(b.encode().unwrap());
    b.one_time_prekey = None;
    out.push(b.encode().unwrap());
    out
}

fn check_all(data: &[u8]) {
    if let Ok(b) = PrekeyBundle::decode(data) {
        assert_eq!(b.encode().unwrap(), data);
    }
    if let Ok(m) = InitialMessage::decode(data) {
        assert_eq!(m.encode().unwrap(), data);
    }
    if let Ok(m) = HandshakeMessage::decode(data) {
        assert_eq!(m.encode().unwrap(), data);
    }
    fuzzing::bundle_decode(data);
    fuzzing::initial_message(data);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn codec_arbitrary_bytes_decode_or_fail_cleanly(data in proptest::collection::vec(any::<u8>(), 0..300)) {
        check_all(&data);
    }

    #[test]
    fn codec_mutated_valid_encodings(which in 0usize..3, pos in any::<usize>(), val in any::<u8>(), cut in any::<usize>()) {
        let seeds = valid_seeds();
        let mut data = seeds[which].clone();
        let i = pos % data.len();
        data[i] = val;
        check_all(&data);
        let mut framed = vec![1u8];
        framed.extend_from_slice(&data);
        check_all(&framed);
        data.truncate(cut % (data.len() + 1));
        check_all(&data);
    }

    #[test]
    fn hs_arbitrary_action_sequences(data in proptest::collection::vec(any::<u8>(), 1..48)) {
        fuzzing::handshake(&data);
    }
}
