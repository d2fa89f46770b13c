/**
 * HTTP control channel under `/control/` on the Socket.IO port: tests inject
 * traffic and faults and read what the server saw. JSON in (POST body), JSON
 * out, CORS open so a test page on another port can call it too. The routes
 * are listed in README.md.
 */

import { GUILD, engineIdOf } from './namespaces.mjs';
import { jsonSafe } from './record.mjs';
import { engines, isStalled, killEngine, restart, resume, stall } from './engine.mjs';

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_BURST = 100_000;
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

/** The request body parsed as a JSON object (`{}` when empty). */
function readJson(req) {
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
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      if (text === '') return resolve({});
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        return reject(new HttpError(400, 'body is not JSON'));
      }
      if (body === null || typeof body !== 'object' || Array.isArray(body)) reject(new HttpError(400, 'body must be a JSON object'));
      else resolve(body);
    });
    req.on('error', reject);
  });
}

/** `{"$binary": "<base64>"}` anywhere in `v` becomes a Buffer (the inverse of the recorded form). */
function withBinary(v, depth = 0) {
  if (v === null || typeof v !== 'object' || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => withBinary(x, depth + 1));
  const keys = Object.keys(v);
  if (keys.length === 1 && keys[0] === '$binary' && typeof v.$binary === 'string') return Buffer.from(v.$binary, 'base64');
  return Object.fromEntries(keys.map((k) => [k, withBinary(v[k], depth + 1)]));
}

/** Check and default the common emit fields. */
function emitFields(body) {
  const event = body.event;
  if (typeof event !== 'string' && typeof event !== 'number') throw new HttpError(400, '`event` (string) is required');
  const args = body.args ?? [];
  if (!Array.isArray(args)) throw new HttpError(400, '`args` must be an array');
  if (body.room !== undefined && typeof body.room !== 'string') throw new HttpError(400, '`room` must be a string');
  return { event, args, namespace: body.namespace ?? '/', room: body.room };
}

/**
 * The args to emit: `$binary` markers decoded, `stamp` adds `_server_timestamp`
 * to the first arg (which must be an object, or absent), `binary` appends a
 * Buffer of `bytes` (default [1, 2, 3, 4]).
 */
function buildArgs(body, args) {
  const out = withBinary(structuredClone(args));
  if (body.stamp) {
    if (out.length === 0) out.push({});
    const first = out[0];
    if (first === null || typeof first !== 'object' || Array.isArray(first) || Buffer.isBuffer(first)) {
      throw new HttpError(400, '`stamp` needs args[0] to be an object');
    }
    first._server_timestamp = Date.now();
  }
  if (body.binary) {
    const bytes = body.bytes ?? [1, 2, 3, 4];
    if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)) {
      throw new HttpError(400, '`bytes` must be an array of 0..255');
    }
    out.push(Buffer.from(bytes));
  }
  return out;
}

/** Create the control handler. `ctx`: `{io, server, sockets, opts, recorder, log, port()}`. */
export function createControl(ctx) {
  const { io, recorder, opts, log } = ctx;

  /** An existing namespace, or a `/guild/<digits>` one (created on demand). */
  function nsp(name) {
    if (typeof name !== 'string') throw new HttpError(400, '`namespace` must be a string');
    if (io._nsps.has(name) || GUILD.test(name)) return io.of(name);
    throw new HttpError(404, `no namespace ${name}`);
  }

  /** Sockets picked by optional `namespace`, `sid` (socket id) and `room`. */
  function pickSockets(body) {
    const spaces = body.namespace !== undefined ? [nsp(body.namespace)] : [...io._nsps.values()];
    const out = [];
    for (const n of spaces) {
      for (const s of n.sockets.values()) {
        if (body.sid !== undefined && s.id !== body.sid) continue;
        if (body.room !== undefined && !s.rooms.has(body.room)) continue;
        out.push(s);
      }
    }
    return out;
  }

  /** Engine.IO connections picked by `engineId`, or by the socket selectors of `pickSockets`. */
  function pickEngines(body) {
    if (body.engineId !== undefined || (body.namespace === undefined && body.sid === undefined && body.room === undefined)) {
      return engines(io, body.engineId);
    }
    return [...new Set(pickSockets(body).map((s) => s.conn))];
  }

  function localRecipients(n, room) {
    return room === undefined ? n.sockets.size : (n.adapter.rooms.get(room)?.size ?? 0);
  }

  function state(url) {
    const since = Number(url.searchParams.get('since') ?? 0) || 0;
    const namespaces = {};
    const sockets = [];
    for (const [name, n] of io._nsps) {
      const rooms = {};
      for (const [room, ids] of n.adapter.rooms) if (!n.sockets.has(room)) rooms[room] = [...ids];
      namespaces[name] = { sockets: n.sockets.size, socketIds: [...n.sockets.keys()], rooms };
      for (const s of n.sockets.values()) {
        sockets.push({
          id: s.id,
          namespace: name,
          engineId: engineIdOf(s),
          rooms: [...s.rooms].filter((r) => r !== s.id),
          auth: jsonSafe(s.handshake.auth ?? {}),
          query: { ...s.handshake.query },
        });
      }
    }
    const open = engines(io).map((c) => ({
      id: c.id,
      namespaces: sockets.filter((s) => s.engineId === c.id).map((s) => s.namespace),
      stalled: isStalled(c),
      ...c.pinnedHeartbeat,
      query: jsonSafe(c.request?._query ?? {}),
      origin: c.request?.headers?.origin ?? null,
    }));
    return {
      name: opts.name,
      pid: process.pid,
      port: ctx.port(),
      options: {
        pingInterval: io.engine.opts.pingInterval,
        pingTimeout: io.engine.opts.pingTimeout,
        maxPayload: io.engine.opts.maxHttpBufferSize,
        perMessageDeflate: io.engine.opts.perMessageDeflate,
        requireToken: Boolean(opts.requireToken),
        redis: Boolean(opts.redis),
      },
      connections: io.engine.clientsCount,
      engineIds: open.map((e) => e.id),
      engines: open,
      namespaces,
      sockets,
      ...recorder.snapshot(since),
    };
  }

  const routes = {
    'GET health': () => ({ ok: true, name: opts.name }),
    'GET state': (body, url) => state(url),
    'POST reset': () => {
      recorder.reset();
      return { ok: true };
    },
    'POST emit': async (body) => {
      const { event, args, namespace, room } = emitFields(body);
      const n = nsp(namespace);
      const target = room === undefined ? n : n.to(room);
      const out = buildArgs(body, args);
      const recipients = localRecipients(n, room);
      if (!body.ack) {
        target.emit(event, ...out);
        return { ok: true, localRecipients: recipients };
      }
      const timeoutMs = Number(body.timeoutMs ?? 5000);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000) throw new HttpError(400, '`timeoutMs` must be 1..600000');
      return new Promise((resolve) => {
        target.timeout(timeoutMs).emit(event, ...out, (err, responses) => {
          resolve({ ok: !err, localRecipients: recipients, error: err ? String(err.message ?? err) : undefined, acks: jsonSafe(responses ?? []) });
        });
      });
    },
    'POST burst': (body) => {
      const { event, args, namespace, room } = emitFields(body);
      const count = Number(body.count);
      if (!Number.isInteger(count) || count < 0 || count > MAX_BURST) throw new HttpError(400, `\`count\` must be an integer 0..${MAX_BURST}`);
      const n = nsp(namespace);
      const target = () => (room === undefined ? n : n.to(room));
      const t0 = Date.now();
      for (let i = 0; i < count; i++) {
        const out = buildArgs(body, args);
        if (body.seq) out.push(i);
        target().emit(event, ...out);
      }
      return { ok: true, count, localRecipients: localRecipients(n, room), ms: Date.now() - t0 };
    },
    'POST emit-base64json': (body) => {
      const { event, namespace, room } = emitFields(body);
      if (!('value' in body)) throw new HttpError(400, '`value` is required');
      const n = nsp(namespace);
      const arg = Buffer.from(JSON.stringify(body.value), 'utf8').toString('base64');
      (room === undefined ? n : n.to(room)).emit(event, arg);
      return { ok: true, localRecipients: localRecipients(n, room), arg };
    },
    'POST disconnect': (body) => {
      const picked = pickSockets(body);
      for (const s of picked) s.disconnect(Boolean(body.close));
      return { ok: true, disconnected: picked.map((s) => ({ id: s.id, namespace: s.nsp.name })) };
    },
    'POST kill-engine': (body) => {
      const picked = pickEngines(body);
      for (const c of picked) killEngine(c);
      return { ok: true, killed: picked.map((c) => c.id) };
    },
    // Raw WebSocket messages on the selected connections, as they are (malformed
    // packets, stray binary frames): `{frames: ["42{}", ...], binary?: [[1,2]]}`.
    'POST raw': (body) => {
      const picked = pickEngines(body);
      const frames = Array.isArray(body.frames) ? body.frames.map(String) : [];
      const binary = Array.isArray(body.binary) ? body.binary.map((b) => Buffer.from(b)) : [];
      for (const c of picked) {
        const ws = c.transport?.socket;
        if (!ws) continue;
        for (const f of frames) ws.send(f);
        for (const b of binary) ws.send(b);
      }
      return { ok: true, sentTo: picked.map((c) => c.id), frames: frames.length, binary: binary.length };
    },
    'POST stop-pings': (body) => {
      const picked = pickEngines(body);
      for (const c of picked) stall(c, { dropOutgoing: body.dropOutgoing !== false });
      return { ok: true, stalled: picked.map((c) => c.id), dropOutgoing: body.dropOutgoing !== false };
    },
    'POST resume-pings': (body) => {
      const picked = pickEngines(body).filter(isStalled);
      for (const c of picked) resume(c);
      return { ok: true, resumed: picked.map((c) => c.id) };
    },
    'POST set': (body) => {
      const changed = {};
      for (const key of ['pingInterval', 'pingTimeout']) {
        if (body[key] === undefined) continue;
        const v = Number(body[key]);
        if (!Number.isInteger(v) || v < 1) throw new HttpError(400, `\`${key}\` must be a positive integer (ms)`);
        io.engine.opts[key] = v;
        changed[key] = v;
      }
      return { ok: true, ...changed, appliesTo: 'new connections' };
    },
    'POST restart': (body, url, res) => {
      const downMs = Number(body.downMs ?? 1000);
      if (!Number.isFinite(downMs) || downMs < 0 || downMs > 600_000) throw new HttpError(400, '`downMs` must be 0..600000');
      const graceful = body.graceful !== false;
      res.once('finish', () => {
        restart(ctx, { downMs, graceful }).catch((err) => {
          log(`restart failed: ${err.stack ?? err}`);
          process.exit(1);
        });
      });
      return { ok: true, downMs, graceful, port: ctx.port() };
    },
  };

  /** The `request` handler: true if it took the request. */
  return async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith('/control/')) return false;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS);
      res.end();
      return true;
    }
    const name = url.pathname.slice('/control/'.length);
    const route = routes[`${req.method} ${name}`];
    try {
      if (!route) {
        const known = Object.keys(routes).some((k) => k.endsWith(` ${name}`));
        throw new HttpError(known ? 405 : 404, known ? `wrong method for /control/${name}` : `no route /control/${name}`);
      }
      const body = req.method === 'POST' ? await readJson(req) : {};
      if (req.method === 'POST' && name !== 'reset') log(`control ${name} ${JSON.stringify(body).slice(0, 200)}`);
      sendJson(res, 200, await route(body, url, res));
    } catch (err) {
      sendJson(res, err.status ?? 500, { ok: false, error: err.message ?? String(err) });
    }
    return true;
  };
}
