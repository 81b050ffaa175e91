//! libsignal's chain-key test (`test-vectors/signal/chain-key-libsignal.json`, report family
//! `signal-chain-key`): KDF_CK and the message-key expansion of [`Profile::libsignal_v3`].
//!
//! Format: `{ inputs: { chain_key, index }, expected: { cipher_key, mac_key, next_chain_key },
//! derived: { iv, message_key_seed } }`, hex. Checks: `MK = HMAC(CK, 0x01)` equals
//! `message_key_seed`, `CK' = HMAC(CK, 0x02)` equals `next_chain_key`, the 80-byte expansion
//! with info `WhisperMessageKeys` splits into `cipher_key || mac_key || iv`. Negative twins: a
//! flipped chain-key bit and the project profile give other keys.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests fail loudly"
)]

use double_ratchet::{
    Profile,
    kdf::{ChainKey, MessageKey},
};
use test_support::{committed_json, hex_field, report};

#[test]
fn kat_signal_chain_key_kdf_ck_and_message_keys() {
    let v = committed_json("signal/chain-key-libsignal.json");
    let inputs = &v["inputs"];
    let expected = &v["expected"];
    let derived = &v["derived"];
    assert_eq!(inputs["index"].as_u64(), Some(0));
    let ck = ChainKey::from_bytes(hex_field(inputs, "chain_key").try_into().unwrap());
    let (next, mk) = ck.clone().kdf_ck();
    assert_eq!(
        next.expose_secret().as_slice(),
        hex_field(expected, "next_chain_key")
    );
    assert_eq!(
        mk.expose_secret().as_slice(),
        hex_field(derived, "message_key_seed")
    );
    let keys = mk.clone().expand(&Profile::libsignal_v3()).unwrap();
    assert_eq!(keys.enc_key(), hex_field(expected, "cipher_key"));
    assert_eq!(keys.mac_key(), hex_field(expected, "mac_key"));
    assert_eq!(keys.iv(), hex_field(derived, "iv"));

    // Negative twins.
    let mut flipped = *ck.expose_secret();
    flipped[0] ^= 1;
    let (next2, mk2) = ChainKey::from_bytes(flipped).kdf_ck();
    assert_ne!(next2.expose_secret(), next.expose_secret());
    assert_ne!(mk2.expose_secret(), mk.expose_secret());
    let project = MessageKey::from_bytes(*mk.expose_secret())
        .expand(&Profile::project_default())
        .unwrap();
    assert_ne!(project.enc_key(), keys.enc_key());
    report("signal-chain-key", 1, 0);
}
