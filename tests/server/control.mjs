/**
 * HTTP control channel under `/control/`: tests drive faults and traffic and
 * read what the server saw. Parameters come from the query string (`burst`
 * also takes a JSON POST body); every call but `health` acts on one session
 * (`session=S`, default "default"). Responses are JSON with CORS open to all.
 */

import * as calimero from './calimero.mjs';
import * as jsonProtocol from './json-protocol.mjs';
import { Registry } from './session.mjs';
import { EVENTS_PER_FRAME, startRate } from './traffic.mjs';
import { encode } from './base58.mjs';
import { createHash } from 'node:crypto';

/** Context used by /ws bursts when no context was given and nobody subscribed. */
export const DEFAULT_WS_CONTEXT = encode(createHash('sha256').update('calimero-test-server/default-context').digest());

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_FRAMES = 100_000;
const PATHS = ['ws', 'json'];

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
  'Access-Control-Allow-Headers': 'content-type',
  'Access-Control-Max-Age': '600',
};

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function sendJson(res, status, body) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJsonBody(req) {
  if (req.method !== 'POST') return {};
  const text = await readBody(req);
  if (!text.trim()) return {};
  try {
    const body = JSON.parse(text);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object');
    return body;
  } catch (err) {
    throw new HttpError(400, `body is not a JSON object: ${err.message}`);
  }
}

// ---- query helpers -------------------------------------------------------

const truthy = (v) => v === true || v === 1 || (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v));

function num(q, name, dflt, { min = -Infinity, max = Infinity } = {}) {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new HttpError(400, `bad ${name}: ${raw}`);
  return n;
}

/** All values of a repeatable param, also split on commas (`kinds=A,B&kinds=C`). */
function list(q, ...names) {
  const out = [];
  for (const n of names) for (const v of q.getAll(n)) out.push(...v.split(',').map((s) => s.trim()).filter(Boolean));
  return out;
}

function pathParam(v, dflt = 'ws') {
  const p = v ?? dflt;
  if (!PATHS.includes(p)) throw new HttpError(400, `bad path: ${p} (ws or json)`);
  return p;
}

function checkNumber(v, name) {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new HttpError(400, `bad ${name}: ${v}`);
  return n;
}

// ---- the control handler -------------------------------------------------

/**
 * @param {{registry: Registry}} deps
 * @returns {{handle: (req, res, url: URL) => Promise<void>, startTraffic: Function}}
 */
export function createControl({ registry }) {
  const emitters = { ws: calimero.emitEvent, json: jsonProtocol.emitEvent };

  /** Contexts a burst/traffic goes to when none are named. */
  function defaultContexts(session, path) {
    const subs = session.subscribedContexts(path);
    if (subs.length) return subs;
    return [path === 'ws' ? DEFAULT_WS_CONTEXT : jsonProtocol.DEFAULT_JSON_CONTEXT];
  }

  /** Start (or with rate 0 stop) a session's traffic on one path. */
  function startTraffic(session, path, { rate, kinds = [], contextIds = [], legacy = false, unit, delayMs } = {}) {
    if (!(rate > 0)) {
      session.setTraffic(path, null);
      return;
    }
    let turn = 0;
    const handle = startRate({
      rate,
      emit() {
        if (!session.clientsOf(path).length) return;
        let ctxs = contextIds.length ? contextIds : session.subscribedContexts(path);
        if (!ctxs.length) {
          if (path === 'ws') return; // nobody subscribed: the node would send nothing
          ctxs = [jsonProtocol.DEFAULT_JSON_CONTEXT];
        }
        const contextId = ctxs[turn++ % ctxs.length];
        const frameKinds = kinds.length ? new Array(EVENTS_PER_FRAME).fill(kinds[(Math.random() * kinds.length) | 0]) : undefined;
        emitters[path](session, { contextId, kinds: frameKinds, legacy, unit, delayMs });
      },
    });
    session.setTraffic(path, handle);
  }

  /** Normalize one `frames[]` entry of a burst. */
  function frameSpec(f, dfltContext) {
    if (f === null || typeof f !== 'object' || Array.isArray(f)) throw new HttpError(400, 'each frame must be an object');
    if (f.raw !== undefined && typeof f.raw !== 'string') throw new HttpError(400, 'frame.raw must be a string');
    if (f.kinds !== undefined && !Array.isArray(f.kinds)) throw new HttpError(400, 'frame.kinds must be an array');
    if (f.events !== undefined && !Array.isArray(f.events)) throw new HttpError(400, 'frame.events must be an array');
    return {
      ...f,
      contextId: f.contextId ?? (f.groupId ? undefined : dfltContext),
      seq: checkNumber(f.seq, 'seq'),
      delayMs: checkNumber(f.delayMs, 'delayMs'),
    };
  }

  async function burst(session, q, body) {
    const path = pathParam(body.path ?? q.get('path') ?? undefined);
    const force = truthy(body.force ?? q.get('force'));
    const intervalMs = Math.max(0, checkNumber(body.intervalMs ?? q.get('intervalMs') ?? 0, 'intervalMs'));
    let specs;
    if (Array.isArray(body.frames)) {
      if (body.frames.length > MAX_FRAMES) throw new HttpError(400, `at most ${MAX_FRAMES} frames`);
      const dflt = defaultContexts(session, path)[0];
      specs = body.frames.map((f) => frameSpec(f, dflt));
    } else {
      const count = checkNumber(body.count ?? q.get('count') ?? 1, 'count');
      if (!Number.isInteger(count) || count < 0 || count > MAX_FRAMES) throw new HttpError(400, `count must be 0..${MAX_FRAMES}`);
      const ctxs = Array.isArray(body.contextIds)
        ? body.contextIds.map(String)
        : list(q, 'contextId', 'contextIds');
      const contexts = ctxs.length ? ctxs : defaultContexts(session, path);
      const kinds = Array.isArray(body.kinds) ? body.kinds.map(String) : list(q, 'kinds', 'kind');
      const template = {
        type: body.type ?? q.get('type') ?? undefined,
        legacy: truthy(body.legacy ?? q.get('legacy')),
        unit: body.unit ?? q.get('unit') ?? undefined,
        delayMs: checkNumber(body.delayMs ?? q.get('delayMs') ?? undefined, 'delayMs'),
        kinds: kinds.length ? kinds : undefined,
      };
      const seq0 = checkNumber(body.seq ?? q.get('seq') ?? undefined, 'seq');
      specs = Array.from({ length: count }, (_, i) => ({
        ...template,
        contextId: contexts[i % contexts.length],
        seq: seq0 === undefined ? undefined : seq0 + i,
      }));
    }

    const emit = emitters[path];
    let sent = 0;
    let deliveries = 0;
    for (let i = 0; i < specs.length; i++) {
      if (i > 0 && intervalMs > 0 && !(await session.sleep(intervalMs))) break;
      if (session.disposed) break;
      deliveries += emit(session, specs[i], { force });
      sent++;
    }
    return { sent, deliveries };
  }

  /** Route table: name -> (session, query, req) => response body. */
  const routes = {
    status: (s) => s.status(),

    received(s, q) {
      const frames = [...s.received];
      if (truthy(q.get('clear'))) s.received.length = 0;
      return { frames };
    },

    burst: (s, q, body) => burst(s, q, body),

    malformed(s, q) {
      const text = q.get('text') ?? '{"id":null,"result":';
      const path = q.get('path');
      let sent = 0;
      for (const c of s.clients) if ((!path || c.path === path) && s.send(c, text)) sent++;
      return { sent };
    },

    drop(s, q) {
      const code = num(q, 'code', undefined, { min: 1000, max: 4999 });
      const reason = q.get('reason') ?? '';
      if (code !== undefined && !(code === 1000 || (code >= 1001 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || code >= 3000)) {
        throw new HttpError(400, `close code ${code} cannot be sent on the wire`);
      }
      if (Buffer.byteLength(reason) > 123) throw new HttpError(400, 'reason longer than 123 bytes');
      const path = q.get('path');
      const targets = [...s.clients].filter((c) => !path || c.path === path);
      for (const c of targets) c.close(code, reason);
      return { dropped: targets.length, clean: code !== undefined };
    },

    refuse(s, q) {
      const ms = num(q, 'ms', 3000, { min: 0 });
      s.refuseStatus = num(q, 'status', 503, { min: 400, max: 599 });
      s.refuseUntil = ms > 0 ? Date.now() + ms : 0;
      return { refusingForMs: ms, status: s.refuseStatus };
    },

    stall(s, q) {
      const ms = num(q, 'ms', 5000, { min: 0 });
      s.stalledUntil = ms > 0 ? Date.now() + ms : 0;
      return { stalledForMs: ms };
    },

    deny(s, q) {
      if (truthy(q.get('clear'))) s.denied.clear();
      for (const id of list(q, 'contextId', 'contextIds', 'groupId')) s.denied.add(id);
      return { denied: [...s.denied] };
    },

    traffic(s, q) {
      const rate = num(q, 'rate', 0, { min: 0, max: 100_000 });
      const paths = q.get('path') === 'both' ? PATHS : [pathParam(q.get('path') ?? undefined)];
      const opts = {
        rate,
        kinds: list(q, 'kinds', 'kind'),
        contextIds: list(q, 'contextId', 'contextIds'),
        legacy: truthy(q.get('legacy')),
        unit: q.get('unit') ?? undefined,
        delayMs: num(q, 'delayMs', undefined),
      };
      for (const p of paths) startTraffic(s, p, opts);
      return { traffic: { ws: s.traffic.ws?.rate ?? 0, json: s.traffic.json?.rate ?? 0 } };
    },

    syncstatus(s, q) {
      const path = pathParam(q.get('path') ?? undefined);
      const ids = list(q, 'contextId', 'contextIds');
      const contexts = ids.length ? ids : defaultContexts(s, path);
      const data = calimero.syncStatusData({
        state: q.get('state') ?? 'syncing',
        failureCount: num(q, 'failureCount', 0, { min: 0 }),
        lastError: q.get('lastError') ?? undefined,
      });
      let deliveries = 0;
      for (const contextId of contexts) {
        deliveries += emitters[path](s, { contextId, type: 'SyncStatus', data }, { force: truthy(q.get('force')) });
      }
      return { sent: contexts.length, deliveries };
    },

    heartbeat(s, q) {
      s.heartbeat.pingMs = num(q, 'pingMs', s.heartbeat.pingMs, { min: 0 });
      s.heartbeat.pongTimeoutMs = num(q, 'timeoutMs', s.heartbeat.pongTimeoutMs, { min: 1 });
      for (const c of s.clients) c.restartHeartbeat();
      return { heartbeat: { ...s.heartbeat } };
    },

    presence(s, q) {
      const contextId = q.get('contextId') || defaultContexts(s, 'ws')[0];
      const author = q.get('author') ?? 'alice';
      let state = null;
      const raw = q.get('state');
      if (raw !== null) {
        try {
          state = JSON.parse(raw);
        } catch {
          throw new HttpError(400, 'state must be JSON');
        }
      }
      return { sent: calimero.setPresence(s, contextId, author, state) };
    },

    execute(s, q) {
      const raw = q.get('output');
      if (raw === null || raw === '') s.executeOutput = undefined;
      else {
        try {
          s.executeOutput = JSON.parse(raw);
        } catch {
          throw new HttpError(400, 'output must be JSON');
        }
      }
      return { output: s.executeOutput ?? null, echo: s.executeOutput === undefined };
    },

    replydelay(s, q) {
      s.replyDelayMs = num(q, 'ms', 0, { min: 0 });
      s.replyJitterMs = num(q, 'jitterMs', 0, { min: 0 });
      return { replyDelay: { ms: s.replyDelayMs, jitterMs: s.replyJitterMs } };
    },
  };

  async function handle(req, res, url) {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS);
      res.end();
      return;
    }
    try {
      if (req.method !== 'GET' && req.method !== 'POST') throw new HttpError(405, 'GET or POST');
      const name = url.pathname.slice('/control/'.length).replace(/\/+$/, '');
      const q = url.searchParams;
      if (name === 'health') return sendJson(res, 200, { ok: true });
      const sessionName = Registry.nameFrom(q);
      if (name === 'reset') return sendJson(res, 200, { reset: true, closed: registry.reset(sessionName) });
      const route = Object.hasOwn(routes, name) ? routes[name] : null;
      if (!route) throw new HttpError(404, `unknown control endpoint: ${name}`);
      const body = name === 'burst' ? await readJsonBody(req) : {};
      const result = await route(registry.get(sessionName), q, body);
      sendJson(res, 200, result);
    } catch (err) {
      if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
      else sendJson(res, 500, { error: String(err?.message || err) });
    }
  }

  return { handle, startTraffic };
}
