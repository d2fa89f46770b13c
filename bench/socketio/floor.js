// Contestant 3, the floor: what any Socket.IO client must at least do over the
// WebSocket transport. A raw `WebSocket` to `/socket.io/?EIO=4&transport=websocket`:
// on the Engine.IO open packet (`0{...}`) send the namespace CONNECT (`40/nsp,`), answer
// every ping (`2`) with a pong (`3`), and `JSON.parse` the payload of every other
// message (Socket.IO packet type, optional `/nsp,` and ack id skipped). No batching, no
// callbacks, no validation beyond JSON.parse.
//
// For the benchmark's checks it also counts events by name and keeps one latency sample
// per event (`_server_timestamp` of the first argument against
// `performance.timeOrigin + performance.now()`, the SDK's clock): the same bookkeeping
// the other two contestants do.

const now = () => performance.timeOrigin + performance.now();

export class Floor {
  constructor({ origin, namespace, onEvent, latencySamples }) {
    this.namespace = namespace;
    this.onEventCount = onEvent || (() => {});
    this.events = 0;
    this.kinds = {};
    this.joined = false;
    this.lastParsed = null;
    this.lat = latencySamples || new Float64Array(1 << 17);
    this.latN = 0;
    const connect = namespace === '/' ? '40' : `40${namespace},`;
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
    this.ws = ws;
    ws.onmessage = (e) => {
      const d = e.data;
      const type = d.charCodeAt(0);
      if (type === 50 /* '2' ping */) {
        ws.send('3');
        return;
      }
      if (type === 48 /* '0' open */) {
        JSON.parse(d.slice(1));
        ws.send(connect);
        return;
      }
      if (type !== 52 /* '4' message */ || d.length < 2) return;
      const packet = d.charCodeAt(1);
      let i = 2;
      if (d.charCodeAt(i) === 47 /* '/' */) i = d.indexOf(',', i) + 1;
      while (i < d.length && d.charCodeAt(i) >= 48 && d.charCodeAt(i) <= 57) i++; // ack id
      if (i >= d.length) return;
      const v = JSON.parse(d.slice(i));
      this.lastParsed = v;
      if (packet === 50 /* '2' EVENT */) {
        const first = v[1];
        if (first !== null && typeof first === 'object' && typeof first._server_timestamp === 'number') {
          const ms = now() - first._server_timestamp;
          if (this.latN < this.lat.length) this.lat[this.latN++] = ms > 0 ? ms : 0;
        }
        this.kinds[v[0]] = (this.kinds[v[0]] || 0) + 1;
        this.events++;
        this.onEventCount(this.events);
      } else if (packet === 48 /* '0' CONNECT reply */) {
        this.joined = true;
      }
    };
  }

  close() {
    if (this.ws) {
      this.ws.onmessage = null;
      this.ws.close(1000);
      this.ws = null;
    }
  }
}
