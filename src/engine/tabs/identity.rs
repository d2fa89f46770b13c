//! Which managers share a socket: those whose connection identity is the same (the URL
//! list, the protocol, the token, the Socket.IO path and `auth` object). A hash of it
//! names the Web Lock and the BroadcastChannel, so a different token never meets the
//! others. An `auth` function cannot be compared, so a manager with one never shares.

#[allow(unused_imports)]
use crate::prelude::*;

use crate::engine::options::{Auth, Options};

/// The prefix of every lock and channel name.
pub const PREFIX: &str = "calimero-socket:";

/// The name of the lock and channel of managers with these options, or `None` when they
/// cannot share (an `auth` function).
pub fn share_key(opts: &Options) -> Option<String> {
    let auth = match &opts.auth {
        Auth::None => "",
        Auth::Object(json) => json.as_str(),
        Auth::Function => return None,
    };
    let mut h = Fnv::default();
    for url in &opts.url {
        h.field(url);
    }
    h.field(opts.protocol.name());
    h.field(opts.token.as_deref().unwrap_or(""));
    h.field(if opts.token.is_some() { "t" } else { "-" });
    h.field(&opts.path);
    h.field(auth);
    let mut key = String::from(PREFIX);
    for shift in (0..16).rev() {
        key.push(char::from_digit(((h.0 >> (shift * 4)) & 0xf) as u32, 16).unwrap_or('0'));
    }
    Some(key)
}

/// FNV-1a (64 bit): the key only has to keep identities apart, not resist an attacker
/// (who would need to be script in the same origin, where the token is readable anyway).
#[derive(Debug)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// One field, then a separator no field contains as its length prefix.
    fn field(&mut self, s: &str) {
        for b in (s.len() as u64).to_le_bytes().iter().chain(s.as_bytes()) {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}
