//! Small text helpers for messages, kept free of float formatting and `Debug`
//! escaping, which would add tens of kilobytes of formatting code to the wasm.

/// A number as a person reads it: whole numbers without a point, others with up to
/// three decimals; `Infinity`, `-Infinity`, `NaN` as in JavaScript.
pub fn num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if v.fract() == 0.0 && v.abs() < 1.0e38 {
        return (v as i128).to_string();
    }
    let neg = v < 0.0;
    let scaled = (v.abs() * 1000.0).round() as u64;
    let (whole, frac) = (scaled / 1000, scaled % 1000);
    let mut s = String::new();
    if neg && scaled != 0 {
        s.push('-');
    }
    s.push_str(&whole.to_string());
    if frac != 0 {
        let digits = format!("{:03}", frac);
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
    s
}

/// `s` in double quotes, JSON-escaped.
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    super::json_reader::write_string(&mut out, s);
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
        assert_eq!(num(1e20), "100000000000000000000");
    }

    #[test]
    fn quoting_escapes() {
        assert_eq!(quoted("a\"b"), "\"a\\\"b\"");
    }
}
