//! Messaging Layer Security (RFC 9420), part 1: the cryptographic core that a group engine
//! builds on.
//!
//! | module | RFC 9420 |
//! |---|---|
//! | [`codec`] | section 2.1 (presentation language, variable-length integers 2.1.2) |
//! | [`suite`] | sections 5.1-5.2, 17.1 (cipher suites, labeled operations, RefHash) |
//! | [`tree_math`] | section 4.1, Appendix C (array-based trees) |
//! | [`key_schedule`] | section 8 (key schedule, 8.4 PSKs, 8.5 exporter, 8.3 external key pair) |
//! | [`secret_tree`] | section 9 (secret tree, 9.1 ratchets, 9.2 deletion), 6.3.2 sender-data keys |
//!
//! Every module maps to the section it implements; the vector family that proves it is named
//! in the module documentation.

mod error;

pub mod codec;
pub mod key_schedule;
pub mod secret_tree;
pub mod suite;
pub mod tree_math;

pub use error::{Error, Result};
pub use primitives;
