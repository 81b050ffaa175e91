//! Entry points for the fuzz targets in `fuzz/`, one per decoder or decrypt path. Each takes
//! arbitrary bytes, must never panic, and asserts what must hold of any input. The stable test
//! `tests/fuzz_corpus_replay.rs` runs the committed corpus through these same functions.

#![allow(
    clippy::missing_panics_doc,
    clippy::panic,
    reason = "a fuzz entry point panics exactly when an invariant fails: that is the oracle"
)]

use crate::{
    AeadAlgorithm, AeadKey, HpkeAead, HpkeKdf, HpkeKem, HpkeSuite, MlKemBackend, MlKemCiphertext,
    MlKemDecapsulationKey, MlKemEncapsulationKey, MlKemParams, Nonce, SecretBytes, XWingCiphertext,
    XWingDecapsulationKey, XWingEncapsulationKey,
};

/// A deterministic RNG for the fuzz entry points of every crate (SHA-256 in counter mode over
/// a seed): fuzz runs and replays are reproducible. Not for anything else.
#[derive(Debug, Clone)]
pub struct FuzzRng {
    seed: [u8; 8],
    counter: u64,
    buf: [u8; 32],
    used: usize,
}

impl FuzzRng {
    /// A stream from `seed`.
    pub const fn new(seed: u64) -> Self {
        Self {
            seed: seed.to_le_bytes(),
            counter: 0,
            buf: [0; 32],
            used: 32,
        }
    }
}

impl rand_core::TryRng for FuzzRng {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        rand_core::utils::next_word_via_fill(self)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for d in dst {
            if self.used == self.buf.len() {
                let mut input = [0u8; 16];
                input[..8].copy_from_slice(&self.seed);
                input[8..].copy_from_slice(&self.counter.to_le_bytes());
                self.buf = crate::hash::sha256(&input);
                self.counter = self.counter.wrapping_add(1);
                self.used = 0;
            }
            *d = self.buf[self.used];
            self.used += 1;
        }
        Ok(())
    }
}

impl rand_core::TryCryptoRng for FuzzRng {}

fn params(selector: u8) -> MlKemParams {
    MlKemParams::ALL[usize::from(selector) % MlKemParams::ALL.len()]
}

/// `primitives_mlkem_ek_decode`: decode an encapsulation key on every backend. The backends must
/// agree on acceptance, and an accepted key must re-encode to exactly its input.
pub fn mlkem_encapsulation_key_decode(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let p = params(sel);
    let mut accepted = None;
    for &backend in MlKemBackend::all() {
        let result = MlKemEncapsulationKey::from_bytes_with(p, rest, backend);
        if let Ok(ek) = &result {
            assert_eq!(ek.as_bytes(), rest);
        }
        let ok = result.is_ok();
        assert!(
            accepted.is_none_or(|a| a == ok),
            "ML-KEM backends disagree on an encapsulation key"
        );
        accepted = Some(ok);
    }
}

/// `primitives_mlkem_decapsulate`: decapsulate arbitrary bytes under a fixed key on every
/// backend. A ciphertext of the right length always yields a secret (implicit rejection),
/// identical across backends; any other length is refused.
pub fn mlkem_decapsulate(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let p = params(sel);
    let Ok(ct) = MlKemCiphertext::from_bytes(p, rest) else {
        assert_ne!(rest.len(), p.ciphertext_len());
        return;
    };
    let seed = SecretBytes::from_array([0x5a; 64]);
    let mut first: Option<SecretBytes<32>> = None;
    for &backend in MlKemBackend::all() {
        let dk = MlKemDecapsulationKey::from_seed_with(p, &seed, backend);
        let Ok(ss) = dk.decapsulate(&ct) else {
            panic!("a ciphertext of the right length must decapsulate")
        };
        if let Some(f) = &first {
            assert_eq!(
                f.expose_secret(),
                ss.expose_secret(),
                "ML-KEM backends disagree on decapsulation"
            );
        }
        first = Some(ss);
    }
}

/// `primitives_xwing`: decode an X-Wing encapsulation key, and decapsulate arbitrary bytes
/// under a fixed key; neither may panic.
pub fn xwing_decode_and_decapsulate(data: &[u8]) {
    if let Ok(ek) = XWingEncapsulationKey::from_bytes(data) {
        assert_eq!(ek.as_bytes(), data);
    }
    if let Ok(ct) = XWingCiphertext::from_bytes(data) {
        let dk = XWingDecapsulationKey::from_seed(&SecretBytes::from_array([7; 32]));
        let _ = dk.decapsulate(&ct);
    }
}

/// `primitives_x25519`: X25519 of the first 32 bytes (the scalar) and the next 32 (any u, on the
/// curve or its twist, canonical or not), differentially against x25519-dalek: the two must agree
/// on every input.
pub fn x25519_differential(data: &[u8]) {
    let (Some(scalar), Some(u)) = (
        data.first_chunk::<32>(),
        data.get(32..).and_then(<[u8]>::first_chunk::<32>),
    ) else {
        return;
    };
    let ours = crate::x25519::diffie_hellman(scalar, u);
    let oracle = x25519_dalek::x25519(*scalar, *u);
    match ours {
        Ok(shared) => assert_eq!(
            shared.expose_secret(),
            &oracle,
            "X25519 disagrees with x25519-dalek"
        ),
        Err(_) => assert_eq!(oracle, [0u8; 32], "X25519 rejected a contributory input"),
    }
}

/// The suites `hpke_open` picks from by the first input byte; new ones go at the end so that
/// committed seeds keep their suite.
const HPKE_SUITES: [HpkeSuite; 4] = [
    HpkeSuite::new(
        HpkeKem::DhKemX25519Sha256,
        HpkeKdf::HkdfSha256,
        HpkeAead::Aes128Gcm,
    ),
    HpkeSuite::new(
        HpkeKem::DhKemX25519Sha256,
        HpkeKdf::HkdfSha256,
        HpkeAead::ChaCha20Poly1305,
    ),
    HpkeSuite::new(
        HpkeKem::DhKemP256Sha256,
        HpkeKdf::HkdfSha256,
        HpkeAead::Aes128Gcm,
    ),
    HpkeSuite::new(
        HpkeKem::DhKemP384Sha384,
        HpkeKdf::HkdfSha384,
        HpkeAead::Aes256Gcm,
    ),
];

/// `primitives_hpke_open`: open arbitrary `enc || ciphertext` with a fixed key pair. No input
/// made without the key can open (the fuzzer cannot forge a tag), so every call must fail.
pub fn hpke_open(data: &[u8]) {
    static KEYS: std::sync::OnceLock<Vec<crate::HpkePrivateKey>> = std::sync::OnceLock::new();
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let index = usize::from(sel) % HPKE_SUITES.len();
    let suite = HPKE_SUITES[index];
    let keys = KEYS.get_or_init(|| {
        HPKE_SUITES
            .iter()
            .map(
                |s| match s.derive_key_pair(&vec![0x42; s.kem.private_key_len()]) {
                    Ok((sk, _)) => sk,
                    Err(_) => panic!("fixed HPKE key pair"),
                },
            )
            .collect()
    });
    let sk = &keys[index];
    let split = suite.kem.public_key_len().min(rest.len());
    let (enc, ct) = rest.split_at(split);
    assert!(suite.open(enc, sk, b"fuzz info", b"fuzz aad", ct).is_err());
}

/// `primitives_hpke_open_differential`: this crate's DHKEM(X25519) `OpenBase` against hpke-rs's,
/// on the same input, for every KDF and AEAD (the first byte's low seven bits pick them). With the first byte's
/// top bit set, the rest is `ikmE` (32 bytes), a byte position, a byte mask and a plaintext:
/// a genuine `enc || ct` is sealed (by this crate) and one byte of it flipped by the mask, so
/// that both openers also see valid and nearly valid ciphertexts; otherwise the rest is
/// `enc || ct` as given. Both must open to the same plaintext or both refuse.
pub fn hpke_open_differential(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let pick = usize::from(sel & 0x7f);
    let kdf = [
        HpkeKdf::HkdfSha256,
        HpkeKdf::HkdfSha384,
        HpkeKdf::HkdfSha512,
    ][pick % 3];
    let aead = [
        HpkeAead::Aes128Gcm,
        HpkeAead::Aes256Gcm,
        HpkeAead::ChaCha20Poly1305,
    ][pick / 3 % 3];
    let suite = HpkeSuite::new(HpkeKem::DhKemX25519Sha256, kdf, aead);
    let Ok((sk, pk)) = suite.derive_key_pair(&[0x42; 32]) else {
        panic!("fixed HPKE key pair")
    };
    let (info, aad) = (b"fuzz info", b"fuzz aad");
    let input = match (sel & 0x80 != 0, rest.split_first_chunk::<34>()) {
        (true, Some((head, plaintext))) => {
            let Ok((enc, mut ctx)) =
                suite.setup_sender_with(&pk, info, crate::SecretVec::from_slice(&head[..32]))
            else {
                panic!("sealing to a valid key")
            };
            let Ok(ct) = ctx.seal(aad, plaintext) else {
                panic!("sealing a message")
            };
            let mut input = [enc, ct].concat();
            let at = usize::from(head[32]) % input.len();
            input[at] ^= head[33];
            input
        }
        _ => rest.to_vec(),
    };
    let (enc, ct) = input.split_at(32.min(input.len()));
    let ours = suite.open(enc, &sk, info, aad, ct).ok();
    let theirs = crate::hpke::oracle::open(suite, enc, &sk, info, aad, ct);
    assert_eq!(ours, theirs, "HPKE open disagrees with hpke-rs");
}

/// `primitives_aead_open`: open arbitrary bytes under a fixed key and nonce with each AEAD;
/// every call must fail with the one opaque error.
pub fn aead_open(data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let algs = [
        AeadAlgorithm::Aes128Gcm,
        AeadAlgorithm::Aes256Gcm,
        AeadAlgorithm::ChaCha20Poly1305,
    ];
    let alg = algs[usize::from(sel) % algs.len()];
    let Ok(key) = AeadKey::new(alg, &vec![0x11; alg.key_len()]) else {
        panic!("fixed AEAD key")
    };
    let nonce = Nonce::from_array([0x22; 12]);
    assert_eq!(
        key.open(&nonce, b"aad", rest),
        Err(crate::Error::DecryptionFailed)
    );
}
