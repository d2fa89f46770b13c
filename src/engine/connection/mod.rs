//! The connection: what state the socket is in ([`Conn`]) and what the app sees of it
//! ([`Status`]), when to retry ([`backoff`]), which server to try ([`urls`]) and how a
//! dead socket is noticed ([`heartbeat`]).

#[allow(unused_imports)]
use crate::prelude::*;

pub(crate) mod backoff;
pub(crate) mod heartbeat;
pub(crate) mod urls;

use crate::engine::time::{Duration, Instant};

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

/// The socket's side of the state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Conn {
    Idle,
    /// An attempt is under way; `retry`: not the first open of this manager.
    Connecting { started: Instant, retry: bool },
    Open { since: Instant },
    /// Waiting out the backoff delay.
    Waiting { until: Instant },
    /// A tab sharing another's socket: waiting for the shared connection to open
    /// (`retry`: it was open before).
    Linking { retry: bool },
    Closed,
    Failed,
}

impl Conn {
    pub(crate) fn is_open(self) -> bool {
        matches!(self, Conn::Open { .. })
    }

    /// Connecting or open: there is a socket to close.
    pub(crate) fn has_socket(self) -> bool {
        matches!(self, Conn::Connecting { .. } | Conn::Open { .. })
    }

    /// Closed or failed: nothing will reconnect.
    pub(crate) fn is_over(self) -> bool {
        matches!(self, Conn::Closed | Conn::Failed)
    }

    /// When the attempt under way times out.
    pub(crate) fn connect_deadline(self, timeout: Duration) -> Option<Instant> {
        match self {
            Conn::Connecting { started, .. } => Some(started + timeout),
            _ => None,
        }
    }

    /// When the backoff wait ends (none while the page is hidden: no retry then).
    pub(crate) fn retry_deadline(self, hidden: bool) -> Option<Instant> {
        match self {
            Conn::Waiting { until } if !hidden => Some(until),
            _ => None,
        }
    }
}
