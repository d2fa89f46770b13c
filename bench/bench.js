// The in-page half of the benchmarks (driven by bench/run.mjs over the DevTools protocol).
//
// Contestants:
//   sdk       the SDK with default options (SocketManager, injectFrame / its own socket)
//   reference the hand-written JS hook the SDK replaces (reference-hook.js)
//   floor     onmessage + JSON.parse of every frame and nothing else
// and, for information, sdkHighThroughput: the SDK with `profile: "highThroughput"`
// (batches of up to 500 frames), sdkReadLatest: the SDK with defaults and a callback
// that reads every context's newest frame, and perFrame: the per-frame baseline hook.
//
// Every function here is bounded (fixed counts, timeouts) and returns plain JSON.

import { ReferenceHook } from './reference-hook.js';
import { CHAT_RULES, flagsOf, makeContexts, makeFrames, makeFrame, rng } from './frames.js';

// The package under test: /pkg/ (the build), or another build mounted by run.mjs --pkg.
const PKG = new URLSearchParams(location.search).get('pkg') || '/pkg/';
let SocketManager = null;

export const CONTESTANTS = ['sdk', 'reference', 'floor'];
export const WINDOW_MS = 100; // the SDK's default batchWindowMs, and the reference's window
const INJECT_URL = 'ws://127.0.0.1:9/ws'; // never connected: injected frames only

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const gc = () => {
  if (typeof window.gc === 'function') {
    window.gc();
    window.gc();
  }
};

// Consumption sinks: every contestant's output is read and folded in here, and the
// result is returned to Node, so no work can be dead-code-eliminated.
let sink = 0;
let lastParsed = null;

// ---------------------------------------------------------------------------------
// An instrumented WebSocket: the same wrapper around every contestant's onmessage
// handler records arrival of the first and last frame and the time spent inside the
// handler. Installed before the SDK creates any socket (its glue calls `new WebSocket`
// on the global at call time).

export const wsStat = { n: 0, first: 0, last: 0, handler: 0, notifyEvery: 0, nextNotify: Infinity };
const NativeWebSocket = window.WebSocket;
class TimedWebSocket extends NativeWebSocket {
  get onmessage() {
    return this._benchHandler || null;
  }
  set onmessage(fn) {
    this._benchHandler = fn;
    if (typeof fn !== 'function') {
      super.onmessage = null;
      return;
    }
    super.onmessage = (e) => {
      const t0 = performance.now();
      fn.call(this, e);
      const t1 = performance.now();
      const s = wsStat;
      if (s.n === 0) s.first = t0;
      s.last = t0;
      s.n++;
      s.handler += t1 - t0;
      if (s.n >= s.nextNotify) {
        s.nextNotify += s.notifyEvery;
        // A DevTools binding: tells Node how far we are (flow control of the bursts).
        if (typeof window.__benchProgress === 'function') window.__benchProgress(String(s.n));
      }
    };
  }
}
window.WebSocket = TimedWebSocket;

// ---------------------------------------------------------------------------------

let frameSets = null; // nctx -> { contexts, texts, kinds, flagsPerFrame }
const FRAMES_PER_SET = 20000;

export async function ready() {
  const mod = await import(`${PKG}calimero_socket.js`);
  await mod.default();
  SocketManager = mod.SocketManager;
  return {
    crossOriginIsolated: window.crossOriginIsolated,
    preciseMemory: !!(performance.memory && performance.memory.usedJSHeapSize % 100000 !== 0),
    gc: typeof window.gc === 'function',
    userAgent: navigator.userAgent,
    pkg: PKG,
  };
}

/** Pre-generates the frame sets (deterministic, the same ones run.mjs sends over the socket). */
export function prepare(contextCounts = [1, 10, 100], count = FRAMES_PER_SET) {
  const t0 = performance.now();
  frameSets = {};
  for (const n of contextCounts) {
    const contexts = makeContexts(n);
    const f = makeFrames({ count, contexts, seed: 1000 + n });
    let flags = 0;
    for (const k of f.kinds) flags += flagsOf(k);
    frameSets[n] = { contexts, texts: f.texts, kinds: f.kinds, flagsPerFrame: flags / count, meanBytes: f.bytes / count };
  }
  // A resolution check of performance.now() (5 us when cross-origin isolated, else 100 us).
  let res = Infinity;
  for (let i = 0, prev = performance.now(); i < 200000 && res > 0.001; i++) {
    const t = performance.now();
    if (t !== prev) {
      res = Math.min(res, t - prev);
      prev = t;
    }
  }
  return {
    ms: performance.now() - t0,
    sets: Object.fromEntries(Object.entries(frameSets).map(([n, s]) => [n, { meanBytes: s.meanBytes, flagsPerFrame: s.flagsPerFrame }])),
    clockResolutionUs: res * 1000,
  };
}

function countFlags(flags) {
  let n = 0;
  for (const k in flags) if (flags[k] === true) n++;
  return n;
}

/**
 * One contestant. `ingest(text)` hands it a frame the way its socket would;
 * `connect(url)` gives it its own WebSocket. Counters: callbacks, frames delivered
 * through callbacks, refetches (true flags per callback), time of the last callback.
 */
// What every contestant's batch callback does (the same work for each): count the batch,
// its frames and its true flags, touch \`latest\`, then tell a waiting phase.
function recordBatch(c, b) {
  c.lastAt = performance.now();
  c.callbacks++;
  c.frames += b.size;
  c.refetches += countFlags(b.flags);
  c.lastReason = b.reason;
  if (b.latest) sink++;
  if (c.onCallback) c.onCallback();
}

function createContestant(name, { contexts, url = INJECT_URL, criticalKinds = [] } = {}) {
  const c = { name, callbacks: 0, frames: 0, refetches: 0, lastAt: 0, lastReason: '', onCallback: null };
  if (name === 'sdk' || name === 'sdkHighThroughput' || name === 'sdkReadLatest') {
    const opts = { url, contextIds: contexts };
    if (name === 'sdkHighThroughput') opts.profile = 'highThroughput';
    if (criticalKinds.length) opts.criticalKinds = criticalKinds;
    const m = new SocketManager(opts);
    const readLatest = name === 'sdkReadLatest';
    m.onBatch((b) => {
      // 1c: an app that reads every context's newest frame (decoded on that read).
      if (readLatest) for (const id of b.contextIds) sink += b.latest[id].data.events.length;
      recordBatch(c, b);
    });
    c.ingest = (t) => m.injectFrame(t);
    c.connect = () => m.connect();
    c.close = () => {
      m.close();
      m.free();
    };
    c.stats = () => m.stats();
  } else if (name === 'reference') {
    const h = new ReferenceHook({
      criticalKinds,
      onBatch: (b) => recordBatch(c, b),
    });
    const handler = h.handleMessage;
    c.ingest = (t) => handler({ data: t });
    c.connect = () => h.connect(url, contexts);
    c.close = () => h.close();
  } else if (name === 'floor') {
    let ws = null;
    const onmessage = (e) => {
      lastParsed = JSON.parse(e.data);
      c.frames++;
    };
    c.ingest = (t) => onmessage({ data: t });
    c.connect = () => {
      ws = new WebSocket(url);
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'subscribe', params: { contextIds: contexts } }));
      ws.onmessage = onmessage;
    };
    c.close = () => {
      if (ws) {
        ws.onmessage = null;
        ws.close(1000);
      }
      sink += lastParsed ? 1 : 0;
    };
  } else if (name === 'perFrame') {
    // The per-frame baseline for callbacks/refetches: a hook with no batching, one
    // callback per frame, one refetch per flag the frame raises.
    let ws = null;
    const onmessage = (e) => {
      const msg = JSON.parse(e.data);
      if (msg.id !== null || !msg.result || !msg.result.data || !Array.isArray(msg.result.data.events)) return;
      const raised = new Set();
      for (const ev of msg.result.data.events) for (const f of CHAT_RULES[ev.kind] || []) raised.add(f);
      c.callbacks++;
      c.frames++;
      c.refetches += raised.size;
    };
    c.connect = () => {
      ws = new WebSocket(url);
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'subscribe', params: { contextIds: contexts } }));
      ws.onmessage = onmessage;
    };
    c.close = () => {
      if (ws) ws.close(1000);
    };
  } else {
    throw new Error(`unknown contestant ${name}`);
  }
  return c;
}

function summary(c) {
  return { callbacks: c.callbacks, frames: c.frames, refetches: c.refetches };
}

// ---------------------------------------------------------------------------------
// (a) Injected throughput: N pre-generated frames handed in a tight loop.

/**
 * One timed run of one contestant over `count` frames of the `nctx` set, in three
 * steps so that Node can read the main thread's CPU time around the loop alone:
 * `injectSetup` creates (and warms) the contestant and forces a GC, `injectLoop` hands
 * in the frames, `injectFinish` awaits the trailing batch timer, checks every frame
 * was delivered and closes.
 */
let injected = null;

export async function injectSetup(name, nctx, { warm = 0 } = {}) {
  const set = frameSets[nctx];
  const c = createContestant(name, { contexts: set.contexts });
  for (let i = 0; i < warm; i++) c.ingest(set.texts[i % set.texts.length]);
  await sleep(WINDOW_MS + 20);
  injected = { name, nctx, c, set, before: summary(c) };
  gc();
  return true;
}

export function injectLoop(count = FRAMES_PER_SET) {
  const { c, set } = injected;
  const texts = set.texts;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) c.ingest(texts[i]);
  const t1 = performance.now();
  injected.count = count;
  injected.ms = t1 - t0;
  injected.afterLoop = summary(c);
  return injected.ms;
}

export async function injectFinish() {
  const { name, nctx, c, set, before, afterLoop, count, ms } = injected;
  await sleep(WINDOW_MS + 30); // the trailing batch (if any) is delivered by its timer
  const after = summary(c);
  c.close();
  injected = null;
  return {
    name,
    nctx,
    count,
    ms,
    usPerFrame: (ms * 1000) / count,
    fps: count / (ms / 1000),
    pendingAtLoopEnd: name === 'floor' ? 0 : count - (afterLoop.frames - before.frames),
    delivered: name === 'floor' ? after.frames - before.frames : after.frames - before.frames,
    callbacksPer1000: name === 'floor' ? null : ((after.callbacks - before.callbacks) * 1000) / count,
    refetchesPer1000: name === 'floor' ? null : ((after.refetches - before.refetches) * 1000) / count,
    baselineRefetchesPer1000: set.flagsPerFrame * 1000,
    sink,
  };
}

/** The three steps at once (by hand, from the console). */
export async function injectRun(name, nctx, { count = FRAMES_PER_SET, warm = 0 } = {}) {
  await injectSetup(name, nctx, { warm });
  injectLoop(count);
  return injectFinish();
}

// ---------------------------------------------------------------------------------
// (b) Real WebSocket: each contestant opens its own socket to the local server; Node
// pushes the frames (flow-controlled through window.__benchProgress).

let wsContestant = null;

async function waitSubscribed(session, n, timeoutMs = 5000) {
  const t0 = performance.now();
  while (performance.now() - t0 < timeoutMs) {
    const st = await fetch(`/control/status?session=${session}`).then((r) => r.json());
    if (st.connections >= 1 && st.subscriptions.some((s) => s.length === n)) return st;
    await sleep(20);
  }
  throw new Error(`not subscribed to ${n} contexts within ${timeoutMs} ms (session ${session})`);
}

/** Opens `name`'s socket, waits for its subscription, then zeroes the counters. */
export async function wsOpen(name, nctx, session, notifyEvery) {
  const set = frameSets[nctx];
  const url = `ws://${location.host}/ws?session=${session}`;
  wsContestant = createContestant(name, { contexts: set.contexts, url });
  wsContestant.connect();
  await waitSubscribed(session, set.contexts.length);
  await sleep(WINDOW_MS + 20);
  Object.assign(wsContestant, { callbacks: 0, frames: 0, refetches: 0 });
  Object.assign(wsStat, { n: 0, first: 0, last: 0, handler: 0, notifyEvery, nextNotify: notifyEvery });
  gc();
  return true;
}

/** Waits for the trailing batch, closes, and returns what was measured. */
export async function wsClose(expected) {
  const c = wsContestant;
  await sleep(WINDOW_MS + 30);
  const s = { ...wsStat };
  const out = {
    name: c.name,
    frames: s.n,
    expected,
    spanMs: s.last - s.first,
    fps: s.n > 1 ? ((s.n - 1) * 1000) / (s.last - s.first) : 0,
    handlerUsPerFrame: (s.handler * 1000) / Math.max(1, s.n),
    callbacksPer1000: c.name === 'floor' ? null : (c.callbacks * 1000) / Math.max(1, s.n),
    refetchesPer1000: c.name === 'floor' ? null : (c.refetches * 1000) / Math.max(1, s.n),
    deliveredThroughCallbacks: c.name === 'floor' ? s.n : c.frames,
  };
  c.close();
  wsContestant = null;
  wsStat.nextNotify = Infinity;
  await sleep(20);
  return out;
}

// ---------------------------------------------------------------------------------
// (c) Added latency, measured from the moment the frame is handed in (the same call
// the socket's onmessage makes) to the batch callback.

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function dist(samplesMs) {
  const s = Float64Array.from(samplesMs).sort();
  return { n: s.length, p50Us: percentile(s, 50) * 1000, p99Us: percentile(s, 99) * 1000, maxUs: s[s.length - 1] * 1000 };
}

const CRITICAL_KIND = 'ChannelCreated';

/**
 * Critical frames: before each one, 0-9 ordinary frames (across 10 contexts) sit in the
 * open batch, so the critical frame's callback builds a real batch. The SDK gets
 * `criticalKinds: [ChannelCreated]`; the reference the same rule; the floor's
 * "callback" is the end of its JSON.parse.
 */
export async function latencyCritical(name, samples = 2000, seed = 7) {
  const contexts = makeContexts(10);
  const r = rng(seed);
  const normals = makeFrames({ count: 2000, contexts, seed: seed + 1 }).texts.filter((t) => !t.includes(`"kind":"${CRITICAL_KIND}"`));
  const criticals = makeFrames({ count: 200, contexts, seed: seed + 2, kinds: [CRITICAL_KIND] }).texts;
  const c = createContestant(name, { contexts, criticalKinds: [CRITICAL_KIND] });
  const out = [];
  let ni = 0;
  const warm = 200;
  for (let i = 0; i < samples + warm; i++) {
    const k = (r() * 10) | 0;
    for (let j = 0; j < k; j++) c.ingest(normals[ni++ % normals.length]);
    const before = c.callbacks;
    const t0 = performance.now();
    c.ingest(criticals[i % criticals.length]);
    const t1 = name === 'floor' ? performance.now() : c.lastAt;
    if (name !== 'floor' && (c.callbacks !== before + 1 || c.lastReason !== 'critical')) {
      throw new Error(`${name}: critical frame not delivered at once (reason ${c.lastReason})`);
    }
    if (i >= warm) out.push(t1 - t0);
    if (i % 100 === 99) await sleep(0);
  }
  await sleep(WINDOW_MS + 20);
  c.close();
  return { name, ...dist(out) };
}

/**
 * Batched frames: one ordinary frame alone, delivered when the window closes; the
 * sample is (callback - hand-in) - window. The floor has no batching (n/a).
 */
export async function latencyBatched(name, samples = 25, seed = 9) {
  const contexts = makeContexts(10);
  const texts = makeFrames({ count: samples + 5, contexts, seed, kinds: ['MessageSent'] }).texts;
  const c = createContestant(name, { contexts });
  const out = [];
  for (let i = 0; i < samples + 2; i++) {
    const before = c.callbacks;
    const delivered = new Promise((resolve) => {
      c.onCallback = resolve;
    });
    const t0 = performance.now();
    c.ingest(texts[i]);
    let guard;
    await Promise.race([delivered, new Promise((resolve) => (guard = setTimeout(resolve, WINDOW_MS + 1000)))]);
    clearTimeout(guard);
    c.onCallback = null;
    if (c.callbacks === before) throw new Error(`${name}: lone frame not delivered within ${WINDOW_MS + 1000} ms`);
    if (i >= 2) out.push(c.lastAt - t0 - WINDOW_MS);
    await sleep(5 + (i % 7)); // a gap, varied so the hand-in does not always fall at the same phase of the clock
  }
  c.close();
  return { name, ...dist(out) };
}

// ---------------------------------------------------------------------------------
// (d) Paced streams: every contestant (plus the per-frame baseline) on its own socket
// and session; Node starts the server's chat traffic at a fixed rate for a while.

let paced = [];

export async function pacedOpen(names, nctx, sessionPrefix) {
  const set = frameSets[nctx];
  paced = [];
  for (const name of names) {
    const session = `${sessionPrefix}-${name}`;
    const c = createContestant(name, { contexts: set.contexts, url: `ws://${location.host}/ws?session=${session}` });
    c.connect();
    await waitSubscribed(session, set.contexts.length);
    paced.push({ name, session, c });
  }
  await sleep(WINDOW_MS + 20);
  for (const p of paced) Object.assign(p.c, { callbacks: 0, frames: 0, refetches: 0 });
  return paced.map((p) => p.session);
}

export async function pacedClose() {
  await sleep(400); // longer than maxBatchWaitMs: every open batch is delivered
  const out = {};
  for (const p of paced) {
    out[p.name] = summary(p.c);
    p.c.close();
  }
  paced = [];
  return out;
}

// ---------------------------------------------------------------------------------
// (e) Memory: 1 M frames injected (from a pool of 20 000 over 100 contexts), wasm
// memory and JS heap (after a forced GC) at warm-up and at checkpoints.

export async function memoryRun(name, { total = 1_000_000, chunk = 10_000, nctx = 100, checkpoints = [50_000, 250_000, 500_000, 750_000, 1_000_000] } = {}) {
  const set = frameSets[nctx];
  const texts = set.texts;
  const c = createContestant(name, { contexts: set.contexts });
  const points = [];
  const t0 = performance.now();
  let done = 0;
  let cp = 0;
  while (done < total) {
    const end = Math.min(total, done + chunk);
    for (let i = done; i < end; i++) c.ingest(texts[i % texts.length]);
    done = end;
    await sleep(0);
    if (cp < checkpoints.length && done >= checkpoints[cp]) {
      await sleep(WINDOW_MS + 20);
      gc();
      points.push({
        frames: done,
        wasmBytes: c.stats ? c.stats().memoryBytes : null,
        jsHeapBytes: performance.memory ? performance.memory.usedJSHeapSize : null,
      });
      cp++;
    }
  }
  const ms = performance.now() - t0;
  const delivered = name === 'floor' ? done : c.frames;
  c.close();
  await sleep(20);
  return { name, total: done, delivered, ms, points };
}

export function sinkValue() {
  return sink;
}

/** One frame for a quick by-hand check. */
export function sampleFrame() {
  return makeFrame(rng(1), makeContexts(1)[0]).text;
}
