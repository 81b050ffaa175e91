//! Every bound this crate enforces, in one place, with the reason for each.

/// The shortest truncated HMAC tag [`crate::hmac::verify_truncated`] accepts, in bytes.
///
/// RFC 2104 section 5 recommends at least half the hash output and at least 80 bits. Signal's
/// version 3 messages carry an 8-byte HMAC-SHA256 tag, which the Double Ratchet's libsignal
/// profile must reproduce, so the floor is 8 bytes (64 bits: one forgery in 2^64 attempts,
/// each of which an online peer can observe and rate-limit). Shorter tags are refused.
pub const MIN_TRUNCATED_TAG_LEN: usize = 8;

/// The largest HKDF output for a hash with output length `hash_len`: RFC 5869 section 2.3
/// limits L to 255 * HashLen.
pub const fn max_hkdf_output(hash_len: usize) -> usize {
    255 * hash_len
}

/// The largest plaintext the AEADs here accept, in bytes: 2^36 - 32 for AES-GCM
/// (NIST SP 800-38D section 5.2.1.1, 2^39 - 256 bits); ChaCha20-Poly1305 allows more, and the
/// smaller bound is applied to both so that callers see one limit.
pub const MAX_AEAD_PLAINTEXT: u64 = (1 << 36) - 32;
