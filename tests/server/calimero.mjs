/**
 * The Calimero node protocol on `/ws`, as in docs/calimero-wire.md.
 *
 * Requests `{"id":N,"method":"subscribe"|"unsubscribe"|"execute","params":{...}}`
 * are parsed the way the node's serde types parse them: a frame that is not a
 * JSON object, or whose `id` is not an unsigned integer / null / absent, gets no
 * reply at all; any other parse failure gets a `ParseError` with the request's
 * id (null when absent) and serde's message. Pushed events use the
 * `{"id":null,"result":{"contextId",...}}` envelope and go only to connections
 * subscribed to that context (or group), unless `force`.
 */

import { decodeHash, isHex32, randomHash } from './base58.mjs';
import { chatEvents, payloadFor } from './traffic.mjs';

const METHODS = ['subscribe', 'unsubscribe', 'execute'];

class ParseError extends Error {}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** serde's description of an unexpected JSON value (`serde::de::Unexpected`). */
function unexpected(v) {
  if (v === null) return 'unit value';
  if (typeof v === 'boolean') return `boolean \`${v}\``;
  if (typeof v === 'number') return Number.isInteger(v) ? `integer \`${v}\`` : `floating point \`${v}\``;
  if (typeof v === 'string') return `string ${JSON.stringify(v)}`;
  return Array.isArray(v) ? 'sequence' : 'map';
}

/** A list of 32-byte ids: base58 always, 64-hex too for group ids. */
function parseIdList(value, allowHex) {
  if (!Array.isArray(value)) throw new ParseError(`invalid type: ${unexpected(value)}, expected a sequence`);
  for (const item of value) {
    if (typeof item !== 'string') {
      throw new ParseError(`invalid type: ${unexpected(item)}, expected a base58 encoded hash`);
    }
    if (allowHex && isHex32(item)) continue;
    const { error } = decodeHash(item);
    if (error) throw new ParseError(error);
  }
  return value;
}

/** `SubscribeRequest` / `UnsubscribeRequest`: `contextIds` required, `groupIds` optional. */
function parseSubscription(params, structName) {
  if (!isObject(params)) throw new ParseError(`invalid type: ${unexpected(params)}, expected struct ${structName}`);
  let contextIds;
  let groupIds = [];
  for (const key of Object.keys(params)) {
    if (key === 'contextIds') contextIds = parseIdList(params[key], false);
    else if (key === 'groupIds') groupIds = parseIdList(params[key], true);
  }
  if (!contextIds) throw new ParseError('missing field `contextIds`');
  return { contextIds, groupIds };
}

/** `ExecutionRequest` (deny_unknown_fields): contextId, method, argsJson. */
function parseExecution(params) {
  const fields = ['contextId', 'method', 'argsJson'];
  if (!isObject(params)) throw new ParseError(`invalid type: ${unexpected(params)}, expected struct ExecutionRequest`);
  for (const key of Object.keys(params)) {
    const v = params[key];
    if (key === 'contextId') {
      if (typeof v !== 'string') throw new ParseError(`invalid type: ${unexpected(v)}, expected a base58 encoded hash`);
      const { error } = decodeHash(v);
      if (error) throw new ParseError(error);
    } else if (key === 'method') {
      if (typeof v !== 'string') throw new ParseError(`invalid type: ${unexpected(v)}, expected a string`);
    } else if (key !== 'argsJson') {
      throw new ParseError(`unknown field \`${key}\`, expected one of ${fields.map((f) => `\`${f}\``).join(', ')}`);
    }
  }
  for (const f of fields) if (!(f in params)) throw new ParseError(`missing field \`${f}\``);
  return params;
}

/** Send a reply, after the session's reply delay (+ jitter, which reorders replies) if set. */
function reply(client, body) {
  const s = client.session;
  const text = JSON.stringify(body);
  const delay = s.replyDelayMs + Math.random() * s.replyJitterMs;
  if (delay > 0) s.later(() => s.send(client, text), delay);
  else s.send(client, text);
}

/** Handle one text frame from a /ws client. */
export function onText(client, text) {
  const session = client.session;
  if (session.isStalled()) return; // a stalled server answers nothing

  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return; // not JSON: no reply
  }
  if (!isObject(msg)) return; // outer `Request` parse fails: no reply
  let id = null;
  if (msg.id !== undefined && msg.id !== null) {
    if (!Number.isSafeInteger(msg.id) || msg.id < 0) return; // string / negative / float id: no reply
    id = msg.id;
  }

  try {
    if (!('method' in msg)) throw new ParseError('missing field `method`');
    const method = msg.method;
    if (typeof method !== 'string') throw new ParseError(`invalid type: ${unexpected(method)}, expected variant identifier`);
    if (!METHODS.includes(method)) {
      throw new ParseError(`unknown variant \`${method}\`, expected one of ${METHODS.map((m) => `\`${m}\``).join(', ')}`);
    }
    if (!('params' in msg)) throw new ParseError('missing field `params`');

    if (method === 'subscribe') {
      const { contextIds, groupIds } = parseSubscription(msg.params, 'SubscribeRequest');
      const okContexts = contextIds.filter((c) => !session.denied.has(c));
      const okGroups = groupIds.filter((g) => !session.denied.has(g));
      for (const c of okContexts) client.subscriptions.add(c);
      for (const g of okGroups) client.groups.add(g);
      const result = { contextIds: okContexts };
      if (okGroups.length) result.groupIds = okGroups;
      // Like the node, every subscribe (a repeated one too) replays the current presence
      // of its contexts, with `ageMs`, ahead of the reply.
      for (const c of okContexts) replayPresence(client, c);
      reply(client, { id, result });
    } else if (method === 'unsubscribe') {
      const { contextIds, groupIds } = parseSubscription(msg.params, 'UnsubscribeRequest');
      for (const c of contextIds) client.subscriptions.delete(c);
      for (const g of groupIds) client.groups.delete(g);
      const result = { contextIds };
      if (groupIds.length) result.groupIds = groupIds;
      reply(client, { id, result });
    } else {
      parseExecution(msg.params);
      const { method: fn, argsJson } = msg.params;
      if (fn === 'fail') {
        reply(client, { id, error: { type: 'FunctionCallError', data: { method: fn, argsJson } } });
      } else {
        // The session's configured output (control `execute`), else argsJson echoed.
        const output = session.executeOutput !== undefined ? session.executeOutput : argsJson;
        reply(client, { id, result: { output } });
      }
    }
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    reply(client, { id, error: { type: 'ParseError', data: err.message } });
  }
}

/** An `Ephemeral` presence frame: `state` as bytes of JSON, `ageMs` only on a replay. */
export function presenceText(contextId, { author, state, ageMs }) {
  const data = { author, state: eventBytes(state) };
  if (ageMs !== undefined) data.ageMs = ageMs;
  return JSON.stringify({ id: null, result: { contextId, type: 'Ephemeral', data } });
}

/** Sends the stored presence of `contextId` to `client` as a replay (with `ageMs`). */
function replayPresence(client, contextId) {
  const p = client.session.presence.get(contextId);
  if (p) client.session.send(client, presenceText(contextId, { ...p, ageMs: Math.max(0, Date.now() - p.at) }));
}

/** Sets a context's presence and pushes it live (no `ageMs`) to its subscribers. */
export function setPresence(session, contextId, author, state) {
  session.presence.set(contextId, { author, state, at: Date.now() });
  let sent = 0;
  for (const c of session.clientsOf('ws')) {
    if (c.subscriptions.has(contextId) && session.send(c, presenceText(contextId, { author, state }))) sent++;
  }
  return sent;
}

/** UTF-8 bytes of an app event's JSON, as the node puts them in `events[].data` (`[]` for null). */
export function eventBytes(value) {
  if (value === null || value === undefined) return [];
  return Array.from(Buffer.from(JSON.stringify(value), 'utf8'));
}

/** `{kind, data:[bytes], handler}` list for a frame spec (explicit events, kinds, or 3 random). */
function wireEvents(spec) {
  const events = Array.isArray(spec.events) ? spec.events : chatEvents(spec.kinds);
  return events.map((e) => {
    const kind = String(e.kind ?? 'MessageSent');
    let data;
    if (Array.isArray(e.bytes)) data = e.bytes;
    else if ('data' in e) data = eventBytes(e.data);
    else data = eventBytes(payloadFor(kind));
    return { kind, data, handler: e.handler ?? null };
  });
}

/** `SyncStatus` payload. */
export function syncStatusData({ state = 'syncing', failureCount = 0, lastError } = {}) {
  const data = { syncState: { state }, failureCount };
  if (lastError) data.lastError = lastError;
  return data;
}

/**
 * The text frame(s) for one frame spec: one frame, or two for the pre-October-2025
 * (`legacy`) StateMutation + ExecutionEvent pair. `raw` is sent verbatim.
 */
export function frameTexts(spec) {
  if (typeof spec.raw === 'string') return [spec.raw];
  const type = spec.type || 'StateMutation';
  const head = spec.groupId ? { groupId: spec.groupId } : { contextId: spec.contextId };
  const envelope = (t, data) => JSON.stringify({ id: null, result: { ...head, type: t, data } });
  if (spec.data !== undefined) return [envelope(type, spec.data)];
  if (type === 'SyncStatus') return [envelope(type, syncStatusData(spec))];
  const events = wireEvents(spec);
  if (type !== 'StateMutation') return [envelope(type, { events })];
  const newRoot = spec.newRoot || randomHash();
  if (spec.legacy) {
    return [
      envelope('StateMutation', { newRoot }),
      envelope('ExecutionEvent', { events: events.map(({ kind, data }) => ({ kind, data })) }),
    ];
  }
  return [envelope('StateMutation', { newRoot, events })];
}

/**
 * Push one frame spec to the session's /ws connections that subscribed to its
 * context (or group); to all of them with `force` or when the spec names neither.
 * Returns the number of socket sends.
 */
export function emitEvent(session, spec, { force = false } = {}) {
  const targets = session.clientsOf('ws').filter((c) => {
    if (force) return true;
    if (spec.groupId) return c.groups.has(spec.groupId);
    if (spec.contextId) return c.subscriptions.has(spec.contextId);
    return true;
  });
  if (!targets.length) return 0;
  const texts = frameTexts(spec);
  let sent = 0;
  for (const c of targets) for (const t of texts) if (session.send(c, t)) sent++;
  return sent;
}
