#!/usr/bin/env node
/**
 * Local Socket.IO v4 server (socket.io 4.8.4, WebSocket transport only) for
 * the SDK's Socket.IO client tests.
 *
 *   node tests/socketio-server/server.mjs --port 0 --host 127.0.0.1
 *        [--ping-interval 25000] [--ping-timeout 20000] [--max-payload 1000000]
 *        [--per-message-deflate THRESHOLD] [--connect-timeout 45000]
 *        [--require-token T] [--recovery MS] [--redis redis://127.0.0.1:PORT] [--name A]
 *
 * One HTTP server on loopback carries Socket.IO at `/socket.io/` and the
 * control channel at `/control/*` (control.mjs). Namespaces and behaviour are
 * in namespaces.mjs, Engine.IO-level faults in engine.mjs, the Redis adapter in
 * adapter.mjs. Prints exactly `LISTENING <port>` on stdout once listening;
 * logs go to stderr. Stops cleanly on SIGTERM / SIGINT.
 */

import http from 'node:http';
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Server } from 'socket.io';
import { connectRedisAdapter } from './adapter.mjs';
import { createControl } from './control.mjs';
import { trackEngine, trackSockets } from './engine.mjs';
import { setupNamespaces } from './namespaces.mjs';
import { Recorder } from './record.mjs';

const USAGE = `usage: node server.mjs [--port 0] [--host 127.0.0.1] [--ping-interval 25000] [--ping-timeout 20000]
       [--max-payload 1000000] [--per-message-deflate THRESHOLD] [--connect-timeout 45000]
       [--require-token T] [--recovery MS] [--redis redis://127.0.0.1:PORT] [--name NAME]`;

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

function fail(msg) {
  process.stderr.write(`${msg}\n${USAGE}\n`);
  process.exit(2);
}

/** Parse argv (`--flag value` or `--flag=value`). */
export function parseArgs(argv) {
  const opts = {
    port: 0,
    host: '127.0.0.1',
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: 1_000_000,
    perMessageDeflate: 0,
    connectTimeout: 45000,
    recovery: 0,
    requireToken: null,
    redis: null,
    name: 'node',
  };
  const numeric = {
    '--port': 'port',
    '--ping-interval': 'pingInterval',
    '--ping-timeout': 'pingTimeout',
    '--max-payload': 'maxPayload',
    '--per-message-deflate': 'perMessageDeflate',
    '--connect-timeout': 'connectTimeout',
    '--recovery': 'recovery',
  };
  const strings = { '--host': 'host', '--require-token': 'requireToken', '--redis': 'redis', '--name': 'name' };
  for (let i = 0; i < argv.length; i++) {
    let [flag, value] = argv[i].split(/=(.*)/s, 2);
    if (flag === '--help' || flag === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) fail(`missing value for ${flag}`);
    }
    if (flag in numeric) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) fail(`bad ${flag}: ${value}`);
      opts[numeric[flag]] = n;
    } else if (flag in strings) opts[strings[flag]] = value;
    else fail(`unknown option ${flag}`);
  }
  if (!LOOPBACK.includes(opts.host)) fail(`refusing to bind to ${opts.host}: loopback only`);
  if (opts.port > 65535) fail(`bad --port: ${opts.port}`);
  if (opts.redis) {
    let u;
    try {
      u = new URL(opts.redis);
    } catch {
      fail(`bad --redis URL: ${opts.redis}`);
    }
    if (u.protocol !== 'redis:' || !['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) fail(`--redis must be a loopback redis:// URL`);
  }
  return opts;
}

/**
 * Build and start a server. Resolves `{ port, close }` once listening.
 * `log` writes one diagnostic line (stderr by default).
 */
export async function startServer(opts, log = (line) => process.stderr.write(`[sio ${opts.name}] ${line}\n`)) {
  const recorder = new Recorder();
  const server = http.createServer();
  const sockets = trackSockets(server);
  const io = new Server({
    transports: ['websocket'],
    pingInterval: opts.pingInterval,
    pingTimeout: opts.pingTimeout,
    maxHttpBufferSize: opts.maxPayload,
    perMessageDeflate: opts.perMessageDeflate > 0 ? { threshold: opts.perMessageDeflate } : false,
    connectTimeout: opts.connectTimeout,
    serveClient: false,
    // --recovery MS: connection state recovery (socket.io >= 4.6) for disconnections up to MS.
    ...(opts.recovery > 0 ? { connectionStateRecovery: { maxDisconnectionDuration: opts.recovery, skipMiddlewares: true } } : {}),
  });
  const redis = opts.redis ? await connectRedisAdapter(io, opts.redis, log) : null;

  const ctx = { io, server, sockets, opts, recorder, log, host: opts.host, boundPort: 0, port: () => ctx.boundPort };
  const control = createControl(ctx);
  server.on('request', (req, res) => {
    control(req, res).then((handled) => {
      if (!handled) {
        res.writeHead(404, { 'Content-Type': 'text/plain' });
        res.end('not found\n');
      }
    });
  });
  io.attach(server);
  trackEngine(io, recorder, log);
  setupNamespaces(io, { name: opts.name, requireToken: opts.requireToken, recorder, log });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  ctx.boundPort = server.address().port;

  async function close() {
    await Promise.race([io.close(), new Promise((r) => setTimeout(r, 1500))]);
    for (const s of sockets) s.destroy();
    if (redis) await redis.quit();
  }
  return { port: ctx.boundPort, close, io, ctx };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const log = (line) => process.stderr.write(`[sio ${opts.name}] ${line}\n`);
  const { port, close } = await startServer(opts, log);
  process.stdout.write(`LISTENING ${port}\n`);
  log(`listening on ${opts.host}:${port} (ping ${opts.pingInterval}/${opts.pingTimeout}${opts.redis ? `, redis ${opts.redis}` : ''})`);
  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    setTimeout(() => process.exit(0), 3000).unref();
    close().then(
      () => process.exit(0),
      (err) => {
        log(`close: ${err}`);
        process.exit(0);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  main().catch((err) => {
    process.stderr.write(`[sio] failed to start: ${err.stack ?? err}\n`);
    process.exit(1);
  });
}
