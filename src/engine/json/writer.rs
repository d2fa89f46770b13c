//! Writes JSON objects as text: how the core hands structured values (the stats
//! snapshot, notices) to JS, where one `JSON.parse` builds them. Cheaper in wasm code
//! than a property write per field, and testable natively.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::json::reader::write_string;
use crate::engine::text::push_num;

/// An object being written into `out`; closed by [`Obj::end`].
pub(crate) struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    pub(crate) fn start(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, k: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_string(self.out, k);
        self.out.push(':');
        self.out
    }

    /// A number; `NaN` and infinities (not JSON) as `null`.
    pub(crate) fn num(&mut self, k: &str, v: f64) -> &mut Self {
        let out = self.key(k);
        if v.is_finite() { push_num(out, v) } else { out.push_str("null") }
        self
    }

    /// A number, or `null` for `None`.
    pub(crate) fn opt(&mut self, k: &str, v: Option<f64>) -> &mut Self {
        match v {
            Some(v) => self.num(k, v),
            None => self.raw(k, "null"),
        }
    }

    pub(crate) fn str(&mut self, k: &str, v: &str) -> &mut Self {
        let out = self.key(k);
        write_string(out, v);
        self
    }

    /// Text that is already JSON.
    pub(crate) fn raw(&mut self, k: &str, json: &str) -> &mut Self {
        self.key(k).push_str(json);
        self
    }

    /// A nested object written by `f`.
    pub(crate) fn obj(&mut self, k: &str, f: impl FnOnce(&mut Obj<'_>)) -> &mut Self {
        let out = self.key(k);
        let mut inner = Obj::start(out);
        f(&mut inner);
        inner.end();
        self
    }

    /// An array of numbers.
    pub(crate) fn nums(&mut self, k: &str, vs: impl Iterator<Item = f64>) -> &mut Self {
        let out = self.key(k);
        out.push('[');
        for (i, v) in vs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            if v.is_finite() { push_num(out, v) } else { out.push_str("null") }
        }
        out.push(']');
        self
    }

    /// An array of strings.
    pub(crate) fn strs<'s>(&mut self, k: &str, vs: impl Iterator<Item = &'s str>) -> &mut Self {
        let out = self.key(k);
        out.push('[');
        for (i, v) in vs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            write_string(out, v);
        }
        out.push(']');
        self
    }

    pub(crate) fn end(self) {
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_valid_json() {
        let mut s = String::new();
        let mut o = Obj::start(&mut s);
        o.num("a", 1.5).opt("b", None).str("c", "q\"").nums("d", [1.0, f64::NAN].into_iter()).strs("e", ["x"].into_iter());
        o.obj("f", |i| {
            i.num("g", -2.0);
        });
        o.end();
        assert_eq!(s, r#"{"a":1.5,"b":null,"c":"q\"","d":[1,null],"e":["x"],"f":{"g":-2}}"#);
        assert!(crate::engine::json::reader::validate(&s).is_ok());
    }
}
