//! Small text helpers for messages, kept free of float formatting and `Debug`
//! escaping, which would add tens of kilobytes of formatting code to the wasm.

#[allow(unused_imports)]
use crate::prelude::*;

/// A number as a person reads it: whole numbers without a point, others with up to
/// three decimals; `Infinity`, `-Infinity`, `NaN` as in JavaScript.
pub(crate) fn num(v: f64) -> String {
    let mut s = String::new();
    push_num(&mut s, v);
    s
}

/// [`num`], appended to `out`.
pub(crate) fn push_num(out: &mut String, v: f64) {
    if v.is_nan() {
        return out.push_str("NaN");
    }
    if v.is_infinite() {
        return out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    if v.abs() >= 1.0e19 {
        // Beyond u64: as JS writes large numbers, `1.5e+20`.
        let mut exp = 14u64;
        let mut m = v.abs();
        while m >= 1.0e15 {
            m /= 10.0;
            exp += 1;
        }
        if v < 0.0 {
            out.push('-');
        }
        let mut digits = String::new();
        push_digits(&mut digits, crate::engine::float::round(m) as u64);
        let digits = digits.trim_end_matches('0');
        out.push_str(digits.get(..1).unwrap_or("0"));
        if let Some(rest) = digits.get(1..).filter(|r| !r.is_empty()) {
            out.push('.');
            out.push_str(rest);
        }
        out.push_str("e+");
        return push_digits(out, exp);
    }
    if crate::engine::float::fract(v) == 0.0 {
        if v < 0.0 {
            out.push('-');
        }
        return push_digits(out, v.abs() as u64);
    }
    let scaled = crate::engine::float::round(v.abs() * 1000.0) as u64;
    let (whole, frac) = (scaled / 1000, (scaled % 1000) as u32);
    if v < 0.0 && scaled != 0 {
        out.push('-');
    }
    push_digits(out, whole);
    if frac != 0 {
        out.push('.');
        let mut digits = [b'0' + (frac / 100) as u8, b'0' + (frac / 10 % 10) as u8, b'0' + (frac % 10) as u8];
        let mut n = 3;
        while digits[n - 1] == b'0' {
            n -= 1;
        }
        for d in &mut digits[..n] {
            out.push(*d as char);
        }
    }
}

/// The decimal digits of `v` (no `core::fmt`: it would add kilobytes to the wasm).
pub(crate) fn push_digits(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for &d in &buf[i..] {
        out.push(d as char);
    }
}

/// A piece of a message built with [`cat!`](crate::cat): text as is, numbers in decimal.
pub(crate) trait Piece {
    fn push_to(&self, out: &mut String);
}

impl Piece for str {
    fn push_to(&self, out: &mut String) {
        out.push_str(self)
    }
}

impl Piece for String {
    fn push_to(&self, out: &mut String) {
        out.push_str(self)
    }
}

impl Piece for char {
    fn push_to(&self, out: &mut String) {
        out.push(*self)
    }
}

impl Piece for f64 {
    fn push_to(&self, out: &mut String) {
        push_num(out, *self)
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn push_to(&self, out: &mut String) {
        (**self).push_to(out)
    }
}

macro_rules! unsigned_piece {
    ($($t:ty)*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                push_digits(out, *self as u64)
            }
        }
    )*};
}
unsigned_piece!(u8 u16 u32 u64 usize);

macro_rules! signed_piece {
    ($($t:ty)*) => {$(
        impl Piece for $t {
            fn push_to(&self, out: &mut String) {
                if *self < 0 {
                    out.push('-');
                }
                push_digits(out, self.unsigned_abs() as u64)
            }
        }
    )*};
}
signed_piece!(i16 i32 i64);

/// Concatenates [`Piece`]s into a `String`: the crate's `format!`, without `core::fmt`.
#[macro_export]
#[doc(hidden)]
macro_rules! cat {
    ($($piece:expr),* $(,)?) => {{
        let mut out = $crate::prelude::String::new();
        $( $crate::engine::text::Piece::push_to(&$piece, &mut out); )*
        out
    }};
}

/// Appends `s` to `out` as a quoted JSON string.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `s` in double quotes, JSON-escaped.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_string(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_javascript() {
        assert_eq!(num(100.0), "100");
        assert_eq!(num(-5.0), "-5");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(0.125), "0.125");
        assert_eq!(num(-0.0004), "0");
        assert_eq!(num(-1.5), "-1.5");
        assert_eq!(num(f64::INFINITY), "Infinity");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(12345678.0), "12345678");
        assert_eq!(num(1e20), "1e+20");
        assert_eq!(num(-1.5e25), "-1.5e+25");
    }

    #[test]
    fn cat_joins_text_and_numbers() {
        let name = String::from("x");
        assert_eq!(crate::cat!("a", 1u32, '-', -12i64, " ", &name, 2.5f64, 0usize, u64::MAX), "a1--12 x2.5018446744073709551615");
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
    }
}

#[cfg(test)]
mod number_round_trip {
    use super::*;

    #[test]
    fn numbers_read_back_within_a_thousandth() {
        let mut x = 0.000_37f64;
        while x < 1e30 {
            for v in [x, -x, x * 1.37, -x * 0.77] {
                let s = num(v);
                let back: f64 = s.parse().unwrap_or_else(|_| panic!("{v} wrote {s}"));
                assert!((back - v).abs() <= 0.0005 + v.abs() * 1e-12, "{v} wrote {s}");
            }
            x *= 1.9;
        }
    }
}
