/**
 * Self-test of the Socket.IO test servers: starts server.mjs and
 * python_server.py on port 0 (and redis-server, if installed, for two node
 * servers sharing rooms) and checks their behaviour with socket.io-client
 * 4.8.4 (WebSocket only) and with raw `ws` frames. Loopback only; every wait
 * is bounded and every process is stopped by the suite itself.
 *
 *   node --test tests/socketio-server/
 */

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  collect,
  connected,
  control,
  ctl,
  firesWithin,
  hasPython,
  hasRedis,
  managerFor,
  next,
  sleep,
  socketFor,
  startNode,
  startPython,
  startRedis,
  withTimeout,
} from './testlib.mjs';

const T = { timeout: 15_000 };

/** Close every client socket a test opened. */
function tracker() {
  const open = [];
  return {
    add(s) {
      open.push(s);
      return s;
    },
    closeAll() {
      for (const s of open.splice(0)) s.disconnect();
    },
  };
}

/** The behaviour both servers share. `start` launches the server; `kind` is "node" or "python". */
function commonSuite(kind, start) {
  describe(`${kind} server: common behaviour`, () => {
    let srv;
    const clients = tracker();
    before(async () => {
      srv = await start();
    });
    after(async () => {
      clients.closeAll();
      await srv?.stop();
    });

    test('LISTENING line, health and empty state', T, async () => {
      assert.match(srv.stdout(), /^LISTENING \d+\n$/);
      assert.deepEqual(await ctl(srv.port, 'health'), { ok: true, name: kind });
      const st = await ctl(srv.port, 'state');
      assert.equal(st.name, kind);
      assert.equal(st.port, srv.port);
      assert.equal(st.connections, 0);
    });

    test('/ and /guild/123 multiplexed on one connection, each welcomed', T, async () => {
      const m = managerFor(srv.port);
      const root = clients.add(m.socket('/', { auth: { token: 'x', n: 1 } }));
      const guild = clients.add(m.socket('/guild/123'));
      const welcomes = [next(root, 'welcome'), next(guild, 'welcome')];
      await Promise.all([connected(root), connected(guild)]);
      assert.deepEqual((await welcomes[0])[0], { server: kind, namespace: '/' });
      assert.deepEqual((await welcomes[1])[0], { server: kind, namespace: '/guild/123' });
      const st = await ctl(srv.port, 'state');
      assert.equal(st.connections, 1);
      assert.deepEqual(st.engines[0].namespaces.sort(), ['/', '/guild/123']);
      assert.equal(st.namespaces['/guild/123'].sockets, 1);
      const c = st.connects.find((e) => e.socketId === root.id);
      assert.deepEqual(c.auth, { token: 'x', n: 1 });
      assert.equal(c.accepted, true);
      root.disconnect();
      guild.disconnect();
    });

    test('echo (text and binary), ack, ping/pong, recorded', T, async () => {
      const s = clients.add(socketFor(srv.port, '/', { query: { q: '1' } }));
      await connected(s);
      const echoed = next(s, 'echo');
      s.emit('echo', 'hi', { a: 1, s: 'héllo €', n: null, arr: [1, 2.5, true] });
      assert.deepEqual(await echoed, ['hi', { a: 1, s: 'héllo €', n: null, arr: [1, 2.5, true] }]);

      const bin = next(s, 'echo');
      s.emit('echo', Buffer.from([1, 2, 3]), 'tail');
      const [b, tail] = await bin;
      assert.deepEqual([...b], [1, 2, 3]);
      assert.equal(tail, 'tail');

      const ack = await s.timeout(3000).emitWithAck('anything', 1, 'x');
      assert.deepEqual(ack, { ok: true, event: 'anything', args: [1, 'x'] });

      const pong = next(s, 'pong');
      s.emit('ping', { timestamp: 12345 });
      const [p] = await pong;
      assert.equal(p.timestamp, 12345);
      assert.equal(typeof p._server_timestamp, 'number');

      const st = await ctl(srv.port, 'state');
      const mine = st.received.filter((e) => e.socketId === s.id);
      assert.deepEqual(mine.map((e) => e.event), ['echo', 'echo', 'anything', 'ping']);
      assert.deepEqual(mine.map((e) => e.binary), [false, true, false, false]);
      assert.deepEqual(mine.map((e) => e.ack), [false, false, true, false]);
      assert.deepEqual(mine[1].args, [{ $binary: 'AQID' }, 'tail']);
      assert.equal(mine[0].namespace, '/');
      assert.equal(st.sockets.find((x) => x.id === s.id).query.q, '1');
      s.disconnect();
    });

    test('join, then an emit to the room via control (stamped) reaches only members', T, async () => {
      const a = clients.add(socketFor(srv.port));
      const b = clients.add(socketFor(srv.port));
      await Promise.all([connected(a), connected(b)]);
      assert.deepEqual(await a.timeout(3000).emitWithAck('join', { room: 'r1' }), { joined: 'r1' });
      const st = await ctl(srv.port, 'state');
      assert.deepEqual(st.namespaces['/'].rooms.r1, [a.id]);
      const got = next(a, 'said');
      const bGot = firesWithin(b, 'said', 400);
      const r = await ctl(srv.port, 'emit', { namespace: '/', room: 'r1', event: 'said', args: [{ text: 'hi' }, 2], stamp: true });
      assert.equal(r.localRecipients, 1);
      const [first, second] = await got;
      assert.equal(first.text, 'hi');
      assert.equal(typeof first._server_timestamp, 'number');
      assert.equal(second, 2);
      assert.equal(await bGot, false, 'a non-member got the room emit');
      a.disconnect();
      b.disconnect();
    });

    test('control emit with a binary arg, base64json, burst in order', T, async () => {
      const s = clients.add(socketFor(srv.port, '/guild/7'));
      await connected(s);
      const bin = next(s, 'bin');
      await ctl(srv.port, 'emit', { namespace: '/guild/7', event: 'bin', args: ['x', { $binary: 'CQg=' }], binary: true });
      const [x, inner, appended] = await bin;
      assert.equal(x, 'x');
      assert.deepEqual([...inner], [9, 8]);
      assert.deepEqual([...appended], [1, 2, 3, 4]);

      const value = { a: [1, 2], b: 'é', c: null };
      const b64 = next(s, 'data');
      await ctl(srv.port, 'emit-base64json', { namespace: '/guild/7', event: 'data', value });
      const [arg] = await b64;
      assert.equal(typeof arg, 'string');
      assert.deepEqual(JSON.parse(Buffer.from(arg, 'base64').toString('utf8')), value);

      const all = collect(s, 'tick', 200);
      const r = await ctl(srv.port, 'burst', { namespace: '/guild/7', event: 'tick', count: 200, args: [{ k: 1 }], seq: true });
      assert.equal(r.count, 200);
      const got = await all;
      assert.deepEqual(got.map((a) => a[1]), [...Array(200).keys()]);
      assert.deepEqual(got[0][0], { k: 1 });
      s.disconnect();
    });

    test('/private refuses without the good token (message and data), accepts it', T, async () => {
      for (const [auth, reason] of [[undefined, 'missing token'], [{ token: 'bad' }, 'bad token']]) {
        const s = clients.add(socketFor(srv.port, '/private', auth ? { auth } : {}));
        const err = await withTimeout(new Promise((resolve) => s.once('connect_error', resolve)), 5000, 'connect_error');
        assert.equal(err.message, 'not authorized');
        assert.deepEqual(err.data, { reason });
        s.disconnect();
      }
      const ok = clients.add(socketFor(srv.port, '/private', { auth: { token: 'good' } }));
      const w = next(ok, 'welcome');
      await connected(ok);
      assert.deepEqual((await w)[0], { server: kind, namespace: '/private' });
      const st = await ctl(srv.port, 'state');
      assert.ok(st.connects.some((e) => e.namespace === '/private' && e.accepted === false && e.auth.token === 'bad'));
      ok.disconnect();
    });

    test('an unknown namespace is refused', T, async () => {
      const s = clients.add(socketFor(srv.port, '/nope'));
      const err = await withTimeout(new Promise((resolve) => s.once('connect_error', resolve)), 5000, 'connect_error');
      // Node: {"message":"Invalid namespace"}; python: the bare string "Unable to connect".
      if (kind === 'node') assert.equal(err.message, 'Invalid namespace');
      s.disconnect();
    });

    test('disconnect via control: one namespace, then the whole connection', T, async () => {
      const m = managerFor(srv.port);
      const root = clients.add(m.socket('/'));
      const guild = clients.add(m.socket('/guild/55'));
      await Promise.all([connected(root), connected(guild)]);
      const guildId = guild.id;
      const gone = next(guild, 'disconnect');
      const r = await ctl(srv.port, 'disconnect', { namespace: '/guild/55' });
      assert.deepEqual(r.disconnected, [{ id: guildId, namespace: '/guild/55' }]);
      assert.equal((await gone)[0], 'io server disconnect');
      const echoed = next(root, 'echo');
      root.emit('echo', 'still here');
      assert.deepEqual(await echoed, ['still here']);
      const rootGone = next(root, 'disconnect');
      await ctl(srv.port, 'disconnect', { sid: root.id, close: true });
      assert.equal((await rootGone)[0], 'io server disconnect');
      const st = await ctl(srv.port, 'state');
      assert.ok(st.disconnects.some((e) => e.socketId === guildId && e.namespace === '/guild/55'));
    });

    test('control errors: bad route, bad namespace, bad body', T, async () => {
      assert.equal((await control(srv.port, 'nope', {})).status, 404);
      assert.equal((await control(srv.port, 'emit', { namespace: '/nope', event: 'x' })).status, 404);
      assert.equal((await control(srv.port, 'emit', { args: [] })).status, 400);
      assert.equal((await control(srv.port, 'burst', { event: 'x', count: -1 })).status, 400);
    });

    test('reset clears the logs', T, async () => {
      await ctl(srv.port, 'reset', {});
      const st = await ctl(srv.port, 'state');
      assert.deepEqual([st.received.length, st.connects.length, st.disconnects.length], [0, 0, 0]);
    });
  });
}

/** Open a raw WebSocket to `/socket.io/` and queue its messages (`wsOpts`: ws client options). */
function rawClient(port, wsOpts = {}) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, wsOpts);
  const queue = [];
  const waiters = [];
  ws.on('message', (data, isBinary) => {
    const msg = { text: isBinary ? null : data.toString(), at: Date.now() };
    const w = waiters.shift();
    if (w) w(msg);
    else queue.push(msg);
  });
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve({ code, at: Date.now() })));
  return {
    ws,
    closed,
    next: (ms = 3000) => withTimeout(new Promise((resolve) => (queue.length ? resolve(queue.shift()) : waiters.push(resolve))), ms, 'raw frame'),
    send: (t) => ws.send(t),
  };
}

/**
 * Open packet shape and heartbeat, raw frames, with pingTimeout 400 and a short
 * pingInterval (`interval` ms: python-engineio only advertises whole seconds).
 */
function rawSuite(kind, start, interval) {
  describe(`${kind} server: raw Engine.IO frames`, () => {
    let srv;
    before(async () => {
      srv = await start(['--ping-interval', String(interval), '--ping-timeout', '400']);
    });
    after(async () => srv?.stop());

    test('open packet, CONNECT, pings answered with 3, timeout when not', T, async () => {
      const c = rawClient(srv.port);
      const open = await c.next();
      const t0 = open.at;
      assert.equal(open.text[0], '0');
      const hs = JSON.parse(open.text.slice(1));
      assert.deepEqual(Object.keys(hs).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
      assert.equal(typeof hs.sid, 'string');
      assert.equal(hs.sid.length, 20);
      assert.deepEqual(hs.upgrades, []);
      assert.equal(hs.pingInterval, interval);
      assert.equal(hs.pingTimeout, 400);
      assert.equal(hs.maxPayload, 1000000);

      c.send('40');
      const frames = [await c.next(), await c.next()].map((f) => f.text).sort();
      // python sends the welcome before the CONNECT reply, node after it
      assert.match(frames[0], /^40\{"sid":"[^"]+"\}$/);
      assert.deepEqual(JSON.parse(frames[1].slice(2)), ['welcome', { server: kind, namespace: '/' }]);

      const p1 = await c.next(interval + 2000);
      assert.equal(p1.text, '2');
      assert.ok(p1.at - t0 >= interval - 50, `first ping after ${p1.at - t0} ms`);
      c.send('3');
      const p2 = await c.next(interval + 2000);
      assert.equal(p2.text, '2');
      assert.ok(p2.at - p1.at >= interval - 50, `second ping after ${p2.at - p1.at} ms`);
      // stop answering: the server gives up pingTimeout after the ping
      const { code, at } = await withTimeout(c.closed, 3000, 'close after missing pong');
      assert.ok(at - p2.at >= 300, `closed ${at - p2.at} ms after the unanswered ping`);
      assert.ok([1000, 1005].includes(code), `close code ${code}`);
    });

    test('a page from another loopback origin can connect (no CORS setup needed)', T, async () => {
      const c = rawClient(srv.port, { origin: 'http://127.0.0.1:4500' });
      assert.equal((await c.next()).text[0], '0');
      c.ws.terminate();
    });

    test('SIGTERM stops the server with exit code 0', T, async () => {
      const other = await start(['--ping-interval', String(interval)]);
      const c = rawClient(other.port);
      await c.next();
      const { code, signal } = await withTimeout(other.stop(), 5000, 'stop');
      assert.deepEqual({ code, signal }, { code: 0, signal: null });
      await withTimeout(c.closed, 3000, 'client closed by the shutdown');
    });
  });
}

describe('node server: node-only faults and options', () => {
  let srv;
  const clients = tracker();
  before(async () => {
    srv = await startNode(['--name', 'node']);
  });
  after(async () => {
    clients.closeAll();
    await srv?.stop();
  });

  test('kill-engine: the client sees a transport close', T, async () => {
    const s = clients.add(socketFor(srv.port));
    await connected(s);
    const st = await ctl(srv.port, 'state');
    const engineId = st.sockets.find((x) => x.id === s.id).engineId;
    const gone = next(s, 'disconnect');
    assert.deepEqual((await ctl(srv.port, 'kill-engine', { engineId })).killed, [engineId]);
    assert.equal((await gone)[0], 'transport close');
  });

  test('emit with ack: the control call returns what the clients acked, or a timeout', T, async () => {
    const s = clients.add(socketFor(srv.port, '/guild/3'));
    await connected(s);
    s.on('question', (q, cb) => cb({ answer: q.n * 2 }));
    const r = await ctl(srv.port, 'emit', { namespace: '/guild/3', event: 'question', args: [{ n: 21 }], ack: true, timeoutMs: 2000 });
    assert.deepEqual(r, { ok: true, localRecipients: 1, acks: [{ answer: 42 }] });
    s.off('question');
    s.on('question', () => {}); // never acks
    const t = await ctl(srv.port, 'emit', { namespace: '/guild/3', event: 'question', args: [{ n: 1 }], ack: true, timeoutMs: 300 });
    assert.equal(t.ok, false);
    assert.match(t.error, /timed out/);
    s.disconnect();
  });

  test('set applies to new connections only; stop-pings stalls the server until the client times out', T, async () => {
    const old = clients.add(socketFor(srv.port));
    await connected(old);
    await ctl(srv.port, 'set', { pingInterval: 1000, pingTimeout: 500 });
    try {
      const s = clients.add(socketFor(srv.port));
      await connected(s);
      assert.equal(s.io.engine._pingInterval, 1000);
      assert.equal(s.io.engine._pingTimeout, 500);
      let st = await ctl(srv.port, 'state');
      const eng = (sid) => st.engines.find((e) => e.id === st.sockets.find((x) => x.id === sid).engineId);
      assert.deepEqual([eng(old.id).pingInterval, eng(old.id).pingTimeout], [25000, 20000]);
      assert.deepEqual([eng(s.id).pingInterval, eng(s.id).pingTimeout], [1000, 500]);

      const engineId = eng(s.id).id;
      const gone = next(s, 'disconnect', 5000);
      await ctl(srv.port, 'stop-pings', { engineId });
      const stalledAt = Date.now();
      // outgoing frames are dropped: no echo comes back, but the server records the event
      const echoed = firesWithin(s, 'echo', 300);
      s.emit('echo', 'into the void');
      assert.equal(await echoed, false);
      st = await ctl(srv.port, 'state');
      assert.equal(eng(s.id).stalled, true);
      assert.ok(st.received.some((e) => e.socketId === s.id && e.args[0] === 'into the void'));
      assert.equal((await gone)[0], 'ping timeout');
      assert.ok(Date.now() - stalledAt <= 2000);
      assert.ok(old.connected, 'the other connection was not stalled');
    } finally {
      await ctl(srv.port, 'set', { pingInterval: 25000, pingTimeout: 20000 });
    }
  });

  test('stop-pings without dropping frames, then resume-pings', T, async () => {
    await ctl(srv.port, 'set', { pingInterval: 300, pingTimeout: 300 });
    try {
      const s = clients.add(socketFor(srv.port));
      await connected(s);
      const st = await ctl(srv.port, 'state');
      const engineId = st.sockets.find((x) => x.id === s.id).engineId;
      await ctl(srv.port, 'stop-pings', { engineId, dropOutgoing: false });
      const echoed = next(s, 'echo');
      s.emit('echo', 'data still flows');
      assert.deepEqual(await echoed, ['data still flows']);
      assert.deepEqual((await ctl(srv.port, 'resume-pings', { engineId })).resumed, [engineId]);
      const ping = next(s.io.engine, 'ping', 2000);
      await ping;
      assert.ok(s.connected);
      s.disconnect();
    } finally {
      await ctl(srv.port, 'set', { pingInterval: 25000, pingTimeout: 20000 });
    }
  });

  test('restart: the client sees a close, the port refuses while down, and the server is back after downMs', T, async () => {
    const s = clients.add(socketFor(srv.port, '/', { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 }));
    await connected(s);
    const gone = next(s, 'disconnect');
    const r = await ctl(srv.port, 'restart', { downMs: 800 });
    assert.deepEqual(r, { ok: true, downMs: 800, graceful: true, port: srv.port });
    const t0 = Date.now();
    assert.equal((await gone)[0], 'transport close');
    await sleep(300);
    await assert.rejects(control(srv.port, 'health'), /ECONNREFUSED|ECONNRESET|socket hang up/);
    await withTimeout(new Promise((resolve) => s.once('connect', resolve)), 6000, 'reconnect after restart');
    assert.ok(Date.now() - t0 >= 600, `back after ${Date.now() - t0} ms`);
    assert.deepEqual(await ctl(srv.port, 'health'), { ok: true, name: 'node' });
    const echoed = next(s, 'echo');
    s.emit('echo', 'after restart');
    assert.deepEqual(await echoed, ['after restart']);
    s.disconnect();
  });

  test('an abrupt restart drops the sockets without a close frame', T, async () => {
    const s = clients.add(socketFor(srv.port, '/', { reconnection: true, reconnectionDelay: 100, reconnectionDelayMax: 200 }));
    await connected(s);
    const gone = next(s, 'disconnect');
    await ctl(srv.port, 'restart', { downMs: 200, graceful: false });
    assert.equal((await gone)[0], 'transport close');
    await withTimeout(new Promise((resolve) => s.once('connect', resolve)), 6000, 'reconnect after restart');
    s.disconnect();
  });
});

describe('node server --max-payload, --per-message-deflate', () => {
  let srv;
  before(async () => {
    srv = await startNode(['--max-payload', '5000', '--per-message-deflate', '1024']);
  });
  after(async () => srv?.stop());

  test('maxPayload is advertised and enforced (1009); deflate is negotiated', T, async () => {
    const c = rawClient(srv.port);
    const hs = JSON.parse((await c.next()).text.slice(1));
    assert.equal(hs.maxPayload, 5000);
    assert.match(c.ws.extensions, /permessage-deflate/);
    c.send('40');
    await c.next();
    await c.next();
    c.send(`42${JSON.stringify(['echo', 'x'.repeat(4980)])}`); // 4994 bytes: accepted
    assert.equal(JSON.parse((await c.next()).text.slice(2))[1].length, 4980);
    c.send(`42${JSON.stringify(['echo', 'x'.repeat(5000)])}`);
    assert.equal((await withTimeout(c.closed, 3000, 'close on oversized frame')).code, 1009);
    const st = await ctl(srv.port, 'state');
    assert.deepEqual(st.options.perMessageDeflate, { threshold: 1024 });
  });
});

describe('node server --require-token', () => {
  let srv;
  const clients = tracker();
  before(async () => {
    srv = await startNode(['--require-token', 'T0k', '--name', 'locked']);
  });
  after(async () => {
    clients.closeAll();
    await srv?.stop();
  });

  test('/ refuses a wrong token and accepts the right one', T, async () => {
    const bad = clients.add(socketFor(srv.port, '/', { auth: { token: 'nope' } }));
    const err = await withTimeout(new Promise((resolve) => bad.once('connect_error', resolve)), 5000, 'connect_error');
    assert.equal(err.message, 'not authorized');
    assert.deepEqual(err.data, { reason: 'bad token' });
    bad.disconnect();
    const good = clients.add(socketFor(srv.port, '/', { auth: { token: 'T0k' } }));
    const w = next(good, 'welcome');
    await connected(good);
    assert.deepEqual((await w)[0], { server: 'locked', namespace: '/' });
    // the guild namespaces stay open
    const guild = clients.add(socketFor(srv.port, '/guild/1'));
    await connected(guild);
    good.disconnect();
    guild.disconnect();
  });
});

commonSuite('node', () => startNode());
rawSuite('node', (args) => startNode(args), 300);

if (hasPython()) {
  commonSuite('python', () => startPython());
  rawSuite('python', (args) => startPython(args), 1000);
} else {
  test('python server', { skip: 'no .venv-socketio (run tests/socketio-server/setup-steps.sh)' }, () => {});
}

if (hasRedis()) {
  describe('two node servers on one Redis', () => {
    let redis;
    let a;
    let b;
    const clients = tracker();
    before(async () => {
      redis = await startRedis();
      [a, b] = await Promise.all([startNode(['--redis', redis.url, '--name', 'A']), startNode(['--redis', redis.url, '--name', 'B'])]);
    });
    after(async () => {
      clients.closeAll();
      await Promise.all([a?.stop(), b?.stop()]);
      await redis?.stop();
    });

    test('an emit to a room via server A reaches a client on server B', T, async () => {
      const s = clients.add(socketFor(b.port));
      const w = next(s, 'welcome');
      await connected(s);
      assert.deepEqual((await w)[0], { server: 'B', namespace: '/' });
      assert.deepEqual(await s.timeout(3000).emitWithAck('join', { room: 'shared' }), { joined: 'shared' });
      const st = await ctl(a.port, 'state');
      assert.equal(st.name, 'A');
      assert.equal(st.options.redis, true);
      const got = next(s, 'cross');
      const r = await ctl(a.port, 'emit', { namespace: '/', room: 'shared', event: 'cross', args: [{ from: 'A' }] });
      assert.equal(r.localRecipients, 0);
      assert.deepEqual(await got, [{ from: 'A' }]);
      // a guild namespace server A has never seen
      const g = clients.add(socketFor(b.port, '/guild/9'));
      await connected(g);
      const gGot = next(g, 'guild-news');
      await ctl(a.port, 'emit', { namespace: '/guild/9', event: 'guild-news', args: [1] });
      assert.deepEqual(await gGot, [1]);
      s.disconnect();
      g.disconnect();
    });
  });
} else {
  test('two node servers on one Redis', { skip: 'redis-server is not installed (apt-get install -y redis-server)' }, () => {});
}
