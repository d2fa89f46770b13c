// Builds the batch object handed to `onBatch`, from compact numbers Rust passes in one
// call: flag and kind names are registered once and cached here as JS strings, so a
// batch costs no string decoding and no property-by-property calls from wasm.
//
// `latest` has lazy values: each context's frame is decoded (byte arrays to JSON,
// timestamp removed, one JSON.parse, all by the Rust reader) the first time the app
// reads it, then cached. Apps that only act on the flags never pay for decoding. It is a
// Proxy over a plain object of the context ids (see LATEST below).

const REASONS = ["window", "maxSize", "maxWait", "critical", "close"];

export class BatchBuilder {
  constructor(flagNames, decode, scanner) {
    this.flagNames = flagNames;
    this.kindNames = [];
    this.decode = decode;
    this.scanner = scanner;
  }

  /// Caches the name of kind `id`.
  kind(id, name) {
    this.kindNames[id] = name;
  }

  /// `flags` is the mask's low and high 32 bits; `kinds` pairs of (id, count) in a
  /// Uint32Array view; `ctxIds` (the scanner's ids, -1 for names it did not read,
  /// which come in order in `otherIds`), `texts`, `arrivals` describe `latest`. Views
  /// into wasm memory are read during this call only.
  build(size, flagsLo, flagsHi, resync, kinds, ctxIds, otherIds, texts, arrivals, attachments, reason) {
    const ids = new Array(ctxIds.length);
    for (let i = 0, o = 0; i < ctxIds.length; i++) {
      ids[i] = ctxIds[i] >= 0 ? this.scanner.names[ctxIds[i]] : otherIds[o++];
    }
    const flags = {};
    const names = this.flagNames;
    for (let i = 0; i < names.length; i++) {
      flags[names[i]] = (i < 32 ? (flagsLo >>> i) & 1 : (flagsHi >>> (i - 32)) & 1) === 1;
    }
    flags.resync = resync;
    const counts = {};
    for (let i = 0; i + 1 < kinds.length; i += 2) {
      counts[this.kindNames[kinds[i]]] = kinds[i + 1];
    }
    // A context is listed once even when `latest` keeps one frame per event (socketio).
    // (Not from `latest`'s keys: enumerating it would decode its frames.)
    const unique = ids.length < 2 ? ids : [...new Set(ids)];
    return {
      size,
      flags,
      resync,
      kinds: counts,
      latest: lazyLatest(ids, texts, arrivals, attachments, this.decode),
      contextIds: unique.length === ids.length ? ids : unique,
      reason: REASONS[reason],
    };
  }
}

/// A frame of `latest` not read yet: decoded on the first read, then replaced by the
/// value in the target object.
class Pending {
  constructor(text, at, decode, buffers) {
    this.text = text;
    this.at = at;
    this.decode = decode;
    this.buffers = buffers;
  }

  read() {
    // `decode` belongs to the manager: once it is freed, frames read null.
    try {
      const v = this.decode(this.text, this.at);
      return this.buffers === undefined ? v : fillPlaceholders(v, this.buffers);
    } catch {
      return null;
    }
  }
}

/// socketio binary events: `buffers[k]` in place of each `{"_placeholder":true,"num":k}`
/// (at any depth; the decoder checked that each k is an attachment's index).
export function fillPlaceholders(v, buffers) {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = fillPlaceholders(v[i], buffers);
    return v;
  }
  if (v._placeholder === true && typeof v.num === "number" && Object.keys(v).length === 2) return buffers[v.num];
  for (const k of Object.keys(v)) v[k] = fillPlaceholders(v[k], buffers);
  return v;
}

/// Several frames of one context (socketio: the newest of each event name): read as one
/// object, the merge of their decoded `{event: args}` objects.
class PendingMerge {
  constructor(first) {
    this.parts = [first];
  }

  read() {
    return Object.assign({}, ...this.parts.map((p) => p.read()));
  }
}

/// The traps of every `latest`: keys, `in` and enumeration are the target's own (the
/// context ids); reading a value decodes it once. One shared handler and one small
/// object per context make a batch's `latest` cheap to build (a getter defined per
/// context cost about as much as everything else in the batch).
const LATEST = {
  get(target, key, receiver) {
    const v = Reflect.get(target, key, receiver);
    if (!(v instanceof Pending || v instanceof PendingMerge)) return v;
    const value = v.read();
    target[key] = value;
    return value;
  },
  getOwnPropertyDescriptor(target, key) {
    const d = Reflect.getOwnPropertyDescriptor(target, key);
    if (d !== undefined && (d.value instanceof Pending || d.value instanceof PendingMerge)) d.value = LATEST.get(target, key, target);
    return d;
  },
};

function lazyLatest(ids, texts, arrivals, attachments, decode) {
  const target = {};
  for (let i = 0; i < ids.length; i++) {
    const p = new Pending(texts[i], arrivals[i], decode, attachments[i]);
    const had = target[ids[i]];
    if (had === undefined) target[ids[i]] = p;
    else if (had instanceof PendingMerge) had.parts.push(p);
    else (target[ids[i]] = new PendingMerge(had)).parts.push(p);
  }
  return new Proxy(target, LATEST);
}
