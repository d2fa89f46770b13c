// The socket's message handler, in JS so that the common frame costs one call into
// wasm and no copy of its text.
//
// A Calimero StateMutation frame as the node writes it starts with
//   {"id":null,"result":{"contextId":"<id>","type":"StateMutation","data":{
// and names its event kinds as "kind":"<Kind>". Inside a JSON string every quote is
// escaped, so the text `"kind":"` can only be a real key; the kinds' data are byte
// arrays, so no app text can contain it either. For such a frame this handler finds
// the context id and up to four kinds with indexOf, turns each name into a small
// integer (interned here, bounded), and calls `fast(now, ctx | n << 16, t.length, k0..k3, text)`.
// Every other frame (replies, errors, side events, other key orders, escapes, more
// kinds, anything odd) goes to `slow(now, data)`, where the Rust reader validates it.
// The rules stay in Rust: this only reads.

const HEAD = '{"id":null,"result":{"contextId":"';
const TYPE = '","type":"';
const STATE = 'StateMutation","data":{';
const KIND = '"kind":"';
const MAX_NAMES = 4096;

export class FrameScanner {
  constructor() {
    this.ids = new Map();
    this.names = [];
    // Ids by a hash of their first characters and length: a name already seen is found
    // in place, with no slice and no string hashing, however many names there are.
    this.byHash = new Map();
    this.end = 0;
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
  /// frames, `slow(now, data)` for the rest. `maxUnits` < 0 sends everything to `slow`.
  bind(fast, slow, maxUnits) {
    this.fast = fast;
    this.slow = slow;
    this.maxUnits = maxUnits;
  }

  /// Makes `ws` deliver its messages to `scan`.
  attach(ws) {
    ws.onmessage = (e) => this.scan(e.data);
  }

  /// The id of the name from `start` up to the next quote, with its end in `this.end`;
  /// -1 when it cannot be taken (escape, full table, no quote). `guess` (an id, or -1)
  /// is tried first: the previous frame's context, the previous kind of this frame. A
  /// name seen before is matched in place; a new one is sliced once and interned.
  nameAt(t, start, guess) {
    if (guess >= 0) {
      const name = this.names[guess];
      if (t.charCodeAt(start + name.length) === 34 && t.startsWith(name, start)) {
        this.end = start + name.length;
        return guess;
      }
    }
    const end = t.indexOf('"', start);
    if (end < 0) return -1;
    this.end = end;
    const len = end - start;
    let h = len;
    for (let i = start, stop = start + (len < 8 ? len : 8); i < stop; i++) h = (h * 31 + t.charCodeAt(i)) | 0;
    const list = this.byHash.get(h);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const name = this.names[list[i]];
        if (name.length === len && t.startsWith(name, start)) return list[i];
      }
    }
    const name = t.slice(start, end);
    if (name.indexOf("\\") >= 0) return -1;
    const id = this.intern(name);
    if (id >= 0) {
      if (list === undefined) this.byHash.set(h, [id]);
      else list.push(id);
    }
    return id;
  }

  /// Reads one frame (a socket message, or an injected one).
  scan(t) {
    const now = Date.now();
    const slow = this.slow;
    if (typeof t !== "string" || t.length > this.maxUnits || !t.startsWith(HEAD) || t.charCodeAt(t.length - 1) !== 125) {
      slow(now, t);
      return;
    }
    const ctx = this.nameAt(t, HEAD.length, this.lastCtx);
    const ctxEnd = this.end;
    if (ctx < 0 || !t.startsWith(TYPE, ctxEnd) || !t.startsWith(STATE, ctxEnd + TYPE.length)) {
      slow(now, t);
      return;
    }
    let n = 0, k0 = 0, k1 = 0, k2 = 0, k3 = 0;
    let at = t.indexOf(KIND, ctxEnd);
    while (at >= 0) {
      if (n === 4) {
        slow(now, t);
        return;
      }
      const id = this.nameAt(t, at + KIND.length, n === 0 ? this.lastKind : k0);
      if (id < 0) {
        slow(now, t);
        return;
      }
      if (n === 0) k0 = id; else if (n === 1) k1 = id; else if (n === 2) k2 = id; else k3 = id;
      n++;
      at = t.indexOf(KIND, this.end);
    }
    this.lastCtx = ctx;
    if (n > 0) this.lastKind = k0;
    this.fast(now, ctx | (n << 16), t.length, k0, k1, k2, k3, t);
  }
}
