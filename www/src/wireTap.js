// A read-only tap on the page's WebSockets, for the latency histogram only.
//
// The SDK reports latency as percentiles (`stats().latency`: p50/p95/p99 over its
// sample window) but not the samples themselves, and it removes `_server_timestamp`
// from the frames it delivers. To draw the whole distribution, the demo listens to
// the same frames on the wire (one extra "message" listener on each socket the SDK
// opens) and keeps its own ring of `(arrival, arrival - _server_timestamp)`, on the
// SDK's clock (`performance.timeOrigin + performance.now()`). The latency panel draws
// the last 10 s of it, so it recovers a few seconds after a burst; the SDK's own
// window (the last `latencySampleSize` samples, whatever their age) is printed under it.
//
// Nothing here touches what the SDK sends or receives.

const CAPACITY = 1000;
const ring = new Float64Array(CAPACITY);
const times = new Float64Array(CAPACITY);
let written = 0;
const KEY = '"_server_timestamp":';

function onMessage(event) {
  const text = event.data;
  if (typeof text !== "string" || text.startsWith('{"type":"pong"')) return;
  const at = text.lastIndexOf(KEY);
  if (at < 0) return;
  const stamp = parseFloat(text.slice(at + KEY.length));
  if (!Number.isFinite(stamp)) return;
  const now = clockNow();
  ring[written % CAPACITY] = now - stamp;
  times[written % CAPACITY] = now;
  written++;
}

/** Milliseconds since the epoch, the SDK's way: monotonic and finer than 1 ms. */
export function clockNow() {
  return performance.timeOrigin + performance.now();
}

/** Wraps `WebSocket` once; sockets created afterwards are tapped. */
export function installWireTap() {
  const Native = globalThis.WebSocket;
  if (!Native || Native.__wireTap) return;
  class TappedWebSocket extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("message", onMessage);
    }
  }
  TappedWebSocket.__wireTap = true;
  globalThis.WebSocket = TappedWebSocket;
}

/**
 * The samples of frames that arrived in the last `spanMs` (at most 1000, oldest
 * first), and how many were ever taken.
 */
export function wireSamples(spanMs = Infinity) {
  const n = Math.min(written, CAPACITY);
  const since = clockNow() - spanMs;
  const out = [];
  for (let i = written - n; i < written; i++) {
    if (times[i % CAPACITY] >= since) out.push(ring[i % CAPACITY]);
  }
  return { samples: out, total: written };
}

/** Nearest-rank percentile `p` (0..1) of `sorted`, as the SDK computes it. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(sorted.length * p))) - 1];
}

export function clearWireSamples() {
  written = 0;
}
