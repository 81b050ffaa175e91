//! The four built-in layers. (Each module's own documentation is its summary, so that its
//! links resolve in the module.)

pub mod aead;
pub mod double_ratchet;
pub mod mlkem;
pub mod mls;
