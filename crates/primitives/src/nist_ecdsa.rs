//! The ECDSA key types of [`crate::p256`] and [`crate::p384`], written once.
//!
//! Both modules wrap a RustCrypto curve crate (`p256`, `p384`) the same way: a public key is the
//! SEC1 uncompressed point and nothing else, a secret key is the big-endian scalar, signatures
//! are strict DER, nonces come from RFC 6979, high `s` is accepted. Only the curve crate, the
//! lengths and the names differ, and `ecdsa`'s generic types cannot carry the per-curve byte
//! arrays (`[u8; 65]`, `SecretBytes<48>`) on stable Rust, so [`keys!`] writes the two types and
//! their constants for one curve and each module invokes it once; [`tests!`] does the same for
//! the unit tests every curve needs. The curve-specific tests (RFC 6979 answers) stay in the
//! modules.
//!
//! The expansions name everything by full path (`$crate::…` and the curve crate, whose `ecdsa`
//! feature must be on), so an invoking module needs no imports of its own.

/// Defines, in the invoking module, `PUBLIC_KEY_LEN`, `SECRET_KEY_LEN`, `MAX_SIGNATURE_LEN`,
/// the public-key type and the secret-key type of ECDSA over one NIST curve.
///
/// - `curve`: the RustCrypto crate of the curve (`p256`, `p384`).
/// - `name`, `hash`: how messages and docs name the curve and its hash (`"P-256"`,
///   `"SHA-256"`).
/// - `public`, `secret`: the names of the two types.
/// - `public_key_len`, `secret_key_len`, `max_signature_len`: `1 + 2 * L`, `L` and
///   `2 + 2 * (2 + 1 + L)` for a curve of `L`-byte coordinates and scalars (checked at compile
///   time).
/// - `key_rule`, `signature_rule`: the rule ids of public-key decoding and signature parsing
///   (`"P256-1"`, `"P256-2"`), quoted in the docs.
macro_rules! keys {
    (
        curve: $curve:ident,
        name: $name:literal,
        hash: $hash:literal,
        public: $public:ident,
        secret: $secret:ident,
        public_key_len: $pk_len:literal,
        secret_key_len: $sk_len:literal,
        max_signature_len: $sig_len:literal,
        key_rule: $key_rule:literal,
        signature_rule: $sig_rule:literal $(,)?
    ) => {
        use $curve::ecdsa::signature::{Signer as _, Verifier as _};
        use $curve::elliptic_curve::Generate as _;
        use $curve::elliptic_curve::sec1::ToSec1Point as _;

        #[doc = concat!("Length of a public key (SEC1 uncompressed point): ", $pk_len, " bytes.")]
        pub const PUBLIC_KEY_LEN: usize = $pk_len;
        #[doc = concat!("Length of a secret key (the big-endian scalar): ", $sk_len, " bytes.")]
        pub const SECRET_KEY_LEN: usize = $sk_len;
        #[doc = concat!(
            "Largest DER signature, ", $sig_len, " bytes: a `SEQUENCE` of two `INTEGER`s, each a ",
            $sk_len, "-byte value with a leading zero byte (top bit set) and a 2-byte header."
        )]
        pub const MAX_SIGNATURE_LEN: usize = $sig_len;

        // The lengths passed in agree with each other and with the curve crate.
        const _: () = assert!(PUBLIC_KEY_LEN == 1 + 2 * SECRET_KEY_LEN);
        const _: () = assert!(MAX_SIGNATURE_LEN == 2 + 2 * (2 + 1 + SECRET_KEY_LEN));
        const _: () = assert!(::core::mem::size_of::<$curve::FieldBytes>() == SECRET_KEY_LEN);

        /// The SEC1 tag of an uncompressed point.
        const UNCOMPRESSED_TAG: u8 = 0x04;

        #[doc = concat!("An ECDSA ", $name, " verifying key, validated on decode (`", $key_rule, "`).")]
        #[derive(Clone, PartialEq, Eq)]
        pub struct $public {
            key: $curve::ecdsa::VerifyingKey,
            /// The uncompressed encoding, kept so that `as_bytes` can lend it.
            bytes: [u8; PUBLIC_KEY_LEN],
        }

        impl ::core::fmt::Debug for $public {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                write!(f, concat!(stringify!($public), "("))?;
                for b in &self.bytes {
                    write!(f, "{b:02x}")?;
                }
                write!(f, ")")
            }
        }

        impl $public {
            #[doc = concat!(
                "Decodes a public key from its SEC1 uncompressed encoding (`", $key_rule, "`).\n\n",
                "# Errors\n",
                "[`Error::InvalidLength`](crate::Error::InvalidLength) unless `bytes` is ", $pk_len,
                " bytes long (so compressed points and the one-byte identity are refused here); ",
                "[`Error::InvalidPublicKey`](crate::Error::InvalidPublicKey) if the first byte is ",
                "not `0x04`, a coordinate is not reduced, or the point is not on the curve."
            )]
            pub fn from_bytes(bytes: &[u8]) -> $crate::Result<Self> {
                let arr: [u8; PUBLIC_KEY_LEN] =
                    bytes
                        .try_into()
                        .map_err(|_| $crate::Error::InvalidLength {
                            what: concat!($name, " public key"),
                            expected: PUBLIC_KEY_LEN,
                            actual: bytes.len(),
                        })?;
                // The key rule (`P256-1`, `P384-1`): only the uncompressed form, which RFC 9420
                // section 5.1.1 prescribes; the curve crate checks that both coordinates are
                // reduced and that the point is on the curve.
                if arr.first() != Some(&UNCOMPRESSED_TAG) {
                    return Err($crate::Error::InvalidPublicKey($name));
                }
                let key = $curve::ecdsa::VerifyingKey::from_sec1_bytes(&arr)
                    .map_err(|_| $crate::Error::InvalidPublicKey($name))?;
                Ok(Self { key, bytes: arr })
            }

            /// Wraps a verifying key the library already holds (never the identity).
            fn from_verifying_key(key: $curve::ecdsa::VerifyingKey) -> Self {
                let bytes = key.as_affine().to_uncompressed_point().into();
                Self { key, bytes }
            }

            #[doc = concat!("The ", $pk_len, "-byte SEC1 uncompressed encoding `0x04 || X || Y`.")]
            pub fn as_bytes(&self) -> &[u8] {
                &self.bytes
            }

            #[doc = concat!(
                "Verifies the DER signature `der_signature` over `message` (", $hash,
                " of `message`, FIPS 186-5 section 6.4.2). High-S signatures are accepted (see ",
                "the module documentation).\n\n",
                "# Errors\n",
                "[`Error::VerificationFailed`](crate::Error::VerificationFailed) if the signature ",
                "is not strict DER or has `r` or `s` out of range (`", $sig_rule, "`), or does ",
                "not verify."
            )]
            pub fn verify(&self, message: &[u8], der_signature: &[u8]) -> $crate::Result<()> {
                // The signature rule (`P256-2`, `P384-2`): strict DER, 0 < r, s < n.
                let sig = $curve::ecdsa::Signature::from_der(der_signature)
                    .map_err(|_| $crate::Error::VerificationFailed)?;
                self.key
                    .verify(message, &sig)
                    .map_err(|_| $crate::Error::VerificationFailed)
            }
        }

        #[doc = concat!(
            "An ECDSA ", $name, " signing key, with its public key cached. Zeroized on drop (by ",
            "the wrapped `", stringify!($curve), "` key); `Debug` shows only the public key."
        )]
        #[derive(Clone)]
        pub struct $secret {
            key: $curve::ecdsa::SigningKey,
            public: $public,
        }

        // The only secret field is the curve crate's signing key, which zeroizes its scalar on
        // drop.
        impl ::zeroize::ZeroizeOnDrop for $secret {}

        impl ::core::fmt::Debug for $secret {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(stringify!($secret))
                    .field("public", &self.public)
                    .finish_non_exhaustive()
            }
        }

        impl $secret {
            fn from_signing_key(key: $curve::ecdsa::SigningKey) -> Self {
                let public = $public::from_verifying_key(*key.verifying_key());
                Self { key, public }
            }

            /// A fresh random key: a scalar drawn uniformly from `[1, n)` by rejection sampling.
            pub fn generate(rng: &mut impl $crate::rand::CryptoRng) -> Self {
                Self::from_signing_key($curve::ecdsa::SigningKey::generate_from_rng(rng))
            }

            #[doc = concat!(
                "The key with this ", $sk_len, "-byte big-endian scalar.\n\n",
                "# Errors\n",
                "[`Error::Decode`](crate::Error::Decode) if the scalar is zero or not less than ",
                "the group order `n`."
            )]
            pub fn from_secret(
                secret: &$crate::SecretBytes<SECRET_KEY_LEN>,
            ) -> $crate::Result<Self> {
                $curve::ecdsa::SigningKey::from_slice(secret.expose_secret())
                    .map(Self::from_signing_key)
                    .map_err(|_| $crate::Error::Decode(concat!($name, " secret key")))
            }

            #[doc = concat!("The ", $sk_len, "-byte big-endian scalar, for persistence.")]
            pub fn to_secret(&self) -> $crate::SecretBytes<SECRET_KEY_LEN> {
                $crate::SecretBytes::from_array(self.key.to_bytes().into())
            }

            /// The public key.
            pub fn public_key(&self) -> $public {
                self.public.clone()
            }

            #[doc = concat!(
                "Signs `message`: ", $hash, ", an RFC 6979 deterministic nonce, and the DER ",
                "encoding of `(r, s)` (at most [`MAX_SIGNATURE_LEN`] bytes). `s` is not ",
                "normalised to the low half.\n\n",
                "Never fails: RFC 6979 draws nonces until `r` and `s` are both nonzero, and two ",
                $sk_len, "-byte integers always fit the DER buffer."
            )]
            pub fn sign(&self, message: &[u8]) -> Vec<u8> {
                let sig: $curve::ecdsa::DerSignature = self.key.sign(message);
                sig.as_bytes().to_vec()
            }
        }
    };
}

/// The unit tests every curve of [`keys!`] gets, expanded inside the invoking module's
/// `#[cfg(test)] mod tests` (which must `use super::*`).
///
/// - `curve`, `name`, `public`, `secret`: as for [`keys!`].
/// - `order`, `prime`: the group order `n` and the field prime `p`, big-endian, `L` bytes each.
/// - `key_rule`, `signature_rule`: module names for the tests of the two rules (`p256_1`,
///   `p256_2`), so a test's path names its rule id (`p256::tests::p256_1::…`).
/// - `seed`: the seed of the test RNG.
#[cfg(test)]
macro_rules! tests {
    (
        curve: $curve:ident,
        name: $name:literal,
        public: $public:ident,
        secret: $secret:ident,
        order: $order:expr,
        prime: $prime:expr,
        key_rule: $key_rule:ident,
        signature_rule: $sig_rule:ident,
        seed: $seed:literal $(,)?
    ) => {
        use $crate::{Error, SecretBytes};

        /// The group order n, big-endian.
        const N: [u8; SECRET_KEY_LEN] = $order;
        /// The field prime p, big-endian.
        const P: [u8; SECRET_KEY_LEN] = $prime;

        fn key(byte: u8) -> $secret {
            $secret::from_secret(&SecretBytes::from_array([byte; SECRET_KEY_LEN])).unwrap()
        }

        #[test]
        fn sign_verify_round_trip() {
            let mut rng = test_support::seeded_rng($seed);
            for _ in 0..8 {
                let sk = $secret::generate(&mut rng);
                let pk = sk.public_key();
                assert_eq!(pk.as_bytes().len(), PUBLIC_KEY_LEN);
                assert_eq!(pk.as_bytes().first(), Some(&UNCOMPRESSED_TAG));
                let sig = sk.sign(b"msg");
                assert!(sig.len() <= MAX_SIGNATURE_LEN);
                assert_eq!(sig, sk.sign(b"msg"), "RFC 6979 signing is deterministic");
                pk.verify(b"msg", &sig).unwrap();
                // The public key survives its encoding, the secret key its persistence.
                let decoded = $public::from_bytes(pk.as_bytes()).unwrap();
                assert_eq!(decoded, pk);
                decoded.verify(b"msg", &sig).unwrap();
                let restored = $secret::from_secret(&sk.to_secret()).unwrap();
                assert_eq!(restored.public_key(), pk);
                assert_eq!(restored.sign(b"msg"), sig);
            }
        }

        #[test]
        fn wrong_message_or_key_rejected() {
            let (sk, other) = (key(0x42), key(0x43));
            let sig = sk.sign(b"msg");
            assert_eq!(
                sk.public_key().verify(b"msh", &sig),
                Err(Error::VerificationFailed)
            );
            assert_eq!(
                sk.public_key().verify(b"", &sig),
                Err(Error::VerificationFailed)
            );
            assert_eq!(
                other.public_key().verify(b"msg", &sig),
                Err(Error::VerificationFailed)
            );
        }

        /// `s` and `n - s` both verify: MLS and TLS 1.3 do not require low-S.
        #[test]
        fn high_s_accepted() {
            use $curve::elliptic_curve::PrimeField as _;
            let sk = key(0x42);
            let pk = sk.public_key();
            let sig = $curve::ecdsa::Signature::from_der(&sk.sign(b"msg")).unwrap();
            let negated =
                $curve::ecdsa::Signature::from_scalars(sig.r().to_repr(), (-*sig.s()).to_repr())
                    .unwrap();
            let (low, high) = if sig.normalize_s() == sig {
                (sig, negated)
            } else {
                (negated, sig)
            };
            assert_ne!(low, high);
            pk.verify(b"msg", low.to_der().as_bytes()).unwrap();
            pk.verify(b"msg", high.to_der().as_bytes()).unwrap();
        }

        #[test]
        fn bad_secret_keys_rejected() {
            let mut n_plus_one = N;
            n_plus_one[SECRET_KEY_LEN - 1] += 1;
            for bad in [[0u8; SECRET_KEY_LEN], N, n_plus_one, [0xff; SECRET_KEY_LEN]] {
                assert_eq!(
                    $secret::from_secret(&SecretBytes::from_array(bad)).map(|_| ()),
                    Err(Error::Decode(concat!($name, " secret key")))
                );
            }
            let mut n_minus_one = N;
            n_minus_one[SECRET_KEY_LEN - 1] -= 1;
            let mut one = [0u8; SECRET_KEY_LEN];
            one[SECRET_KEY_LEN - 1] = 1;
            for good in [n_minus_one, one] {
                let sk = $secret::from_secret(&SecretBytes::from_array(good)).unwrap();
                assert_eq!(sk.to_secret().expose_secret(), &good);
                sk.public_key().verify(b"m", &sk.sign(b"m")).unwrap();
            }
        }

        #[test]
        fn debug_is_redacted() {
            let sk = key(0x42);
            let debug = format!("{sk:?}");
            assert!(debug.starts_with(stringify!($secret)));
            assert!(!debug.contains("4242"));
            assert!(debug.contains(&format!("{:?}", sk.public_key())));
        }

        /// The key rule: a public key is exactly the uncompressed encoding of a reduced point
        /// on the curve.
        mod $key_rule {
            use super::*;

            #[test]
            fn bad_public_keys_rejected() {
                let pk = key(0x42).public_key();
                let good = pk.as_bytes().to_vec();
                // Wrong lengths: empty, the identity, the compressed form, one byte short or
                // long.
                let compressed = pk.key.to_sec1_point(true);
                for bad in [
                    &[][..],
                    &[0x00][..],
                    compressed.as_bytes(),
                    &good[..PUBLIC_KEY_LEN - 1],
                    &[good.as_slice(), &[0]].concat()[..],
                ] {
                    assert!(
                        matches!($public::from_bytes(bad), Err(Error::InvalidLength { .. })),
                        "{} bytes",
                        bad.len()
                    );
                }
                let invalid = |bytes: &[u8]| {
                    assert_eq!(
                        $public::from_bytes(bytes),
                        Err(Error::InvalidPublicKey($name))
                    );
                };
                // Another tag on the right length: compressed and hybrid tags, zero.
                for tag in [0x00, 0x02, 0x03, 0x05, 0x06, 0x07] {
                    let mut bytes = good.clone();
                    bytes[0] = tag;
                    invalid(&bytes);
                }
                // Off the curve: the last bit of y flipped, and the all-zero coordinates.
                let mut bytes = good.clone();
                bytes[PUBLIC_KEY_LEN - 1] ^= 1;
                invalid(&bytes);
                let mut zero = [0u8; PUBLIC_KEY_LEN];
                zero[0] = UNCOMPRESSED_TAG;
                invalid(&zero);
            }

            /// Adds the field prime p to a big-endian `L`-byte value (which must stay below
            /// 2^(8L)).
            fn plus_p(x: &[u8]) -> [u8; SECRET_KEY_LEN] {
                let mut out = [0u8; SECRET_KEY_LEN];
                let mut carry = 0u16;
                for i in (0..SECRET_KEY_LEN).rev() {
                    let sum = u16::from(x[i]) + u16::from(P[i]) + carry;
                    out[i] = sum.to_le_bytes()[0];
                    carry = sum >> 8;
                }
                assert_eq!(carry, 0, "x + p overflows");
                out
            }

            /// A real point whose x-coordinate is written unreduced (x + p) is refused.
            #[test]
            fn unreduced_coordinate_rejected() {
                // The first point with a one-byte x-coordinate, found by decompressing
                // 0x02 || x.
                let point = (0u8..=255)
                    .find_map(|x| {
                        let mut compressed = [0u8; 1 + SECRET_KEY_LEN];
                        compressed[0] = 0x02;
                        compressed[SECRET_KEY_LEN] = x;
                        $curve::PublicKey::from_sec1_bytes(&compressed).ok()
                    })
                    .unwrap();
                let good = point.to_sec1_point(false).as_bytes().to_vec();
                $public::from_bytes(&good).unwrap();
                let mut unreduced = good;
                let x_plus_p = plus_p(&unreduced[1..=SECRET_KEY_LEN]);
                unreduced[1..=SECRET_KEY_LEN].copy_from_slice(&x_plus_p);
                assert_eq!(
                    $public::from_bytes(&unreduced),
                    Err(Error::InvalidPublicKey($name))
                );
            }
        }

        /// The signature rule: strict DER with `0 < r, s < n`.
        mod $sig_rule {
            use super::*;

            #[test]
            fn every_bit_flip_rejected() {
                let sk = key(0x42);
                let pk = sk.public_key();
                let sig = sk.sign(b"msg");
                for i in 0..sig.len() * 8 {
                    let mut flipped = sig.clone();
                    flipped[i / 8] ^= 1 << (i % 8);
                    assert_eq!(
                        pk.verify(b"msg", &flipped),
                        Err(Error::VerificationFailed),
                        "bit {i}"
                    );
                }
                // Truncated, extended, empty.
                assert_eq!(
                    pk.verify(b"msg", &sig[..sig.len() - 1]),
                    Err(Error::VerificationFailed)
                );
                let mut long = sig.clone();
                long.push(0);
                assert_eq!(pk.verify(b"msg", &long), Err(Error::VerificationFailed));
                assert_eq!(pk.verify(b"msg", &[]), Err(Error::VerificationFailed));
                // The raw r || s form (IEEE P1363) is not DER.
                let raw = $curve::ecdsa::Signature::from_der(&sig).unwrap().to_bytes();
                assert_eq!(pk.verify(b"msg", &raw), Err(Error::VerificationFailed));
            }
        }
    };
}

pub(crate) use keys;
#[cfg(test)]
pub(crate) use tests;
