//! C2SP CCTV ML-KEM vectors (`cctv/ML-KEM/`, CC0), on every compiled-in backend.
//!
//! Text files of `name = lowerhex` lines; a record ends when a name repeats
//! (`test_support::parse_cctv`). Only the sets that match *final* FIPS 203 are used
//! (MANIFEST-kem.md section 2: the main-branch keygen values are FIPS 203 ipd):
//!
//! - `modulus/ML-KEM-{512,768,1024}.txt.gz`: one invalid `ek` in hex per line (775, 780 and 1040
//!   lines). Each must be refused by `MlKemEncapsulationKey::from_bytes_with` with
//!   `Error::InvalidEncapsulationKey` (the FIPS 203 section 7.2 modulus check). The test first
//!   checks, by decoding the key itself, that each line has the right length and exactly one
//!   coefficient in q..4095; its positive twin, that coefficient reduced mod q, must be accepted.
//! - `strcmp/ML-KEM-*.txt` (one record each: `dk` expanded, `c`, `K`): `from_expanded(dk)`
//!   decapsulates `c` to `K`, which is the implicit-rejection key `J(z || c)` (a `strcmp`-style
//!   compare would stop at a zero byte and accept).
//! - `unluckysample-fips203-final-pr13/ML-KEM-*.txt` (one record each: `d`, `z`, `ek`, `dk`, `m`,
//!   `K`, `c`; SampleNTT needs more than 575 XOF bytes): `from_seed_with(d || z)` gives `ek` and
//!   the expanded `dk`; `from_expanded(dk)` gives `ek` and decapsulates `c` to `K`;
//!   `mlkem_encapsulate_deterministic(ek, m)` gives `(c, K)`.
//! - The accumulated test of `cctv/ML-KEM/README.md` (no data file): the RNG is SHAKE-128 of the
//!   empty string; each round draws `d`, `z`, `m` and a random (invalid) ciphertext `ct`, then
//!   absorbs `ek`, the expanded `dk`, the ciphertext and key from `Encaps(ek, m)`, and the key
//!   from `Decaps(dk, ct)` into a second SHAKE-128 (checking `Decaps` of the honest ciphertext
//!   gives the same key). After 10 000 rounds, the first 32 bytes are compared with the final
//!   FIPS 203 hashes of CCTV PR #13 (MANIFEST-kem.md; the README's own hashes are for ipd).
//!
//! Reported counts are distinct vector cases (lines, records, or rounds), each checked on every
//! backend of `MlKemBackend::all()`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "known-answer tests: a panic with the case id is the failure report"
)]

use primitives::{
    Error, MlKemBackend, MlKemCiphertext, MlKemDecapsulationKey, MlKemEncapsulationKey,
    MlKemParams, SecretBytes, hazmat,
};
use shake::{ExtendableOutput as _, Update as _, XofReader as _};
use test_support::{cctv_field, implicit_rejection_key, parse_cctv, read_upstream, unhex};

const Q: u16 = 3329;

fn file_name(p: MlKemParams) -> String {
    format!("{}.txt", p.name())
}

fn text(rel: &str) -> String {
    String::from_utf8(read_upstream(rel)).unwrap_or_else(|e| panic!("{rel}: not UTF-8: {e}"))
}

/// `ByteDecode12` of the first 384k bytes of an encapsulation key (rho excluded).
fn decode12(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(3)
        .flat_map(|b| {
            let (b0, b1, b2) = (u16::from(b[0]), u16::from(b[1]), u16::from(b[2]));
            [b0 | ((b1 & 0x0f) << 8), (b1 >> 4) | (b2 << 4)]
        })
        .collect()
}

#[test]
fn cctv_modulus() {
    let mut cases = 0usize;
    for (p, expected_lines) in MlKemParams::ALL.into_iter().zip([775usize, 780, 1040]) {
        let rel = format!("cctv/ML-KEM/modulus/{}.gz", file_name(p));
        let body = text(&rel);
        let lines: Vec<&str> = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), expected_lines, "{rel}: line count");
        for (n, line) in lines.iter().enumerate() {
            let ctx = format!("{rel} line {}", n + 1);
            let ek = unhex(line);
            assert_eq!(
                ek.len(),
                p.encapsulation_key_len(),
                "{ctx}: the length check must not be what rejects"
            );
            let t_hat = &ek[..384 * p.k()];
            let coefficients = decode12(t_hat);
            let high: Vec<usize> = (0..coefficients.len())
                .filter(|&i| coefficients[i] >= Q)
                .collect();
            assert_eq!(high.len(), 1, "{ctx}: exactly one coefficient in q..4095");

            // Positive twin: the same key with that coefficient reduced mod q.
            let i = high[0];
            let reduced = coefficients[i] - Q;
            let mut twin = ek.clone();
            let at = 3 * (i / 2);
            if i.is_multiple_of(2) {
                twin[at] = reduced.to_le_bytes()[0];
                twin[at + 1] = (twin[at + 1] & 0xf0) | reduced.to_le_bytes()[1];
            } else {
                twin[at + 1] = (twin[at + 1] & 0x0f) | (reduced.to_le_bytes()[0] << 4);
                twin[at + 2] = (reduced >> 4).to_le_bytes()[0];
            }
            assert_eq!(
                decode12(&twin[..384 * p.k()])[i],
                reduced,
                "{ctx}: twin encoding"
            );

            for &backend in MlKemBackend::all() {
                assert_eq!(
                    MlKemEncapsulationKey::from_bytes_with(p, &ek, backend).err(),
                    Some(Error::InvalidEncapsulationKey),
                    "{ctx} ({backend:?}): unreduced coefficient {} = {} accepted",
                    i,
                    coefficients[i]
                );
                assert!(
                    MlKemEncapsulationKey::from_bytes_with(p, &twin, backend).is_ok(),
                    "{ctx} ({backend:?}): reduced twin refused"
                );
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 775 + 780 + 1040);
    test_support::report("cctv-mlkem-modulus", cases, 0);
}

#[test]
fn cctv_strcmp() {
    let mut cases = 0usize;
    for p in MlKemParams::ALL {
        let rel = format!("cctv/ML-KEM/strcmp/{}", file_name(p));
        let records = parse_cctv(&text(&rel));
        assert_eq!(records.len(), 1, "{rel}: one record");
        for (n, record) in records.iter().enumerate() {
            let (dk, c, k) = (
                cctv_field(record, "dk"),
                cctv_field(record, "c"),
                cctv_field(record, "K"),
            );
            assert_eq!(
                k,
                implicit_rejection_key(&dk[dk.len() - 32..], c).as_slice(),
                "{rel} record {n}: K is the implicit-rejection key"
            );
            for &backend in MlKemBackend::all() {
                let ctx = format!("{rel} record {n} ({backend:?})");
                let key = MlKemDecapsulationKey::from_expanded(p, dk, backend)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                let got = key
                    .decapsulate(&MlKemCiphertext::from_bytes(p, c).unwrap())
                    .unwrap();
                assert_eq!(got.expose_secret().as_slice(), k, "{ctx}: K");
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 3);
    test_support::report("cctv-mlkem-strcmp", cases, 0);
}

#[test]
fn cctv_unlucky_sample() {
    let mut cases = 0usize;
    for p in MlKemParams::ALL {
        let rel = format!(
            "cctv/ML-KEM/unluckysample-fips203-final-pr13/{}",
            file_name(p)
        );
        let records = parse_cctv(&text(&rel));
        assert_eq!(records.len(), 1, "{rel}: one record");
        for (n, r) in records.iter().enumerate() {
            let field = |name| cctv_field(r, name);
            let (ek, dk, c, k) = (field("ek"), field("dk"), field("c"), field("K"));
            let seed =
                SecretBytes::<64>::try_from_slice(&[field("d"), field("z")].concat()).unwrap();
            let m = SecretBytes::<32>::try_from_slice(field("m")).unwrap();
            for &backend in MlKemBackend::all() {
                let ctx = format!("{rel} record {n} ({backend:?})");
                let seeded = MlKemDecapsulationKey::from_seed_with(p, &seed, backend);
                assert_eq!(seeded.encapsulation_key().as_bytes(), ek, "{ctx}: ek");
                assert_eq!(
                    hazmat::mlkem_expanded_decapsulation_key(&seeded).expose_secret(),
                    dk,
                    "{ctx}: expanded dk"
                );
                let imported = MlKemDecapsulationKey::from_expanded(p, dk, backend)
                    .unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(
                    imported.encapsulation_key().as_bytes(),
                    ek,
                    "{ctx}: imported ek"
                );
                let ct = MlKemCiphertext::from_bytes(p, c).unwrap();
                for key in [&seeded, &imported] {
                    assert_eq!(
                        key.decapsulate(&ct).unwrap().expose_secret().as_slice(),
                        k,
                        "{ctx}: decaps K"
                    );
                }
                let encaps_key = MlKemEncapsulationKey::from_bytes_with(p, ek, backend).unwrap();
                let (got_c, got_k) = hazmat::mlkem_encapsulate_deterministic(&encaps_key, &m);
                assert_eq!(got_c.as_bytes(), c, "{ctx}: c");
                assert_eq!(got_k.expose_secret().as_slice(), k, "{ctx}: encaps K");
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 3);
    test_support::report("cctv-mlkem-unluckysample", cases, 0);
}

/// The CCTV accumulated test: `rounds` rounds, returning the first 32 bytes of the output hash.
fn accumulated(p: MlKemParams, backend: MlKemBackend, rounds: usize) -> [u8; 32] {
    let mut rng = shake::Shake128::default().finalize_xof();
    let mut acc = shake::Shake128::default();
    let mut ct_random = vec![0u8; p.ciphertext_len()];
    for round in 0..rounds {
        let mut d_z = [0u8; 64];
        let mut m = [0u8; 32];
        rng.read(&mut d_z);
        rng.read(&mut m);
        rng.read(&mut ct_random);

        let dk = MlKemDecapsulationKey::from_seed_with(p, &SecretBytes::from_array(d_z), backend);
        let (ct, k) = hazmat::mlkem_encapsulate_deterministic(
            dk.encapsulation_key(),
            &SecretBytes::from_array(m),
        );
        let k_decaps = dk.decapsulate(&ct).unwrap();
        assert_eq!(
            k_decaps.expose_secret(),
            k.expose_secret(),
            "{} ({backend:?}) round {round}: Decaps(Encaps) mismatch",
            p.name()
        );
        let k_reject = dk
            .decapsulate(&MlKemCiphertext::from_bytes(p, &ct_random).unwrap())
            .unwrap();

        acc.update(dk.encapsulation_key().as_bytes());
        acc.update(hazmat::mlkem_expanded_decapsulation_key(&dk).expose_secret());
        acc.update(ct.as_bytes());
        acc.update(k.expose_secret());
        acc.update(k_reject.expose_secret());
    }
    let mut out = [0u8; 32];
    acc.finalize_xof().read(&mut out);
    out
}

#[test]
fn cctv_accumulated_rng_stream() {
    // README: "The RNG stream starts with 7f9c2ba4e88f827d616045507605853e".
    let mut start = [0u8; 16];
    shake::Shake128::default().finalize_xof().read(&mut start);
    assert_eq!(start.as_slice(), unhex("7f9c2ba4e88f827d616045507605853e"));
}

#[test]
fn cctv_accumulated_10k() {
    const ROUNDS: usize = 10_000;
    // Final FIPS 203 hashes (CCTV PR #13), MANIFEST-kem.md section 2.
    let expected = [
        (
            MlKemParams::MlKem512,
            "705dcffc87f4e67e35a09dcaa31772e86f3341bd3ccf1e78a5fef99ae6a35a13",
        ),
        (
            MlKemParams::MlKem768,
            "f959d18d3d1180121433bf0e05f11e7908cf9d03edc150b2b07cb90bef5bc1c1",
        ),
        (
            MlKemParams::MlKem1024,
            "e3bf82b013307b2e9d47dde791ff6dfc82e694e6382404abdb948b908b75bad5",
        ),
    ];
    // One thread per parameter set: the rounds are sequential (one RNG stream), the sets are not.
    let results: Vec<(MlKemParams, MlKemBackend, [u8; 32])> = std::thread::scope(|s| {
        let handles: Vec<_> = expected
            .iter()
            .map(|&(p, _)| {
                s.spawn(move || {
                    MlKemBackend::all()
                        .iter()
                        .map(|&backend| (p, backend, accumulated(p, backend, ROUNDS)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(results.len(), 3 * MlKemBackend::all().len());
    for (p, backend, hash) in &results {
        let want = expected.iter().find(|(q, _)| q == p).unwrap().1;
        assert_eq!(
            test_support::hex(hash),
            want,
            "{} ({backend:?}): accumulated 10k hash",
            p.name()
        );
    }
    test_support::report("cctv-mlkem-accumulated-10k", 3 * ROUNDS, 0);
}
