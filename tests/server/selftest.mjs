/**
 * Self-test of the event server: starts `server.mjs --port 0` as a child process
 * and checks every endpoint with a real `ws` client on loopback. Every wait has
 * a timeout and every loop a bound, so the suite always ends (in a few seconds).
 *
 *   node --test tests/server/            (via selftest.test.mjs)
 *   node --test tests/server/selftest.mjs
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const CTX_A = '9YxHobM9hKQFzHHjg3FDtXmCreJWS7Epe1gG1t4jodi';
const CTX_B = '5rMQrAzDE7zUqB8WQoE1GbNQdWu47yZ3Y5qiHEYrTDhs';
const CTX_C = '11111111111111111111111111111111';
const T = { timeout: 5000 };

// ---- helpers ---------------------------------------------------------------

/** Spawn the server; resolves `{ proc, port, exited }` after its `LISTENING` line. */
function spawnServer(args = []) {
  const proc = spawn(process.execPath, [SERVER, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not start: ${stderr}`));
    }, 5000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^LISTENING (\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]), exited, stdout: () => out, stderr: () => stderr });
      }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${stderr}`));
    });
  });
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms))),
  ]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
const newSession = (tag) => `${tag}-${process.pid}-${++seq}`;

let srv; // the shared server
const open = [];

async function ctl(name, params = {}, body) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of [].concat(v)) q.append(k, String(x));
  const res = await withTimeout(
    fetch(`http://127.0.0.1:${srv.port}/control/${name}?${q}`, body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    5000,
    `control ${name}`,
  );
  const json = await res.json();
  if (!res.ok) throw Object.assign(new Error(`${name}: ${res.status} ${json.error}`), { status: res.status });
  return json;
}

/** Connect a client; `next()` yields received text frames in order. */
async function connect(kind, session, { autoPong = true, port = srv.port, query = '' } = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/${kind}?session=${encodeURIComponent(session)}&token=abc${query}`, { autoPong });
  const inbox = [];
  let wake = null;
  ws.on('message', (d) => {
    inbox.push(d.toString());
    wake?.();
  });
  ws.on('error', () => {});
  const closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await withTimeout(new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  }), 3000, 'open');
  open.push(ws);
  const client = {
    ws,
    closed,
    inbox,
    send: (v) => ws.send(typeof v === 'string' ? v : JSON.stringify(v)),
    async next(ms = 2000) {
      const deadline = Date.now() + ms;
      while (!inbox.length) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timeout waiting for a frame');
        await new Promise((r) => {
          const t = setTimeout(r, left);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
        wake = null;
      }
      return inbox.shift();
    },
    async json(ms) {
      return JSON.parse(await client.next(ms));
    },
    /** Collect frames for `ms` (at most `max`). */
    async drain(ms, max = 10_000) {
      await sleep(ms);
      return inbox.splice(0, max);
    },
  };
  return client;
}

/** The HTTP status of a refused upgrade. */
function upgradeStatus(session) {
  return withTimeout(new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws?session=${session}`);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode);
      res.destroy();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => {});
  }), 3000, 'upgrade status');
}

function rawGet(port, pathAndQuery) {
  return withTimeout(new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathAndQuery }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  }), 3000, `GET ${pathAndQuery}`);
}

const decodeBytes = (bytes) => (bytes.length ? JSON.parse(Buffer.from(bytes).toString('utf8')) : null);

before(async () => {
  srv = await spawnServer();
});

after(async () => {
  for (const ws of open) ws.terminate();
  if (srv) {
    srv.proc.kill('SIGTERM');
    await withTimeout(srv.exited, 3000, 'server exit').catch(() => srv.proc.kill('SIGKILL'));
  }
});

// ---- tests -----------------------------------------------------------------

describe('control basics', () => {
  test('health, CORS preflight, unknown endpoint', T, async () => {
    assert.deepEqual(await ctl('health'), { ok: true });
    const pre = await fetch(`http://127.0.0.1:${srv.port}/control/burst`, { method: 'OPTIONS' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods'), /GET/);
    assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
    assert.match(pre.headers.get('access-control-allow-headers'), /content-type/);
    const res = await fetch(`http://127.0.0.1:${srv.port}/control/status?session=x`);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    await assert.rejects(ctl('nope'), (e) => e.status === 404);
    assert.equal(srv.stdout(), `LISTENING ${srv.port}\n`);
  });
});

describe('/ws Calimero protocol', () => {
  test('subscribe, unsubscribe, execute replies', T, async () => {
    const s = newSession('sub');
    const c = await connect('ws', s);
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A, CTX_B] } });
    assert.equal(await c.next(), `{"id":1,"result":{"contextIds":["${CTX_A}","${CTX_B}"]}}`);
    c.send({ id: 2, method: 'unsubscribe', params: { contextIds: [CTX_B] } });
    assert.equal(await c.next(), `{"id":2,"result":{"contextIds":["${CTX_B}"]}}`);
    c.send({ id: 3, method: 'execute', params: { contextId: CTX_A, method: 'get_value', argsJson: { k: 1 } } });
    assert.deepEqual(await c.json(), { id: 3, result: { output: { k: 1 } } }, 'argsJson echoed');
    await ctl('execute', { session: s, output: '"v"' });
    c.send({ id: 5, method: 'execute', params: { contextId: CTX_A, method: 'get_value', argsJson: {} } });
    assert.deepEqual(await c.json(), { id: 5, result: { output: 'v' } }, 'the configured output');
    c.send({ id: 6, method: 'execute', params: { contextId: CTX_A, method: 'fail', argsJson: { k: 2 } } });
    assert.deepEqual(await c.json(), { id: 6, error: { type: 'FunctionCallError', data: { method: 'fail', argsJson: { k: 2 } } } });
    // Presence: pushed live without ageMs, replayed with ageMs on every subscribe.
    await ctl('presence', { session: s, contextId: CTX_A, author: 'bob', state: '{"typing":true}' });
    const live = await c.json();
    const bytes = Array.from(Buffer.from('{"typing":true}'));
    assert.deepEqual(live, { id: null, result: { contextId: CTX_A, type: 'Ephemeral', data: { author: 'bob', state: bytes } } });
    c.send({ id: 7, method: 'subscribe', params: { contextIds: [CTX_A] } });
    const replay = await c.json();
    assert.equal(replay.result.type, 'Ephemeral');
    assert.ok(Number.isFinite(replay.result.data.ageMs));
    assert.deepEqual(await c.json(), { id: 7, result: { contextIds: [CTX_A] } });
    const gid = 'ab'.repeat(32);
    c.send({ id: 4, method: 'subscribe', params: { contextIds: [], groupIds: [gid] } });
    assert.deepEqual(await c.json(), { id: 4, result: { contextIds: [], groupIds: [gid] } });
    const st = await ctl('status', { session: s });
    assert.deepEqual(st.subscriptions, [[CTX_A]]);
    assert.equal(st.connections, 1);
    assert.equal(st.totalConnections, 1);
    assert.equal(st.lastUrl, `/ws?session=${s}&token=abc`);
  });

  test('parse errors match the node', T, async () => {
    const c = await connect('ws', newSession('err'));
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A, '9YxHobMlhKQ'] } });
    assert.equal(await c.next(), '{"id":1,"error":{"type":"ParseError","data":"provided string contained invalid character \'l\' at byte 7"}}');
    c.send({ params: {} });
    assert.equal(await c.next(), '{"id":null,"error":{"type":"ParseError","data":"missing field `method`"}}');
    c.send({ id: 2, method: 'subscribe' });
    assert.equal(await c.next(), '{"id":2,"error":{"type":"ParseError","data":"missing field `params`"}}');
    c.send({ id: 3, method: 'Subscribe', params: {} });
    assert.deepEqual(await c.json(), {
      id: 3,
      error: { type: 'ParseError', data: 'unknown variant `Subscribe`, expected one of `subscribe`, `unsubscribe`, `execute`' },
    });
    c.send({ id: 4, method: 'subscribe', params: { contextIds: ['abc'] } });
    assert.equal((await c.json()).error.data, 'invalid length 3, expected a base58 encoded hash');
    c.send({ id: 5, method: 'subscribe', params: {} });
    assert.equal((await c.json()).error.data, 'missing field `contextIds`');
    // no reply at all: not JSON, string id, non-object, negative id
    c.send('not json');
    c.send({ id: '6', method: 'subscribe', params: { contextIds: [] } });
    c.send('[1,2]');
    c.send({ id: -1, method: 'subscribe', params: { contextIds: [] } });
    c.send({ id: 7, method: 'subscribe', params: { contextIds: [] } });
    assert.equal(await c.next(), '{"id":7,"result":{"contextIds":[]}}');
    // the failed subscribe subscribed nothing
    assert.deepEqual((await ctl('status', { session: c.ws.url.match(/session=([^&]+)/)[1] })).subscriptions, [[]]);
  });

  test('denied contexts are silently left out', T, async () => {
    const s = newSession('deny');
    await ctl('deny', { session: s, contextId: [CTX_B, CTX_C] });
    const c = await connect('ws', s);
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A, CTX_B] } });
    assert.deepEqual(await c.json(), { id: 1, result: { contextIds: [CTX_A] } });
    assert.deepEqual(await ctl('deny', { session: s, clear: 1 }), { denied: [] });
    c.send({ id: 2, method: 'subscribe', params: { contextIds: [CTX_B] } });
    assert.deepEqual(await c.json(), { id: 2, result: { contextIds: [CTX_B] } });
  });

  test('events go to subscribers only; force reaches all; realistic frames', T, async () => {
    const s = newSession('ev');
    const sub = await connect('ws', s);
    const other = await connect('ws', s);
    const none = await connect('ws', s);
    sub.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A] } });
    other.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_B] } });
    await sub.next();
    await other.next();

    assert.deepEqual(await ctl('burst', { session: s, count: 50, contextId: CTX_A }), { sent: 50, deliveries: 50 });
    const frames = [];
    for (let i = 0; i < 50; i++) frames.push(await sub.next());
    const avg = frames.reduce((n, f) => n + f.length, 0) / frames.length;
    assert.ok(avg > 1200 && avg < 1700, `average frame ${avg} bytes`);
    for (const text of frames) {
      const f = JSON.parse(text);
      assert.equal(f.id, null);
      assert.deepEqual(Object.keys(f.result), ['contextId', 'type', 'data']);
      assert.equal(f.result.contextId, CTX_A);
      assert.equal(f.result.type, 'StateMutation');
      assert.match(f.result.data.newRoot, /^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
      assert.equal(f.result.data.events.length, 3);
      for (const e of f.result.data.events) {
        assert.equal(typeof e.kind, 'string');
        assert.equal(e.handler, null);
        assert.ok(e.data.every((b) => Number.isInteger(b) && b >= 0 && b < 256));
        const v = decodeBytes(e.data);
        assert.ok(v === null || typeof v === 'object');
      }
    }
    // GET form with kinds, then a forced frame: the others see only the forced one
    await ctl('burst', { session: s, count: 1, contextId: CTX_A, kinds: 'ChannelCreated,ChatInitialized' });
    const f = JSON.parse(await sub.next());
    assert.deepEqual(f.result.data.events.map((e) => e.kind), ['ChannelCreated', 'ChatInitialized']);
    assert.ok(decodeBytes(f.result.data.events[0].data).channel);
    assert.deepEqual(f.result.data.events[1].data, []);
    assert.deepEqual(await ctl('burst', { session: s, count: 1, contextId: CTX_C, force: 1 }), { sent: 1, deliveries: 3 });
    for (const c of [sub, other, none]) assert.equal(JSON.parse(await c.next()).result.contextId, CTX_C);
    assert.equal(other.inbox.length + none.inbox.length, 0);
  });

  test('burst frames[]: explicit events, legacy pair, raw, groups, types; POST and interval', T, async () => {
    const s = newSession('frames');
    const c = await connect('ws', s);
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A] } });
    await c.next();
    const started = Date.now();
    const r = await ctl('burst', { session: s }, {
      path: 'ws',
      intervalMs: 40,
      frames: [
        { contextId: CTX_A, events: [{ kind: 'MessageSent', data: { id: '4f', channel: 'general', text: 'hi' } }], newRoot: CTX_B },
        { contextId: CTX_A, kinds: ['DMCreated'], legacy: true },
        { contextId: CTX_A, raw: '{"id":null,"result":{"contextId":"x","type":"Weird"}}' },
        { contextId: CTX_A, type: 'AppVersionChanged', data: { applicationId: 'app' } },
      ],
    });
    assert.deepEqual(r, { sent: 4, deliveries: 5 });
    assert.ok(Date.now() - started >= 110, 'intervalMs honoured');
    assert.equal(
      await c.next(),
      `{"id":null,"result":{"contextId":"${CTX_A}","type":"StateMutation","data":{"newRoot":"${CTX_B}","events":[{"kind":"MessageSent","data":[${[...Buffer.from('{"id":"4f","channel":"general","text":"hi"}')].join(',')}],"handler":null}]}}}`,
    );
    const l1 = JSON.parse(await c.next());
    const l2 = JSON.parse(await c.next());
    assert.equal(l1.result.type, 'StateMutation');
    assert.deepEqual(Object.keys(l1.result.data), ['newRoot']);
    assert.equal(l2.result.type, 'ExecutionEvent');
    assert.equal(l2.result.data.events[0].kind, 'DMCreated');
    assert.deepEqual(Object.keys(l2.result.data.events[0]), ['kind', 'data']);
    assert.equal(await c.next(), '{"id":null,"result":{"contextId":"x","type":"Weird"}}');
    assert.deepEqual(JSON.parse(await c.next()).result, { contextId: CTX_A, type: 'AppVersionChanged', data: { applicationId: 'app' } });

    const gid = 'cd'.repeat(32);
    c.send({ id: 2, method: 'subscribe', params: { contextIds: [], groupIds: [gid] } });
    await c.next();
    await ctl('burst', { session: s }, { frames: [{ groupId: gid, type: 'MemberJoined', data: { member: 'bob' } }] });
    assert.deepEqual(JSON.parse(await c.next()).result, { groupId: gid, type: 'MemberJoined', data: { member: 'bob' } });
    await assert.rejects(ctl('burst', { session: s }, { path: 'nope' }), (e) => e.status === 400);
  });

  test('SyncStatus frames', T, async () => {
    const s = newSession('sync');
    const c = await connect('ws', s);
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A] } });
    await c.next();
    await ctl('syncstatus', { session: s, contextId: CTX_A });
    assert.equal(await c.next(), `{"id":null,"result":{"contextId":"${CTX_A}","type":"SyncStatus","data":{"syncState":{"state":"syncing"},"failureCount":0}}}`);
    await ctl('syncstatus', { session: s, contextId: CTX_A, state: 'waitingForPeers', failureCount: 2 });
    assert.deepEqual(JSON.parse(await c.next()).result.data, { syncState: { state: 'waitingForPeers' }, failureCount: 2 });
  });

  test('reply delay with jitter can reorder replies', T, async () => {
    const s = newSession('delay');
    await ctl('replydelay', { session: s, ms: 30, jitterMs: 60 });
    const c = await connect('ws', s);
    const t0 = Date.now();
    for (let id = 1; id <= 10; id++) c.send({ id, method: 'subscribe', params: { contextIds: [] } });
    const ids = [];
    for (let i = 0; i < 10; i++) ids.push((await c.json()).id);
    assert.ok(Date.now() - t0 >= 30);
    assert.deepEqual([...ids].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  test('protocol ping; close 1002 "Ping timeout" without pong', T, async () => {
    const s = newSession('ping');
    await ctl('heartbeat', { session: s, pingMs: 80, timeoutMs: 120 });
    const pings = [];
    const good = await connect('ws', s);
    good.ws.on('ping', () => pings.push(Date.now()));
    const dead = await connect('ws', s, { autoPong: false });
    const closed = await withTimeout(dead.closed, 2000, 'ping timeout close');
    assert.deepEqual(closed, { code: 1002, reason: 'Ping timeout' });
    assert.ok(pings.length >= 1, 'pings sent');
    assert.equal(good.ws.readyState, WebSocket.OPEN);
  });
});

describe('/json protocol', () => {
  test('subscribe, ping/pong, seq, timestamps', T, async () => {
    const s = newSession('json');
    const c = await connect('json', s);
    c.send({ type: 'subscribe', contextIds: ['ctx'] });
    assert.equal(await c.next(), '{"type":"subscribed","contextIds":["ctx"]}');
    c.send({ type: 'ping', id: 'p1' });
    const pong = JSON.parse(await c.next());
    assert.equal(pong.type, 'pong');
    assert.equal(pong.id, 'p1');
    assert.ok(Math.abs(pong._server_timestamp - Date.now()) < 1000);
    c.send('whatever'); // logged only

    await ctl('burst', { session: s, path: 'json', count: 3, delayMs: 500 });
    for (let i = 1; i <= 3; i++) {
      const f = JSON.parse(await c.next());
      assert.deepEqual(Object.keys(f), ['type', 'contextId', 'data', 'seq', '_server_timestamp']);
      assert.equal(f.type, 'StateMutation');
      assert.equal(f.contextId, 'ctx');
      assert.equal(f.seq, i);
      assert.equal(f.data.events.length, 3);
      assert.equal(typeof f.data.events[0].data, 'object');
      const lag = Date.now() - f._server_timestamp;
      assert.ok(lag >= 500 && lag < 1500, `lag ${lag}`);
    }
    // gaps, duplicates and units
    await ctl('burst', { session: s }, {
      path: 'json',
      frames: [{ seq: 7, unit: 'ns' }, { seq: 5, unit: 's' }, { unit: 'us', kinds: ['ChannelCreated'] }, { contextId: 'other' }],
    });
    const ns = await c.next();
    assert.match(ns, /"seq":7,"_server_timestamp":\d{19}\}$/);
    const sec = JSON.parse(await c.next());
    assert.equal(sec.seq, 5);
    assert.ok(Math.abs(sec._server_timestamp - Date.now() / 1000) < 2);
    const us = await c.next();
    assert.match(us, /"seq":8,"_server_timestamp":\d{16}\}$/);
    assert.equal(JSON.parse(us).data.events[0].kind, 'ChannelCreated');
    const other = JSON.parse(await c.next());
    assert.deepEqual([other.contextId, other.seq], ['other', 1]);
  });

  test('events reach every /json connection of the session, not /ws', T, async () => {
    const s = newSession('jsonall');
    const a = await connect('json', s);
    const b = await connect('json', s);
    const w = await connect('ws', s);
    assert.deepEqual(await ctl('burst', { session: s, path: 'json', count: 2, contextId: 'room' }), { sent: 2, deliveries: 4 });
    for (const c of [a, b]) for (let i = 1; i <= 2; i++) assert.equal(JSON.parse(await c.next()).seq, i);
    assert.equal(w.inbox.length, 0);
  });
});

describe('faults and state', () => {
  test('status counters and received log', T, async () => {
    const s = newSession('recv');
    const c = await connect('ws', s);
    const j = await connect('json', s);
    c.send('first');
    j.send('{"type":"hello"}');
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A] } });
    await c.next();
    const { frames } = await ctl('received', { session: s, clear: 1 });
    assert.equal(frames.length, 3);
    assert.ok(frames.includes('first') && frames.includes('{"type":"hello"}'));
    assert.ok(frames.indexOf('first') < frames.indexOf(`{"id":1,"method":"subscribe","params":{"contextIds":["${CTX_A}"]}}`));
    assert.deepEqual(await ctl('received', { session: s }), { frames: [] });
    const st = await ctl('status', { session: s });
    assert.equal(st.connections, 2);
    assert.deepEqual(st.paths, ['ws', 'json']);
    assert.equal(st.attempts, 2);
  });

  test('malformed text reaches every connection', T, async () => {
    const s = newSession('mal');
    const a = await connect('ws', s);
    const b = await connect('json', s);
    assert.deepEqual(await ctl('malformed', { session: s }), { sent: 2 });
    assert.equal(await a.next(), '{"id":null,"result":');
    assert.equal(await b.next(), '{"id":null,"result":');
    await ctl('malformed', { session: s, text: '{"id":null,"result":{"contextId":1}}', path: 'ws' });
    assert.equal(await a.next(), '{"id":null,"result":{"contextId":1}}');
  });

  test('drop: abrupt (1006) and clean with a code', T, async () => {
    const s = newSession('drop');
    const a = await connect('ws', s);
    assert.deepEqual(await ctl('drop', { session: s }), { dropped: 1, clean: false });
    assert.equal((await withTimeout(a.closed, 2000, 'abrupt close')).code, 1006);
    const b = await connect('ws', s);
    await ctl('drop', { session: s, code: 1011, reason: 'boom' });
    assert.deepEqual(await withTimeout(b.closed, 2000, 'clean close'), { code: 1011, reason: 'boom' });
    await assert.rejects(ctl('drop', { session: s, code: 1006 }), (e) => e.status === 400);
    const st = await ctl('status', { session: s });
    assert.equal(st.connections, 0);
    assert.equal(st.totalConnections, 2);
  });

  test('refuse answers upgrades with 503 (or a chosen status) until it ends', T, async () => {
    const s = newSession('refuse');
    await ctl('refuse', { session: s, ms: 3000 });
    assert.equal(await upgradeStatus(s), 503);
    assert.equal(await upgradeStatus(s), 503);
    await ctl('refuse', { session: s, ms: 3000, status: 401 });
    assert.equal(await upgradeStatus(s), 401);
    assert.equal(await upgradeStatus(newSession('other')), 101, 'other sessions unaffected');
    await ctl('refuse', { session: s, ms: 0 });
    await connect('ws', s);
    const st = await ctl('status', { session: s });
    assert.deepEqual([st.attempts, st.refused, st.totalConnections, st.connections], [4, 3, 1, 1]);
    await ctl('refuse', { session: s, ms: 100 });
    await sleep(150);
    assert.equal(await upgradeStatus(s), 101, 'refusal expires by itself');
  });

  test('stall: socket open, nothing answered or sent until it ends', T, async () => {
    const s = newSession('stall');
    const c = await connect('ws', s);
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A] } });
    await c.next();
    await ctl('stall', { session: s, ms: 5000 });
    assert.equal((await ctl('status', { session: s })).stalled, true);
    c.send({ id: 2, method: 'subscribe', params: { contextIds: [CTX_B] } });
    assert.deepEqual(await ctl('burst', { session: s, count: 2, contextId: CTX_A }), { sent: 2, deliveries: 0 });
    let pongs = 0;
    c.ws.on('pong', () => pongs++);
    c.ws.ping();
    assert.deepEqual(await c.drain(150), []);
    assert.equal(pongs, 0, 'no pong while stalled');
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    await ctl('stall', { session: s, ms: 0 });
    c.send({ id: 3, method: 'subscribe', params: { contextIds: [CTX_B] } });
    assert.deepEqual(await c.json(), { id: 3, result: { contextIds: [CTX_B] } });
    const { frames } = await ctl('received', { session: s });
    assert.equal(frames.length, 3, 'frames received during a stall are still logged');
  });

  test('traffic at a rate, to subscribed contexts, then stop', T, async () => {
    const s = newSession('traffic');
    const c = await connect('ws', s);
    c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A, CTX_B] } });
    await c.next();
    await ctl('traffic', { session: s, rate: 50, path: 'ws' });
    const got = await c.drain(600);
    assert.ok(got.length >= 15 && got.length <= 45, `${got.length} frames in 600 ms at 50/s`);
    const ctxs = new Set(got.map((t) => JSON.parse(t).result.contextId));
    assert.deepEqual([...ctxs].sort(), [CTX_A, CTX_B].sort());
    const kinds = new Set(got.flatMap((t) => JSON.parse(t).result.data.events.map((e) => e.kind)));
    assert.ok(kinds.has('MessageSent'));
    assert.equal((await ctl('status', { session: s })).traffic.ws, 50);
    await ctl('traffic', { session: s, rate: 0, path: 'ws' });
    await sleep(30);
    c.inbox.length = 0;
    assert.deepEqual(await c.drain(150), []);
  });

  test('sessions are isolated; reset closes sockets and forgets state', T, async () => {
    const s1 = newSession('iso');
    const s2 = newSession('iso');
    const a = await connect('ws', s1);
    const b = await connect('ws', s2);
    await ctl('stall', { session: s2, ms: 5000 });
    await ctl('burst', { session: s1, count: 1, force: 1 });
    assert.ok(await a.next());
    assert.equal((await ctl('status', { session: s1 })).stalled, false);
    assert.deepEqual(await ctl('reset', { session: s2 }), { reset: true, closed: 1 });
    assert.equal((await withTimeout(b.closed, 2000, 'reset close')).code, 1001);
    const st = await ctl('status', { session: s2 });
    assert.deepEqual([st.connections, st.totalConnections, st.attempts, st.stalled], [0, 0, 0, false]);
    assert.equal(a.ws.readyState, WebSocket.OPEN);
  });

  test('garbage never hurts the server', T, async () => {
    const s = newSession('garbage');
    const c = await connect('ws', s);
    c.ws.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    c.send('['.repeat(100_000));
    c.send('x'.repeat(1_000_000));
    c.send('{"id":1,"method":"subscribe","params":{"contextIds":[null,{}]}}');
    assert.equal(JSON.parse(await c.next()).error.type, 'ParseError');
    c.send({ id: 2, method: 'execute', params: { contextId: CTX_A, method: 'm', argsJson: null, extra: 1 } });
    assert.match((await c.json()).error.data, /unknown field `extra`/);
    const j = await connect('json', s);
    j.send('null');
    j.send('{"type":"subscribe","contextIds":"nope"}');
    assert.equal(await j.next(), '{"type":"subscribed","contextIds":[]}');
    await assert.rejects(ctl('burst', { session: s }, { frames: [1] }), (e) => e.status === 400);
    const bad = await fetch(`http://127.0.0.1:${srv.port}/control/burst?session=${s}`, { method: 'POST', body: '{nope' });
    assert.equal(bad.status, 400);
    assert.equal((await rawGet(srv.port, '/ws')).status, 404);
    assert.deepEqual(await ctl('health'), { ok: true });
    const received = (await ctl('received', { session: s })).frames;
    assert.equal(received.length, 6, 'binary frames are not logged');
  });
});

describe('process and static files', () => {
  test('static mounts, MIME types, --rate, SIGTERM', T, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'evsrv-'));
    try {
      mkdirSync(path.join(dir, 'sub'));
      writeFileSync(path.join(dir, 'index.html'), '<!doctype html><p>demo</p>');
      writeFileSync(path.join(dir, 'sub', 'index.html'), '<p>sub</p>');
      writeFileSync(path.join(dir, 'pkg_bg.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
      writeFileSync(path.join(dir, 'pkg.js'), 'export {}');
      writeFileSync(path.join(dir, 'a.mjs'), 'export {}');
      writeFileSync(path.join(dir, 'x.css'), 'p{}');
      writeFileSync(path.join(dir, 'x.json'), '{}');
      writeFileSync(path.join(dir, 'x.svg'), '<svg/>');
      writeFileSync(path.join(dir, 'x.png'), Buffer.from([0x89, 0x50]));
      const other = await spawnServer(['--static', `${dir}:/demo/`, '--static', `${dir}/sub:/pkg`, '--rate', '40', '--ping-ms', '1000']);
      try {
        const get = (p) => rawGet(other.port, p);
        const types = {
          '/demo/pkg_bg.wasm': 'application/wasm',
          '/demo/pkg.js': 'text/javascript',
          '/demo/a.mjs': 'text/javascript',
          '/demo/index.html': 'text/html',
          '/demo/x.css': 'text/css',
          '/demo/x.json': 'application/json',
          '/demo/x.svg': 'image/svg+xml',
          '/demo/x.png': 'image/png',
        };
        for (const [p, type] of Object.entries(types)) {
          const r = await get(p);
          assert.equal(r.status, 200, p);
          assert.equal(r.headers['content-type'].split(';')[0], type, p);
          assert.equal(r.headers['cache-control'], undefined);
          assert.equal(r.headers.etag, undefined);
          assert.equal(r.headers['last-modified'], undefined);
        }
        assert.equal((await get('/demo/pkg_bg.wasm')).body.length, 8);
        assert.equal((await get('/demo/')).body.toString(), '<!doctype html><p>demo</p>');
        assert.equal((await get('/demo')).status, 301);
        assert.equal((await get('/pkg/')).body.toString(), '<p>sub</p>');
        assert.equal((await get('/demo/sub')).status, 301);
        assert.equal((await get('/demo/missing.js')).status, 404);
        assert.equal((await get('/pkg/%2e%2e/index.html')).status, 404);
        assert.equal((await get('/pkg/..%2f..%2fetc%2fpasswd')).status, 404);
        assert.equal((await get('/elsewhere')).status, 404);

        // --rate: demo traffic in every session, to subscribed contexts
        const c = await connect('ws', 'demo', { port: other.port });
        c.send({ id: 1, method: 'subscribe', params: { contextIds: [CTX_A] } });
        assert.equal(JSON.parse(await c.next()).id, 1);
        assert.equal(JSON.parse(await c.next(1000)).result.contextId, CTX_A);
        const j = await connect('json', 'demo2', { port: other.port });
        assert.equal(JSON.parse(await j.next(1000)).contextId, 'ctx');

        other.proc.kill('SIGTERM');
        const [exit, close] = await withTimeout(Promise.all([other.exited, c.closed]), 3000, 'SIGTERM exit');
        assert.deepEqual(exit, { code: 0, signal: null });
        assert.equal(close.code, 1001);
      } finally {
        other.proc.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--exit-after-ms stops by itself; non-loopback host is refused', T, async () => {
    const t0 = Date.now();
    const s = await spawnServer(['--exit-after-ms', '200']);
    assert.deepEqual(await withTimeout(s.exited, 3000, 'exit-after'), { code: 0, signal: null });
    assert.ok(Date.now() - t0 >= 200);
    const bad = spawn(process.execPath, [SERVER, '--port', '0', '--host', '0.0.0.0'], { stdio: 'ignore' });
    const code = await withTimeout(new Promise((r) => bad.on('exit', r)), 3000, 'bad host exit');
    assert.equal(code, 2);
  });
});
