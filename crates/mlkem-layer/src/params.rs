//! FIPS 203 section 8 (approved parameter sets) and draft-connolly-cfrg-xwing-kem section 5:
//! the parameter sets a recipient key can have, their envelope ids and their sizes.
//!
//! | parameter set          | id     | ek bytes | KEM ciphertext bytes | seed bytes | NIST category |
//! |------------------------|--------|----------|----------------------|------------|---------------|
//! | ML-KEM-512             | `0x01` | 800      | 768                  | 64 (`d‖z`) | 1             |
//! | ML-KEM-768 (default)   | `0x02` | 1184     | 1088                 | 64 (`d‖z`) | 3             |
//! | ML-KEM-1024            | `0x03` | 1568     | 1568                 | 64 (`d‖z`) | 5             |
//! | X-Wing (X25519 + ML-KEM-768) | `0x10` | 1216 | 1120             | 32 (`sk`)  | 3 (hybrid)    |
//!
//! Every parameter set has a 32-byte shared secret. The id is the second byte of an envelope
//! (see the crate documentation); a recipient's key fixes its parameter set, and an envelope
//! for another set is refused before any decapsulation ([`crate::Error::ParameterSetMismatch`]).

use core::fmt;

use primitives::{MlKemParams, mlkem, xwing};

/// A KEM parameter set of this layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ParameterSet {
    /// ML-KEM-512 (FIPS 203, security category 1). Envelope id `0x01`.
    MlKem512,
    /// ML-KEM-768 (FIPS 203, security category 3), the default. Envelope id `0x02`.
    #[default]
    MlKem768,
    /// ML-KEM-1024 (FIPS 203, security category 5). Envelope id `0x03`.
    MlKem1024,
    /// X-Wing: X25519 and ML-KEM-768 combined (draft-connolly-cfrg-xwing-kem). Envelope id
    /// `0x10`.
    XWing,
}

/// Length of an ML-KEM-512 encapsulation key.
pub const ML_KEM_512_ENCAPSULATION_KEY_LEN: usize = ParameterSet::MlKem512.encapsulation_key_len();
/// Length of an ML-KEM-512 ciphertext.
pub const ML_KEM_512_CIPHERTEXT_LEN: usize = ParameterSet::MlKem512.ciphertext_len();
/// Length of an ML-KEM-768 encapsulation key (1184).
pub const ML_KEM_768_ENCAPSULATION_KEY_LEN: usize = ParameterSet::MlKem768.encapsulation_key_len();
/// Length of an ML-KEM-768 ciphertext (1088).
pub const ML_KEM_768_CIPHERTEXT_LEN: usize = ParameterSet::MlKem768.ciphertext_len();
/// Length of an ML-KEM-1024 encapsulation key.
pub const ML_KEM_1024_ENCAPSULATION_KEY_LEN: usize =
    ParameterSet::MlKem1024.encapsulation_key_len();
/// Length of an ML-KEM-1024 ciphertext.
pub const ML_KEM_1024_CIPHERTEXT_LEN: usize = ParameterSet::MlKem1024.ciphertext_len();
/// Length of an ML-KEM seed `d || z`, every ML-KEM parameter set (64).
pub const ML_KEM_SEED_LEN: usize = mlkem::SEED_LEN;
/// Length of an X-Wing encapsulation key `pk_M || pk_X` (1216).
pub const X_WING_ENCAPSULATION_KEY_LEN: usize = xwing::ENCAPSULATION_KEY_LEN;
/// Length of an X-Wing ciphertext `ct_M || ct_X` (1120).
pub const X_WING_CIPHERTEXT_LEN: usize = xwing::CIPHERTEXT_LEN;
/// Length of an X-Wing seed `sk` (32).
pub const X_WING_SEED_LEN: usize = xwing::SEED_LEN;
/// Length of the shared secret of every parameter set.
pub const SHARED_SECRET_LEN: usize = 32;

impl ParameterSet {
    /// Every parameter set, ML-KEM smallest first, then X-Wing.
    pub const ALL: [Self; 4] = [Self::MlKem512, Self::MlKem768, Self::MlKem1024, Self::XWing];

    /// The id this parameter set has in an envelope's second byte.
    pub const fn id(self) -> u8 {
        match self {
            Self::MlKem512 => 0x01,
            Self::MlKem768 => 0x02,
            Self::MlKem1024 => 0x03,
            Self::XWing => 0x10,
        }
    }

    /// The parameter set with envelope id `id`, if there is one.
    pub const fn from_id(id: u8) -> Option<Self> {
        match id {
            0x01 => Some(Self::MlKem512),
            0x02 => Some(Self::MlKem768),
            0x03 => Some(Self::MlKem1024),
            0x10 => Some(Self::XWing),
            _ => None,
        }
    }

    /// The name: "ML-KEM-512", "ML-KEM-768", "ML-KEM-1024" or "X-Wing".
    pub const fn name(self) -> &'static str {
        match self.mlkem() {
            Some(p) => p.name(),
            None => "X-Wing",
        }
    }

    /// Length of an encapsulation (public) key.
    pub const fn encapsulation_key_len(self) -> usize {
        match self.mlkem() {
            Some(p) => p.encapsulation_key_len(),
            None => xwing::ENCAPSULATION_KEY_LEN,
        }
    }

    /// Length of a KEM ciphertext (the fixed-length second field of an envelope).
    pub const fn ciphertext_len(self) -> usize {
        match self.mlkem() {
            Some(p) => p.ciphertext_len(),
            None => xwing::CIPHERTEXT_LEN,
        }
    }

    /// Length of a decapsulation-key seed, the only form a key is persisted in: 64 bytes
    /// (`d || z`) for ML-KEM, 32 for X-Wing.
    pub const fn seed_len(self) -> usize {
        match self.mlkem() {
            Some(_) => mlkem::SEED_LEN,
            None => xwing::SEED_LEN,
        }
    }

    /// Length of the encapsulation randomness a seal draws from its RNG: `m` (32 bytes) for
    /// ML-KEM, `eseed` (64 bytes) for X-Wing.
    pub const fn encapsulation_randomness_len(self) -> usize {
        match self.mlkem() {
            Some(_) => mlkem::ENCAPS_RANDOMNESS_LEN,
            None => xwing::ENCAPS_RANDOMNESS_LEN,
        }
    }

    /// The bytes an envelope adds to its plaintext: header, KEM ciphertext and AEAD tag.
    pub const fn envelope_overhead(self) -> usize {
        crate::envelope::HEADER_LEN + self.ciphertext_len() + crate::envelope::TAG_LEN
    }

    /// The ML-KEM parameter set, or `None` for X-Wing.
    pub(crate) const fn mlkem(self) -> Option<MlKemParams> {
        match self {
            Self::MlKem512 => Some(MlKemParams::MlKem512),
            Self::MlKem768 => Some(MlKemParams::MlKem768),
            Self::MlKem1024 => Some(MlKemParams::MlKem1024),
            Self::XWing => None,
        }
    }
}

impl fmt::Display for ParameterSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sizes_match_the_table() {
        for p in ParameterSet::ALL {
            assert_eq!(ParameterSet::from_id(p.id()), Some(p));
        }
        let unknown = (0..=u8::MAX)
            .filter(|&id| ParameterSet::from_id(id).is_none())
            .count();
        assert_eq!(unknown, 256 - ParameterSet::ALL.len());
        let table = [
            (ParameterSet::MlKem512, 800, 768, 64),
            (ParameterSet::MlKem768, 1184, 1088, 64),
            (ParameterSet::MlKem1024, 1568, 1568, 64),
            (ParameterSet::XWing, 1216, 1120, 32),
        ];
        for (p, ek, ct, seed) in table {
            assert_eq!(
                (p.encapsulation_key_len(), p.ciphertext_len(), p.seed_len()),
                (ek, ct, seed),
                "{p}"
            );
            assert_eq!(p.envelope_overhead(), 2 + ct + 16);
        }
        assert_eq!(ParameterSet::default(), ParameterSet::MlKem768);
        assert_eq!(ML_KEM_768_ENCAPSULATION_KEY_LEN, 1184);
        assert_eq!(ML_KEM_768_CIPHERTEXT_LEN, 1088);
        assert_eq!(ML_KEM_SEED_LEN, 64);
        assert_eq!(
            (
                X_WING_ENCAPSULATION_KEY_LEN,
                X_WING_CIPHERTEXT_LEN,
                X_WING_SEED_LEN
            ),
            (1216, 1120, 32)
        );
        assert_eq!(ParameterSet::XWing.to_string(), "X-Wing");
    }
}
