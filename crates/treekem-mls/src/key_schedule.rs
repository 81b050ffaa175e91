//! The key schedule (RFC 9420 section 8), one type per stage, and the pre-shared key secret
//! (section 8.4). Proven by `key-schedule.json` (family `mls-key-schedule`) and
//! `psk_secret.json` (family `mls-psk-secret`).
//!
//! ```text
//!  init_secret_[n-1] --Extract(ikm = commit_secret)--> ExpandWithLabel("joiner", GroupContext_[n])
//!    = joiner_secret --Extract(ikm = psk_secret)--> member secret
//!        member secret --DeriveSecret("welcome")--> welcome_secret
//!        member secret --ExpandWithLabel("epoch", GroupContext_[n])--> epoch_secret
//!  epoch_secret --DeriveSecret(label)--> sender data, encryption, exporter, external,
//!    confirm, membership, resumption, authentication, init (the next epoch's init_secret)
//! ```
//!
//! [`InitSecret`] -> [`JoinerSecret`] -> [`EpochSecret`] -> [`EpochSecrets`]; a joiner from a
//! Welcome starts at [`JoinerSecret`]. Each stage consumes the one before, so a secret is
//! used for exactly the derivations the RFC gives it, and each is zeroized on drop.
//!
//! The group context enters as its encoding (`GroupContext` of section 8.1), since the
//! schedule only ever uses it as a KDF context.

use primitives::{HpkePrivateKey, HpkePublicKey, SecretVec};

use crate::{Result, codec::Writer, suite::CipherSuite};

/// `init_secret`: all zero for the first epoch, then derived from the previous epoch.
#[derive(Debug, Clone)]
pub struct InitSecret(SecretVec);

/// `joiner_secret` (shared with new members through the Welcome's `GroupSecrets`).
#[derive(Debug, Clone)]
pub struct JoinerSecret(SecretVec);

/// `epoch_secret`.
#[derive(Debug)]
pub struct EpochSecret(SecretVec);

/// `welcome_secret`, from which the Welcome's AEAD key and nonce come (section 12.4.3.1).
#[derive(Debug)]
pub struct WelcomeSecret(SecretVec);

impl InitSecret {
    /// The all-zero `init_secret` of a group's first epoch (`Nh` bytes).
    pub fn zero(suite: CipherSuite) -> Self {
        Self(SecretVec::zeroed(suite.hash_len()))
    }

    /// An `init_secret` from its bytes (an external commit's, or a test vector's).
    pub fn from_secret(secret: SecretVec) -> Self {
        Self(secret)
    }

    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// `joiner_secret = ExpandWithLabel(Extract(init_secret, commit_secret), "joiner",
    /// GroupContext_[n], Nh)`.
    ///
    /// # Errors
    /// [`crate::Error::Misuse`] if the secrets have the wrong length for the suite.
    pub fn joiner_secret(
        self,
        suite: CipherSuite,
        commit_secret: &[u8],
        group_context: &[u8],
    ) -> Result<JoinerSecret> {
        let prk = suite.extract(self.0.expose_secret(), commit_secret);
        suite
            .expand_with_label(
                prk.expose_secret(),
                b"joiner",
                group_context,
                suite.hash_len(),
            )
            .map(JoinerSecret)
    }
}

impl JoinerSecret {
    /// A `joiner_secret` from its bytes (a Welcome's `GroupSecrets`).
    pub fn from_secret(secret: SecretVec) -> Self {
        Self(secret)
    }

    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    fn member_secret(&self, suite: CipherSuite, psk_secret: &[u8]) -> SecretVec {
        suite.extract(self.0.expose_secret(), psk_secret)
    }

    /// `welcome_secret = DeriveSecret(Extract(joiner_secret, psk_secret), "welcome")`.
    ///
    /// # Errors
    /// As [`CipherSuite::derive_secret`].
    pub fn welcome_secret(&self, suite: CipherSuite, psk_secret: &[u8]) -> Result<WelcomeSecret> {
        let member = self.member_secret(suite, psk_secret);
        suite
            .derive_secret(member.expose_secret(), b"welcome")
            .map(WelcomeSecret)
    }

    /// `epoch_secret = ExpandWithLabel(Extract(joiner_secret, psk_secret), "epoch",
    /// GroupContext_[n], Nh)`.
    ///
    /// # Errors
    /// As [`CipherSuite::expand_with_label`].
    pub fn epoch_secret(
        &self,
        suite: CipherSuite,
        psk_secret: &[u8],
        group_context: &[u8],
    ) -> Result<EpochSecret> {
        let member = self.member_secret(suite, psk_secret);
        suite
            .expand_with_label(
                member.expose_secret(),
                b"epoch",
                group_context,
                suite.hash_len(),
            )
            .map(EpochSecret)
    }
}

impl WelcomeSecret {
    /// The secret bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// `welcome_key = ExpandWithLabel(welcome_secret, "key", "", Nk)` and `welcome_nonce =
    /// ExpandWithLabel(welcome_secret, "nonce", "", Nn)` (section 12.4.3.1).
    ///
    /// # Errors
    /// As [`CipherSuite::expand_with_label`].
    pub fn key_and_nonce(&self, suite: CipherSuite) -> Result<(SecretVec, SecretVec)> {
        let s = self.0.expose_secret();
        Ok((
            suite.expand_with_label(s, b"key", &[], suite.aead_key_len())?,
            suite.expand_with_label(s, b"nonce", &[], suite.aead_nonce_len())?,
        ))
    }
}

/// The secrets of one epoch (section 8, table of derived secrets).
#[derive(Debug)]
pub struct EpochSecrets {
    /// `sender_data_secret`: keys the sender data of PrivateMessages (section 6.3.2).
    pub sender_data_secret: SecretVec,
    /// `encryption_secret`: the root of the secret tree (section 9).
    pub encryption_secret: SecretVec,
    /// `exporter_secret` (section 8.5).
    pub exporter_secret: SecretVec,
    /// `external_secret`: seeds the external key pair (section 8.3).
    pub external_secret: SecretVec,
    /// `confirmation_key`: keys the confirmation tag (section 6.1).
    pub confirmation_key: SecretVec,
    /// `membership_key`: keys PublicMessage membership tags (section 6.2).
    pub membership_key: SecretVec,
    /// `resumption_psk` (section 8.6).
    pub resumption_psk: SecretVec,
    /// `epoch_authenticator` (section 8.7).
    pub epoch_authenticator: SecretVec,
    /// The next epoch's `init_secret`.
    pub init_secret: InitSecret,
}

impl EpochSecret {
    /// An `epoch_secret` from its bytes.
    pub fn from_secret(secret: SecretVec) -> Self {
        Self(secret)
    }

    /// Every secret derived from the epoch secret, which is then dropped (and zeroized).
    ///
    /// # Errors
    /// As [`CipherSuite::derive_secret`].
    pub fn derive(self, suite: CipherSuite) -> Result<EpochSecrets> {
        let s = self.0.expose_secret();
        let d = |label: &[u8]| suite.derive_secret(s, label);
        Ok(EpochSecrets {
            sender_data_secret: d(b"sender data")?,
            encryption_secret: d(b"encryption")?,
            exporter_secret: d(b"exporter")?,
            external_secret: d(b"external")?,
            confirmation_key: d(b"confirm")?,
            membership_key: d(b"membership")?,
            resumption_psk: d(b"resumption")?,
            epoch_authenticator: d(b"authentication")?,
            init_secret: InitSecret(d(b"init")?),
        })
    }
}

impl EpochSecrets {
    /// `MLS-Exporter(label, context, length) = ExpandWithLabel(DeriveSecret(exporter_secret,
    /// label), "exported", Hash(context), length)` (section 8.5).
    ///
    /// # Errors
    /// As [`CipherSuite::expand_with_label`].
    pub fn export(
        &self,
        suite: CipherSuite,
        label: &[u8],
        context: &[u8],
        length: usize,
    ) -> Result<SecretVec> {
        export(suite, &self.exporter_secret, label, context, length)
    }

    /// The external key pair `KEM.DeriveKeyPair(external_secret)` (section 8.3), whose
    /// public key is the `external_pub` extension of a GroupInfo.
    ///
    /// # Errors
    /// As [`CipherSuite::derive_key_pair`].
    pub fn external_key_pair(&self, suite: CipherSuite) -> Result<(HpkePrivateKey, HpkePublicKey)> {
        suite.derive_key_pair(self.external_secret.expose_secret())
    }
}

/// `MLS-Exporter` over a given exporter secret (section 8.5).
///
/// # Errors
/// As [`CipherSuite::expand_with_label`].
pub fn export(
    suite: CipherSuite,
    exporter_secret: &SecretVec,
    label: &[u8],
    context: &[u8],
    length: usize,
) -> Result<SecretVec> {
    let derived = suite.derive_secret(exporter_secret.expose_secret(), label)?;
    suite.expand_with_label(
        derived.expose_secret(),
        b"exported",
        &suite.hash(context),
        length,
    )
}

/// One pre-shared key given to [`psk_secret`]: the encoding of its `PreSharedKeyID` (section
/// 8.4) and the key itself.
#[derive(Debug)]
pub struct PskInput<'a> {
    /// The encoded `PreSharedKeyID`.
    pub id: &'a [u8],
    /// The PSK value.
    pub psk: &'a SecretVec,
}

/// `psk_secret` from the ordered PSKs of a commit (section 8.4): all zero (`Nh` bytes) with
/// none, else
///
/// ```text
/// psk_extracted_[i] = Extract(0, psk_[i])
/// psk_input_[i]     = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, Nh)
/// psk_secret_[i+1]  = Extract(psk_input_[i], psk_secret_[i])
/// ```
///
/// with `PSKLabel { PreSharedKeyID id; uint16 index; uint16 count; }`.
///
/// # Errors
/// [`crate::Error::Misuse`] for more than 65 535 PSKs.
pub fn psk_secret(suite: CipherSuite, psks: &[PskInput<'_>]) -> Result<SecretVec> {
    let count = u16::try_from(psks.len())
        .map_err(|_| crate::Error::Misuse("more than 65535 pre-shared keys"))?;
    let zero = vec![0u8; suite.hash_len()];
    let mut secret = SecretVec::zeroed(suite.hash_len());
    for (index, input) in (0u16..).zip(psks) {
        let extracted = suite.extract(&zero, input.psk.expose_secret());
        let mut label = Writer::with_capacity(input.id.len() + 4);
        label.bytes(input.id);
        label.u16(index);
        label.u16(count);
        let psk_input = suite.expand_with_label(
            extracted.expose_secret(),
            b"derived psk",
            &label.finish()?,
            suite.hash_len(),
        )?;
        secret = suite.extract(psk_input.expose_secret(), secret.expose_secret());
    }
    Ok(secret)
}
