/**
 * Engine.IO-level faults and bookkeeping, below socket.io: per-connection
 * heartbeat settings (so `/control/set` only affects new connections), a
 * "stalled" mode (no pings, outgoing frames dropped), abrupt termination of a
 * connection's WebSocket, and a restart of the whole listener.
 *
 * This reaches into engine.io 6.6.13 internals (`schedulePing`,
 * `resetPingTimeout`, `sendPacket`, the ping timers, `transport.socket`);
 * the version is pinned in package.json.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { jsonSafe } from './record.mjs';

const STALLED = Symbol('stalled');

/**
 * Hook every new Engine.IO connection: pin its ping timeout to the value in
 * force when it opened (engine.io re-reads the server option on every ping),
 * and record it (`handshakes` log). The ping interval is already fixed per
 * connection by engine.io (its timer is created once and refreshed).
 */
export function trackEngine(io, recorder, log) {
  io.engine.on('connection', (conn) => {
    const pingTimeout = io.engine.opts.pingTimeout;
    conn.resetPingTimeout = function resetPingTimeout() {
      clearTimeout(this.pingTimeoutTimer);
      if (this[STALLED]) return void (this.pingTimeoutTimer = null);
      this.pingTimeoutTimer = setTimeout(() => {
        if (this.readyState !== 'closed') this.onClose('ping timeout');
      }, pingTimeout);
    };
    conn.pinnedHeartbeat = { pingInterval: io.engine.opts.pingInterval, pingTimeout };
    const req = conn.request;
    recorder.add('handshakes', {
      engineId: conn.id,
      url: req?.url ?? null,
      query: jsonSafe(req?._query ?? {}),
      origin: req?.headers?.origin ?? null,
      pingInterval: conn.pinnedHeartbeat.pingInterval,
      pingTimeout,
    });
    conn.once('close', (reason) => {
      recorder.add('handshakes', { engineId: conn.id, closed: reason });
      log(`engine ${conn.id} closed: ${reason}`);
    });
  });
}

/** The open Engine.IO connections, optionally only the one with id `engineId`. */
export function engines(io, engineId) {
  const all = Object.values(io.engine.clients);
  return engineId ? all.filter((c) => c.id === engineId) : all;
}

/** Whether `conn` is stalled. */
export const isStalled = (conn) => conn[STALLED] === true;

/**
 * Simulate a stalled server on `conn`: no more pings, no ping timeout (the
 * server never gives up on its own), and with `dropOutgoing` every frame the
 * server would send is silently dropped. Incoming frames are still processed.
 */
export function stall(conn, { dropOutgoing = true } = {}) {
  conn[STALLED] = true;
  clearTimeout(conn.pingIntervalTimer);
  clearTimeout(conn.pingTimeoutTimer);
  conn.pingIntervalTimer = null;
  conn.pingTimeoutTimer = null;
  if (dropOutgoing) conn.sendPacket = () => {};
}

/** Undo `stall`: outgoing frames flow again and pinging restarts. */
export function resume(conn) {
  if (!conn[STALLED]) return;
  conn[STALLED] = false;
  delete conn.sendPacket; // back to the prototype's
  conn.schedulePing();
}

/** Terminate `conn`'s WebSocket without a close frame (the client sees 1006). */
export function killEngine(conn) {
  const ws = conn.transport?.socket;
  if (ws && typeof ws.terminate === 'function') ws.terminate();
  else conn.close(true);
}

/**
 * Every TCP socket of `server` (HTTP and upgraded WebSockets), so a restart
 * can drop them all. Returns the live Set.
 */
export function trackSockets(server) {
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  return sockets;
}

/**
 * Close the listener and every connection, then listen again on the same
 * port `downMs` after the call. `graceful` (default) closes each Engine.IO
 * connection with a WebSocket close frame first (the client sees 1005,
 * "transport close"); otherwise every TCP socket is destroyed at once (1006).
 * Resolves once listening again. `ctx`: `{io, server, sockets, host, log, port()}`.
 */
export async function restart(ctx, { downMs = 1000, graceful = true } = {}) {
  const { io, server, sockets, host, log } = ctx;
  const port = ctx.port();
  const t0 = Date.now();
  const closed = new Promise((resolve) => server.close(() => resolve()));
  if (graceful) {
    for (const conn of engines(io)) conn.close(true);
    server.closeIdleConnections();
    await sleep(Math.min(200, downMs));
  }
  for (const s of sockets) s.destroy();
  await Promise.race([closed, sleep(2000)]);
  log(`restart: down, back in ${Math.max(0, downMs - (Date.now() - t0))} ms`);
  await sleep(Math.max(0, downMs - (Date.now() - t0)));
  for (let attempt = 0; ; attempt++) {
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      break;
    } catch (err) {
      if (err.code !== 'EADDRINUSE' || attempt >= 50) throw err;
      await sleep(100);
    }
  }
  log(`restart: listening again on ${port}`);
}
