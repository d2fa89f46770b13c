//! The few `f64` functions std adds on top of `core` (the crate is `no_std`), each exact
//! for every finite input.

/// Largest magnitude below which an `f64` can have a fraction (2^52).
const INTEGRAL_FROM: f64 = 4_503_599_627_370_496.0;

/// Towards zero.
pub(crate) fn trunc(x: f64) -> f64 {
    if x.is_nan() || x.abs() >= INTEGRAL_FROM {
        x
    } else {
        (x as i64) as f64
    }
}

pub(crate) fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x { t - 1.0 } else { t }
}

pub(crate) fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x { t + 1.0 } else { t }
}

/// Half away from zero, like `f64::round`.
pub(crate) fn round(x: f64) -> f64 {
    let t = trunc(x);
    let rest = x - t;
    if rest >= 0.5 {
        t + 1.0
    } else if rest <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

pub(crate) fn fract(x: f64) -> f64 {
    x - trunc(x)
}

/// `base^exp` by squaring: the algorithm of LLVM's `powi`, so results match `f64::powi`.
pub(crate) fn powi(mut base: f64, exp: i32) -> f64 {
    let mut n = exp.unsigned_abs();
    let mut r = 1.0;
    loop {
        if n & 1 == 1 {
            r *= base;
        }
        n >>= 1;
        if n == 0 {
            break;
        }
        base *= base;
    }
    if exp < 0 { 1.0 / r } else { r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_std() {
        let xs = [0.0, -0.0, 0.4, 0.5, 0.6, 1.5, 2.5, -0.5, -1.5, -2.7, 3.999, 1e15 + 0.5, -1e15 - 0.5, 4.6e15, 1e300, -1e300, 123456.789];
        for &x in &xs {
            assert_eq!(floor(x), x.floor(), "floor {x}");
            assert_eq!(ceil(x), x.ceil(), "ceil {x}");
            assert_eq!(round(x), x.round(), "round {x}");
            assert_eq!(fract(x), x.fract(), "fract {x}");
            assert_eq!(trunc(x), x.trunc(), "trunc {x}");
        }
        assert!(floor(f64::NAN).is_nan());
        for e in [-30, -3, 0, 1, 7, 22, 23, 100, 308, 400] {
            assert_eq!(powi(10.0, e), 10f64.powi(e), "10^{e}");
            assert_eq!(powi(1.7, e), 1.7f64.powi(e), "1.7^{e}");
        }
    }
}
