//! Hands the JS options object to the core as JSON text (`subscribe`'s array is read in
//! place), and
//! throws what it finds wrong: a `TypeError` for a wrong type or an unknown key, a
//! `RangeError` for a number out of range or an unknown enum value, naming the option.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::options::{OptionError, Options};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/web/helpers.js")]
extern "C" {
    /// `o` as the JSON text [`crate::engine::options::value`] reads (throws on cycles).
    #[wasm_bindgen(js_name = jsonOf, catch)]
    fn json_of(o: &JsValue) -> Result<String, JsValue>;
}

/// The JS error for an invalid option.
pub fn to_js_error(e: &OptionError) -> JsValue {
    let msg = e.full_message();
    match e.kind {
        crate::engine::options::OptionErrorKind::Type => js_sys::TypeError::new(&msg).into(),
        crate::engine::options::OptionErrorKind::Range => js_sys::RangeError::new(&msg).into(),
    }
}

/// The JS type name an error message gives `v` (`null` and arrays told apart).
fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if js_sys::Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

/// A JS array of strings (`subscribe`'s argument), read in place, or a `TypeError`
/// naming `what`.
pub fn strings_of(v: &JsValue, what: &'static str) -> Result<Vec<String>, JsValue> {
    let bad = |msg: String| to_js_error(&OptionError::type_error(what, msg));
    if !js_sys::Array::is_array(v) {
        return Err(bad(crate::cat!("must be an array of strings, got ", type_name(v))));
    }
    let list: &js_sys::Array = v.unchecked_ref();
    let mut out = Vec::with_capacity(list.length() as usize);
    for i in 0..list.length() {
        let item = list.get(i);
        match item.as_string() {
            Some(s) => out.push(s),
            None => return Err(bad(crate::cat!("item ", i as usize, " must be a string, got ", type_name(&item)))),
        }
    }
    Ok(out)
}

/// Reads and validates the options object (see [`crate::engine::options::value`]); also
/// returns the JSON text it was read from.
pub fn read_options(value: &JsValue) -> Result<(Options, String), JsValue> {
    let text = json_of(value)?;
    let opts = crate::engine::options::read_options(&text).map_err(|e| to_js_error(&e))?;
    Ok((opts, text))
}
