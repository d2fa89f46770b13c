//! What std's prelude would bring: the `alloc` types every module uses.

#[allow(unused_imports)]
pub use alloc::{
    borrow::ToOwned,
    boxed::Box,
    format,
    string::{String, ToString},
    vec,
    vec::Vec,
};
