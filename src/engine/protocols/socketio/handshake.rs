//! The Engine.IO open packet (`0{...}`), the first message of every connection: the
//! heartbeat timing and the frame size limit, and what the client derives from them.
//!
//! The packet also carries `sid`, the Engine.IO session id. A WebSocket-only client
//! never sends it back (it only serves to upgrade a long-polling session), and the
//! servers treat it as sensitive: whoever holds it can act on the session while it
//! lives. So it is checked (a string must be there) and then dropped: [`Handshake`]
//! has no field for it, and it can reach no log, snapshot, error or `Debug` output.
//! `upgrades` (always `[]` on a WebSocket) and unknown keys are ignored.

#[allow(unused_imports)]
use crate::prelude::*;

use super::SioError;
use crate::engine::json::reader::{Reader, ValueKind};

/// What the client needs from the open packet. Every value is a whole number of at
/// least 1 (and at most 2^53-1); milliseconds for the two timings, bytes for the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handshake {
    /// The server pings this long after the open packet and after each pong.
    pub ping_interval: u64,
    /// How long the server waits for the pong before it closes the connection.
    pub ping_timeout: u64,
    /// The largest WebSocket message the server accepts, in bytes.
    pub max_payload: u64,
}

impl Handshake {
    /// How long after the open packet, and after each ping, the connection is deemed
    /// lost when no ping came (`pingInterval + pingTimeout`).
    pub fn heartbeat_deadline(&self) -> u64 {
        self.ping_interval.saturating_add(self.ping_timeout)
    }

    /// The largest frame to send, in UTF-8 bytes: strictly below `maxPayload`, since
    /// one of the servers refuses a frame of exactly that size.
    pub fn max_outbound_frame(&self) -> u64 {
        self.max_payload - 1
    }

    /// Whether `frame` (a whole WebSocket message) is small enough to send.
    pub fn fits(&self, frame: &str) -> bool {
        frame.len() as u64 <= self.max_outbound_frame()
    }
}

/// Reads the open packet's JSON (the text after the `0`). Keys may come in any order
/// (the servers differ); the last of duplicated keys counts, as in JSON.parse.
pub fn read_open(json: &str) -> Result<Handshake, SioError> {
    let mut r = Reader::new(json);
    if r.peek_kind()? != ValueKind::Object {
        return Err(SioError::Handshake("object"));
    }
    let mut sid = false;
    let mut values: [Option<u64>; 3] = [None; 3];
    r.object(|r, key| {
        let slot = if key.eq_str("sid") {
            sid = r.string_or_skip()?.is_some();
            return Ok(());
        } else if key.eq_str("pingInterval") {
            0
        } else if key.eq_str("pingTimeout") {
            1
        } else if key.eq_str("maxPayload") {
            2
        } else {
            return r.skip().map(|_| ());
        };
        values[slot] = r.number_or_skip()?.filter(|n| *n >= 1.0 && *n <= 9_007_199_254_740_991.0 && crate::engine::float::fract(*n) == 0.0).map(|n| n as u64);
        Ok(())
    })?;
    r.finish()?;
    if !sid {
        return Err(SioError::Handshake("sid"));
    }
    let [Some(ping_interval), Some(ping_timeout), Some(max_payload)] = values else {
        const NAMES: [&str; 3] = ["pingInterval", "pingTimeout", "maxPayload"];
        let missing = values.iter().position(Option::is_none).unwrap_or(0);
        return Err(SioError::Handshake(NAMES[missing]));
    };
    Ok(Handshake { ping_interval, ping_timeout, max_payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_servers_open_packets() {
        // Node (defaults, then a short-ping server), then python-socketio's key order.
        let node = read_open(r#"{"sid":"dN-7XAK3poDaeiBSAAAA","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#).unwrap();
        assert_eq!(node, Handshake { ping_interval: 25000, ping_timeout: 20000, max_payload: 1_000_000 });
        assert_eq!(node.heartbeat_deadline(), 45000);
        assert_eq!(node.max_outbound_frame(), 999_999);
        let short = read_open(r#"{"sid":"O4o83j08XA6bCgP-AAAB","upgrades":[],"pingInterval":2000,"pingTimeout":1000,"maxPayload":1000000}"#).unwrap();
        assert_eq!(short.heartbeat_deadline(), 3000);
        let python = read_open(r#"{"sid":"iDodESvO9uUP37I5AAAA","upgrades":[],"pingTimeout":20000,"pingInterval":25000,"maxPayload":1000000}"#).unwrap();
        assert_eq!(python, node);
    }

    #[test]
    fn frames_stay_strictly_below_max_payload() {
        let h = Handshake { ping_interval: 1, ping_timeout: 1, max_payload: 4 };
        assert!(h.fits("42["));
        assert!(!h.fits("42[]"));
        // UTF-8 bytes, not chars: "é" is two.
        assert!(!h.fits("4é2"));
    }

    #[test]
    fn spaced_escaped_and_extra_keys_are_fine() {
        let h = read_open("{ \"maxPayload\": 10, \"x\": {\"sid\": 1}, \"ping\\u0049nterval\": 2.5e1, \"sid\": \"s\", \"pingTimeout\": 7 }").unwrap();
        assert_eq!(h, Handshake { ping_interval: 25, ping_timeout: 7, max_payload: 10 });
    }

    #[test]
    fn missing_or_invalid_fields_are_errors() {
        let base = r#""sid":"a","pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000"#;
        assert!(read_open(&crate::cat!("{", base, "}")).is_ok());
        for (json, err) in [
            (r#"{"pingInterval":1,"pingTimeout":1,"maxPayload":1}"#, SioError::Handshake("sid")),
            (r#"{"sid":7,"pingInterval":1,"pingTimeout":1,"maxPayload":1}"#, SioError::Handshake("sid")),
            (r#"{"sid":"a","pingTimeout":1,"maxPayload":1}"#, SioError::Handshake("pingInterval")),
            (r#"{"sid":"a","pingInterval":"25000","pingTimeout":1,"maxPayload":1}"#, SioError::Handshake("pingInterval")),
            (r#"{"sid":"a","pingInterval":1,"pingTimeout":-1,"maxPayload":1}"#, SioError::Handshake("pingTimeout")),
            (r#"{"sid":"a","pingInterval":1,"pingTimeout":1.5,"maxPayload":1}"#, SioError::Handshake("pingTimeout")),
            (r#"{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":0}"#, SioError::Handshake("maxPayload")),
            (r#"{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":9007199254740992}"#, SioError::Handshake("maxPayload")),
            (r#"{"sid":"a","pingInterval":1,"pingTimeout":1,"maxPayload":1,"maxPayload":null}"#, SioError::Handshake("maxPayload")),
            (r#"[]"#, SioError::Handshake("object")),
        ] {
            assert_eq!(read_open(json), Err(err), "{json}");
        }
        assert!(matches!(read_open(""), Err(SioError::Json(_))));
        assert!(matches!(read_open(&crate::cat!("{", base, "}x")), Err(SioError::Json(_))));
        assert!(matches!(read_open(&crate::cat!("{", base, ",}")), Err(SioError::Json(_))));
    }
}
