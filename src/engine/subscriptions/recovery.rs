//! Session recovery (Socket.IO connection state recovery, socket.io >= 4.6): a server
//! that keeps sessions gives each namespace a `pid` in its join reply and appends an
//! offset to the events it sends. After a reconnect the join carries both, and the
//! namespace counts as recovered only when the reply's `pid` is the one sent (never
//! from having sent one): then the server replays what was missed and no `resync` is
//! needed. The ids are credentials: kept only for wanted namespaces, forgotten on
//! `close()`.

#[allow(unused_imports)]
use crate::prelude::*;

/// One namespace's recovery state.
#[derive(Debug, Clone)]
struct Entry {
    scope: String,
    pid: String,
    offset: Option<String>,
    /// The pid sent with the join now awaiting its reply.
    sent: Option<String>,
}

/// The recovery state of every namespace that has one.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recovery {
    entries: Vec<Entry>,
}

impl Recovery {
    fn entry(&mut self, scope: &str) -> Option<&mut Entry> {
        self.entries.iter_mut().find(|e| e.scope == scope)
    }

    /// Whether the server keeps a session for `scope` (its events carry an offset).
    pub(crate) fn has_pid(&self, scope: &str) -> bool {
        self.entries.iter().any(|e| e.scope == scope)
    }

    /// An event of `scope` carried `offset`: the stream stands there.
    pub(crate) fn position(&mut self, scope: &str, offset: &str) {
        if let Some(e) = self.entry(scope) {
            e.offset = Some(offset.into());
        }
    }

    /// The join payload for `scope`: `auth` (an object's JSON text, or none), with the
    /// `pid` and last offset first when a session is kept (`{"pid":..,"offset":..,...auth}`).
    pub(crate) fn join_payload(&mut self, scope: &str, auth: Option<&str>) -> Option<String> {
        let Some(e) = self.entry(scope) else {
            return auth.map(String::from);
        };
        e.sent = Some(e.pid.clone());
        let mut out = String::from("{\"pid\":");
        crate::engine::json::reader::write_string(&mut out, &e.pid);
        if let Some(offset) = &e.offset {
            out.push_str(",\"offset\":");
            crate::engine::json::reader::write_string(&mut out, offset);
        }
        let inner = auth.map(str::trim).and_then(|a| a.strip_prefix('{')).and_then(|a| a.strip_suffix('}')).map(str::trim).unwrap_or("");
        if !inner.is_empty() {
            out.push(',');
            out.push_str(inner);
        }
        out.push('}');
        Some(out)
    }

    /// `scope` was joined, the reply carrying `pid`: whether the session was recovered
    /// (the reply's pid is the one sent). The pid is kept for the next reconnect.
    pub(crate) fn joined(&mut self, scope: &str, pid: Option<&str>) -> bool {
        let sent = self.entry(scope).and_then(|e| e.sent.take());
        let recovered = sent.is_some() && sent.as_deref() == pid;
        match (pid, recovered) {
            (Some(pid), false) => {
                self.entries.retain(|e| e.scope != scope);
                self.entries.push(Entry { scope: scope.into(), pid: pid.into(), offset: None, sent: None });
            }
            (Some(_), true) => {}
            (None, _) => self.entries.retain(|e| e.scope != scope),
        }
        recovered
    }

    /// `scope` is no longer wanted: its session is forgotten.
    pub(crate) fn forget_scope(&mut self, scope: &str) {
        self.entries.retain(|e| e.scope != scope);
    }

    /// `close()`: every session is forgotten.
    pub(crate) fn forget(&mut self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovered_only_when_the_reply_has_the_pid_sent() {
        let mut r = Recovery::default();
        assert_eq!(r.join_payload("/", Some(r#"{"token":"t"}"#)).as_deref(), Some(r#"{"token":"t"}"#));
        assert!(!r.joined("/", Some("P1")), "a first join is not a recovery");
        r.position("/", "o1");
        r.position("/", "o2");
        assert_eq!(r.join_payload("/", Some(r#"{"token":"t"}"#)).as_deref(), Some(r#"{"pid":"P1","offset":"o2","token":"t"}"#));
        assert!(r.joined("/", Some("P1")), "same pid back: recovered");
        assert_eq!(r.join_payload("/", None).as_deref(), Some(r#"{"pid":"P1","offset":"o2"}"#));
        assert!(!r.joined("/", Some("P2")), "a new pid: a fresh session");
        assert_eq!(r.join_payload("/", Some("{}")).as_deref(), Some(r#"{"pid":"P2"}"#), "the new session has no offset yet");
        assert!(!r.joined("/", None), "a server without recovery");
        assert!(!r.has_pid("/"));
    }
}
