//! Transcript hashes (RFC 9420 section 8.2) and the confirmation tag (section 6.1). Proven by
//! `transcript-hashes.json` (family `mls-transcript-hashes`).
//!
//! ```text
//! confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] || ConfirmedTranscriptHashInput_[n])
//! interim_transcript_hash_[n]   = Hash(confirmed_transcript_hash_[n] || InterimTranscriptHashInput_[n])
//! confirmation_tag              = MAC(confirmation_key, confirmed_transcript_hash_[n])
//! ```
//!
//! `ConfirmedTranscriptHashInput { WireFormat wire_format; FramedContent content; opaque
//! signature<V>; }` is the commit's `AuthenticatedContent` without its confirmation tag;
//! `InterimTranscriptHashInput { MAC confirmation_tag; }`. A new group (epoch 0, section 11)
//! has an empty confirmed hash; its interim hash comes from the confirmation tag over it.

use crate::{
    Error, Result,
    codec::{Codec, Writer},
    framing::{AuthenticatedContent, ConfirmedTranscriptHashInput},
    suite::CipherSuite,
};

/// The confirmed and interim transcript hashes after a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranscriptHashes {
    /// `confirmed_transcript_hash_[n]`, which enters the new GroupContext.
    pub confirmed: Vec<u8>,
    /// `interim_transcript_hash_[n]`, which the next commit extends.
    pub interim: Vec<u8>,
}

/// Both transcript hashes after the commit `commit` (its confirmation tag included), from
/// the previous interim hash.
///
/// # Errors
/// [`Error::Misuse`] if `commit` is not a commit with a confirmation tag.
pub fn update(
    suite: CipherSuite,
    interim_before: &[u8],
    commit: &AuthenticatedContent,
) -> Result<TranscriptHashes> {
    let tag = commit.auth.confirmation_tag.as_ref().ok_or(Error::Misuse(
        "transcript update needs a commit with its confirmation tag",
    ))?;
    let input = ConfirmedTranscriptHashInput {
        wire_format: commit.wire_format,
        content: commit.content.clone(),
        signature: commit.auth.signature.clone(),
    }
    .to_bytes()?;
    let confirmed = confirmed_transcript_hash(suite, interim_before, &input);
    let interim = interim_transcript_hash(suite, &confirmed, &tag.0)?;
    Ok(TranscriptHashes { confirmed, interim })
}

/// `confirmed_transcript_hash_[n]` from the previous interim hash and the encoded
/// `ConfirmedTranscriptHashInput` of the commit.
pub fn confirmed_transcript_hash(
    suite: CipherSuite,
    interim_before: &[u8],
    confirmed_input: &[u8],
) -> Vec<u8> {
    let mut data = Vec::with_capacity(interim_before.len() + confirmed_input.len());
    data.extend_from_slice(interim_before);
    data.extend_from_slice(confirmed_input);
    suite.hash(&data)
}

/// `interim_transcript_hash_[n]` from the confirmed hash and the commit's confirmation tag.
///
/// # Errors
/// [`crate::Error::Misuse`] if the tag is 2^30 bytes or longer.
pub fn interim_transcript_hash(
    suite: CipherSuite,
    confirmed: &[u8],
    confirmation_tag: &[u8],
) -> Result<Vec<u8>> {
    let mut w = Writer::with_capacity(confirmed.len() + confirmation_tag.len() + 4);
    w.bytes(confirmed);
    w.opaque(confirmation_tag);
    Ok(suite.hash(&w.finish()?))
}

/// `confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash)`.
pub fn confirmation_tag(suite: CipherSuite, confirmation_key: &[u8], confirmed: &[u8]) -> Vec<u8> {
    suite.mac(confirmation_key, confirmed)
}

/// Checks a confirmation tag in constant time.
///
/// # Errors
/// [`crate::Error::DecryptionFailed`] if it does not match.
pub fn verify_confirmation_tag(
    suite: CipherSuite,
    confirmation_key: &[u8],
    confirmed: &[u8],
    tag: &[u8],
) -> Result<()> {
    suite.verify_mac(confirmation_key, confirmed, tag)
}
