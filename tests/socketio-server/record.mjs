/**
 * What the server saw, kept in memory for `GET /control/state`: every event
 * received (per socket), every namespace connect, refusal and disconnect, and
 * every Engine.IO connection with its handshake query. Each list is bounded
 * (oldest entries dropped, counted in `dropped`); `POST /control/reset` clears them.
 */

/** Most entries kept per list. */
export const MAX_ENTRIES = 10_000;

const LISTS = ['received', 'connects', 'disconnects', 'handshakes'];

/** True for the binary values socket.io turns into attachments. */
export function isBinary(v) {
  return Buffer.isBuffer(v) || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** True if a binary value sits anywhere inside `v` (arrays and plain objects, any depth). */
export function hasBinary(v, depth = 0) {
  if (isBinary(v)) return true;
  if (depth > 64 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => hasBinary(x, depth + 1));
  return Object.values(v).some((x) => hasBinary(x, depth + 1));
}

/**
 * A JSON-safe copy of event args: binary values become `{"$binary": "<base64>"}`,
 * functions (ack callbacks) are dropped, `undefined` becomes `null`.
 */
export function jsonSafe(v, depth = 0) {
  if (isBinary(v)) {
    const buf = Buffer.isBuffer(v) ? v : ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(v);
    return { $binary: buf.toString('base64') };
  }
  if (v === undefined || typeof v === 'function') return null;
  if (v === null || typeof v !== 'object' || depth > 64) return v;
  if (Array.isArray(v)) return v.map((x) => jsonSafe(x, depth + 1));
  const out = {};
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = jsonSafe(x, depth + 1);
  return out;
}

/** The bounded logs. Entries get a global `seq` and a wall-clock `t` (ms). */
export class Recorder {
  constructor() {
    this.seq = 0;
    this.reset();
  }

  /** Forget every entry (the sequence keeps counting). */
  reset() {
    for (const l of LISTS) this[l] = [];
    this.dropped = Object.fromEntries(LISTS.map((l) => [l, 0]));
  }

  /** Append `entry` to list `list` ("received", "connects", "disconnects", "handshakes"). */
  add(list, entry) {
    const rec = { seq: ++this.seq, t: Date.now(), ...entry };
    const arr = this[list];
    arr.push(rec);
    if (arr.length > MAX_ENTRIES) {
      arr.shift();
      this.dropped[list]++;
    }
    return rec;
  }

  /** The lists, optionally only entries with `seq > since`. */
  snapshot(since = 0) {
    const pick = (arr) => (since > 0 ? arr.filter((e) => e.seq > since) : arr.slice());
    return { seq: this.seq, dropped: { ...this.dropped }, ...Object.fromEntries(LISTS.map((l) => [l, pick(this[l])])) };
  }
}
