//! What a frame does: state events fold into the batch, side events go out on their
//! own, replies and refusals settle requests, pongs time the round trip, and server
//! stamps become latency samples (or are refused).

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Action, ExecFailure, Machine, BAD_TIMESTAMP_QUIET_MS};
use crate::engine::delivery::batcher::FrameFold;
use crate::engine::delivery::refresh::{KindId, CHANGED_BIT, RESYNC_BIT};
use crate::engine::delivery::sequence::SeqCheck;
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::json::reader::RawStr;
use crate::engine::observability::latency::{stamp_step_ms, BadStamp};
use crate::engine::protocols::{EventClass, EventInfo, Inbound, ReplyInfo, ServerError};
use crate::engine::subscriptions::RequestKind;
use crate::engine::text::{num, quoted};
use crate::engine::time::Instant;

impl<P: Clone> Machine<P> {
    /// A text frame. `payload` is how the frame is kept for delivery.
    pub fn on_frame(&mut self, now: f64, text: &str, payload: P) {
        self.on_frame_attached(now, text, 0, payload)
    }

    /// A text frame that came with `attached` binary attachments (a Socket.IO binary
    /// packet's header, whose attachments the web layer collected and keeps in `payload`).
    pub fn on_frame_attached(&mut self, now: f64, text: &str, attached: usize, payload: P) {
        if text.len() as f64 > self.opts.max_message_bytes {
            return self.on_oversized(now, text.len());
        }
        let now = Instant(now);
        self.frame_arrived(now, text.len());
        match self.protocol.decode(text) {
            Err(e) => self.bad_frame(&crate::cat!(e), text),
            // The hub delivers nothing; a relayed tab only what it subscribed.
            Ok(Inbound::Event(ev)) if self.is_hub() || self.not_ours(&ev.scope) => {}
            Ok(Inbound::Event(ev)) if ev.attachments as usize != attached => {
                let why = crate::cat!("a binary packet with ", attached, " of its ", ev.attachments as usize, " attachments (a text frame came between them)");
                self.bad_frame(&why, text)
            }
            #[cfg(feature = "socketio")]
            Ok(Inbound::Event(ev)) if self.traits.joins && !self.subs.is_joined(&ev.scope) => self.early_event(now, ev.scope.into_owned(), text, payload),
            Ok(Inbound::Event(ev)) => self.on_event(now, ev, payload),
            #[cfg(feature = "socketio")]
            Ok(Inbound::Control(c)) => {
                if self.is_hub() && matches!(c, crate::engine::protocols::Control::Handshake { .. }) {
                    self.session.handshake = Some(text.into());
                }
                self.on_control(now, c, attached, payload)
            }
            #[cfg(not(feature = "socketio"))]
            Ok(Inbound::Control(_)) => {}
            Ok(Inbound::Reply(reply)) => self.on_reply(now, reply),
            Ok(Inbound::Error(err)) => self.on_server_error(now, err),
            Ok(Inbound::Pong { timestamp, .. }) => self.on_pong(now, timestamp),
        }
        self.advance(now);
    }

    /// A binary frame of `len` bytes that no binary packet announced (a Socket.IO
    /// attachment reaches [`Machine::on_frame_attached`] with its header): skipped.
    pub fn on_binary(&mut self, now: f64, len: usize) {
        let now = Instant(now);
        self.frame_arrived(now, len);
        self.stats.frames_dropped += 1;
        self.error(SdkError::new(ErrorCode::BinaryFrame, crate::cat!("binary frame of ", len, " bytes with no packet announcing it; skipped")));
        self.advance(now);
    }

    pub(super) fn bad_frame(&mut self, why: &str, text: &str) {
        self.stats.frames_dropped += 1;
        let msg = crate::cat!(why, "; frame skipped: ", snippet(text));
        self.error(SdkError::new(ErrorCode::BadFrame, msg));
    }

    /// A server timestamp found when a frame that arrived at `arrived_at` was delivered
    /// (an app's stamp inside Calimero event data): one latency sample.
    pub fn delivered_stamp(&mut self, arrived_at: f64, ts: f64, kind: Option<&str>) {
        self.stamp_sample(Instant(arrived_at), ts, kind.as_slice());
    }

    pub(super) fn frame_arrived(&mut self, now: Instant, len: usize) {
        self.stats.frames_received += 1;
        self.stats.bytes_received += len as u64;
        // Anything that arrives proves the connection alive.
        self.heartbeat.heard(now);
    }

    pub(super) fn on_event(&mut self, now: Instant, ev: EventInfo<'_>, payload: P) {
        if let Some(seq) = ev.seq {
            match self.seq.check(&ev.scope, seq) {
                SeqCheck::InOrder => {}
                SeqCheck::Duplicate { last } => {
                    self.stats.duplicates += 1;
                    self.stats.frames_dropped += 1;
                    let msg = crate::cat!("duplicate frame dropped: seq ", num(seq), " of ", quoted(&ev.scope), " is not after ", num(last));
                    return self.error(SdkError::new(ErrorCode::DuplicateFrame, msg));
                }
                SeqCheck::Gap { expected, received } => {
                    self.stats.gaps += 1;
                    self.batcher.raise(now.ms(), RESYNC_BIT);
                    self.actions.push_back(Action::Gap { scope: ev.scope.to_string(), expected, received });
                }
            }
        }
        if let Some(ts) = ev.timestamp {
            self.latency_sample(now, ts, &ev.kinds);
        }
        #[cfg(feature = "socketio")]
        if let Some(offset) = &ev.position {
            self.recovery.position(&ev.scope, offset);
        }
        if let Some(why) = ev.bad_payload {
            let msg = crate::cat!(why, "; event ", quoted(&ev.event_type), " of ", quoted(&ev.scope), " delivered as received");
            self.error(SdkError::new(ErrorCode::BadPayload, msg).with_ids(vec![ev.scope.to_string()]));
        }
        if ev.replayed && self.replay.drops(&ev.scope, now) {
            // Presence the node replayed because a probe re-subscribed: the app has it.
            self.stats.probe_replays_dropped += 1;
        } else if ev.class == EventClass::Side {
            self.stats.side_events += 1;
            self.actions.push_back(Action::Event { scope: ev.scope.into_owned(), event_type: ev.event_type.into_owned(), payload });
        } else {
            self.fold(now, &ev.scope, &ev.kinds, payload);
        }
    }

    fn on_pong(&mut self, now: Instant, timestamp: Option<f64>) {
        let Some(sent_at) = self.heartbeat.take_ping() else { return };
        self.rtt_sample(now.since(sent_at).ms());
        if let Some(v) = timestamp {
            match self.watch.latency.check(now.ms(), v) {
                Ok(ts) => {
                    if let Some(step) = stamp_step_ms(v) {
                        self.watch.latency.offset.add(sent_at.ms(), ts, step, now.ms());
                    }
                }
                Err(why) => self.bad_stamp(now, v, why),
            }
        }
    }

    pub(super) fn rtt_sample(&mut self, rtt: f64) {
        if let Some(rtt) = self.watch.latency.round_trip(rtt) {
            self.watch.last_rtt_ms = Some(rtt);
        }
    }

    /// A server stamp of a frame that arrived at `now`, carrying `kinds`: refused and
    /// reported when unusable, else one latency sample and perhaps an alert.
    fn stamp_sample(&mut self, now: Instant, ts: f64, kinds: &[&str]) {
        if let Err(why) = self.watch.latency.check(now.ms(), ts) {
            return self.bad_stamp(now, ts, why);
        }
        if let Some(latency) = self.watch.latency.frame(now.ms(), ts, kinds) {
            if let Some(alert) = self.watch.alerts.sample(now.ms(), latency, kinds.first().copied()) {
                self.actions.push_back(Action::Degraded(alert));
            }
        }
    }

    /// A server stamp that cannot be used: counted always, reported once per burst.
    fn bad_stamp(&mut self, now: Instant, v: f64, why: BadStamp) {
        self.stats.bad_timestamps += 1;
        let quiet = self.watch.last_bad_stamp_at.is_none_or(|t| now.since(t).ms() >= BAD_TIMESTAMP_QUIET_MS);
        self.watch.last_bad_stamp_at = Some(now);
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

    fn latency_sample(&mut self, now: Instant, ts: f64, kinds: &[RawStr<'_>]) {
        let mut names: Vec<&str> = Vec::with_capacity(kinds.len());
        names.extend(kinds.iter().filter(|k| !k.escaped).map(|k| k.raw));
        self.stamp_sample(now, ts, &names);
    }

    fn fold(&mut self, now: Instant, scope: &str, kinds: &[RawStr<'_>], payload: P) {
        let mut buf = core::mem::take(&mut self.kind_buf);
        buf.clear();
        for k in kinds {
            buf.push(if k.escaped { self.rules.intern(&k.value()) } else { self.rules.intern(k.raw) });
        }
        self.fold_ids(now, scope, &buf, payload);
        self.kind_buf = buf;
    }

    /// Folds a state frame with interned kinds into the pending batch.
    pub(super) fn fold_ids(&mut self, now: Instant, scope: &str, kinds: &[KindId], payload: P) {
        let mut mask = CHANGED_BIT;
        let mut critical = false;
        for &id in kinds {
            mask |= self.rules.mask(id);
            critical |= self.rules.is_critical(id);
            self.stats.count_kind(id);
        }
        self.stats.frames_batched += 1;
        self.batcher.push(now.ms(), FrameFold { scope, kinds, mask, critical }, payload);
    }

    fn on_reply(&mut self, now: Instant, reply: ReplyInfo<'_>) {
        if let Some(e) = self.executes.take(reply.id) {
            let output = reply.output.unwrap_or("null").to_string();
            self.actions.push_back(Action::Executed { id: e.id, result: Ok(output) });
            return;
        }
        if self.is_relayed() {
            // The answer to another tab's call, or to the hub's subscribe.
            return;
        }
        self.replay.answered(reply.id, now);
        let Some(req) = self.subs.answered(reply.id, reply.unsubscribe) else { return };
        if matches!(req.kind, RequestKind::Subscribe | RequestKind::Probe) {
            // Every subscribe reply is a round-trip sample.
            self.rtt_sample(now.since(req.sent_at).ms());
            if let Some(accepted) = reply.accepted {
                let denied = self.subs.denied(&req, &accepted);
                if !denied.is_empty() {
                    let msg = crate::cat!("the server denied the subscription to ", denied.join(", "));
                    self.error(SdkError::new(ErrorCode::SubscriptionDenied, msg).with_ids(denied));
                }
            }
        }
    }

    fn on_server_error(&mut self, now: Instant, err: ServerError) {
        if let Some(e) = self.executes.take(err.id) {
            // The app's own call: its Promise rejects; not an onError report.
            let message = crate::cat!("the node refused the call: ", err.kind, ": ", err.detail);
            self.actions.push_back(Action::Executed { id: e.id, result: Err(ExecFailure { code: "serverError", message, server: Some(err) }) });
            return;
        }
        if self.is_relayed() {
            // Not this tab's request: the hub reports it to every tab.
            return;
        }
        self.replay.answered(err.id, now);
        let req = self.subs.refused(err.id);
        let what = req.as_ref().map_or("request", |r| r.what());
        let msg = crate::cat!("server refused a ", what, ": ", err.kind, ": ", err.detail);
        let ids = req.map(|r| r.ids).unwrap_or_default();
        self.error(SdkError::new(ErrorCode::ServerError, msg).with_ids(ids));
    }
}

/// The start of a frame, for error messages.
fn snippet(text: &str) -> String {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        crate::cat!(crate::engine::json::reader::slice(text, 0, end), "…")
    } else {
        text.to_string()
    }
}
