//! Every bound this crate enforces, in one place, with the reason for each.
//!
//! | limit | value | where it is checked |
//! |-------|-------|---------------------|
//! | [`DEFAULT_MAX_PLAINTEXT`](crate::limits::DEFAULT_MAX_PLAINTEXT) | 10 MiB | [`Config::default`](crate::Config::default); `LIMIT-1` on seal, `LIMIT-2` on open |
//! | [`MAX_AEAD_PLAINTEXT`](crate::limits::MAX_AEAD_PLAINTEXT) | 2^36 − 32 bytes | caps any configured maximum (AES-GCM's own bound) |
//!
//! There is no limit on the number of messages per key: each message has its own AES-256-GCM
//! key, used once, so the per-key invocation bounds of NIST SP 800-38D section 8.3 (2^32
//! messages with random IVs) do not apply (see the crate documentation).

/// The largest plaintext a [`Config::default`] seals or opens: 10 MiB (10 × 1024 × 1024
/// bytes).
///
/// The product this layer replaces capped plaintexts at 10 MB; the cap bounds the memory an
/// envelope can make a receiver allocate (one plaintext-sized buffer) and the time it spends
/// before authentication fails. AES-GCM itself allows 2^36 − 32 bytes (NIST SP 800-38D
/// section 5.2.1.1), so this is a policy bound, not a cryptographic one: raise or lower it per
/// application with [`Config::max_plaintext`].
pub const DEFAULT_MAX_PLAINTEXT: usize = 10 * 1024 * 1024;

/// The largest plaintext AES-GCM can encrypt under one key and nonce: 2^36 − 32 bytes (NIST
/// SP 800-38D section 5.2.1.1, 2^39 − 256 bits). A [`Config::max_plaintext`] above it is
/// treated as this value.
pub const MAX_AEAD_PLAINTEXT: u64 = primitives::limits::MAX_AEAD_PLAINTEXT;

/// Configuration of [`crate::seal_with`] and [`crate::open_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Config {
    /// The largest plaintext, in bytes, that is sealed (`LIMIT-1`) or that an envelope may
    /// carry to be opened (`LIMIT-2`). Default: [`DEFAULT_MAX_PLAINTEXT`]. Values above
    /// [`MAX_AEAD_PLAINTEXT`] act as [`MAX_AEAD_PLAINTEXT`].
    pub max_plaintext: usize,
}

impl Default for Config {
    /// A maximum plaintext of [`DEFAULT_MAX_PLAINTEXT`] (10 MiB).
    fn default() -> Self {
        Self {
            max_plaintext: DEFAULT_MAX_PLAINTEXT,
        }
    }
}

impl Config {
    /// A configuration with the given maximum plaintext length.
    pub const fn with_max_plaintext(max_plaintext: usize) -> Self {
        Self { max_plaintext }
    }

    /// The maximum in force: [`Self::max_plaintext`], capped at [`MAX_AEAD_PLAINTEXT`].
    pub fn effective_max_plaintext(&self) -> usize {
        usize::try_from(MAX_AEAD_PLAINTEXT)
            .map_or(self.max_plaintext, |aead| self.max_plaintext.min(aead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_ten_mebibytes_and_the_aead_bound_caps_any_maximum() {
        assert_eq!(Config::default().max_plaintext, 10_485_760);
        assert_eq!(
            Config::default().effective_max_plaintext(),
            DEFAULT_MAX_PLAINTEXT
        );
        assert_eq!(Config::with_max_plaintext(7).effective_max_plaintext(), 7);
        let huge = Config::with_max_plaintext(usize::MAX).effective_max_plaintext();
        assert!(u64::try_from(huge).is_ok_and(|h| h <= MAX_AEAD_PLAINTEXT));
    }
}
