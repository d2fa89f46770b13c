//! The leader's list of the tabs sharing its socket: what each wants, the union the
//! socket subscribes (each scope once, however many tabs want it), and the last send of
//! each tab written, so a send relayed twice (a follower replays what a leader did not
//! confirm) goes out once.
//!
//! A scope no tab wants any more is released after [`RELEASE_DELAY_MS`], not at once: a
//! tab that reloads, or a component that remounts, wants it back within that time, and
//! the server sees no unsubscribe/subscribe churn.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::time::{Duration, Instant};

/// How long a scope no tab wants stays subscribed.
pub const RELEASE_DELAY_MS: f64 = 2000.0;
/// Tabs the leader keeps, at the most (a page that opens managers in a loop cannot grow
/// the list without bound; past it the oldest tab is forgotten).
pub const MAX_TABS: usize = 256;

#[derive(Debug, Clone)]
struct Tab {
    id: u64,
    wanted: Vec<String>,
    /// The number of this tab's last send written to the socket.
    last_sent: u64,
}

/// What the union's socket must do after a change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Change {
    /// Scopes no tab wanted before: subscribe them.
    pub subscribe: Vec<String>,
}

/// The tabs, their subscriptions and the scopes being released.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    tabs: Vec<Tab>,
    /// Scopes nobody wants, with when they are unsubscribed.
    releasing: Vec<(String, Instant)>,
}

impl Registry {
    /// Tabs known (the leader's own included once it said hello).
    pub fn len(&self) -> usize {
        self.tabs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tabs.is_empty()
    }

    pub fn knows(&self, tab: u64) -> bool {
        self.tabs.iter().any(|t| t.id == tab)
    }

    /// Every scope the socket must hold: the union, and those still being released.
    pub fn subscribed(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for t in &self.tabs {
            for s in &t.wanted {
                if !out.contains(s) {
                    out.push(s.clone());
                }
            }
        }
        for (s, _) in &self.releasing {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    /// Tab `tab` wants exactly `wanted` now (a new tab too).
    pub fn set(&mut self, now: Instant, tab: u64, wanted: &[String]) -> Change {
        let before = self.subscribed();
        let i = match self.tabs.iter().position(|t| t.id == tab) {
            Some(i) => i,
            None => {
                if self.tabs.len() >= MAX_TABS {
                    let old = self.tabs.remove(0);
                    self.tabs.push(Tab { id: tab, wanted: Vec::new(), last_sent: 0 });
                    self.release_unwanted(now, &old.wanted);
                } else {
                    self.tabs.push(Tab { id: tab, wanted: Vec::new(), last_sent: 0 });
                }
                self.tabs.len() - 1
            }
        };
        let old = core::mem::replace(&mut self.tabs[i].wanted, dedup(wanted));
        // Wanted again: no longer being released.
        self.releasing.retain(|(s, _)| !wanted.contains(s));
        self.release_unwanted(now, &old);
        Change { subscribe: dedup(wanted).into_iter().filter(|s| !before.contains(s)).collect() }
    }

    /// Tab `tab` left (said goodbye, or its page is gone): what only it wanted is
    /// released after the delay.
    pub fn remove(&mut self, now: Instant, tab: u64) {
        if let Some(i) = self.tabs.iter().position(|t| t.id == tab) {
            let old = self.tabs.remove(i);
            self.release_unwanted(now, &old.wanted);
        }
    }

    /// Scopes of `old` that no tab wants now start their release delay.
    fn release_unwanted(&mut self, now: Instant, old: &[String]) {
        for s in old {
            let wanted = self.tabs.iter().any(|t| t.wanted.contains(s));
            if !wanted && !self.releasing.iter().any(|(r, _)| r == s) {
                self.releasing.push((s.clone(), now + Duration(RELEASE_DELAY_MS)));
            }
        }
    }

    /// When the next release is due.
    pub fn deadline(&self) -> Option<Instant> {
        self.releasing.iter().map(|(_, at)| *at).reduce(|a, b| if b < a { b } else { a })
    }

    /// The scopes whose release delay is over at `now`: unsubscribe them.
    pub fn due(&mut self, now: Instant) -> Vec<String> {
        let mut out = Vec::new();
        self.releasing.retain(|(s, at)| {
            let over = at.reached(now);
            if over {
                out.push(s.clone());
            }
            !over
        });
        out
    }

    /// Whether send `n` of `tab` is new (then remembered as written): sends of a tab
    /// are numbered 1, 2, ... and relayed in order, so one at or below the last is a
    /// replay of one already written.
    pub fn accept_send(&mut self, tab: u64, n: u64) -> bool {
        match self.tabs.iter_mut().find(|t| t.id == tab) {
            Some(t) if n <= t.last_sent => false,
            Some(t) => {
                t.last_sent = n;
                true
            }
            // A tab that did not say hello yet (its hello is on its way): written.
            None => true,
        }
    }
}

fn dedup(ids: &[String]) -> Vec<String> {
    ids.iter().cloned().fold(Vec::new(), push_new)
}

fn push_new(mut v: Vec<String>, s: String) -> Vec<String> {
    if !v.contains(&s) {
        v.push(s);
    }
    v
}
