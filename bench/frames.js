// Deterministic generator of realistic Calimero StateMutation frames, for the
// benchmarks. Same shape, kind weights and payload sizes as the local event server
// (tests/server/traffic.mjs + calimero.mjs), but seeded, so every run and every
// contestant sees the same bytes:
//
//   {"id":null,"result":{"contextId":"<base58 of 32 bytes>","type":"StateMutation",
//    "data":{"newRoot":"<base58>","events":[{"kind":"MessageSent","data":[123,34,...],"handler":null}, x3]}}}
//
// 3 events of one weighted-random kind per frame, ~1.4 KB. Works in the browser and
// in Node (TextEncoder only).

// The kinds, their weights and their payloads are the local server's generator, drawn
// from a seeded random source here.
import { EVENTS_PER_FRAME, KIND_WEIGHTS, KINDS, payloadFor, randomKind, tools } from "../tests/server/traffic.mjs";
import { encode as base58 } from "../tests/server/base58.mjs";

export { EVENTS_PER_FRAME, KIND_WEIGHTS, KINDS, base58, payloadFor, randomKind };

/** The chat frontends' kind -> refresh flags mapping (the SDK's default rules). */
export const CHAT_RULES = Object.freeze({
  MessageSent: ['messages'],
  MessageReceived: ['messages'],
  ReactionUpdated: ['messages'],
  MessageSentThread: ['messages'],
  ChannelCreated: ['channels'],
  ChannelJoined: ['channels', 'members'],
  ChannelLeft: ['channels', 'members'],
  ChannelInvited: ['channels', 'members'],
  DMCreated: ['dms'],
  DMDeleted: ['dms'],
  InvitationAccepted: ['dms'],
  NewIdentityUpdated: ['dms'],
  InvitationPayloadUpdated: ['dms'],
  ChatInitialized: ['channels', 'dms', 'members'],
  ChatJoined: ['members'],
});

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random 32-byte hash, base58 (a context id or a root). */
export function hash58(r) {
  const b = new Uint8Array(32);
  for (let i = 0; i < 32; i++) b[i] = (r() * 256) | 0;
  b[0] |= 1; // no leading '1's: always 43 or 44 characters
  return base58(b);
}

/** `n` distinct context ids, deterministic for a seed. */
export function makeContexts(n, seed = 1) {
  const r = rng(seed * 7919 + n);
  const out = new Set();
  while (out.size < n) out.add(hash58(r));
  return [...out];
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a value's JSON as a plain array (`[]` for null), as the node sends them. */
export function eventBytes(value) {
  if (value === null || value === undefined) return [];
  return Array.from(encoder.encode(JSON.stringify(value)));
}

/**
 * One frame's text for `contextId`: 3 events of `kind` (weighted-random when not given).
 * Returns `{ text, kind }`.
 */
export function makeFrame(r, contextId, kind = randomKind(r)) {
  const t = tools(r);
  const events = [];
  for (let i = 0; i < EVENTS_PER_FRAME; i++) {
    events.push({ kind, data: eventBytes(payloadFor(kind, t)), handler: null });
  }
  const text = JSON.stringify({ id: null, result: { contextId, type: 'StateMutation', data: { newRoot: hash58(r), events } } });
  return { text, kind };
}

/**
 * `count` frames round-robin over `contexts`, deterministic for `seed`.
 * Returns `{ texts: string[], kinds: string[], bytes }` (bytes = total UTF-16 units = bytes, all ASCII).
 */
export function makeFrames({ count, contexts, seed = 42, kinds } = {}) {
  const r = rng(seed);
  const texts = new Array(count);
  const frameKinds = new Array(count);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const kind = kinds ? kinds[i % kinds.length] : undefined;
    const f = makeFrame(r, contexts[i % contexts.length], kind);
    texts[i] = f.text;
    frameKinds[i] = f.kind;
    bytes += f.text.length;
  }
  return { texts, kinds: frameKinds, bytes };
}

/** Number of distinct flags one frame of `kind` raises under `rules` (the per-frame baseline's refetches). */
export function flagsOf(kind, rules = CHAT_RULES) {
  return (rules[kind] || []).length;
}
