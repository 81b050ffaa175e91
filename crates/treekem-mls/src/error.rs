//! The crate's one error type.
//!
//! Variants by blame:
//! - malformed input: [`Error::Decode`] (the bytes are not a well-formed encoding of the
//!   structure: bad varint, truncated, trailing bytes, unknown enum value);
//! - a peer's structure breaking a rule of RFC 9420: [`Error::Invalid`], with the [`Rule`]
//!   (one variant per rule id of the modules' rule tables, to match on) and how it broke;
//! - the opaque cryptographic failures [`Error::DecryptionFailed`] (AEAD or HPKE open, a MAC
//!   such as a membership or confirmation tag) and [`Error::VerificationFailed`] (a
//!   signature), which never say which check failed;
//! - caller errors: [`Error::Unsupported`] (a cipher suite this crate does not implement),
//!   [`Error::Misuse`];
//! - [`Error::Crypto`] for other failures of the primitives (a public key that is not a
//!   point, a zero Diffie-Hellman output), and [`Error::Internal`] for states believed
//!   unreachable.
//!
//! Messages carry only public context (names, indices, lengths), never secrets or plaintext.

/// Result alias used throughout the crate.
pub type Result<T> = core::result::Result<T, Error>;

/// Every way an operation of this crate can fail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a well-formed encoding (RFC 9420 section 2.1 and the structure's
    /// definition): truncated, a non-minimal or invalid variable-length integer, a length
    /// past the end, trailing bytes, an unknown enumeration value.
    #[error("malformed {0}")]
    Decode(&'static str),
    /// A well-formed structure breaks a rule of RFC 9420 (or one of this crate's bounds).
    #[error("invalid: {rule}: {reason}")]
    Invalid {
        /// The rule broken.
        rule: Rule,
        /// How, in words.
        reason: &'static str,
    },
    /// Decryption or MAC verification failed. Deliberately says nothing about which check
    /// failed, so it cannot serve as an oracle.
    #[error("decryption failed")]
    DecryptionFailed,
    /// A signature did not verify.
    #[error("signature verification failed")]
    VerificationFailed,
    /// The cipher suite, or an algorithm it names, is not implemented by this crate.
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The caller asked for something the operation cannot do.
    #[error("misuse: {0}")]
    Misuse(&'static str),
    /// A [`crate::storage::Store`] could not read or write (the operation and the I/O error
    /// kind).
    #[error("storage: {op} failed ({kind:?})")]
    Storage {
        /// The operation that failed.
        op: &'static str,
        /// The I/O error kind.
        kind: std::io::ErrorKind,
    },
    /// A primitive failed for a reason other than the above.
    #[error("cryptographic failure: {0}")]
    Crypto(primitives::Error),
    /// A state this crate believes unreachable; please report it.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl Error {
    /// [`Error::Invalid`] for `rule`, with `reason`.
    pub const fn invalid(rule: Rule, reason: &'static str) -> Self {
        Self::Invalid { rule, reason }
    }

    /// The rule an [`Error::Invalid`] names.
    pub const fn rule(&self) -> Option<Rule> {
        match self {
            Self::Invalid { rule, .. } => Some(*rule),
            _ => None,
        }
    }
}

/// The rules a well-formed structure can break ([`Error::Invalid`]), by the ids of the rule
/// tables in the module documentation (`KP-6` is [`Rule::Kp6`], `MSG-EPOCH`
/// [`Rule::MsgEpoch`]). Each variant's documentation is the reason given where it is
/// checked first; [`Rule::id`] gives the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// `BRANCH-1`: the subgroup's version or cipher suite is not the old group's.
    Branch1,
    /// `BRANCH-2`: the Welcome names no branch resumption PSK of the old group.
    Branch2,
    /// `BRANCH-3`: a subgroup member is not a member of the old group.
    Branch3,
    /// `CACHE-1`: too many proposals cached in this epoch (MAX_CACHED_PROPOSALS).
    Cache1,
    /// `COMMIT-1`: the Commit has no path but its proposals require one.
    Commit1,
    /// `COMMIT-2`: a Commit from a non-member sender.
    Commit2,
    /// `EPOCH-1`: the epoch counter is exhausted.
    Epoch1,
    /// `EXT-1`: more than one extension of the same type (section 13.4).
    Ext1,
    /// `KP-1`: KeyPackage version is not the group's.
    Kp1,
    /// `KP-2`: KeyPackage of another cipher suite.
    Kp2,
    /// `KP-3`: a KeyPackage's leaf node source is not key_package.
    Kp3,
    /// `KP-5`: the init key equals the leaf's encryption key.
    Kp5,
    /// `KP-6`: the KeyPackage is outside its lifetime.
    Kp6,
    /// `KP-7`: a KeyPackage extension is not in the leaf's capabilities.
    Kp7,
    /// `KP-8`: the KeyPackage's lifetime is longer than the group accepts.
    Kp8,
    /// `KPB-1`: a private key does not match the KeyPackage.
    Kpb1,
    /// `LN-1`: the leaf does not support the group's version and cipher suite.
    Ln1,
    /// `LN-2`: the leaf does not support the group's required capabilities.
    Ln2,
    /// `LN-3`: the leaf's credential type is not supported by every member, or it does not support one in use.
    Ln3,
    /// `LN-4`: the leaf's credential type is not in its capabilities.
    Ln4,
    /// `LN-5`: the leaf node source does not fit where the leaf appears.
    Ln5,
    /// `LN-6`: the leaf's encryption key is not a valid public key.
    Ln6,
    /// `MSG-EPOCH`: message for another group.
    MsgEpoch,
    /// `MSG-2`: a message from a blank or missing leaf.
    Msg2,
    /// `MSG-3`: application data not from a member in a PrivateMessage.
    Msg3,
    /// `MSG-5`: a message of an epoch not kept (GroupConfig::past_epochs).
    Msg5,
    /// `PH-1`: a parent node is not parent-hash valid through exactly one child.
    Ph1,
    /// `PH-2`: the committer's leaf parent_hash does not match its path.
    Ph2,
    /// `PROP-1`: no member at this leaf.
    Prop1,
    /// `PROP-2`: the Commit contains an Update from the committer.
    Prop2,
    /// `PROP-3`: the Commit removes the committer.
    Prop3,
    /// `PROP-4`: two Update or Remove proposals for the same leaf.
    Prop4,
    /// `PROP-5`: two Add proposals for the same client.
    Prop5,
    /// `PROP-6`: an Add proposal for a client already in the group.
    Prop6,
    /// `PROP-7`: two PreSharedKey proposals with the same PreSharedKeyID.
    Prop7,
    /// `PROP-8`: more than one GroupContextExtensions proposal.
    Prop8,
    /// `PROP-9`: a ReInit proposal together with other proposals.
    Prop9,
    /// `PROP-10`: an ExternalInit proposal outside an external Commit.
    Prop10,
    /// `PROP-11`: a proposal type some member does not support.
    Prop11,
    /// `PROP-12`: a psk_nonce is not KDF.Nh bytes.
    Prop12,
    /// `PROP-13`: a PreSharedKey proposal names a reinit or branch resumption PSK.
    Prop13,
    /// `PROP-14`: a ReInit to a version below the group's.
    Prop14,
    /// `PROP-15`: a member does not support the proposed required capabilities.
    Prop15,
    /// `PROP-16`: an Update proposal from a non-member.
    Prop16,
    /// `PROP-17`: an external sender proposed a type it may not.
    Prop17,
    /// `PROP-18`: a proposal reference names no proposal received in this epoch.
    Prop18,
    /// `PROP-19`: a committed Update of this member that it did not propose.
    Prop19,
    /// `PSK-1`: a pre-shared key named by the Commit or Welcome is not available.
    Psk1,
    /// `PUB-APP`: application data is never sent as a PublicMessage.
    PubApp,
    /// `REINIT-2`: the Welcome names no reinit resumption PSK of the old group's last epoch.
    Reinit2,
    /// `REINIT-3`: the new group's parameters are not the ReInit's.
    Reinit3,
    /// `ST-1`: ratchet generation exhausted.
    St1,
    /// `ST-2`: generation already used or deleted.
    St2,
    /// `ST-3`: generation too far ahead of the ratchet.
    St3,
    /// `ST-4`: leaf index outside the secret tree.
    St4,
    /// `ST-5`: leaf secret already consumed in this epoch.
    St5,
    /// `TK-1`: the leaf private key does not match the leaf in the tree.
    Tk1,
    /// `TREE-1`: the ratchet_tree is empty or ends with a blank node.
    Tree1,
    /// `TREE-2`: a leaf node at an odd position.
    Tree2,
    /// `TREE-3`: the ratchet_tree has too many nodes.
    Tree3,
    /// `TREE-4`: unmerged_leaves is not strictly increasing.
    Tree4,
    /// `TREE-5`: an unmerged leaf is not a non-blank leaf below its node.
    Tree5,
    /// `TREE-6`: a node between an unmerged leaf and its node does not list it.
    Tree6,
    /// `TREE-7`: an encryption key appears in two nodes.
    Tree7,
    /// `TREE-8`: a signature key appears in two leaves.
    Tree8,
    /// `TREE-10`: a leaf's credential type is not in its capabilities.
    Tree10,
    /// `TREE-11`: a leaf carries an extension its capabilities do not list.
    Tree11,
    /// `TREE-12`: an encryption key is not a valid public key.
    Tree12,
    /// `UP-1`: the sender's leaf is outside the tree.
    Up1,
    /// `UP-2`: an UpdatePath's leaf node source is not commit.
    Up2,
    /// `UP-3`: the committer's new leaf reuses its encryption key.
    Up3,
    /// `UP-4`: a public key of the UpdatePath is already in the tree.
    Up4,
    /// `UP-5`: ciphertext count differs from the copath node's resolution.
    Up5,
    /// `UP-6`: a derived public key differs from the UpdatePath's.
    Up6,
    /// `UP-7`: a path secret is not Nh bytes long.
    Up7,
    /// `WEL-1`: the Welcome is of another cipher suite.
    Wel1,
    /// `WEL-2`: no ratchet tree in the GroupInfo and none given out of band.
    Wel2,
    /// `WEL-3`: the ratchet tree's hash is not the GroupContext's tree_hash.
    Wel3,
    /// `WEL-4`: the GroupInfo's signer is a blank or missing leaf.
    Wel4,
    /// `WEL-5`: no leaf of the tree is the KeyPackage's leaf node.
    Wel5,
    /// `WEL-6`: more than one reinit or branch resumption PSK.
    Wel6,
    /// `WEL-7`: a leaf of the tree is not valid for the group.
    Wel7,
    /// `WEL-8`: the group uses an extension this member does not support.
    Wel8,
    /// `WEL-9`: the Welcome has no entry for this KeyPackage.
    Wel9,
    /// `XC-1`: an external Commit with more than one ExternalInit.
    Xc1,
    /// `XC-2`: an external Commit without path.
    Xc2,
    /// `XC-3`: an external Commit covers a proposal by reference.
    Xc3,
    /// `XC-4`: an external Commit with more than one Remove.
    Xc4,
    /// `XC-5`: an external Commit removes a member with another credential.
    Xc5,
    /// `XC-6`: the GroupInfo carries no external_pub.
    Xc6,
}

impl Rule {
    /// The rule's id, as the rule tables write it.
    pub const fn id(self) -> &'static str {
        match self {
            Self::Branch1 => "BRANCH-1",
            Self::Branch2 => "BRANCH-2",
            Self::Branch3 => "BRANCH-3",
            Self::Cache1 => "CACHE-1",
            Self::Commit1 => "COMMIT-1",
            Self::Commit2 => "COMMIT-2",
            Self::Epoch1 => "EPOCH-1",
            Self::Ext1 => "EXT-1",
            Self::Kp1 => "KP-1",
            Self::Kp2 => "KP-2",
            Self::Kp3 => "KP-3",
            Self::Kp5 => "KP-5",
            Self::Kp6 => "KP-6",
            Self::Kp7 => "KP-7",
            Self::Kp8 => "KP-8",
            Self::Kpb1 => "KPB-1",
            Self::Ln1 => "LN-1",
            Self::Ln2 => "LN-2",
            Self::Ln3 => "LN-3",
            Self::Ln4 => "LN-4",
            Self::Ln5 => "LN-5",
            Self::Ln6 => "LN-6",
            Self::MsgEpoch => "MSG-EPOCH",
            Self::Msg2 => "MSG-2",
            Self::Msg3 => "MSG-3",
            Self::Msg5 => "MSG-5",
            Self::Ph1 => "PH-1",
            Self::Ph2 => "PH-2",
            Self::Prop1 => "PROP-1",
            Self::Prop2 => "PROP-2",
            Self::Prop3 => "PROP-3",
            Self::Prop4 => "PROP-4",
            Self::Prop5 => "PROP-5",
            Self::Prop6 => "PROP-6",
            Self::Prop7 => "PROP-7",
            Self::Prop8 => "PROP-8",
            Self::Prop9 => "PROP-9",
            Self::Prop10 => "PROP-10",
            Self::Prop11 => "PROP-11",
            Self::Prop12 => "PROP-12",
            Self::Prop13 => "PROP-13",
            Self::Prop14 => "PROP-14",
            Self::Prop15 => "PROP-15",
            Self::Prop16 => "PROP-16",
            Self::Prop17 => "PROP-17",
            Self::Prop18 => "PROP-18",
            Self::Prop19 => "PROP-19",
            Self::Psk1 => "PSK-1",
            Self::PubApp => "PUB-APP",
            Self::Reinit2 => "REINIT-2",
            Self::Reinit3 => "REINIT-3",
            Self::St1 => "ST-1",
            Self::St2 => "ST-2",
            Self::St3 => "ST-3",
            Self::St4 => "ST-4",
            Self::St5 => "ST-5",
            Self::Tk1 => "TK-1",
            Self::Tree1 => "TREE-1",
            Self::Tree2 => "TREE-2",
            Self::Tree3 => "TREE-3",
            Self::Tree4 => "TREE-4",
            Self::Tree5 => "TREE-5",
            Self::Tree6 => "TREE-6",
            Self::Tree7 => "TREE-7",
            Self::Tree8 => "TREE-8",
            Self::Tree10 => "TREE-10",
            Self::Tree11 => "TREE-11",
            Self::Tree12 => "TREE-12",
            Self::Up1 => "UP-1",
            Self::Up2 => "UP-2",
            Self::Up3 => "UP-3",
            Self::Up4 => "UP-4",
            Self::Up5 => "UP-5",
            Self::Up6 => "UP-6",
            Self::Up7 => "UP-7",
            Self::Wel1 => "WEL-1",
            Self::Wel2 => "WEL-2",
            Self::Wel3 => "WEL-3",
            Self::Wel4 => "WEL-4",
            Self::Wel5 => "WEL-5",
            Self::Wel6 => "WEL-6",
            Self::Wel7 => "WEL-7",
            Self::Wel8 => "WEL-8",
            Self::Wel9 => "WEL-9",
            Self::Xc1 => "XC-1",
            Self::Xc2 => "XC-2",
            Self::Xc3 => "XC-3",
            Self::Xc4 => "XC-4",
            Self::Xc5 => "XC-5",
            Self::Xc6 => "XC-6",
        }
    }
}

impl core::fmt::Display for Rule {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.id())
    }
}

impl From<primitives::Error> for Error {
    fn from(e: primitives::Error) -> Self {
        match e {
            primitives::Error::DecryptionFailed => Self::DecryptionFailed,
            primitives::Error::VerificationFailed
            | primitives::Error::BatchVerificationFailed { .. } => Self::VerificationFailed,
            other => Self::Crypto(other),
        }
    }
}
