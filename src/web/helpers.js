// The small JS helpers of the web layer, in one module: the timer, the listener lists,
// and the options text. Each module is one more request when the package loads; with
// five snippet modules, wasm-bindgen-test-runner's file server was seen to stall the
// browser tests now and then (a request left unread), with three it has not.

// The manager's one timer. `schedule(at, now)` keeps an already-set timeout that fires
// no later than `at` (it fires early, finds nothing due, and the next deadline is set
// then), so a deadline that slides with every frame costs no clearTimeout/setTimeout
// pair and no new function. `cb` is one long-lived function owned by the manager.
export class Timer {
  constructor(cb) {
    this.cb = cb;
    this.handle = 0;
    this.at = Infinity;
  }

  schedule(at, now) {
    if (this.handle !== 0 && this.at <= at) return;
    this.cancel();
    this.at = at;
    this.handle = setTimeout(() => {
      this.handle = 0;
      this.at = Infinity;
      this.cb();
    }, Math.max(0, Math.ceil(at - now)));
  }

  cancel() {
    if (this.handle !== 0) {
      clearTimeout(this.handle);
      this.handle = 0;
      this.at = Infinity;
    }
  }

  armed() {
    return this.handle !== 0;
  }
}

// Listener lists (see listeners.rs): `remover` makes the function `on*` returns,
// `callAll` calls a snapshot of a list catching throws and collecting thenables,
// `afterAll` reports the rejections once every thenable has settled.
export function remover(list, cb) {
  return () => { const i = list.indexOf(cb); if (i >= 0) list.splice(i, 1); };
}
export function callAll(list, arg) {
  const fns = list.slice();
  let promises = null, thrown = null;
  for (let i = 0; i < fns.length; i++) {
    try {
      const r = fns[i](arg);
      if (r !== null && typeof r === 'object' && typeof r.then === 'function') (promises ??= []).push(r);
    } catch (e) {
      (thrown ??= []).push(e);
    }
  }
  return promises === null && thrown === null ? null : [promises, thrown];
}
// Calls `done(value, true)` when `v` (a value or a thenable) resolves, `done(reason,
// false)` when it rejects (the socketio `auth` function's result).
export function whenSettled(v, done) {
  Promise.resolve(v).then(
    (x) => { try { done(x, true); } catch (_) { /* the manager was freed meanwhile */ } },
    (e) => { try { done(e, false); } catch (_) { /* the manager was freed meanwhile */ } },
  );
}

export function afterAll(promises, done) {
  Promise.allSettled(promises).then((rs) => {
    const rejected = rs.filter((r) => r.status === 'rejected').map((r) => r.reason);
    try { done(rejected); } catch (_) { /* the manager was freed meanwhile */ }
  });
}

// The options object (or subscribe's array) as the JSON text the core reads
// (src/engine/options/value.rs): values JSON cannot carry become "\u0000<type>" markers.
export function jsonOf(o) {
  const t = typeof o;
  if (o === undefined || t === 'function' || t === 'symbol' || t === 'bigint') return '\u0000' + t;
  return JSON.stringify(o, (k, v) => {
    const t = typeof v;
    if (t === 'function' || t === 'symbol' || t === 'bigint') return '\u0000' + t;
    if (t === 'number' && !Number.isFinite(v)) return '\u0000' + v;
    return v;
  });
}

// Page listeners of one manager: `online`/`offline`/`pagehide`/`pageshow` on window,
// `visibilitychange`/`freeze`/`resume` on document. `on(code)` is called with 1 online,
// 2 offline, 3 visible, 4 hidden, 5 pagehide, 6 pageshow from the bfcache, 7 freeze,
// 8 resume.
// `count` says how many were added (for the leak counters); `detach()` removes them.
export class PageListeners {
  constructor(on, sharing) {
    const g = globalThis;
    this.added = [];
    const add = (target, type, code) => {
      if (!target || typeof target.addEventListener !== 'function') return;
      const fn = () => on(typeof code === 'function' ? code() : code);
      target.addEventListener(type, fn);
      this.added.push([target, type, fn]);
    };
    add(g.window, 'online', 1);
    add(g.window, 'offline', 2);
    add(g.window, 'pagehide', 5);
    add(g.document, 'visibilitychange', () => (pageVisible() ? 3 : 4));
    if (sharing) {
      // shareAcrossTabs: back from the back/forward cache (6), frozen (7), resumed (8).
      const show = (e) => { if (e.persisted) on(6); };
      if (g.window) { g.window.addEventListener('pageshow', show); this.added.push([g.window, 'pageshow', show]); }
      add(g.document, 'freeze', 7);
      add(g.document, 'resume', 8);
    }
    this.count = this.added.length;
  }

  detach() {
    for (const [target, type, fn] of this.added) target.removeEventListener(type, fn);
    this.added = [];
  }
}

export function pageVisible() {
  return typeof document === 'undefined' || !document.hidden;
}

// One WebSocket and its handlers. `on(-1, "")` when it opens, `on(code, reason)` when
// it closes (an error is always followed by a close); messages go to `scanner`.
// `detach(code, reason)` removes every handler, then closes the socket if it is still
// connecting or open, so a replaced socket never calls back.
export class Sock {
  constructor(url, scanner, on) {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => on(-1, '');
    ws.onclose = (e) => on(e.code, e.reason);
    ws.onerror = () => {};
    scanner.attach(ws);
    this.ws = ws;
  }

  send(text) {
    try {
      this.ws.send(text);
    } catch (_) {
      // Not open: the manager only sends on open sockets; a race with close is a drop.
    }
  }

  detach(code, reason) {
    const ws = this.ws;
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
    if (ws.readyState === 0 || ws.readyState === 1) {
      try {
        ws.close(code, reason);
      } catch (_) {
        ws.close();
      }
    }
  }
}

// `console[level](what, value)`: the manager's debug log, warnings and errors.
export function consoleSay(level, what, value) {
  console[level](what, value);
}

// shareAcrossTabs: one manager's (or one hub's) part in sharing a socket between tabs,
// the Web Locks election and the BroadcastChannel. It decides nothing: src/web/tabs.rs
// does, after the rules of src/engine/tabs. Messages are arrays `[kind, from, ...]`
// (kinds in tabs.rs); `on(0, message)` for each message but the relayed frames, which
// go straight to `scanner` when they come from the hub followed (`follow`), and
// `on(1)` when this link got the leader lock, `on(2)` when it lost it (stolen), `on(3,
// tab)` when the tab `tab` is gone (its lock came free).
export function canShare() {
  return typeof BroadcastChannel === 'function' && typeof globalThis.navigator?.locks?.request === 'function';
}

export class TabLink {
  constructor(key, id, on) {
    this.key = key;
    this.id = id;
    this.on = on;
    this.ticket = null;
    this.tabRelease = null;
    this.watches = new Map();
    this.hub = null;
    this.scanner = null;
    this.heard = false;
    this.frames = [];
    this.flushing = false;
    this.tick = null;
    this.channel = null;
    this.open();
  }

  // The channel, (re)opened. A page in the back/forward cache whose channel gets a
  // message is evicted from it, so a parked page closes its channel (`park`).
  open() {
    if (this.channel !== null) return;
    this.channel = new BroadcastChannel(this.key);
    this.channel.onmessage = (e) => {
      const m = e.data;
      if (!Array.isArray(m)) return;
      if (m[0] === 1) {
        // Relayed frames, in order: read here, the cheapest way, if from our hub.
        if (m[1] === this.hub && this.scanner !== null) {
          this.heard = true;
          const frames = m[2];
          for (let i = 0; i < frames.length; i++) this.scanner.scan(frames[i]);
        }
        return;
      }
      this.on(0, m);
    };
  }

  park() {
    if (this.channel === null) return;
    this.channel.onmessage = null;
    this.channel.close();
    this.channel = null;
  }

  // Whether a relayed frame came since the last call.
  takeHeard() {
    const h = this.heard;
    this.heard = false;
    return h;
  }

  post(m) {
    if (this.channel === null) return;
    // Frames go first: a message never overtakes a frame received before it.
    if (this.frames.length > 0) this.flush();
    try { this.channel.postMessage(m); } catch (_) { /* closed, or a value that does not clone */ }
  }

  // A hub's relayed frames wait for the end of the burst they came in (one task later)
  // and go out as one message `[1, id, frames]`: a BroadcastChannel message costs far
  // more than its bytes, so one per frame would pace a burst (measured: 1.4-1.7x slower).
  relay(d) {
    this.frames.push(d);
    if (this.frames.length >= 256) this.flush();
    else if (!this.flushing) {
      this.flushing = true;
      this.tick.postMessage(0);
    }
  }

  flush() {
    const frames = this.frames;
    this.frames = [];
    if (this.channel === null || frames.length === 0) return;
    try { this.channel.postMessage([1, this.id, frames]); } catch (_) { /* closed */ }
  }

  // Relayed frames from hub `hub` go to `scanner` from now on.
  follow(hub, scanner) {
    this.hub = hub;
    this.scanner = scanner;
  }

  // A hub: every frame `scanner` reads is posted first, as `[1, id, data]`.
  tap(scanner) {
    // The end of a burst: a task queued behind the socket's messages already waiting.
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      this.flushing = false;
      this.flush();
    };
    this.tick = ch.port2;
    this.tickPort = ch.port1;
    scanner.tap = (d) => this.relay(d);
  }

  // Queues for the leader lock (`steal`: takes it from its holder at once).
  elect(steal) {
    this.resign();
    const t = { held: false, release: null, ac: steal ? null : new AbortController() };
    this.ticket = t;
    const opts = steal ? { steal: true } : { signal: t.ac.signal };
    navigator.locks.request(this.key, opts, () => new Promise((release) => {
      t.release = release;
      if (this.ticket !== t) return release();
      t.held = true;
      this.on(1);
    })).then(() => {}, () => {
      // Aborted while queued (our resign), or stolen while held.
      if (this.ticket === t && t.held) {
        this.ticket = null;
        this.on(2);
      }
    });
  }

  // Leaves the election: releases the lock, or leaves the queue.
  resign() {
    const t = this.ticket;
    this.ticket = null;
    if (t === null) return;
    if (t.release !== null) t.release();
    else if (t.ac !== null) t.ac.abort();
  }

  // Holds this tab's own lock (the hub learns from it when the tab is gone), then `then()`.
  // `then` always runs later, never inside the call (Rust may hold a borrow now).
  holdTabLock(then) {
    if (this.tabRelease !== null) return void queueMicrotask(then);
    navigator.locks.request(this.key + ':tab:' + this.id, () => new Promise((release) => {
      this.tabRelease = release;
      then();
    })).catch(() => {});
  }

  releaseTabLock() {
    const r = this.tabRelease;
    this.tabRelease = null;
    if (r !== null) r();
  }

  // A hub: `on(3, tab)` once the tab `tab` is gone (its lock came free).
  watchTab(tab) {
    if (this.watches.has(tab)) return;
    const ac = new AbortController();
    this.watches.set(tab, ac);
    navigator.locks.request(this.key + ':tab:' + tab, { signal: ac.signal }, () => {
      if (this.watches.get(tab) === ac) {
        this.watches.delete(tab);
        this.on(3, tab);
      }
    }).catch(() => {});
  }

  unwatchTab(tab) {
    const ac = this.watches.get(tab);
    this.watches.delete(tab);
    if (ac) ac.abort();
  }

  close() {
    this.resign();
    this.releaseTabLock();
    for (const ac of this.watches.values()) ac.abort();
    this.watches.clear();
    this.flush();
    if (this.tickPort) {
      this.tickPort.onmessage = null;
      this.tickPort.close();
      this.tick.close();
    }
    this.park();
    this.hub = this.scanner = null;
  }
}
