//! One connection for every tab of an origin (`shareAcrossTabs`). The web layer elects a
//! leader with a Web Lock and relays over a BroadcastChannel; the rules it follows live
//! here, each taking `now` and saying when it next wants to run:
//!
//! - [`identity`]: which managers may share (the key that names the lock and channel);
//! - [`liveness`]: how a follower tells a hung leader from a throttled one, and when it
//!   takes the lock over;
//! - [`registry`]: the leader's list of tabs: the reference-counted union of their
//!   subscriptions (released after a delay), and their relayed sends, in order, once.
//!
//! A tab's own manager never owns the shared socket: the leader tab runs a second,
//! hidden machine (the hub) that does, and every tab's manager, the leader's too, reads
//! the frames the hub relays and sends through it (see `Machine::relayed`).

#[allow(unused_imports)]
use crate::prelude::*;

pub mod identity;
pub mod liveness;
pub mod registry;

/// What a manager is in the sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its own socket: sharing is off, not possible here, or the manager is not connected.
    Alone,
    /// Reads the socket another tab holds.
    Follower,
    /// Holds the lock: its tab runs the shared socket.
    Leader,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Alone => "alone",
            Role::Follower => "follower",
            Role::Leader => "leader",
        }
    }
}
