// `batch.latest` with lazy values: each context's frame is decoded (byte arrays to
// JSON, timestamp removed, one JSON.parse) the first time the app reads it, then
// cached. Apps that only act on the flags never pay for decoding.
export function lazyLatest(ids, texts, arrivalsView, decode) {
  // The arrival times come as a view into wasm memory, valid only during this call.
  const arrivals = Array.from(arrivalsView);
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
