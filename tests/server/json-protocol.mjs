/**
 * The generic JSON protocol on `/json`: each server frame is one event object
 *   {"type":"StateMutation","contextId":"ctx","data":{"events":[{"kind":..,"data":{..}}]},
 *    "seq":N,"_server_timestamp":T}
 * with `seq` counting per context (per session) and `_server_timestamp` in the
 * chosen unit (s, ms, us, ns), shifted back by `delayMs` to fake latency.
 * Client frames: subscribe -> subscribed, unsubscribe -> unsubscribed,
 * ping -> pong (with a timestamp); anything else is only logged.
 * Events go to every /json connection of the session (no subscription needed).
 */

import { chatEvents, payloadFor } from './traffic.mjs';

/** Context used by /json bursts and traffic when nobody subscribed to anything. */
export const DEFAULT_JSON_CONTEXT = 'ctx';
export const UNITS = ['s', 'ms', 'us', 'ns'];

/**
 * Current time minus `delayMs`, as JSON number text in `unit`.
 * `ms` is `Date.now()`-based (integer); `s` has 3 decimals; `us` and `ns` are exact
 * integers built with BigInt (`ns` is ~1.8e18, beyond 2^53: JS `JSON.parse` rounds it).
 */
export function timestampText(unit = 'ms', delayMs = 0) {
  const delay = Number(delayMs) || 0;
  switch (unit) {
    case 's':
      return ((Date.now() - delay) / 1000).toFixed(3);
    case 'us':
    case 'ns': {
      const micros = BigInt(Math.round((performance.timeOrigin + performance.now() - delay) * 1000));
      return String(unit === 'us' ? micros : micros * 1000n);
    }
    default:
      return String(Math.round(Date.now() - delay));
  }
}

/** `JSON.stringify(obj)` with `"_server_timestamp":<text>` appended as the last key. */
function withTimestamp(obj, unit, delayMs) {
  const body = JSON.stringify(obj);
  const sep = body === '{}' ? '' : ',';
  return `${body.slice(0, -1)}${sep}"_server_timestamp":${timestampText(unit, delayMs)}}`;
}

/** Handle one text frame from a /json client. */
export function onText(client, text) {
  const session = client.session;
  if (session.isStalled()) return;
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return;
  const ids = Array.isArray(msg.contextIds) ? msg.contextIds.filter((c) => typeof c === 'string') : [];
  if (msg.type === 'subscribe') {
    const ok = ids.filter((c) => !session.denied.has(c));
    for (const c of ok) client.subscriptions.add(c);
    session.send(client, JSON.stringify({ type: 'subscribed', contextIds: ok }));
  } else if (msg.type === 'unsubscribe') {
    for (const c of ids) client.subscriptions.delete(c);
    session.send(client, JSON.stringify({ type: 'unsubscribed', contextIds: ids }));
  } else if (msg.type === 'ping') {
    const unit = UNITS.includes(msg.unit) ? msg.unit : 'ms';
    session.send(client, withTimestamp({ type: 'pong', id: msg.id ?? null }, unit, 0));
  }
}

/** Plain-object events for a spec: explicit `events`, one per kind, or 3 random. */
function jsonEvents(spec) {
  const events = Array.isArray(spec.events) ? spec.events : chatEvents(spec.kinds);
  return events.map((e) => {
    const kind = String(e.kind ?? 'MessageSent');
    return { kind, data: 'data' in e ? e.data : payloadFor(kind) };
  });
}

/** The text of one /json frame (consumes a seq number unless `raw`). */
export function frameText(session, spec) {
  if (typeof spec.raw === 'string') return spec.raw;
  const contextId = spec.contextId ?? DEFAULT_JSON_CONTEXT;
  const type = spec.type || 'StateMutation';
  const data = spec.data !== undefined ? spec.data : { events: jsonEvents(spec) };
  const seq = session.nextSeq(contextId, spec.seq);
  const unit = UNITS.includes(spec.unit) ? spec.unit : 'ms';
  return withTimestamp({ type, contextId, data, seq }, unit, spec.delayMs);
}

/** Send one frame spec to every /json connection of the session. Returns socket sends. */
export function emitEvent(session, spec) {
  const targets = session.clientsOf('json');
  if (!targets.length) return 0;
  const text = frameText(session, spec);
  let sent = 0;
  for (const c of targets) if (session.send(c, text)) sent++;
  return sent;
}
