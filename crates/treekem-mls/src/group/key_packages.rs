//! Creating and validating KeyPackages (RFC 9420 section 10, 10.1 "KeyPackage
//! Validation").
//!
//! | id | rule | section |
//! |---|---|---|
//! | KP-1 | the KeyPackage's `version` is `mls10` (that of the group) | 10.1 |
//! | KP-2 | its `cipher_suite` is the group's | 10.1 |
//! | KP-3 | its leaf node is valid for a KeyPackage (source `key_package`, LN rules) | 10, 10.1 |
//! | KP-4 | its signature verifies under the leaf's `signature_key` (`KeyPackageTBS`) | 10.1 |
//! | KP-5 | `init_key` differs from the leaf's `encryption_key` and is a valid public key | 10, 10.1 |
//! | KP-6 | the current time, when the caller gives it, is within the leaf's lifetime; a member checks it for every KeyPackage it commits or proposes (the system clock, or [`super::CommitOptions::now`]) | 7.3 |
//! | KP-7 | the non-default extensions of `KeyPackage.extensions` are in the leaf's capabilities | 10 |
//! | KP-8 | the leaf's lifetime (`not_after - not_before`) is at most [`super::GroupConfig::max_lifetime`], for every KeyPackage a member commits, proposes or receives | 7.2 |
//! | KPB-1 | the private keys of a bundle match the KeyPackage's public keys | 10 |

use primitives::{HpkePrivateKey, SecretVec, rand::CryptoRng};

use crate::{
    Error, Result,
    credential::Credential,
    extension::Extensions,
    key_package::KeyPackage,
    leaf_node::{Capabilities, LeafNode, LeafNodeSourceData, Lifetime},
    suite::{CipherSuite, SignaturePrivateKey},
    types::{CipherSuiteId, CredentialType, KeyPackageRef, ProtocolVersion},
};

use super::validation::{LeafRole, check_leaf_self, check_leaf_unsigned};

/// What a new KeyPackage advertises besides its keys.
#[derive(Debug, Clone)]
pub struct KeyPackageOptions {
    /// The leaf's credential.
    pub credential: Credential,
    /// The leaf's capabilities; `None` for [`default_capabilities`] of the suite and the
    /// credential's type.
    pub capabilities: Option<Capabilities>,
    /// The validity period (seconds since the Unix epoch).
    pub lifetime: Lifetime,
    /// The leaf node's extensions.
    pub leaf_extensions: Extensions,
    /// The KeyPackage's own extensions.
    pub extensions: Extensions,
}

impl KeyPackageOptions {
    /// A basic credential for `identity`, default capabilities, a lifetime that never
    /// expires and no extensions.
    pub fn basic(identity: &[u8]) -> Self {
        Self {
            credential: Credential::Basic {
                identity: identity.to_vec(),
            },
            capabilities: None,
            lifetime: Lifetime {
                not_before: 0,
                not_after: u64::MAX,
            },
            leaf_extensions: Extensions::empty(),
            extensions: Extensions::empty(),
        }
    }
}

/// The capabilities a leaf of `suite` advertises by default: `mls10`, the suite, no
/// non-default extension or proposal type, and `credential_type`.
pub fn default_capabilities(suite: CipherSuite, credential_type: CredentialType) -> Capabilities {
    Capabilities {
        versions: vec![ProtocolVersion::MLS10],
        cipher_suites: vec![CipherSuiteId(suite.id())],
        extensions: Vec::new(),
        proposals: Vec::new(),
        credentials: vec![credential_type],
    }
}

/// A KeyPackage with the private keys that go with it: the init key (for the Welcome),
/// the leaf's encryption key and the signature key. Consumed by joining.
pub struct KeyPackageBundle {
    pub(crate) suite: CipherSuite,
    pub(crate) key_package: KeyPackage,
    pub(crate) init_private: HpkePrivateKey,
    pub(crate) leaf_private: HpkePrivateKey,
    pub(crate) signer: SignaturePrivateKey,
}

impl core::fmt::Debug for KeyPackageBundle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("KeyPackageBundle")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl KeyPackageBundle {
    /// A fresh KeyPackage (section 10): new init and encryption key pairs, the leaf signed
    /// (`LeafNodeTBS`, source `key_package`) and the package signed (`KeyPackageTBS`) with
    /// `signer`.
    ///
    /// # Errors
    /// As [`validate_key_package`] on the result (for instance KP-7 if `options` lists an
    /// extension its capabilities do not), and [`Error::Misuse`] if `signer` is not of the
    /// suite's scheme.
    pub fn generate(
        suite: CipherSuite,
        signer: SignaturePrivateKey,
        options: KeyPackageOptions,
        rng: &mut impl CryptoRng,
    ) -> Result<Self> {
        let (init_private, init_public) =
            suite.derive_key_pair(SecretVec::random(suite.hash_len(), rng).expose_secret())?;
        let (leaf_private, leaf_public) =
            suite.derive_key_pair(SecretVec::random(suite.hash_len(), rng).expose_secret())?;
        let capabilities = options
            .capabilities
            .unwrap_or_else(|| default_capabilities(suite, options.credential.credential_type()));
        let mut leaf = LeafNode {
            encryption_key: leaf_public.as_bytes().into(),
            signature_key: signer.public_key().into(),
            credential: options.credential,
            capabilities,
            leaf_node_source: LeafNodeSourceData::KeyPackage {
                lifetime: options.lifetime,
            },
            extensions: options.leaf_extensions,
            signature: Vec::new(),
        };
        leaf.signature = suite.sign_with_label(&signer, b"LeafNodeTBS", &leaf.tbs(None)?)?;
        let mut key_package = KeyPackage {
            version: ProtocolVersion::MLS10,
            cipher_suite: CipherSuiteId(suite.id()),
            init_key: init_public.as_bytes().into(),
            leaf_node: leaf,
            extensions: options.extensions,
            signature: Vec::new(),
        };
        key_package.signature =
            suite.sign_with_label(&signer, b"KeyPackageTBS", &key_package.tbs()?)?;
        validate_key_package(suite, &key_package, None)?;
        Ok(Self {
            suite,
            key_package,
            init_private,
            leaf_private,
            signer,
        })
    }

    /// A bundle from its parts (a stored KeyPackage, a test vector), checking that each
    /// private key is the one of the matching public key (KPB-1).
    ///
    /// # Errors
    /// [`Error::Invalid`] (KPB-1) for a key that does not match; [`Error::Crypto`] for a
    /// private key that is not one of the suite's KEM.
    pub fn from_parts(
        suite: CipherSuite,
        key_package: KeyPackage,
        init_private: HpkePrivateKey,
        leaf_private: HpkePrivateKey,
        signer: SignaturePrivateKey,
    ) -> Result<Self> {
        let (_, init_public) = suite.hpke_private_key(init_private.expose_secret())?;
        let (_, leaf_public) = suite.hpke_private_key(leaf_private.expose_secret())?;
        if init_public.as_bytes() != key_package.init_key.as_slice()
            || leaf_public.as_bytes() != key_package.leaf_node.encryption_key.as_slice()
            || signer.public_key() != key_package.leaf_node.signature_key.as_slice()
        {
            return Err(Error::invalid(
                crate::Rule::Kpb1,
                "a private key does not match the KeyPackage",
            ));
        }
        Ok(Self {
            suite,
            key_package,
            init_private,
            leaf_private,
            signer,
        })
    }

    /// The KeyPackage to publish.
    pub const fn key_package(&self) -> &KeyPackage {
        &self.key_package
    }

    /// The cipher suite.
    pub const fn suite(&self) -> CipherSuite {
        self.suite
    }

    /// `KeyPackageRef` (section 5.2) of the KeyPackage.
    ///
    /// # Errors
    /// As [`KeyPackage::reference`].
    pub fn reference(&self) -> Result<KeyPackageRef> {
        self.key_package.reference(self.suite)
    }
}

/// Validates a KeyPackage for a group of `suite` (section 10.1): KP-1 to KP-7 and the
/// leaf node's own rules (LN-1, LN-4, signature). The rules that need the group (required
/// capabilities, credential types in use, unique keys) are checked when an Add is
/// validated. `now` (seconds since the Unix epoch), when given, is checked against the
/// lifetime (KP-6).
///
/// # Errors
/// [`Error::Invalid`] naming the rule; [`Error::VerificationFailed`] for a bad signature.
pub fn validate_key_package(suite: CipherSuite, kp: &KeyPackage, now: Option<u64>) -> Result<()> {
    check_key_package(suite, kp, now, false)
}

/// [`validate_key_package`], skipping the leaf's and the KeyPackage's signatures if
/// `signatures_verified` ([`key_package_signatures_valid`] accepted them). The other rules
/// are checked in the same order, so a KeyPackage whose signatures are valid gets the same
/// verdict either way.
pub(crate) fn check_key_package(
    suite: CipherSuite,
    kp: &KeyPackage,
    now: Option<u64>,
    signatures_verified: bool,
) -> Result<()> {
    if kp.version != ProtocolVersion::MLS10 {
        return Err(Error::invalid(
            crate::Rule::Kp1,
            "KeyPackage version is not mls10",
        ));
    }
    if kp.cipher_suite != CipherSuiteId(suite.id()) {
        return Err(Error::invalid(
            crate::Rule::Kp2,
            "KeyPackage of another cipher suite",
        ));
    }
    let leaf = &kp.leaf_node;
    let LeafNodeSourceData::KeyPackage { lifetime } = &leaf.leaf_node_source else {
        return Err(Error::invalid(
            crate::Rule::Kp3,
            "a KeyPackage's leaf node source is not key_package",
        ));
    };
    check_lifetime(lifetime, now, u64::MAX)?;
    if signatures_verified {
        check_leaf_unsigned(suite, leaf, LeafRole::KeyPackage)?;
    } else {
        check_leaf_self(suite, leaf, LeafRole::KeyPackage, None)?;
        suite.verify_with_label(
            leaf.signature_key.as_slice(),
            b"KeyPackageTBS",
            &kp.tbs()?,
            &kp.signature,
        )?;
    }
    if kp.init_key == leaf.encryption_key {
        return Err(Error::invalid(
            crate::Rule::Kp5,
            "the init key equals the leaf's encryption key",
        ));
    }
    suite
        .hpke_public_key(kp.init_key.as_slice())
        .map_err(|_| Error::invalid(crate::Rule::Kp5, "the init key is not a valid public key"))?;
    for ext in kp.extensions.iter() {
        if !ext.extension_type.is_default()
            && !leaf.capabilities.extensions.contains(&ext.extension_type)
        {
            return Err(Error::invalid(
                crate::Rule::Kp7,
                "a KeyPackage extension is not in the leaf's capabilities",
            ));
        }
    }
    Ok(())
}

/// KP-6 against `now` when given, and KP-8 against `max` (seconds).
pub(crate) fn check_lifetime(lifetime: &Lifetime, now: Option<u64>, max: u64) -> Result<()> {
    if let Some(now) = now
        && (now < lifetime.not_before || now > lifetime.not_after)
    {
        return Err(Error::invalid(
            crate::Rule::Kp6,
            "the KeyPackage is outside its lifetime",
        ));
    }
    if lifetime.not_after.saturating_sub(lifetime.not_before) > max {
        return Err(Error::invalid(
            crate::Rule::Kp8,
            "the KeyPackage's lifetime is longer than the group accepts",
        ));
    }
    Ok(())
}

/// Seconds since the Unix epoch by the system clock, where the target has one
/// (`wasm32-unknown-unknown` has none: there the caller gives the time).
pub(crate) fn system_now() -> Option<u64> {
    #[cfg(not(all(target_arch = "wasm32", target_os = "unknown")))]
    return std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs());
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    None
}

/// Whether the leaf signature (KP-3) and the KeyPackage signature (KP-4) of every one of
/// `key_packages` verify, each strictly on its own, spread over threads with the feature
/// `parallel`. `true` means [`check_key_package`] may skip these signatures; on `false` the
/// caller verifies each KeyPackage on its own, which names the rule a bad one breaks.
///
/// Not a batch equation, unlike a joiner's check of the tree's leaves: a batch accepts some
/// signatures with small-order components that strict verification rejects, so a Commit
/// built or accepted on a batch verdict could be refused by members that verify one by one
/// (other implementations), splitting the group. A joiner's verdict is its own alone.
pub(crate) fn key_package_signatures_valid(
    suite: CipherSuite,
    key_packages: &[&KeyPackage],
) -> bool {
    crate::parallel::map(key_packages, KEY_PACKAGES_PER_THREAD, |kp| {
        let key = kp.leaf_node.signature_key.as_slice();
        suite.verify_with_label(
            key,
            b"LeafNodeTBS",
            &kp.leaf_node.tbs(None)?,
            &kp.leaf_node.signature,
        )?;
        suite.verify_with_label(key, b"KeyPackageTBS", &kp.tbs()?, &kp.signature)
    })
    .is_ok_and(|verdicts| verdicts.iter().all(Result::is_ok))
}

/// KeyPackages per thread in [`key_package_signatures_valid`]: two strict verifications each,
/// about 90 µs, so a thread is worth starting from a few hundred microseconds of work.
const KEY_PACKAGES_PER_THREAD: usize = 4;
