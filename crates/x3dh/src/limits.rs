//! Bounds this crate enforces (X3DH section 4, PQXDH section 4: the security considerations on
//! replay, key reuse and deletion), named in one place with their reasons.

/// How long (seconds) a rotated-out signed prekey stays usable by responders. X3DH section 4.6
/// recommends deleting an old signed prekey "after some interval" so that initial messages
/// computed against a bundle fetched just before rotation still succeed. Peer-to-peer bundles
/// are used within seconds, but an application may cache a bundle: one week (libsignal clients
/// keep old signed prekeys for comparable periods). Configurable per store.
pub const DEFAULT_SIGNED_PREKEY_GRACE_SECS: u64 = 7 * 24 * 60 * 60;

/// The most one-time prekeys (EC and KEM together) an in-memory store holds, bounding memory.
pub const MAX_STORED_ONE_TIME_PREKEYS: usize = 1_000;

/// The most one-time prekeys a bundle carries: Alice uses at most one (X3DH section 3.3), so a
/// peer-to-peer bundle offers at most one.
pub const MAX_BUNDLE_ONE_TIME_PREKEYS: usize = 1;

/// The most application-defined associated data (bytes) appended to AD (X3DH section 3.3 allows
/// "identifying information such as usernames or certificates").
pub const MAX_APPLICATION_AD_LEN: usize = 4096;

/// The largest encoded handshake message accepted before parsing (a bundle with an
/// ML-KEM-1024 prekey is about 1.8 KB).
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = 8 * 1024;

/// The most stable-id bytes a fingerprint accepts (phone numbers, user ids).
pub const MAX_FINGERPRINT_ID_LEN: usize = 1024;
