//! HKDF (RFC 5869): extract and expand over SHA-256/384/512.

use crate::{Error, HashAlgorithm, Result, SecretVec, limits::max_hkdf_output};

/// HKDF-Extract(salt, IKM): the pseudorandom key, `HashLen` bytes. An empty `salt` is the RFC's
/// default (HashLen zero bytes give the same result).
pub fn extract(alg: HashAlgorithm, salt: &[u8], ikm: &[u8]) -> SecretVec {
    macro_rules! run {
        ($h:ty) => {{
            let (prk, _) = hkdf::Hkdf::<$h>::extract(Some(salt), ikm);
            SecretVec::from_slice(&prk)
        }};
    }
    match alg {
        HashAlgorithm::Sha256 => run!(sha2::Sha256),
        HashAlgorithm::Sha384 => run!(sha2::Sha384),
        HashAlgorithm::Sha512 => run!(sha2::Sha512),
    }
}

/// HKDF-Expand(PRK, info, L) into `okm` (L = `okm.len()`), with `info` given in parts that are
/// concatenated.
///
/// # Errors
/// [`Error::Misuse`] if `okm` is longer than 255 * HashLen, or `prk` is shorter than HashLen
/// (RFC 5869 section 2.3).
pub fn expand_into(alg: HashAlgorithm, prk: &[u8], info: &[&[u8]], okm: &mut [u8]) -> Result<()> {
    if okm.len() > max_hkdf_output(alg.output_len()) {
        return Err(Error::Misuse("HKDF output longer than 255 * HashLen"));
    }
    macro_rules! run {
        ($h:ty) => {{
            let hk = hkdf::Hkdf::<$h>::from_prk(prk)
                .map_err(|_| Error::Misuse("HKDF pseudorandom key shorter than HashLen"))?;
            hk.expand_multi_info(info, okm)
                .map_err(|_| Error::Misuse("HKDF output longer than 255 * HashLen"))
        }};
    }
    match alg {
        HashAlgorithm::Sha256 => run!(sha2::Sha256),
        HashAlgorithm::Sha384 => run!(sha2::Sha384),
        HashAlgorithm::Sha512 => run!(sha2::Sha512),
    }
}

/// HKDF-Expand(PRK, info, len) as a new secret.
///
/// # Errors
/// As [`expand_into`].
pub fn expand(alg: HashAlgorithm, prk: &[u8], info: &[u8], len: usize) -> Result<SecretVec> {
    if len > max_hkdf_output(alg.output_len()) {
        return Err(Error::Misuse("HKDF output longer than 255 * HashLen"));
    }
    let mut out = SecretVec::zeroed(len);
    expand_into(alg, prk, &[info], out.expose_secret_mut())?;
    Ok(out)
}

/// HKDF(salt, IKM, info, len): extract then expand.
///
/// # Errors
/// As [`expand`].
pub fn derive(
    alg: HashAlgorithm,
    salt: &[u8],
    ikm: &[u8],
    info: &[u8],
    len: usize,
) -> Result<SecretVec> {
    let prk = extract(alg, salt, ikm);
    expand(alg, prk.expose_secret(), info, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc5869_case_1() {
        let ikm = [0x0bu8; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let prk = extract(HashAlgorithm::Sha256, &salt, &ikm);
        assert_eq!(
            prk.expose_secret(),
            unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5").as_slice()
        );
        let okm = expand(HashAlgorithm::Sha256, prk.expose_secret(), &info, 42).unwrap();
        assert_eq!(
            okm.expose_secret(),
            unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865").as_slice()
        );
        assert!(
            expand(
                HashAlgorithm::Sha256,
                prk.expose_secret(),
                &info,
                255 * 32 + 1
            )
            .is_err()
        );
        assert!(expand(HashAlgorithm::Sha256, &[0u8; 31], &info, 32).is_err());
    }
}
