/**
 * Realistic chat traffic: the app events a Calimero chat app emits (every kind in
 * the wire doc's kind -> refresh mapping), their JSON payloads, and a rate-driven
 * scheduler. Protocol-neutral: the /ws and /json modules turn these events into
 * frames.
 */

/** Kind -> relative weight. Weighted toward MessageSent like a busy chat. */
export const KIND_WEIGHTS = Object.freeze({
  MessageSent: 40,
  MessageReceived: 10,
  ReactionUpdated: 10,
  MessageSentThread: 8,
  ChannelCreated: 3,
  ChannelJoined: 4,
  ChannelLeft: 2,
  ChannelInvited: 2,
  DMCreated: 3,
  DMDeleted: 1,
  InvitationAccepted: 2,
  NewIdentityUpdated: 2,
  InvitationPayloadUpdated: 2,
  ChatInitialized: 1,
  ChatJoined: 2,
});

export const KINDS = Object.freeze(Object.keys(KIND_WEIGHTS));
const TOTAL_WEIGHT = KINDS.reduce((sum, k) => sum + KIND_WEIGHTS[k], 0);

/** Default number of events in a generated frame (3 events ~ 1.4 KB on /ws). */
export const EVENTS_PER_FRAME = 3;

const CHANNELS = ['general', 'random', 'engineering', 'design', 'releases', 'support'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const EMOJI = ['👍', '🎉', '❤️', '😂', '👀', '🚀'];
const WORDS = (
  'ok sounds good the build is green again can you review my pr when you have a minute ' +
  'deploying to staging now lunch anyone meeting moved to three see the doc I left comments ' +
  'thanks for the quick fix looks great ship it the tests are flaky on ci let me check'
).split(' ');

/**
 * The helpers the generator draws with, over a random source `r` (floats in [0, 1):
 * `Math.random` for the server, a seeded generator for the benchmarks).
 */
export function tools(r = Math.random) {
  const pick = (arr) => arr[(r() * arr.length) | 0];
  const hex = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += ((r() * 16) | 0).toString(16);
    return s;
  };
  const sentence = (minChars, maxChars) => {
    const target = minChars + r() * (maxChars - minChars);
    let s = pick(WORDS);
    while (s.length < target) s += ' ' + pick(WORDS);
    return s;
  };
  return { r, pick, hex, sentence };
}

const DEFAULT_TOOLS = tools();

/** One kind drawn by weight, from the random source `r`. */
export function randomKind(r = Math.random) {
  let x = r() * TOTAL_WEIGHT;
  for (const k of KINDS) {
    x -= KIND_WEIGHTS[k];
    if (x < 0) return k;
  }
  return 'MessageSent';
}

/**
 * The app event payload for a kind (a plain JS value, or `null` for a unit
 * variant, which /ws encodes as `[]`). Sized so that a /ws frame of three
 * events is about 1.4 KB.
 */
export function payloadFor(kind, t = DEFAULT_TOOLS) {
  const { r, pick, hex, sentence } = t;
  const channel = pick(CHANNELS);
  const sender = pick(USERS);
  switch (kind) {
    case 'MessageSent':
    case 'MessageReceived':
      return { id: hex(16), channel, sender, text: sentence(24, 48) };
    case 'MessageSentThread':
      return { id: hex(16), parentId: hex(16), channel, sender, text: sentence(10, 30) };
    case 'ReactionUpdated':
      return { messageId: hex(16), channel, sender, emoji: pick(EMOJI), added: r() < 0.8, count: 1 + ((r() * 5) | 0) };
    case 'ChannelCreated':
      return { channel: `${channel}-${hex(4)}`, creator: sender, kind: 'public', topic: sentence(10, 30) };
    case 'ChannelJoined':
    case 'ChannelLeft':
      return { channel, member: sender, memberCount: 2 + ((r() * 40) | 0), note: sentence(10, 30) };
    case 'ChannelInvited':
      return { channel, inviter: sender, invitee: pick(USERS), note: sentence(10, 30) };
    case 'DMCreated':
    case 'DMDeleted':
      return { dmId: hex(16), peers: [sender, pick(USERS)], contextHint: hex(24) };
    case 'InvitationAccepted':
    case 'InvitationPayloadUpdated':
      return { dmId: hex(16), invitee: sender, payload: hex(40) };
    case 'NewIdentityUpdated':
      return { dmId: hex(16), identity: hex(48), user: sender };
    case 'ChatJoined':
      return { member: sender, username: `${sender}_${hex(4)}`, joinedAt: t === DEFAULT_TOOLS ? Date.now() : 1763900000000 + ((r() * 1e9) | 0) };
    case 'ChatInitialized':
      return null; // unit variant: `data: []` on /ws
    default:
      return { id: hex(16), note: sentence(20, 60) };
  }
}

/**
 * App events for one frame: one per listed kind, or, when `kinds` is empty or
 * omitted, EVENTS_PER_FRAME events of one weighted-random kind (~1.4 KB on /ws).
 * Each is `{ kind, data, handler }`.
 */
export function chatEvents(kinds) {
  const list = kinds && kinds.length ? kinds : new Array(EVENTS_PER_FRAME).fill(randomKind());
  return list.map((kind) => ({ kind, data: payloadFor(kind), handler: null }));
}

/**
 * Call `emit()` `rate` times per second until `stop()`. Ticks every `tickMs`
 * and catches up on missed frames, but never more than `maxPerTick` per tick
 * (a stalled event loop drops the backlog instead of bursting it).
 */
export function startRate({ rate, emit, tickMs = 20, maxPerTick = 1000 }) {
  const started = performance.now();
  let due = 0;
  let sent = 0;
  const handle = setInterval(() => {
    const target = Math.floor(((performance.now() - started) * rate) / 1000);
    const n = Math.min(target - due, maxPerTick);
    due = target;
    for (let i = 0; i < n; i++) {
      try {
        emit();
        sent++;
      } catch {
        // a failing emit must not kill the timer or the server
      }
    }
  }, tickMs);
  return {
    rate,
    get sent() {
      return sent;
    },
    stop() {
      clearInterval(handle);
    },
  };
}
