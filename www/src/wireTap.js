// A read-only tap on the page's WebSockets, for the latency histogram only.
//
// The SDK reports latency as percentiles (`stats().latency`: p50/p95/p99 over its
// sample window) but not the samples themselves, and it removes `_server_timestamp`
// from the frames it delivers. To draw the whole distribution, the demo listens to
// the same frames on the wire (one extra "message" listener on each socket the SDK
// opens) and keeps its own ring of `Date.now() - _server_timestamp`. The histogram is
// this page's measurement; the p50/p95/p99 marks over it are the SDK's.
//
// Nothing here touches what the SDK sends or receives.

const CAPACITY = 1000;
const ring = new Float64Array(CAPACITY);
let written = 0;
const KEY = '"_server_timestamp":';

function onMessage(event) {
  const text = event.data;
  if (typeof text !== "string" || text.startsWith('{"type":"pong"')) return;
  const at = text.lastIndexOf(KEY);
  if (at < 0) return;
  const stamp = parseFloat(text.slice(at + KEY.length));
  if (!Number.isFinite(stamp)) return;
  ring[written % CAPACITY] = Date.now() - stamp;
  written++;
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

/** The last (up to) 1000 samples, oldest first, and how many were ever taken. */
export function wireSamples() {
  const n = Math.min(written, CAPACITY);
  const out = new Array(n);
  const start = written - n;
  for (let i = 0; i < n; i++) out[i] = ring[(start + i) % CAPACITY];
  return { samples: out, total: written };
}

export function clearWireSamples() {
  written = 0;
}
