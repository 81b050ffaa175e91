//! RFC 9180 (HPKE) known-answer tests: `test-vectors/upstream/hpke/test-vectors.json`, the
//! official CFRG "HPKE-v1" vector set (see `MANIFEST-kem.md` section 4 for its provenance).
//!
//! # Format
//!
//! A JSON array of 128 vectors. Each has the suite (`mode`, `kem_id`, `kdf_id`, `aead_id`),
//! the inputs `info`, `ikmR`, `ikmE` (auth modes add `ikmS`, PSK modes `psk`, `psk_id`), the keys
//! `skRm`, `pkRm`, `skEm`, `pkEm`, the derived values `enc`, `shared_secret`,
//! `key_schedule_context`, `secret`, `key`, `base_nonce`, `exporter_secret`, then
//! `encryptions[{aad, ct, nonce, pt}]` in sequence order from 0 (257 of them, none for the
//! export-only AEAD 0xFFFF) and `exports[{exporter_context, L, exported_value}]` (3 of them).
//! Vectors have no id: a case is named by its index in the array and its suite.
//!
//! # Checks, for every supported vector
//!
//! - `HpkeSuite::derive_key_pair(ikmR)` gives `skRm`/`pkRm`, `derive_key_pair(ikmE)` gives
//!   `skEm`/`pkEm` (and `derive_key_pairs` of both gives both), and
//!   `HpkePrivateKey::from_bytes(skRm)` gives `pkRm` back.
//! - Receiver: `setup_receiver(enc, skR, info)`, then every encryption opens in order to `pt`.
//!   Negative twin at every sequence number: the ciphertext with one bit flipped is refused
//!   with `Error::DecryptionFailed` first, and the genuine ciphertext still opens at the same
//!   sequence number afterwards (a failed open must not advance the context). A wrong `aad`
//!   and a wrong `info` are refused too. For the export-only AEAD, `open` is refused.
//! - Sender: `hazmat::hpke_setup_sender_deterministic(suite, pkR, info, ikmE)` gives `enc`, and
//!   sealing every `pt` in order gives every `ct` (export-only: `seal` is refused).
//! - Every export matches `exported_value`, on both the receiver's and the sender's context.
//! - Single shot (sequence number 0): `seal(pkR, info, aad, pt)` with `ikmE` as its randomness
//!   gives `enc` and the first `ct`; `open` gives `pt` back and refuses the flipped ciphertext;
//!   a batch (`sealer(info, aad).seal_many`) of three recipients with `pkR`, each drawing `ikmE`,
//!   gives that `(enc, ct)` three times, byte for byte. For the export-only AEAD all three
//!   refuse with `Error::Misuse`. For KEM 0x0020 every path above runs on the crate's own
//!   HPKE (`primitives::hpke`'s `dhkem_x25519`), for 0x0010 on `hpke-rs`.
//!
//! # Skipped (counted, reported as skipped)
//!
//! - Modes 1-3 (PSK, Auth, AuthPSK): 96 vectors. This crate offers base mode only (see the
//!   `primitives::hpke` module doc: MLS uses base mode, RFC 9420 section 5.1.3).
//! - Mode 0 with KEM 0x0012 (DHKEM(P-521)) or 0x0021 (DHKEM(X448)): 16 vectors. Not offered:
//!   `hpke-rs-rust-crypto` 0.8 supports neither (its `supports_kem` lists X25519, P-256,
//!   secp256k1 and P-384 only), and no MLS suite implemented here uses them.
//!
//! Supported: mode 0 with KEM 0x0010 (P-256) or 0x0020 (X25519), KDF 0x0001 or 0x0003 (the
//! file has no HKDF-SHA384 vector), AEAD 1, 2, 3 or 0xFFFF: 16 vectors, 12 of which carry 257
//! encryptions each (3084), and 48 exports. DHKEM(P-384, HKDF-SHA384) 0x0011 is supported too,
//! but the file has no vector for it (it has 32 for each of 0x0010, 0x0012, 0x0020 and 0x0021);
//! its known answers come from the MLS suite-7 vectors (`crypto-basics.json`, `treekem.json`,
//! `welcome.json` in `treekem-mls`), and an 0x0011 vector appearing here would be checked, not
//! skipped.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a known-answer test fails by panicking, with the case named in the message"
)]

use primitives::{Error, HpkeAead, HpkeKdf, HpkeKem, HpkePrivateKey, HpkeSuite, hazmat};
use test_support::{Json, ReplayRng, hex_field, report, upstream_json};

/// Vectors in the file (counted with `jq length`).
const TOTAL: usize = 128;
/// Mode 0 vectors with KEM 0x0010 or 0x0020: 2 KEMs x 2 KDFs x 4 AEADs.
const SUPPORTED: usize = 16;
/// Vectors in modes 1-3: 3 modes x 4 KEMs x 2 KDFs x 4 AEADs.
const SKIPPED_MODE: usize = 96;
/// Mode 0 vectors with KEM 0x0012 or 0x0021: 2 KEMs x 2 KDFs x 4 AEADs.
const SKIPPED_KEM: usize = 16;
/// Encryptions opened and sealed: 12 non-export-only supported vectors x 257.
const ENCRYPTIONS: usize = 12 * 257;
/// Exports checked (on each side): 16 supported vectors x 3.
const EXPORTS: usize = 16 * 3;

fn num(v: &Json, field: &str) -> u64 {
    v.get(field)
        .and_then(Json::as_u64)
        .unwrap_or_else(|| panic!("missing numeric field `{field}`"))
}

fn array<'a>(v: &'a Json, field: &str) -> &'a [Json] {
    v.get(field)
        .and_then(Json::as_array)
        .unwrap_or_else(|| panic!("missing array field `{field}`"))
}

/// Per-vector tallies, summed and checked against the constants above.
#[derive(Default)]
struct Tally {
    encryptions: usize,
    exports: usize,
}

fn check_vector(id: &str, v: &Json, suite: HpkeSuite) -> Tally {
    let mut tally = Tally::default();
    let info = hex_field(v, "info");
    let enc = hex_field(v, "enc");

    // DeriveKeyPair for both key pairs; the private key's own decoding agrees.
    let (sk_r, pk_r) = suite.derive_key_pair(&hex_field(v, "ikmR")).unwrap();
    assert_eq!(sk_r.expose_secret(), hex_field(v, "skRm"), "{id}: skRm");
    assert_eq!(pk_r.as_bytes(), hex_field(v, "pkRm"), "{id}: pkRm");
    let (sk_e, pk_e) = suite.derive_key_pair(&hex_field(v, "ikmE")).unwrap();
    assert_eq!(sk_e.expose_secret(), hex_field(v, "skEm"), "{id}: skEm");
    assert_eq!(pk_e.as_bytes(), hex_field(v, "pkEm"), "{id}: pkEm");
    let (_, pk_again) = HpkePrivateKey::from_bytes(suite.kem, &hex_field(v, "skRm")).unwrap();
    assert_eq!(
        pk_again, pk_r,
        "{id}: HpkePrivateKey::from_bytes(skRm) public key"
    );
    assert_eq!(sk_r.public_key(), &pk_r, "{id}: public key carried by skR");
    let (ikm_r, ikm_e) = (hex_field(v, "ikmR"), hex_field(v, "ikmE"));
    let both = suite.derive_key_pairs(&[&ikm_r, &ikm_e]).unwrap();
    assert_eq!(
        both[0].0.expose_secret(),
        sk_r.expose_secret(),
        "{id}: batch skRm"
    );
    assert_eq!(
        (&both[0].1, &both[1].1),
        (&pk_r, &pk_e),
        "{id}: batch pkRm, pkEm"
    );
    check_single_shot(id, v, suite, &sk_r, &pk_r);

    let mut receiver = suite.setup_receiver(&enc, &sk_r, &info).unwrap();
    let (sender_enc, mut sender) =
        hazmat::hpke_setup_sender_deterministic(suite, &pk_r, &info, &hex_field(v, "ikmE"))
            .unwrap();
    assert_eq!(sender_enc, enc, "{id}: enc from SetupBaseS");

    let encryptions = array(v, "encryptions");
    if suite.aead == HpkeAead::ExportOnly {
        assert!(
            encryptions.is_empty(),
            "{id}: export-only vector with encryptions"
        );
        assert!(
            matches!(receiver.open(b"", &[0u8; 16]), Err(Error::Misuse(_))),
            "{id}: export-only receiver must refuse open"
        );
        assert!(
            matches!(sender.seal(b"", b"pt"), Err(Error::Misuse(_))),
            "{id}: export-only sender must refuse seal"
        );
    } else {
        assert_eq!(encryptions.len(), 257, "{id}: encryptions");
        // Wrong info: another key schedule, so the first ciphertext cannot open.
        let mut wrong_info = info.clone();
        wrong_info.push(0);
        let first = &encryptions[0];
        assert_eq!(
            suite
                .setup_receiver(&enc, &sk_r, &wrong_info)
                .unwrap()
                .open(&hex_field(first, "aad"), &hex_field(first, "ct")),
            Err(Error::DecryptionFailed),
            "{id}: wrong info must not open"
        );
        for (seq, e) in encryptions.iter().enumerate() {
            let aad = hex_field(e, "aad");
            let pt = hex_field(e, "pt");
            let ct = hex_field(e, "ct");

            let mut flipped = ct.clone();
            let bit = seq % (flipped.len() * 8);
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                receiver.open(&aad, &flipped),
                Err(Error::DecryptionFailed),
                "{id} seq {seq}: ciphertext with bit {bit} flipped must not open"
            );
            let mut wrong_aad = aad.clone();
            wrong_aad.push(0xff);
            assert_eq!(
                receiver.open(&wrong_aad, &ct),
                Err(Error::DecryptionFailed),
                "{id} seq {seq}: wrong aad must not open"
            );
            // The failures above must have left the sequence number where it was.
            assert_eq!(
                receiver.open(&aad, &ct).unwrap_or_else(|e| panic!(
                    "{id} seq {seq}: genuine ciphertext refused after failed opens ({e}): \
                     did a failed open advance the sequence?"
                )),
                pt,
                "{id} seq {seq}: opened plaintext"
            );
            assert_eq!(
                sender.seal(&aad, &pt).unwrap(),
                ct,
                "{id} seq {seq}: sealed ciphertext"
            );
            tally.encryptions += 1;
        }
    }

    let exports = array(v, "exports");
    assert_eq!(exports.len(), 3, "{id}: exports");
    for (i, x) in exports.iter().enumerate() {
        let ctx = hex_field(x, "exporter_context");
        let len = usize::try_from(num(x, "L")).unwrap();
        let want = hex_field(x, "exported_value");
        assert_eq!(
            receiver.export(&ctx, len).unwrap().expose_secret(),
            want,
            "{id} export {i}: receiver"
        );
        assert_eq!(
            sender.export(&ctx, len).unwrap().expose_secret(),
            want,
            "{id} export {i}: sender"
        );
        tally.exports += 1;
    }
    tally
}

/// `SealBase`/`OpenBase` and the batch sealer against the vector's first encryption.
fn check_single_shot(
    id: &str,
    v: &Json,
    suite: HpkeSuite,
    sk_r: &HpkePrivateKey,
    pk_r: &primitives::HpkePublicKey,
) {
    let info = hex_field(v, "info");
    let enc = hex_field(v, "enc");
    let ikm_e = hex_field(v, "ikmE");
    let encryptions = array(v, "encryptions");
    let Some(first) = encryptions.first() else {
        let mut rng = ReplayRng::new(&ikm_e);
        assert!(
            matches!(
                suite.seal(pk_r, &info, b"", b"pt", &mut rng),
                Err(Error::Misuse(_))
            ),
            "{id}: export-only single-shot seal must be refused"
        );
        assert!(
            matches!(
                suite.open(&enc, sk_r, &info, b"", &[0; 16]),
                Err(Error::Misuse(_))
            ),
            "{id}: export-only single-shot open must be refused"
        );
        assert!(
            matches!(
                suite
                    .sealer(&info, b"")
                    .seal_many([(pk_r, &b"pt"[..], ReplayRng::new(&ikm_e))]),
                Err(Error::Misuse(_))
            ),
            "{id}: export-only batch seal must be refused"
        );
        return;
    };
    let (aad, pt, ct) = (
        hex_field(first, "aad"),
        hex_field(first, "pt"),
        hex_field(first, "ct"),
    );
    let mut rng = ReplayRng::new(&ikm_e);
    let sealed = suite.seal(pk_r, &info, &aad, &pt, &mut rng).unwrap();
    assert!(rng.exhausted(), "{id}: seal draws exactly Nsk bytes");
    assert_eq!(sealed, (enc.clone(), ct.clone()), "{id}: single-shot seal");
    assert_eq!(
        suite.open(&enc, sk_r, &info, &aad, &ct).unwrap(),
        pt,
        "{id}: single-shot open"
    );
    let mut flipped = ct.clone();
    flipped[0] ^= 1;
    assert_eq!(
        suite.open(&enc, sk_r, &info, &aad, &flipped),
        Err(Error::DecryptionFailed),
        "{id}: single-shot open of a flipped ciphertext"
    );
    let batch = suite
        .sealer(&info, &aad)
        .seal_many((0..3).map(|_| (pk_r, pt.as_slice(), ReplayRng::new(&ikm_e))))
        .unwrap();
    assert_eq!(batch, vec![(enc, ct); 3], "{id}: batch seal");
}

#[test]
fn rfc9180_hpke_vectors() {
    let file = upstream_json("hpke/test-vectors.json");
    let vectors = file.as_array().expect("a JSON array of vectors");
    assert_eq!(vectors.len(), TOTAL, "vector count");

    let (mut passed, mut skipped_mode, mut skipped_kem) = (0, 0, 0);
    let mut total = Tally::default();
    for (i, v) in vectors.iter().enumerate() {
        let (mode, kem, kdf, aead) = (
            num(v, "mode"),
            num(v, "kem_id"),
            num(v, "kdf_id"),
            num(v, "aead_id"),
        );
        let id =
            format!("vector #{i} (mode {mode}, kem {kem:#06x}, kdf {kdf:#06x}, aead {aead:#06x})");
        if mode != 0 {
            skipped_mode += 1;
            continue;
        }
        let Some(kem) = HpkeKem::from_id(u16::try_from(kem).unwrap()) else {
            assert!(matches!(kem, 0x12 | 0x21), "{id}: unexpected KEM");
            skipped_kem += 1;
            continue;
        };
        // Every KDF and AEAD in the file is supported: an unknown one is a failure, not a skip.
        let kdf =
            HpkeKdf::from_id(u16::try_from(kdf).unwrap()).unwrap_or_else(|| panic!("{id}: KDF"));
        let aead =
            HpkeAead::from_id(u16::try_from(aead).unwrap()).unwrap_or_else(|| panic!("{id}: AEAD"));
        let t = check_vector(&id, v, HpkeSuite::new(kem, kdf, aead));
        total.encryptions += t.encryptions;
        total.exports += t.exports;
        passed += 1;
    }

    assert_eq!(passed, SUPPORTED, "supported vectors");
    assert_eq!(skipped_mode, SKIPPED_MODE, "vectors skipped for mode 1-3");
    assert_eq!(
        skipped_kem, SKIPPED_KEM,
        "vectors skipped for KEM P-521/X448"
    );
    assert_eq!(total.encryptions, ENCRYPTIONS, "encryptions checked");
    assert_eq!(total.exports, EXPORTS, "exports checked");
    report("rfc9180-hpke", passed, skipped_mode + skipped_kem);
}
