//! What the app, the page and the socket tell the machine. Every input ends by running
//! the due rules (`advance`, in [`super::rules`]).

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Action, ExecFailure, Machine};
use crate::engine::connection::{Conn, Status};
use crate::engine::delivery::refresh::{KindId, RESYNC_BIT};
use crate::engine::delivery::send_queue::DropCause;
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::subscriptions::RequestKind;
use crate::engine::text::{num, quoted};
use crate::engine::time::Instant;

impl<P: Clone> Machine<P> {
    // ----- app inputs -----

    /// Starts connecting; a no-op while connecting or open.
    pub fn connect(&mut self, now: f64) {
        let now = Instant(now);
        match self.conn {
            Conn::Connecting { .. } | Conn::Open { .. } | Conn::Linking { .. } => {}
            Conn::Waiting { .. } => self.start_attempt(now, true),
            Conn::Idle | Conn::Closed | Conn::Failed => {
                self.backoff.reset();
                self.subs.retry_refused();
                let retry = self.ever_opened;
                self.start_attempt(now, retry);
            }
        }
        self.advance(now);
    }

    /// Closes for good (code 1000): every timer stops, nothing reconnects. A pending
    /// batch is still delivered.
    pub fn close(&mut self, now: f64) {
        let now = Instant(now);
        self.flush_batched(now);
        if self.conn.has_socket() && !self.is_relayed() {
            self.actions.push_back(Action::CloseSocket(1000, "closed by the app"));
        }
        self.conn = Conn::Closed;
        // Relayed sends not confirmed by now are not sent again after a later connect().
        if let super::Share::Relayed(out) = &mut self.share {
            out.take_unconfirmed();
        }
        #[cfg(feature = "socketio")]
        self.recovery.forget();
        while let Some(e) = self.executes.pop() {
            if !e.sent {
                self.queue.remove_tag(e.id);
            }
            self.exec_fail(e.id, "closed", "the manager was closed before the reply came".into());
        }
        self.clear_connection_state();
        self.set_status(Status::Closed);
        self.batcher.flush_now();
        self.advance(now);
    }

    /// Adds subscriptions; sends them at once when open, else on open. Ids the protocol
    /// would refuse are reported (`invalidContextId`) and left out, so they never cost
    /// the others their subscription. Returns the ids refused.
    pub fn subscribe(&mut self, now: f64, ids: &[String]) -> Vec<String> {
        let now = Instant(now);
        let mut good = Vec::with_capacity(ids.len());
        let mut bad = Vec::new();
        for id in ids {
            match self.protocol.check_context_id(id) {
                Err(msg) => {
                    self.error(SdkError::new(ErrorCode::InvalidContextId, msg).with_ids(vec![id.clone()]));
                    bad.push(id.clone());
                }
                Ok(()) => good.push(id.clone()),
            }
        }
        let fresh = self.subs.add(&good);
        if self.conn.is_open() && !fresh.is_empty() && !self.session.awaiting_auth {
            self.request(now, RequestKind::Subscribe, fresh);
        }
        self.advance(now);
        bad
    }

    /// Removes subscriptions; tells the server when open. A scope left this way drops
    /// the messages still queued for it (reported).
    pub fn unsubscribe(&mut self, now: f64, ids: &[String]) {
        let now = Instant(now);
        let gone = self.subs.remove(ids);
        if self.traits.joins {
            for scope in &gone {
                self.drop_queued_for(scope);
                #[cfg(feature = "socketio")]
                self.recovery.forget_scope(scope);
            }
        }
        if self.conn.is_open() && !gone.is_empty() {
            self.request(now, RequestKind::Unsubscribe, gone);
        }
        self.advance(now);
    }

    /// Sends `text` now if open, else queues it. Returns whether it was sent or queued.
    pub fn send(&mut self, now: f64, text: String) -> bool {
        let now = Instant(now);
        self.advance(now);
        let ok = if self.opts.send_batch_ms > 0.0 && !self.conn.is_over() && self.batches_sends(now, None, &text) {
            self.out_batch.push(now, self.opts.send_batch_ms, None, text);
            true
        } else {
            self.flush_batched(now);
            self.send_tagged(now, text, 0)
        };
        self.advance(now);
        ok
    }

    /// Whether a send of JSON `item` for `scope` joins the `sendBatchMs` batch (it must be
    /// JSON; a batch that cannot take it is sent first).
    pub(super) fn batches_sends(&mut self, now: Instant, scope: Option<&str>, item: &str) -> bool {
        if crate::engine::json::reader::validate(item).is_err() {
            return false;
        }
        if !self.out_batch.accepts(scope) {
            self.flush_batched(now);
        }
        true
    }

    /// `flush()`: the sends of the `sendBatchMs` window go out now (also on `pagehide`
    /// and `close()`).
    pub fn flush(&mut self, now: f64) {
        let now = Instant(now);
        self.flush_batched(now);
        self.advance(now);
    }

    /// Sends the batch held, if any: json, one array frame; socketio, one event.
    pub(super) fn flush_batched(&mut self, now: Instant) {
        let Some((scope, array, n)) = self.out_batch.take() else { return };
        let _ = n;
        match scope {
            #[cfg(feature = "socketio")]
            Some(scope) => {
                let event = self.opts.send_batch_event.clone();
                self.emit_now(now, &scope, &event, &crate::cat!("[", array, "]"));
            }
            #[cfg(not(feature = "socketio"))]
            Some(_) => {}
            None => {
                self.send_tagged(now, array, 0);
            }
        }
    }

    /// The app's `send(value)`: `text` is the string itself (`is_string`) or the value's
    /// JSON. A protocol with events emits it as the event `message` on `/` (what
    /// socket.io's `send` does); the others send the text as it is.
    pub fn send_value(&mut self, now: f64, text: String, is_string: bool) -> bool {
        #[cfg(not(feature = "socketio"))]
        let _ = is_string;
        #[cfg(feature = "socketio")]
        if self.traits.joins {
            return self.send_message_event(now, text, is_string);
        }
        self.send(now, text)
    }

    #[cfg(feature = "socketio")]
    fn send_message_event(&mut self, now: f64, text: String, is_string: bool) -> bool {
        let mut args = String::with_capacity(text.len() + 4);
        args.push('[');
        if is_string {
            crate::engine::json::reader::write_string(&mut args, &text);
        } else {
            args.push_str(&text);
        }
        args.push(']');
        self.emit(now, "/", "message", &args)
    }

    /// Calls `method` of `context_id` on the node (Calimero `execute`) with `args_json`
    /// (JSON text). Sent at once when open, else queued like [`Machine::send`] (same
    /// bounds, counts and drop reports). Returns its request id; an
    /// [`Action::Executed`] with that id settles it: the reply's `output`, or a failure
    /// (error reply, no reply within `timeout_ms`, the socket lost after it was sent,
    /// `close()`, dropped from the queue).
    pub fn execute(&mut self, now: f64, context_id: &str, method: &str, args_json: &str, timeout_ms: f64) -> u64 {
        let now = Instant(now);
        self.advance(now);
        let id = self.subs.next_id();
        let request = self.protocol.execute(id, context_id, method, args_json);
        let refused = if request.is_none() {
            Some(("unsupported", crate::cat!("execute() is not part of protocol ", quoted(self.protocol.kind().name()))))
        } else if let Err(msg) = self.protocol.check_context_id(context_id) {
            Some(("invalidContextId", msg))
        } else if self.conn.is_over() {
            Some(("closed", crate::cat!("the manager is ", self.status.name())))
        } else if self.executes.is_full() {
            Some(("messageDropped", crate::cat!(super::MAX_PENDING_EXECUTES, " execute() calls are already pending")))
        } else {
            None
        };
        match (refused, request) {
            (Some((code, msg)), _) => self.exec_fail(id, code, msg),
            (None, Some(text)) => {
                self.executes.push(id, now, timeout_ms, self.conn.is_open(), "executeTimeout");
                if !self.send_tagged(now, text, id) {
                    self.executes.take(Some(id));
                }
            }
            (None, None) => {}
        }
        self.advance(now);
        id
    }

    /// Empties the offline queue; every message is counted and reported as dropped.
    pub fn clear_queue(&mut self, now: f64) -> usize {
        let mut n = 0;
        while let Some((_, g)) = self.queue.pop_tagged() {
            n += 1;
            self.exec_dropped(g);
        }
        if n > 0 {
            self.dropped_message(DropCause::Cleared, n);
        }
        self.advance(Instant(now));
        n
    }

    /// The app's batch callback finished (its Promise settled).
    pub fn batch_settled(&mut self, now: f64) {
        self.batcher.settled();
        self.advance(Instant(now));
    }

    /// Reports an error found by the web layer (a throwing callback, a binary frame).
    pub fn report(&mut self, now: f64, err: SdkError) {
        if err.code == ErrorCode::BinaryFrame {
            self.stats.frames_received += 1;
            self.stats.frames_dropped += 1;
        }
        self.error(err);
        self.advance(Instant(now));
    }

    // ----- page inputs -----

    /// The page became visible or hidden. No retry is attempted while hidden; on
    /// becoming visible every due check runs at once.
    pub fn visibility(&mut self, now: f64, visible: bool) {
        self.hidden = !visible;
        self.advance(Instant(now));
    }

    /// The browser is online again: retry at once, skipping the backoff wait.
    pub fn online(&mut self, now: f64) {
        let now = Instant(now);
        if let Conn::Waiting { .. } = self.conn {
            self.start_attempt(now, true);
        }
        self.advance(now);
    }

    /// The browser went offline: the socket is given up (it would only time out) and
    /// the manager waits to reconnect, with backoff, or at once on `online`.
    pub fn offline(&mut self, now: f64) {
        let now = Instant(now);
        // A relayed tab has no socket: the hub's tab sees the same `offline`.
        if self.conn.has_socket() && !self.is_relayed() {
            if let Conn::Open { since } = self.conn {
                self.backoff.check_uptime(since.ms(), now.ms());
            }
            self.actions.push_back(Action::CloseSocket(4001, "browser offline"));
            // An immediate retry would only fail while offline: wait the backoff delay.
            self.backoff.forgo_immediate();
            self.lost(now, SdkError::new(ErrorCode::ConnectionLost, "the browser went offline"));
        }
        self.advance(now);
    }

    // ----- socket inputs -----

    /// The socket opened. For a protocol with a handshake the connection opens only
    /// with the server's handshake frame.
    pub fn on_open(&mut self, now: f64) {
        if !self.traits.handshake {
            self.opened(Instant(now));
        }
    }

    /// The connection is open (the socket, or the protocol's handshake).
    pub(super) fn opened(&mut self, now: Instant) {
        let Conn::Connecting { retry, .. } = self.conn else {
            return;
        };
        self.session_open(now, retry);
    }

    /// The connection is open: this machine's own socket, or (relayed) the hub's;
    /// `retry`: not the first open of this manager.
    pub(super) fn session_open(&mut self, now: Instant, retry: bool) {
        let relayed = self.is_relayed();
        self.conn = Conn::Open { since: now };
        if !relayed {
            self.urls.opened();
        }
        self.set_status(Status::Open);
        if retry {
            self.stats.reconnects += 1;
            self.seq.reset();
            // With joins, each namespace's reply says whether it needs `resync`; a
            // relayed tab's session is the hub's, new after a handover: always.
            if !self.traits.joins || relayed {
                self.batcher.raise(now.ms(), RESYNC_BIT);
            }
        }
        self.session.retry = retry && !relayed;
        self.ever_opened = true;
        // Subscriptions go first, then whatever the app queued while offline (for a
        // protocol with joins, what waits for a scope goes out with its join reply). A
        // relayed tab only records them: the hub subscribes the union.
        #[cfg(feature = "socketio")]
        let joined = !relayed && self.traits.joins && self.join_with_auth(now);
        #[cfg(not(feature = "socketio"))]
        let joined = false;
        if !joined {
            self.join_all(now);
        }
        self.expire_executes(now);
        for (_, g) in self.queue.expire_tagged(now.ms()) {
            self.dropped_message(DropCause::Expired, 1);
            self.exec_dropped(g);
        }
        self.flush_queued(None);
        if !relayed && !matches!(self.protocol.probe(), crate::engine::protocols::Probe::ServerPings) {
            self.heartbeat.opened(now);
        }
        self.advance(now);
    }

    /// Subscribes to every wanted scope (on open, or once `auth` is known).
    pub(super) fn join_all(&mut self, now: Instant) {
        if !self.subs.wanted().is_empty() {
            let all = self.subs.wanted().to_vec();
            self.request(now, RequestKind::Subscribe, all);
        }
    }

    /// Sends what waits in the queue for `scope` (`None`: for no scope).
    pub(super) fn flush_queued(&mut self, scope: Option<&str>) {
        for (text, g) in self.queue.take_scope(scope) {
            self.stats.messages_sent += 1;
            self.push_send(text, g);
            self.executes.mark_sent(g);
        }
    }

    /// Sends `text` (tagged `tag`), with its attachments when it has some.
    pub(super) fn push_send(&mut self, text: String, tag: u64) {
        match self.attached_tags.iter().position(|&t| t == tag && tag != 0) {
            Some(i) => {
                self.attached_tags.swap_remove(i);
                self.write_app_frame(text, tag, true);
            }
            None => self.write_app_frame(text, tag, false),
        }
    }

    /// Drops (and reports) what waits in the queue for `scope`, which will not be joined.
    pub(super) fn drop_queued_for(&mut self, scope: &str) {
        let gone = self.queue.take_scope(Some(scope));
        if !gone.is_empty() {
            self.dropped_message(DropCause::Cleared, gone.len());
            for (_, g) in gone {
                self.exec_dropped(g);
            }
        }
    }

    /// The socket closed (or failed to open).
    pub fn on_close(&mut self, now: f64, code: u16, reason: &str) {
        let now = Instant(now);
        match self.conn {
            Conn::Connecting { .. } => {
                let msg = crate::cat!("connect attempt failed (close code ", code, reason_suffix(reason), ")");
                self.attempt_failed(now, SdkError::new(ErrorCode::ConnectFailed, msg).with_close_code(code));
            }
            #[cfg(feature = "socketio")]
            Conn::Open { .. } if self.session.server_left_all => self.server_closed(now, code),
            Conn::Open { since } => {
                self.backoff.check_uptime(since.ms(), now.ms());
                let msg = crate::cat!("connection lost (close code ", code, reason_suffix(reason), ")");
                self.lost(now, SdkError::new(ErrorCode::ConnectionLost, msg).with_close_code(code));
            }
            _ => {}
        }
        self.advance(now);
    }

    /// A frame whose size is known to be over `maxMessageBytes` (checked before it is
    /// copied anywhere).
    pub fn on_oversized(&mut self, now: f64, bytes: usize) {
        self.stats.frames_received += 1;
        self.stats.bytes_received += bytes as u64;
        self.stats.frames_dropped += 1;
        let msg = crate::cat!("frame of ", bytes, " bytes is over maxMessageBytes (", num(self.opts.max_message_bytes), ")");
        self.error(SdkError::new(ErrorCode::OversizedFrame, msg));
        self.advance(Instant(now));
    }

    /// The core's id for an event kind name (for frames pre-read elsewhere).
    pub fn intern_kind(&mut self, name: &str) -> KindId {
        self.rules.intern(name)
    }

    /// A state frame already read by the protocol's pre-reader (of `scope` with these
    /// kinds, `len` bytes): the same rules as [`Machine::on_frame`], without reading the
    /// text again.
    pub fn on_scanned_frame(&mut self, now: f64, scope: &str, kinds: &[KindId], len: usize, payload: P) {
        if len as f64 > self.opts.max_message_bytes {
            return self.on_oversized(now, len);
        }
        let now = Instant(now);
        self.frame_arrived(now, len);
        if !self.is_hub() && !self.not_ours(scope) {
            self.fold_ids(now, scope, kinds, payload);
        }
        self.advance(now);
    }

    /// A timer fired: run every check that is due.
    pub fn tick(&mut self, now: f64) {
        self.advance(Instant(now));
    }

    // ----- sending -----

    /// Sends or queues `text`; `tag` is the `execute()` it carries (0 for none). A
    /// message the queue drops settles its `execute()`.
    pub(super) fn send_tagged(&mut self, now: Instant, text: String, tag: u64) -> bool {
        match self.conn {
            Conn::Open { .. } => {
                self.stats.messages_sent += 1;
                self.write_app_frame(text, tag, false);
                true
            }
            Conn::Closed | Conn::Failed => false,
            Conn::Idle | Conn::Connecting { .. } | Conn::Waiting { .. } | Conn::Linking { .. } => self.queue_text(now, text, tag, None),
        }
    }

    pub(super) fn queue_text(&mut self, now: Instant, text: String, tag: u64, scope: Option<&str>) -> bool {
        let (dropped, queued) = self.queue.push_tagged(text, now.ms(), tag, scope);
        if queued {
            self.stats.messages_queued += 1;
        }
        if let Some((_, gone, cause)) = dropped {
            self.dropped_message(cause, 1);
            self.exec_dropped(gone);
        }
        queued
    }

    /// Sends a request of ours and remembers it; returns its id.
    /// For a protocol with joins, each scope is a request of its own.
    pub(super) fn request(&mut self, now: Instant, kind: RequestKind, ids: Vec<String>) -> u64 {
        if self.traits.joins && ids.len() > 1 {
            let mut last = 0;
            for id in ids {
                last = self.request(now, kind, vec![id]);
            }
            return last;
        }
        let id = self.subs.next_id();
        if self.is_relayed() {
            // The hub subscribes the union; a scope with joins waits for its reply.
            if self.traits.joins && kind != RequestKind::Unsubscribe {
                self.subs.sent(id, kind, ids, now);
            }
            return id;
        }
        let mut texts = Vec::new();
        #[cfg(feature = "socketio")]
        let auth = match (self.traits.joins, ids.first()) {
            (true, Some(scope)) => self.recovery.join_payload(scope, self.session.auth.as_deref()),
            _ => self.session.auth.clone(),
        };
        #[cfg(not(feature = "socketio"))]
        let auth = self.session.auth.clone();
        match kind {
            RequestKind::Subscribe | RequestKind::Probe => self.protocol.subscribe(id, &ids, auth.as_deref(), &mut texts),
            RequestKind::Unsubscribe => self.protocol.unsubscribe(id, &ids, &mut texts),
        }
        for text in texts {
            self.stats.messages_sent += 1;
            self.actions.push_back(Action::Send(text));
        }
        if !(self.traits.joins && kind == RequestKind::Unsubscribe) {
            self.subs.sent(id, kind, ids, now);
        }
        id
    }

    /// Settles the `execute()` tagged `tag` (0: none) as dropped from the queue.
    pub(super) fn exec_dropped(&mut self, tag: u64) {
        if tag != 0 {
            self.attached_tags.retain(|&t| t != tag);
            self.exec_fail(tag, "messageDropped", "dropped from the offline queue".into());
        }
    }

    /// Rejects the `execute()` `id` (and forgets it, if pending).
    pub(super) fn exec_fail(&mut self, id: u64, code: &'static str, message: String) {
        self.executes.take(Some(id));
        self.actions.push_back(Action::Executed { id, result: Err(ExecFailure { code, message, server: None }) });
    }

    pub(super) fn dropped_message(&mut self, cause: DropCause, n: usize) {
        self.stats.messages_dropped += n as u64;
        let why = match cause {
            DropCause::Overflow => "the offline queue was full (dropOldest)",
            DropCause::Rejected => "the offline queue was full (rejectNew)",
            DropCause::Expired => "it waited longer than queuedMessageTtlMs",
            DropCause::Cleared => "clearQueue() was called",
        };
        self.error(SdkError::new(ErrorCode::MessageDropped, crate::cat!(n, " queued message(s) dropped: ", why)));
    }
}

fn reason_suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        crate::cat!(", reason ", quoted(reason))
    }
}
