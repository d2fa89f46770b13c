// The socket's message handler, in JS so that the common frame costs one call into
// wasm and no copy of its text, with the protocols' pre-readers (READERS, at the end).
//
// The Calimero pre-reader takes only the exact text the node writes for a StateMutation:
//   {"id":null,"result":{"contextId":"<id>","type":"StateMutation","data":{"newRoot":"<hash>",
//    "events":[{"kind":"<Kind>","data":[<bytes>],"handler":null|"<name>"},...]}}}
// with no white space, these keys in this order, names without escapes, data as plain
// comma-separated integers and at most four events. One regex (`FRAME`) matches that
// grammar over the whole text, which proves the text is valid JSON of that shape, so the
// context id and the kinds read after it are the ones the Rust decoder would find (only
// `events[].kind` are kinds: a "kind" key anywhere else never reaches this path). For
// such a frame it turns each name into a small integer (interned here, bounded) and calls
// `fast(now, ctx | n << 16, t.length, k0..k3, text)`, one call into wasm and no copy of
// the text. Every other frame (replies, errors, side events, other key orders, white
// space, escapes, more events, anything odd) goes to `slow(now, data)`, where the Rust
// reader validates it. tests/browser_prereader.rs feeds both the same frames and checks
// they never disagree. The rules stay in Rust: this only reads.

const HEAD = '{"id":null,"result":{"contextId":"';
const TYPE = '","type":"StateMutation","data":{"newRoot":"';
const EVENTS = '","events":[';
const KIND = '{"kind":"';
const DATA = '","data":[';
const HANDLER = ',"handler":';
const END = "]}}}";
// A JSON string's text with no escape and no control character (what Rust reads raw).
const PLAIN = '[^"\\\\\\u0000-\\u001f]*';
// A byte array's text up to its closing bracket: plain integers 0..999 without leading
// zeros, separated by commas (all valid JSON numbers; Rust delivers an array with a
// value over 255 as it stands), or nothing. Each number with its comma is one
// fixed-length alternative (disjoint: the comma's place tells which), which V8 checks
// with multi-character loads ("quick checks") rather than a branch per digit: in
// Chromium the whole-frame regex costs ~0.8x what it does with
// `(?:[1-9][0-9]{0,2}|0)(?:,(?:[1-9][0-9]{0,2}|0))*`, as much as the bare class
// `[0-9,]*` (BENCHMARKS.md, issue 12). The arrays are most of the pre-reader's cost.
const BYTES = "(?:[1-9]\\d\\d,|[1-9]\\d,|[1-9],|0,)*(?:[1-9]\\d\\d|[1-9]\\d|[1-9]|0)|";
const esc = (s) => s.replace(/[{}[\]\\^$.*+?()|]/g, "\\$&");
const EVENT = esc(KIND) + PLAIN + esc(DATA) + "(?:" + BYTES + ")\\]" + esc(HANDLER) + '(?:null|"' + PLAIN + '")\\}';
// The whole frame, exactly: the grammar above, one to four events or none. Linear time
// on any text (every repetition ends at a literal the next part cannot start with).
const FRAME = new RegExp(
  "^" + esc(HEAD) + PLAIN + esc(TYPE) + PLAIN + esc(EVENTS) + "(?:" + EVENT + "(?:," + EVENT + "){0,3})?" + esc(END) + "$",
);
const MAX_NAMES = 4096;

// The manager's clock (`clockNow()`, ms since the epoch), read for every input: every
// frame's arrival, every probe sent, every timer. It is `performance.timeOrigin +
// performance.now()`: monotonic and finer than a millisecond (browsers coarsen it to
// 5 µs..1 ms), where `Date.now()` is whole milliseconds and jumps when the system clock
// is set. On some systems that clock stands still while the machine sleeps, and the
// heartbeat must see a sleep as time that passed (the core re-probes once after a
// silence longer than the heartbeat timeout rather than declaring the socket dead), so
// whenever `Date.now()` is more than a second ahead the clock jumps forward to it. It
// never goes back: a wall clock set back is not followed. Without `performance`, it is
// `Date.now()`.
const PERF = globalThis.performance;
const JUMP_MS = 1000;
let base = PERF && typeof PERF.now === "function" ? (PERF.timeOrigin || Date.now() - PERF.now()) : NaN;
export function clockNow() {
  const wall = Date.now();
  if (base !== base) return wall;
  const t = base + PERF.now();
  if (wall - t <= JUMP_MS) return t;
  base += wall - t;
  return wall;
}

export class FrameScanner {
  constructor() {
    this.tap = null;
    this.ids = new Map();
    this.names = [];
    // Ids by a hash of their first characters and length: a name already seen is found
    // in place, with no slice and no string hashing, however many names there are.
    this.byHash = new Map();
    this.lastCtx = -1;
    this.lastKind = -1;
  }

  /// The interned id of `name`, or -1 when the table is full.
  intern(name) {
    let id = this.ids.get(name);
    if (id === undefined) {
      if (this.names.length >= MAX_NAMES) return -1;
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  /// The name behind an id (Rust asks once per new id).
  name(id) {
    return this.names[id];
  }

  /// Sets where frames go: `fast(now, ctx | n << 16, length, k0, k1, k2, k3, text)` for pre-read
  /// frames, `attached(now, header, buffers)` for binary packets with their attachments,
  /// `slow(now, data)` for the rest. `reader` names the protocol's pre-reader in
  /// READERS ("" or an unknown name: none, everything goes to `slow`); it takes text
  /// frames of at most `maxUnits` UTF-16 units.
  bind(fast, slow, attached, reader, maxUnits) {
    this.fast = fast;
    this.slow = slow;
    this.attached = attached;
    this.want = 0;
    this.header = null;
    this.buffers = [];
    this.read = READERS[reader] || null;
    this.maxUnits = maxUnits;
  }

  /// Makes `ws` deliver its messages to `scan`.
  /// A hub of shareAcrossTabs sets `tap` (helpers.js `TabLink.tap`): each message is
  /// relayed to the other tabs before it is read here.
  attach(ws) {
    ws.onmessage = (e) => {
      if (this.tap !== null) this.tap(e.data);
      this.scan(e.data);
    };
  }

  /// The id of the name from `start` to `end` (a plain string, its closing quote at
  /// `end`), or -1 when the table is full. `guess` (an id, or -1) is tried first: the
  /// previous frame's context, the previous kind of this frame. A name seen before is
  /// matched in place; a new one is sliced once and interned.
  nameAt(t, start, end, guess) {
    const len = end - start;
    if (guess >= 0) {
      const name = this.names[guess];
      if (name.length === len && t.substring(start, end) === name) return guess;
    }
    let h = len;
    for (let i = start, stop = start + (len < 8 ? len : 8); i < stop; i++) h = (h * 31 + t.charCodeAt(i)) | 0;
    const list = this.byHash.get(h);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const name = this.names[list[i]];
        if (name.length === len && t.substring(start, end) === name) return list[i];
      }
    }
    const id = this.intern(t.slice(start, end));
    if (id >= 0) {
      if (list === undefined) this.byHash.set(h, [id]);
      else list.push(id);
    }
    return id;
  }

  /// Reads one frame (a socket message, or an injected one): the protocol's pre-reader
  /// takes it or hands it to `slow`.
  scan(t) {
    const now = clockNow();
    if (this.read === null) this.slow(now, t);
    else this.read(t, now);
  }

  /// The Socket.IO pre-reader: it only collects binary attachments. A binary packet's
  /// header (`45N-...` or `46N-...`, N from 1 to 10) is held until its N binary frames
  /// came, then all go to `attached(now, header, buffers)`; a text frame before that
  /// hands the header over with the buffers so far (the decoder reports the broken
  /// packet). Every other frame goes to `slow` as it is.
  socketio(t, now) {
    if (typeof t !== "string") {
      if (this.want > 0) {
        this.buffers.push(t);
        if (--this.want === 0) this.release(now);
        return;
      }
      this.slow(now, t);
      return;
    }
    if (this.want > 0) this.release(now);
    const m = t.length <= this.maxUnits && BINARY_HEADER.exec(t);
    const n = m ? Number(m[1]) : 0;
    if (n >= 1 && n <= 10) {
      this.header = t;
      this.buffers = [];
      this.want = n;
      this.headerAt = now;
      return;
    }
    this.slow(now, t);
  }

  /// Hands the held binary header and its buffers over.
  release(now) {
    const header = this.header, buffers = this.buffers;
    this.header = null;
    this.buffers = [];
    this.want = 0;
    this.attached(this.headerAt, header, buffers);
  }

  /// The Calimero pre-reader (see the top of this file): the node's exact StateMutation
  /// text goes to `fast`, everything else to `slow`.
  calimero(t, now) {
    if (typeof t !== "string" || t.length > this.maxUnits || !FRAME.test(t)) {
      this.slow(now, t);
      return;
    }
    // FRAME proved the grammar: every name ends at the next quote, every byte array at
    // the next bracket, every handler is null or a plain string.
    let end = t.indexOf('"', HEAD.length);
    const ctx = this.nameAt(t, HEAD.length, end, this.lastCtx);
    let at = t.indexOf('"', end + TYPE.length) + EVENTS.length;
    let n = 0, k0 = 0, k1 = 0, k2 = 0, k3 = 0;
    while (t.charCodeAt(at) === 123) {
      at += KIND.length;
      end = t.indexOf('"', at);
      const id = this.nameAt(t, at, end, n === 0 ? this.lastKind : k0);
      if (n === 0) k0 = id; else if (n === 1) k1 = id; else if (n === 2) k2 = id; else k3 = id;
      n++;
      at = t.indexOf("]", end + DATA.length) + 1 + HANDLER.length;
      at = t.charCodeAt(at) === 110 ? at + 4 : t.indexOf('"', at + 1) + 1;
      at += 2; // the event's closing brace, then a comma or the list's end
    }
    if (ctx < 0 || k0 < 0 || k1 < 0 || k2 < 0 || k3 < 0) {
      this.slow(now, t);
      return;
    }
    this.lastCtx = ctx;
    if (n > 0) this.lastKind = k0;
    this.fast(now, ctx | (n << 16), t.length, k0, k1, k2, k3, t);
  }
}

// The pre-readers by the name a protocol gives (`Codec::pre_reader` in the engine):
// adding one is a method above and a line here.
const READERS = { calimero: FrameScanner.prototype.calimero, socketio: FrameScanner.prototype.socketio };
// A Socket.IO binary packet's start: EVENT or ACK with an attachment count.
const BINARY_HEADER = /^4[56]([0-9]{1,2})-/;
