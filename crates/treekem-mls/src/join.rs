//! The cryptography of a Welcome (RFC 9420 section 12.4.3.1): GroupSecrets encrypted to
//! each new member's init key, the GroupInfo encrypted under the welcome key, its signature
//! and its confirmation tag. Proven by `welcome.json` (family `mls-welcome`).
//!
//! ```text
//! encrypted_group_secrets = EncryptWithLabel(init_key, "Welcome", encrypted_group_info, GroupSecrets)
//! welcome_secret          = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome")
//! encrypted_group_info    = AEAD.Seal(welcome_key, welcome_nonce, "", GroupInfo)
//! GroupInfo.signature     = SignWithLabel(., "GroupInfoTBS", GroupInfoTBS)
//! confirmation_tag        = MAC(confirmation_key, confirmed_transcript_hash)
//! ```
//!
//! Building the tree and the member's state from the opened GroupInfo is the group engine's
//! part; this module stops at an authenticated GroupInfo and the epoch's secrets.

use primitives::{HpkePrivateKey, SecretVec, rand::CryptoRng};

use crate::{
    Error, Result,
    codec::Codec,
    commit::HpkeCiphertext,
    key_package::KeyPackage,
    key_schedule::{EpochSecrets, JoinerSecret},
    suite::{CipherSuite, SignaturePrivateKey},
    transcript,
    types::CipherSuiteId,
    welcome::{EncryptedGroupSecrets, GroupInfo, GroupSecrets, Welcome},
};

const WELCOME_LABEL: &[u8] = b"Welcome";
const GROUP_INFO_LABEL: &[u8] = b"GroupInfoTBS";

/// Encrypts each joiner's GroupSecrets to the `init_key` of its KeyPackage, with
/// `encrypted_group_info` as the HPKE context, drawing its randomness from its own
/// generator: `EncryptWithLabel(init_key, "Welcome", encrypted_group_info, GroupSecrets)`.
/// The context (the whole encrypted GroupInfo, with the ratchet tree) is hashed once for all
/// of them, not once per joiner ([`CipherSuite::encrypt_with_label_many`]).
///
/// # Errors
/// [`Error::Crypto`] if an init key is not a valid key of the suite.
pub fn seal_group_secrets<R: CryptoRng>(
    suite: CipherSuite,
    encrypted_group_info: &[u8],
    joiners: Vec<(&KeyPackage, &GroupSecrets, R)>,
) -> Result<Vec<EncryptedGroupSecrets>> {
    let init_keys = joiners
        .iter()
        .map(|(kp, _, _)| suite.hpke_public_key(kp.init_key.as_slice()))
        .collect::<Result<Vec<_>>>()?;
    let plaintexts = joiners
        .iter()
        .map(|(_, secrets, _)| secrets.to_secret_bytes())
        .collect::<Result<Vec<_>>>()?;
    let references = joiners
        .iter()
        .map(|(kp, _, _)| kp.reference(suite))
        .collect::<Result<Vec<_>>>()?;
    let sealed = suite.encrypt_with_label_many(
        WELCOME_LABEL,
        encrypted_group_info,
        init_keys
            .iter()
            .zip(&plaintexts)
            .zip(joiners.into_iter().map(|(_, _, rng)| rng))
            .map(|((key, plaintext), rng)| (key, plaintext.expose_secret(), rng)),
    )?;
    if sealed.len() != references.len() {
        return Err(Error::Internal("one Welcome encryption per joiner"));
    }
    Ok(references
        .into_iter()
        .zip(sealed)
        .map(
            |(new_member, (kem_output, ciphertext))| EncryptedGroupSecrets {
                new_member,
                encrypted_group_secrets: HpkeCiphertext {
                    kem_output,
                    ciphertext,
                },
            },
        )
        .collect())
}

/// Finds the entry of `welcome` for `key_package` and decrypts it with the private half of
/// its init key.
///
/// # Errors
/// [`Error::Invalid`] if the Welcome is of another suite or has no entry for the key
/// package; [`Error::DecryptionFailed`] if the entry does not decrypt; [`Error::Decode`]
/// if the GroupSecrets are malformed.
pub fn open_group_secrets(
    suite: CipherSuite,
    welcome: &Welcome,
    key_package: &KeyPackage,
    init_private: &HpkePrivateKey,
) -> Result<GroupSecrets> {
    if welcome.cipher_suite != CipherSuiteId(suite.id()) {
        return Err(Error::invalid(
            crate::Rule::Wel1,
            "the Welcome is of another cipher suite",
        ));
    }
    let reference = key_package.reference(suite)?;
    let entry = welcome
        .secrets
        .iter()
        .find(|e| e.new_member == reference)
        .ok_or(Error::invalid(
            crate::Rule::Wel9,
            "the Welcome has no entry for this KeyPackage",
        ))?;
    let plaintext = SecretVec::new(suite.decrypt_with_label(
        init_private,
        WELCOME_LABEL,
        &welcome.encrypted_group_info,
        &entry.encrypted_group_secrets.kem_output,
        &entry.encrypted_group_secrets.ciphertext,
    )?);
    GroupSecrets::from_bytes(plaintext.expose_secret())
}

/// Signs `group_info` (its `signer` set) with the signer's key.
///
/// # Errors
/// [`Error::Misuse`] for a key of another scheme.
pub fn sign_group_info(
    suite: CipherSuite,
    group_info: &mut GroupInfo,
    signer: &SignaturePrivateKey,
) -> Result<()> {
    group_info.signature = suite.sign_with_label(signer, GROUP_INFO_LABEL, &group_info.tbs()?)?;
    Ok(())
}

/// Verifies the signature of `group_info` under the signer's public key.
///
/// # Errors
/// [`Error::VerificationFailed`] if it does not verify.
pub fn verify_group_info(
    suite: CipherSuite,
    group_info: &GroupInfo,
    signer_public: &[u8],
) -> Result<()> {
    suite.verify_with_label(
        signer_public,
        GROUP_INFO_LABEL,
        &group_info.tbs()?,
        &group_info.signature,
    )
}

/// Encrypts `group_info` under the welcome key of `joiner_secret` and `psk_secret`.
///
/// # Errors
/// [`Error::Misuse`] if a vector is too long to encode.
pub fn seal_group_info(
    suite: CipherSuite,
    group_info: &GroupInfo,
    joiner_secret: &JoinerSecret,
    psk_secret: &[u8],
) -> Result<Vec<u8>> {
    let (key, nonce) = joiner_secret
        .welcome_secret(suite, psk_secret)?
        .key_and_nonce(suite)?;
    suite.aead_seal(
        key.expose_secret(),
        nonce.expose_secret(),
        &[],
        &group_info.to_bytes()?,
    )
}

/// Decrypts the GroupInfo of `welcome` with the welcome key of `joiner_secret` and
/// `psk_secret` (the secret of the PSKs the GroupSecrets name).
///
/// # Errors
/// [`Error::DecryptionFailed`] if it does not decrypt; [`Error::Decode`] if it is
/// malformed.
pub fn open_group_info(
    suite: CipherSuite,
    welcome: &Welcome,
    joiner_secret: &JoinerSecret,
    psk_secret: &[u8],
) -> Result<GroupInfo> {
    let (key, nonce) = joiner_secret
        .welcome_secret(suite, psk_secret)?
        .key_and_nonce(suite)?;
    let plaintext = suite.aead_open(
        key.expose_secret(),
        nonce.expose_secret(),
        &[],
        &welcome.encrypted_group_info,
    )?;
    GroupInfo::from_bytes(&plaintext)
}

/// The epoch's secrets from `joiner_secret`, checked against the GroupInfo's confirmation
/// tag (over the confirmed transcript hash of its GroupContext).
///
/// # Errors
/// [`Error::DecryptionFailed`] if the confirmation tag does not match.
pub fn confirm_group_info(
    suite: CipherSuite,
    group_info: &GroupInfo,
    joiner_secret: &JoinerSecret,
    psk_secret: &[u8],
) -> Result<EpochSecrets> {
    let context = group_info.group_context.to_bytes()?;
    let secrets = joiner_secret
        .epoch_secret(suite, psk_secret, &context)?
        .derive(suite)?;
    transcript::verify_confirmation_tag(
        suite,
        secrets.confirmation_key.expose_secret(),
        &group_info.group_context.confirmed_transcript_hash,
        &group_info.confirmation_tag.0,
    )?;
    Ok(secrets)
}
