//! The chat app's refresh rules: its event kinds and the views each one makes stale.
//! The Calimero and json protocols use them when the app gives none.

/// The default chat mapping (the README's refresh rules table; `docs/calimero-wire.md`).
pub const DEFAULT_RULES: &[(&str, &[&str])] = &[
    ("MessageSent", &["messages"]),
    ("MessageReceived", &["messages"]),
    ("ReactionUpdated", &["messages"]),
    ("MessageSentThread", &["messages"]),
    ("ChannelCreated", &["channels"]),
    ("ChannelJoined", &["channels", "members"]),
    ("ChannelLeft", &["channels", "members"]),
    ("ChannelInvited", &["channels", "members"]),
    ("DMCreated", &["dms"]),
    ("DMDeleted", &["dms"]),
    ("InvitationAccepted", &["dms"]),
    ("NewIdentityUpdated", &["dms"]),
    ("InvitationPayloadUpdated", &["dms"]),
    ("ChatInitialized", &["channels", "dms", "members"]),
    ("ChatJoined", &["members"]),
];
