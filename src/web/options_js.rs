//! Hands the JS options object (and `subscribe`'s array) to the core as JSON text, and
//! throws what it finds wrong: a `TypeError` for a wrong type or an unknown key, a
//! `RangeError` for a number out of range or an unknown enum value, naming the option.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::core::options::{OptionError, Options};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    /// `o` as the JSON text [`crate::core::options_text`] reads (throws on cycles).
    #[wasm_bindgen(js_name = jsonOf, catch)]
    fn json_of(o: &JsValue) -> Result<String, JsValue>;
}

/// The JS error for an invalid option.
pub fn to_js_error(e: &OptionError) -> JsValue {
    let msg = e.full_message();
    match e.kind {
        crate::core::options::OptionErrorKind::Type => js_sys::TypeError::new(&msg).into(),
        crate::core::options::OptionErrorKind::Range => js_sys::RangeError::new(&msg).into(),
    }
}

/// A JS array of strings, or a `TypeError` naming `what`.
pub fn strings_of(v: &JsValue, what: &'static str) -> Result<Vec<String>, JsValue> {
    let text = json_of(v)?;
    crate::core::options_text::read_strings(&text, what).map_err(|e| to_js_error(&e))
}

/// Reads and validates the options object (see [`crate::core::options_text`]).
pub fn read_options(value: &JsValue) -> Result<Options, JsValue> {
    let text = json_of(value)?;
    crate::core::options_text::read_options(&text).map_err(|e| to_js_error(&e))
}
