// Contestant 2: a JS reference of the hand-written hook the SDK replaces, written for
// the benchmark. Faithful to what the chat frontends' own hooks did:
//
//   - JSON.parse every frame;
//   - decode every event's byte array (Uint8Array -> TextDecoder -> JSON.parse);
//   - batch with a 100 ms window opened by the first frame of a batch, or 10 frames,
//     whichever comes first (their constants);
//   - raise refresh flags from the events with the chat mapping, OR-ed over every
//     event of every frame of the batch (this is the corrected behaviour: the seeds kept
//     only the latest frame's kinds, defect 3, which would make this contestant look
//     cheaper in refetches than a correct hook can be);
//   - one callback per batch with { size, flags, latest, reason }, where `latest` is the
//     newest decoded frame (the seeds' latest-only batching).
//
// `criticalKinds` (off by default, as in the seeds) flushes at once, like the SDK's
// option of the same name, so critical-frame latency can be compared like for like.
//
// Connection handling is the minimum needed to receive frames (open, subscribe on
// open, close): the reconnect/heartbeat logic of the seeds never runs in a benchmark.

import { CHAT_RULES } from './frames.js';

export class ReferenceHook {
  constructor({ onBatch, batchWindowMs = 100, maxBatchSize = 10, criticalKinds = [], rules = CHAT_RULES } = {}) {
    this.onBatch = onBatch || (() => {});
    this.batchWindowMs = batchWindowMs;
    this.maxBatchSize = maxBatchSize;
    this.critical = new Set(criticalKinds);
    this.rules = rules;
    this.decoder = new TextDecoder();
    this.timer = null;
    this.ws = null;
    this.nextId = 1;
    this.reset();
    // The ws.onmessage handler (also used for injected frames: `handleMessage({data})`).
    this.handleMessage = (event) => this.onText(event.data);
  }

  reset() {
    this.size = 0;
    this.flags = { messages: false, channels: false, dms: false, members: false };
    this.latest = null;
    this.urgent = false;
  }

  onText(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return; // the seeds logged and skipped
    }
    if (!msg || msg.id !== null || !msg.result) return; // replies to subscribe etc.
    const result = msg.result;
    const data = result.data;
    const events = data && data.events;
    if (!Array.isArray(events)) return;
    for (let i = 0; i < events.length; i++) {
      const ev = events[i];
      // The seeds' decode: byte array -> Uint8Array -> UTF-8 text -> JSON.
      if (Array.isArray(ev.data)) {
        const text = this.decoder.decode(new Uint8Array(ev.data));
        ev.data = text.length ? JSON.parse(text) : null;
      }
      const flags = this.rules[ev.kind];
      if (flags) for (let j = 0; j < flags.length; j++) this.flags[flags[j]] = true;
      if (this.critical.has(ev.kind)) this.urgent = true;
    }
    this.latest = result;
    this.size++;
    if (this.urgent) this.flush('critical');
    else if (this.size >= this.maxBatchSize) this.flush('maxSize');
    else if (this.timer === null) this.timer = setTimeout(() => this.flush('window'), this.batchWindowMs);
  }

  flush(reason) {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.size === 0) return;
    const batch = { size: this.size, flags: this.flags, latest: this.latest, reason };
    this.reset();
    this.onBatch(batch);
  }

  /** Opens `url` and sends the same subscribe request as the SDK once open. */
  connect(url, contextIds) {
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ id: this.nextId++, method: 'subscribe', params: { contextIds } }));
    };
    ws.onmessage = this.handleMessage;
    return ws;
  }

  close() {
    this.flush('close');
    if (this.ws) {
      this.ws.onmessage = null;
      this.ws.close(1000);
      this.ws = null;
    }
  }
}
