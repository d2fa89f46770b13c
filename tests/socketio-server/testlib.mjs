/**
 * Helpers for selftest.test.mjs: start a server (node or python) or
 * redis-server as a child process on a free loopback port, call the control
 * channel, and drive socket.io-client. Every wait is bounded.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Manager, io } from 'socket.io-client';

export const HERE = fileURLToPath(new URL('.', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const NODE_SERVER = `${HERE}server.mjs`;
export const PY_SERVER = `${HERE}python_server.py`;
export const PYTHON = `${ROOT}.venv-socketio/bin/python`;

export const hasPython = () => existsSync(PYTHON);
export const hasRedis = () => spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;

/** Reject with `what` if `promise` takes longer than `ms`. */
export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout (${ms} ms): ${what}`)), ms))),
  ]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawn `cmd args` and resolve after its `LISTENING <port>` line:
 * `{ proc, port, url, stderr(), stop() }`. `stop()` sends SIGTERM (SIGKILL after 3 s).
 */
export function spawnListening(cmd, args, what = cmd) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return exited;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
    const r = await exited;
    clearTimeout(t);
    return r;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${what} did not start within 10 s: ${stderr}`));
    }, 10_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^LISTENING (\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({ proc, port, url: `http://127.0.0.1:${port}`, stderr: () => stderr, stdout: () => out, stop, exited });
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
}

/** Start server.mjs on port 0 with extra `args`. */
export const startNode = (args = []) => spawnListening(process.execPath, [NODE_SERVER, '--port', '0', '--host', '127.0.0.1', ...args], 'server.mjs');

/** Start python_server.py on port 0 with extra `args`. */
export const startPython = (args = []) => spawnListening(PYTHON, [PY_SERVER, '--port', '0', '--host', '127.0.0.1', ...args], 'python_server.py');

/**
 * Call `/control/<route>` on `port`: GET without `body`, POST with it. Resolves
 * `{status, body}`. No keep-alive (a restart drops every connection).
 */
export function control(port, route, body) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
      const req = http.request(
        { host: '127.0.0.1', port, path: `/control/${route}`, method: data ? 'POST' : 'GET', agent: false, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (text += c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode, body: JSON.parse(text) });
            } catch {
              resolve({ status: res.statusCode, body: text });
            }
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    }),
    5000,
    `control ${route}`,
  );
}

/** Like `control`, but throws unless the answer is 200; resolves the body. */
export async function ctl(port, route, body) {
  const r = await control(port, route, body);
  if (r.status !== 200) throw new Error(`control ${route}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** socket.io-client options for the tests: WebSocket only, no reconnection unless asked. */
export const clientOpts = (extra = {}) => ({ transports: ['websocket'], reconnection: false, timeout: 5000, forceNew: true, ...extra });

/** A socket.io-client socket for `nsp` on `port` (not yet connected when returned). */
export const socketFor = (port, nsp = '/', extra = {}) => io(`http://127.0.0.1:${port}${nsp}`, clientOpts(extra));

/** A Manager (one Engine.IO connection) to multiplex several namespaces. */
export const managerFor = (port, extra = {}) => new Manager(`http://127.0.0.1:${port}`, clientOpts({ autoConnect: true, ...extra }));

/** Resolve the args of the next `event` on `emitter` within `ms`. */
export function next(emitter, event, ms = 3000) {
  return withTimeout(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), ms, `event ${event}`);
}

/** Resolve once `socket` connected; reject on `connect_error`. */
export function connected(socket, ms = 5000) {
  if (socket.connected) return Promise.resolve(socket);
  return withTimeout(
    new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', (err) => reject(err));
    }),
    ms,
    `connect ${socket.nsp}`,
  );
}

/** Collect the args of `count` `event`s on `emitter` within `ms`. */
export function collect(emitter, event, count, ms = 5000) {
  const got = [];
  return withTimeout(
    new Promise((resolve) => {
      const on = (...args) => {
        got.push(args);
        if (got.length === count) {
          emitter.off(event, on);
          resolve(got);
        }
      };
      emitter.on(event, on);
    }),
    ms,
    `${count} x ${event} (got ${got.length})`,
  );
}

/** Resolve true if `event` fires on `emitter` within `ms`, else false. */
export function firesWithin(emitter, event, ms) {
  return new Promise((resolve) => {
    const on = () => {
      clearTimeout(t);
      resolve(true);
    };
    const t = setTimeout(() => {
      emitter.off(event, on);
      resolve(false);
    }, ms);
    emitter.once(event, on);
  });
}

/** A free loopback TCP port (probe: bind port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** True once a RESP `PING` on `port` answers `+PONG`. */
function redisPing(port) {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (ok) => {
      c.destroy();
      resolve(ok);
    };
    c.setTimeout(500, () => done(false));
    c.on('error', () => done(false));
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      buf += d;
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG'));
    });
  });
}

/** Start redis-server on a free loopback port, no persistence; `{ port, url, stop() }`. */
export async function startRedis() {
  const port = await freePort();
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(t);
  };
  for (let i = 0; i < 50; i++) {
    if (await redisPing(port)) return { port, url: `redis://127.0.0.1:${port}`, stop };
    if (proc.exitCode !== null) break;
    await sleep(100);
  }
  await stop();
  throw new Error(`redis-server did not answer PING on ${port}: ${stderr}`);
}
