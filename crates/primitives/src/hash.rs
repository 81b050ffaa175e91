//! SHA-2 (FIPS 180-4): SHA-256, SHA-384 and SHA-512, chosen at run time by [`HashAlgorithm`].
//!
//! Digests are usually public, but protocols also hash secrets (XEdDSA hashes its secret
//! scalar and nonce), so hasher states (sha2's `zeroize` feature) and [`Digest`](crate::hash::Digest) values are
//! wiped when dropped.

use sha2::Digest as _;

/// A SHA-2 hash function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256, 32-byte output.
    Sha256,
    /// SHA-384, 48-byte output.
    Sha384,
    /// SHA-512, 64-byte output.
    Sha512,
}

impl HashAlgorithm {
    /// The output length in bytes (`Nh` in RFC 9420, `HashLen` in RFC 5869).
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Digest {
        let mut hasher = Hasher::new(self);
        hasher.update(data);
        hasher.finalize()
    }
}

/// A hash output of up to 64 bytes; only the first `len` bytes are meaningful. Zeroized on drop.
#[derive(Clone, PartialEq, Eq, Hash, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct Digest {
    bytes: [u8; 64],
    len: usize,
}

impl Digest {
    fn from_slice(out: &[u8]) -> Self {
        let mut bytes = [0u8; 64];
        let len = out.len().min(64);
        bytes[..len].copy_from_slice(&out[..len]);
        Self { bytes, len }
    }

    /// The digest bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl AsRef<[u8]> for Digest {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl core::fmt::Debug for Digest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Digest(")?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// An incremental hash computation.
#[derive(Clone)]
pub struct Hasher(HasherInner);

#[derive(Clone)]
enum HasherInner {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    /// Starts hashing with `alg`.
    pub fn new(alg: HashAlgorithm) -> Self {
        Self(match alg {
            HashAlgorithm::Sha256 => HasherInner::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha384 => HasherInner::Sha384(sha2::Sha384::new()),
            HashAlgorithm::Sha512 => HasherInner::Sha512(sha2::Sha512::new()),
        })
    }

    /// Absorbs `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            HasherInner::Sha256(h) => h.update(data),
            HasherInner::Sha384(h) => h.update(data),
            HasherInner::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything absorbed.
    pub fn finalize(self) -> Digest {
        match self.0 {
            HasherInner::Sha256(h) => Digest::from_slice(&h.finalize()),
            HasherInner::Sha384(h) => Digest::from_slice(&h.finalize()),
            HasherInner::Sha512(h) => Digest::from_slice(&h.finalize()),
        }
    }
}

impl core::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Hasher").finish_non_exhaustive()
    }
}

/// SHA-256 of `data`, as an array.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// SHA-512 of `data`, as an array.
pub fn sha512(data: &[u8]) -> [u8; 64] {
    sha2::Sha512::digest(data).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_180_abc() {
        // FIPS 180-4 example "abc" digests (NIST CSRC examples).
        let hex = |d: &Digest| {
            d.as_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        assert_eq!(
            hex(&HashAlgorithm::Sha256.digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(hex(&HashAlgorithm::Sha384.digest(b"abc")).starts_with("cb00753f45a35e8b"));
        assert!(hex(&HashAlgorithm::Sha512.digest(b"abc")).starts_with("ddaf35a193617aba"));
        let mut h = Hasher::new(HashAlgorithm::Sha256);
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finalize(), HashAlgorithm::Sha256.digest(b"abc"));
        assert_eq!(
            &sha256(b"abc")[..],
            HashAlgorithm::Sha256.digest(b"abc").as_bytes()
        );
    }
}
