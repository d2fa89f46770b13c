//! JSON plumbing shared by the protocols and the snapshot: a validating reader that
//! borrows from the frame text ([`reader`]) and a writer for structured values
//! ([`writer`]).

pub mod reader;
pub(crate) mod writer;
