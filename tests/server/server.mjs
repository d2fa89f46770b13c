#!/usr/bin/env node
/**
 * Local WebSocket event server for the SDK tests and demo.
 *
 *   node tests/server/server.mjs --port 9477 --host 127.0.0.1 [--rate 0]
 *        [--static DIR:PREFIX ...] [--ping-ms 30000] [--pong-timeout-ms 10000]
 *        [--exit-after-ms N]
 *
 * One HTTP server on 127.0.0.1 carries: WebSocket `/ws` (Calimero protocol,
 * calimero.mjs), WebSocket `/json` (generic JSON protocol, json-protocol.mjs),
 * `/control/*` (control.mjs) and the `--static` mounts (static.mjs).
 * Prints exactly `LISTENING <port>` on stdout once listening; everything else
 * goes to stderr. Stops cleanly on SIGTERM / SIGINT.
 */

import { realpathSync } from 'node:fs';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'ws';
import * as calimero from './calimero.mjs';
import * as jsonProtocol from './json-protocol.mjs';
import { acceptConnection } from './connection.mjs';
import { createControl } from './control.mjs';
import { Registry } from './session.mjs';
import { createStatic, parseStaticSpec } from './static.mjs';

const USAGE = `usage: node server.mjs [--port 9477] [--host 127.0.0.1] [--rate 0]
       [--static DIR:PREFIX ...] [--ping-ms 30000] [--pong-timeout-ms 10000] [--exit-after-ms N]`;

/** Node's inbound frame cap (16 MiB). */
const MAX_PAYLOAD = 16 * 1024 * 1024;
const PROTOCOLS = { ws: calimero, json: jsonProtocol };

function fail(msg) {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

/** Parse argv (`--name value` or `--name=value`; `--static` repeatable). */
export function parseArgs(argv) {
  const opts = { port: 9477, host: '127.0.0.1', rate: 0, static: [], pingMs: 30000, pongTimeoutMs: 10000, exitAfterMs: 0 };
  const numeric = { '--port': 'port', '--rate': 'rate', '--ping-ms': 'pingMs', '--pong-timeout-ms': 'pongTimeoutMs', '--exit-after-ms': 'exitAfterMs' };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(USAGE + '\n');
      process.exit(0);
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) fail(`missing value for ${flag}`);
    }
    if (flag in numeric) {
      const n = Number(value);
      if (!Number.isFinite(n) || n < 0) fail(`bad ${flag}: ${value}`);
      opts[numeric[flag]] = n;
    } else if (flag === '--host') opts.host = value;
    else if (flag === '--static') opts.static.push(parseStaticSpec(value));
    else fail(`unknown option ${flag}`);
  }
  if (!['127.0.0.1', 'localhost'].includes(opts.host)) fail(`refusing to bind to ${opts.host}: loopback (127.0.0.1) only`);
  if (!Number.isInteger(opts.port) || opts.port > 65535) fail(`bad --port: ${opts.port}`);
  return opts;
}

/** Which protocol a WebSocket path speaks: `/ws` or `/json`, optionally behind a prefix. */
function protocolOf(pathname) {
  if (pathname === '/ws' || pathname.endsWith('/ws')) return 'ws';
  if (pathname === '/json' || pathname.endsWith('/json')) return 'json';
  return null;
}

function rejectUpgrade(socket, status, text) {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Start the server; resolves to `{ port, stop }` once listening. */
export async function startServer(opts) {
  let control;
  const registry = new Registry({
    defaults: { pingMs: opts.pingMs, pongTimeoutMs: opts.pongTimeoutMs },
    onCreate: (session) => {
      if (opts.rate > 0) for (const p of ['ws', 'json']) control.startTraffic(session, p, { rate: opts.rate });
    },
  });
  control = createControl({ registry });
  const serveStatic = createStatic(opts.static);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_PAYLOAD,
    perMessageDeflate: false,
    autoPong: false, // connection.mjs answers pings itself (not while stalled)
    clientTracking: false,
  });

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://127.0.0.1');
      if (url.pathname.startsWith('/control/')) return await control.handle(req, res, url);
      if (await serveStatic(req, res, url)) return;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
    } catch {
      if (!res.headersSent) res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('bad request\n');
    }
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => {});
    let url;
    try {
      url = new URL(req.url, 'http://127.0.0.1');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request');
    }
    const path = protocolOf(url.pathname);
    if (!path) return rejectUpgrade(socket, 404, 'Not Found');
    const name = Registry.nameFrom(url.searchParams);
    const session = registry.get(name);
    session.attempts++;
    session.lastUrl = req.url;
    if (session.isRefusing()) {
      session.refused++;
      return rejectUpgrade(socket, session.refuseStatus, session.refuseStatus === 503 ? 'Service Unavailable' : 'Refused');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // the session may have been reset while the handshake ran: join the current one
      acceptConnection(ws, registry.get(name), path, PROTOCOLS[path], url);
    });
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  let stopping = null;
  function stop() {
    stopping ??= new Promise((resolve) => {
      registry.disposeAll(1001, 'Server shutting down');
      wss.close();
      server.close(() => resolve());
      server.closeIdleConnections?.();
      setTimeout(() => {
        server.closeAllConnections?.();
        resolve();
      }, 300).unref();
    });
    return stopping;
  }

  return { port: server.address().port, stop, registry };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  process.on('uncaughtException', (err) => process.stderr.write(`[server] uncaught: ${err?.stack || err}\n`));
  let srv;
  try {
    srv = await startServer(opts);
  } catch (err) {
    process.stderr.write(`cannot listen on 127.0.0.1:${opts.port}: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`LISTENING ${srv.port}\n`);

  const shutdown = () => {
    srv.stop().then(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  if (opts.exitAfterMs > 0) setTimeout(shutdown, opts.exitAfterMs);
}

const isMain = (() => {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();
if (isMain) main();
