/**
 * Per-session state. Every WebSocket URL and control call names a session
 * (`?session=S`, default "default"); a session owns its connections, counters,
 * fault switches (refuse, stall, deny), the log of received frames, the /json
 * sequence numbers and every timer started on its behalf, so that parallel
 * tests never see each other and a reset leaves nothing running.
 */

export const DEFAULT_SESSION = 'default';
export const RECEIVED_LOG_MAX = 1000;
/** Longer received frames are stored cut to this many characters. */
export const RECEIVED_TEXT_MAX = 64 * 1024;
/** A connection with more than this queued is a slow client: frames are dropped. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

const OPEN = 1;

export class Session {
  /** @param {string} name @param {{pingMs:number,pongTimeoutMs:number}} defaults */
  constructor(name, defaults) {
    this.name = name;
    this.clients = new Set(); // open connections (see connection.mjs)
    this.nextClientId = 1;
    this.totalConnections = 0;
    this.attempts = 0;
    this.refused = 0;
    this.refuseUntil = 0;
    this.refuseStatus = 503;
    this.stalledUntil = 0;
    this.denied = new Set();
    this.received = [];
    this.seqs = new Map(); // /json: contextId -> last seq sent
    this.traffic = { ws: null, json: null };
    this.heartbeat = { pingMs: defaults.pingMs, pongTimeoutMs: defaults.pongTimeoutMs };
    this.presence = new Map(); // /ws: contextId -> {author, state, at} (Ephemeral)
    this.executeOutput = undefined; // /ws: what `execute` returns (undefined: echo argsJson)
    this.replyDelayMs = 0;
    this.replyJitterMs = 0;
    this.lastUrl = null;
    this.disposed = false;
    this.timers = new Set();
    this.waiters = new Set();
  }

  isStalled() {
    return Date.now() < this.stalledUntil;
  }

  isRefusing() {
    return Date.now() < this.refuseUntil;
  }

  /** Record a text frame a client sent (bounded, oldest dropped first). */
  logReceived(text) {
    this.received.push(text.length > RECEIVED_TEXT_MAX ? text.slice(0, RECEIVED_TEXT_MAX) : text);
    if (this.received.length > RECEIVED_LOG_MAX) this.received.splice(0, this.received.length - RECEIVED_LOG_MAX);
  }

  /** Open connections on one path ('ws' | 'json'), in accept order. */
  clientsOf(path) {
    return [...this.clients].filter((c) => c.path === path);
  }

  /** Union of the contexts the connections on `path` subscribed, first-seen order. */
  subscribedContexts(path) {
    const out = new Set();
    for (const c of this.clientsOf(path)) for (const id of c.subscriptions) out.add(id);
    return [...out];
  }

  /**
   * Send one text frame to one connection unless the session is stalled, the
   * socket is not open, or the client is too slow. Returns whether it was sent.
   */
  send(client, text) {
    if (this.disposed || this.isStalled()) return false;
    const ws = client.ws;
    if (ws.readyState !== OPEN) return false;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      client.droppedSlow++;
      return false;
    }
    ws.send(text);
    return true;
  }

  /** /json sequence number for a context: next one, or an explicit one (gaps, duplicates). */
  nextSeq(contextId, explicit) {
    const last = this.seqs.get(contextId) ?? 0;
    const seq = Number.isFinite(explicit) ? explicit : last + 1;
    this.seqs.set(contextId, Math.max(last, seq));
    return seq;
  }

  /** setTimeout owned by the session: cleared by dispose(), skipped once disposed. */
  later(fn, ms) {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      if (!this.disposed) fn();
    }, Math.max(0, ms));
    this.timers.add(handle);
    return handle;
  }

  /** Resolves true after `ms`, or false at once if the session is disposed meanwhile. */
  sleep(ms) {
    return new Promise((resolve) => {
      if (this.disposed) return resolve(false);
      const waiter = () => resolve(false);
      this.waiters.add(waiter);
      this.later(() => {
        this.waiters.delete(waiter);
        resolve(true);
      }, ms);
    });
  }

  /** Replace the traffic generator of a path (null stops it). */
  setTraffic(path, handle) {
    this.traffic[path]?.stop();
    this.traffic[path] = handle;
  }

  status() {
    const open = [...this.clients];
    return {
      session: this.name,
      connections: open.length,
      totalConnections: this.totalConnections,
      attempts: this.attempts,
      refused: this.refused,
      subscriptions: open.map((c) => [...c.subscriptions]),
      stalled: this.isStalled(),
      // extras beyond the brief, parallel to `subscriptions`
      paths: open.map((c) => c.path),
      groupSubscriptions: open.map((c) => [...c.groups]),
      droppedSlow: open.map((c) => c.droppedSlow),
      refusing: this.isRefusing(),
      denied: [...this.denied],
      traffic: { ws: this.traffic.ws?.rate ?? 0, json: this.traffic.json?.rate ?? 0 },
      heartbeat: { ...this.heartbeat },
      replyDelay: { ms: this.replyDelayMs, jitterMs: this.replyJitterMs },
      receivedCount: this.received.length,
      lastUrl: this.lastUrl,
    };
  }

  /** Stop everything: traffic, timers, pending sleeps; close the sockets. Returns how many were open. */
  dispose(code = 1001, reason = 'Session reset') {
    this.disposed = true;
    this.setTraffic('ws', null);
    this.setTraffic('json', null);
    for (const h of this.timers) clearTimeout(h);
    this.timers.clear();
    for (const w of this.waiters) w();
    this.waiters.clear();
    const open = [...this.clients];
    for (const c of open) c.close(code, reason);
    this.clients.clear();
    return open.length;
  }
}

/** All sessions by name, created on first use. */
export class Registry {
  /** @param {{defaults:{pingMs:number,pongTimeoutMs:number}, onCreate?:(s:Session)=>void}} opts */
  constructor({ defaults, onCreate }) {
    this.defaults = defaults;
    this.onCreate = onCreate;
    this.sessions = new Map();
  }

  static nameFrom(searchParams) {
    const name = searchParams.get('session');
    return name ? name.slice(0, 200) : DEFAULT_SESSION;
  }

  get(name) {
    let s = this.sessions.get(name);
    if (!s) {
      s = new Session(name, this.defaults);
      this.sessions.set(name, s);
      this.onCreate?.(s);
    }
    return s;
  }

  /** Forget a session (its next use starts fresh). Returns how many sockets were closed. */
  reset(name) {
    const s = this.sessions.get(name);
    if (!s) return 0;
    this.sessions.delete(name);
    return s.dispose();
  }

  disposeAll(code, reason) {
    for (const s of this.sessions.values()) s.dispose(code, reason);
    this.sessions.clear();
  }
}
