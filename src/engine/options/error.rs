//! An invalid option, named: a JS `TypeError` for a wrong type or an unknown key, a
//! `RangeError` for a number out of range or an unknown enum value.

#[allow(unused_imports)]
use crate::prelude::*;

/// What is wrong with an option: its type (a JS `TypeError`) or its range (`RangeError`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionErrorKind {
    Type,
    Range,
}

/// An invalid option, named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError {
    pub kind: OptionErrorKind,
    pub option: &'static str,
    pub message: String,
}

impl OptionError {
    pub fn type_error(option: &'static str, message: impl Into<String>) -> Self {
        OptionError { kind: OptionErrorKind::Type, option, message: message.into() }
    }
    pub fn range_error(option: &'static str, message: impl Into<String>) -> Self {
        OptionError { kind: OptionErrorKind::Range, option, message: message.into() }
    }
    /// The message as thrown: `SocketManager option "x": ...`.
    pub fn full_message(&self) -> String {
        crate::cat!("SocketManager option \"", self.option, "\": ", self.message)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.full_message())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for OptionError {}
