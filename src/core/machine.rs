//! The sans-IO connection manager.
//!
//! [`Machine`] holds every rule of the SDK: connection states, reconnect backoff,
//! subscriptions and their replies, the heartbeat, the offline queue, sequence checks
//! and batching. It never touches a socket, a timer or a clock: each input method takes
//! `now` (ms), the machine queues [`Action`]s for the web layer to carry out
//! ([`Machine::poll_action`]), and [`Machine::poll_timeout`] says when it next wants
//! [`Machine::tick`] to be called. `P` is how a frame is kept until it is delivered
//! (a JS string handle in the browser, a `String` in native tests).

#[allow(unused_imports)]
use crate::prelude::*;

use super::alerts::{Alert, Alerts};
use super::backoff::{Backoff, BackoffConfig, Rng};
use super::health::{self, Counts, Health, Quality, Recent};
use super::latency::{stamp_step_ms, BadStamp, LatencyTracker};
use super::batcher::{Batch, BatchConfig, Batcher, FrameFold};
use super::errors::{ErrorCode, SdkError};
use super::options::{OptionError, Options};
use super::protocol::{EventClass, Inbound, Protocol, ProtocolKind, ReplyInfo, ServerError};
use super::refresh::{KindId, RefreshRules, CHANGED_BIT, RESYNC_BIT};
use super::send_queue::{DropCause, SendQueue};
use super::sequence::{SeqCheck, SequenceTracker};
use super::stats::Stats;
use super::text::{num, quoted};
use alloc::collections::VecDeque;

/// Requests awaiting a reply, at the most; older ones are forgotten.
const MAX_PENDING_REQUESTS: usize = 256;
/// How much longer than the heartbeat timeout a silence must last to count as a clock
/// jump: timers fire a few ms late, and up to a second late in background tabs.
const CLOCK_JUMP_SLACK_MS: f64 = 1000.0;
/// How soon after open the first heartbeat probe goes out (or after
/// `heartbeatIntervalMs`, when that is shorter): its reply is the connection's first
/// round trip and, on json, its first clock offset, instead of one interval later.
pub const FIRST_PROBE_DELAY_MS: f64 = 1000.0;
/// After a bad server stamp is reported (`badTimestamp`), further ones are only counted
/// (`stats().badTimestamps`) until this long passes without one: one report per burst.
pub const BAD_TIMESTAMP_QUIET_MS: f64 = 10_000.0;
/// A Calimero heartbeat probe is a re-subscribe, and the node answers every subscribe by
/// replaying the current presence of its contexts (`Ephemeral` frames with `ageMs`).
/// Such frames, for the contexts the probe re-subscribed, are dropped from the probe's
/// send until this long after its reply (until the heartbeat timeout while unanswered),
/// so a probe has no visible effect. Live presence (no `ageMs`) always passes.
pub const PROBE_REPLAY_WINDOW_MS: f64 = 1000.0;
/// The first request id the SDK uses: its own ids (subscribes, probes, `execute()`)
/// count up from 2^40, so an app's raw JSON-RPC `send()` with an id below that never
/// collides with them (and stays far below 2^53, exact in JS).
pub const FIRST_REQUEST_ID: u64 = 1 << 40;
/// `execute()` calls awaiting their reply (sent or queued), at the most; a call past it
/// is rejected at once (`messageDropped`).
pub const MAX_PENDING_EXECUTES: usize = 256;
/// `execute()`'s timeout when the call gives none.
pub const DEFAULT_EXECUTE_TIMEOUT_MS: f64 = 10_000.0;

/// The status the app sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Idle,
    Connecting,
    Open,
    Reconnecting,
    Closed,
    Failed,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Idle => "idle",
            Status::Connecting => "connecting",
            Status::Open => "open",
            Status::Reconnecting => "reconnecting",
            Status::Closed => "closed",
            Status::Failed => "failed",
        }
    }
}

/// What the web layer must do, or tell the app.
#[derive(Debug, Clone, PartialEq)]
pub enum Action<P> {
    /// Drop any socket and open a new one to this URL.
    OpenSocket(String),
    /// Send this text on the open socket.
    Send(String),
    /// Detach and close the socket with this code and reason.
    CloseSocket(u16, &'static str),
    Status(Status),
    Error(SdkError),
    Batch(Batch<P>),
    /// A side event (`SyncStatus`, `Ephemeral`, group events...), delivered on its own.
    Event { scope: String, event_type: String, payload: P },
    /// A `seq` gap: `expected` never came, `received` did.
    Gap { scope: String, expected: f64, received: f64 },
    /// Latency crossed a threshold (or recovered).
    Degraded(Alert),
    /// Health or connection quality changed.
    Health(Health, Quality),
    /// Time for an `onMetrics` snapshot.
    Metrics,
    /// An `execute()` settled: its request id, and the node's `output` (JSON text) or
    /// why not.
    Executed { id: u64, result: Result<String, ExecFailure> },
}

/// Why an `execute()` failed: `code` is one of `serverError` (with the node's error),
/// `executeTimeout`, `connectionLost`, `closed`, `messageDropped`, `invalidContextId`,
/// `unsupported` (json protocol).
#[derive(Debug, Clone, PartialEq)]
pub struct ExecFailure {
    pub code: &'static str,
    pub message: String,
    pub server: Option<ServerError>,
}

/// A pending `execute()`.
#[derive(Debug, Clone, Copy)]
struct Exec {
    id: u64,
    deadline: f64,
    timeout_ms: f64,
    /// On the socket (else still in the offline queue).
    sent: bool,
}

/// Replayed presence to drop after a probe (see [`PROBE_REPLAY_WINDOW_MS`]).
#[derive(Debug, Clone)]
struct ReplayWindow {
    probe_id: u64,
    ids: Vec<String>,
    until: f64,
}

/// How often health and quality are re-evaluated while anything changes.
const HEALTH_CHECK_MS: f64 = 1000.0;

/// The socket's side of the state.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Conn {
    Idle,
    Connecting { started: f64, retry: bool },
    Open { since: f64 },
    Waiting { until: f64 },
    Closed,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum RequestKind {
    Subscribe,
    Unsubscribe,
    Probe,
}

#[derive(Debug, Clone)]
struct Request {
    id: u64,
    kind: RequestKind,
    ids: Vec<String>,
    sent_at: f64,
}

/// The outstanding heartbeat probe.
#[derive(Debug, Clone, Copy)]
struct Probe {
    deadline: f64,
    /// Whether this probe was re-sent after the clock jumped (sleep, throttling).
    grace: bool,
}

/// The manager's state machine.
pub struct Machine<P> {
    opts: Options,
    protocol: Protocol,
    rules: RefreshRules,
    batcher: Batcher<P>,
    backoff: Backoff,
    rng: Rng,
    queue: SendQueue,
    seq: SequenceTracker,
    conn: Conn,
    status: Status,
    ever_opened: bool,
    subs: Vec<String>,
    requests: VecDeque<Request>,
    next_id: u64,
    next_probe_at: Option<f64>,
    probe: Option<Probe>,
    /// When the last json-protocol ping went out, for the round trip of its pong.
    ping_sent_at: Option<f64>,
    /// When an input last reached the machine: a long silence means the page slept
    /// or its timers were throttled.
    last_input_at: f64,
    hidden: bool,
    last_rtt_ms: Option<f64>,
    actions: VecDeque<Action<P>>,
    stats: Stats,
    kind_buf: Vec<KindId>,
    latency: LatencyTracker,
    alerts: Alerts,
    recent: Recent,
    health: (Health, Quality),
    /// Health is not evaluated again before this time (unless the status changes).
    health_check_at: f64,
    /// The status health was last evaluated for.
    health_status: Status,
    next_metrics_at: Option<f64>,
    /// When the last bad server stamp was seen (for one report per burst).
    last_bad_stamp_at: Option<f64>,
    replay: Option<ReplayWindow>,
    executes: Vec<Exec>,
}

impl<P: Clone> Machine<P> {
    /// A machine for validated `opts`. `seed` drives the backoff jitter. Refresh rules
    /// the index cannot hold are a range error of `refreshRules`; a malformed initial
    /// context id a type error of `contextIds`.
    pub fn new(opts: Options, seed: u64) -> Result<Self, OptionError> {
        let bad_rules = |msg: String| OptionError::range_error("refreshRules", msg);
        let rules = match &opts.refresh_rules {
            Some(r) => RefreshRules::new(r, &opts.critical_kinds).map_err(bad_rules)?,
            None => {
                let mut base: Vec<(String, Vec<String>)> = super::refresh::DEFAULT_RULES
                    .iter()
                    .map(|(k, f)| (k.to_string(), f.iter().map(|s| s.to_string()).collect()))
                    .collect();
                base.shrink_to_fit();
                RefreshRules::new(&base, &opts.critical_kinds).map_err(bad_rules)?
            }
        };
        let batcher = Batcher::new(BatchConfig {
            window_ms: opts.batch_window_ms,
            max_size: opts.max_batch_size as u32,
            max_wait_ms: opts.max_batch_wait_ms,
            collect_events: opts.collect_events,
        });
        let backoff = Backoff::new(BackoffConfig {
            initial_ms: opts.reconnect_initial_delay_ms,
            max_ms: opts.reconnect_max_delay_ms,
            multiplier: opts.reconnect_multiplier,
            min_uptime_ms: opts.reconnect_min_uptime_ms,
            max_attempts: opts.reconnect_max_attempts,
        });
        let queue = SendQueue::new(opts.max_queued_messages as usize, opts.queued_message_ttl_ms, opts.queue_overflow);
        let mut protocol = Protocol::new(opts.protocol, &opts.timestamp_field);
        protocol.pong_type = opts.pong_type.clone();
        let mut m = Machine {
            protocol,
            rules,
            batcher,
            backoff,
            rng: Rng::new(seed),
            queue,
            seq: SequenceTracker::default(),
            conn: Conn::Idle,
            status: Status::Idle,
            ever_opened: false,
            subs: Vec::new(),
            requests: VecDeque::new(),
            next_id: FIRST_REQUEST_ID,
            next_probe_at: None,
            probe: None,
            ping_sent_at: None,
            last_input_at: 0.0,
            hidden: false,
            last_rtt_ms: None,
            actions: VecDeque::new(),
            stats: Stats::default(),
            kind_buf: Vec::new(),
            latency: LatencyTracker::new(opts.latency_sample_size as usize),
            alerts: Alerts::new(opts.latency_warn_ms, opts.latency_critical_ms),
            recent: Recent::default(),
            health: (Health::Warning, Quality::Poor),
            health_check_at: f64::NEG_INFINITY,
            health_status: Status::Idle,
            next_metrics_at: None,
            last_bad_stamp_at: None,
            replay: None,
            executes: Vec::new(),
            opts,
        };
        let initial = ::core::mem::take(&mut m.opts.context_ids);
        for id in &initial {
            m.protocol.check_context_id(id).map_err(|msg| OptionError::type_error("contextIds", msg))?;
            if !m.subs.contains(id) {
                m.subs.push(id.clone());
            }
        }
        m.opts.context_ids = initial;
        Ok(m)
    }

    // ----- reading -----

    pub fn status(&self) -> Status {
        self.status
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn reset_stats(&mut self) {
        self.stats = Stats::default();
        self.latency.clear();
        self.alerts.reset();
        self.recent.reset(Counts::default());
    }

    /// Latency and round-trip windows, and the clock offset.
    pub fn latency(&self) -> &LatencyTracker {
        &self.latency
    }

    /// Health and connection quality as last evaluated.
    pub fn health(&self) -> (Health, Quality) {
        self.health
    }

    /// Frames per second over the last minute.
    pub fn frames_per_second(&mut self, now: f64) -> f64 {
        self.recent.frames_per_second(now)
    }

    /// Latency alerts raised so far.
    pub fn alerts_raised(&self) -> u64 {
        self.alerts.alerts_raised
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    pub fn protocol(&self) -> &Protocol {
        &self.protocol
    }

    pub fn rules(&self) -> &RefreshRules {
        &self.rules
    }

    /// Current subscriptions, in the order they were asked for.
    pub fn subscriptions(&self) -> &[String] {
        &self.subs
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Frames waiting in the pending batch.
    pub fn pending_frames(&self) -> u32 {
        self.batcher.pending_size()
    }

    pub fn last_rtt_ms(&self) -> Option<f64> {
        self.last_rtt_ms
    }

    /// `execute()` calls awaiting their reply.
    pub fn executes_pending(&self) -> usize {
        self.executes.len()
    }

    /// Retries made since the last stable connection.
    pub fn retries(&self) -> u32 {
        self.backoff.retries()
    }

    /// The next action to carry out.
    pub fn poll_action(&mut self) -> Option<Action<P>> {
        self.actions.pop_front()
    }

    /// When [`Machine::tick`] should next run, if ever.
    pub fn poll_timeout(&self) -> Option<f64> {
        let mut t: Option<f64> = None;
        let mut at = |v: f64| t = Some(t.map_or(v, |c: f64| c.min(v)));
        match self.conn {
            Conn::Connecting { started, .. } => at(started + self.opts.connect_timeout_ms),
            Conn::Waiting { until } if !self.hidden => at(until),
            Conn::Open { since } => {
                if let Some(d) = self.backoff.uptime_deadline(since) {
                    at(d);
                }
                if let Some(p) = self.probe {
                    at(p.deadline);
                } else if let Some(n) = self.next_probe_at {
                    at(n);
                }
            }
            _ => {}
        }
        if let Some(e) = self.queue.next_expiry() {
            at(e);
        }
        if let Some(d) = self.batcher.deadline() {
            at(d);
        }
        if let Some(m) = self.next_metrics_at {
            at(m);
        }
        for e in &self.executes {
            at(e.deadline);
        }
        t
    }

    // ----- app inputs -----

    /// Starts connecting; a no-op while connecting or open.
    pub fn connect(&mut self, now: f64) {
        match self.conn {
            Conn::Connecting { .. } | Conn::Open { .. } => {}
            Conn::Waiting { .. } => self.start_attempt(now, true),
            Conn::Idle | Conn::Closed | Conn::Failed => {
                self.backoff.reset();
                let retry = self.ever_opened;
                self.start_attempt(now, retry);
            }
        }
        self.advance(now);
    }

    /// Closes for good (code 1000): every timer stops, nothing reconnects. A pending
    /// batch is still delivered.
    pub fn close(&mut self, now: f64) {
        if matches!(self.conn, Conn::Connecting { .. } | Conn::Open { .. }) {
            self.actions.push_back(Action::CloseSocket(1000, "closed by the app"));
        }
        self.conn = Conn::Closed;
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
        let mut fresh = Vec::new();
        let mut bad = Vec::new();
        for id in ids {
            match self.protocol.check_context_id(id) {
                Err(msg) => {
                    self.error(SdkError::new(ErrorCode::InvalidContextId, msg).with_ids(vec![id.clone()]));
                    bad.push(id.clone());
                }
                Ok(()) if !self.subs.contains(id) && !fresh.contains(id) => fresh.push(id.clone()),
                Ok(()) => {}
            }
        }
        self.subs.extend(fresh.iter().cloned());
        if matches!(self.conn, Conn::Open { .. }) && !fresh.is_empty() {
            self.request(now, RequestKind::Subscribe, fresh);
        }
        self.advance(now);
        bad
    }

    /// Removes subscriptions; tells the server when open.
    pub fn unsubscribe(&mut self, now: f64, ids: &[String]) {
        let gone: Vec<String> = ids.iter().filter(|id| self.subs.contains(id)).cloned().collect();
        self.subs.retain(|s| !gone.contains(s));
        if matches!(self.conn, Conn::Open { .. }) && !gone.is_empty() {
            self.request(now, RequestKind::Unsubscribe, gone);
        }
        self.advance(now);
    }

    /// Sends `text` now if open, else queues it. Returns whether it was sent or queued.
    pub fn send(&mut self, now: f64, text: String) -> bool {
        self.advance(now);
        let ok = self.send_tagged(now, text, 0);
        self.advance(now);
        ok
    }

    /// Calls `method` of `context_id` on the node (Calimero `execute`) with `args_json`
    /// (JSON text). Sent at once when open, else queued like [`Machine::send`] (same
    /// bounds, counts and drop reports). Returns its request id; an
    /// [`Action::Executed`] with that id settles it: the reply's `output`, or a failure
    /// (error reply, no reply within `timeout_ms`, the socket lost after it was sent,
    /// `close()`, dropped from the queue).
    pub fn execute(&mut self, now: f64, context_id: &str, method: &str, args_json: &str, timeout_ms: f64) -> u64 {
        self.advance(now);
        let id = self.next_id;
        self.next_id += 1;
        let refused = if self.protocol.kind != ProtocolKind::Calimero {
            Some(("unsupported", String::from("execute() needs protocol \"calimero\"")))
        } else if let Err(msg) = self.protocol.check_context_id(context_id) {
            Some(("invalidContextId", msg))
        } else if matches!(self.conn, Conn::Closed | Conn::Failed) {
            Some(("closed", crate::cat!("the manager is ", self.status.name())))
        } else if self.executes.len() >= MAX_PENDING_EXECUTES {
            Some(("messageDropped", crate::cat!(MAX_PENDING_EXECUTES, " execute() calls are already pending")))
        } else {
            None
        };
        if let Some((code, msg)) = refused {
            self.exec_fail(id, code, msg);
        } else {
            let text = self.protocol.execute(id, context_id, method, args_json);
            let timeout_ms = if timeout_ms.is_finite() && timeout_ms > 0.0 { timeout_ms } else { DEFAULT_EXECUTE_TIMEOUT_MS };
            let sent = matches!(self.conn, Conn::Open { .. });
            self.executes.push(Exec { id, deadline: now + timeout_ms, timeout_ms, sent });
            if !self.send_tagged(now, text, id) {
                self.take_exec(Some(id));
            }
        }
        self.advance(now);
        id
    }

    /// Sends or queues `text`; `tag` is the `execute()` it carries (0 for none). A
    /// message the queue drops settles its `execute()`.
    fn send_tagged(&mut self, now: f64, text: String, tag: u64) -> bool {
        match self.conn {
            Conn::Open { .. } => {
                self.stats.messages_sent += 1;
                self.actions.push_back(Action::Send(text));
                true
            }
            Conn::Closed | Conn::Failed => false,
            Conn::Idle | Conn::Connecting { .. } | Conn::Waiting { .. } => {
                let (dropped, queued) = self.queue.push_tagged(text, now, tag);
                if queued {
                    self.stats.messages_queued += 1;
                }
                if let Some((_, gone, cause)) = dropped {
                    self.dropped_message(cause, 1);
                    self.exec_dropped(gone);
                }
                queued
            }
        }
    }

    /// Settles the `execute()` tagged `tag` (0: none) as dropped from the queue.
    fn exec_dropped(&mut self, tag: u64) {
        if tag != 0 {
            self.take_exec(Some(tag));
            self.exec_fail(tag, "messageDropped", "dropped from the offline queue".into());
        }
    }

    /// Removes the pending `execute()` `id` from the table, if there.
    fn take_exec(&mut self, id: Option<u64>) -> Option<Exec> {
        let i = self.executes.iter().position(|e| Some(e.id) == id)?;
        Some(self.executes.swap_remove(i))
    }

    fn exec_fail(&mut self, id: u64, code: &'static str, message: String) {
        self.take_exec(Some(id));
        self.actions.push_back(Action::Executed { id, result: Err(ExecFailure { code, message, server: None }) });
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
        self.advance(now);
        n
    }

    /// The app's batch callback finished (its Promise settled).
    pub fn batch_settled(&mut self, now: f64) {
        self.batcher.settled();
        self.advance(now);
    }

    /// Reports an error found by the web layer (a throwing callback, a binary frame).
    pub fn report(&mut self, now: f64, err: SdkError) {
        if err.code == ErrorCode::BinaryFrame {
            self.stats.frames_received += 1;
            self.stats.frames_dropped += 1;
        }
        self.error(err);
        self.advance(now);
    }

    // ----- page inputs -----

    /// The page became visible or hidden. No retry is attempted while hidden; on
    /// becoming visible every due check runs at once.
    pub fn visibility(&mut self, now: f64, visible: bool) {
        self.hidden = !visible;
        self.advance(now);
    }

    /// The browser is online again: retry at once, skipping the backoff wait.
    pub fn online(&mut self, now: f64) {
        if let Conn::Waiting { .. } = self.conn {
            self.start_attempt(now, true);
        }
        self.advance(now);
    }

    /// The browser went offline: the socket is given up (it would only time out) and
    /// the manager waits to reconnect, with backoff, or at once on `online`.
    pub fn offline(&mut self, now: f64) {
        if matches!(self.conn, Conn::Connecting { .. } | Conn::Open { .. }) {
            if let Conn::Open { since } = self.conn {
                self.backoff.check_uptime(since, now);
            }
            self.actions.push_back(Action::CloseSocket(4001, "browser offline"));
            // An immediate retry would only fail while offline: wait the backoff delay.
            self.backoff.forgo_immediate();
            self.lost(now, SdkError::new(ErrorCode::ConnectionLost, "the browser went offline"));
        }
        self.advance(now);
    }

    // ----- socket inputs -----

    pub fn on_open(&mut self, now: f64) {
        let Conn::Connecting { retry, .. } = self.conn else {
            return;
        };
        self.conn = Conn::Open { since: now };
        self.set_status(Status::Open);
        if retry {
            self.stats.reconnects += 1;
            self.seq.reset();
            self.batcher.raise(now, RESYNC_BIT);
        }
        self.ever_opened = true;
        // Subscriptions go first, then whatever the app queued while offline.
        if !self.subs.is_empty() {
            let all = self.subs.clone();
            self.request(now, RequestKind::Subscribe, all);
        }
        self.expire_executes(now);
        for (_, g) in self.queue.expire_tagged(now) {
            self.dropped_message(DropCause::Expired, 1);
            self.exec_dropped(g);
        }
        while let Some((text, g)) = self.queue.pop_tagged() {
            self.stats.messages_sent += 1;
            self.actions.push_back(Action::Send(text));
            if let Some(e) = self.executes.iter_mut().find(|e| e.id == g && g != 0) {
                e.sent = true;
            }
        }
        let interval = self.opts.heartbeat_interval_ms;
        self.next_probe_at = (interval > 0.0).then_some(now + interval.min(FIRST_PROBE_DELAY_MS));
        self.advance(now);
    }

    /// The socket closed (or failed to open).
    pub fn on_close(&mut self, now: f64, code: u16, reason: &str) {
        match self.conn {
            Conn::Connecting { .. } => {
                let msg = crate::cat!("connect attempt failed (close code ", code, reason_suffix(reason), ")");
                self.lost(now, SdkError::new(ErrorCode::ConnectFailed, msg).with_close_code(code));
            }
            Conn::Open { since } => {
                self.backoff.check_uptime(since, now);
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
        self.advance(now);
    }

    /// The core's id for an event kind name (for frames pre-read elsewhere).
    pub fn intern_kind(&mut self, name: &str) -> KindId {
        self.rules.intern(name)
    }

    /// A state frame already read by the web layer's pre-reader (a Calimero
    /// `StateMutation` of `scope` with these kinds, `len` bytes): the same rules as
    /// [`Machine::on_frame`], without reading the text again.
    pub fn on_scanned_frame(&mut self, now: f64, scope: &str, kinds: &[KindId], len: usize, payload: P) {
        if len as f64 > self.opts.max_message_bytes {
            return self.on_oversized(now, len);
        }
        self.frame_arrived(now, len);
        self.fold_ids(now, scope, kinds, payload);
        self.advance(now);
    }

    fn frame_arrived(&mut self, now: f64, len: usize) {
        self.stats.frames_received += 1;
        self.stats.bytes_received += len as u64;
        // Anything that arrives proves the connection alive.
        if self.probe.take().is_some() {
            self.schedule_probe(now);
        }
    }

    /// A text frame. `payload` is how the frame is kept for delivery.
    pub fn on_frame(&mut self, now: f64, text: &str, payload: P) {
        if text.len() as f64 > self.opts.max_message_bytes {
            return self.on_oversized(now, text.len());
        }
        self.frame_arrived(now, text.len());
        match self.protocol.decode(text) {
            Err(e) => {
                self.stats.frames_dropped += 1;
                let msg = crate::cat!(e, "; frame skipped: ", snippet(text));
                self.error(SdkError::new(ErrorCode::BadFrame, msg));
            }
            Ok(Inbound::Event(ev)) => {
                if let Some(seq) = ev.seq {
                    match self.seq.check(&ev.scope, seq) {
                        SeqCheck::InOrder => {}
                        SeqCheck::Duplicate { last } => {
                            self.stats.duplicates += 1;
                            self.stats.frames_dropped += 1;
                            let msg = crate::cat!("duplicate frame dropped: seq ", num(seq), " of ", quoted(&ev.scope), " is not after ", num(last));
                            self.error(SdkError::new(ErrorCode::DuplicateFrame, msg));
                            self.advance(now);
                            return;
                        }
                        SeqCheck::Gap { expected, received } => {
                            self.stats.gaps += 1;
                            self.batcher.raise(now, RESYNC_BIT);
                            self.actions.push_back(Action::Gap { scope: ev.scope.to_string(), expected, received });
                        }
                    }
                }
                if let Some(ts) = ev.timestamp {
                    self.latency_sample(now, ts, &ev.kinds);
                }
                if ev.replayed && self.replay.as_ref().is_some_and(|w| now <= w.until && w.ids.iter().any(|i| *i == ev.scope)) {
                    // Presence the node replayed because a probe re-subscribed: the app
                    // has it already.
                    self.stats.probe_replays_dropped += 1;
                } else if ev.class == EventClass::Side {
                    self.stats.side_events += 1;
                    self.actions.push_back(Action::Event {
                        scope: ev.scope.into_owned(),
                        event_type: ev.event_type.into_owned(),
                        payload,
                    });
                } else {
                    self.fold(now, &ev.scope, &ev.kinds, payload);
                }
            }
            Ok(Inbound::Reply(reply)) => self.on_reply(now, reply),
            Ok(Inbound::Error(err)) => self.on_server_error(now, err),
            Ok(Inbound::Pong { timestamp, .. }) => {
                if let Some(sent_at) = self.ping_sent_at.take() {
                    self.rtt_sample(now - sent_at);
                    if let Some(v) = timestamp {
                        match self.latency.check(now, v) {
                            Ok(ts) => {
                                if let Some(step) = stamp_step_ms(v) {
                                    self.latency.offset.add(sent_at, ts, step, now);
                                }
                            }
                            Err(why) => self.bad_stamp(now, v, why),
                        }
                    }
                }
            }
        }
        self.advance(now);
    }

    /// A timer fired: run every check that is due.
    pub fn tick(&mut self, now: f64) {
        self.advance(now);
    }

    // ----- rules -----

    fn rtt_sample(&mut self, rtt: f64) {
        if let Some(rtt) = self.latency.round_trip(rtt) {
            self.last_rtt_ms = Some(rtt);
        }
    }

    /// A server timestamp found when a frame that arrived at `arrived_at` was delivered
    /// (an app's stamp inside Calimero event data): one latency sample.
    pub fn delivered_stamp(&mut self, arrived_at: f64, ts: f64, kind: Option<&str>) {
        self.stamp_sample(arrived_at, ts, kind.as_slice());
    }

    /// A server stamp of a frame that arrived at `now`, carrying `kinds`: refused and
    /// reported when unusable, else one latency sample and perhaps an alert.
    fn stamp_sample(&mut self, now: f64, ts: f64, kinds: &[&str]) {
        if let Err(why) = self.latency.check(now, ts) {
            return self.bad_stamp(now, ts, why);
        }
        if let Some(latency) = self.latency.frame(now, ts, kinds) {
            if let Some(alert) = self.alerts.sample(now, latency, kinds.first().copied()) {
                self.actions.push_back(Action::Degraded(alert));
            }
        }
    }

    /// A server stamp that cannot be used: counted always, reported once per burst.
    fn bad_stamp(&mut self, now: f64, v: f64, why: BadStamp) {
        self.stats.bad_timestamps += 1;
        let quiet = self.last_bad_stamp_at.is_none_or(|t| now - t >= BAD_TIMESTAMP_QUIET_MS);
        self.last_bad_stamp_at = Some(now);
        if quiet {
            let what = match why {
                BadStamp::NotANumber => "not a number",
                BadStamp::NotPositive => "not positive",
                BadStamp::TooLarge => "too large for any unit",
                BadStamp::Ahead(_) => "over 60 s ahead of the clock",
            };
            let msg = crate::cat!("server timestamp ", num(v), " refused (", what, "): no latency sample; more are counted in stats().badTimestamps, reported after 10 s without one");
            self.error(SdkError::new(ErrorCode::BadTimestamp, msg));
        }
    }

    fn latency_sample(&mut self, now: f64, ts: f64, kinds: &[super::json_reader::RawStr<'_>]) {
        let mut names: Vec<&str> = Vec::with_capacity(kinds.len());
        names.extend(kinds.iter().filter(|k| !k.escaped).map(|k| k.raw));
        self.stamp_sample(now, ts, &names);
    }

    fn fold(&mut self, now: f64, scope: &str, kinds: &[super::json_reader::RawStr<'_>], payload: P) {
        let mut buf = ::core::mem::take(&mut self.kind_buf);
        buf.clear();
        for k in kinds {
            buf.push(if k.escaped { self.rules.intern(&k.value()) } else { self.rules.intern(k.raw) });
        }
        self.fold_ids(now, scope, &buf, payload);
        self.kind_buf = buf;
    }

    /// Folds a state frame with interned kinds into the pending batch.
    fn fold_ids(&mut self, now: f64, scope: &str, kinds: &[KindId], payload: P) {
        let mut mask = CHANGED_BIT;
        let mut critical = false;
        for &id in kinds {
            mask |= self.rules.mask(id);
            critical |= self.rules.is_critical(id);
            self.stats.count_kind(id);
        }
        self.stats.frames_batched += 1;
        self.batcher.push(now, FrameFold { scope, kinds, mask, critical }, payload);
    }

    fn on_reply(&mut self, now: f64, reply: ReplyInfo<'_>) {
        if let Some(e) = self.take_exec(reply.id) {
            let output = reply.output.unwrap_or("null").to_string();
            self.actions.push_back(Action::Executed { id: e.id, result: Ok(output) });
            return;
        }
        if let Some(w) = self.replay.as_mut().filter(|w| Some(w.probe_id) == reply.id) {
            w.until = now + PROBE_REPLAY_WINDOW_MS;
        }
        let req = match reply.id {
            Some(id) => self.requests.iter().position(|r| r.id == id),
            // json replies carry no id: they answer the oldest request of their kind.
            None => self.requests.iter().position(|r| (r.kind == RequestKind::Unsubscribe) == reply.unsubscribe),
        }
        .and_then(|i| self.requests.remove(i));
        let Some(req) = req else { return };
        if matches!(req.kind, RequestKind::Subscribe | RequestKind::Probe) {
            // Every subscribe reply is a round-trip sample.
            self.rtt_sample(now - req.sent_at);
            if let Some(accepted) = reply.accepted {
                let denied: Vec<String> = req
                    .ids
                    .iter()
                    .filter(|id| self.subs.contains(id) && !accepted.iter().any(|a| a == id.as_str()))
                    .cloned()
                    .collect();
                if !denied.is_empty() {
                    self.subs.retain(|s| !denied.contains(s));
                    let msg = crate::cat!("the server denied the subscription to ", denied.join(", "));
                    self.error(SdkError::new(ErrorCode::SubscriptionDenied, msg).with_ids(denied));
                }
            }
        }
    }

    fn on_server_error(&mut self, now: f64, err: ServerError) {
        if let Some(e) = self.take_exec(err.id) {
            // The app's own call: its Promise rejects; not an onError report.
            let message = crate::cat!("the node refused the call: ", err.kind, ": ", err.detail);
            self.actions.push_back(Action::Executed { id: e.id, result: Err(ExecFailure { code: "serverError", message, server: Some(err) }) });
            return;
        }
        if let Some(w) = self.replay.as_mut().filter(|w| Some(w.probe_id) == err.id) {
            w.until = now + PROBE_REPLAY_WINDOW_MS;
        }
        let req = err.id.and_then(|id| self.requests.iter().position(|r| r.id == id)).and_then(|i| self.requests.remove(i));
        let what = match &req {
            Some(r) => match r.kind {
                RequestKind::Subscribe | RequestKind::Probe => "subscribe",
                RequestKind::Unsubscribe => "unsubscribe",
            },
            None => "request",
        };
        let msg = crate::cat!("server refused a ", what, ": ", err.kind, ": ", err.detail);
        let ids = req.map(|r| r.ids).unwrap_or_default();
        self.error(SdkError::new(ErrorCode::ServerError, msg).with_ids(ids));
    }

    fn request(&mut self, now: f64, kind: RequestKind, ids: Vec<String>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let text = match kind {
            RequestKind::Subscribe | RequestKind::Probe => self.protocol.subscribe(id, &ids),
            RequestKind::Unsubscribe => self.protocol.unsubscribe(id, &ids),
        };
        self.stats.messages_sent += 1;
        self.actions.push_back(Action::Send(text));
        if self.requests.len() >= MAX_PENDING_REQUESTS {
            self.requests.pop_front();
        }
        self.requests.push_back(Request { id, kind, ids, sent_at: now });
        id
    }

    fn send_probe(&mut self, now: f64, grace: bool) {
        match self.protocol.kind {
            ProtocolKind::Calimero => {
                let all = self.subs.clone();
                // A context whose real subscribe is still unanswered is left out of the
                // window: the replay that subscribe causes is the app's current presence.
                let ids: Vec<String> = all
                    .iter()
                    .filter(|id| !self.requests.iter().any(|r| r.kind == RequestKind::Subscribe && r.ids.contains(id)))
                    .cloned()
                    .collect();
                let probe_id = self.request(now, RequestKind::Probe, all);
                let until = now + self.opts.heartbeat_timeout_ms;
                self.replay = Some(ReplayWindow { probe_id, ids, until });
            }
            ProtocolKind::Json => {
                self.stats.messages_sent += 1;
                self.actions.push_back(Action::Send(self.opts.ping_message.clone()));
                self.ping_sent_at = Some(now);
            }
        }
        self.probe = Some(Probe { deadline: now + self.opts.heartbeat_timeout_ms, grace });
        self.next_probe_at = None;
    }

    fn schedule_probe(&mut self, now: f64) {
        if self.opts.heartbeat_interval_ms > 0.0 && matches!(self.conn, Conn::Open { .. }) {
            self.next_probe_at = Some(now + self.opts.heartbeat_interval_ms);
        }
    }

    /// Runs every due rule at `now`.
    fn advance(&mut self, now: f64) {
        // A silence well past the heartbeat timeout (more than a late timer explains)
        // means the page slept or its timers were throttled: a reply could not have
        // been read meanwhile.
        let jumped = now - self.last_input_at > self.opts.heartbeat_timeout_ms + CLOCK_JUMP_SLACK_MS;
        self.last_input_at = now;
        match self.conn {
            Conn::Connecting { started, .. } if now >= started + self.opts.connect_timeout_ms => {
                self.actions.push_back(Action::CloseSocket(4002, "connect timeout"));
                let msg = crate::cat!("connect attempt timed out after ", num(self.opts.connect_timeout_ms), " ms");
                self.lost(now, SdkError::new(ErrorCode::ConnectFailed, msg));
            }
            Conn::Waiting { until } if now >= until && !self.hidden => self.start_attempt(now, true),
            Conn::Open { since } => {
                self.backoff.check_uptime(since, now);
                match self.probe {
                    Some(p) if now >= p.deadline => {
                        if jumped && !p.grace {
                            self.send_probe(now, true);
                        } else {
                            self.actions.push_back(Action::CloseSocket(4000, "heartbeat timeout"));
                            let msg = crate::cat!("no heartbeat reply within ", num(self.opts.heartbeat_timeout_ms), " ms");
                            self.lost(now, SdkError::new(ErrorCode::HeartbeatTimeout, msg));
                        }
                    }
                    None if self.next_probe_at.is_some_and(|n| now >= n) => self.send_probe(now, false),
                    _ => {}
                }
            }
            _ => {}
        }
        for (_, g) in self.queue.expire_tagged(now) {
            self.dropped_message(DropCause::Expired, 1);
            self.exec_dropped(g);
        }
        self.expire_executes(now);
        if let Some(batch) = self.batcher.poll(now) {
            self.stats.batches_delivered += 1;
            self.stats.largest_batch = self.stats.largest_batch.max(batch.size);
            self.actions.push_back(Action::Batch(batch));
        }
        self.track_health(now);
        self.track_metrics(now);
    }

    /// Re-evaluates health and quality on an input, at most once per
    /// [`HEALTH_CHECK_MS`] (at once on a status change). No timer of its own: a quiet
    /// connection still has its heartbeat probes as inputs.
    fn track_health(&mut self, now: f64) {
        // The error rate is of the server's frames: errors about frames it sent (bad,
        // oversized, binary, duplicate, error replies to the SDK's requests, every bad
        // stamp), not connection failures (counted as reconnects and timeouts) nor the
        // app's own refusals (invalid ids, dropped messages, throwing callbacks).
        let frame_errors: u64 = ErrorCode::ALL.iter().filter(|c| c.is_frame_error()).map(|c| self.stats.errors_by_code[c.index()]).sum();
        let totals = Counts {
            frames: self.stats.frames_received,
            errors: frame_errors + self.stats.bad_timestamps,
            reconnects: self.stats.reconnects,
            stalls: self.stats.errors_by_code[ErrorCode::HeartbeatTimeout.index()],
        };
        self.recent.record(now, totals);
        if matches!(self.conn, Conn::Idle | Conn::Closed) {
            return;
        }
        if now < self.health_check_at && self.status == self.health_status {
            return;
        }
        self.health_check_at = now + HEALTH_CHECK_MS;
        self.health_status = self.status;
        let inputs = health::Inputs {
            open: matches!(self.conn, Conn::Open { .. }),
            failed: matches!(self.conn, Conn::Failed),
            recent: self.recent.totals(now),
            latency_p95: (!self.latency.corrected.is_empty()).then(|| self.latency.corrected.summary().p95),
            rtt_p50: (!self.latency.rtt.is_empty()).then(|| self.latency.rtt.summary().p50),
            warn_ms: self.opts.latency_warn_ms,
            critical_ms: self.opts.latency_critical_ms,
        };
        let verdict = (health::health(&inputs), health::quality(&inputs));
        if verdict != self.health {
            self.health = verdict;
            self.actions.push_back(Action::Health(verdict.0, verdict.1));
        }
    }

    fn track_metrics(&mut self, now: f64) {
        let running = self.opts.metrics_interval_ms > 0.0 && !matches!(self.conn, Conn::Idle | Conn::Closed);
        if !running {
            self.next_metrics_at = None;
            return;
        }
        match self.next_metrics_at {
            None => self.next_metrics_at = Some(now + self.opts.metrics_interval_ms),
            Some(at) if now >= at => {
                self.actions.push_back(Action::Metrics);
                self.next_metrics_at = Some(now + self.opts.metrics_interval_ms);
            }
            Some(_) => {}
        }
    }

    fn start_attempt(&mut self, now: f64, retry: bool) {
        self.conn = Conn::Connecting { started: now, retry };
        self.stats.connect_attempts += 1;
        let url = self.protocol.connect_url(&self.opts.url, self.opts.token.as_deref());
        self.actions.push_back(Action::OpenSocket(url));
        self.set_status(if retry || self.backoff.retries() > 0 { Status::Reconnecting } else { Status::Connecting });
    }

    /// The connection is gone without the app asking: report and plan a retry.
    fn lost(&mut self, now: f64, err: SdkError) {
        self.clear_connection_state();
        self.error(err);
        if !self.opts.reconnect {
            self.conn = Conn::Closed;
            self.set_status(Status::Closed);
            return;
        }
        match self.backoff.next_delay(&mut self.rng) {
            Some(delay) => {
                self.conn = Conn::Waiting { until: now + delay };
                self.set_status(Status::Reconnecting);
            }
            None => {
                self.conn = Conn::Failed;
                self.set_status(Status::Failed);
                let msg = crate::cat!("gave up after ", self.backoff.retries(), " reconnect attempts");
                self.error(SdkError::new(ErrorCode::GaveUp, msg));
            }
        }
    }

    /// Rejects the `execute()` calls whose time is up (a queued one leaves the queue).
    fn expire_executes(&mut self, now: f64) {
        while let Some(i) = self.executes.iter().position(|e| now >= e.deadline) {
            let e = self.executes.swap_remove(i);
            if !e.sent {
                self.queue.remove_tag(e.id);
            }
            let msg = crate::cat!("no reply within ", num(e.timeout_ms), " ms");
            self.exec_fail(e.id, "executeTimeout", msg);
        }
    }

    fn clear_connection_state(&mut self) {
        self.replay = None;
        // Calls on the lost socket get no reply now (the node may or may not have run
        // them); queued ones wait for the next socket.
        while let Some(i) = self.executes.iter().position(|e| e.sent) {
            let id = self.executes[i].id;
            self.exec_fail(id, "connectionLost", "the connection was lost before the reply came".into());
        }
        self.requests.clear();
        self.probe = None;
        self.next_probe_at = None;
        // A pong on the next connection must not be timed from a ping of this one.
        self.ping_sent_at = None;
    }

    fn set_status(&mut self, s: Status) {
        if self.status != s {
            self.status = s;
            self.actions.push_back(Action::Status(s));
        }
    }

    fn error(&mut self, e: SdkError) {
        self.stats.count_error(e.code);
        self.actions.push_back(Action::Error(e));
    }

    fn dropped_message(&mut self, cause: DropCause, n: usize) {
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

/// The start of a frame, for error messages.
fn snippet(text: &str) -> String {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        crate::cat!(super::json_reader::slice(text, 0, end), "…")
    } else {
        text.to_string()
    }
}
