//! The rules of protocols with sessions (Socket.IO; compiled with the `socketio`
//! feature): the connection opens at the server's handshake, each namespace is joined
//! with the connection's `auth`, events wait for their join reply and emits in the
//! queue until it, server pings are answered, acks settle `emitWithAck`, and a server
//! that leaves every namespace and closes is not reconnected to.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Action, Machine};
use crate::engine::connection::{Conn, Status};
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::options::Auth;
use crate::engine::protocols::{Control, Inbound};
use crate::engine::subscriptions::RequestKind;
use crate::engine::text::{num, quoted};
use crate::engine::time::Instant;

impl<P: Clone> Machine<P> {
    /// On open: joins with the `auth` option (an object as it is; a function is asked
    /// first, [`Action::Authorize`]). Returns whether it took care of the joins.
    /// The round-trip probe (`probeEvent`): on `/` once it is joined, every
    /// `heartbeatIntervalMs` (the first a second after open), `{"timestamp": now}`; its
    /// reply (`probeReplyEvent`) reaches [`Machine`] as a pong: a round trip, and a clock
    /// offset from its `_server_timestamp`.
    pub(super) fn round_trip_due(&mut self, now: Instant) {
        let (Some(event), true) = (self.opts.probe_event.clone(), self.conn.is_open() && !self.is_relayed()) else { return };
        let interval = self.opts.heartbeat_interval_ms;
        match self.session.next_round_trip {
            None if interval > 0.0 => {
                let first = interval.min(crate::engine::connection::heartbeat::FIRST_PROBE_DELAY_MS);
                self.session.next_round_trip = Some(now + crate::engine::time::Duration(first));
            }
            Some(at) if at.reached(now) => {
                self.session.next_round_trip = Some(now + crate::engine::time::Duration(interval));
                if self.subs.is_joined("/") {
                    let args = crate::cat!("[{\"timestamp\":", num(now.ms()), "}]");
                    if let Ok(text) = self.protocol.emit("/", &event, &args, None) {
                        self.stats.messages_sent += 1;
                        self.actions.push_back(Action::Send(text));
                        self.heartbeat.ping_sent(now);
                    }
                }
            }
            _ => {}
        }
    }

    pub(super) fn join_with_auth(&mut self, now: Instant) -> bool {
        match &self.opts.auth {
            Auth::Function => {
                self.session.awaiting_auth = true;
                self.actions.push_back(Action::Authorize);
            }
            Auth::Object(text) => {
                self.session.auth = Some(text.clone());
                self.join_all(now);
            }
            Auth::None => self.join_all(now),
        }
        true
    }

    /// socketio: emits `event` with `args_json` (a JSON array) on `scope`. Sent at once
    /// when the scope is joined, else queued until its join reply (same bounds as
    /// `send`). Refused (`false`, reported) on a scope neither joined nor wanted, or a
    /// packet at or over the server's `maxPayload`: the server would close the whole
    /// connection for either.
    pub fn emit(&mut self, now: f64, scope: &str, event: &str, args_json: &str) -> bool {
        self.emit_attached(now, scope, event, args_json, &[]) != 0
    }

    /// [`Machine::emit`] of an event whose arguments hold placeholders for binary
    /// attachments of these byte sizes (at most 10, each under `maxPayload`). Returns the
    /// emit's id (0: refused or dropped): the web layer keeps the attachments under it,
    /// sends them after the header ([`Action::SendAttached`]) or drops them when an
    /// [`Action::Executed`] failure names the id.
    pub fn emit_attached(&mut self, now: f64, scope: &str, event: &str, args_json: &str, sizes: &[usize]) -> u64 {
        let now = Instant(now);
        self.advance(now);
        if self.opts.send_batch_ms > 0.0 && sizes.is_empty() && !self.conn.is_over() {
            // Batched: checked as a packet of its own now, sent within the batch later.
            match self.emit_text(scope, event, args_json, None, sizes) {
                Err(e) => {
                    self.error(e);
                    self.advance(now);
                    return 0;
                }
                Ok(_) => {
                    let inner = args_json.trim().strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or("").trim();
                    let mut item = String::from("[");
                    crate::engine::json::reader::write_string(&mut item, event);
                    if !inner.is_empty() {
                        item.push(',');
                        item.push_str(inner);
                    }
                    item.push(']');
                    if self.batches_sends(now, Some(scope), &item) {
                        self.out_batch.push(now, self.opts.send_batch_ms, Some(scope), item);
                        self.advance(now);
                        return 1;
                    }
                }
            }
        }
        self.flush_batched(now);
        let id = if sizes.is_empty() { 0 } else { self.subs.next_id() };
        let sent = match self.emit_text(scope, event, args_json, None, sizes) {
            Ok(text) => self.send_scoped(now, text, id, scope),
            Err(e) => {
                self.error(e);
                false
            }
        };
        self.advance(now);
        match (sent, id) {
            (false, _) => 0,
            (true, 0) => 1,
            (true, id) => id,
        }
    }

    /// socketio: [`Machine::emit`] asking for an answer. Returns the call's id; an
    /// [`Action::Executed`] settles it with the ack's arguments (JSON array text) or a
    /// failure (`ackTimeout` after `timeout_ms` from now, also while offline;
    /// `connectionLost`; `closed`; `messageDropped`; `notJoined`; `payloadTooLarge`).
    pub fn emit_with_ack(&mut self, now: f64, scope: &str, event: &str, args_json: &str, timeout_ms: f64) -> u64 {
        self.emit_with_ack_attached(now, scope, event, args_json, &[], timeout_ms)
    }

    /// [`Machine::emit_with_ack`] with binary attachments of these sizes (see
    /// [`Machine::emit_attached`]; the attachments are kept under the call's id).
    pub fn emit_with_ack_attached(&mut self, now: f64, scope: &str, event: &str, args_json: &str, sizes: &[usize], timeout_ms: f64) -> u64 {
        let now = Instant(now);
        self.advance(now);
        self.flush_batched(now);
        let id = self.subs.next_id();
        let refused = if self.conn.is_over() {
            Some(("closed", crate::cat!("the manager is ", self.status.name())))
        } else if self.executes.is_full() {
            Some(("messageDropped", crate::cat!(super::MAX_PENDING_EXECUTES, " calls already await an answer")))
        } else {
            None
        };
        match refused {
            Some((code, msg)) => self.exec_fail(id, code, msg),
            None => match self.emit_text(scope, event, args_json, Some(id), sizes) {
                Err(e) => self.exec_fail(id, e.code.name(), e.message),
                Ok(text) => {
                    let on_wire = self.conn.is_open() && self.subs.is_joined(scope);
                    self.executes.push(id, now, timeout_ms, on_wire, "ackTimeout");
                    if !self.send_scoped(now, text, id, scope) {
                        self.executes.take(Some(id));
                    }
                }
            },
        }
        self.advance(now);
        id
    }

    /// Emits now (a flushed batch): refused ones are reported.
    pub(super) fn emit_now(&mut self, now: Instant, scope: &str, event: &str, args_json: &str) {
        match self.emit_text(scope, event, args_json, None, &[]) {
            Ok(text) => {
                self.send_scoped(now, text, 0, scope);
            }
            Err(e) => self.error(e),
        }
    }

    /// The event packet (a binary event's header when `sizes` lists attachments), or why
    /// it must not be sent.
    fn emit_text(&self, scope: &str, event: &str, args_json: &str, ack: Option<u64>, sizes: &[usize]) -> Result<String, SdkError> {
        if !self.subs.wanted().iter().any(|s| s == scope) {
            let msg = crate::cat!("emit on ", quoted(scope), ", a namespace neither joined nor wanted: subscribe to it first");
            return Err(SdkError::new(ErrorCode::NotJoined, msg).with_ids(vec![scope.into()]));
        }
        let text = self.protocol.emit(scope, event, args_json, ack).map_err(|why| SdkError::new(ErrorCode::NotJoined, why).with_ids(vec![scope.into()]))?;
        let too_large = |what: &str, n: usize| {
            let msg = crate::cat!(what, " of ", n, " bytes is not under the server's maxPayload (", num(self.session.max_payload), ")");
            SdkError::new(ErrorCode::PayloadTooLarge, msg).with_ids(vec![scope.into()])
        };
        if let Some(&n) = sizes.iter().find(|&&n| n as f64 >= self.session.max_payload) {
            return Err(too_large("binary attachment", n));
        }
        // A binary event: `45<n>-` in place of `42` (the writer's EVENT header).
        let text = match (sizes.len(), text.strip_prefix("42")) {
            (0, _) => text,
            (n, Some(rest)) if n <= 10 => crate::cat!("45", n, "-", rest),
            _ => return Err(SdkError::new(ErrorCode::NotJoined, "at most 10 binary attachments per packet").with_ids(vec![scope.into()])),
        };
        if text.len() as f64 >= self.session.max_payload {
            return Err(too_large("packet", text.len()));
        }
        Ok(text)
    }

    /// socketio: the result of the function `auth` ([`Action::Authorize`]) as JSON text
    /// (`None`: no payload); the wanted namespaces are joined with it.
    pub fn authorized(&mut self, now: f64, auth_json: Option<String>) {
        let now = Instant(now);
        if self.session.awaiting_auth && self.conn.is_open() {
            self.session.awaiting_auth = false;
            self.session.auth = auth_json;
            self.join_all(now);
        }
        self.advance(now);
    }

    /// Sends `text` for `scope` if it is joined, else queues it to wait for the join.
    fn send_scoped(&mut self, now: Instant, text: String, tag: u64, scope: &str) -> bool {
        if text.starts_with("45") {
            self.attached_tags.push(tag);
        }
        if self.conn.is_open() && self.subs.is_joined(scope) {
            self.stats.messages_sent += 1;
            self.push_send(text, tag);
            return true;
        }
        if self.conn.is_over() {
            return false;
        }
        self.queue_text(now, text, tag, Some(scope))
    }

    /// An event for a scope not joined: held until its join reply if one is awaited,
    /// else dropped and reported (the server should not send it).
    pub(super) fn early_event(&mut self, now: Instant, scope: String, text: &str, payload: P) {
        let _ = now;
        if !self.subs.awaiting_subscribe(&scope) {
            return self.bad_frame(&crate::cat!("an event for ", quoted(&scope), ", a namespace not joined"), text);
        }
        if self.early.len() >= super::MAX_EARLY_EVENTS {
            return self.bad_frame(&crate::cat!("more than ", super::MAX_EARLY_EVENTS, " events before their namespace's join reply"), text);
        }
        self.early.push((scope, text.into(), payload));
    }

    /// A session frame (handshake, ping, join replies, acks).
    pub(super) fn on_control(&mut self, now: Instant, c: Control<'_>, attached: usize, payload: P) {
        match c {
            Control::Handshake { ping_interval_ms, ping_timeout_ms, max_payload } => {
                if matches!(self.conn, Conn::Connecting { .. }) {
                    self.session.max_payload = max_payload;
                    self.opened(now);
                    self.heartbeat.opened_passive(now, ping_interval_ms, ping_timeout_ms);
                }
            }
            // The hub answers the server's pings and sees its close.
            Control::Ping { .. } | Control::Close if self.is_relayed() => {}
            Control::Ping { reply } => {
                self.actions.push_back(Action::Send(reply.into()));
                self.heartbeat.pinged(now);
            }
            Control::Close => {
                self.actions.push_back(Action::CloseSocket(1000, "the server ended the session"));
                self.server_closed(now, 1000);
            }
            Control::Joined { scope, pid } => {
                let recovered = self.recovery.joined(&scope, pid.as_deref());
                if !self.scope_joined(now, &scope, recovered) && !self.is_relayed() {
                    // Not wanted any more (unsubscribed meanwhile): leave it again.
                    self.request(now, RequestKind::Unsubscribe, vec![scope.into_owned()]);
                }
            }
            Control::Refused { scope, message, data } => {
                self.early.retain(|(s, _, _)| *s != *scope);
                if self.subs.ended(&scope, "refused") {
                    self.drop_queued_for(&scope);
                    let msg = crate::cat!("the server refused namespace ", quoted(&scope), ": ", message);
                    self.error(SdkError::new(ErrorCode::ConnectError, msg).with_ids(vec![scope.into_owned()]).with_data(data.map(String::from)));
                }
            }
            Control::Left { scope } => {
                if self.subs.ended(&scope, "kicked") {
                    self.drop_queued_for(&scope);
                    let msg = crate::cat!("the server left namespace ", quoted(&scope), "; it is not re-joined by itself");
                    self.error(SdkError::new(ErrorCode::NamespaceDisconnected, msg).with_ids(vec![scope.into_owned()]));
                    if self.subs.wanted().is_empty() {
                        self.session.server_left_all = true;
                    }
                }
            }
            Control::Answer { id, args, attachments } if attachments as usize != attached => {
                let why = crate::cat!("a binary ack with ", attached, " of its ", attachments as usize, " attachments");
                let _ = (id, args);
                self.stats.frames_dropped += 1;
                self.error(SdkError::new(ErrorCode::BadFrame, why));
            }
            Control::Answer { id, args, attachments } => {
                if let Some(e) = self.executes.take(Some(id)) {
                    if attachments > 0 {
                        self.actions.push_back(Action::AnsweredAttached { id: e.id, args: args.into(), payload });
                    } else {
                        self.actions.push_back(Action::Executed { id: e.id, result: Ok(args.into()) });
                    }
                }
            }
            Control::Attachments { count } => {
                // A binary ack (its attachments came with it): acks with binary
                // arguments are not delivered yet.
                self.stats.frames_dropped += 1;
                self.error(SdkError::new(ErrorCode::BinaryFrame, crate::cat!("a binary ack (", count, " attachments) was skipped: acks with binary arguments are not delivered yet")));
            }
            Control::Ignored => {}
        }
    }

    /// `scope` is joined (`recovered`: its session resumed): what waited for it goes out,
    /// the events that came before the reply are delivered in order, and a reconnect
    /// without recovery raises `resync` for it. False when `scope` is not wanted.
    pub(super) fn scope_joined(&mut self, now: Instant, scope: &str, recovered: bool) -> bool {
        if !self.subs.joined(scope) {
            return false;
        }
        if self.session.retry && !recovered {
            // A fresh session on a reconnect: what it missed is lost.
            self.batcher.raise_scoped(now.ms(), crate::engine::delivery::refresh::RESYNC_BIT, scope);
        }
        self.flush_queued(Some(scope));
        let early = core::mem::take(&mut self.early);
        let mut rest = Vec::new();
        for (s, text, payload) in early {
            if s == scope {
                if let Ok(Inbound::Event(ev)) = self.protocol.decode(&text) {
                    self.on_event(now, ev, payload);
                }
            } else {
                rest.push((s, text, payload));
            }
        }
        self.early = rest;
        true
    }

    /// The server ended the session (or the socket closed after it left every scope):
    /// for good when it had left every scope (`serverDisconnect`, as the reference
    /// socket.io client does), else a lost connection that reconnects.
    pub(super) fn server_closed(&mut self, now: Instant, code: u16) {
        if let Conn::Open { since } = self.conn {
            self.backoff.check_uptime(since.ms(), now.ms());
        }
        if self.session.server_left_all {
            self.clear_connection_state();
            self.conn = Conn::Closed;
            self.set_status(Status::Closed);
            let msg = crate::cat!("the server left every namespace and closed (close code ", code, "): not reconnecting");
            self.error(SdkError::new(ErrorCode::ServerDisconnect, msg).with_close_code(code));
        } else {
            self.lost(now, SdkError::new(ErrorCode::ConnectionLost, "the server ended the session").with_close_code(code));
        }
    }

}
