// The chat app's "backend", faked in the page.
//
// A real chat app would call its node's API (`get_channels`, `get_messages`, ...) when
// a refresh flag says a list changed. Here a local database plays that node: it is
// fed every event the SDK delivers (`collectEvents: true`), and the app's views only
// ever read it through the async `fetch*` calls below, each counted. So the lists on
// screen change exactly when, and only when, a flag made the app refetch.

const SEED_CHANNELS = [
  ["general", "Company-wide announcements and chatter"],
  ["random", "Anything goes"],
  ["engineering", "Builds, reviews and releases"],
  ["design", "Pixels and prototypes"],
  ["releases", "What shipped, what's next"],
  ["support", "Customer questions"],
];
const SEED_USERS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];
const MAX_MESSAGES = 400;
const MAX_CHANNELS = 10;
const MAX_DMS = 5;
const FETCH_DELAY_MS = [12, 40]; // a fetch takes 12-40 ms, like a nearby node

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => Date.now();

export class FakeChatBackend {
  constructor() {
    this.channels = new Map();
    for (const [name, topic] of SEED_CHANNELS) {
      this.channels.set(name, { name, topic, creator: "system", members: new Set(SEED_USERS.slice(0, 5)), createdAt: 0, seeded: true });
    }
    this.messages = [];
    this.dms = new Map();
    this.members = new Map(SEED_USERS.map((u, i) => [u, { user: u, username: u, joinedAt: 0, lastSeen: 0, order: i }]));
    this.eventsIngested = 0;
    this.fetches = { channels: 0, messages: 0, dms: 0, members: 0 };
    this.listeners = new Set();
  }

  /** Feeds the events of one batch (`batch.events`, each `{kind, data, contextId}`). */
  ingest(events) {
    for (const e of events ?? []) {
      this.eventsIngested++;
      const d = e.data && typeof e.data === "object" ? e.data : {};
      switch (e.kind) {
        case "MessageSent":
        case "MessageReceived":
        case "MessageSentThread":
          this.addMessage(d, e.kind === "MessageSentThread");
          break;
        case "ReactionUpdated":
          this.react(d);
          break;
        case "ChannelCreated":
          this.addChannel(d);
          break;
        case "ChannelJoined":
        case "ChannelLeft":
        case "ChannelInvited": {
          const ch = this.channels.get(d.channel);
          const who = d.member ?? d.invitee;
          if (ch && who) e.kind === "ChannelLeft" ? ch.members.delete(who) : ch.members.add(who);
          if (who) this.seen(who);
          break;
        }
        case "DMCreated":
          this.dms.set(d.dmId ?? `dm-${now()}`, { id: d.dmId, peers: [...new Set(d.peers ?? [])], at: now(), note: "new conversation" });
          while (this.dms.size > MAX_DMS) this.dms.delete(this.dms.keys().next().value);
          break;
        case "DMDeleted":
          if (this.dms.has(d.dmId)) this.dms.delete(d.dmId);
          else if (this.dms.size > 3) this.dms.delete(this.dms.keys().next().value);
          break;
        case "InvitationAccepted":
        case "InvitationPayloadUpdated":
        case "NewIdentityUpdated": {
          const last = [...this.dms.values()].at(-1);
          if (last) {
            last.note = e.kind === "InvitationAccepted" ? `${d.invitee ?? "someone"} accepted` : "keys rotated";
            last.at = now();
          }
          break;
        }
        case "ChatJoined":
          if (d.member) {
            const m = this.members.get(d.member) ?? { user: d.member, order: this.members.size, joinedAt: now() };
            m.username = d.username ?? d.member;
            this.members.set(d.member, m);
            this.seen(d.member);
          }
          break;
        case "ChatInitialized":
          break;
        default:
          break;
      }
    }
  }

  seen(user) {
    const m = this.members.get(user);
    if (m) m.lastSeen = now();
  }

  addMessage(d, thread) {
    if (!d.channel) return;
    if (!this.channels.has(d.channel)) this.addChannel({ channel: d.channel, creator: d.sender });
    this.messages.push({ id: d.id ?? `${now()}-${this.messages.length}`, channel: d.channel, sender: d.sender ?? "?", text: d.text ?? "", thread, at: now(), reactions: {} });
    if (this.messages.length > MAX_MESSAGES) this.messages.splice(0, this.messages.length - MAX_MESSAGES);
    if (d.sender) this.seen(d.sender);
  }

  react(d) {
    for (let i = this.messages.length - 1; i >= 0 && i > this.messages.length - 30; i--) {
      const m = this.messages[i];
      if (m.channel === d.channel) {
        const r = m.reactions;
        r[d.emoji] = Math.max(0, (r[d.emoji] ?? 0) + (d.added === false ? -1 : 1));
        if (!r[d.emoji]) delete r[d.emoji];
        return;
      }
    }
  }

  addChannel(d) {
    if (!d.channel || this.channels.has(d.channel)) return;
    this.channels.set(d.channel, { name: d.channel, topic: d.topic ?? "", creator: d.creator ?? "?", members: new Set([d.creator].filter(Boolean)), createdAt: now() });
    // Keep the list readable: the oldest created (never a seeded) channel goes first.
    while (this.channels.size > MAX_CHANNELS) {
      const victim = [...this.channels.values()].find((c) => !c.seeded);
      if (!victim) break;
      this.channels.delete(victim.name);
    }
  }

  async call(what, read) {
    this.fetches[what]++;
    for (const l of this.listeners) l(what);
    await sleep(FETCH_DELAY_MS[0] + Math.random() * (FETCH_DELAY_MS[1] - FETCH_DELAY_MS[0]));
    return read();
  }

  /** Called on every fetch (for the on-screen fetch counters); returns the remover. */
  onFetch(cb) {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  fetchChannels() {
    return this.call("channels", () =>
      [...this.channels.values()].map((c) => ({ name: c.name, topic: c.topic, creator: c.creator, memberCount: c.members.size, createdAt: c.createdAt, isNew: !c.seeded })),
    );
  }

  fetchMessages() {
    return this.call("messages", () => this.messages.map((m) => ({ ...m, reactions: { ...m.reactions } })));
  }

  fetchDms() {
    return this.call("dms", () => [...this.dms.values()].reverse().map((d) => ({ ...d })));
  }

  fetchMembers() {
    return this.call("members", () => [...this.members.values()].sort((a, b) => b.lastSeen - a.lastSeen || a.order - b.order).map((m) => ({ ...m })));
  }
}
