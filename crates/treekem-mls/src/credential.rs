//! Credentials (RFC 9420 section 5.3; credential types registry, section 17.5; credential
//! extensibility, section 13.3).
//!
//! ```text
//! struct { opaque cert_data<V>; } Certificate;
//!
//! struct {
//!     CredentialType credential_type;
//!     select (Credential.credential_type) {
//!         case basic: opaque identity<V>;
//!         case x509:  Certificate certificates<V>;
//!     };
//! } Credential;
//! ```
//!
//! **Convention for other credential types.** RFC 9420 defines no framing for the body of a
//! credential type it does not define, so a decoder that meets one cannot know where the
//! credential ends. This crate reads and writes such a body as one `opaque <V>`
//! ([`Credential::Other`]), the framing that new credential types are expected to use; a
//! credential type with some other framing will not decode (or will decode differently
//! elsewhere). `reserved(0)` is rejected. Whether a credential is acceptable is for the
//! application's Authentication Service to decide (section 5.3.1), not for this module.
//!
//! Proven by `messages.json` (family `mls-messages`: basic credentials in every LeafNode); the
//! X.509 and other-type arms by the unit tests below.

use crate::{
    Error, Result,
    codec::{Codec, Reader, Writer},
    types::CredentialType,
};

/// `Certificate` (section 5.3): one DER-encoded X.509 certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Certificate {
    /// `cert_data<V>`: the DER encoding.
    pub cert_data: Vec<u8>,
}

impl Codec for Certificate {
    fn encode(&self, w: &mut Writer) {
        w.opaque(&self.cert_data);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            cert_data: r.opaque_vec()?,
        })
    }
}

/// `Credential` (section 5.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `basic` (1): `identity<V>`, an application-defined identity.
    Basic {
        /// `identity<V>`.
        identity: Vec<u8>,
    },
    /// `x509` (2): `certificates<V>`, the end-entity certificate first.
    X509 {
        /// `certificates<V>`.
        certificates: Vec<Certificate>,
    },
    /// Any other type (GREASE, private use, later registrations), its body carried as one
    /// `opaque <V>` by this crate's convention (see the module documentation). Never `basic`,
    /// `x509` or `reserved(0)` when decoded.
    Other {
        /// The credential type.
        credential_type: CredentialType,
        /// The body, without its length prefix.
        data: Vec<u8>,
    },
}

impl Credential {
    /// The `credential_type` on the wire.
    pub const fn credential_type(&self) -> CredentialType {
        match self {
            Self::Basic { .. } => CredentialType::BASIC,
            Self::X509 { .. } => CredentialType::X509,
            Self::Other {
                credential_type, ..
            } => *credential_type,
        }
    }
}

impl Codec for Credential {
    fn encode(&self, w: &mut Writer) {
        self.credential_type().encode(w);
        match self {
            Self::Basic { identity } => w.opaque(identity),
            Self::X509 { certificates } => w.vec(certificates),
            Self::Other { data, .. } => w.opaque(data),
        }
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        let credential_type = CredentialType::decode(r)?;
        Ok(match credential_type {
            CredentialType(0) => return Err(Error::Decode("reserved credential type 0")),
            CredentialType::BASIC => Self::Basic {
                identity: r.opaque_vec()?,
            },
            CredentialType::X509 => Self::X509 {
                certificates: r.vec()?,
            },
            _ => Self::Other {
                credential_type,
                data: r.opaque_vec()?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    #[test]
    fn each_kind_round_trips() {
        for c in [
            Credential::Basic {
                identity: b"alice".to_vec(),
            },
            Credential::X509 {
                certificates: vec![
                    Certificate {
                        cert_data: vec![0x30, 1],
                    },
                    Certificate::default(),
                ],
            },
            Credential::Other {
                credential_type: CredentialType(0x0a0a),
                data: vec![9; 3],
            },
        ] {
            let bytes = c.to_bytes().unwrap();
            assert_eq!(Credential::from_bytes(&bytes).unwrap(), c);
        }
    }

    #[test]
    fn reserved_type_is_rejected() {
        assert!(Credential::from_bytes(&[0, 0, 0]).is_err());
        assert_eq!(
            Credential::from_bytes(&[0, 1, 0]).unwrap(),
            Credential::Basic { identity: vec![] }
        );
    }
}
