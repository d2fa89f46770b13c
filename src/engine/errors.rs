//! Non-fatal errors reported to the app through `onError`.

#[allow(unused_imports)]
use crate::prelude::*;

/// What went wrong, as a stable code the app can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// A frame that is not JSON or not of a known shape; it was skipped.
    BadFrame,
    /// A frame over `maxMessageBytes`; dropped unread.
    OversizedFrame,
    /// A binary frame; these protocols are text only.
    BinaryFrame,
    /// The server left these context ids out of its subscribe reply.
    SubscriptionDenied,
    /// A context id that the protocol would refuse; it was not sent.
    InvalidContextId,
    /// An error reply from the server.
    ServerError,
    /// An app callback threw (or its Promise rejected).
    CallbackThrew,
    /// A queued message was dropped (overflow, refusal, TTL, `clearQueue`).
    MessageDropped,
    /// A connect attempt failed or timed out.
    ConnectFailed,
    /// An open connection closed without the app asking.
    ConnectionLost,
    /// No heartbeat reply in time: the connection was declared dead.
    HeartbeatTimeout,
    /// `reconnectMaxAttempts` were used up; status is `failed`.
    GaveUp,
    /// A duplicate or old `seq`; the frame was dropped.
    DuplicateFrame,
    /// A server timestamp that is not a positive finite number, or lies more than
    /// [`crate::engine::observability::latency::MAX_STAMP_AHEAD_MS`] ahead of the corrected clock: no
    /// latency or offset sample was taken from it. Reported once per burst.
    BadTimestamp,
    /// socketio: the server refused to join a namespace (its message; its `data` in
    /// `error.data`). Not retried by itself: `subscribe()` or `connect()` tries again.
    ConnectError,
    /// socketio: the server left a namespace on its own; not re-joined by itself.
    NamespaceDisconnected,
    /// socketio: the server left every namespace and closed: status `closed`, no reconnect.
    ServerDisconnect,
    /// socketio: an emit on a namespace that is neither joined nor wanted; not sent (the
    /// server would close the whole connection for it).
    NotJoined,
    /// socketio: a packet at or over the server's `maxPayload`; not sent (the server
    /// would close the connection for it).
    PayloadTooLarge,
    /// socketio: a `payloadEncoding` argument that does not decode; delivered as received.
    BadPayload,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::BadFrame,
        ErrorCode::OversizedFrame,
        ErrorCode::BinaryFrame,
        ErrorCode::SubscriptionDenied,
        ErrorCode::InvalidContextId,
        ErrorCode::ServerError,
        ErrorCode::CallbackThrew,
        ErrorCode::MessageDropped,
        ErrorCode::ConnectFailed,
        ErrorCode::ConnectionLost,
        ErrorCode::HeartbeatTimeout,
        ErrorCode::GaveUp,
        ErrorCode::DuplicateFrame,
        ErrorCode::BadTimestamp,
        ErrorCode::ConnectError,
        ErrorCode::NamespaceDisconnected,
        ErrorCode::ServerDisconnect,
        ErrorCode::NotJoined,
        ErrorCode::PayloadTooLarge,
        ErrorCode::BadPayload,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::BadFrame => "badFrame",
            ErrorCode::OversizedFrame => "oversizedFrame",
            ErrorCode::BinaryFrame => "binaryFrame",
            ErrorCode::SubscriptionDenied => "subscriptionDenied",
            ErrorCode::InvalidContextId => "invalidContextId",
            ErrorCode::ServerError => "serverError",
            ErrorCode::CallbackThrew => "callbackThrew",
            ErrorCode::MessageDropped => "messageDropped",
            ErrorCode::ConnectFailed => "connectFailed",
            ErrorCode::ConnectionLost => "connectionLost",
            ErrorCode::HeartbeatTimeout => "heartbeatTimeout",
            ErrorCode::GaveUp => "gaveUp",
            ErrorCode::DuplicateFrame => "duplicateFrame",
            ErrorCode::BadTimestamp => "badTimestamp",
            ErrorCode::ConnectError => "connectError",
            ErrorCode::NamespaceDisconnected => "namespaceDisconnected",
            ErrorCode::ServerDisconnect => "serverDisconnect",
            ErrorCode::NotJoined => "notJoined",
            ErrorCode::PayloadTooLarge => "payloadTooLarge",
            ErrorCode::BadPayload => "badPayload",
        }
    }

    /// Whether this is an error about a frame the server sent, the kind that counts in
    /// health's frame error rate (connection failures and the app's own refusals do not).
    pub fn is_frame_error(self) -> bool {
        matches!(
            self,
            ErrorCode::BadFrame
                | ErrorCode::OversizedFrame
                | ErrorCode::BinaryFrame
                | ErrorCode::ServerError
                | ErrorCode::DuplicateFrame
                | ErrorCode::BadPayload
        )
    }

    pub fn index(self) -> usize {
        ErrorCode::ALL.iter().position(|c| *c == self).unwrap_or(0)
    }
}

/// One reported error.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkError {
    pub code: ErrorCode,
    pub message: String,
    /// Context ids concerned (denied, invalid), if any.
    pub context_ids: Vec<String>,
    /// The close code, for connection errors.
    pub close_code: Option<u16>,
    /// The server's `data` (JSON text) of a `connectError`.
    pub data: Option<String>,
}

impl SdkError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SdkError { code, message: message.into(), context_ids: Vec::new(), close_code: None, data: None }
    }

    pub fn with_ids(mut self, ids: Vec<String>) -> Self {
        self.context_ids = ids;
        self
    }

    pub fn with_close_code(mut self, code: u16) -> Self {
        self.close_code = Some(code);
        self
    }

    pub fn with_data(mut self, data: Option<String>) -> Self {
        self.data = data;
        self
    }
}

/// `code: message`, for native callers (the wasm keeps `core::fmt` out).
#[cfg(not(target_arch = "wasm32"))]
impl std::fmt::Display for SdkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.name(), self.message)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for SdkError {}
