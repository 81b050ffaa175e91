//! HMAC (RFC 2104) over SHA-256/384/512, with constant-time verification.

use hmac::{KeyInit, Mac};

use crate::{Error, HashAlgorithm, Result, limits::MIN_TRUNCATED_TAG_LEN, secret::ct_eq_bytes};

/// An HMAC output. Compare tags only with [`Tag::ct_eq`] or through [`verify`]. Zeroized on
/// drop, because protocols also use HMAC as a PRF whose outputs are keys (the Double Ratchet's
/// `KDF_CK`).
#[derive(Clone, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct Tag {
    bytes: [u8; 64],
    len: usize,
}

impl Tag {
    /// The tag bytes (a MAC output is public once sent, but compare it in constant time).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Constant-time comparison with `other`.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        ct_eq_bytes(self.as_bytes(), other)
    }

    /// Constant-time comparison of a truncated tag with the first `tag.len()` bytes of this
    /// one (the length is public). An empty or over-long `tag` never matches.
    pub fn ct_eq_prefix(&self, tag: &[u8]) -> bool {
        !tag.is_empty() && tag.len() <= self.len && ct_eq_bytes(&self.bytes[..tag.len()], tag)
    }
}

impl core::fmt::Debug for Tag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Tag(<{} bytes>)", self.len)
    }
}

fn mac_parts(alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Tag {
    #[allow(
        clippy::expect_used,
        reason = "HMAC takes keys of every length (RFC 2104 section 2): new_from_slice never fails"
    )]
    fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Tag {
        let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
        for p in parts {
            mac.update(p);
        }
        let out = mac.finalize().into_bytes();
        let mut bytes = [0u8; 64];
        bytes[..out.len()].copy_from_slice(&out);
        Tag {
            bytes,
            len: out.len(),
        }
    }
    match alg {
        HashAlgorithm::Sha256 => run::<hmac::Hmac<sha2::Sha256>>(key, parts),
        HashAlgorithm::Sha384 => run::<hmac::Hmac<sha2::Sha384>>(key, parts),
        HashAlgorithm::Sha512 => run::<hmac::Hmac<sha2::Sha512>>(key, parts),
    }
}

/// HMAC of `data` under `key`.
pub fn mac(alg: HashAlgorithm, key: &[u8], data: &[u8]) -> Tag {
    mac_parts(alg, key, &[data])
}

/// HMAC of the concatenation of `parts`, without building it.
pub fn mac_concat(alg: HashAlgorithm, key: &[u8], parts: &[&[u8]]) -> Tag {
    mac_parts(alg, key, parts)
}

/// Verifies a full-length `tag` over `data`, in constant time.
///
/// # Errors
/// [`Error::DecryptionFailed`] if the tag does not match or has the wrong length.
pub fn verify(alg: HashAlgorithm, key: &[u8], data: &[u8], tag: &[u8]) -> Result<()> {
    if tag.len() == alg.output_len() && mac(alg, key, data).ct_eq(tag) {
        Ok(())
    } else {
        Err(Error::DecryptionFailed)
    }
}

/// Verifies a tag truncated to its first `tag.len()` bytes, in constant time.
///
/// # Errors
/// [`Error::Misuse`] if `tag` is shorter than [`MIN_TRUNCATED_TAG_LEN`] or longer than the hash
/// output; [`Error::DecryptionFailed`] if it does not match.
pub fn verify_truncated(alg: HashAlgorithm, key: &[u8], data: &[u8], tag: &[u8]) -> Result<()> {
    if tag.len() < MIN_TRUNCATED_TAG_LEN || tag.len() > alg.output_len() {
        return Err(Error::Misuse("truncated HMAC tag length out of range"));
    }
    if mac(alg, key, data).ct_eq_prefix(tag) {
        Ok(())
    } else {
        Err(Error::DecryptionFailed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let tag = mac(
            HashAlgorithm::Sha256,
            b"Jefe",
            b"what do ya want for nothing?",
        );
        let hex: String = tag.as_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(
            verify(
                HashAlgorithm::Sha256,
                b"Jefe",
                b"what do ya want for nothing?",
                tag.as_bytes()
            )
            .is_ok()
        );
        assert!(
            verify_truncated(
                HashAlgorithm::Sha256,
                b"Jefe",
                b"what do ya want for nothing?",
                &tag.as_bytes()[..8]
            )
            .is_ok()
        );
        assert!(
            verify_truncated(
                HashAlgorithm::Sha256,
                b"Jefe",
                b"what do ya want for nothing?",
                &tag.as_bytes()[..7]
            )
            .is_err()
        );
        let mut bad = tag.as_bytes().to_vec();
        bad[0] ^= 1;
        assert_eq!(
            verify(
                HashAlgorithm::Sha256,
                b"Jefe",
                b"what do ya want for nothing?",
                &bad
            ),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            mac_concat(
                HashAlgorithm::Sha256,
                b"Jefe",
                &[b"what do ya ", b"want for nothing?"]
            )
            .as_bytes(),
            tag.as_bytes()
        );
    }
}
