//! Double Ratchet section 3.1 (HEADER, CONCAT) and section 4.2 (HENCRYPT, HDECRYPT): the
//! header and the message wire format, version 1 and 2.
//!
//! ```text
//! header     = DH (32, X25519 u-coordinate) || PN (u32, big-endian) || N (u32, big-endian)    40 bytes
//! message v1 = 0x01 || header || body                                  (section 3, clear header)
//! message v2 = 0x02 || nonce (12) || AES-256-GCM(HK, nonce, AAD = 0x02, header) (56) || body
//! body       = AES-256-CBC ciphertext (a positive multiple of 16 bytes) || MAC (profile's length)
//! AD of body = AD from the key agreement || everything before the body
//! ```
//!
//! Every field has a fixed length, so the encoding is unambiguous and needs no length prefix:
//! CONCAT(AD, header) of the specification is `AD || 0x01 || header` (or the encrypted header
//! with its version byte), and the body is whatever follows. Parsing checks, before any
//! cryptography (`DR-WIRE`): a known version byte, the header present, and a body of at least
//! one cipher block plus the shortest MAC (8 bytes); the session then checks the body against
//! its profile's MAC length.
//!
//! # Header encryption nonce (`DR-HE-NONCE`)
//!
//! One header key encrypts every header of a sending chain, so AES-GCM's nonce must never
//! repeat under it with a different header. The nonce is synthetic (as in SIV):
//! `nonce = HMAC-SHA256(HK, "secure-messaging double-ratchet v1 header nonce" || header)[0..12]`,
//! carried in front of the encrypted header. Within a chain every header differs (N grows), so
//! two nonces under one key collide only if HMAC collides on 96 bits: with at most 2^32 headers
//! per key (N is 32 bits) the probability is below 2^-33, the bound NIST SP 800-38D section 8.3
//! sets for random nonces. Unlike a random nonce, it needs no RNG, stays safe if the RNG is
//! weak, and if a restored old state re-sends a header it produces the *same* nonce and the
//! *same* header ciphertext (no keystream reuse on different data). Unlike a counter nonce,
//! it reveals nothing: N stays hidden, which is the point of header encryption. The header key
//! keys both the nonce's HMAC (domain-separated by its label) and AES-GCM; the two primitives
//! are unrelated, and a separate derivation would cost an extra HKDF for every header key a
//! receiver tries.

#![warn(
    clippy::indexing_slicing,
    reason = "parses and derives from untrusted input"
)]

use primitives::{AeadAlgorithm, AeadKey, HashAlgorithm, Nonce, X25519PublicKey, aead, hmac};

use crate::{Error, Result, kdf::HeaderKey};

/// Length of an encoded header.
pub const HEADER_LEN: usize = 40;
/// Version byte of a message with a clear header (section 3).
pub const VERSION_PLAIN: u8 = 0x01;
/// Version byte of a message with an encrypted header (section 4).
pub const VERSION_HE: u8 = 0x02;
/// Length of an encrypted header: nonce, encrypted header, GCM tag.
pub const ENCRYPTED_HEADER_LEN: usize = aead::NONCE_LEN + HEADER_LEN + aead::TAG_LEN;
/// The shortest body: one cipher block and the shortest MAC.
pub const MIN_BODY_LEN: usize = 16 + 8;

const NONCE_LABEL: &[u8] = b"secure-messaging double-ratchet v1 header nonce";

/// A message header: the sender's ratchet public key, the previous chain's length and the
/// message number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `DH`: the sender's current ratchet public key.
    pub dh: X25519PublicKey,
    /// `PN`: the number of messages in the sender's previous sending chain.
    pub pn: u32,
    /// `N`: this message's number in its sending chain.
    pub n: u32,
}

impl Header {
    /// The 40-byte encoding.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let (dh, rest) = out.split_at_mut(32);
        dh.copy_from_slice(self.dh.as_bytes());
        let (pn, n) = rest.split_at_mut(4);
        pn.copy_from_slice(&self.pn.to_be_bytes());
        n.copy_from_slice(&self.n.to_be_bytes());
        out
    }

    /// Decodes exactly 40 bytes.
    ///
    /// # Errors
    /// [`Error::Decode`] (`DR-WIRE`) for any other length.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() != HEADER_LEN {
            return Err(Error::Decode("header length"));
        }
        let (dh, rest) = bytes.split_at(32);
        let (pn, n) = rest.split_at(4);
        let u32_of = |b: &[u8]| -> Result<u32> {
            Ok(u32::from_be_bytes(
                b.try_into().map_err(|_| Error::Decode("header length"))?,
            ))
        };
        Ok(Self {
            dh: X25519PublicKey::try_from_slice(dh).map_err(|_| Error::Decode("header length"))?,
            pn: u32_of(pn)?,
            n: u32_of(n)?,
        })
    }
}

/// A parsed message, borrowing its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRef<'a> {
    bytes: &'a [u8],
    prefix_len: usize,
}

impl<'a> MessageRef<'a> {
    /// Parses a version 1 or 2 message (`DR-WIRE`).
    ///
    /// # Errors
    /// [`Error::Decode`] if the version is unknown or the message too short.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let version = *bytes.first().ok_or(Error::Decode("empty message"))?;
        let prefix_len = match version {
            VERSION_PLAIN => 1 + HEADER_LEN,
            VERSION_HE => 1 + ENCRYPTED_HEADER_LEN,
            _ => return Err(Error::Decode("unknown message version")),
        };
        if bytes.len() < prefix_len + MIN_BODY_LEN {
            return Err(Error::Decode("message too short"));
        }
        Ok(Self { bytes, prefix_len })
    }

    /// The version byte.
    pub fn version(&self) -> u8 {
        self.bytes.first().copied().unwrap_or_default()
    }

    /// Whether the header is encrypted (version 2).
    pub fn is_header_encrypted(&self) -> bool {
        self.version() == VERSION_HE
    }

    /// The version byte and the (clear or encrypted) header: what the body's AD ends with.
    pub fn prefix(&self) -> &'a [u8] {
        self.bytes.get(..self.prefix_len).unwrap_or_default()
    }

    /// The clear header or the encrypted header, without the version byte.
    pub fn header_bytes(&self) -> &'a [u8] {
        self.bytes.get(1..self.prefix_len).unwrap_or_default()
    }

    /// The clear header of a version 1 message.
    ///
    /// # Errors
    /// [`Error::Decode`] for a version 2 message.
    pub fn clear_header(&self) -> Result<Header> {
        if self.is_header_encrypted() {
            return Err(Error::Decode("header is encrypted"));
        }
        Header::decode(self.header_bytes())
    }

    /// The body: ciphertext and MAC.
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(self.prefix_len..).unwrap_or_default()
    }

    /// The whole encoding (exactly the parsed bytes).
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// A copy of the encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.to_vec()
    }
}

fn header_nonce(hk: &HeaderKey, header: &[u8; HEADER_LEN]) -> Nonce {
    let tag = hmac::mac_concat(
        HashAlgorithm::Sha256,
        hk.expose_secret(),
        &[NONCE_LABEL, header],
    );
    let mut n = [0u8; aead::NONCE_LEN];
    for (d, s) in n.iter_mut().zip(tag.as_bytes()) {
        *d = *s;
    }
    Nonce::from_array(n)
}

/// HENCRYPT(hk, header): `nonce || AES-256-GCM(hk, nonce, AAD = 0x02, header)`.
///
/// # Errors
/// [`Error::Internal`] only if AES-GCM refuses a 40-byte plaintext (unreachable).
pub fn hencrypt(hk: &HeaderKey, header: &Header) -> Result<[u8; ENCRYPTED_HEADER_LEN]> {
    let encoded = header.encode();
    let nonce = header_nonce(hk, &encoded);
    let key = AeadKey::new(AeadAlgorithm::Aes256Gcm, hk.expose_secret())
        .map_err(|_| Error::Internal("AES-256 key length"))?;
    let mut out = Vec::with_capacity(ENCRYPTED_HEADER_LEN);
    out.extend_from_slice(nonce.as_bytes());
    key.seal_append(&nonce, &[VERSION_HE], &encoded, &mut out)
        .map_err(|_| Error::Internal("AES-GCM seal of a header"))?;
    out.try_into()
        .map_err(|_| Error::Internal("encrypted header length"))
}

/// HDECRYPT(hk, enc_header): the header if `hk` authenticates it, else `None`.
pub fn hdecrypt(hk: &HeaderKey, enc_header: &[u8]) -> Option<Header> {
    if enc_header.len() != ENCRYPTED_HEADER_LEN {
        return None;
    }
    let (nonce, ct) = enc_header.split_at(aead::NONCE_LEN);
    let nonce = Nonce::try_from_slice(nonce).ok()?;
    let key = AeadKey::new(AeadAlgorithm::Aes256Gcm, hk.expose_secret()).ok()?;
    let pt = key.open(&nonce, &[VERSION_HE], ct).ok()?;
    Header::decode(&pt).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_fixed_layout() {
        let h = Header {
            dh: X25519PublicKey::from_bytes([7; 32]),
            pn: 0x0102_0304,
            n: 5,
        };
        let e = h.encode();
        assert_eq!(&e[32..], &[1, 2, 3, 4, 0, 0, 0, 5]);
        assert_eq!(Header::decode(&e).unwrap(), h);
        assert!(Header::decode(&e[..39]).is_err());
    }

    #[test]
    fn dr_he_nonce_is_synthetic_and_header_encryption_authenticates() {
        let hk = HeaderKey::from_bytes([3; 32]);
        let h = |n| Header {
            dh: X25519PublicKey::from_bytes([7; 32]),
            pn: 0,
            n,
        };
        let a = hencrypt(&hk, &h(0)).unwrap();
        let b = hencrypt(&hk, &h(1)).unwrap();
        assert_ne!(a[..12], b[..12]);
        assert_eq!(a, hencrypt(&hk, &h(0)).unwrap());
        assert_eq!(hdecrypt(&hk, &a), Some(h(0)));
        assert_eq!(hdecrypt(&HeaderKey::from_bytes([4; 32]), &a), None);
        let mut bad = a;
        bad[20] ^= 1;
        assert_eq!(hdecrypt(&hk, &bad), None);
    }

    #[test]
    fn dr_wire_parse_rejects_unknown_versions_and_short_messages() {
        assert!(MessageRef::parse(&[]).is_err());
        assert!(MessageRef::parse(&[3; 100]).is_err());
        assert!(MessageRef::parse(&[1; 41 + 23]).is_err());
        let ok = [1u8; 41 + 24];
        let m = MessageRef::parse(&ok).unwrap();
        assert_eq!(m.prefix().len(), 41);
        assert_eq!(m.body().len(), 24);
        assert_eq!(m.to_bytes(), ok);
    }
}
