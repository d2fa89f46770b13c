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
export function afterAll(promises, done) {
  Promise.allSettled(promises).then((rs) => {
    const rejected = rs.filter((r) => r.status === 'rejected').map((r) => r.reason);
    try { done(rejected); } catch (_) { /* the manager was freed meanwhile */ }
  });
}

// The options object (or subscribe's array) as the JSON text the core reads
// (src/core/options_text.rs): values JSON cannot carry become "\u0000<type>" markers.
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
