//! Several servers (`url` as a list): which one the next attempt goes to.
//!
//! One pass tries the URLs in order the first time, then the last URL that worked first
//! and the others shuffled. Within a pass the next URL is tried at once after a failed
//! attempt; the backoff applies between passes (and the herd rules to the first attempt
//! after a drop). A URL whose attempt failed is set aside for [`SET_ASIDE_MS`]: passes
//! skip it meanwhile, unless every URL is set aside. Failures are counted per URL.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::connection::backoff::Rng;
use crate::engine::time::{Duration, Instant};

/// How long a URL whose attempt failed is left out of the passes.
pub const SET_ASIDE_MS: f64 = 30_000.0;

/// The URLs and the pass under way.
#[derive(Debug, Clone)]
pub(crate) struct Urls {
    list: Vec<String>,
    /// The pass: indexes into `list`, and how far it got.
    order: Vec<usize>,
    at: usize,
    /// A new pass starts at the next attempt.
    pass_over: bool,
    first_pass: bool,
    last_good: Option<usize>,
    aside_until: Vec<Option<Instant>>,
    failures: Vec<u64>,
}

impl Urls {
    pub(crate) fn new(list: Vec<String>) -> Self {
        let n = list.len();
        Urls { list, order: Vec::new(), at: 0, pass_over: true, first_pass: true, last_good: None, aside_until: alloc::vec![None; n], failures: alloc::vec![0; n] }
    }

    /// The URL of the attempt to make now (starting a pass if the last one is over).
    pub(crate) fn next(&mut self, now: Instant, rng: &mut Rng) -> &str {
        if self.pass_over || self.at >= self.order.len() {
            self.begin_pass(now, rng);
        }
        &self.list[self.order[self.at]]
    }

    fn begin_pass(&mut self, now: Instant, rng: &mut Rng) {
        let n = self.list.len();
        let mut order: Vec<usize> = (0..n).collect();
        if !self.first_pass {
            // Fisher-Yates over the others, the last good one first.
            for i in (1..n).rev() {
                let j = (rng.next_f64() * (i + 1) as f64) as usize;
                order.swap(i, j.min(i));
            }
            if let Some(good) = self.last_good {
                let p = order.iter().position(|&i| i == good).unwrap_or(0);
                order.remove(p);
                order.insert(0, good);
            }
        }
        let usable: Vec<usize> = order.iter().copied().filter(|&i| self.aside_until[i].is_none_or(|t| t.reached(now))).collect();
        self.order = if usable.is_empty() { order } else { usable };
        self.at = 0;
        self.pass_over = false;
        self.first_pass = false;
    }

    /// The attempt at the current URL failed at `now`: counted, set aside. Returns
    /// whether the pass has another URL to try at once.
    pub(crate) fn failed(&mut self, now: Instant) -> bool {
        if let Some(&i) = self.order.get(self.at) {
            self.failures[i] += 1;
            self.aside_until[i] = Some(now + Duration(SET_ASIDE_MS));
        }
        self.at += 1;
        let more = self.at < self.order.len();
        self.pass_over = !more;
        more
    }

    /// The connection to the current URL opened.
    pub(crate) fn opened(&mut self) {
        if let Some(&i) = self.order.get(self.at) {
            self.last_good = Some(i);
            self.aside_until[i] = None;
        }
    }

    /// The open connection was lost: the next attempt starts a new pass.
    pub(crate) fn lost(&mut self) {
        self.pass_over = true;
    }

    /// The URL in use (or being tried), if a pass has begun.
    pub(crate) fn current(&self) -> Option<&str> {
        self.order.get(self.at).map(|&i| self.list[i].as_str())
    }

    /// Failures per URL, in the list's order.
    pub(crate) fn failures(&self) -> impl Iterator<Item = (&str, u64)> {
        self.list.iter().map(String::as_str).zip(self.failures.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls() -> Urls {
        Urls::new(alloc::vec!["ws://a".into(), "ws://b".into(), "ws://c".into()])
    }

    #[test]
    fn the_first_pass_goes_in_order_then_the_last_good_first() {
        let mut rng = Rng::new(3);
        let mut u = urls();
        assert_eq!(u.next(Instant(0.0), &mut rng), "ws://a");
        assert!(u.failed(Instant(0.0)), "b is next, at once");
        assert_eq!(u.next(Instant(0.0), &mut rng), "ws://b");
        u.opened();
        u.lost();
        assert_eq!(u.next(Instant(1.0), &mut rng), "ws://b", "the last good one first");
        assert_eq!(u.failures().collect::<Vec<_>>(), [("ws://a", 1), ("ws://b", 0), ("ws://c", 0)]);
    }

    #[test]
    fn failed_urls_are_set_aside_unless_all_are() {
        let mut rng = Rng::new(3);
        let mut u = urls();
        for _ in 0..3 {
            u.next(Instant(0.0), &mut rng);
            u.failed(Instant(0.0));
        }
        // Every URL set aside: the next pass tries them all anyway.
        let first = u.next(Instant(1.0), &mut rng).to_string();
        assert!(["ws://a", "ws://b", "ws://c"].contains(&first.as_str()));
        u.opened();
        u.lost();
        // After the set-aside time every URL is back in the pass.
        u.next(Instant(SET_ASIDE_MS + 1.0), &mut rng);
        let mut seen = alloc::vec![u.current().unwrap().to_string()];
        while u.failed(Instant(SET_ASIDE_MS + 1.0)) {
            seen.push(u.next(Instant(SET_ASIDE_MS + 1.0), &mut rng).to_string());
        }
        seen.sort();
        assert_eq!(seen, ["ws://a", "ws://b", "ws://c"]);
    }
}
