//! How a number option's range is checked, and what a URL must look like.

#[allow(unused_imports)]
use crate::prelude::*;

use super::error::OptionError;
use crate::engine::text::{num, quoted};

/// The range of a number option.
#[derive(Clone, Copy)]
pub enum Range {
    /// Milliseconds from `min` to a day.
    Ms(f64),
    /// A whole number in `min..=max`.
    Whole(f64, f64),
    /// Any number in `min..=max`.
    Within(f64, f64),
}

/// A number option's rule: its range, and the value (0 or `Infinity`) that means "off"
/// or "never" and is always accepted.
#[derive(Clone, Copy)]
pub struct NumberRule {
    pub range: Range,
    pub special: Option<f64>,
}

/// A number in `range`.
pub const fn within(range: Range) -> NumberRule {
    NumberRule { range, special: None }
}

/// A number in `range`, or `special`.
pub const fn within_or(range: Range, special: f64) -> NumberRule {
    NumberRule { range, special: Some(special) }
}

/// What an option's declared rule checks: numbers their range; other values nothing
/// (their reader has checked them).
pub trait Check<T> {
    fn check(&self, v: &T, key: &'static str) -> Result<(), OptionError>;
}

impl<T> Check<T> for () {
    fn check(&self, _: &T, _: &'static str) -> Result<(), OptionError> {
        Ok(())
    }
}

impl Check<f64> for NumberRule {
    fn check(&self, &v: &f64, key: &'static str) -> Result<(), OptionError> {
        if self.special == Some(v) {
            return Ok(());
        }
        let (min, max, whole) = match self.range {
            Range::Ms(min) => (min, 86_400_000.0, false),
            Range::Whole(min, max) => (min, max, true),
            Range::Within(min, max) => (min, max, false),
        };
        if v.is_finite() && (!whole || crate::engine::float::fract(v) == 0.0) && v >= min && v <= max {
            return Ok(());
        }
        let what = if whole { "must be a whole number from " } else { "must be from " };
        let unit = if matches!(self.range, Range::Ms(_)) { " ms" } else { "" };
        Err(OptionError::range_error(key, crate::cat!(what, num(min), " to ", num(max), unit, ", got ", num(v))))
    }
}

/// `v` must be at least the option `other` (`min`).
pub fn at_least(key: &'static str, v: f64, other: &str, min: f64) -> Result<(), OptionError> {
    if v < min {
        return Err(OptionError::range_error(key, crate::cat!("must be at least ", other, " (", num(min), "), got ", num(v))));
    }
    Ok(())
}

/// socketio: the URL is `http(s)://` or `ws(s)://` with a host and no path but `/`
/// (the Engine.IO endpoint is `path`, rooms and tenants are `namespaces`); contexts are
/// namespaces, each `/`-prefixed without a comma.
#[cfg(feature = "socketio")]
pub fn check_socketio(o: &super::Options) -> Result<(), OptionError> {
    for url in &o.url {
        check_socketio_url(url)?;
    }
    if !o.context_ids.is_empty() {
        return Err(OptionError::type_error("contextIds", "is not used by protocol \"socketio\": list the namespaces to join in namespaces"));
    }
    if !o.path.starts_with('/') {
        return Err(OptionError::type_error("path", crate::cat!("must start with /, got ", quoted(&o.path))));
    }
    for ns in &o.namespaces {
        crate::engine::protocols::socketio::check_namespace(ns).map_err(|m| OptionError::type_error("namespaces", m))?;
    }
    Ok(())
}

#[cfg(feature = "socketio")]
fn check_socketio_url(url: &str) -> Result<(), OptionError> {
    let lower = url.to_ascii_lowercase();
    let rest = ["http://", "https://", "ws://", "wss://"].iter().find_map(|p| lower.strip_prefix(p));
    let bad = |why: &str| OptionError::type_error("url", crate::cat!(why, ", got ", quoted(url)));
    let Some(rest) = rest.filter(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace)) else {
        return Err(bad("must be an http(s):// or ws(s):// URL with a host"));
    };
    let path_start = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let tail = crate::engine::json::reader::slice(rest, path_start, rest.len());
    if !(tail.is_empty() || tail == "/") {
        return Err(bad("must carry no path, query or fragment: the Engine.IO endpoint is the path option, rooms and tenants are namespaces, parameters are query"));
    }
    Ok(())
}

/// A URL must be `ws://` or `wss://` with a host.
pub fn check_url(url: &str) -> Result<(), OptionError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower.strip_prefix("ws://").or_else(|| lower.strip_prefix("wss://"));
    match rest {
        Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace) => Ok(()),
        _ => Err(OptionError::type_error("url", crate::cat!("must be a ws:// or wss:// URL with a host, got ", quoted(url)))),
    }
}
