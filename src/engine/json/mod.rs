//! JSON plumbing shared by the protocols and the snapshot: a validating reader that
//! borrows from the frame text ([`reader`]), a writer for structured values
//! ([`writer`]), and number parsing and formatting without `core::fmt` ([`float`]).

pub(crate) mod float;
pub mod reader;
pub(crate) mod writer;
