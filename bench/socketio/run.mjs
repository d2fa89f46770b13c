#!/usr/bin/env node
// The Socket.IO benchmark: `node bench/socketio/run.mjs` from the repo root.
//
// Over one real socket.io 4.8.4 server on 127.0.0.1 (tests/socketio-server/server.mjs),
// in Debian's headless Chromium driven over the DevTools protocol (../cdp.mjs), three
// contestants each receive the same bursts of stamped events on a namespace of their own:
//   1. the SDK, `calimero-socket/socketio` (js/socketio.js over pkg/socketio), defaults
//      plus `refreshRules` by event name;
//   2. socket.io-client 4.8.4 (its browser ESM bundle from tests/socketio-server's
//      node_modules), `transports: ["websocket"]`, with a dashboard's hand-written hook
//      (sio-hook.js: onAny, latency from `_server_timestamp`, 100 ms / 10-event batches,
//      flags by event name, one callback per batch);
//   3. the floor: a raw WebSocket answering pings, sending `40`, JSON.parse of every payload.
// It prints main-thread CPU per event, events/s, added latency, callbacks per 1000 events
// and the SDK's ratios (medians of --runs runs, contestants interleaved, ratios paired
// within each run), and a section ready for BENCHMARKS.md; writes every raw run to
// bench/socketio/results.json. Every wait is bounded; the whole run is killed after 5 min.
//
// Options: --no-build (benchmark the pkg/socketio already built), --runs N (default 5),
//          --events N (per run and contestant, default 20000), --bursts N (default 4),
//          --quick (2 runs of 6000 events), --info (also run 1b: the SDK whose callback
//          reads batch.latest, and 1c: the SDK with the default latencySampleSize),
//          --out FILE.

import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { cpus, totalmem, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launch, withTimeout } from '../cdp.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HARD_TIMEOUT_MS = 5 * 60 * 1000;

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const num = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const QUICK = flag('--quick');
const CFG = {
  runs: num('--runs', QUICK ? 2 : 5),
  events: num('--events', QUICK ? 6000 : 20000),
  bursts: num('--bursts', QUICK ? 2 : 4),
  warmEvents: 2000,
};
if (CFG.events % CFG.bursts !== 0 || CFG.events / CFG.bursts > 100000) throw new Error('--events must be a multiple of --bursts, at most 100000 per burst');
const OUT_FILE = path.resolve(argv.includes('--out') ? argv[argv.indexOf('--out') + 1] : path.join(HERE, 'results.json'));
const CONTESTANTS = ['sdk', 'hook', 'floor', ...(flag('--info') ? ['sdkReadLatest', 'sdkDefaultWindow'] : [])];
const LABEL = {
  sdk: '1 SDK calimero-socket/socketio (defaults + refreshRules)',
  hook: '2 socket.io-client 4.8.4 + dashboard hook',
  floor: '3 floor (raw WebSocket + JSON.parse)',
  sdkReadLatest: '(1b SDK, callback reads batch.latest[ns])',
  sdkDefaultWindow: '(1c SDK, default latencySampleSize: p50/p95 of the last 1000 events)',
};
// The two events of the workload, alternating by burst, each with one object argument of
// about 200 bytes of JSON (the server adds `_server_timestamp`, ~30 bytes more).
const PAYLOADS = {
  queue_updated: {
    queueId: 'q-7f3a9c21',
    version: 1842,
    items: [
      { id: 't-100231', title: 'Midnight City', artist: 'M83', ms: 243000 },
      { id: 't-100232', title: 'Strobe', artist: 'deadmau5', ms: 637000 },
    ],
    updatedBy: 'user-55218',
    reason: 'reorder',
  },
  track_started: {
    trackId: 't-100231',
    title: 'Midnight City',
    artist: 'M83',
    album: "Hurry Up, We're Dreaming",
    durationMs: 243000,
    positionMs: 0,
    startedBy: 'user-55218',
    deviceId: 'web-3f9a21c7e0',
    shuffle: false,
  },
};
const EVENT_NAMES = Object.keys(PAYLOADS);

const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const children = [];
let browser = null;
let staticServer = null;

async function cleanup() {
  if (browser) {
    try {
      await browser.close();
    } catch {}
    browser = null;
  }
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  if (staticServer) {
    staticServer.closeAllConnections?.();
    staticServer.close();
    staticServer = null;
  }
}
const hard = setTimeout(async () => {
  log(`bench/socketio: hard timeout after ${HARD_TIMEOUT_MS / 1000} s, stopping`);
  await cleanup();
  process.exit(3);
}, HARD_TIMEOUT_MS);
hard.unref();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------
// The page's files, served by a small static server with COOP/COEP (cross-origin
// isolation gives performance.now() 5 us resolution instead of 100 us). Only these
// folders of the repository are served.

const SERVED = ['/bench/socketio/', '/js/', '/pkg/socketio/', '/tests/socketio-server/node_modules/socket.io-client/dist/'];
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json', '.json': 'application/json' };

function startStatic() {
  const srv = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const p = path.posix.normalize(decodeURIComponent(url.pathname));
    const file = path.join(ROOT, p);
    if (req.method !== 'GET' || !SERVED.some((d) => p.startsWith(d)) || !file.startsWith(ROOT + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

async function startSocketIo() {
  const srv = spawn(process.execPath, [path.join(ROOT, 'tests/socketio-server/server.mjs'), '--port', '0', '--host', '127.0.0.1', '--name', 'bench'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(srv);
  let errText = '';
  srv.stderr.on('data', (d) => {
    errText = (errText + d).slice(-10000);
  });
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      let out = '';
      srv.stdout.on('data', (d) => {
        out += d;
        const m = /LISTENING (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      srv.on('exit', (code) => reject(new Error(`socket.io server exited (${code}): ${errText}`)));
    }),
    10_000,
    'socket.io server start',
  );
  return { srv, port, stderr: () => errText };
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
  '--enable-precise-memory-info',
  '--js-flags=--expose-gc',
  '--disable-features=LocalNetworkAccessChecks',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

// ---------------------------------------------------------------------------------

async function main() {
  const t00 = Date.now();
  const loadBefore = loadavg();
  if (!flag('--no-build')) {
    log('bench/socketio: build (bash scripts/build.sh)');
    const out = run('bash', ['scripts/build.sh']);
    log(out.trim().split('\n').filter((l) => l.startsWith('build:')).join('\n'));
  }
  for (const f of ['pkg/socketio/calimero_socket.js', 'pkg/socketio/calimero_socket_bg.wasm', 'tests/socketio-server/node_modules/socket.io-client/dist/socket.io.esm.min.js', 'tests/socketio-server/node_modules/socket.io/package.json']) {
    if (!existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run \`bash scripts/build.sh\` and \`(cd tests/socketio-server && npm ci)\``);
  }
  const versions = {
    socketIoServer: JSON.parse(readFileSync(path.join(ROOT, 'tests/socketio-server/node_modules/socket.io/package.json'), 'utf8')).version,
    socketIoClient: JSON.parse(readFileSync(path.join(ROOT, 'tests/socketio-server/node_modules/socket.io-client/package.json'), 'utf8')).version,
  };
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  const wasmBytes = statSync(path.join(ROOT, 'pkg/socketio/calimero_socket_bg.wasm')).size;

  const sio = await startSocketIo();
  const sioOrigin = `http://127.0.0.1:${sio.port}`;
  staticServer = await startStatic();
  const pageOrigin = `http://127.0.0.1:${staticServer.address().port}`;
  log(`bench/socketio: socket.io ${versions.socketIoServer} on ${sioOrigin}, page on ${pageOrigin}`);

  browser = await launch(CHROMIUM, CHROMIUM_ARGS);
  const chromiumVersion = await browser.version();
  const page = await browser.newPage();
  await page.watchErrors();

  let progress = 0;
  let waiters = [];
  await page.exposeBinding('__sioProgress', (payload) => {
    const n = Number(payload);
    progress = n;
    waiters = waiters.filter((w) => (n >= w.target ? (w.resolve(), false) : true));
  });
  const waitProgress = (target, ms) =>
    progress >= target ? Promise.resolve() : withTimeout(new Promise((resolve) => waiters.push({ target, resolve })), ms, `events ${target} (have ${progress})`);

  await page.goto(`${pageOrigin}/bench/socketio/page.html`);
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const t = setInterval(() => {
          if (window.benchEnv || window.benchError) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      }),
    undefined,
    30_000,
  );
  const err = await page.evaluate(() => window.benchError || null);
  if (err) throw new Error(`page failed: ${err}`);
  const env = await page.evaluate(() => window.benchEnv);
  await page.send('Performance.enable', { timeDomain: 'threadTicks' });
  const metrics = async () => {
    const { metrics: m } = await page.send('Performance.getMetrics');
    return Object.fromEntries(m.map((x) => [x.name, x.value]));
  };
  const post = async (route, body) => {
    const r = await withTimeout(fetch(`${sioOrigin}/control/${route}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }), 30_000, `POST ${route}`);
    const j = await r.json();
    if (!j.ok) throw new Error(`POST ${route}: ${JSON.stringify(j)}`);
    return j;
  };

  let nsSeq = 0;
  /** One run of one contestant: `total` events in `bursts` bursts on a namespace of its own. */
  async function oneRun(name, total, bursts) {
    const namespace = `/guild/${++nsSeq}`;
    const per = total / bursts;
    const expectedKinds = {};
    progress = 0;
    waiters = [];
    await page.evaluate(([n, o]) => window.bench.open(n, o), [name, { origin: sioOrigin, namespace }], 20_000);
    const m0 = await metrics();
    const serverMs = [];
    let error = null;
    let target = 0;
    try {
      for (let b = 0; b < bursts; b++) {
        const event = EVENT_NAMES[b % EVENT_NAMES.length];
        target += per;
        expectedKinds[event] = (expectedKinds[event] || 0) + per;
        await page.evaluate((t) => window.bench.arm(t), target, 10_000);
        const r = await post('burst', { namespace, event, count: per, args: [PAYLOADS[event]], stamp: true });
        if (r.localRecipients !== 1) throw new Error(`burst on ${namespace} reached ${r.localRecipients} sockets, not 1`);
        serverMs.push(r.ms);
        await waitProgress(target, 30_000);
      }
    } catch (e) {
      error = e.message;
    }
    const m1 = await metrics();
    let res;
    try {
      res = await page.evaluate(() => window.bench.finish(), undefined, 20_000);
    } catch (e) {
      await page.evaluate(() => window.bench.abort()).catch(() => {});
      throw e;
    }
    // A contestant that missed (or invented) events failed: its time is not a result.
    const problems = [];
    if (error) problems.push(error);
    if (res.events !== total) problems.push(`received ${res.events} events, ${total} emitted`);
    for (const k of Object.keys(expectedKinds)) if (res.kinds[k] !== expectedKinds[k]) problems.push(`${k}: ${res.kinds[k] ?? 0} of ${expectedKinds[k]}`);
    for (const k of Object.keys(res.kinds)) if (!(k in expectedKinds)) problems.push(`unexpected event ${k} x${res.kinds[k]}`);
    if (res.latency.n !== total) problems.push(`${res.latency.n} latency samples, ${total} emitted`);
    if (res.latency.sdkStats && (res.latency.sdkStats.framesDropped || res.latency.sdkStats.errors)) problems.push(`SDK dropped ${res.latency.sdkStats.framesDropped} frames, ${res.latency.sdkStats.errors} errors ${JSON.stringify(res.latency.sdkStats.errorsByCode)}`);
    const spanMs = res.spansMs.reduce((a, b) => a + b, 0);
    return {
      name,
      namespace,
      total,
      bursts,
      ok: problems.length === 0,
      problems,
      cpuUsPerEvent: ((m1.TaskDuration - m0.TaskDuration) * 1e6) / total,
      scriptUsPerEvent: ((m1.ScriptDuration - m0.ScriptDuration) * 1e6) / total,
      wallEventsPerSecond: res.spansMs.length === bursts && spanMs > 0 ? (total * 1000) / spanMs : NaN,
      spansMs: res.spansMs,
      serverEmitMs: serverMs,
      latency: res.latency,
      callbacksPer1000: res.callbacks == null ? null : (res.callbacks * 1000) / total,
      refetchesPer1000: res.refetches == null ? null : (res.refetches * 1000) / total,
      kinds: res.kinds,
    };
  }

  // Warm-up (JIT, wasm tiers, socket.io-client's code paths), not counted.
  for (const name of CONTESTANTS) {
    const w = await oneRun(name, CFG.warmEvents, 2);
    if (!w.ok) throw new Error(`warm-up of ${name} failed: ${w.problems.join('; ')}`);
  }
  log('bench/socketio: warm-up done');
  const runs = [];
  for (let r = 0; r < CFG.runs; r++) {
    const order = CONTESTANTS.map((_, i) => CONTESTANTS[(i + r) % CONTESTANTS.length]);
    for (const name of order) {
      const x = await oneRun(name, CFG.events, CFG.bursts);
      runs.push({ run: r, ...x });
      log(`bench/socketio: run ${r + 1}/${CFG.runs} ${name}: ${x.cpuUsPerEvent.toFixed(2)} us/event CPU, ${Math.round(x.wallEventsPerSecond)} events/s wall, latency p50 ${x.latency.p50?.toFixed(1)} p95 ${x.latency.p95?.toFixed(1)} ms${x.ok ? '' : ` FAILED: ${x.problems.join('; ')}`}`);
    }
  }
  const pageErrors = page.errors.slice(0, 20);
  await cleanup();

  const results = summarize(runs);
  const machine = {
    date: new Date().toISOString(),
    commit: commit + (dirty ? ' (with uncommitted changes)' : ''),
    nproc: cpus().length,
    cpu: cpus()[0] && cpus()[0].model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    chromium: chromiumVersion,
    node: process.version,
    crossOriginIsolated: env.crossOriginIsolated,
    socketIo: versions,
    wasmBytes,
    loadAverage1m: [Math.round(loadBefore[0] * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
  };
  const report = { machine, config: CFG, command: `node bench/socketio/run.mjs ${argv.join(' ')}`.trim(), totalSeconds: Math.round((Date.now() - t00) / 1000), results, raw: runs, pageErrors };
  writeFileSync(OUT_FILE, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(render(report) + '\n');
  log(`bench/socketio: done in ${report.totalSeconds} s; wrote ${path.relative(process.cwd(), OUT_FILE)}`);
  return runs.every((x) => x.ok) ? 0 : 1;
}

// ---------------------------------------------------------------------------------

function summarize(runs) {
  const ok = runs.filter((x) => x.ok);
  const rows = {};
  for (const name of CONTESTANTS) {
    const rs = ok.filter((x) => x.name === name);
    const failed = runs.filter((x) => x.name === name && !x.ok);
    const cpu = rs.map((x) => x.cpuUsPerEvent);
    rows[name] = {
      runs: rs.length,
      failed: failed.length,
      failures: failed.map((x) => `run ${x.run}: ${x.problems.join('; ')}`),
      cpuUsPerEvent: median(cpu),
      cpuMin: Math.min(...cpu),
      cpuMax: Math.max(...cpu),
      scriptUsPerEvent: median(rs.map((x) => x.scriptUsPerEvent)),
      cpuEventsPerSecond: 1e6 / median(cpu),
      wallEventsPerSecond: median(rs.map((x) => x.wallEventsPerSecond)),
      latencyP50Ms: median(rs.map((x) => x.latency.p50)),
      latencyP95Ms: median(rs.map((x) => x.latency.p95)),
      callbacksPer1000: median(rs.map((x) => x.callbacksPer1000)),
      refetchesPer1000: median(rs.map((x) => x.refetchesPer1000)),
      serverEmitMsPerBurst: median(rs.flatMap((x) => x.serverEmitMs)),
      eventsChecked: rs.reduce((a, x) => a + x.total, 0),
    };
  }
  // Ratios paired within each run (the same minutes of machine load), then the median:
  // CPU per event of the other contestant / the SDK's = the SDK's throughput advantage.
  const paired = (other, key = 'cpuUsPerEvent') => {
    const xs = [];
    for (const r of new Set(ok.map((x) => x.run))) {
      const s = ok.find((x) => x.run === r && x.name === 'sdk');
      const o = ok.find((x) => x.run === r && x.name === other);
      if (s && o) xs.push(o[key] / s[key]);
    }
    return { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
  };
  return {
    rows,
    sdkVsHook: paired('hook'),
    sdkVsFloor: paired('floor'),
    sdkVsHookScript: paired('hook', 'scriptUsPerEvent'),
    sdkVsFloorScript: paired('floor', 'scriptUsPerEvent'),
  };
}

const f2 = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const kps = (x) => (Number.isFinite(x) ? `${(x / 1000).toFixed(x >= 100000 ? 0 : 1)}k` : 'n/a');
const ratio = (r) => (Number.isFinite(r.median) ? `${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})` : 'n/a');

function table(head, rows) {
  const cells = [head, ...rows].map((r) => r.map((c) => String(c)));
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  return [line(cells[0]), '|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

function render(rep) {
  const { rows } = rep.results;
  const m = rep.machine;
  const out = [];
  out.push('## Socket.IO: the SDK against socket.io-client', '');
  out.push(
    `\`${rep.command}\` at ${m.commit}, ${m.date.slice(0, 16).replace('T', ' ')} UTC. Machine: ${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB, shared ` +
      `(1-minute load average ${m.loadAverage1m[0]} before, ${m.loadAverage1m[1]} after); Chromium ${m.chromium} headless, Node ${m.node}; ` +
      `socket.io ${m.socketIo.socketIoServer} server, socket.io-client ${m.socketIo.socketIoClient}; pkg/socketio wasm ${m.wasmBytes} bytes; crossOriginIsolated=${m.crossOriginIsolated}. ` +
      `Workload per run and contestant: ${rep.config.events} events in ${rep.config.bursts} bursts (\`POST /control/burst\`, one tick each, alternating ${EVENT_NAMES.join(' / ')}), ` +
      `one ~200-byte object argument stamped by the server; median of ${rep.config.runs} runs, contestants interleaved (order rotated per run), after a warm-up. Run took ${rep.totalSeconds} s.`,
  );
  out.push('');
  const head = ['contestant', 'main-thread CPU us/event (min-max)', 'of which script us/event', 'events/s (1 s / CPU)', 'events/s (wall)', 'latency p50 / p95 ms', 'callbacks /1000', 'refetches /1000', 'events checked'];
  const trs = CONTESTANTS.map((name) => {
    const x = rows[name];
    return [
      LABEL[name],
      `${f2(x.cpuUsPerEvent)} (${f2(x.cpuMin)}-${f2(x.cpuMax)})`,
      f2(x.scriptUsPerEvent),
      kps(x.cpuEventsPerSecond),
      kps(x.wallEventsPerSecond),
      `${f2(x.latencyP50Ms)} / ${f2(x.latencyP95Ms)}`,
      x.callbacksPer1000 == null ? 'n/a' : f2(x.callbacksPer1000),
      x.refetchesPer1000 == null ? 'n/a' : f2(x.refetchesPer1000),
      `${x.eventsChecked}${x.failed ? `, ${x.failed} FAILED runs` : ''}`,
    ];
  });
  out.push(table(head, trs), '');
  out.push(
    table(
      ['ratio (paired per run, median and min-max)', 'value'],
      [
        ['SDK vs socket.io-client + hook (hook CPU per event / SDK CPU per event; > 1: the SDK is faster)', ratio(rep.results.sdkVsHook)],
        ['SDK vs floor (floor CPU per event / SDK CPU per event; 1 = as cheap as the floor)', ratio(rep.results.sdkVsFloor)],
        ['script time only: SDK vs socket.io-client + hook', ratio(rep.results.sdkVsHookScript)],
        ['script time only: SDK vs floor', ratio(rep.results.sdkVsFloorScript)],
      ],
    ),
    '',
  );
  out.push(`Server: median ${f2(rows.sdk.serverEmitMsPerBurst)} ms to emit one burst of ${rep.config.events / rep.config.bursts} events (socket.io's own loop, in its own process).`);
  const failures = CONTESTANTS.flatMap((n) => rows[n].failures.map((f) => `${n} ${f}`));
  if (failures.length) out.push('', `FAILED runs (excluded from the medians): ${failures.join(' | ')}`);
  if (rep.pageErrors.length) out.push('', `Page errors: ${rep.pageErrors.join(' | ')}`);
  return out.join('\n');
}

main().then(
  (code) => {
    clearTimeout(hard);
    process.exit(code);
  },
  async (e) => {
    log(`bench/socketio: FAILED: ${e && e.stack ? e.stack : e}`);
    await cleanup();
    process.exit(1);
  },
);
