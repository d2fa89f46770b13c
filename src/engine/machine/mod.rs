//! The sans-IO connection manager.
//!
//! [`Machine`] ties the parts together: the connection ([`crate::engine::connection`]:
//! states, backoff, heartbeat), the subscriptions and pending requests
//! ([`crate::engine::subscriptions`]), delivery ([`crate::engine::delivery`]: batcher,
//! refresh rules, sequence, offline queue), observability, and the protocol behind its
//! seam ([`crate::engine::protocols`]). It never touches a socket, a timer or a clock:
//! each input method takes `now` (ms), the machine queues [`Action`]s for the web layer
//! to carry out ([`Machine::poll_action`]), and [`Machine::poll_timeout`] says when it
//! next wants [`Machine::tick`]: the earliest entry of its [`timers`] table. `P` is how a
//! frame is kept until it is delivered (a JS string handle in the browser, a `String`
//! in native tests).
//!
//! - [`inputs`]: what the app, the page and the socket tell the machine;
//! - [`frames`]: what a frame does (events, replies, errors, pongs, stamps);
//! - [`rules`]: what runs on every input (`advance`): timeouts, retries, probes,
//!   expiries, batches, health, metrics;
//! - `sessions`: the rules of protocols with a handshake and joins (Socket.IO, with the
//!   `socketio` feature);
//! - [`snapshot`]: `stats()`, notices and alerts as JSON text for JS.

#[allow(unused_imports)]
use crate::prelude::*;

mod frames;
mod inputs;
mod rules;
#[cfg(feature = "socketio")]
mod sessions;
mod sharing;
pub mod snapshot;
pub mod timers;

pub use crate::engine::connection::backoff::{EARLY_CEILING_MS, EARLY_RETRIES, FIRST_SPREAD, FIRST_SPREAD_MS, FLOOR_MS, RESTART_SPREAD, RESTART_SPREAD_MS};
pub use crate::engine::connection::heartbeat::FIRST_PROBE_DELAY_MS;
pub use crate::engine::connection::urls::SET_ASIDE_MS;
pub use crate::engine::connection::Status;
pub use crate::engine::subscriptions::executes::{DEFAULT_EXECUTE_TIMEOUT_MS, MAX_PENDING_EXECUTES};
pub use crate::engine::subscriptions::replay::PROBE_REPLAY_WINDOW_MS;
pub use crate::engine::subscriptions::FIRST_REQUEST_ID;

use crate::engine::connection::backoff::{Backoff, BackoffConfig, Rng};
use crate::engine::connection::heartbeat::Heartbeat;
use crate::engine::connection::Conn;
use crate::engine::delivery::batcher::{Batch, BatchConfig, Batcher};
use crate::engine::delivery::refresh::{KindId, RefreshRules};
use crate::engine::delivery::send_queue::SendQueue;
use crate::engine::delivery::sequence::SequenceTracker;
use crate::engine::errors::SdkError;
use crate::engine::observability::alerts::{Alert, Alerts};
use crate::engine::observability::health::{Counts, Health, Quality, Recent};
use crate::engine::observability::latency::LatencyTracker;
use crate::engine::observability::stats::Stats;
use crate::engine::options::{OptionError, Options};
use crate::engine::protocols::{FrameError, PreReader, Protocol, ServerError, Stamped, Traits};
use crate::engine::subscriptions::executes::Executes;
use crate::engine::subscriptions::replay::Replay;
use crate::engine::subscriptions::Subscriptions;
use crate::engine::time::Instant;
use alloc::collections::VecDeque;
use timers::{Timer, Timers};

/// After a bad server stamp is reported (`badTimestamp`), further ones are only counted
/// (`stats().badTimestamps`) until this long passes without one: one report per burst.
pub const BAD_TIMESTAMP_QUIET_MS: f64 = 10_000.0;
/// How often health and quality are re-evaluated while anything changes.
const HEALTH_CHECK_MS: f64 = 1000.0;
/// Events that came for a scope before its join reply, held until it (then delivered
/// in order), at the most; more are dropped and reported.
pub const MAX_EARLY_EVENTS: usize = 256;

/// The session of a protocol with a handshake and joins (Socket.IO), for one connection.
#[derive(Debug, Clone, Default)]
struct Session {
    /// The connection's `auth` as JSON text, once known.
    auth: Option<String>,
    /// A function `auth` was asked for ([`Action::Authorize`]) and has not answered.
    awaiting_auth: bool,
    /// The server's limit on a frame we send (bytes; a frame must stay under it).
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    max_payload: f64,
    /// The server left every namespace: the close that follows is for good.
    server_left_all: bool,
    /// This connection is a reconnect: a namespace joined without recovery needs `resync`.
    retry: bool,
    /// The hub: the frame that opened this session (relayed to tabs that join later).
    handshake: Option<String>,
    /// When the next round-trip probe (`probeEvent`) goes out.
    #[cfg_attr(not(feature = "socketio"), allow(dead_code))]
    next_round_trip: Option<Instant>,
}

/// How a machine takes part in sharing one socket between tabs (see [`sharing`]).
enum Share {
    /// Its own socket (no sharing).
    Own,
    /// No socket: frames come from the hub, app sends go to it (numbered, kept until
    /// confirmed).
    Relayed(crate::engine::delivery::relay_out::RelayOut),
    /// The hidden machine that owns the shared socket and delivers nothing.
    Hub,
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
    /// An `execute()` or `emitWithAck()` settled: its request id, and the answer (the
    /// node's `output`, the ack's arguments: JSON text) or why not.
    Executed { id: u64, result: Result<String, ExecFailure> },
    /// socketio with a function `auth`: call it and hand its result to
    /// [`Machine::authorized`]; the namespaces are joined with it.
    Authorize,
    /// Send this text, then the binary attachments kept under `id`, back to back.
    SendAttached { text: String, id: u64 },
    /// socketio: a binary ack settled `emitWithAck` `id`: its arguments (JSON array text
    /// with placeholders) and the frame it came in, which holds the attachments.
    AnsweredAttached { id: u64, args: String, payload: P },
    /// A relayed machine's app frame, for the hub to write: its number `n` (the hub
    /// confirms it, [`Machine::link_confirmed`]) and the id of its binary attachments
    /// (0: none).
    Relay { n: u64, text: String, attached: u64 },
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

/// What the machine watches: latency, alerts, health and metrics.
struct Watch {
    latency: LatencyTracker,
    alerts: Alerts,
    recent: Recent,
    health: (Health, Quality),
    /// Health is not evaluated again before this time (unless the status changes).
    health_check_at: Instant,
    /// The status health was last evaluated for.
    health_status: Status,
    next_metrics_at: Option<Instant>,
    /// When the last bad server stamp was seen (for one report per burst).
    last_bad_stamp_at: Option<Instant>,
    last_rtt_ms: Option<f64>,
}

/// The manager's state machine.
pub struct Machine<P> {
    opts: Options,
    protocol: Protocol,
    rules: RefreshRules,
    // connection
    conn: Conn,
    status: Status,
    ever_opened: bool,
    hidden: bool,
    backoff: Backoff,
    rng: Rng,
    urls: crate::engine::connection::urls::Urls,
    heartbeat: Heartbeat,
    // subscriptions
    traits: Traits,
    session: Session,
    /// Events before their scope's join reply: `(scope, text, payload)`.
    early: Vec<(String, String, P)>,
    subs: Subscriptions,
    #[cfg(feature = "socketio")]
    recovery: crate::engine::subscriptions::recovery::Recovery,
    /// Ids of binary emits (sent or queued) whose attachments the web layer keeps.
    attached_tags: Vec<u64>,
    /// The sends of the current `sendBatchMs` window.
    out_batch: crate::engine::delivery::out_batch::OutBatch,
    executes: Executes,
    replay: Replay,
    // delivery
    batcher: Batcher<P>,
    queue: SendQueue,
    seq: SequenceTracker,
    kind_buf: Vec<KindId>,
    // observability
    watch: Watch,
    stats: Stats,
    // output
    actions: VecDeque<Action<P>>,
    timers: Timers,
    share: Share,
    /// Managers sharing the socket, this one included (`stats().sharedTabs`).
    shared_tabs: u32,
}

impl<P: Clone> Machine<P> {
    /// A machine for validated `opts`. `seed` drives the backoff jitter. Refresh rules
    /// the index cannot hold are a range error of `refreshRules`; a malformed initial
    /// context id a type error of `contextIds`.
    pub fn new(opts: Options, seed: u64) -> Result<Self, OptionError> {
        let protocol = Protocol::new(opts.protocol, &opts.codec_settings());
        let bad_rules = |msg: String| OptionError::range_error("refreshRules", msg);
        let rules = match &opts.refresh_rules {
            Some(r) => RefreshRules::new(r, &opts.critical_kinds).map_err(bad_rules)?,
            None => {
                let base: Vec<(String, Vec<String>)> =
                    protocol.default_rules().iter().map(|(k, f)| (k.to_string(), f.iter().map(|s| s.to_string()).collect())).collect();
                RefreshRules::new(&base, &opts.critical_kinds).map_err(bad_rules)?
            }
        };
        let batcher = Batcher::new(BatchConfig {
            window_ms: opts.batch_window_ms,
            max_size: opts.max_batch_size as u32,
            max_wait_ms: opts.max_batch_wait_ms,
            collect_events: opts.collect_events,
            latest_per_kind: protocol.traits().joins,
        });
        let backoff = Backoff::new(BackoffConfig {
            initial_ms: opts.reconnect_initial_delay_ms,
            max_ms: opts.reconnect_max_delay_ms,
            multiplier: opts.reconnect_multiplier,
            min_uptime_ms: opts.reconnect_min_uptime_ms,
            max_attempts: opts.reconnect_max_attempts,
        });
        let mut subs = Subscriptions::new();
        let (key, scopes) = opts.initial_scopes();
        for id in scopes {
            protocol.check_context_id(id).map_err(|msg| OptionError::type_error(key, msg))?;
        }
        subs.add(scopes);
        Ok(Machine {
            traits: protocol.traits(),
            session: Session { max_payload: f64::INFINITY, ..Session::default() },
            early: Vec::new(),
            rules,
            conn: Conn::Idle,
            status: Status::Idle,
            ever_opened: false,
            hidden: false,
            backoff,
            rng: Rng::new(seed),
            urls: crate::engine::connection::urls::Urls::new(opts.url.clone()),
            heartbeat: Heartbeat::new(opts.heartbeat_interval_ms, opts.heartbeat_timeout_ms),
            subs,
            #[cfg(feature = "socketio")]
            recovery: Default::default(),
            attached_tags: Vec::new(),
            out_batch: Default::default(),
            executes: Executes::default(),
            replay: Replay::default(),
            batcher,
            queue: SendQueue::new(opts.max_queued_messages as usize, opts.queued_message_ttl_ms, opts.queue_overflow),
            seq: SequenceTracker::default(),
            kind_buf: Vec::new(),
            watch: Watch {
                latency: LatencyTracker::new(opts.latency_sample_size as usize),
                alerts: Alerts::new(opts.latency_warn_ms, opts.latency_critical_ms),
                recent: Recent::default(),
                health: (Health::Warning, Quality::Poor),
                health_check_at: Instant(f64::NEG_INFINITY),
                health_status: Status::Idle,
                next_metrics_at: None,
                last_bad_stamp_at: None,
                last_rtt_ms: None,
            },
            stats: Stats::default(),
            actions: VecDeque::new(),
            timers: Timers::default(),
            share: Share::Own,
            shared_tabs: 1,
            protocol,
            opts,
        })
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
        self.watch.latency.clear();
        self.watch.alerts.reset();
        self.watch.recent.reset(Counts::default());
    }

    /// Latency and round-trip windows, and the clock offset.
    pub fn latency(&self) -> &LatencyTracker {
        &self.watch.latency
    }

    /// Health and connection quality as last evaluated.
    pub fn health(&self) -> (Health, Quality) {
        self.watch.health
    }

    /// Frames per second over the last minute.
    pub fn frames_per_second(&mut self, now: f64) -> f64 {
        self.watch.recent.frames_per_second(now)
    }

    /// Latency alerts raised so far.
    pub fn alerts_raised(&self) -> u64 {
        self.watch.alerts.alerts_raised
    }

    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The JS pre-reader the protocol offers for this manager's frames, if any.
    pub fn pre_reader(&self) -> Option<PreReader> {
        self.protocol.pre_reader(self.opts.max_message_bytes)
    }

    /// The app-facing JSON text of a delivered frame, and a stamp found only now (a
    /// frame of a recoverable session without its recovery offset).
    pub fn normalize_stamped(&self, text: &str) -> Result<Stamped, FrameError> {
        #[cfg(feature = "socketio")]
        if self.traits.joins {
            if let Ok(crate::engine::protocols::Inbound::Event(ev)) = self.protocol.decode(text) {
                if ev.position.is_some() && self.recovery.has_pid(&ev.scope) {
                    return self.protocol.normalize_resumed(text);
                }
            }
        }
        self.protocol.normalize_stamped(text)
    }

    /// Whether the app may emit an event of this name (see
    /// [`crate::engine::protocols::Codec::check_event_name`]).
    pub fn check_event_name(&self, name: &str) -> Result<(), String> {
        self.protocol.check_event_name(name)
    }

    /// The refresh rules (flag names, kind names), for building batch objects.
    pub fn rules(&self) -> &RefreshRules {
        &self.rules
    }

    /// Current subscriptions, in the order they were asked for.
    pub fn subscriptions(&self) -> &[String] {
        self.subs.wanted()
    }

    /// Each scope's state (`joined`, `joining`, `refused`, `kicked`; see
    /// [`Subscriptions::states`]).
    pub fn scope_states(&self) -> Vec<(&str, &'static str)> {
        self.subs.states()
    }

    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Frames waiting in the pending batch.
    pub fn pending_frames(&self) -> u32 {
        self.batcher.pending_size()
    }

    pub fn last_rtt_ms(&self) -> Option<f64> {
        self.watch.last_rtt_ms
    }

    /// `execute()` calls awaiting their reply.
    pub fn executes_pending(&self) -> usize {
        self.executes.len()
    }

    /// The URL in use or being tried (without the token), once an attempt was made.
    pub fn current_url(&self) -> Option<&str> {
        self.urls.current()
    }

    /// Failed attempts per URL, in the `url` option's order.
    pub fn url_failures(&self) -> impl Iterator<Item = (&str, u64)> {
        self.urls.failures()
    }

    /// Retries made since the last stable connection.
    pub fn retries(&self) -> u32 {
        self.backoff.retries()
    }

    /// The hub: the frame that opened the current session, if the protocol has one.
    pub fn handshake(&self) -> Option<&str> {
        self.session.handshake.as_deref()
    }

    /// The next action to carry out.
    pub fn poll_action(&mut self) -> Option<Action<P>> {
        self.actions.pop_front()
    }

    /// When [`Machine::tick`] should next run, if ever (ms on the manager's clock).
    pub fn poll_timeout(&self) -> Option<f64> {
        self.timers.next().map(|(_, at)| at.ms())
    }

    /// The earliest deadline and which rule owns it.
    pub fn next_timer(&self) -> Option<(Timer, Instant)> {
        self.timers.next()
    }

    /// Refreshes the timer table from the parts (at the end of every input).
    fn sync_timers(&mut self) {
        let relayed = self.is_relayed();
        let t = &mut self.timers;
        t.set(Timer::ConnectTimeout, self.conn.connect_deadline(crate::engine::time::Duration(self.opts.connect_timeout_ms)));
        t.set(Timer::Retry, self.conn.retry_deadline(self.hidden));
        // A relayed machine's connection is the hub's: no uptime or heartbeat here.
        let open_since = match self.conn {
            Conn::Open { since } if !relayed => Some(since),
            _ => None,
        };
        t.set(Timer::Uptime, open_since.and_then(|s| self.backoff.uptime_deadline(s.ms())).map(Instant));
        t.set(Timer::Heartbeat, open_since.and(self.heartbeat.deadline()));
        t.set(Timer::QueueExpiry, self.queue.next_expiry().map(Instant));
        t.set(Timer::Batch, self.batcher.deadline().map(Instant));
        t.set(Timer::Metrics, self.watch.next_metrics_at);
        t.set(Timer::Execute, self.executes.deadline());
        t.set(Timer::RoundTrip, if self.conn.is_open() { self.session.next_round_trip } else { None });
        t.set(Timer::SendBatch, self.out_batch.deadline());
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
}
