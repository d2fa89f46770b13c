//! The two machines of a shared socket (`shareAcrossTabs`, see [`crate::engine::tabs`]).
//!
//! - A **relayed** machine (every tab's own manager, the leader's too) has no socket: the
//!   hub's frames reach it as if from one, and the shared connection's state reaches it
//!   as [`Machine::link_open`] / [`Machine::link_down`]. It keeps everything that is the
//!   tab's own (batching, flags, `latest`, backpressure, `seq`, latency, the offline
//!   queue, pending `execute()`/`emitWithAck()`), ignores the frames of scopes it did
//!   not subscribe and the replies to requests it did not make, and writes no protocol
//!   frame of its own (no subscribe, no ping, no pong): its app sends go out as
//!   [`Action::Relay`], numbered, for the hub to write. Its request ids come from a
//!   random range of its own, so the replies relayed to every tab reach only the tab
//!   that asked.
//! - The **hub** (a hidden machine in the leader tab) owns the socket with the leader's
//!   options and subscribes the union of the tabs' scopes; it delivers nothing itself.

#[allow(unused_imports)]
use crate::prelude::*;

use super::{Action, Machine, Share};
use crate::engine::connection::{Conn, Status};
use crate::engine::delivery::relay_out::RelayOut;
use crate::engine::errors::{ErrorCode, SdkError};
use crate::engine::time::Instant;

/// Request ids of a sharing machine start at a random multiple of this (from 2^40, and
/// below 2^53 with 2^32 ids each): two tabs draw the same range with a chance of about
/// 1 in 2 million per pair.
const ID_RANGE: u64 = 1 << 32;

impl<P: Clone> Machine<P> {
    /// Makes this machine a relayed one (before `connect()`); `draw` picks its id range.
    pub fn relayed(&mut self, draw: u64) {
        self.share = Share::Relayed(RelayOut::default());
        self.subs.start_ids_at(id_range(draw));
    }

    /// Makes this machine the hub of a shared socket; `draw` picks its id range.
    pub fn hub(&mut self, draw: u64) {
        self.share = Share::Hub;
        self.subs.start_ids_at(id_range(draw));
    }

    pub fn is_relayed(&self) -> bool {
        matches!(self.share, Share::Relayed(_))
    }

    pub fn is_hub(&self) -> bool {
        matches!(self.share, Share::Hub)
    }

    /// How many managers share the socket, this one included (the hub counts them).
    pub fn set_shared_tabs(&mut self, n: u32) {
        self.shared_tabs = n.max(1);
    }

    pub fn shared_tabs(&self) -> u32 {
        self.shared_tabs
    }

    /// Relayed sends the hub has not confirmed yet.
    pub fn unconfirmed(&self) -> usize {
        match &self.share {
            Share::Relayed(out) => out.len(),
            _ => 0,
        }
    }

    /// Relayed: the shared connection is open (on the hub's open, or when this tab
    /// joins a hub already open). `handshake` is the frame that opened the session (a
    /// Socket.IO open packet: its `maxPayload` applies to this tab's emits too);
    /// `joined` the scopes the hub has joined already. After a reopen (a reconnect of
    /// the hub, or a new hub after a handover) the next batch carries `resync`.
    pub fn link_open(&mut self, now: f64, handshake: Option<&str>, joined: &[String]) {
        let now = Instant(now);
        let Conn::Linking { retry } = self.conn else { return self.advance(now) };
        #[cfg(feature = "socketio")]
        if let Some(Ok(crate::engine::protocols::Inbound::Control(crate::engine::protocols::Control::Handshake { max_payload, .. }))) = handshake.map(|t| self.protocol.decode(t)) {
            self.session.max_payload = max_payload;
        }
        #[cfg(not(feature = "socketio"))]
        let _ = handshake;
        self.session_open(now, retry);
        // Joins wait for the hub's join replies (relayed) or its list of those it has.
        self.link_joined(now.ms(), joined);
    }

    /// Relayed: the shared connection is not open: the hub lost it (`status` is what it
    /// does now; `why` its report), or the hub went away (`Reconnecting`: another tab
    /// takes over). Sends the hub did not confirm go back to the front of the queue.
    pub fn link_down(&mut self, now: f64, status: Status, why: Option<SdkError>) {
        let now = Instant(now);
        match self.conn {
            Conn::Open { .. } => {
                let back = match &mut self.share {
                    Share::Relayed(out) => out.take_unconfirmed(),
                    _ => Vec::new(),
                };
                for r in &back {
                    self.executes.mark_unsent(r.tag);
                }
                self.clear_connection_state();
                self.conn = Conn::Linking { retry: true };
                self.requeue_front(now, back);
                self.error(why.unwrap_or_else(|| SdkError::new(ErrorCode::ConnectionLost, "the shared connection was lost")));
                if !matches!(status, Status::Failed | Status::Closed) {
                    self.set_status(Status::Reconnecting);
                }
            }
            Conn::Linking { .. } => {}
            _ => return self.advance(now),
        }
        // Mirror what the hub does now.
        match status {
            Status::Failed | Status::Closed => {
                self.conn = if status == Status::Failed { Conn::Failed } else { Conn::Closed };
                self.set_status(status);
            }
            // A tab that was open before is reconnecting, whatever the new hub says.
            Status::Connecting | Status::Reconnecting => {
                let again = matches!(self.conn, Conn::Linking { retry: true });
                self.set_status(if again { Status::Reconnecting } else { status });
            }
            Status::Open | Status::Idle => {}
        }
        self.advance(now);
    }

    /// Relayed: the hub wrote every relayed send up to `n`.
    pub fn link_confirmed(&mut self, now: f64, n: u64) {
        if let Share::Relayed(out) = &mut self.share {
            out.confirmed(n);
        }
        self.advance(Instant(now));
    }

    /// Relayed: the hub has joined these scopes (those this tab wants count as joined
    /// here: what waited for them goes out). Nothing for protocols without joins.
    pub fn link_joined(&mut self, now: f64, scopes: &[String]) {
        let now = Instant(now);
        #[cfg(feature = "socketio")]
        if self.traits.joins && self.conn.is_open() {
            for scope in scopes {
                if self.subs.wanted().contains(scope) && !self.subs.is_joined(scope) {
                    self.scope_joined(now, scope, false);
                }
            }
        }
        #[cfg(not(feature = "socketio"))]
        let _ = scopes;
        self.advance(now);
    }

    /// Puts sends back at the front of the queue, in their order.
    fn requeue_front(&mut self, now: Instant, back: Vec<crate::engine::delivery::relay_out::Relayed>) {
        if back.is_empty() {
            return;
        }
        let rest: Vec<(String, u64)> = self.queue.take_scope(None);
        for r in back.into_iter().map(|r| (r.text, r.tag)).chain(rest) {
            self.queue_text(now, r.0, r.1, None);
        }
    }

    /// Hands an app frame to the socket: written by the web layer, or relayed.
    pub(super) fn write_app_frame(&mut self, text: String, tag: u64, attached: bool) {
        match &mut self.share {
            Share::Relayed(out) => {
                let n = out.push(text.clone(), if attached { 0 } else { tag });
                self.actions.push_back(Action::Relay { n, text, attached: if attached { tag } else { 0 } });
            }
            _ if attached => self.actions.push_back(Action::SendAttached { text, id: tag }),
            _ => self.actions.push_back(Action::Send(text)),
        }
    }

    /// Relayed: an event of a scope this tab did not subscribe (the hub relays every
    /// frame to every tab): not this tab's.
    pub(super) fn not_ours(&self, scope: &str) -> bool {
        self.is_relayed() && !self.subs.wanted().iter().any(|s| s == scope)
    }
}

fn id_range(draw: u64) -> u64 {
    // 2^40 .. 2^53 in steps of 2^32: 2^21 - 2^8 ranges.
    let ranges = (1u64 << 21) - (1 << 8);
    ((1 << 8) + draw % ranges) * ID_RANGE
}
