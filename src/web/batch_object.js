// Builds the batch object handed to `onBatch`, from compact numbers Rust passes in one
// call: flag and kind names are registered once and cached here as JS strings, so a
// batch costs no string decoding and no property-by-property calls from wasm.
//
// `latest` has lazy values: each context's frame is decoded (byte arrays to JSON,
// timestamp removed, one JSON.parse, all by the Rust reader) the first time the app
// reads it, then cached. Apps that only act on the flags never pay for decoding.

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

  /// How many kind names are cached (ids below this are known).
  kindCount() {
    return this.kindNames.length;
  }

  /// `flags` is the mask's low and high 32 bits; `kinds` pairs of (id, count) in a
  /// Uint32Array view; `ctxIds` (the scanner's ids, -1 for names it did not read,
  /// which come in order in `otherIds`), `texts`, `arrivals` describe `latest`. Views
  /// into wasm memory are read during this call only.
  build(size, flagsLo, flagsHi, resync, kinds, ctxIds, otherIds, texts, arrivals, reason) {
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
    return {
      size,
      flags,
      resync,
      kinds: counts,
      latest: lazyLatest(ids, texts, Array.from(arrivals), this.decode),
      contextIds: ids,
      reason: REASONS[reason],
    };
  }
}

function lazyLatest(ids, texts, arrivals, decode) {
  const out = {};
  for (let i = 0; i < ids.length; i++) {
    const text = texts[i];
    let done = false;
    let value = null;
    Object.defineProperty(out, ids[i], {
      enumerable: true,
      configurable: true,
      get() {
        if (!done) {
          done = true;
          // `decode` belongs to the manager: once it is freed, frames read null.
          try {
            value = decode(text, arrivals[i]);
          } catch {
            value = null;
          }
        }
        return value;
      },
    });
  }
  return out;
}
