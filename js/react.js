// React hooks over the wasm SocketManager: a thin layer, no JSX, imports only `react`.
//
// Decisions (see react.d.ts for the API):
//
// - One owner per provider (or per `useSocketManager(options)` call) holds the manager.
//   The manager is created lazily: during render when the wasm is already instantiated
//   (so children see it on their first render), otherwise once `ready()` resolves.
//   Creating one never opens a socket, and a manager that a discarded render created is
//   never connected and is freed by wasm-bindgen's FinalizationRegistry.
// - StrictMode: React mounts, unmounts and re-mounts every effect once in development.
//   The owner counts retains; `connect()` and the teardown (`close()` + `free()`) both
//   run from a `setTimeout(0)` that the next retain/release cancels. Mount → unmount →
//   mount therefore connects once, after the last re-mount, and never opens a socket
//   only to close it; a real unmount closes and frees in the next task.
// - Options: the manager is created with the options of its first commit. A later
//   `url`, `protocol` or `token` (part of the connect URL) replaces it by a new one
//   (one new socket); a changed `contextIds` list is applied with `subscribe` /
//   `unsubscribe` of the difference; other options are read once (change the
//   provider's `key` to apply them).
// - Renders: no hook sets React state per frame or per batch. Status comes from
//   `onStatus` through `useSyncExternalStore`; stats and latency from an interval store
//   with a cached snapshot (one render per interval at most). `useBatches` and
//   `useRefreshFlags` call the app's handlers and return their Promise to `onBatch`,
//   so the manager's backpressure holds; what they render is up to the app.
// - Handlers are read from a ref, so a new function identity each render does not
//   resubscribe.

import * as React from "react";
import * as main from "./index.js";

// The build a manager needs: `calimero-socket` for calimero and json, the Socket.IO
// build (`./socketio.js`, its own wasm) for `protocol: "socketio"`, imported on first
// use only, so that apps of the other protocols never download it.
let socketio = null;
const entryFor = (options) => (options && options.protocol === "socketio" ? socketio : main);
const isReady = (options) => {
  const entry = entryFor(options);
  return entry !== null && entry.isReady();
};
const ready = (options) =>
  options && options.protocol === "socketio"
    ? import("./socketio.js").then((m) => {
        socketio = m;
        return m.ready();
      })
    : main.ready();

const { createContext, createElement, useCallback, useContext, useEffect, useMemo, useRef, useState, useSyncExternalStore } = React;
// Runs before layout effects and on no server; used only to keep handler refs current.
const useHandlerEffect = React.useInsertionEffect || React.useLayoutEffect;

const NO_PROVIDER = Symbol("no provider");
const ManagerContext = createContext(NO_PROVIDER);
const noop = () => {};

// ---------------------------------------------------------------------------------
// The owner: one manager, retained by mounted effects, connected and torn down late.

function sameIds(a, b) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function identity(o) {
  return `${o.url}\u0000${o.protocol || "calimero"}\u0000${o.token === undefined ? "\u0001" : o.token}`;
}

class Owner {
  constructor() {
    this.manager = null;
    this.options = null; // the last committed options
    this.applied = null; // the options the manager reflects (identity and contextIds)
    this.autoConnect = true;
    this.connected = false;
    this.count = 0;
    this.startTimer = 0;
    this.stopTimer = 0;
    this.waiting = false;
    this.error = null;
    this.listeners = new Set();
    this.subscribe = (cb) => {
      this.listeners.add(cb);
      return () => this.listeners.delete(cb);
    };
    this.get = () => this.manager;
  }

  notify() {
    for (const cb of [...this.listeners]) cb();
  }

  /** Render: creates the manager if the wasm is ready (no socket, no timer). */
  prepare(options) {
    if (this.manager || this.error || !options || !isReady(options)) return;
    this.create(options);
  }

  create(options) {
    this.manager = new (entryFor(options).SocketManager)(options);
    this.applied = options;
    this.connected = false;
  }

  /** Effect: the committed options; applies what may change on a live manager. */
  update(options, autoConnect) {
    this.options = options;
    this.autoConnect = autoConnect;
    const m = this.manager;
    if (!m || !options) return;
    const was = this.applied;
    if (identity(was) !== identity(options)) {
      this.dispose();
      this.start();
      this.notify();
      return;
    }
    if (!sameIds(was.contextIds, options.contextIds)) {
      const before = new Set(was.contextIds || []);
      const after = new Set(options.contextIds || []);
      const added = [...after].filter((id) => !before.has(id));
      const removed = [...before].filter((id) => !after.has(id));
      if (removed.length) m.unsubscribe(removed);
      if (added.length) m.subscribe(added);
    }
    this.applied = options;
    if (autoConnect && this.count > 0 && !this.connected && !this.startTimer) this.start();
  }

  retain() {
    this.count++;
    clearTimeout(this.stopTimer);
    this.stopTimer = 0;
    if (!this.startTimer && !this.connected) {
      this.startTimer = setTimeout(() => {
        this.startTimer = 0;
        this.start();
      }, 0);
    }
    return () => this.release();
  }

  release() {
    this.count--;
    if (this.count > 0) return;
    clearTimeout(this.startTimer);
    this.startTimer = 0;
    clearTimeout(this.stopTimer);
    this.stopTimer = setTimeout(() => {
      this.stopTimer = 0;
      if (this.count === 0 && this.manager) {
        this.dispose();
        this.notify();
      }
    }, 0);
  }

  /** Creates (when needed) and connects, if still retained. */
  start() {
    if (this.count === 0 || !this.options || this.error) return;
    if (!isReady(this.options)) {
      if (this.waiting) return;
      this.waiting = true;
      ready(this.options).then(
        () => {
          this.waiting = false;
          this.start();
        },
        (err) => {
          this.waiting = false;
          this.fail(err);
        },
      );
      return;
    }
    if (!this.manager) {
      try {
        this.create(this.options);
      } catch (err) {
        this.fail(err);
        return;
      }
      this.notify();
    }
    if (this.autoConnect && !this.connected) {
      this.connected = true;
      this.manager.connect();
    }
  }

  fail(err) {
    this.error = err;
    this.notify();
  }

  /** Closes and frees the manager (children's removers are plain JS: safe after). */
  dispose() {
    const m = this.manager;
    this.manager = null;
    this.applied = null;
    this.connected = false;
    if (!m) return;
    try {
      m.close();
    } finally {
      m.free();
    }
  }
}

/** Owns a manager for `options` (none while `options` is null). */
function useOwnedManager(options, autoConnect) {
  const [owner] = useState(() => new Owner());
  if (options) owner.prepare(options);
  const manager = useSyncExternalStore(owner.subscribe, owner.get, owner.get);
  if (owner.error) throw owner.error;
  // Declared first so that the committed options are known before the retain's start.
  useEffect(() => owner.update(options || null, autoConnect));
  const wanted = Boolean(options);
  useEffect(() => (wanted ? owner.retain() : undefined), [owner, wanted]);
  return manager;
}

function useManagerArg(manager, hook) {
  const ctx = useContext(ManagerContext);
  if (manager !== undefined) return manager;
  if (ctx === NO_PROVIDER) {
    throw new Error(`${hook}: pass a manager or render inside <SocketManagerProvider>`);
  }
  return ctx;
}

// ---------------------------------------------------------------------------------
// Provider and managers

/**
 * One manager shared by every component under it: created once (after `ready()`),
 * connected unless `autoConnect` is false, closed and freed on unmount.
 */
export function SocketManagerProvider({ options, children, autoConnect = true }) {
  const manager = useOwnedManager(options || null, autoConnect);
  return createElement(ManagerContext.Provider, { value: manager }, children);
}

/**
 * `useSocketManager()`: the provider's manager. `useSocketManager(options)`: a manager
 * owned by the calling component (`null` options: none yet). Both are `null` until the
 * wasm is ready.
 */
export function useSocketManager(...args) {
  const standalone = args.length > 0;
  const ctx = useContext(ManagerContext);
  const owned = useOwnedManager(standalone ? args[0] || null : null, true);
  if (standalone) return owned;
  if (ctx === NO_PROVIDER) {
    throw new Error("useSocketManager(): render inside <SocketManagerProvider> or pass options");
  }
  return ctx;
}

// ---------------------------------------------------------------------------------
// State hooks

function statusOf(m) {
  if (!m) return "idle";
  try {
    return m.status;
  } catch {
    return "closed"; // freed
  }
}

/** The manager's status, re-rendered on each change (never per frame). */
export function useConnectionStatus(manager) {
  const m = useManagerArg(manager, "useConnectionStatus");
  const subscribe = useCallback((cb) => (m ? m.onStatus(cb) : noop), [m]);
  const get = () => statusOf(m);
  return useSyncExternalStore(subscribe, get, get);
}

/** A store that samples `read(manager)` every `intervalMs` while subscribed. */
function intervalStore(m, intervalMs, read) {
  let snapshot;
  let sampled = false;
  const sample = () => {
    try {
      snapshot = m ? read(m.stats()) : null;
    } catch {
      // A manager freed under a polling component keeps its last snapshot.
      if (!sampled) snapshot = null;
    }
    sampled = true;
  };
  return {
    subscribe(cb) {
      if (!m) return noop;
      const id = setInterval(() => {
        sample();
        cb();
      }, Math.max(1, intervalMs));
      return () => clearInterval(id);
    },
    get() {
      if (!sampled) sample();
      return snapshot;
    },
  };
}

const asStats = (s) => s;
const asLatency = (s) => ({
  latency: s.latency,
  rtt: s.rtt,
  clockOffsetMs: s.clockOffsetMs,
  health: s.health,
  connectionQuality: s.connectionQuality,
});

function useIntervalStore(m, intervalMs, read) {
  const store = useMemo(() => intervalStore(m, intervalMs, read), [m, intervalMs, read]);
  return useSyncExternalStore(store.subscribe, store.get, store.get);
}

/** `stats()` sampled every `intervalMs` (one render per interval), `null` without a manager. */
export function useStats(intervalMs = 1000, manager) {
  const m = useManagerArg(manager, "useStats");
  return useIntervalStore(m, intervalMs, asStats);
}

/** Latency, round trips, clock offset, health and quality, sampled every `intervalMs`. */
export function useLatency(intervalMs = 1000, manager) {
  const m = useManagerArg(manager, "useLatency");
  return useIntervalStore(m, intervalMs, asLatency);
}

// ---------------------------------------------------------------------------------
// Batch hooks

/**
 * Calls `handler(batch)` for each batch. Its returned Promise goes back to `onBatch`,
 * so the next batch waits for it (backpressure). Subscribed once per manager.
 */
export function useBatches(handler, manager) {
  const m = useManagerArg(manager, "useBatches");
  const ref = useRef(handler);
  useHandlerEffect(() => {
    ref.current = handler;
  });
  useEffect(() => (m ? m.onBatch((batch) => ref.current(batch)) : undefined), [m]);
}

/**
 * `useRefreshFlags({ channels: fetchChannels, dms: fetchDms })`: per batch, calls each
 * handler whose flag is raised (every handler on a `resync` batch), each function at
 * most once even if it is listed under several flags, with the batch. Returns to
 * `onBatch` a Promise of all of them (rejecting with the first failure once all have
 * settled), so the next batch waits for the refetches.
 */
export function useRefreshFlags(handlers, manager) {
  const m = useManagerArg(manager, "useRefreshFlags");
  const ref = useRef(handlers);
  useHandlerEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    if (!m) return undefined;
    return m.onBatch((batch) => {
      const hs = ref.current || {};
      const called = new Set();
      const runs = [];
      for (const flag of Object.keys(hs)) {
        const h = hs[flag];
        if (typeof h !== "function" || called.has(h)) continue;
        if (!batch.resync && !batch.flags[flag]) continue;
        called.add(h);
        runs.push(new Promise((resolve) => resolve(h(batch))));
      }
      if (runs.length === 0) return undefined;
      return Promise.allSettled(runs).then((results) => {
        for (const r of results) if (r.status === "rejected") throw r.reason;
      });
    });
  }, [m]);
}
