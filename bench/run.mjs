#!/usr/bin/env node
// The benchmark command: `node bench/run.mjs` from the repo root.
//
//   1. builds the package (bash scripts/setup.sh && bash scripts/build.sh) unless --no-build;
//   2. measures sizes: ours (wasm + JS glue + snippets) and socket.io-client, partysocket
//      and centrifuge, packed from the npm registry with `npm pack` into a temp dir;
//   3. starts the local event server (port 0, repo root served at /), launches Debian's
//      Chromium headless (driven over the DevTools protocol by ./cdp.mjs), and runs bench/page.html:
//      injected throughput, real-WebSocket throughput, added latency, callbacks and
//      refetches, memory after 1 M frames;
//   4. prints a table of medians and ratios, writes bench/results.json, stops everything.
//
// Options: --no-build, --runs N (injected runs, default 7), --ws-runs N (default 3),
//          --quick (fewer runs and frames, for a smoke test), --no-size, --json-only,
//          --pkg DIR (benchmark another build of the package, e.g. one with other
//          optimisation settings, instead of pkg/; implies --no-build),
//          --out FILE (results file, default bench/results.json),
//          --only a,b (phases: size, injected, websocket, latency, paced, memory).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { makeContexts, makeFrames } from './frames.js';
import { launch, withTimeout } from './cdp.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const HARD_TIMEOUT_MS = 8 * 60 * 1000; // the whole run, whatever happens

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const num = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const str = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const QUICK = flag('--quick');
const PHASES = ['size', 'injected', 'websocket', 'latency', 'paced', 'memory'];
const ONLY = str('--only', null) ? str('--only').split(',') : null;
const want = (p) => (!ONLY || ONLY.includes(p)) && !(p === 'size' && flag('--no-size'));
const PKG_DIR = str('--pkg', null) ? path.resolve(str('--pkg')) : path.join(ROOT, 'pkg');
const ALT_PKG = PKG_DIR !== path.join(ROOT, 'pkg');
const OUT_FILE = path.resolve(str('--out', path.join(HERE, 'results.json')));
const CFG = {
  injectRuns: num('--runs', QUICK ? 3 : 7),
  wsRuns: num('--ws-runs', QUICK ? 1 : 3),
  latencyRuns: QUICK ? 1 : 3,
  criticalSamples: QUICK ? 500 : 2000,
  batchedSamples: QUICK ? 10 : 20,
  memoryFrames: QUICK ? 200_000 : 1_000_000,
  contextCounts: [1, 10, 100],
  wsChunk: 2000,
  wsFrames: QUICK ? 6000 : 10000,
  pacedRates: QUICK ? [[100, 2000]] : [[100, 4000], [20, 5000]], // [frames/s, ms]
  framesPerSet: 20000,
};
const CONTESTANTS = ['sdk', 'reference', 'floor'];
const LABEL = { sdk: '1 SDK (defaults)', reference: '2 JS reference hook', floor: '3 floor (JSON.parse)', perFrame: 'per-frame baseline', sdkHighThroughput: '(1b SDK, profile highThroughput)', sdkReadLatest: '(1c SDK, callback reads batch.latest)' };
// Injected throughput also runs, for information, the SDK with its highThroughput
// profile and the SDK whose callback reads every context's newest frame.
const INJECTED = [...CONTESTANTS, 'sdkHighThroughput', 'sdkReadLatest'];
const PEERS = JSON.parse(readFileSync(path.join(HERE, 'package.json'), 'utf8')).peersForSize;
// min+gzip sizes the peers' own pages quote (bundlephobia-style figures), printed beside ours.
const QUOTED = { 'socket.io-client': '14.4 KB', partysocket: '2.7-4.8 KB', centrifuge: '23 KB' };

const log = (...a) => process.stderr.write(a.join(' ') + '\n');
const children = [];
let browser = null;

async function cleanup() {
  if (browser) {
    try {
      await browser.close();
    } catch {}
    browser = null;
  }
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  }
}
const hard = setTimeout(async () => {
  log(`bench: hard timeout after ${HARD_TIMEOUT_MS / 1000} s, stopping`);
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
// Sizes

function compressed(buf) {
  return {
    raw: buf.length,
    gzip: zlib.gzipSync(buf, { level: 9 }).length,
    brotli: zlib.brotliCompressSync(buf, {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
}

/** Each file compressed on its own (as a server would send them), summed. */
function sizeOfFiles(files, base) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const parts = [];
  for (const f of files) {
    const s = compressed(readFileSync(f));
    parts.push({ file: path.relative(base, f), ...s });
    for (const k of Object.keys(total)) total[k] += s[k];
  }
  return { ...total, files: parts };
}

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** An ES module and the relative modules it imports, transitively (as shipped). */
function withRelativeImports(entry) {
  const seen = new Set();
  const stack = [entry];
  while (stack.length) {
    const f = stack.pop();
    if (seen.has(f) || !existsSync(f)) continue;
    seen.add(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\.?\/[^"']+)["']/g)) stack.push(path.resolve(path.dirname(f), m[1]));
  }
  return [...seen];
}

function exportsImport(pkg) {
  let e = pkg.exports;
  if (e && typeof e === 'object' && e['.']) e = e['.'];
  for (let i = 0; i < 4 && e && typeof e === 'object'; i++) e = e.browser ?? e.import ?? e.default ?? e.module;
  return typeof e === 'string' ? e : null;
}

function measureSizes() {
  const ours = [
    path.join(PKG_DIR, 'calimero_socket_bg.wasm'),
    path.join(PKG_DIR, 'calimero_socket.js'),
    ...walk(path.join(PKG_DIR, 'snippets')).filter((f) => f.endsWith('.js')),
  ];
  if (existsSync(path.join(ROOT, 'dist/index.js'))) ours.push(path.join(ROOT, 'dist/index.js'));
  const rows = [{ name: 'calimero-socket (this SDK)', version: ALT_PKG ? path.basename(PKG_DIR) : 'working tree', note: `${ALT_PKG ? PKG_DIR : 'pkg/'}: wasm + JS glue + snippets${ours.some((f) => f.endsWith('dist/index.js')) ? ' + dist/index.js' : ''}`, ...sizeOfFiles(ours, ALT_PKG ? PKG_DIR : ROOT) }];
  const wasmOnly = compressed(readFileSync(ours[0]));
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-peers-'));
  try {
    for (const [name, version] of Object.entries(PEERS)) {
      try {
        const out = run('npm', ['pack', `${name}@${version}`, '--pack-destination', dir, '--json', '--loglevel=error'], { cwd: dir });
        const tgz = JSON.parse(out.slice(out.indexOf('[')))[0].filename;
        const into = path.join(dir, name.replace(/[^a-z0-9.-]/gi, '_'));
        run('mkdir', ['-p', into]);
        run('tar', ['-xzf', path.join(dir, tgz), '-C', into]);
        const pkgDir = path.join(into, 'package');
        const pj = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
        let entry;
        let note;
        if (name === 'socket.io-client') {
          entry = 'dist/socket.io.min.js';
          note = 'dist/socket.io.min.js (browser bundle, minified by its authors)';
        } else {
          entry = (typeof pj.browser === 'string' && pj.browser) || exportsImport(pj) || pj.module || pj.main;
          note = `${entry.replace(/^\.\//, '')} + relative imports, as shipped (not minified by us)`;
        }
        const files = withRelativeImports(path.join(pkgDir, entry));
        rows.push({ name, version, note, quoted: QUOTED[name], ...sizeOfFiles(files, pkgDir) });
        if (name === 'centrifuge' && existsSync(path.join(pkgDir, 'dist/centrifuge.js'))) {
          rows.push({ name: 'centrifuge (UMD bundle)', version, note: 'dist/centrifuge.js, its minified browser bundle, as shipped', quoted: QUOTED[name], ...sizeOfFiles([path.join(pkgDir, 'dist/centrifuge.js')], pkgDir) });
        }
      } catch (e) {
        rows.push({ name, version, error: String(e.message).split('\n')[0] });
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows, wasmOnly };
}

// ---------------------------------------------------------------------------------
// Server and browser

async function startServer() {
  const statics = ['--static', `${ROOT}:/`];
  if (ALT_PKG) statics.push('--static', `${PKG_DIR}:/pkg-under-test/`);
  const srv = spawn(process.execPath, [path.join(ROOT, 'tests/server/server.mjs'), '--port', '0', ...statics, '--exit-after-ms', String(HARD_TIMEOUT_MS)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(srv);
  let errText = '';
  srv.stderr.on('data', (d) => {
    errText += d;
    if (errText.length > 20000) errText = errText.slice(-10000);
  });
  const port = await withTimeout(
    new Promise((resolve, reject) => {
      let out = '';
      srv.stdout.on('data', (d) => {
        out += d;
        const m = /LISTENING (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      srv.on('exit', (code) => reject(new Error(`server exited (${code}): ${errText}`)));
    }),
    10_000,
    'server start',
  );
  return { srv, port };
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
  // The page's responses are fulfilled through the Fetch domain (to add COOP/COEP),
  // which Chromium may treat as coming from a public address: without this, the page's
  // sockets to 127.0.0.1 can be blocked by the Local Network Access checks
  // (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
  '--disable-features=LocalNetworkAccessChecks',
  // Keep timers and the renderer at full speed even though nothing is on screen.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

// ---------------------------------------------------------------------------------

async function main() {
  const t00 = Date.now();
  const loadBefore = loadavg();
  const phases = {};
  const phase = (name, t0) => (phases[name] = Math.round((Date.now() - t0) / 100) / 10);

  if (!flag('--no-build') && !ALT_PKG) {
    const t = Date.now();
    log('bench: setup + build (bash scripts/setup.sh && bash scripts/build.sh)');
    run('bash', ['scripts/setup.sh']);
    const out = run('bash', ['scripts/build.sh']);
    log(out.trim().split('\n').filter((l) => l.startsWith('build:')).join('\n'));
    phase('build', t);
  }
  if (!existsSync(path.join(PKG_DIR, 'calimero_socket.js'))) throw new Error(`${PKG_DIR}/calimero_socket.js is missing: run without --no-build`);
  if (!existsSync(path.join(ROOT, 'tests/server/node_modules/ws'))) {
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: path.join(ROOT, 'tests/server') });
  }

  let sizes = null;
  if (want('size')) {
    const t = Date.now();
    log('bench: sizes (npm pack of the peers)');
    sizes = measureSizes();
    phase('size', t);
  }

  const { port } = await startServer();
  const origin = `http://127.0.0.1:${port}`;
  log(`bench: server on ${origin}`);

  browser = await launch(CHROMIUM, CHROMIUM_ARGS);
  const chromiumVersion = await browser.version();
  const page = await browser.newPage();
  await page.watchErrors();
  // Cross-origin isolation (COOP + COEP) gives performance.now() 5 us resolution instead
  // of 100 us; the local server does not send these headers, so add them here.
  await page.addResponseHeaders([`${origin}/bench/`, `${origin}/pkg`], {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-embedder-policy': 'require-corp',
  });

  // Flow control of the WebSocket bursts: the page reports its frame count.
  let progress = 0;
  let waiters = [];
  await page.exposeBinding('__benchProgress', (payload) => {
    const n = Number(payload);
    progress = n;
    waiters = waiters.filter((w) => (n >= w.target ? (w.resolve(), false) : true));
  });
  const waitProgress = (target, ms) =>
    progress >= target ? Promise.resolve() : withTimeout(new Promise((resolve) => waiters.push({ target, resolve })), ms, `frames ${target} (have ${progress})`);

  await page.goto(`${origin}/bench/page.html${ALT_PKG ? '?pkg=/pkg-under-test/' : ''}`);
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

  let t = Date.now();
  const prep = await page.evaluate(([c, n]) => window.bench.prepare(c, n), [CFG.contextCounts, CFG.framesPerSet]);
  log(`bench: frames prepared in ${Math.round(prep.ms)} ms; crossOriginIsolated=${env.crossOriginIsolated} clock ${prep.clockResolutionUs.toFixed(1)} us`);

  // (a) injected throughput --------------------------------------------------------
  const inject = { runs: [] };
  if (want('injected')) {
    t = Date.now();
    for (const nctx of CFG.contextCounts) {
      for (const name of INJECTED) await page.evaluate(([n, c]) => window.bench.injectRun(n, c, { count: 5000 }), [name, nctx]); // warm-up
      for (let r = 0; r < CFG.injectRuns; r++) {
        const order = INJECTED.map((_, i) => INJECTED[(i + r) % INJECTED.length]);
        for (const name of order) {
          await page.evaluate(([n, c]) => window.bench.injectSetup(n, c), [name, nctx]);
          const m0 = await metrics();
          await page.evaluate((n) => window.bench.injectLoop(n), CFG.framesPerSet);
          const m1 = await metrics();
          const res = await page.evaluate(() => window.bench.injectFinish());
          res.cpuUsPerFrame = ((m1.TaskDuration - m0.TaskDuration) * 1e6) / res.count;
          inject.runs.push({ run: r, ...res });
        }
      }
      log(`bench: injected, ${nctx} context(s) done`);
    }
    phase('injected', t);
  }

  // (b) real WebSocket ---------------------------------------------------------------
  const ws = { runs: [] };
  if (want('websocket')) {
    t = Date.now();
    for (const nctx of CFG.contextCounts) {
      const contexts = makeContexts(nctx);
      const f = makeFrames({ count: CFG.framesPerSet, contexts, seed: 1000 + nctx }); // the page's set, byte for byte
      f.texts.length = CFG.wsFrames;
      const bodies = [];
      for (let i = 0; i < f.texts.length; i += CFG.wsChunk) {
        const frames = f.texts.slice(i, i + CFG.wsChunk).map((raw, j) => ({ raw, contextId: contexts[(i + j) % contexts.length] }));
        bodies.push(Buffer.from(JSON.stringify({ path: 'ws', frames })));
      }
      const total = f.texts.length;
      for (let r = 0; r < CFG.wsRuns; r++) {
        const order = CONTESTANTS.map((_, i) => CONTESTANTS[(i + r) % CONTESTANTS.length]);
        for (const name of order) {
          const session = `ws-${name}-${nctx}-${r}`;
          progress = 0;
          waiters = [];
          await page.evaluate(([n, c, s, e]) => window.bench.wsOpen(n, c, s, e), [name, nctx, session, CFG.wsChunk / 2]);
          const m0 = await metrics();
          let issued = 0;
          const posts = [];
          let error = null;
          try {
            for (const body of bodies) {
              await waitProgress(issued - CFG.wsChunk, 30_000); // at most two chunks ahead of the page
              posts.push(fetch(`${origin}/control/burst?session=${session}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then((x) => x.json()));
              issued += CFG.wsChunk;
            }
            await withTimeout(Promise.all(posts), 60_000, 'bursts');
            await waitProgress(total, 30_000);
          } catch (e) {
            error = e.message;
          }
          const m1 = await metrics();
          const res = await page.evaluate((e) => window.bench.wsClose(e), total);
          const st = await fetch(`${origin}/control/status?session=${session}`).then((x) => x.json());
          await fetch(`${origin}/control/reset?session=${session}`);
          const frames = res.frames || 1;
          ws.runs.push({
            run: r,
            nctx,
            ...res,
            error,
            droppedSlow: (st.droppedSlow || []).reduce((a, b) => a + b, 0),
            mainThreadUsPerFrame: ((m1.TaskDuration - m0.TaskDuration) * 1e6) / frames,
            scriptUsPerFrame: ((m1.ScriptDuration - m0.ScriptDuration) * 1e6) / frames,
          });
        }
      }
      log(`bench: websocket, ${nctx} context(s) done`);
    }
    phase('websocket', t);
  }

  // (c) added latency ----------------------------------------------------------------
  const latency = { critical: [], batched: [] };
  if (want('latency')) {
    t = Date.now();
    for (let r = 0; r < CFG.latencyRuns; r++) {
      for (const name of CONTESTANTS) latency.critical.push({ run: r, ...(await page.evaluate(([n, s, seed]) => window.bench.latencyCritical(n, s, seed), [name, CFG.criticalSamples, 7 + r])) });
      for (const name of ['sdk', 'reference']) latency.batched.push({ run: r, ...(await page.evaluate(([n, s, seed]) => window.bench.latencyBatched(n, s, seed), [name, CFG.batchedSamples, 9 + r])) });
    }
    phase('latency', t);
  }

  // (d) paced streams: callbacks and refetches per 1000 frames -------------------------
  const pacedRes = [];
  if (want('paced')) {
    t = Date.now();
    for (const [rate, ms] of CFG.pacedRates) {
      const names = ['sdk', 'reference', 'perFrame'];
      const prefix = `paced-${rate}`;
      const sessions = await page.evaluate(([n, c, p]) => window.bench.pacedOpen(n, c, p), [names, 10, prefix]);
      for (const s of sessions) await fetch(`${origin}/control/traffic?session=${s}&rate=${rate}&path=ws`);
      await new Promise((r) => setTimeout(r, ms));
      for (const s of sessions) await fetch(`${origin}/control/traffic?session=${s}&rate=0&path=ws`);
      const out = await page.evaluate(() => window.bench.pacedClose());
      for (const s of sessions) await fetch(`${origin}/control/reset?session=${s}`);
      pacedRes.push({ rate, ms, ...out });
    }
    phase('paced', t);
  }

  // (e) memory after 1 M frames ------------------------------------------------------
  const memory = [];
  if (want('memory')) {
    t = Date.now();
    const checkpoints = QUICK ? [50_000, 100_000, 200_000] : [50_000, 250_000, 500_000, 750_000, 1_000_000];
    for (const name of CONTESTANTS) {
      memory.push(await page.evaluate(([n, total, cps]) => window.bench.memoryRun(n, { total, checkpoints: cps }), [name, CFG.memoryFrames, checkpoints]));
    }
    phase('memory', t);
  }

  const sink = await page.evaluate(() => window.bench.sinkValue());
  await cleanup();

  // ---------------------------------------------------------------------------------
  const results = summarize({ inject, ws, latency, paced: pacedRes, memory, sizes, prep });
  const machine = {
    date: new Date().toISOString(),
    nproc: cpus().length,
    cpu: cpus()[0] && cpus()[0].model,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    chromium: chromiumVersion,
    pkg: ALT_PKG ? PKG_DIR : 'pkg/',
    node: process.version,
    crossOriginIsolated: env.crossOriginIsolated,
    clockResolutionUs: prep.clockResolutionUs,
    gcExposed: env.gc,
    // 1-minute load average before and after: above ~1 means something else was running
    // on this 2-core machine during the run (the bench itself adds about 1).
    loadAverage1m: [Math.round(loadBefore[0] * 100) / 100, Math.round(loadavg()[0] * 100) / 100],
  };
  const report = { machine, config: CFG, phasesSeconds: phases, totalSeconds: Math.round((Date.now() - t00) / 1000), results, raw: { inject, ws, latency, paced: pacedRes, memory, sizes }, sink, pageErrors: page.errors.slice(0, 20) };
  writeFileSync(OUT_FILE, JSON.stringify(report, null, 2) + '\n');
  if (!flag('--json-only')) process.stdout.write(render(report) + '\n');
  log(`bench: done in ${report.totalSeconds} s; wrote ${path.relative(process.cwd(), OUT_FILE)}`);
}

// ---------------------------------------------------------------------------------
// Medians and ratios

function summarize({ inject, ws, latency, paced, memory, sizes, prep }) {
  const out = { injected: {}, websocket: {}, latency: {}, callbacks: [], memory: {}, size: sizes, frames: prep.sets };
  for (const nctx of CFG.contextCounts) {
    const row = {};
    for (const name of INJECTED) {
      const runs = inject.runs.filter((x) => x.nctx === nctx && x.name === name);
      if (!runs.length) continue;
      // CPU time of the page's main thread during the loop (CDP, thread ticks): unlike
      // wall time it does not count the time other processes held the core.
      const us = median(runs.map((x) => x.cpuUsPerFrame));
      row[name] = {
        usPerFrame: us,
        fps: 1e6 / us,
        wallUsPerFrame: median(runs.map((x) => x.usPerFrame)),
        runs: runs.length,
        spreadUs: [Math.min(...runs.map((x) => x.cpuUsPerFrame)), Math.max(...runs.map((x) => x.cpuUsPerFrame))],
        callbacksPer1000: median(runs.map((x) => x.callbacksPer1000)),
        refetchesPer1000: median(runs.map((x) => x.refetchesPer1000)),
        baselineRefetchesPer1000: runs[0].baselineRefetchesPer1000,
        undelivered: Math.max(...runs.map((x) => x.count - x.delivered)),
      };
    }
    if (CONTESTANTS.every((n) => row[n])) {
      for (const name of Object.keys(row)) {
        row[name].xFloor = row[name].fps / row.floor.fps;
        row[name].xReference = row[name].fps / row.reference.fps;
      }
      out.injected[nctx] = row;
    }

    const wrow = {};
    for (const name of CONTESTANTS) {
      const runs = ws.runs.filter((x) => x.nctx === nctx && x.name === name);
      if (!runs.length) continue;
      wrow[name] = {
        fps: median(runs.map((x) => x.fps)),
        mainThreadUsPerFrame: median(runs.map((x) => x.mainThreadUsPerFrame)),
        scriptUsPerFrame: median(runs.map((x) => x.scriptUsPerFrame)),
        handlerUsPerFrame: median(runs.map((x) => x.handlerUsPerFrame)),
        callbacksPer1000: median(runs.map((x) => x.callbacksPer1000)),
        refetchesPer1000: median(runs.map((x) => x.refetchesPer1000)),
        frames: median(runs.map((x) => x.frames)),
        droppedSlow: Math.max(0, ...runs.map((x) => x.droppedSlow)),
        errors: runs.map((x) => x.error).filter(Boolean),
        runs: runs.length,
      };
    }
    if (Object.keys(wrow).length === CONTESTANTS.length) {
      for (const name of CONTESTANTS) {
        wrow[name].fpsXFloor = wrow[name].fps / wrow.floor.fps;
        wrow[name].cpuXFloor = wrow[name].mainThreadUsPerFrame / wrow.floor.mainThreadUsPerFrame;
        wrow[name].cpuXReference = wrow[name].mainThreadUsPerFrame / wrow.reference.mainThreadUsPerFrame;
      }
      out.websocket[nctx] = wrow;
    }
  }
  if (latency.critical.length) {
    for (const name of CONTESTANTS) {
      const c = latency.critical.filter((x) => x.name === name);
      const b = latency.batched.filter((x) => x.name === name);
      out.latency[name] = {
        criticalP50Us: median(c.map((x) => x.p50Us)),
        criticalP99Us: median(c.map((x) => x.p99Us)),
        criticalMaxUs: Math.max(...c.map((x) => x.maxUs)),
        criticalSamples: c.reduce((a, x) => a + x.n, 0),
        batchedP50Us: b.length ? median(b.map((x) => x.p50Us)) : null,
        batchedP99Us: b.length ? median(b.map((x) => x.p99Us)) : null,
        batchedSamples: b.reduce((a, x) => a + x.n, 0),
      };
    }
  }
  out.callbacks = paced.map((p) => {
    const rows = {};
    for (const name of ['sdk', 'reference', 'perFrame']) {
      const s = p[name];
      rows[name] = {
        frames: s.frames,
        callbacks: s.callbacks,
        refetches: s.refetches,
        callbacksPer1000: (s.callbacks * 1000) / Math.max(1, s.frames),
        refetchesPer1000: (s.refetches * 1000) / Math.max(1, s.frames),
      };
    }
    return { scenario: `server chat traffic ${p.rate} frames/s for ${p.ms / 1000} s, 10 contexts`, rate: p.rate, seconds: p.ms / 1000, rows };
  });
  for (const m of memory) {
    const first = m.points[0];
    const last = m.points[m.points.length - 1];
    out.memory[m.name] = {
      frames: m.total,
      delivered: m.delivered,
      warmupFrames: first.frames,
      wasmWarm: first.wasmBytes,
      wasmEnd: last.wasmBytes,
      heapWarm: first.jsHeapBytes,
      heapEnd: last.jsHeapBytes,
      heapMin: Math.min(...m.points.map((p) => p.jsHeapBytes)),
      heapMax: Math.max(...m.points.map((p) => p.jsHeapBytes)),
      points: m.points,
      seconds: m.ms / 1000,
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------
// Rendering

const f1 = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const kfps = (x) => (Number.isFinite(x) ? `${(x / 1000).toFixed(x >= 100000 ? 0 : 1)}k` : 'n/a');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
const pct = (x) => (Number.isFinite(x) ? `${x.toFixed(1)}%` : 'n/a');
const kb = (b) => (b == null ? 'n/a' : `${(b / 1024).toFixed(1)} KB`);
const mb = (b) => (b == null ? 'n/a' : `${(b / 2 ** 20).toFixed(2)} MB`);

function table(head, rows) {
  const cells = [head, ...rows].map((r) => r.map((c) => String(c)));
  const w = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(' | ') + ' |';
  return [line(cells[0]), '|' + w.map((n, i) => (i === 0 ? '-'.repeat(n + 2) : '-'.repeat(n + 1) + ':')).join('|') + '|', ...cells.slice(1).map(line)].join('\n');
}

function render(rep) {
  const R = rep.results;
  const m = rep.machine;
  const out = [];
  const section = (title, body) => out.push(`## ${title}`, '', body, '');
  out.push(`# calimero-socket benchmarks, ${m.date.slice(0, 16).replace('T', ' ')} UTC`);
  out.push('');
  out.push(
    `Machine: ${m.nproc} cores (${m.cpu}), ${m.memoryGiB} GiB, Chromium ${m.chromium} headless, Node ${m.node}; ` +
      `load average ${m.loadAverage1m[0]} before, ${m.loadAverage1m[1]} after; ` +
      `package ${m.pkg}; crossOriginIsolated=${m.crossOriginIsolated} (clock ${f1(m.clockResolutionUs)} us). ` +
      `Frames: ${Object.entries(R.frames)
        .map(([n, s]) => `${n} ctx ${Math.round(s.meanBytes)} B mean`)
        .join(', ')}. Run took ${rep.totalSeconds} s.`,
  );
  out.push('');
  out.push('Ratios: "vs 3" = this / the floor, "vs 2" = this / the JS reference. For frames/s higher is better; for CPU and latency lower is better.');
  out.push('');

  if (Object.keys(R.injected).length) {
    const rows = [];
    for (const [nctx, row] of Object.entries(R.injected)) {
      for (const name of INJECTED.filter((n) => row[n])) {
        const x = row[name];
        rows.push([`${nctx} ctx, ${LABEL[name]}`, f1(x.usPerFrame), kfps(x.fps), ratio(x.xFloor), ratio(x.xReference), `${f1(x.spreadUs[0])}-${f1(x.spreadUs[1])}`, f1(x.wallUsPerFrame)]);
      }
    }
    const lost = Object.entries(R.injected).flatMap(([n, row]) => Object.entries(row).filter(([, x]) => x.undelivered > 0).map(([name, x]) => `${n} ctx ${name}: ${x.undelivered}`));
    if (lost.length) rows.push([`WARNING: frames not delivered through callbacks: ${lost.join(', ')}`, '', '', '', '', '', '']);
    section(
      `Throughput, frames injected in-page (no network): ${CFG.framesPerSet} frames per run, median of ${CFG.injectRuns} runs; main-thread CPU time of the ingest loop, frames/s = 1 s / that`,
      table(['contexts, contestant', 'CPU us/frame', 'frames/s', 'fps vs 3', 'fps vs 2', 'CPU us min-max', 'wall us/frame'], rows),
    );
  }

  if (Object.keys(R.websocket).length) {
    const rows = [];
    for (const [nctx, row] of Object.entries(R.websocket)) {
      for (const name of CONTESTANTS) {
        const x = row[name];
        rows.push([
          `${nctx} ctx, ${LABEL[name]}`,
          kfps(x.fps),
          ratio(x.fpsXFloor),
          f1(x.mainThreadUsPerFrame),
          ratio(x.cpuXFloor),
          ratio(x.cpuXReference),
          f1(x.handlerUsPerFrame),
          `${x.frames}${x.droppedSlow ? ` (${x.droppedSlow} dropped)` : ''}${x.errors.length ? ' ERR' : ''}`,
        ]);
      }
    }
    section(
      `Over a real WebSocket (local server on loopback pushes ${CFG.wsFrames} frames as fast as it can, at most 2 x ${CFG.wsChunk} ahead of the page), median of ${CFG.wsRuns} runs`,
      table(['contexts, contestant', 'frames/s', 'fps vs 3', 'main-thread CPU us/frame', 'CPU vs 3', 'CPU vs 2', 'in-handler wall us/frame', 'frames'], rows),
    );
  }

  if (Object.keys(R.latency).length) {
    const rows = CONTESTANTS.map((name) => {
      const x = R.latency[name];
      return [
        LABEL[name],
        f1(x.criticalP50Us),
        f1(x.criticalP99Us),
        ratio(x.criticalP99Us / R.latency.floor.criticalP99Us),
        x.batchedP50Us == null ? 'n/a (no batching)' : f1(x.batchedP50Us),
        x.batchedP99Us == null ? 'n/a' : f1(x.batchedP99Us),
      ];
    });
    section(
      `Added latency, frame handed in -> callback, us (median over ${CFG.latencyRuns} runs of each run's p50 / p99; ${R.latency.sdk.criticalSamples} critical and ${R.latency.sdk.batchedSamples} batched samples per contestant)`,
      table(['contestant', 'critical p50', 'critical p99', 'p99 vs 3', 'batched p50 (minus 100 ms window)', 'batched p99 (minus window)'], rows),
    );
  }

  const cb = [];
  for (const [nctx, row] of Object.entries(R.injected)) {
    const base = row.sdk.baselineRefetchesPer1000;
    for (const name of ['sdk', 'reference', 'sdkHighThroughput', 'sdkReadLatest'].filter((n) => row[n])) {
      const x = row[name];
      cb.push([`injected burst, ${nctx} ctx`, LABEL[name], f1(x.callbacksPer1000), pct(100 - x.callbacksPer1000 / 10), f1(x.refetchesPer1000), pct(100 - (100 * x.refetchesPer1000) / base)]);
    }
    cb.push([`injected burst, ${nctx} ctx`, LABEL.perFrame, '1000', '0%', f1(base), '0%']);
  }
  for (const [nctx, row] of Object.entries(R.websocket)) {
    const base = R.injected[nctx] ? R.injected[nctx].sdk.baselineRefetchesPer1000 : (R.frames[nctx].flagsPerFrame * 1000);
    for (const name of ['sdk', 'reference']) {
      const x = row[name];
      cb.push([`websocket burst, ${nctx} ctx`, LABEL[name], f1(x.callbacksPer1000), pct(100 - x.callbacksPer1000 / 10), f1(x.refetchesPer1000), pct(100 - (100 * x.refetchesPer1000) / base)]);
    }
  }
  for (const p of R.callbacks) {
    const base = p.rows.perFrame;
    for (const name of ['sdk', 'reference', 'perFrame']) {
      const x = p.rows[name];
      cb.push([`paced ${p.rate} frames/s, 10 ctx (${x.frames} frames)`, LABEL[name], f1(x.callbacksPer1000), pct(100 - x.callbacksPer1000 / 10), f1(x.refetchesPer1000), pct(100 - (100 * x.refetchesPer1000) / base.refetchesPer1000)]);
    }
  }
  if (cb.length) {
    section(
      'Callbacks and refetches per 1000 frames (cut = against the per-frame baseline: one callback per frame, one refetch per flag a frame raises)',
      table(['stream', 'contestant', 'callbacks', 'cut', 'refetches', 'cut'], cb),
    );
  }

  if (R.memory.sdk) {
    const rows = CONTESTANTS.filter((n) => R.memory[n]).map((name) => {
      const x = R.memory[name];
      return [LABEL[name], x.wasmWarm == null ? 'n/a' : mb(x.wasmWarm), x.wasmEnd == null ? 'n/a' : mb(x.wasmEnd), mb(x.heapWarm), mb(x.heapEnd), `${mb(x.heapMin)} - ${mb(x.heapMax)}`];
    });
    const k = (n) => `${n / 1000}k`;
    section(
      `Memory, ${R.memory.sdk.frames.toLocaleString('en')} frames injected over 100 contexts, read after a forced GC (the JS heap includes the benchmark's ~85 MB of pre-generated frames)`,
      table(['contestant', `wasm memory at ${k(R.memory.sdk.warmupFrames)} (warm)`, `wasm at ${k(R.memory.sdk.frames)}`, `JS heap at ${k(R.memory.sdk.warmupFrames)}`, `JS heap at ${k(R.memory.sdk.frames)}`, 'JS heap min - max over checkpoints'], rows),
    );
  }

  if (R.size) {
    const rows = R.size.rows.map((x) => (x.error ? [x.name, x.version, 'error', '', '', '', x.error] : [`${x.name}`, x.version, kb(x.raw), kb(x.gzip), kb(x.brotli), x.quoted || '', x.note]));
    rows.splice(1, 0, ['  of which wasm', '', kb(R.size.wasmOnly.raw), kb(R.size.wasmOnly.gzip), kb(R.size.wasmOnly.brotli), '', 'calimero_socket_bg.wasm']);
    section('Size (each file compressed on its own and summed; gzip -9, brotli q11; peers packed from the npm registry in this run)', table(['package', 'version', 'raw', 'gzip', 'brotli', 'quoted min+gzip (peers.md)', 'what was measured'], rows));
  }

  const t = targets(R);
  if (t.length) section('Targets (issue 6)', table(['target', 'measured', 'met?'], t));
  return out.join('\n').trimEnd();
}

function targets(R) {
  const rows = [];
  const inj = Object.values(R.injected);
  if (inj.length) {
    const worst = (k) => Math.min(...inj.map((r) => r.sdk[k]));
    const per = (k) => Object.entries(R.injected).map(([n, r]) => `${n}: ${ratio(r.sdk[k])}`).join(', ');
    const xr = worst('xReference');
    const xf = worst('xFloor');
    rows.push(['throughput >= 4x the JS reference (injected; per context count)', per('xReference'), xr >= 4 ? 'yes' : `NO (worst ${ratio(xr)}: ${ratio(4 / xr)} short)`]);
    rows.push(['throughput >= 2x the floor (injected; per context count)', per('xFloor'), xf >= 2 ? 'yes' : `NO (worst ${ratio(xf)}: ${ratio(2 / xf)} short)`]);
  }
  const wsr = Object.entries(R.websocket);
  if (wsr.length) {
    rows.push(['(websocket: main-thread CPU per frame vs 2 / vs 3; per context count)', wsr.map(([n, r]) => `${n}: ${ratio(r.sdk.cpuXReference)} / ${ratio(r.sdk.cpuXFloor)}`).join(', '), 'info']);
  }
  if (R.latency.sdk) {
    const p99 = R.latency.sdk.criticalP99Us;
    rows.push(['critical-frame added latency p99 < 1 ms', `${f1(p99)} us`, p99 < 1000 ? 'yes' : 'NO']);
  }
  if (R.size) {
    const g = R.size.rows[0].gzip;
    rows.push(['size < 30 KB gzip (wasm + JS)', kb(g), g < 30 * 1024 ? 'yes' : `NO (${(g / (30 * 1024)).toFixed(1)}x the budget)`]);
  }
  if (R.memory.sdk) {
    const s = R.memory.sdk;
    const wasmFlat = s.wasmEnd === s.wasmWarm;
    const heapGrowth = s.heapEnd - s.heapWarm;
    rows.push([
      `memory flat after warm-up (${s.warmupFrames / 1000}k -> ${s.frames / 1000}k frames)`,
      `wasm ${mb(s.wasmWarm)} -> ${mb(s.wasmEnd)}; JS heap ${heapGrowth >= 0 ? '+' : ''}${(heapGrowth / 1024).toFixed(0)} KB`,
      wasmFlat && Math.abs(heapGrowth) < 1024 * 1024 ? 'yes' : 'NO',
    ]);
  }
  return rows;
}

main().then(
  () => {
    clearTimeout(hard);
    process.exit(0);
  },
  async (e) => {
    log(`bench: FAILED: ${e && e.stack ? e.stack : e}`);
    await cleanup();
    process.exit(1);
  },
);
