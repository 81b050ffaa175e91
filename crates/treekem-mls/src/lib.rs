//! Messaging Layer Security (RFC 9420), part 1: the cryptographic core that a group engine
//! builds on.
//!
//! | module | RFC 9420 |
//! |---|---|
//! | [`codec`] | section 2.1 (presentation language, variable-length integers 2.1.2) |
//! | [`suite`] | sections 5.1-5.2, 17.1 (cipher suites, labeled operations, RefHash) |
//!
//! Every module maps to the section it implements; the vector family that proves it is named
//! in the module documentation.

mod error;

pub mod codec;

pub use error::{Error, Result};
pub use primitives;
