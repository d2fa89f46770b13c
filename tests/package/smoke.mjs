#!/usr/bin/env node
// Smoke test of the package as users get it: `npm pack`, `npm i <tarball>` into a fresh
// app folder, and a page that imports the installed node_modules/calimero-socket/dist/
// index.js (the no_std wasm, the renamed imports, the minified glue), in Chromium,
// Firefox and WebKit. Each engine is driven through WebDriver directly (plain HTTP):
// the page connects to the local event server, gets one batch with the right flags,
// closes, frees, and must report zero live handles.
//
//   node tests/package/smoke.mjs [--engines chrome,firefox,safari] [--debug-build]
//
// --debug-build also builds the development package (scripts/build.sh --debug, into a
// temporary folder, not over pkg/) and runs the same page against it in Chromium. The
// crate has no way to make itself panic, so that check is the page working plus the
// panic hook's machinery being linked into the wasm; it does not see a panic message.
// Env: SMOKE_ENGINES (same as --engines). Needs chromedriver, geckodriver,
// /usr/bin/WebKitWebDriver and xvfb-run (bash scripts/setup.sh installs them).

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomHash } from '../server/base58.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const engines = (opt('--engines') ?? process.env.SMOKE_ENGINES ?? 'chrome,firefox,safari').split(/[ ,]+/).filter(Boolean);
const debugBuild = args.includes('--debug-build');
if (engines.includes('safari') && spawnSync('sh', ['-c', 'command -v xvfb-run'], { stdio: 'ignore' }).status !== 0) {
  console.error("smoke: xvfb-run not found; WebKit's MiniBrowser needs a display (run: bash scripts/setup.sh)");
  process.exit(1);
}

const PAGE_TIMEOUT_MS = 30_000; // the page's own deadline is 20 s
const DRIVER_START_MS = 20_000;
const REQUEST_MS = 60_000; // a new session starts a browser: the slowest request

const children = new Set();
const tmp = mkdtempSync(join(tmpdir(), 'calimero-smoke-'));
function cleanup() {
  for (const c of children) killTree(c);
  rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

function killTree(child) {
  // Each child leads its own process group (detached): xvfb-run's Xvfb and the browsers
  // a driver started go with it.
  try { process.kill(-child.pid, 'SIGTERM'); } catch {}
  children.delete(child);
}

function run(cmd, argv, cwd) {
  const r = spawnSync(cmd, argv, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

function start(cmd, argv, opts = {}) {
  const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(child);
  child.output = '';
  child.stdout.on('data', (d) => (child.output += d));
  child.stderr.on('data', (d) => (child.output += d));
  child.on('exit', () => children.delete(child));
  return child;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- 1. The tarball, installed into an app the way an app installs it ----
const t0 = Date.now();
const packDir = join(tmp, 'pack');
mkdirSync(packDir);
const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', packDir, '--loglevel=error'], ROOT));
const tgz = join(packDir, packed[0].filename);
const app = join(tmp, 'app');
mkdirSync(app);
writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke-app', version: '1.0.0', private: true, type: 'module' }));
run('npm', ['i', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tgz], app);
console.log(`smoke: packed ${packed[0].filename} (${packed[0].files.length} files) and installed it into a fresh app (${Date.now() - t0} ms)`);

// The page: a module script with a static import of the installed package.
const PAGE_JS = readFileSync(new URL('./page.js', import.meta.url), 'utf8');
function writePage(dir, entry) {
  writeFileSync(join(dir, 'index.html'), `<!doctype html>
<meta charset="utf-8">
<title>calimero-socket smoke</title>
<script>
  window.__smokeErrors = [];
  addEventListener('error', (e) => __smokeErrors.push(String(e.message || e.error)));
  addEventListener('unhandledrejection', (e) => __smokeErrors.push('unhandled rejection: ' + (e.reason && e.reason.stack || e.reason)));
</script>
<script type="module">
import init, { SocketManager } from ${JSON.stringify(entry)};
const SOCKETIO_ENTRY = ${JSON.stringify(entry.replace(/index\.js$/, 'socketio.js'))};
${PAGE_JS}
</script>
`);
}
writePage(app, '/app/node_modules/calimero-socket/dist/index.js');

// ---- 2. Optionally the development build, in its own folder ----
let debugDir;
if (debugBuild) {
  const t1 = Date.now();
  debugDir = join(tmp, 'debug');
  const pkgRoot = join(debugDir, 'calimero-socket');
  mkdirSync(pkgRoot, { recursive: true });
  run('bash', ['scripts/build.sh', '--debug', '--into', pkgRoot], ROOT);
  const wasm = readFileSync(join(pkgRoot, 'pkg/calimero_socket_bg.wasm'));
  // std's panic message formatting and the hook's console.error call are in the wasm.
  if (!wasm.includes('panicked at')) throw new Error('the debug build carries no panic message formatting ("panicked at")');
  if (!readFileSync(join(pkgRoot, 'pkg/calimero_socket.js'), 'utf8').includes('console.error')) {
    throw new Error('the debug build glue has no console.error import (console_error_panic_hook)');
  }
  writePage(debugDir, '/debug/calimero-socket/dist/index.js');
  console.log(`smoke: debug build: ${wasm.length} bytes wasm (${Date.now() - t1} ms)`);
}

// ---- 3. The local event server, serving the app folder ----
const serverArgs = ['tests/server/server.mjs', '--port', '0', '--host', '127.0.0.1', '--static', `${app}:/app/`];
if (debugDir) serverArgs.push('--static', `${debugDir}:/debug/`);
const server = start(process.execPath, serverArgs, { cwd: ROOT });
const serverPort = await (async () => {
  for (let i = 0; i < 100; i++) {
    const m = server.output.match(/^LISTENING (\d+)/m);
    if (m) return Number(m[1]);
    await sleep(100);
  }
  throw new Error(`the local server did not start:\n${server.output}`);
})();

// ---- 4. WebDriver, by hand ----
const webdriverJson = JSON.parse(readFileSync(join(ROOT, 'webdriver.json'), 'utf8'));
const ENGINES = {
  chrome: {
    label: 'Chromium',
    command: (port) => ['chromedriver', [`--port=${port}`]],
    capabilities: { 'goog:chromeOptions': webdriverJson['goog:chromeOptions'] },
  },
  firefox: {
    label: 'Firefox',
    command: (port) => ['geckodriver', ['--host', '127.0.0.1', '--port', String(port)]],
    capabilities: {
      'moz:firefoxOptions': { ...webdriverJson['moz:firefoxOptions'], args: ['-headless'] },
    },
  },
  safari: {
    label: 'WebKit',
    // WebKitWebDriver starts the MiniBrowser, which has no headless mode: a virtual display.
    command: (port) => ['xvfb-run', ['-a', '/usr/bin/WebKitWebDriver', `--port=${port}`]],
    capabilities: {},
  },
};

async function wd(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: body ? { 'content-type': 'application/json' } : undefined,
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(REQUEST_MS),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = { value: text }; }
  if (!res.ok) throw new Error(`WebDriver ${method} ${path}: HTTP ${res.status} ${JSON.stringify(json.value).slice(0, 500)}`);
  return json.value;
}

async function runPage(engine, pageUrl) {
  const e = ENGINES[engine];
  const port = await freePort();
  const [cmd, argv] = e.command(port);
  const env = { ...process.env };
  delete env.GECKODRIVER; delete env.SAFARIDRIVER; delete env.CHROMEDRIVER;
  const driver = start(cmd, argv, { env });
  const base = `http://127.0.0.1:${port}`;
  let session;
  try {
    const deadline = Date.now() + DRIVER_START_MS;
    for (;;) {
      try {
        const st = await wd(base, 'GET', '/status');
        if (st.ready !== false) break;
      } catch {}
      if (Date.now() > deadline || driver.exitCode !== null) throw new Error(`${cmd} did not start on port ${port}:\n${driver.output}`);
      await sleep(200);
    }
    const created = await wd(base, 'POST', '/session', { capabilities: { alwaysMatch: e.capabilities } });
    session = created.sessionId;
    await wd(base, 'POST', `/session/${session}/url`, { url: pageUrl });
    const until = Date.now() + PAGE_TIMEOUT_MS;
    let state;
    for (;;) {
      state = await wd(base, 'POST', `/session/${session}/execute/sync`, {
        script: 'return { result: window.__smoke || null, errors: window.__smokeErrors || [], log: window.__smokeLog || [] };',
        args: [],
      });
      if (state.result || Date.now() > until) break;
      await sleep(200);
    }
    return state;
  } finally {
    if (session) await wd(base, 'DELETE', `/session/${session}`).catch(() => {});
    killTree(driver);
  }
}

let failed = 0;
const runs = engines.map((engine) => ({ engine, variant: 'package', dir: '/app/' }));
if (debugDir) runs.push({ engine: 'chrome', variant: 'debug build', dir: '/debug/' });
for (const { engine, variant, dir } of runs) {
  if (!ENGINES[engine]) {
    console.error(`smoke: unknown engine '${engine}' (chrome, firefox, safari)`);
    process.exit(2);
  }
  const session = `smoke-${engine}-${variant.replace(/\W/g, '')}-${process.pid}`;
  const url = `http://127.0.0.1:${serverPort}${dir}index.html?session=${session}&ctx=${randomHash()}`;
  const t = Date.now();
  let state;
  try {
    state = await runPage(engine, url);
  } catch (err) {
    state = { result: { ok: false, error: String(err && err.stack || err) }, errors: [], log: [] };
  }
  const ms = Date.now() - t;
  const r = state.result;
  if (r && r.ok && state.errors.length === 0) {
    console.log(`smoke: ${ENGINES[engine].label} (${variant}): ok in ${ms} ms: ${r.summary}`);
  } else {
    failed++;
    console.error(`smoke: ${ENGINES[engine].label} (${variant}): FAILED after ${ms} ms`);
    console.error(`  page reported: ${r ? r.error : 'nothing (no result before the deadline)'}`);
    if (state.errors.length) console.error(`  page errors: ${state.errors.join('\n    ')}`);
    if (state.log.length) console.error(`  page log:\n    ${state.log.join('\n    ')}`);
  }
}
killTree(server);
if (failed) {
  console.error(`smoke: ${failed} of ${runs.length} runs failed`);
  process.exit(1);
}
console.log(`smoke: all ${runs.length} runs passed (${Date.now() - t0} ms in all)`);
