//! The four built-in layers.

/// AES-256-GCM under a key or an Argon2id passphrase.
pub mod aead;
/// The Double Ratchet (a session with one peer).
pub mod double_ratchet;
/// ML-KEM or X-Wing to the recipient's key.
pub mod mlkem;
/// MLS (a group; the ciphertext is an MLS PrivateMessage).
pub mod mls;
