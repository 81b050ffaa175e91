//! Safety numbers (libsignal `rust/protocol/src/fingerprint.rs`, versions 1 and 2; the Signal
//! X3DH spec's section 4.1 asks parties to compare identity keys out of band).
//!
//! ```text
//! per party:  H_0 = SHA-512(0x0000 || Encode(IK) || stable_id || Encode(IK))
//!             H_i = SHA-512(H_(i-1) || Encode(IK))          for i = 1 .. iterations-1
//! display:    first 30 bytes of H as 6 chunks of 5 bytes, each big-endian mod 100000, 5 digits
//!             displayable = the two 30-digit strings, lexicographically smaller first (60 digits)
//! scannable:  protobuf CombinedFingerprints { 1: version, 2: { 1: local H[0..32] },
//!                                                         3: { 1: remote H[0..32] } }
//! ```
//!
//! libsignal uses 5200 iterations ([`ITERATIONS`](crate::fingerprint::ITERATIONS)). The scannable form is for QR codes; comparing
//! two scannable forms checks that each side's local fingerprint is the other's remote one.

#![warn(clippy::indexing_slicing)]

use primitives::{HashAlgorithm, hash::Hasher};

use crate::{Error, Result, keys::IdentityKey, limits::MAX_FINGERPRINT_ID_LEN};

/// libsignal's iteration count.
pub const ITERATIONS: u32 = 5200;

/// Scannable-fingerprint protobuf versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScannableVersion {
    /// Version 1 (libsignal `fingerprint_test_v1`).
    V1,
    /// Version 2 (libsignal `fingerprint_test_v2`).
    V2,
}

fn party_hash(iterations: u32, key: &IdentityKey, stable_id: &[u8]) -> Result<[u8; 64]> {
    if stable_id.len() > MAX_FINGERPRINT_ID_LEN {
        return Err(Error::Misuse("stable id too long"));
    }
    if iterations == 0 {
        return Err(Error::Misuse("fingerprint iterations must be positive"));
    }
    let enc = key.encode();
    let mut h = Hasher::new(HashAlgorithm::Sha512);
    h.update(&[0, 0]);
    h.update(&enc);
    h.update(stable_id);
    h.update(&enc);
    let mut buf = [0u8; 64];
    copy64(&mut buf, h.finalize().as_bytes());
    for _ in 1..iterations {
        let mut h = Hasher::new(HashAlgorithm::Sha512);
        h.update(&buf);
        h.update(&enc);
        copy64(&mut buf, h.finalize().as_bytes());
    }
    Ok(buf)
}

fn copy64(out: &mut [u8; 64], digest: &[u8]) {
    for (o, d) in out.iter_mut().zip(digest) {
        *o = *d;
    }
}

fn display_half(hash: &[u8; 64]) -> String {
    let mut s = String::with_capacity(30);
    for chunk in hash[..30].chunks_exact(5) {
        let v = chunk.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        s.push_str(&format!("{:05}", v % 100_000));
    }
    s
}

/// The fingerprint of two identities, from one party's point of view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    local: [u8; 64],
    remote: [u8; 64],
}

impl Fingerprint {
    /// Computes both parties' iterated hashes.
    ///
    /// # Errors
    /// [`Error::Misuse`] for zero iterations or a stable id over
    /// [`MAX_FINGERPRINT_ID_LEN`] bytes.
    pub fn new(
        iterations: u32,
        local_id: &[u8],
        local_key: &IdentityKey,
        remote_id: &[u8],
        remote_key: &IdentityKey,
    ) -> Result<Self> {
        Ok(Self {
            local: party_hash(iterations, local_key, local_id)?,
            remote: party_hash(iterations, remote_key, remote_id)?,
        })
    }

    /// The 60-digit safety number (the same for both parties).
    pub fn displayable(&self) -> String {
        let (a, b) = (display_half(&self.local), display_half(&self.remote));
        if a <= b { a + &b } else { b + &a }
    }

    /// The scannable (QR) encoding.
    pub fn scannable(&self, version: ScannableVersion) -> Vec<u8> {
        let v = match version {
            ScannableVersion::V1 => 1,
            ScannableVersion::V2 => 2,
        };
        let mut out = Vec::with_capacity(74);
        out.extend_from_slice(&[0x08, v]);
        for (tag, h) in [(0x12, &self.local), (0x1a, &self.remote)] {
            out.extend_from_slice(&[tag, 0x22, 0x0a, 0x20]);
            out.extend_from_slice(&h[..32]);
        }
        out
    }

    /// Whether the peer's scannable encoding (of the same version) matches ours: its local
    /// fingerprint is our remote one and vice versa. Compared in constant time.
    pub fn matches_scanned(&self, version: ScannableVersion, theirs: &[u8]) -> bool {
        let expected = Self {
            local: self.remote,
            remote: self.local,
        }
        .scannable(version);
        primitives::secret::ct_eq_bytes(&expected, theirs)
    }
}
