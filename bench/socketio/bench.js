// The in-page half of the Socket.IO benchmark (driven by bench/socketio/run.mjs over the
// DevTools protocol).
//
// Contestants, each on its own connection to the same socket.io 4.8.4 server:
//   sdk            calimero-socket/socketio (js/socketio.js over pkg/socketio), default
//                  options but `refreshRules` by event name (and `latencySampleSize`
//                  raised so its latency percentiles cover the whole run)
//   hook           socket.io-client 4.8.4 + the dashboard hook (sio-hook.js)
//   floor          raw WebSocket + JSON.parse of every payload (floor.js)
// and, for information (--info): sdkReadLatest, the SDK whose callback also reads
// `batch.latest[ns]` (decoded on that read), i.e. an app that uses the newest event;
// sdkDefaultWindow, the SDK with the default latencySampleSize.
//
// Every batch callback does the same small amount of work (count the batch, its events
// per name and its raised flags, touch `latest`); the counts go back to Node, which
// checks them against what the server emitted. Every wait here is bounded.

import { DashboardHook } from './sio-hook.js';
import { Floor } from './floor.js';

export const RULES = { queue_updated: ['queue'], track_started: ['player'] };
const FLAG_NAMES = ['queue', 'player'];
const WINDOW_MS = 100; // the SDK's default batchWindowMs, and the hook's window

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gc = () => {
  if (typeof window.gc === 'function') {
    window.gc();
    window.gc();
  }
};
let sink = 0;

// Every WebSocket the page opens is recorded (nothing else is changed: no wrapper around
// onmessage), so that a burst's first arrival can be marked with a one-shot listener.
// Installed before socket.io-client is imported: its bundle reads `WebSocket` once, at
// module load.
const NativeWebSocket = window.WebSocket;
const sockets = new Set();
class RecordedWebSocket extends NativeWebSocket {
  constructor(...a) {
    super(...a);
    sockets.add(this);
    this.addEventListener('close', () => sockets.delete(this));
  }
}
window.WebSocket = RecordedWebSocket;

let SocketManager = null;
let io = null;
const latencyBuf = new Float64Array(1 << 17); // shared by the hook and the floor (one at a time)

export async function ready({ sdk = '/js/socketio.js', sio = '/tests/socketio-server/node_modules/socket.io-client/dist/socket.io.esm.min.js' } = {}) {
  const mod = await import(sdk);
  await mod.ready();
  SocketManager = mod.SocketManager;
  io = (await import(sio)).io;
  return { crossOriginIsolated: window.crossOriginIsolated, gc: typeof window.gc === 'function', userAgent: navigator.userAgent, sdk, sio };
}

// ---------------------------------------------------------------------------------

let cur = null; // the contestant of the current run

function newState(name, namespace) {
  return { name, namespace, events: 0, callbacks: 0, refetches: 0, kinds: {}, target: Infinity, t0: 0, spans: [], progressCalls: 0 };
}

function reached(s) {
  if (s.events >= s.target) {
    s.target = Infinity;
    s.spans.push(performance.now() - s.t0);
    s.progressCalls++;
    if (typeof window.__sioProgress === 'function') window.__sioProgress(String(s.events));
  }
}

// The batch callback of the sdk and hook contestants: the same work for both.
function recordBatch(s, b) {
  s.callbacks++;
  s.events += b.size;
  const k = b.kinds;
  for (const name in k) s.kinds[name] = (s.kinds[name] || 0) + k[name];
  const f = b.flags;
  for (let i = 0; i < FLAG_NAMES.length; i++) if (f[FLAG_NAMES[i]] === true) s.refetches++;
  if (b.latest) sink++;
  reached(s);
}

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

/** Opens `name`'s connection to the Socket.IO server at `origin`, joins `namespace`, waits for its `welcome`, then zeroes the counters. */
export async function open(name, { origin, namespace }) {
  if (cur) throw new Error(`contestant ${cur.state.name} still open`);
  const s = newState(name, namespace);
  const c = { state: s };
  if (name === 'sdk' || name === 'sdkReadLatest' || name === 'sdkDefaultWindow') {
    // latencySampleSize only sizes the ring the latency percentiles are read from (a
    // push per stamped frame either way; sorted only by stats()): 100000 so p50/p95
    // cover every event of the run, as the other two contestants' samples do.
    // sdkDefaultWindow keeps the default 1000 (its percentiles then cover the last 1000
    // events only), to show the option costs nothing.
    const opts = { url: origin, protocol: 'socketio', namespaces: [namespace], refreshRules: RULES };
    if (name !== 'sdkDefaultWindow') opts.latencySampleSize = 100000;
    const m = new SocketManager(opts);
    const readLatest = name === 'sdkReadLatest';
    m.onBatch((b) => {
      if (readLatest) {
        const l = b.latest[namespace];
        for (const ev in l) sink += l[ev].length;
      }
      recordBatch(s, b);
    });
    m.connect();
    c.joined = () => m.namespaces[namespace] === 'joined';
    c.reset = () => m.resetStats();
    c.latency = () => {
      const st = m.stats();
      return { n: st.latencyRaw.count, p50: st.latencyRaw.p50, p95: st.latencyRaw.p95, max: st.latencyRaw.max, clamped: st.latencyRawClamped, sdkStats: { framesReceived: st.framesReceived, framesBatched: st.framesBatched, framesDropped: st.framesDropped, batchesDelivered: st.batchesDelivered, errors: st.errors, errorsByCode: st.errorsByCode, badTimestamps: st.badTimestamps, reconnects: st.reconnects } };
    };
    c.close = () => {
      m.close();
      m.free();
    };
  } else if (name === 'hook') {
    const h = new DashboardHook({ io, url: origin, namespace, rules: RULES, onBatch: (b) => recordBatch(s, b), latencySamples: latencyBuf });
    c.joined = () => h.socket.connected;
    c.reset = () => (h.latN = 0);
    c.latency = () => samples(h.lat, h.latN);
    c.close = () => h.close();
  } else if (name === 'floor') {
    const f = new Floor({
      origin,
      namespace,
      latencySamples: latencyBuf,
      onEvent: (n) => {
        s.events = n;
        if (n >= s.target) reached(s);
      },
    });
    c.joined = () => f.joined;
    c.reset = () => {
      f.events = 0;
      f.kinds = {};
      f.latN = 0;
    };
    c.latency = () => samples(f.lat, f.latN);
    c.finalKinds = () => f.kinds;
    c.close = () => {
      sink += f.lastParsed ? 1 : 0;
      f.close();
    };
  } else {
    throw new Error(`unknown contestant ${name}`);
  }
  cur = c;
  const t0 = performance.now();
  while (!(c.joined() && s.events >= 1)) {
    if (performance.now() - t0 > 10000) {
      const st = s.events;
      cur = null;
      c.close();
      throw new Error(`${name}: not joined to ${namespace} with its welcome within 10 s (events ${st})`);
    }
    await sleep(10);
  }
  await sleep(WINDOW_MS + 50); // the welcome's batch is delivered
  Object.assign(s, { events: 0, callbacks: 0, refetches: 0, kinds: {}, spans: [], progressCalls: 0 });
  c.reset();
  gc();
  return true;
}

function samples(buf, n) {
  const s = Float64Array.from(buf.subarray(0, n)).sort();
  return { n, p50: percentile(s, 50), p95: percentile(s, 95), max: s[n - 1], clamped: null };
}

/** Before a burst: the event count to reach, and a one-shot mark of the burst's first arriving frame. */
export function arm(target) {
  const s = cur.state;
  s.target = target;
  s.t0 = 0;
  for (const ws of sockets) {
    if (ws.readyState !== 1) continue;
    ws.addEventListener(
      'message',
      () => {
        if (s.t0 === 0) s.t0 = performance.now();
      },
      { once: true },
    );
  }
  if (s.events >= target) reached(s);
  return s.events;
}

/** Waits for any trailing batch, reads the counts and latency, closes. */
export async function finish() {
  const c = cur;
  const s = c.state;
  await sleep(WINDOW_MS + 50);
  const kinds = c.finalKinds ? { ...c.finalKinds() } : s.kinds;
  const out = {
    name: s.name,
    namespace: s.namespace,
    events: s.events,
    kinds,
    callbacks: s.name === 'floor' ? null : s.callbacks,
    refetches: s.name === 'floor' ? null : s.refetches,
    spansMs: s.spans,
    latency: c.latency(),
    sink,
  };
  cur = null;
  c.close();
  await sleep(20);
  return out;
}

/** Closes a contestant left open by a failed run (no-op otherwise). */
export function abort() {
  if (!cur) return false;
  const c = cur;
  cur = null;
  try {
    c.close();
  } catch {}
  return true;
}

export function openSockets() {
  return sockets.size;
}
