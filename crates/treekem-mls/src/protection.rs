//! Protecting and unprotecting messages (RFC 9420 sections 6.1-6.3): content signatures,
//! PublicMessage membership tags, PrivateMessage content and sender-data encryption with
//! padding and the reuse guard. Proven by `message-protection.json` (family
//! `mls-message-protection`).
//!
//! - **Signature** (6.1): `SignWithLabel(., "FramedContentTBS", FramedContentTBS)`, the TBS
//!   carrying the GroupContext for `member` and `new_member_commit` senders.
//! - **PublicMessage** (6.2): `membership_tag = MAC(membership_key,
//!   AuthenticatedContentTBM)` for member senders. Application data is never sent as a
//!   PublicMessage (rule PUB-APP): protecting and unprotecting such a message fail.
//! - **PrivateMessage** (6.3): the content and auth, followed by zero padding, sealed under
//!   the sender's ratchet key of the generation in the sender data, its nonce XORed with the
//!   4-byte `reuse_guard`; the sender data sealed under keys derived from the ciphertext
//!   sample (6.3.2). Only members send PrivateMessages.
//!
//! Unprotecting checks the group ID and epoch against the GroupContext (rule MSG-EPOCH),
//! then every MAC, AEAD and signature before returning content. A PrivateMessage's ratchet
//! key is consumed only once the content decrypts *and* its signature verifies
//! ([`SecretTree::with_receive_key`]), so a forged or corrupted message deletes nothing.

use primitives::rand::CryptoRng;

use crate::{
    Error, Result,
    codec::Codec,
    framing::{
        AuthenticatedContent, AuthenticatedContentTbm, FramedContent, FramedContentAuthData,
        FramedContentTbs, PrivateMessage, PrivateMessageContent, PublicMessage, Sender, SenderData,
    },
    group_context::GroupContext,
    secret_tree::{
        KeyAndNonce, RatchetKind, SecretTree, StagedReceiveKey, sender_data_key_and_nonce,
    },
    suite::{CipherSuite, SignaturePrivateKey, SignaturePublicKey},
    types::{ContentType, LeafIndex, Mac, WireFormat},
};

/// The label of content signatures.
const TBS_LABEL: &[u8] = b"FramedContentTBS";

/// The encoded `FramedContentTBS` (section 6.1).
fn content_tbs(
    wire_format: WireFormat,
    content: &FramedContent,
    context: &GroupContext,
) -> Result<Vec<u8>> {
    FramedContentTbs {
        wire_format,
        content,
        context,
    }
    .to_bytes()
}

/// Checks that a message belongs to the group and epoch of `context` (rule MSG-EPOCH).
fn check_group_and_epoch(group_id: &[u8], epoch: u64, context: &GroupContext) -> Result<()> {
    if group_id != context.group_id.as_slice() {
        return Err(Error::invalid(
            crate::Rule::MsgEpoch,
            "message for another group",
        ));
    }
    if epoch != context.epoch {
        return Err(Error::invalid(
            crate::Rule::MsgEpoch,
            "message for another epoch",
        ));
    }
    Ok(())
}

/// Signs `content` for sending as `wire_format`: the AuthenticatedContent with its
/// signature and no confirmation tag (a commit's tag is set once the new epoch's
/// confirmation key is known).
///
/// # Errors
/// [`Error::Misuse`] for a key of another scheme or an oversized vector.
pub fn sign_content(
    suite: CipherSuite,
    wire_format: WireFormat,
    content: FramedContent,
    context: &GroupContext,
    signer: &SignaturePrivateKey,
) -> Result<AuthenticatedContent> {
    let tbs = content_tbs(wire_format, &content, context)?;
    let signature = suite.sign_with_label(signer, TBS_LABEL, &tbs)?;
    Ok(AuthenticatedContent {
        wire_format,
        content,
        auth: FramedContentAuthData {
            signature,
            confirmation_tag: None,
        },
    })
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for [u8] {}
    impl Sealed for Vec<u8> {}
    impl Sealed for crate::suite::SignaturePublicKey {}
    impl<T: Sealed + ?Sized> Sealed for &T {}
}

/// A sender's signature key as the verifying functions take it: its encoding (`&[u8]`,
/// `Vec<u8>`), decoded at each verification, or a [`SignaturePublicKey`] decoded once.
/// Sealed.
pub trait SenderSignatureKey: sealed::Sealed {
    /// `VerifyWithLabel(self, label, content, signature)`.
    ///
    /// # Errors
    /// [`Error::VerificationFailed`] if it does not verify.
    fn verify_with_label(
        &self,
        suite: CipherSuite,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()>;
}

impl SenderSignatureKey for [u8] {
    fn verify_with_label(
        &self,
        suite: CipherSuite,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        suite.verify_with_label(self, label, content, signature)
    }
}

impl SenderSignatureKey for Vec<u8> {
    fn verify_with_label(
        &self,
        suite: CipherSuite,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        suite.verify_with_label(self, label, content, signature)
    }
}

impl SenderSignatureKey for SignaturePublicKey {
    fn verify_with_label(
        &self,
        suite: CipherSuite,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        suite.verify_with_label_key(self, label, content, signature)
    }
}

impl<T: SenderSignatureKey + ?Sized> SenderSignatureKey for &T {
    fn verify_with_label(
        &self,
        suite: CipherSuite,
        label: &[u8],
        content: &[u8],
        signature: &[u8],
    ) -> Result<()> {
        (**self).verify_with_label(suite, label, content, signature)
    }
}

/// Verifies the signature of `content` under `signature_key`.
///
/// # Errors
/// [`Error::VerificationFailed`] if it does not verify.
pub fn verify_content(
    suite: CipherSuite,
    content: &AuthenticatedContent,
    context: &GroupContext,
    signature_key: &(impl SenderSignatureKey + ?Sized),
) -> Result<()> {
    let tbs = content_tbs(content.wire_format, &content.content, context)?;
    signature_key.verify_with_label(suite, TBS_LABEL, &tbs, &content.auth.signature)
}

/// The encoded `AuthenticatedContentTBM` (section 6.2).
fn content_tbm(
    content: &FramedContent,
    auth: &FramedContentAuthData,
    context: &GroupContext,
) -> Result<Vec<u8>> {
    AuthenticatedContentTbm {
        content_tbs: FramedContentTbs {
            wire_format: WireFormat::PublicMessage,
            content,
            context,
        },
        auth,
    }
    .to_bytes()
}

/// Frames signed content as a PublicMessage, adding the membership tag for a member sender.
///
/// # Errors
/// [`Error::Invalid`] (PUB-APP) for application content; [`Error::Misuse`] if the content
/// was signed for another wire format or its confirmation tag does not fit its type.
pub fn protect_public(
    suite: CipherSuite,
    content: AuthenticatedContent,
    context: &GroupContext,
    membership_key: &[u8],
) -> Result<PublicMessage> {
    if content.content.content_type() == ContentType::Application {
        return Err(Error::invalid(
            crate::Rule::PubApp,
            "application data is never sent as a PublicMessage",
        ));
    }
    if content.wire_format != WireFormat::PublicMessage {
        return Err(Error::Misuse("content signed for another wire format"));
    }
    content.check_shape()?;
    let membership_tag = match content.content.sender {
        Sender::Member(_) => {
            let tbm = content_tbm(&content.content, &content.auth, context)?;
            Some(Mac(suite.mac(membership_key, &tbm)))
        }
        Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
    };
    Ok(PublicMessage {
        content: content.content,
        auth: content.auth,
        membership_tag,
    })
}

/// Checks a PublicMessage of this group and epoch: the membership tag (member senders),
/// then the signature under the key `signature_key` returns for its sender.
///
/// # Errors
/// [`Error::Invalid`] (MSG-EPOCH, PUB-APP); [`Error::DecryptionFailed`] for a wrong
/// membership tag; [`Error::VerificationFailed`] for a wrong signature; any error of
/// `signature_key`.
pub fn unprotect_public<K: SenderSignatureKey>(
    suite: CipherSuite,
    message: &PublicMessage,
    context: &GroupContext,
    membership_key: &[u8],
    signature_key: impl FnOnce(&Sender) -> Result<K>,
) -> Result<AuthenticatedContent> {
    let content = &message.content;
    check_group_and_epoch(&content.group_id, content.epoch, context)?;
    if content.content_type() == ContentType::Application {
        return Err(Error::invalid(
            crate::Rule::PubApp,
            "application data is never sent as a PublicMessage",
        ));
    }
    message
        .check_shape()
        .map_err(|_| Error::Decode("PublicMessage"))?;
    if let Sender::Member(_) = content.sender {
        let tag = message
            .membership_tag
            .as_ref()
            .ok_or(Error::Decode("PublicMessage without membership tag"))?;
        let tbm = content_tbm(content, &message.auth, context)?;
        suite.verify_mac(membership_key, &tbm, &tag.0)?;
    }
    let key = signature_key(&content.sender)?;
    let authenticated = AuthenticatedContent {
        wire_format: WireFormat::PublicMessage,
        content: message.content.clone(),
        auth: message.auth.clone(),
    };
    verify_content(suite, &authenticated, context, &key)?;
    Ok(authenticated)
}

/// The ratchet a content type uses.
const fn ratchet_kind(content_type: ContentType) -> RatchetKind {
    match content_type {
        ContentType::Application => RatchetKind::Application,
        ContentType::Proposal | ContentType::Commit => RatchetKind::Handshake,
    }
}

/// The content nonce: the ratchet nonce with its first four bytes XORed with the guard.
fn guarded_nonce(keys: &KeyAndNonce, reuse_guard: [u8; 4]) -> Vec<u8> {
    let mut nonce = keys.nonce.expose_secret().to_vec();
    for (n, g) in nonce.iter_mut().zip(reuse_guard) {
        *n ^= g;
    }
    nonce
}

/// Encrypts signed content as a PrivateMessage from its member sender, with `padding_len`
/// zero bytes of padding, advancing the sender's ratchet in `tree`.
///
/// # Errors
/// [`Error::Misuse`] if the sender is not a member, the content was signed for another wire
/// format or its confirmation tag does not fit; [`Error::Invalid`] for a leaf outside the
/// tree.
pub fn protect_private(
    suite: CipherSuite,
    content: &AuthenticatedContent,
    sender_data_secret: &[u8],
    tree: &mut SecretTree,
    padding_len: usize,
    rng: &mut impl CryptoRng,
) -> Result<PrivateMessage> {
    let Sender::Member(leaf) = content.content.sender else {
        return Err(Error::Misuse("only members send PrivateMessages"));
    };
    if content.wire_format != WireFormat::PrivateMessage {
        return Err(Error::Misuse("content signed for another wire format"));
    }
    let framed = &content.content;
    let content_type = framed.content_type();
    let plaintext = PrivateMessageContent {
        body: framed.body.clone(),
        auth: content.auth.clone(),
        padding_len,
    }
    .to_bytes()?;
    let mut message = PrivateMessage {
        group_id: framed.group_id.clone(),
        epoch: framed.epoch,
        content_type,
        authenticated_data: framed.authenticated_data.clone(),
        encrypted_sender_data: Vec::new(),
        ciphertext: Vec::new(),
    };
    let (generation, keys) = tree.next_send_key(leaf.0, ratchet_kind(content_type))?;
    let mut reuse_guard = [0u8; 4];
    rng.fill_bytes(&mut reuse_guard);
    message.ciphertext = suite.aead_seal(
        keys.key.expose_secret(),
        &guarded_nonce(&keys, reuse_guard),
        &message.content_aad().to_bytes()?,
        &plaintext,
    )?;
    let sender_data = SenderData {
        leaf_index: leaf,
        generation,
        reuse_guard,
    };
    let sd_keys = sender_data_key_and_nonce(suite, sender_data_secret, &message.ciphertext)?;
    message.encrypted_sender_data = suite.aead_seal(
        sd_keys.key.expose_secret(),
        sd_keys.nonce.expose_secret(),
        &message.sender_data_aad().to_bytes()?,
        &sender_data.to_bytes()?,
    )?;
    Ok(message)
}

/// Decrypts and verifies a PrivateMessage of this group and epoch: the sender data, then
/// the content under the sender's ratchet key, then the signature under the key
/// `signature_key` returns for the sender's leaf. The ratchet key is consumed only if all
/// of that succeeds.
///
/// # Errors
/// [`Error::Invalid`] (MSG-EPOCH, a generation used, deleted or too far ahead, a leaf
/// outside the tree); [`Error::DecryptionFailed`] if the sender data or content does not
/// open; [`Error::Decode`] if either is malformed (including non-zero padding);
/// [`Error::VerificationFailed`] for a wrong signature; any error of `signature_key`.
pub fn unprotect_private<K: SenderSignatureKey>(
    suite: CipherSuite,
    message: &PrivateMessage,
    context: &GroupContext,
    sender_data_secret: &[u8],
    tree: &mut SecretTree,
    signature_key: impl FnOnce(LeafIndex) -> Result<K>,
) -> Result<AuthenticatedContent> {
    let (content, staged) = unprotect_private_staged(
        suite,
        message,
        context,
        sender_data_secret,
        tree,
        signature_key,
    )?;
    tree.apply_staged(staged)?;
    Ok(content)
}

/// As [`unprotect_private`], but the ratchet key's consumption is returned staged, to be
/// applied with [`SecretTree::apply_staged`] once the caller accepts the content (a
/// Commit that decrypts and verifies can still be rejected; then nothing is consumed).
///
/// # Errors
/// As [`unprotect_private`].
pub fn unprotect_private_staged<K: SenderSignatureKey>(
    suite: CipherSuite,
    message: &PrivateMessage,
    context: &GroupContext,
    sender_data_secret: &[u8],
    tree: &mut SecretTree,
    signature_key: impl FnOnce(LeafIndex) -> Result<K>,
) -> Result<(AuthenticatedContent, StagedReceiveKey)> {
    check_group_and_epoch(&message.group_id, message.epoch, context)?;
    let sd_keys = sender_data_key_and_nonce(suite, sender_data_secret, &message.ciphertext)?;
    let sender_data = SenderData::from_bytes(&suite.aead_open(
        sd_keys.key.expose_secret(),
        sd_keys.nonce.expose_secret(),
        &message.sender_data_aad().to_bytes()?,
        &message.encrypted_sender_data,
    )?)?;
    let leaf = sender_data.leaf_index;
    let key = signature_key(leaf)?;
    let aad = message.content_aad().to_bytes()?;
    tree.stage_receive_key(
        leaf.0,
        ratchet_kind(message.content_type),
        sender_data.generation,
        |keys| {
            let plaintext = suite.aead_open(
                keys.key.expose_secret(),
                &guarded_nonce(keys, sender_data.reuse_guard),
                &aad,
                &message.ciphertext,
            )?;
            let inner = PrivateMessageContent::from_bytes(&plaintext, message.content_type)?;
            let authenticated = AuthenticatedContent {
                wire_format: WireFormat::PrivateMessage,
                content: FramedContent {
                    group_id: message.group_id.clone(),
                    epoch: message.epoch,
                    sender: Sender::Member(leaf),
                    authenticated_data: message.authenticated_data.clone(),
                    body: inner.body,
                },
                auth: inner.auth,
            };
            verify_content(suite, &authenticated, context, &key)?;
            Ok(authenticated)
        },
    )
}
