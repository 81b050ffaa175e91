//! Argon2id (RFC 9106, version 0x13) for keys derived from passphrases.
//!
//! ```text
//! key = Argon2id(password = passphrase, salt, m = memory_kib, t = iterations, p = lanes,
//!                T = 32, no secret, no associated data)
//! ```
//!
//! Costs are [`Argon2idParams`]. The default is RFC 9106 section 4's second recommended
//! option (64 MiB, 3 passes, 4 lanes), for machines where the first (2 GiB) is too much; the
//! floor ([`Argon2idParams::MINIMUM`], 19 MiB, 2 passes, 1 lane) is OWASP's minimum for
//! Argon2id: [`derive_key`](crate::argon2id::derive_key) refuses anything cheaper, so a configuration mistake cannot
//! silently make a passphrase cheap to guess. The salt must be at least 16 bytes (RFC 9106
//! section 3.1 recommends 128 bits) and is not secret; store it with whatever the key
//! protects.

use crate::{Error, Result, SecretBytes};

/// The shortest salt [`derive_key`] accepts, in bytes (RFC 9106 section 3.1: 128 bits).
pub const MIN_SALT_LEN: usize = 16;
/// The longest passphrase or salt [`derive_key`] accepts (1 MiB; Argon2 allows 2^32 - 1
/// bytes, the bound only keeps a mistake from hashing a file).
pub const MAX_INPUT_LEN: usize = 1 << 20;
/// The highest memory cost [`derive_key`] accepts: 4 GiB in KiB (a bound on what one call
/// may allocate).
pub const MAX_MEMORY_KIB: u32 = 4 * 1024 * 1024;
/// The highest number of passes [`derive_key`] accepts.
pub const MAX_ITERATIONS: u32 = 64;
/// The highest number of lanes [`derive_key`] accepts.
pub const MAX_LANES: u32 = 64;

/// Argon2id's cost parameters (RFC 9106 section 3.1: m, t, p).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Argon2idParams {
    /// Memory in KiB (m).
    pub memory_kib: u32,
    /// Passes over the memory (t).
    pub iterations: u32,
    /// Lanes (p); computed one after the other here, so more lanes cost time, not speed.
    pub lanes: u32,
}

impl Argon2idParams {
    /// RFC 9106 section 4, second recommended option: 64 MiB, t = 3, p = 4.
    pub const RFC9106_SECOND: Self = Self {
        memory_kib: 64 * 1024,
        iterations: 3,
        lanes: 4,
    };
    /// The cheapest accepted: OWASP's minimum for Argon2id (19 MiB, t = 2, p = 1).
    pub const MINIMUM: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        lanes: 1,
    };

    /// Checks the floor and the ceilings.
    ///
    /// # Errors
    /// [`Error::Misuse`] for a cost below [`Self::MINIMUM`] or above the `MAX_*` bounds.
    pub const fn validate(&self) -> Result<()> {
        if self.memory_kib < Self::MINIMUM.memory_kib
            || self.iterations < Self::MINIMUM.iterations
            || self.lanes < Self::MINIMUM.lanes
        {
            return Err(Error::Misuse("Argon2id cost below the minimum"));
        }
        if self.memory_kib > MAX_MEMORY_KIB
            || self.iterations > MAX_ITERATIONS
            || self.lanes > MAX_LANES
        {
            return Err(Error::Misuse("Argon2id cost above the maximum"));
        }
        // Argon2 needs at least 8 KiB per lane.
        if self.memory_kib / 8 < self.lanes {
            return Err(Error::Misuse("Argon2id memory below 8 KiB per lane"));
        }
        Ok(())
    }
}

impl Default for Argon2idParams {
    /// [`Self::RFC9106_SECOND`].
    fn default() -> Self {
        Self::RFC9106_SECOND
    }
}

/// Derives a 32-byte key from `passphrase` and `salt`.
///
/// # Errors
/// [`Error::Misuse`] for costs outside the bounds ([`Argon2idParams::validate`]), a salt
/// shorter than [`MIN_SALT_LEN`], or an input longer than [`MAX_INPUT_LEN`];
/// [`Error::Internal`] if the argon2 crate refuses parameters checked here.
pub fn derive_key(
    passphrase: &[u8],
    salt: &[u8],
    params: &Argon2idParams,
) -> Result<SecretBytes<32>> {
    params.validate()?;
    if salt.len() < MIN_SALT_LEN {
        return Err(Error::Misuse("Argon2id salt shorter than 16 bytes"));
    }
    if salt.len() > MAX_INPUT_LEN || passphrase.len() > MAX_INPUT_LEN {
        return Err(Error::Misuse("Argon2id input longer than MAX_INPUT_LEN"));
    }
    let argon_params =
        argon2::Params::new(params.memory_kib, params.iterations, params.lanes, Some(32))
            .map_err(|_| Error::Internal("Argon2id parameters were validated"))?;
    let argon = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon_params,
    );
    let mut key = SecretBytes::from_array([0u8; 32]);
    argon
        .hash_password_into(passphrase, salt, key.expose_secret_mut())
        .map_err(|_| Error::Internal("Argon2id inputs were validated"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn derives_deterministically_and_separates_inputs() {
        let p = Argon2idParams::MINIMUM;
        let salt = [7u8; 16];
        let k = derive_key(b"correct horse", &salt, &p).unwrap();
        assert_eq!(
            k.expose_secret(),
            derive_key(b"correct horse", &salt, &p)
                .unwrap()
                .expose_secret()
        );
        for other in [
            derive_key(b"correct horsf", &salt, &p).unwrap(),
            derive_key(b"correct horse", &[8u8; 16], &p).unwrap(),
            derive_key(
                b"correct horse",
                &salt,
                &Argon2idParams { iterations: 3, ..p },
            )
            .unwrap(),
        ] {
            assert_ne!(k.expose_secret(), other.expose_secret());
        }
    }

    #[test]
    fn refuses_cheap_costs_short_salts_and_huge_inputs() {
        let p = Argon2idParams::MINIMUM;
        for bad in [
            Argon2idParams {
                memory_kib: p.memory_kib - 1,
                ..p
            },
            Argon2idParams { iterations: 1, ..p },
            Argon2idParams { lanes: 0, ..p },
            Argon2idParams {
                lanes: MAX_LANES + 1,
                ..p
            },
            Argon2idParams {
                memory_kib: MAX_MEMORY_KIB + 1,
                ..p
            },
            Argon2idParams {
                iterations: MAX_ITERATIONS + 1,
                ..p
            },
        ] {
            assert!(matches!(
                derive_key(b"pw", &[0u8; 16], &bad),
                Err(Error::Misuse(_))
            ));
        }
        assert!(matches!(
            derive_key(b"pw", &[0u8; 15], &p),
            Err(Error::Misuse(_))
        ));
        let huge = vec![0u8; MAX_INPUT_LEN + 1];
        assert!(matches!(
            derive_key(&huge, &[0u8; 16], &p),
            Err(Error::Misuse(_))
        ));
        assert_eq!(Argon2idParams::default(), Argon2idParams::RFC9106_SECOND);
        assert!(Argon2idParams::RFC9106_SECOND.validate().is_ok());
    }
}
