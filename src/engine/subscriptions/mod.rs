//! Subscriptions: which contexts the app wants ([`Subscriptions::wanted`]), the requests
//! awaiting the server's reply, and what a reply or a refusal means for them. Also the
//! app's own `execute()` calls ([`executes`]) and the presence a probe makes the node
//! replay ([`replay`]), both matched to replies by request id.

#[allow(unused_imports)]
use crate::prelude::*;

pub(crate) mod executes;
#[cfg(feature = "socketio")]
pub(crate) mod recovery;
pub(crate) mod replay;

use crate::engine::time::Instant;
use alloc::borrow::Cow;
use alloc::collections::VecDeque;

/// Requests awaiting a reply, at the most; older ones are forgotten.
pub(crate) const MAX_PENDING_REQUESTS: usize = 256;
/// The first request id the SDK uses: its own ids (subscribes, probes, `execute()`)
/// count up from 2^40, so an app's raw JSON-RPC `send()` with an id below that never
/// collides with them (and stays far below 2^53, exact in JS).
pub const FIRST_REQUEST_ID: u64 = 1 << 40;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum RequestKind {
    Subscribe,
    Unsubscribe,
    /// A heartbeat probe that re-subscribes.
    Probe,
}

/// A request on the wire, awaiting its reply.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) id: u64,
    pub(crate) kind: RequestKind,
    pub(crate) ids: Vec<String>,
    pub(crate) sent_at: Instant,
}

impl Request {
    /// What the request was, for messages.
    pub(crate) fn what(&self) -> &'static str {
        match self.kind {
            RequestKind::Subscribe | RequestKind::Probe => "subscribe",
            RequestKind::Unsubscribe => "unsubscribe",
        }
    }
}

/// The wanted contexts and the pending requests; for protocols with joins, also the
/// scopes joined on this connection and the last scopes the server refused or left.
#[derive(Debug, Clone)]
pub(crate) struct Subscriptions {
    wanted: Vec<String>,
    pending: VecDeque<Request>,
    next_id: u64,
    joined: Vec<String>,
    /// `(scope, "refused" | "kicked")`, the newest last, bounded.
    ended: VecDeque<(String, &'static str)>,
}

/// Scopes the server refused or left that [`Subscriptions::states`] still lists.
#[cfg_attr(not(feature = "socketio"), allow(dead_code))]
const MAX_ENDED: usize = 64;

impl Subscriptions {
    pub(crate) fn new() -> Self {
        Subscriptions { wanted: Vec::new(), pending: VecDeque::new(), next_id: FIRST_REQUEST_ID, joined: Vec::new(), ended: VecDeque::new() }
    }

    /// The wanted contexts, in the order they were asked for.
    pub(crate) fn wanted(&self) -> &[String] {
        &self.wanted
    }

    /// Adds `ids` (checked already); returns those not wanted before.
    pub(crate) fn add(&mut self, ids: &[String]) -> Vec<String> {
        let mut fresh: Vec<String> = Vec::new();
        for id in ids {
            if !self.wanted.contains(id) && !fresh.contains(id) {
                fresh.push(id.clone());
            }
        }
        self.wanted.extend(fresh.iter().cloned());
        fresh
    }

    /// Removes `ids`; returns those that were wanted.
    pub(crate) fn remove(&mut self, ids: &[String]) -> Vec<String> {
        let gone: Vec<String> = ids.iter().filter(|id| self.wanted.contains(id)).cloned().collect();
        self.wanted.retain(|s| !gone.contains(s));
        gone
    }

    /// Makes the ids count up from `first` (a tab sharing a socket takes a range of its
    /// own, see `Machine::relayed`).
    pub(crate) fn start_ids_at(&mut self, first: u64) {
        self.next_id = first;
    }

    /// A fresh request id (also for `execute()` calls).
    pub(crate) fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Remembers a request sent at `now` (the oldest is forgotten past the bound).
    pub(crate) fn sent(&mut self, id: u64, kind: RequestKind, ids: Vec<String>, now: Instant) {
        if self.pending.len() >= MAX_PENDING_REQUESTS {
            self.pending.pop_front();
        }
        self.pending.push_back(Request { id, kind, ids, sent_at: now });
    }

    /// Whether a real subscribe of `id` is still unanswered.
    pub(crate) fn awaiting_subscribe(&self, id: &str) -> bool {
        self.pending.iter().any(|r| r.kind == RequestKind::Subscribe && r.ids.iter().any(|i| i == id))
    }

    /// The request a reply answers: by its id, or (json replies carry none) the oldest
    /// request of its kind.
    pub(crate) fn answered(&mut self, id: Option<u64>, unsubscribe: bool) -> Option<Request> {
        let i = match id {
            Some(id) => self.pending.iter().position(|r| r.id == id),
            None => self.pending.iter().position(|r| (r.kind == RequestKind::Unsubscribe) == unsubscribe),
        }?;
        self.pending.remove(i)
    }

    /// The request an error reply answers (by id only).
    pub(crate) fn refused(&mut self, id: Option<u64>) -> Option<Request> {
        let id = id?;
        let i = self.pending.iter().position(|r| r.id == id)?;
        self.pending.remove(i)
    }

    /// The ids of `req` still wanted that the server left out of `accepted`: no longer
    /// wanted, and returned to be reported.
    pub(crate) fn denied(&mut self, req: &Request, accepted: &[Cow<'_, str>]) -> Vec<String> {
        let denied: Vec<String> =
            req.ids.iter().filter(|id| self.wanted.contains(id) && !accepted.iter().any(|a| a == id.as_str())).cloned().collect();
        self.wanted.retain(|s| !denied.contains(s));
        denied
    }

    /// The connection is gone: no reply will come, and nothing is joined.
    pub(crate) fn forget_pending(&mut self) {
        self.pending.clear();
        self.joined.clear();
    }

    /// Whether `scope` is joined on this connection.
    pub(crate) fn is_joined(&self, scope: &str) -> bool {
        self.joined.iter().any(|s| s == scope)
    }

    /// The server answered the join of `scope`: it is joined (if still wanted); its
    /// pending request is settled. Returns whether it is wanted.
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    pub(crate) fn joined(&mut self, scope: &str) -> bool {
        if let Some(i) = self.pending.iter().position(|r| r.kind == RequestKind::Subscribe && r.ids.iter().any(|i| i == scope)) {
            self.pending.remove(i);
        }
        let wanted = self.wanted.iter().any(|s| s == scope);
        if wanted && !self.is_joined(scope) {
            self.joined.push(scope.into());
            self.ended.retain(|(s, _)| s != scope);
        }
        wanted
    }

    /// The server refused (`"refused"`) or left (`"kicked"`) `scope`: no longer wanted,
    /// nor joined, nor pending. Returns whether it had been wanted.
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    pub(crate) fn ended(&mut self, scope: &str, how: &'static str) -> bool {
        self.pending.retain(|r| !(r.kind == RequestKind::Subscribe && r.ids.iter().any(|i| i == scope)));
        self.joined.retain(|s| s != scope);
        let was = self.wanted.iter().any(|s| s == scope);
        self.wanted.retain(|s| s != scope);
        self.ended.retain(|(s, _)| s != scope);
        if self.ended.len() >= MAX_ENDED {
            self.ended.pop_front();
        }
        self.ended.push_back((scope.into(), how));
        was
    }

    /// `connect()` after a close: the scopes the server refused are wanted again (their
    /// join is retried with a fresh `auth`); those it left stay left.
    pub(crate) fn retry_refused(&mut self) {
        let refused: Vec<String> = self.ended.iter().filter(|(_, how)| *how == "refused").map(|(s, _)| s.clone()).collect();
        self.ended.retain(|(_, how)| *how != "refused");
        self.add(&refused);
    }

    /// Each scope's state: wanted ones `"joined"` or `"joining"` (open or not), then
    /// the last refused (`"refused"`) and left (`"kicked"`) ones.
    pub(crate) fn states(&self) -> Vec<(&str, &'static str)> {
        let mut out: Vec<(&str, &'static str)> =
            self.wanted.iter().map(|s| (s.as_str(), if self.is_joined(s) { "joined" } else { "joining" })).collect();
        out.extend(self.ended.iter().map(|(s, how)| (s.as_str(), *how)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn add_and_remove_keep_order_and_skip_repeats() {
        let mut s = Subscriptions::new();
        assert_eq!(s.add(&ids(&["a", "b", "a"])), ids(&["a", "b"]));
        assert_eq!(s.add(&ids(&["b", "c"])), ids(&["c"]));
        assert_eq!(s.remove(&ids(&["b", "x"])), ids(&["b"]));
        assert_eq!(s.wanted(), ids(&["a", "c"]));
    }

    #[test]
    fn replies_match_by_id_or_by_kind() {
        let mut s = Subscriptions::new();
        let a = s.next_id();
        s.sent(a, RequestKind::Subscribe, ids(&["a"]), Instant(0.0));
        let b = s.next_id();
        s.sent(b, RequestKind::Unsubscribe, ids(&["b"]), Instant(1.0));
        assert_eq!(a, FIRST_REQUEST_ID);
        assert!(s.awaiting_subscribe("a"));
        assert_eq!(s.answered(None, true).map(|r| r.id), Some(b));
        assert_eq!(s.answered(Some(a), false).map(|r| r.id), Some(a));
        assert!(s.answered(Some(a), false).is_none(), "answered once");
    }

    #[test]
    fn denied_ids_leave_the_wanted_list() {
        let mut s = Subscriptions::new();
        s.add(&ids(&["a", "b"]));
        let id = s.next_id();
        s.sent(id, RequestKind::Subscribe, ids(&["a", "b"]), Instant(0.0));
        let req = s.answered(Some(id), false).unwrap();
        assert_eq!(s.denied(&req, &[Cow::Borrowed("a")]), ids(&["b"]));
        assert_eq!(s.wanted(), ids(&["a"]));
    }

    #[test]
    fn joins_refusals_and_kicks_set_each_scopes_state() {
        let mut s = Subscriptions::new();
        s.add(&ids(&["/", "/a", "/b"]));
        for ns in ["/", "/a", "/b"] {
            let id = s.next_id();
            s.sent(id, RequestKind::Subscribe, ids(&[ns]), Instant(0.0));
        }
        assert!(s.joined("/") && s.is_joined("/"));
        assert!(s.ended("/a", "refused"));
        assert!(s.joined("/b"));
        assert!(s.ended("/b", "kicked"));
        assert!(!s.joined("/b"), "a scope no longer wanted is not joined by a late reply");
        assert_eq!(s.states(), [("/", "joined"), ("/a", "refused"), ("/b", "kicked")]);
        assert!(!s.awaiting_subscribe("/a"), "the refusal settled its request");
        s.forget_pending();
        assert_eq!(s.states()[0], ("/", "joining"), "a new connection joins again");
    }

    #[test]
    fn pending_requests_are_bounded() {
        let mut s = Subscriptions::new();
        for _ in 0..MAX_PENDING_REQUESTS + 5 {
            let id = s.next_id();
            s.sent(id, RequestKind::Probe, Vec::new(), Instant(0.0));
        }
        assert!(s.answered(Some(FIRST_REQUEST_ID), false).is_none(), "the oldest were forgotten");
        assert!(s.answered(Some(FIRST_REQUEST_ID + 5), false).is_some());
    }
}
