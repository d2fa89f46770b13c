//! What runs on every input ([`Machine::advance`]): the connect timeout, the backoff
//! retry, the heartbeat, queue and `execute()` expiries, the batch, health and metrics;
//! then the timer table is refreshed. Also how an attempt starts and how a lost
//! connection plans its retry.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Action, Machine, HEALTH_CHECK_MS};
use crate::engine::connection::heartbeat::Due;
use crate::engine::connection::{Conn, Status};
use crate::engine::delivery::send_queue::DropCause;
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::observability::health::{self, Counts};
use crate::engine::protocols::Probe;
use crate::engine::subscriptions::RequestKind;
use crate::engine::text::num;
use crate::engine::time::{Duration, Instant};

impl<P: Clone> Machine<P> {
    /// Runs every due rule at `now`.
    pub(super) fn advance(&mut self, now: Instant) {
        let jumped = self.heartbeat.input(now);
        match self.conn {
            Conn::Connecting { started, .. } if (started + Duration(self.opts.connect_timeout_ms)).reached(now) => {
                self.actions.push_back(Action::CloseSocket(4002, "connect timeout"));
                let msg = crate::cat!("connect attempt timed out after ", num(self.opts.connect_timeout_ms), " ms");
                self.attempt_failed(now, SdkError::new(ErrorCode::ConnectFailed, msg));
            }
            Conn::Waiting { until } if until.reached(now) && !self.hidden => self.start_attempt(now, true),
            Conn::Open { since } if !self.is_relayed() => {
                self.backoff.check_uptime(since.ms(), now.ms());
                match self.heartbeat.due(now, jumped) {
                    Due::Probe { grace } => self.send_probe(now, grace),
                    Due::Timeout => {
                        self.actions.push_back(Action::CloseSocket(4000, "heartbeat timeout"));
                        let msg = crate::cat!("no heartbeat reply within ", num(self.opts.heartbeat_timeout_ms), " ms");
                        self.lost(now, SdkError::new(ErrorCode::HeartbeatTimeout, msg));
                    }
                    Due::Nothing => {}
                }
            }
            _ => {}
        }
        for (_, g) in self.queue.expire_tagged(now.ms()) {
            self.dropped_message(DropCause::Expired, 1);
            self.exec_dropped(g);
        }
        self.expire_executes(now);
        if self.out_batch.deadline().is_some_and(|d| d.reached(now)) {
            self.flush_batched(now);
        }
        #[cfg(feature = "socketio")]
        self.round_trip_due(now);
        if let Some(batch) = self.batcher.poll(now.ms()) {
            self.stats.batches_delivered += 1;
            self.stats.largest_batch = self.stats.largest_batch.max(batch.size);
            self.actions.push_back(Action::Batch(batch));
        }
        self.track_health(now);
        self.track_metrics(now);
        self.sync_timers();
    }

    /// Sends the protocol's heartbeat probe.
    fn send_probe(&mut self, now: Instant, grace: bool) {
        match self.protocol.probe() {
            Probe::Resubscribe => {
                let all = self.subs.wanted().to_vec();
                // A context whose real subscribe is still unanswered is left out of the
                // replay window: the replay that subscribe causes is the app's presence.
                let ids: Vec<String> = all.iter().filter(|id| !self.subs.awaiting_subscribe(id)).cloned().collect();
                let probe_id = self.request(now, RequestKind::Probe, all);
                self.replay.open(probe_id, ids, now + self.heartbeat.timeout());
            }
            Probe::Ping(text) => {
                self.stats.messages_sent += 1;
                self.actions.push_back(Action::Send(text));
                self.heartbeat.ping_sent(now);
            }
            // Only the grace window after a clock jump: the server's ping may wait unread.
            Probe::ServerPings => {}
        }
        self.heartbeat.sent(now, grace);
    }

    /// Re-evaluates health and quality on an input, at most once per
    /// [`HEALTH_CHECK_MS`] (at once on a status change). No timer of its own: a quiet
    /// connection still has its heartbeat probes as inputs.
    fn track_health(&mut self, now: Instant) {
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
        let w = &mut self.watch;
        w.recent.record(now.ms(), totals);
        if matches!(self.conn, Conn::Idle | Conn::Closed) {
            return;
        }
        if now < w.health_check_at && self.status == w.health_status {
            return;
        }
        w.health_check_at = now + Duration(HEALTH_CHECK_MS);
        w.health_status = self.status;
        let inputs = health::Inputs {
            open: self.conn.is_open(),
            failed: matches!(self.conn, Conn::Failed),
            recent: w.recent.totals(now.ms()),
            latency_p95: (!w.latency.corrected.is_empty()).then(|| w.latency.corrected.summary().p95),
            rtt_p50: (!w.latency.rtt.is_empty()).then(|| w.latency.rtt.summary().p50),
            warn_ms: self.opts.latency_warn_ms,
            critical_ms: self.opts.latency_critical_ms,
        };
        let verdict = (health::health(&inputs), health::quality(&inputs));
        if verdict != w.health {
            w.health = verdict;
            self.actions.push_back(Action::Health(verdict.0, verdict.1));
        }
    }

    fn track_metrics(&mut self, now: Instant) {
        let every = Duration(self.opts.metrics_interval_ms);
        let running = every.ms() > 0.0 && !matches!(self.conn, Conn::Idle | Conn::Closed);
        let w = &mut self.watch;
        if !running {
            w.next_metrics_at = None;
            return;
        }
        match w.next_metrics_at {
            None => w.next_metrics_at = Some(now + every),
            Some(at) if at.reached(now) => {
                self.actions.push_back(Action::Metrics);
                w.next_metrics_at = Some(now + every);
            }
            Some(_) => {}
        }
    }

    pub(super) fn start_attempt(&mut self, now: Instant, retry: bool) {
        self.session.server_left_all = false;
        if self.is_relayed() {
            // No socket of its own: wait for the hub's (`link_open`).
            self.conn = Conn::Linking { retry };
            return self.set_status(if retry { Status::Reconnecting } else { Status::Connecting });
        }
        self.conn = Conn::Connecting { started: now, retry };
        self.stats.connect_attempts += 1;
        let base = self.urls.next(now, &mut self.rng).to_string();
        let url = self.protocol.connect_url(&base, self.opts.token.as_deref());
        self.actions.push_back(Action::OpenSocket(url));
        self.set_status(if retry || self.backoff.retries() > 0 { Status::Reconnecting } else { Status::Connecting });
    }

    /// A connect attempt failed: the next URL of the pass is tried at once (with several
    /// URLs); at the end of a pass the backoff applies ([`Machine::lost`]).
    pub(super) fn attempt_failed(&mut self, now: Instant, err: SdkError) {
        let Conn::Connecting { retry, .. } = self.conn else {
            return self.lost(now, err);
        };
        if self.urls.failed(now) {
            self.clear_connection_state();
            self.error(err);
            self.start_attempt(now, retry);
        } else {
            self.lost(now, err);
        }
    }

    /// The connection is gone without the app asking: report and plan a retry (a new
    /// pass over the URLs).
    pub(super) fn lost(&mut self, now: Instant, err: SdkError) {
        self.urls.lost();
        let restart = err.close_code.is_some_and(crate::engine::connection::backoff::announces_restart);
        self.clear_connection_state();
        self.error(err);
        if !self.opts.reconnect {
            self.conn = Conn::Closed;
            self.set_status(Status::Closed);
            return;
        }
        match self.backoff.next_delay(&mut self.rng, restart, now.ms()) {
            Some(delay) => {
                self.conn = Conn::Waiting { until: now + Duration(delay) };
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
    pub(super) fn expire_executes(&mut self, now: Instant) {
        while let Some(e) = self.executes.take_expired(now) {
            if !e.sent {
                self.queue.remove_tag(e.id);
            }
            let msg = crate::cat!("no reply within ", num(e.timeout.ms()), " ms");
            self.exec_fail(e.id, e.timeout_code, msg);
        }
    }

    pub(super) fn clear_connection_state(&mut self) {
        self.replay.clear();
        let left_all = self.session.server_left_all;
        self.session = super::Session { max_payload: f64::INFINITY, server_left_all: left_all, ..super::Session::default() };
        self.early.clear();
        // Calls on the lost socket get no reply now (the node may or may not have run
        // them); queued ones wait for the next socket.
        while let Some(e) = self.executes.take_sent() {
            self.exec_fail(e.id, "connectionLost", "the connection was lost before the reply came".into());
        }
        self.subs.forget_pending();
        self.heartbeat.clear();
    }
}
