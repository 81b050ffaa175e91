//! Message framing on the wire (RFC 9420 section 6 "Message Framing", 6.1 "Content
//! Authentication", 6.2 "Encoding and Decoding a Public Message", 6.3 "... a Private
//! Message", 6.3.1 "Content Encryption", 6.3.2 "Sender Data Encryption") and the transcript
//! hash inputs (section 8.2). Only the structures: signing, MACs and encryption are done by
//! the code that protects and unprotects messages.
//!
//! ```text
//!     Proposal        Commit     Application Data
//!        +--------------+--------------+
//!                       V
//!                FramedContent ---------------------> FramedContentTBS (+ GroupContext)
//!                    |  |                                   | SignWithLabel
//!                    |  +--> FramedContentAuthData <--------+  (signature, confirmation_tag)
//!                    V  V
//!              AuthenticatedContent  (wire_format, content, auth)
//!              +--------+--------+
//!              V                 V
//!        PublicMessage    PrivateMessage
//!        (+ membership_tag (SenderData, PrivateMessageContent encrypted)
//!         = MAC over AuthenticatedContentTBM)
//!              |                 |  Welcome  KeyPackage  GroupInfo
//!              +-----------------+-----+----------+----------+
//!                                V
//!                           MLSMessage (version = mls10, wire_format, body)
//! ```
//!
//! Several fields exist only for some values of another field (the RFC's `select`):
//!
//! | field | present when | decoding | encoding a value that breaks it |
//! |---|---|---|---|
//! | `FramedContentAuthData.confirmation_tag` | content type `commit` | [`FramedContentAuthData::decode_for`] takes the content type | [`Error::Misuse`] from `to_bytes` |
//! | `PublicMessage.membership_tag` | sender `member` | read iff the sender is a member | [`Error::Misuse`] from `to_bytes` |
//! | `FramedContentTBS.context` | sender `member` or `new_member_commit` | never decoded | written iff so |
//!
//! `Codec::encode` writes what the value holds (it cannot fail); the `to_bytes` of every
//! structure containing such a field first checks the shape, so a hand-built inconsistent
//! value is reported rather than encoded into bytes no peer accepts.
//!
//! Strictness enforced while decoding:
//! - **MSG-1** (section 6): an MLSMessage's `version` is `mls10`;
//! - **PAD-1** (section 6.3.1): the padding of a PrivateMessageContent is all zero bytes,
//!   else the message "MUST be rejected as malformed";
//! - unknown wire formats, content types and sender types (see [`crate::types`]).
//!
//! Rules that need context (an application message sent as a PublicMessage, an external
//! sender's allowed proposal types, epoch and group ID checks) belong to the unprotecting
//! code. Names follow Rust casing: `MlsMessage` is the RFC's `MLSMessage`, `FramedContentTbs`
//! its `FramedContentTBS`, `SenderDataAad` its `SenderDataAAD`.
//!
//! Proven by `messages.json` (family `mls-messages`: the three PublicMessages and the
//! PrivateMessage as MLSMessages); MSG-1, PAD-1 and the select fields by the unit tests below
//! and the negative twins of `tests/kat_mls_messages.rs`.

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
    commit::Commit,
    group_context::GroupContext,
    key_package::KeyPackage,
    proposal::Proposal,
    types::{ContentType, LeafIndex, Mac, ProtocolVersion, SenderType, WireFormat},
    welcome::{GroupInfo, Welcome},
};

/// `Sender` (section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sender {
    /// `member` (1): the member at `leaf_index`.
    Member(LeafIndex),
    /// `external` (2): the entry `sender_index` of the `external_senders` extension.
    External(u32),
    /// `new_member_proposal` (3): a would-be member proposing its own Add.
    NewMemberProposal,
    /// `new_member_commit` (4): a new member joining by external Commit.
    NewMemberCommit,
}

impl Sender {
    /// The `SenderType` on the wire.
    pub const fn sender_type(&self) -> SenderType {
        match self {
            Self::Member(_) => SenderType::Member,
            Self::External(_) => SenderType::External,
            Self::NewMemberProposal => SenderType::NewMemberProposal,
            Self::NewMemberCommit => SenderType::NewMemberCommit,
        }
    }

    /// Whether FramedContentTBS includes the GroupContext for this sender (section 6.1).
    pub const fn signs_group_context(&self) -> bool {
        matches!(self, Self::Member(_) | Self::NewMemberCommit)
    }
}

impl Codec for Sender {
    fn encode(&self, w: &mut Writer) {
        self.sender_type().encode(w);
        match self {
            Self::Member(leaf) => leaf.encode(w),
            Self::External(sender_index) => w.u32(*sender_index),
            Self::NewMemberProposal | Self::NewMemberCommit => {}
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(match SenderType::decode(r)? {
            SenderType::Member => Self::Member(LeafIndex::decode(r)?),
            SenderType::External => Self::External(r.u32()?),
            SenderType::NewMemberProposal => Self::NewMemberProposal,
            SenderType::NewMemberCommit => Self::NewMemberCommit,
        })
    }
}

/// The content a FramedContent or PrivateMessageContent carries, selected by `content_type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FramedContentBody {
    /// `application` (1): `application_data<V>`.
    Application(Vec<u8>),
    /// `proposal` (2).
    Proposal(Proposal),
    /// `commit` (3).
    Commit(Commit),
}

impl FramedContentBody {
    /// The `ContentType` on the wire.
    pub const fn content_type(&self) -> ContentType {
        match self {
            Self::Application(_) => ContentType::Application,
            Self::Proposal(_) => ContentType::Proposal,
            Self::Commit(_) => ContentType::Commit,
        }
    }

    /// Writes the selected content, without the content type.
    pub fn encode_body(&self, w: &mut Writer) {
        match self {
            Self::Application(data) => w.opaque(data),
            Self::Proposal(p) => p.encode(w),
            Self::Commit(c) => c.encode(w),
        }
    }

    /// Reads the content selected by `content_type` (already read).
    ///
    /// # Errors
    /// [`Error::Decode`] if the content is malformed.
    pub fn decode_body(r: &mut Reader<'_>, content_type: ContentType) -> Result<Self> {
        Ok(match content_type {
            ContentType::Application => Self::Application(r.opaque_vec()?),
            ContentType::Proposal => Self::Proposal(Proposal::decode(r)?),
            ContentType::Commit => Self::Commit(Commit::decode(r)?),
        })
    }
}

/// `FramedContent` (section 6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FramedContent {
    /// `group_id<V>`.
    pub group_id: Vec<u8>,
    /// `epoch`.
    pub epoch: u64,
    /// `sender`.
    pub sender: Sender,
    /// `authenticated_data<V>`.
    pub authenticated_data: Vec<u8>,
    /// `content_type` and the content it selects.
    pub body: FramedContentBody,
}

impl FramedContent {
    /// The content type.
    pub const fn content_type(&self) -> ContentType {
        self.body.content_type()
    }
}

impl Codec for FramedContent {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id);
        w.u64(self.epoch);
        self.sender.encode(w);
        w.opaque(&self.authenticated_data);
        self.body.content_type().encode(w);
        self.body.encode_body(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let group_id = r.opaque_vec()?;
        let epoch = r.u64()?;
        let sender = Sender::decode(r)?;
        let authenticated_data = r.opaque_vec()?;
        let content_type = ContentType::decode(r)?;
        Ok(Self {
            group_id,
            epoch,
            sender,
            authenticated_data,
            body: FramedContentBody::decode_body(r, content_type)?,
        })
    }
}

/// `FramedContentAuthData` (section 6.1). Its shape depends on the content type, so it has
/// no `Codec` implementation: encode with [`Self::encode`], decode with
/// [`Self::decode_for`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FramedContentAuthData {
    /// `signature<V>`: `SignWithLabel(., "FramedContentTBS", FramedContentTBS)`.
    pub signature: Vec<u8>,
    /// `confirmation_tag`: present exactly for content type `commit`.
    pub confirmation_tag: Option<Mac>,
}

impl FramedContentAuthData {
    /// Writes the signature, then the confirmation tag if present.
    pub fn encode(&self, w: &mut Writer) {
        w.opaque(&self.signature);
        if let Some(tag) = &self.confirmation_tag {
            tag.encode(w);
        }
    }

    /// Reads the structure for a content of type `content_type`.
    ///
    /// # Errors
    /// [`Error::Decode`] if it is malformed.
    pub fn decode_for(r: &mut Reader<'_>, content_type: ContentType) -> Result<Self> {
        let signature = r.opaque_vec()?;
        let confirmation_tag = match content_type {
            ContentType::Commit => Some(Mac::decode(r)?),
            ContentType::Application | ContentType::Proposal => None,
        };
        Ok(Self {
            signature,
            confirmation_tag,
        })
    }

    /// Checks that the confirmation tag is present exactly when `content_type` is commit.
    ///
    /// # Errors
    /// [`Error::Misuse`] if not.
    pub fn check_shape(&self, content_type: ContentType) -> Result<()> {
        let is_commit = matches!(content_type, ContentType::Commit);
        if is_commit == self.confirmation_tag.is_some() {
            Ok(())
        } else {
            Err(Error::Misuse(
                "confirmation_tag must be present exactly for commit content",
            ))
        }
    }
}

/// Encodes `value` after `check`: the `to_bytes` of the structures with select fields.
fn checked_to_bytes<T: Codec>(value: &T, check: Result<()>) -> Result<Vec<u8>> {
    check?;
    let mut w = Writer::new();
    value.encode(&mut w);
    w.finish()
}

/// `AuthenticatedContent` (section 6).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuthenticatedContent {
    /// `wire_format`.
    pub wire_format: WireFormat,
    /// `content`.
    pub content: FramedContent,
    /// `auth`.
    pub auth: FramedContentAuthData,
}

impl AuthenticatedContent {
    /// Checks the select fields (see the module documentation).
    ///
    /// # Errors
    /// [`Error::Misuse`] if `auth` does not fit the content type.
    pub fn check_shape(&self) -> Result<()> {
        self.auth.check_shape(self.content.content_type())
    }
}

impl Codec for AuthenticatedContent {
    fn encode(&self, w: &mut Writer) {
        self.wire_format.encode(w);
        self.content.encode(w);
        self.auth.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let wire_format = WireFormat::decode(r)?;
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(r, content.content_type())?;
        Ok(Self {
            wire_format,
            content,
            auth,
        })
    }
    fn to_bytes(&self) -> Result<Vec<u8>> {
        checked_to_bytes(self, self.check_shape())
    }
}

/// `FramedContentTBS` (section 6.1), the content of a message's signature, borrowing the
/// content it covers. Only ever encoded (signing and verifying); `version` is always
/// `mls10`, and the GroupContext is written exactly for `member` and `new_member_commit`
/// senders (the RFC's `select`), so no inconsistent value can be built.
#[derive(Debug, Clone, Copy)]
pub struct FramedContentTbs<'a> {
    /// `wire_format`.
    pub wire_format: WireFormat,
    /// `content`.
    pub content: &'a FramedContent,
    /// The group context, written only for senders that sign it.
    pub context: &'a GroupContext,
}

impl FramedContentTbs<'_> {
    /// Appends the encoding.
    pub fn encode(&self, w: &mut Writer) {
        ProtocolVersion::MLS10.encode(w);
        self.wire_format.encode(w);
        self.content.encode(w);
        if self.content.sender.signs_group_context() {
            self.context.encode(w);
        }
    }

    /// The encoding.
    ///
    /// # Errors
    /// [`Error::Misuse`] if a vector is too long to encode.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut w = Writer::new();
        self.encode(&mut w);
        w.finish()
    }
}

/// `AuthenticatedContentTBM` (section 6.2), the input of the membership tag's MAC, borrowing
/// what it covers. Only ever encoded.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticatedContentTbm<'a> {
    /// `content_tbs`.
    pub content_tbs: FramedContentTbs<'a>,
    /// `auth`.
    pub auth: &'a FramedContentAuthData,
}

impl AuthenticatedContentTbm<'_> {
    /// The encoding.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `auth` does not fit the content type or a vector is too long.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.auth
            .check_shape(self.content_tbs.content.content_type())?;
        let mut w = Writer::new();
        self.content_tbs.encode(&mut w);
        self.auth.encode(&mut w);
        w.finish()
    }
}

/// `PublicMessage` (section 6.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PublicMessage {
    /// `content`.
    pub content: FramedContent,
    /// `auth`.
    pub auth: FramedContentAuthData,
    /// `membership_tag`: present exactly for a `member` sender.
    pub membership_tag: Option<Mac>,
}

impl PublicMessage {
    /// Checks the select fields (see the module documentation).
    ///
    /// # Errors
    /// [`Error::Misuse`] if a select field does not fit.
    pub fn check_shape(&self) -> Result<()> {
        self.auth.check_shape(self.content.content_type())?;
        if matches!(self.content.sender, Sender::Member(_)) == self.membership_tag.is_some() {
            Ok(())
        } else {
            Err(Error::Misuse(
                "membership_tag must be present exactly for member senders",
            ))
        }
    }
}

impl Codec for PublicMessage {
    fn encode(&self, w: &mut Writer) {
        self.content.encode(w);
        self.auth.encode(w);
        if let Some(tag) = &self.membership_tag {
            tag.encode(w);
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let content = FramedContent::decode(r)?;
        let auth = FramedContentAuthData::decode_for(r, content.content_type())?;
        let membership_tag = match content.sender {
            Sender::Member(_) => Some(Mac::decode(r)?),
            Sender::External(_) | Sender::NewMemberProposal | Sender::NewMemberCommit => None,
        };
        Ok(Self {
            content,
            auth,
            membership_tag,
        })
    }
    fn to_bytes(&self) -> Result<Vec<u8>> {
        checked_to_bytes(self, self.check_shape())
    }
}

/// `PrivateMessage` (section 6.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrivateMessage {
    /// `group_id<V>`.
    pub group_id: Vec<u8>,
    /// `epoch`.
    pub epoch: u64,
    /// `content_type`.
    pub content_type: ContentType,
    /// `authenticated_data<V>`.
    pub authenticated_data: Vec<u8>,
    /// `encrypted_sender_data<V>`: SenderData under the sender-data key.
    pub encrypted_sender_data: Vec<u8>,
    /// `ciphertext<V>`: PrivateMessageContent under the content key.
    pub ciphertext: Vec<u8>,
}

impl PrivateMessage {
    /// The AAD of the content encryption.
    pub fn content_aad(&self) -> PrivateContentAad {
        PrivateContentAad {
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            content_type: self.content_type,
            authenticated_data: self.authenticated_data.clone(),
        }
    }

    /// The AAD of the sender-data encryption.
    pub fn sender_data_aad(&self) -> SenderDataAad {
        SenderDataAad {
            group_id: self.group_id.clone(),
            epoch: self.epoch,
            content_type: self.content_type,
        }
    }
}

impl Codec for PrivateMessage {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id);
        w.u64(self.epoch);
        self.content_type.encode(w);
        w.opaque(&self.authenticated_data);
        w.opaque(&self.encrypted_sender_data);
        w.opaque(&self.ciphertext);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_id: r.opaque_vec()?,
            epoch: r.u64()?,
            content_type: ContentType::decode(r)?,
            authenticated_data: r.opaque_vec()?,
            encrypted_sender_data: r.opaque_vec()?,
            ciphertext: r.opaque_vec()?,
        })
    }
}

/// `PrivateMessageContent` (section 6.3.1), the plaintext of `PrivateMessage.ciphertext`:
/// the content selected by `PrivateMessage.content_type` (without the type byte), the
/// FramedContentAuthData, then `padding_len` zero bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrivateMessageContent {
    /// The content.
    pub body: FramedContentBody,
    /// `auth`.
    pub auth: FramedContentAuthData,
    /// The number of zero bytes of padding.
    pub padding_len: usize,
}

impl PrivateMessageContent {
    /// The plaintext to encrypt.
    ///
    /// # Errors
    /// [`Error::Misuse`] if `auth` does not fit the content type or a vector is too long.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.auth.check_shape(self.body.content_type())?;
        let mut w = Writer::new();
        self.body.encode_body(&mut w);
        self.auth.encode(&mut w);
        w.bytes(&vec![0; self.padding_len]);
        w.finish()
    }

    /// Parses a decrypted plaintext for a PrivateMessage of type `content_type`; the
    /// padding is every byte after `auth`.
    ///
    /// # Errors
    /// [`Error::Decode`] if the content is malformed or (PAD-1) a padding byte is not zero.
    pub fn from_bytes(plaintext: &[u8], content_type: ContentType) -> Result<Self> {
        let mut r = Reader::new(plaintext);
        let body = FramedContentBody::decode_body(&mut r, content_type)?;
        let auth = FramedContentAuthData::decode_for(&mut r, content_type)?;
        let padding = r.remaining();
        // PAD-1 (section 6.3.1): "A receiver MUST verify that there are no non-zero bytes in
        // the padding field ... MUST be rejected as malformed."
        if padding.iter().any(|&b| b != 0) {
            return Err(Error::Decode(
                "PAD-1: PrivateMessageContent padding has a non-zero byte",
            ));
        }
        Ok(Self {
            body,
            auth,
            padding_len: padding.len(),
        })
    }
}

/// `SenderData` (section 6.3.2), the plaintext of `encrypted_sender_data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SenderData {
    /// `leaf_index` of the sending member.
    pub leaf_index: LeafIndex,
    /// `generation` of the sender's ratchet.
    pub generation: u32,
    /// `reuse_guard[4]`, XORed into the first bytes of the content nonce.
    pub reuse_guard: [u8; 4],
}

impl Codec for SenderData {
    fn encode(&self, w: &mut Writer) {
        self.leaf_index.encode(w);
        w.u32(self.generation);
        w.bytes(&self.reuse_guard);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            leaf_index: LeafIndex::decode(r)?,
            generation: r.u32()?,
            reuse_guard: r.array()?,
        })
    }
}

/// `SenderDataAAD` (section 6.3.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SenderDataAad {
    /// `group_id<V>`.
    pub group_id: Vec<u8>,
    /// `epoch`.
    pub epoch: u64,
    /// `content_type`.
    pub content_type: ContentType,
}

impl Codec for SenderDataAad {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id);
        w.u64(self.epoch);
        self.content_type.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_id: r.opaque_vec()?,
            epoch: r.u64()?,
            content_type: ContentType::decode(r)?,
        })
    }
}

/// `PrivateContentAAD` (section 6.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrivateContentAad {
    /// `group_id<V>`.
    pub group_id: Vec<u8>,
    /// `epoch`.
    pub epoch: u64,
    /// `content_type`.
    pub content_type: ContentType,
    /// `authenticated_data<V>`.
    pub authenticated_data: Vec<u8>,
}

impl Codec for PrivateContentAad {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.group_id);
        w.u64(self.epoch);
        self.content_type.encode(w);
        w.opaque(&self.authenticated_data);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            group_id: r.opaque_vec()?,
            epoch: r.u64()?,
            content_type: ContentType::decode(r)?,
            authenticated_data: r.opaque_vec()?,
        })
    }
}

/// `ConfirmedTranscriptHashInput` (section 8.2); `content` is a commit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfirmedTranscriptHashInput {
    /// `wire_format`.
    pub wire_format: WireFormat,
    /// `content` (content type `commit`).
    pub content: FramedContent,
    /// `signature<V>`.
    pub signature: Vec<u8>,
}

impl ConfirmedTranscriptHashInput {
    /// Checks that the content is a commit.
    ///
    /// # Errors
    /// [`Error::Misuse`] if not.
    pub fn check_shape(&self) -> Result<()> {
        match self.content.content_type() {
            ContentType::Commit => Ok(()),
            ContentType::Application | ContentType::Proposal => Err(Error::Misuse(
                "ConfirmedTranscriptHashInput content must be a commit",
            )),
        }
    }
}

impl Codec for ConfirmedTranscriptHashInput {
    fn encode(&self, w: &mut Writer) {
        self.wire_format.encode(w);
        self.content.encode(w);
        w.opaque(&self.signature);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let v = Self {
            wire_format: WireFormat::decode(r)?,
            content: FramedContent::decode(r)?,
            signature: r.opaque_vec()?,
        };
        match v.content.content_type() {
            ContentType::Commit => Ok(v),
            ContentType::Application | ContentType::Proposal => Err(Error::Decode(
                "ConfirmedTranscriptHashInput content is not a commit",
            )),
        }
    }
    fn to_bytes(&self) -> Result<Vec<u8>> {
        checked_to_bytes(self, self.check_shape())
    }
}

/// `InterimTranscriptHashInput` (section 8.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InterimTranscriptHashInput {
    /// `confirmation_tag`.
    pub confirmation_tag: Mac,
}

impl Codec for InterimTranscriptHashInput {
    fn encode(&self, w: &mut Writer) {
        self.confirmation_tag.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            confirmation_tag: Mac::decode(r)?,
        })
    }
}

/// `MLSMessage` (section 6): `version` (always `mls10`, so not stored), `wire_format` (the
/// variant) and the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MlsMessage {
    /// `mls_public_message` (1).
    PublicMessage(PublicMessage),
    /// `mls_private_message` (2).
    PrivateMessage(PrivateMessage),
    /// `mls_welcome` (3).
    Welcome(Welcome),
    /// `mls_group_info` (4).
    GroupInfo(GroupInfo),
    /// `mls_key_package` (5).
    KeyPackage(KeyPackage),
}

impl MlsMessage {
    /// The `WireFormat` on the wire.
    pub const fn wire_format(&self) -> WireFormat {
        match self {
            Self::PublicMessage(_) => WireFormat::PublicMessage,
            Self::PrivateMessage(_) => WireFormat::PrivateMessage,
            Self::Welcome(_) => WireFormat::Welcome,
            Self::GroupInfo(_) => WireFormat::GroupInfo,
            Self::KeyPackage(_) => WireFormat::KeyPackage,
        }
    }

    /// Checks the select fields of a PublicMessage body (see the module documentation).
    ///
    /// # Errors
    /// [`Error::Misuse`] if a select field does not fit.
    pub fn check_shape(&self) -> Result<()> {
        match self {
            Self::PublicMessage(m) => m.check_shape(),
            Self::PrivateMessage(_)
            | Self::Welcome(_)
            | Self::GroupInfo(_)
            | Self::KeyPackage(_) => Ok(()),
        }
    }
}

impl Codec for MlsMessage {
    fn encode(&self, w: &mut Writer) {
        ProtocolVersion::MLS10.encode(w);
        self.wire_format().encode(w);
        match self {
            Self::PublicMessage(m) => m.encode(w),
            Self::PrivateMessage(m) => m.encode(w),
            Self::Welcome(m) => m.encode(w),
            Self::GroupInfo(m) => m.encode(w),
            Self::KeyPackage(m) => m.encode(w),
        }
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        // MSG-1 (section 6): `ProtocolVersion version = mls10`.
        if ProtocolVersion::decode(r)? != ProtocolVersion::MLS10 {
            return Err(Error::Decode("MSG-1: MLSMessage version is not mls10"));
        }
        Ok(match WireFormat::decode(r)? {
            WireFormat::PublicMessage => Self::PublicMessage(PublicMessage::decode(r)?),
            WireFormat::PrivateMessage => Self::PrivateMessage(PrivateMessage::decode(r)?),
            WireFormat::Welcome => Self::Welcome(Welcome::decode(r)?),
            WireFormat::GroupInfo => Self::GroupInfo(GroupInfo::decode(r)?),
            WireFormat::KeyPackage => Self::KeyPackage(KeyPackage::decode(r)?),
        })
    }
    fn to_bytes(&self) -> Result<Vec<u8>> {
        checked_to_bytes(self, self.check_shape())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    fn content(sender: Sender, body: FramedContentBody) -> FramedContent {
        FramedContent {
            group_id: b"group".to_vec(),
            epoch: 3,
            sender,
            authenticated_data: vec![],
            body,
        }
    }

    fn commit_message() -> PublicMessage {
        PublicMessage {
            content: content(
                Sender::Member(LeafIndex(1)),
                FramedContentBody::Commit(Commit::default()),
            ),
            auth: FramedContentAuthData {
                signature: vec![9; 64],
                confirmation_tag: Some(Mac(vec![8; 32])),
            },
            membership_tag: Some(Mac(vec![7; 32])),
        }
    }

    #[test]
    fn public_message_select_fields_follow_content_type_and_sender() {
        let m = MlsMessage::PublicMessage(commit_message());
        let bytes = m.to_bytes().unwrap();
        assert_eq!(MlsMessage::from_bytes(&bytes).unwrap(), m);

        // External sender, proposal: neither tag.
        let p = PublicMessage {
            content: content(
                Sender::External(0),
                FramedContentBody::Proposal(Proposal::Remove(crate::proposal::Remove {
                    removed: LeafIndex(2),
                })),
            ),
            auth: FramedContentAuthData {
                signature: vec![1],
                confirmation_tag: None,
            },
            membership_tag: None,
        };
        let bytes = p.to_bytes().unwrap();
        assert_eq!(PublicMessage::from_bytes(&bytes).unwrap(), p);

        // Inconsistent values are refused by to_bytes.
        let mut bad = commit_message();
        bad.auth.confirmation_tag = None;
        assert!(matches!(bad.to_bytes(), Err(Error::Misuse(_))));
        let mut bad = commit_message();
        bad.membership_tag = None;
        assert!(matches!(
            MlsMessage::PublicMessage(bad).to_bytes(),
            Err(Error::Misuse(_))
        ));
    }

    #[test]
    fn msg_1_unknown_version_and_wire_format_are_rejected() {
        let bytes = MlsMessage::PublicMessage(commit_message())
            .to_bytes()
            .unwrap();
        let mut v2 = bytes.clone();
        *v2.get_mut(1).unwrap() = 2;
        assert_eq!(
            MlsMessage::from_bytes(&v2),
            Err(Error::Decode("MSG-1: MLSMessage version is not mls10"))
        );
        for wf in [0u8, 6, 0xff] {
            let mut bad = bytes.clone();
            *bad.get_mut(3).unwrap() = wf;
            assert!(MlsMessage::from_bytes(&bad).is_err(), "{wf}");
        }
        let mut bad = bytes;
        *bad.get_mut(2).unwrap() = 0xf0;
        assert!(MlsMessage::from_bytes(&bad).is_err());
    }

    #[test]
    fn pad_1_private_message_content_padding_must_be_zero() {
        let c = PrivateMessageContent {
            body: FramedContentBody::Application(b"hello".to_vec()),
            auth: FramedContentAuthData {
                signature: vec![5; 64],
                confirmation_tag: None,
            },
            padding_len: 17,
        };
        let bytes = c.to_bytes().unwrap();
        assert_eq!(
            PrivateMessageContent::from_bytes(&bytes, ContentType::Application).unwrap(),
            c
        );
        let mut bad = bytes.clone();
        *bad.last_mut().unwrap() = 1;
        assert_eq!(
            PrivateMessageContent::from_bytes(&bad, ContentType::Application),
            Err(Error::Decode(
                "PAD-1: PrivateMessageContent padding has a non-zero byte"
            ))
        );
        // Read as a commit, the same bytes lack a confirmation tag where padding was.
        assert!(PrivateMessageContent::from_bytes(&bytes, ContentType::Proposal).is_err());
        let commit = PrivateMessageContent {
            body: FramedContentBody::Commit(Commit::default()),
            auth: FramedContentAuthData {
                signature: vec![],
                confirmation_tag: Some(Mac(vec![1; 32])),
            },
            padding_len: 0,
        };
        let bytes = commit.to_bytes().unwrap();
        assert_eq!(
            PrivateMessageContent::from_bytes(&bytes, ContentType::Commit).unwrap(),
            commit
        );
    }

    #[test]
    fn framed_content_tbs_includes_context_only_for_member_and_new_member_commit() {
        let ctx = GroupContext {
            version: ProtocolVersion::MLS10,
            cipher_suite: crate::types::CipherSuiteId(1),
            group_id: b"group".to_vec(),
            epoch: 3,
            tree_hash: vec![1; 32],
            confirmed_transcript_hash: vec![2; 32],
            extensions: crate::extension::Extensions::empty(),
        };
        let member = commit_message().content;
        let bytes = FramedContentTbs {
            wire_format: WireFormat::PublicMessage,
            content: &member,
            context: &ctx,
        }
        .to_bytes()
        .unwrap();
        let mut expected = vec![0, 1, 0, 1];
        expected.extend(member.to_bytes().unwrap());
        expected.extend(ctx.to_bytes().unwrap());
        assert_eq!(bytes, expected);
        let ext = content(
            Sender::NewMemberProposal,
            FramedContentBody::Application(vec![]),
        );
        let bytes = FramedContentTbs {
            wire_format: WireFormat::PublicMessage,
            content: &ext,
            context: &ctx,
        }
        .to_bytes()
        .unwrap();
        let mut expected = vec![0, 1, 0, 1];
        expected.extend(ext.to_bytes().unwrap());
        assert_eq!(bytes, expected);
    }

    #[test]
    fn sender_data_and_aads_round_trip() {
        let sd = SenderData {
            leaf_index: LeafIndex(5),
            generation: 0x0102_0304,
            reuse_guard: [1, 2, 3, 4],
        };
        let bytes = sd.to_bytes().unwrap();
        assert_eq!(bytes, [0, 0, 0, 5, 1, 2, 3, 4, 1, 2, 3, 4]);
        assert_eq!(SenderData::from_bytes(&bytes).unwrap(), sd);
        let pm = PrivateMessage {
            group_id: b"g".to_vec(),
            epoch: 1,
            content_type: ContentType::Application,
            authenticated_data: b"ad".to_vec(),
            encrypted_sender_data: vec![1; 28],
            ciphertext: vec![2; 40],
        };
        let aad = pm.sender_data_aad().to_bytes().unwrap();
        assert_eq!(aad, [1, b'g', 0, 0, 0, 0, 0, 0, 0, 1, 1]);
        let caad = pm.content_aad().to_bytes().unwrap();
        assert_eq!(caad.get(..aad.len()), Some(aad.as_slice()));
        assert_eq!(
            PrivateContentAad::from_bytes(&caad).unwrap(),
            pm.content_aad()
        );
    }
}
