// Contestant 2: socket.io-client 4.8.4 (its browser ESM bundle, WebSocket transport
// only) plus the hand-written hook an enterprise dashboard puts on top of it, written
// for the benchmark:
//
//   - `socket.onAny((event, ...args) => ...)` sees every event of the namespace;
//   - latency: `_server_timestamp` of the first argument, taken against the same clock
//     the SDK uses (`performance.timeOrigin + performance.now()`), kept as samples for
//     p50/p95 (negative values, clock skew on loopback, count as 0, as the SDK does);
//   - batching: a 100 ms window opened by a batch's first event, or 10 events,
//     whichever comes first (the SDK's defaults);
//   - refresh flags by event name with the same mapping as the SDK's `refreshRules`,
//     OR-ed over every event of the batch; per-event-name counts (the SDK's `kinds`);
//   - one callback per batch `{ size, flags, kinds, latest, reason }`, where `latest` is
//     `{ [event]: args }` of the newest event (the SDK's `latest[ns]` shape).
//
// Connection handling is socket.io-client's own (its defaults, `forceNew` so each run
// has its own connection); nothing of it is re-implemented here.

const now = () => performance.timeOrigin + performance.now();

export class DashboardHook {
  constructor({ io, url, namespace, rules, onBatch, batchWindowMs = 100, maxBatchSize = 10, latencySamples }) {
    this.onBatch = onBatch || (() => {});
    this.rules = rules;
    this.batchWindowMs = batchWindowMs;
    this.maxBatchSize = maxBatchSize;
    this.flagNames = [...new Set(Object.values(rules).flat())];
    this.timer = null;
    // Latency samples (ms), preallocated: the page reads them at the end of a run.
    this.lat = latencySamples || new Float64Array(1 << 17);
    this.latN = 0;
    this.reset();
    this.socket = io(url + namespace, { transports: ['websocket'], forceNew: true });
    this.socket.onAny((event, ...args) => this.onEvent(event, args));
  }

  reset() {
    this.size = 0;
    const flags = {};
    for (const f of this.flagNames) flags[f] = false;
    this.flags = flags;
    this.kinds = {};
    this.latest = null;
  }

  onEvent(event, args) {
    const first = args[0];
    if (first !== null && typeof first === 'object' && typeof first._server_timestamp === 'number') {
      const ms = now() - first._server_timestamp;
      if (this.latN < this.lat.length) this.lat[this.latN++] = ms > 0 ? ms : 0;
    }
    const raised = this.rules[event];
    if (raised) for (let i = 0; i < raised.length; i++) this.flags[raised[i]] = true;
    this.kinds[event] = (this.kinds[event] || 0) + 1;
    this.latest = { [event]: args };
    this.size++;
    if (this.size >= this.maxBatchSize) this.flush('maxSize');
    else if (this.timer === null) this.timer = setTimeout(() => this.flush('window'), this.batchWindowMs);
  }

  flush(reason) {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.size === 0) return;
    const batch = { size: this.size, flags: this.flags, kinds: this.kinds, latest: this.latest, reason };
    this.reset();
    this.onBatch(batch);
  }

  close() {
    this.flush('close');
    this.socket.offAny();
    this.socket.disconnect();
    this.socket.io.engine && this.socket.io.engine.close();
  }
}
