#!/usr/bin/env node
// Cross-tab sharing (issue 15, `shareAcrossTabs`) in the engines CI drives through
// WebDriver: Firefox (geckodriver + firefox-esr, headless) and WebKit (WebKitWebDriver +
// WebKitGTK's MiniBrowser, on a virtual X display). Plain W3C WebDriver over HTTP with
// Node's fetch: no npm dependency. (Chromium is covered by Playwright in tests/e2e; it
// can be run here too, `--engines chrome`, through chromedriver.)
//
//   node tests/tabs-webdriver/run.mjs [--engines "firefox safari"] [--nolocks] [--verbose]
//
// Needs: the package built (bash scripts/build.sh) and the pages built
// ((cd www && npx vite build)), tests/server's `ws` (npm ci), geckodriver on PATH,
// firefox-esr, /usr/bin/WebKitWebDriver, and for WebKit either a DISPLAY or xvfb-run (the
// script then starts WebKitWebDriver under `xvfb-run -a` itself).
//
// One local event server for the run (serving www/dist, and this folder for probe.html),
// one session per engine. Per engine, in ONE browser session (so both windows share the
// origin's storage, locks and channels):
//  0. the platform, without the SDK (probe.html): are navigator.locks and BroadcastChannel
//     there at http://127.0.0.1 (a secure context), and do they work across two windows (a
//     lock held in one is held for the other, a message crosses, a closed window's lock is
//     freed; the time is printed). With both, one shared socket is expected; without, each
//     manager stays on its own (`role: "alone"`, 2 connections) and that is what gets
//     checked instead (the close then must leave the other window's socket alone).
//  1. window 1 opens www/test-pages/tabs.html; window 2 is opened (POST /window/new) and
//     navigated to the same page; both are polled (execute/sync on window.__tabs) until
//     ready. A page that cannot make its manager (no shareAcrossTabs in the SDK) fails the
//     engine at once, with the SDK's error (WebKitGTK reports no exception thrown after a
//     module's top-level await, so the script then constructs a manager itself to ask).
//  2. shared: the server sees exactly 1 connection (subscribed to the page's context), one
//     window is `leader`, the other `follower`, both `stats().sharedTabs` are 2.
//  3. a burst of frames reaches both windows as batches (exactly the burst's frames each).
//  4. the leader's window is closed (DELETE /window). Within 3 s of the close request
//     (target 1 s; the time is printed) the server again sees exactly 1 connection, a new
//     one, subscribed; the remaining window reports `leader` and got a `resync: true`
//     batch; 1 s later still 1 connection, exactly one resync batch, sharedTabs 1; a second
//     burst reaches it.
//  5. the session is deleted (the browser must exit with it: its processes are watched in
//     the driver's process group), then the driver is stopped.
//
// --nolocks: open the page with ?nolocks=1 (tabs.html hides navigator.locks before the SDK
// loads), which must give the stand-alone behaviour even where the engine has Web Locks.
// --verbose: print every poll's state. Exit code 0 when every engine passed, 1 otherwise,
// 2 on a usage error. Every wait is bounded; drivers, browsers and the server are stopped
// on every path (their process groups are killed).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomHash } from '../server/base58.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TAG = 'tabs-webdriver';

// ---- options ----
const argv = process.argv.slice(2);
let engineList = 'firefox safari';
let nolocks = false;
let verbose = false;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--engines') engineList = argv[++i] ?? '';
  else if (a.startsWith('--engines=')) engineList = a.slice('--engines='.length);
  else if (a === '--nolocks') nolocks = true;
  else if (a === '--verbose') verbose = true;
  else if (a === '-h' || a === '--help') {
    console.log('usage: node tests/tabs-webdriver/run.mjs [--engines "firefox safari"] [--nolocks] [--verbose]');
    process.exit(0);
  } else usage(`unknown argument '${a}'`);
}
const ALIASES = { webkit: 'safari', chromium: 'chrome', gecko: 'firefox' };
const engines = engineList.split(/[\s,]+/).filter(Boolean).map((e) => ALIASES[e] ?? e);
if (engines.length === 0) usage('no engine given');
function usage(msg) {
  console.error(`${TAG}: ${msg} (usage: --engines "firefox safari" [--nolocks] [--verbose]; engines: firefox, safari, chrome)`);
  process.exit(2);
}

// ---- limits (ms) ----
const DRIVER_START_MS = 20_000;
const NEW_SESSION_MS = 60_000; // starts a browser: the slowest request
const REQUEST_MS = 20_000;
const READY_MS = 20_000; // a window's page ready (wasm loaded, manager created)
const PAIR_MS = 15_000; // both windows settled into their roles
const BURST_MS = 10_000;
const HANDOVER_TARGET_MS = 1_000;
const HANDOVER_LIMIT_MS = 3_000;
const SETTLE_MS = 1_000; // after the handover: nothing more may happen (a 2nd resync...)
const STOP_MS = 8_000; // browser exit after DELETE session; driver exit after SIGTERM
const ENGINE_MS = 180_000; // whole engine run, a last guard
const BURST_FRAMES = 20;

class Fail extends Error {}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- child processes: each leads its own process group, killed as a group ----
const children = new Set();
process.on('exit', () => {
  for (const c of children) {
    try { process.kill(-c.pid, 'SIGKILL'); } catch {}
  }
});
// On a signal: end the running session (so the driver stops the browser and removes its
// profile), stop every group, then exit; bounded, and a second signal exits at once.
let active = null; // the running engine's { wd, driver }
let stopping = false;
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`${TAG}: ${sig}, stopping`);
    setTimeout(() => process.exit(130), 12_000).unref();
    (async () => {
      if (active?.wd?.session) await active.wd.deleteSession().catch(() => {});
      await Promise.all([...children].map((c) => stopGroup(c, 3_000)));
    })().finally(() => process.exit(130));
  });
}

function start(name, cmd, args, opts = {}) {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  child.label = name;
  child.output = '';
  const keep = (d) => {
    child.output += d;
    if (child.output.length > 400_000) child.output = child.output.slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.spawnError = null;
  child.on('error', (e) => (child.spawnError = e));
  children.add(child);
  return child;
}

/** Live (non-zombie) processes of process group `pgid`: [{pid, comm}]. */
function groupProcs(pgid) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${d}/stat`, 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') out.push({ pid: Number(d), comm });
  }
  return out;
}

/** SIGTERM the group, wait (bounded) until it is empty, SIGKILL what is left. */
async function stopGroup(child, ms = STOP_MS) {
  if (!child || !children.has(child)) return { clean: true, left: [] };
  try { process.kill(-child.pid, 'SIGTERM'); } catch {}
  const until = Date.now() + ms;
  let left = groupProcs(child.pid);
  while (left.length && Date.now() < until) {
    await sleep(100);
    left = groupProcs(child.pid);
  }
  if (left.length) {
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    await sleep(200);
  }
  children.delete(child);
  return { clean: left.length === 0, left };
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

const tail = (text, lines = 30) => text.trim().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const version = (cmd, args = ['--version']) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout || r.stderr || '').trim().split('\n')[0] || '?';
};

// ---- engines ----
const webdriverJson = JSON.parse(readFileSync(join(ROOT, 'webdriver.json'), 'utf8'));
function miniBrowser() {
  // Debian's webkit2gtk-driver: /usr/lib/<triplet>/webkit2gtk-4.x/MiniBrowser.
  for (const lib of ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib']) {
    let dirs = [];
    try { dirs = readdirSync(lib).filter((d) => /^webkit2?gtk-\d/.test(d)).sort().reverse(); } catch {}
    for (const d of dirs) if (existsSync(join(lib, d, 'MiniBrowser'))) return join(lib, d, 'MiniBrowser');
  }
  return null;
}
const ENGINES = {
  firefox: {
    label: 'Firefox',
    check() {
      if (!has('geckodriver')) return 'geckodriver not on PATH (bash scripts/setup.sh: cargo install geckodriver)';
      if (!has('firefox-esr') && !has('firefox')) return 'firefox-esr not found (bash scripts/setup.sh)';
      return null;
    },
    driverVersion: () => version('geckodriver'),
    command: (port) => ['geckodriver', ['--host', '127.0.0.1', '--port', String(port)]],
    capabilities: () => {
      const o = webdriverJson['moz:firefoxOptions'] ?? {};
      const binary = has('firefox-esr') ? spawnSync('sh', ['-c', 'command -v firefox-esr'], { encoding: 'utf8' }).stdout.trim() : undefined;
      return { 'moz:firefoxOptions': { ...o, ...(binary && !o.binary ? { binary } : {}), args: [...(o.args ?? []), '-headless'] } };
    },
  },
  safari: {
    label: 'WebKit',
    check() {
      if (!existsSync('/usr/bin/WebKitWebDriver')) return '/usr/bin/WebKitWebDriver not found (bash scripts/setup.sh: webkit2gtk-driver)';
      if (!process.env.DISPLAY && !has('xvfb-run')) return "no DISPLAY and no xvfb-run: WebKit's MiniBrowser needs a display (bash scripts/setup.sh)";
      if (!miniBrowser()) return 'no WebKitGTK MiniBrowser under /usr/lib/*/webkit2gtk-4.*/';
      return null;
    },
    driverVersion: () => `WebKitWebDriver ${debVersion('webkit2gtk-driver')}`,
    // MiniBrowser has no headless mode: with no DISPLAY, a virtual one for the driver's group.
    command: (port) => (process.env.DISPLAY
      ? ['/usr/bin/WebKitWebDriver', [`--port=${port}`]]
      : ['xvfb-run', ['-a', '/usr/bin/WebKitWebDriver', `--port=${port}`]]),
    capabilities: () => ({
      'webkitgtk:browserOptions': { binary: miniBrowser(), args: ['--automation'], ...(webdriverJson['webkitgtk:browserOptions'] ?? {}) },
    }),
  },
  chrome: {
    label: 'Chromium',
    check: () => (has('chromedriver') ? null : 'chromedriver not on PATH (bash scripts/setup.sh)'),
    driverVersion: () => version('chromedriver').replace(/ \(.*$/, ''),
    command: (port) => ['chromedriver', [`--port=${port}`]],
    capabilities: () => ({ 'goog:chromeOptions': webdriverJson['goog:chromeOptions'] }),
  },
};
function debVersion(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}
for (const e of engines) if (!ENGINES[e]) usage(`unknown engine '${e}'`);

// ---- WebDriver over HTTP ----
class WebDriver {
  constructor(base) {
    this.base = base;
    this.session = null;
    this.current = null;
  }
  async req(method, path, body, ms = REQUEST_MS) {
    let res;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: body ? { 'content-type': 'application/json; charset=utf-8' } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(ms),
      });
    } catch (e) {
      throw new Fail(`WebDriver ${method} ${path}: ${e.name === 'TimeoutError' ? `no answer within ${ms} ms` : e.message}`);
    }
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = { value: text }; }
    if (!res.ok) {
      const v = json.value ?? {};
      throw new Fail(`WebDriver ${method} ${path}: HTTP ${res.status} ${v.error ?? ''} ${String(v.message ?? JSON.stringify(v)).split('\n')[0].slice(0, 400)}`);
    }
    return json.value;
  }
  s(path) { return `/session/${this.session}${path}`; }
  async newSession(capabilities) {
    const v = await this.req('POST', '/session', { capabilities: { alwaysMatch: capabilities } }, NEW_SESSION_MS);
    this.session = v.sessionId;
    return v.capabilities ?? {};
  }
  async deleteSession() {
    if (!this.session) return;
    const id = this.session;
    this.session = null;
    await this.req('DELETE', `/session/${id}`, undefined, STOP_MS + 10_000);
  }
  timeouts(t) { return this.req('POST', this.s('/timeouts'), t); }
  async handle() { return (this.current = await this.req('GET', this.s('/window'))); }
  async switchTo(handle) {
    if (this.current === handle) return;
    await this.req('POST', this.s('/window'), { handle });
    this.current = handle;
  }
  newWindow() { return this.req('POST', this.s('/window/new'), { type: 'window' }); }
  async closeWindow() {
    const left = await this.req('DELETE', this.s('/window'));
    this.current = null;
    return left;
  }
  navigate(url) { return this.req('POST', this.s('/url'), { url }, 40_000); }
  exec(script, args = []) { return this.req('POST', this.s('/execute/sync'), { script, args }); }
  execAsync(script, args = []) { return this.req('POST', this.s('/execute/async'), { script, args }); }
  async execIn(handle, script, args) {
    await this.switchTo(handle);
    return this.exec(script, args);
  }
}

// What a window's page saw, as plain JSON (never the manager itself).
const STATE_JS = `
const probe = {
  href: location.href,
  readyState: document.readyState,
  secure: window.isSecureContext,
  locks: !!(navigator.locks && typeof navigator.locks.request === 'function'),
  lockManager: typeof LockManager === 'function',
  broadcastChannel: typeof BroadcastChannel === 'function',
  now: performance.timeOrigin + performance.now(),
};
const t = window.__tabs;
if (!t) return { probe, loaded: false };
const out = {
  probe, loaded: true, ready: !!t.ready,
  pageErrors: t.pageErrors.slice(), errors: t.errors.slice(-5),
  roles: t.roles.map((r) => ({ role: String(r.role), at: r.at })),
  statuses: t.statuses.slice(-12),
  batches: t.batches.map((b) => ({ at: b.at, size: b.size, resync: !!b.resync })),
};
out.hasManager = !!t.m;
if (t.m && t.ready) {
  const role = t.role();
  out.roleType = typeof role;
  out.role = String(role);
  out.hasOnRole = typeof t.m.onRole === 'function';
  out.status = String(t.status());
  try {
    const s = t.stats();
    out.sharedTabs = typeof s.sharedTabs === 'number' ? s.sharedTabs : String(s.sharedTabs);
  } catch (e) { out.statsError = String(e && e.message || e); }
}
return out;`;

// Why a page never got its manager: WebKitGTK (2.50) reports no exception thrown after a
// module's top-level await (no window "error", no "unhandledrejection", and import() of
// the module resolves), so tabs.js's own capture sees nothing there. This finds the SDK's
// SocketManager among the page's loaded modules and tries what tabs.js does.
const WHY_JS = `
const done = arguments[arguments.length - 1];
const probe = (async () => {
  const urls = [...document.querySelectorAll('script[type=module][src]')].map((s) => s.src);
  for (const e of performance.getEntriesByType('resource')) if (/\\.m?js([?#]|$)/.test(e.name)) urls.push(e.name);
  for (const u of new Set(urls)) {
    let ns;
    try { ns = await import(u); } catch { continue; }
    for (const v of Object.values(ns)) {
      if (typeof v !== 'function' || !v.prototype || typeof v.prototype.stats !== 'function' || typeof v.prototype.connect !== 'function') continue;
      try {
        const m = new v({ url: 'ws://127.0.0.1:9/ws', protocol: 'calimero', contextIds: [], shareAcrossTabs: true });
        const out = { module: u, constructed: true, roleType: typeof m.role, onRole: typeof m.onRole };
        try { m.close(); } catch {}
        try { m.free && m.free(); } catch {}
        return out;
      } catch (e) { return { module: u, constructed: false, error: String(e && e.message || e) }; }
    }
  }
  return { module: null };
})();
Promise.race([probe, new Promise((r) => setTimeout(() => r({ pending: true }), 3000))])
  .then(done, (e) => done({ probeError: String(e && e.message || e) }));`;

function brief(st) {
  if (!st) return 'no state';
  if (!st.loaded) return `page not loaded (${st.probe.readyState} ${st.probe.href})`;
  if (!st.ready) return `page not ready${st.pageErrors.length ? `, page errors: ${st.pageErrors.join(' | ')}` : ''}`;
  const resyncs = st.batches.filter((b) => b.resync).length;
  const frames = st.batches.reduce((n, b) => n + b.size, 0);
  return `role ${st.role}, status ${st.status}, sharedTabs ${st.sharedTabs}, ${st.batches.length} batches (${frames} frames, ${resyncs} resync)` +
    `${st.errors.length ? `, errors: ${st.errors.map((e) => e.code).join(',')}` : ''}${st.pageErrors.length ? `, page errors: ${st.pageErrors.join(' | ')}` : ''}`;
}

// ---- the local event server (one for the run) ----
let server = null;
let serverPort = 0;
async function startServer() {
  if (!existsSync(join(ROOT, 'www/dist/test-pages/tabs.html'))) {
    throw new Fail('www/dist/test-pages/tabs.html is missing: build the pages first: bash scripts/build.sh && (cd www && npx vite build)');
  }
  if (!existsSync(join(ROOT, 'tests/server/node_modules/ws'))) throw new Fail("tests/server has no node_modules/ws: (cd tests/server && npm ci)");
  server = start('server', process.execPath, ['tests/server/server.mjs', '--port', '0', '--host', '127.0.0.1',
    '--static', `${join(ROOT, 'www/dist')}:/`, '--static', `${join(ROOT, 'tests/tabs-webdriver')}:/tabs-webdriver/`], { cwd: ROOT });
  const until = Date.now() + 15_000;
  for (;;) {
    const m = server.output.match(/^LISTENING (\d+)/m);
    if (m) return (serverPort = Number(m[1]));
    if (server.exitCode !== null || server.spawnError || Date.now() > until) {
      throw new Fail(`the local event server did not start:\n${tail(server.output)}`);
    }
    await sleep(50);
  }
}
async function control(name, session, params = {}) {
  const q = new URLSearchParams({ session, ...params });
  let res;
  try {
    res = await fetch(`http://127.0.0.1:${serverPort}/control/${name}?${q}`, { signal: AbortSignal.timeout(REQUEST_MS) });
  } catch (e) {
    throw new Fail(`server /control/${name}: ${e.message}`);
  }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Fail(`server /control/${name}: HTTP ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Polls `step` (returns {done, state, describe}) every `every` ms until `ms` after `t0`. */
async function poll(what, ms, every, step, t0 = Date.now()) {
  let last;
  for (;;) {
    last = await step();
    if (verbose) console.log(`${TAG}:   [${Date.now() - t0} ms] ${what}: ${last.describe ?? JSON.stringify(last.state)}`);
    if (last.done) return { ms: Date.now() - t0, ...last };
    if (Date.now() - t0 > ms) throw new Fail(`${what}: not within ${ms} ms; last seen: ${last.describe ?? JSON.stringify(last.state)}`);
    await sleep(every);
  }
}

// ---- the platform probe (tests/tabs-webdriver/probe.html, no SDK) ----
const APIS_JS = `return { secure: window.isSecureContext,
  locks: !!(navigator.locks && typeof navigator.locks.request === 'function'),
  broadcastChannel: typeof BroadcastChannel === 'function' };`;
// Window B holds lock L until it closes and listens on channel C.
const HOLD_JS = `const [lock, chan] = arguments;
const p = (window.__probe = { got: [], held: false });
p.bc = new BroadcastChannel(chan);
p.bc.onmessage = (e) => p.got.push(e.data);
navigator.locks.request(lock, () => { p.held = true; return new Promise(() => {}); });
return true;`;
const HELD_JS = 'return { held: !!(window.__probe && window.__probe.held), got: window.__probe ? window.__probe.got : [] };';
// Window A: is L held elsewhere, can A take it now, then a message on C.
const CHECK_JS = `const [lock, chan] = arguments; const done = arguments[arguments.length - 1];
(async () => {
  const q = await navigator.locks.query();
  const heldElsewhere = q.held.some((l) => l.name === lock);
  const free = await navigator.locks.request(lock, { ifAvailable: true }, (l) => !!l);
  const bc = new BroadcastChannel(chan); bc.postMessage('ping'); bc.close();
  return { heldElsewhere, free };
})().then(done, (e) => done({ error: String(e && e.message || e) }));`;
const FREE_JS = `const [lock] = arguments; const done = arguments[arguments.length - 1];
navigator.locks.request(lock, { ifAvailable: true }, (l) => !!l).then(done, (e) => done({ error: String(e) }));`;

/**
 * In window `h1` and a second window, both on probe.html: the APIs' presence, then whether
 * a lock held in one window is held for the other, a BroadcastChannel message crosses, and
 * how soon a closed window's lock is free. Leaves `h1` current (on probe.html). Throws
 * when the APIs exist but do not work across the two windows (sharing could not work).
 */
async function platformProbe(wd, h1, name) {
  const url = `http://127.0.0.1:${serverPort}/tabs-webdriver/probe.html`;
  await wd.navigate(url);
  const apis = await wd.exec(APIS_JS);
  if (!apis.locks || !apis.broadcastChannel) return { apis, cross: null };
  const lock = `${name}-lock`;
  const chan = `${name}-chan`;
  const hb = (await wd.newWindow()).handle;
  await wd.switchTo(hb);
  await wd.navigate(url);
  await wd.exec(HOLD_JS, [lock, chan]);
  await poll('probe: window B holds the lock', 5_000, 50, async () => {
    const st = await wd.exec(HELD_JS);
    return { done: st.held, describe: JSON.stringify(st) };
  });
  await wd.switchTo(h1);
  const seen = await wd.execAsync(CHECK_JS, [lock, chan]).catch((err) => ({ error: err.message }));
  const bc = await poll('probe: a BroadcastChannel message from window A reaches window B', 5_000, 50, async () => {
    const st = await wd.execIn(hb, HELD_JS);
    return { done: st.got.includes('ping'), describe: JSON.stringify(st) };
  }).then(() => true, () => false);
  if (seen.error || !seen.heldElsewhere || seen.free || !bc) {
    throw new Fail(`Web Locks / BroadcastChannel exist but do not work across two windows of one session: ` +
      `${JSON.stringify({ ...seen, broadcastReached: bc })} (lock held in window B: seen held from A, not free to A; A's message reaches B)`);
  }
  await wd.switchTo(hb);
  const t0 = Date.now();
  await wd.closeWindow();
  await wd.switchTo(h1);
  const freed = await poll("probe: the closed window's lock is free", 5_000, 25, async () => {
    const free = await wd.execAsync(FREE_JS, [lock]);
    return { done: free === true, describe: JSON.stringify(free) };
  });
  return { apis, cross: `a held lock is seen held, a message crosses, a closed window's lock is free after ${Date.now() - t0} ms`, freedMs: freed.ms };
}

// ---- one engine ----
async function runEngine(engine, log, hold) {
  const e = ENGINES[engine];
  const problem = e.check();
  if (problem) throw new Fail(problem);
  const session = `tabs-wd-${engine}-${process.pid}-${Date.now().toString(36)}`;
  const ctx = randomHash();
  const token = `tok-${process.pid}`;
  const q = new URLSearchParams({ server: `127.0.0.1:${serverPort}`, session, contexts: ctx, token });
  if (nolocks) q.set('nolocks', '1');
  const pageUrl = `http://127.0.0.1:${serverPort}/test-pages/tabs.html?${q}`;

  const port = await freePort();
  const [cmd, args] = e.command(port);
  const env = { ...process.env };
  delete env.GECKODRIVER; delete env.SAFARIDRIVER; delete env.CHROMEDRIVER;
  const driver = start(`${engine} driver`, cmd, args, { env });
  const wd = new WebDriver(`http://127.0.0.1:${port}`);
  // For the teardown, whatever happens next.
  Object.assign(hold, { driver, wd, browserProcs: [] });
  const res = { handover: null, mode: null };

  // The driver's /status answers once it listens.
  await poll(`${cmd} listening on ${port}`, DRIVER_START_MS, 200, async () => {
    if (driver.spawnError || driver.exitCode !== null) {
      throw new Fail(`${cmd} exited (${driver.spawnError?.message ?? driver.exitCode}):\n${tail(driver.output)}`);
    }
    try {
      const st = await wd.req('GET', '/status', undefined, 2_000);
      return { done: st.ready !== false, describe: JSON.stringify(st).slice(0, 200) };
    } catch (err) {
      return { done: false, describe: err.message };
    }
  });
  const caps = await wd.newSession(e.capabilities());
  hold.sessionUp = true;
  const browser = `${e.label}: ${caps.browserName ?? '?'} ${caps.browserVersion ?? '?'}`;
  await wd.timeouts({ script: 10_000, pageLoad: 30_000 });
  // The browser's processes should sit in the driver's process group (how they get stopped).
  hold.browserProcs = groupProcs(driver.pid).filter((p) => !/^(geckodriver|WebKitWebDriver|chromedriver|xvfb-run|Xvfb)$/.test(p.comm));

  // ---- the platform, away from the SDK: the APIs, and do they work across windows ----
  const h1 = await wd.handle();
  const plat = await platformProbe(wd, h1, `${session}-probe`);
  const yn = (b) => (b ? 'yes' : 'no');
  res.apis = plat.apis;
  log(`${browser} (${e.driverVersion()}) at http://127.0.0.1: navigator.locks ${yn(plat.apis.locks)}, ` +
    `BroadcastChannel ${yn(plat.apis.broadcastChannel)}, secure context ${yn(plat.apis.secure)}` +
    (plat.cross ? `; across 2 windows: ${plat.cross}` : ''));
  const shared = plat.apis.locks && plat.apis.broadcastChannel && !nolocks;
  res.mode = shared ? 'shared' : 'alone';
  log(`expecting ${shared ? 'one shared socket (a leader and a follower)'
    : `no sharing${nolocks ? ' (?nolocks=1 hides navigator.locks)' : ''}: role "alone", one socket per window`}`);

  // ---- window 1 ----
  await wd.navigate(pageUrl);
  const SDK_HINT = ' (is issue 15, shareAcrossTabs, implemented in this tree, and were pkg/ and www/dist rebuilt?)';
  const ready = (which, handle) => {
    const t0 = Date.now();
    let why = null;
    return poll(`window ${which} ready`, READY_MS, 150, async () => {
      const st = await wd.execIn(handle, STATE_JS);
      if (st.loaded && st.pageErrors.length && !st.ready) {
        throw new Fail(`the tabs page failed in window ${which}: ${st.pageErrors.join(' | ')}${SDK_HINT}`);
      }
      if (st.loaded && st.ready && st.roleType !== 'string') {
        throw new Fail(`window ${which}: m.role is ${st.roleType}${st.hasOnRole ? '' : ' and m.onRole is missing'}: the SDK has no shareAcrossTabs roles${SDK_HINT}`);
      }
      if (st.loaded && !st.ready && !st.hasManager && !why && Date.now() - t0 > 3_000) {
        // Still no manager after 3 s and no error reported: ask the SDK directly (once).
        why = await wd.execAsync(WHY_JS);
        if (why.constructed === false) {
          throw new Fail(`the tabs page in window ${which} has no manager: new SocketManager({ shareAcrossTabs: true, ... }) throws: ${why.error}${SDK_HINT}`);
        }
        if (why.constructed && why.roleType !== 'string') {
          throw new Fail(`window ${which}: SocketManager has no role (m.role is ${why.roleType}, m.onRole is ${why.onRole})${SDK_HINT}`);
        }
      }
      return { done: st.loaded && st.ready, state: st, describe: brief(st) + (why ? `; SDK probe: ${JSON.stringify(why)}` : '') };
    });
  };
  const r1 = await ready(1, h1);
  if (nolocks && r1.state.probe.locks) throw new Fail('?nolocks=1 did not hide navigator.locks in the tabs page');

  // ---- window 2 ----
  const nw = await wd.newWindow();
  const h2 = nw.handle;
  if (!h2 || h2 === h1) throw new Fail(`POST /window/new gave no new handle: ${JSON.stringify(nw)}`);
  await wd.switchTo(h2);
  await wd.navigate(pageUrl);
  await ready(2, h2);

  // ---- both settled ----
  const subscribed = (st) => (st.subscriptions ?? []).filter((s) => s.includes(ctx)).length;
  const pair = await poll('both windows settled', PAIR_MS, 150, async () => {
    const [a, b, srv] = [await wd.execIn(h1, STATE_JS), await wd.execIn(h2, STATE_JS), await control('status', session)];
    const roles = [a.role, b.role];
    const done = shared
      ? srv.connections === 1 && subscribed(srv) === 1 && [...roles].sort().join() === 'follower,leader' && a.sharedTabs === 2 && b.sharedTabs === 2
      : srv.connections === 2 && subscribed(srv) === 2 && roles.every((r) => r === 'alone');
    return { done, state: { a, b, srv }, describe: `server ${srv.connections} connections (${subscribed(srv)} subscribed to the context); window 1: ${brief(a)}; window 2: ${brief(b)}` };
  });
  const { a, b } = pair.state;
  log(`2 windows settled in ${pair.ms} ms: window 1 ${a.role}, window 2 ${b.role}, server ${pair.state.srv.connections} connection(s), sharedTabs ${a.sharedTabs}/${b.sharedTabs}`);

  // ---- a burst reaches both ----
  const burst = async (handles, label) => {
    const before = {};
    for (const h of handles) before[h] = (await wd.execIn(h, STATE_JS)).batches.length;
    const sent = await control('burst', session, { count: String(BURST_FRAMES) });
    const want = BURST_FRAMES * (shared ? 1 : handles.length);
    if (sent.sent !== BURST_FRAMES || sent.deliveries !== want) {
      throw new Fail(`${label}: the server sent ${sent.sent} frames in ${sent.deliveries} socket sends (expected ${BURST_FRAMES} in ${want})`);
    }
    const got = (st, h) => st.batches.slice(before[h]);
    const r = await poll(`${label} reaches ${handles.length === 1 ? 'the window' : 'both windows'}`, BURST_MS, 150, async () => {
      const sts = [];
      for (const h of handles) sts.push(await wd.execIn(h, STATE_JS));
      const frames = sts.map((st, i) => got(st, handles[i]).reduce((n, x) => n + x.size, 0));
      return { done: frames.every((n) => n >= BURST_FRAMES), state: sts, describe: `frames in new batches: ${frames.join(' + ')} of ${BURST_FRAMES} each` };
    });
    await sleep(300); // nothing beyond the burst may follow
    const out = [];
    for (const h of handles) {
      const nb = got(await wd.execIn(h, STATE_JS), h);
      const frames = nb.reduce((n, x) => n + x.size, 0);
      if (frames !== BURST_FRAMES) throw new Fail(`${label}: a window got ${frames} frames in batches, expected exactly ${BURST_FRAMES}`);
      if (nb.some((x) => x.resync)) throw new Fail(`${label}: a window got a resync batch during a plain burst`);
      out.push(`${frames} frames in ${nb.length} batch(es)`);
    }
    log(`${label} of ${BURST_FRAMES} frames (${sent.deliveries} socket sends): ${out.join(', ')} (${r.ms} ms)`);
  };
  await burst([h1, h2], 'burst');

  // ---- close the leader's window (shared) or window 1 (alone) ----
  const [gone, stay, goneN, stayN] = !shared || a.role === 'leader' ? [h1, h2, 1, 2] : [h2, h1, 2, 1];
  const before = await wd.execIn(stay, STATE_JS);
  const srvBefore = await control('status', session);
  const resyncsBefore = before.batches.filter((x) => x.resync).length;
  const rolesBefore = before.roles.length;
  await wd.switchTo(gone);
  const tClose = Date.now();
  const left = await wd.closeWindow();
  const tClosed = Date.now();
  if (!Array.isArray(left) || !left.includes(stay) || left.includes(gone)) {
    throw new Fail(`DELETE /window left the handles ${JSON.stringify(left)} (expected [${stay}])`);
  }
  await wd.switchTo(stay);
  const newConn = (srv) => srv.totalConnections > srvBefore.totalConnections;
  await poll(`${shared ? 'handover to the remaining window' : "the closed window's socket gone"} (from the close request)`, HANDOVER_LIMIT_MS, 40, async () => {
    const [st, srv] = await Promise.all([wd.exec(STATE_JS), control('status', session)]);
    const resyncs = st.batches.filter((x) => x.resync).length - resyncsBefore;
    const done = shared
      ? srv.connections === 1 && newConn(srv) && subscribed(srv) === 1 && st.role === 'leader' && resyncs >= 1
      : srv.connections === 1 && subscribed(srv) === 1 && st.role === 'alone';
    return { done, state: { st, srv }, describe: `server ${srv.connections} connection(s), ${srv.totalConnections - srvBefore.totalConnections} new, ${subscribed(srv)} subscribed; window ${stayN}: ${brief(st)}, ${resyncs} new resync batch(es)` };
  }, tClose);
  const handoverMs = Date.now() - tClose;
  res.handover = handoverMs;
  // Nothing more may happen: still one connection, exactly one resync (shared) / none (alone).
  await sleep(SETTLE_MS);
  const after = await wd.exec(STATE_JS);
  const srvAfter = await control('status', session);
  const resyncs = after.batches.filter((x) => x.resync).length - resyncsBefore;
  if (srvAfter.connections !== 1) throw new Fail(`${SETTLE_MS} ms after the ${shared ? 'handover' : 'close'}: the server sees ${srvAfter.connections} connections`);
  if (resyncs !== (shared ? 1 : 0)) throw new Fail(`window ${stayN} got ${resyncs} resync batches after the close (expected ${shared ? 'exactly 1' : '0: its own socket never went away'})`);
  if (after.role !== (shared ? 'leader' : 'alone')) throw new Fail(`${SETTLE_MS} ms after the close window ${stayN} is ${after.role}`);
  if (shared && after.sharedTabs !== 1) throw new Fail(`the remaining window reports sharedTabs ${after.sharedTabs} (expected 1)`);
  if (shared) {
    // In-page times (page clock: performance.timeOrigin + now(), same machine as ours).
    const role = after.roles.slice(rolesBefore).find((x) => x.role === 'leader');
    const rs = after.batches.filter((x) => x.resync)[resyncsBefore];
    const fresh = srvAfter.totalConnections - srvBefore.totalConnections;
    const rel = (t) => (t === undefined ? '?' : `+${Math.round(t - tClose)} ms`);
    log(`closed window ${goneN} (the leader; DELETE /window took ${tClosed - tClose} ms): window ${stayN} is leader after ${handoverMs} ms ` +
      `(in the page: role ${rel(role?.at)}, resync batch ${rel(rs?.at)}); server: ${fresh} new connection(s), 1 open, subscribed; 1 resync batch, sharedTabs 1` +
      `${handoverMs > HANDOVER_TARGET_MS ? ` -- over the ${HANDOVER_TARGET_MS} ms target` : ''}`);
  } else {
    log(`closed window ${goneN}: server down to 1 connection after ${handoverMs} ms; window ${stayN} still "alone", no resync`);
  }
  await burst([stay], 'burst after the close');
  return res;
}

/** Ends the session (the browser must exit with it), then stops the driver. */
async function teardown(hold, log) {
  const notes = [];
  const { wd, driver, browserProcs } = hold;
  if (!driver) return notes;
  if (wd.session) {
    try {
      await wd.deleteSession();
    } catch (err) {
      notes.push(`DELETE session failed: ${err.message}`);
    }
    const until = Date.now() + STOP_MS;
    const alive = () => browserProcs.filter((p) => groupProcs(driver.pid).some((q) => q.pid === p.pid));
    while (alive().length && Date.now() < until) await sleep(100);
    const stuck = alive();
    if (stuck.length) notes.push(`browser still running ${STOP_MS} ms after the session ended: ${stuck.map((x) => `${x.comm}[${x.pid}]`).join(', ')} (killed)`);
  }
  const stopped = await stopGroup(driver);
  if (!stopped.clean) notes.push(`driver group did not exit on SIGTERM: ${stopped.left.map((x) => `${x.comm}[${x.pid}]`).join(', ')} (killed)`);
  if (notes.length === 0) {
    log(`stopped cleanly: the browser (${browserProcs.length} processes in the driver's group) exited with the session, then the driver`);
  }
  return notes;
}

// ---- main ----
let failed = 0;
try {
  await startServer();
} catch (err) {
  console.error(`${TAG}: FAILED: ${err.message}`);
  await stopGroup(server);
  process.exit(1);
}
for (const engine of engines) {
  const log = (msg) => console.log(`${TAG} ${engine}: ${msg}`);
  const t0 = Date.now();
  let res = null;
  let error = null;
  let guard;
  const hold = {};
  active = hold;
  try {
    res = await Promise.race([
      runEngine(engine, log, hold),
      new Promise((_, reject) => {
        guard = setTimeout(() => reject(new Fail(`the whole run took over ${ENGINE_MS} ms`)), ENGINE_MS);
      }),
    ]);
  } catch (err) {
    error = err;
  } finally {
    clearTimeout(guard);
  }
  const notes = await teardown(hold, log).catch((err) => [`teardown: ${err.message}`]);
  if (stopping) {
    console.error(`${TAG} ${engine}: interrupted`);
    failed++;
    break;
  }
  if (error) {
    failed++;
    console.error(`${TAG} ${engine}: FAILED (${error instanceof Fail ? error.message : error.stack}) after ${Date.now() - t0} ms`);
    // The driver's log (Firefox's is long and noisy) helps when the session never came up.
    if (hold.driver?.output.trim() && (!hold.sessionUp || verbose)) console.error(`${TAG} ${engine}: driver output (last lines):\n${tail(hold.driver.output, 25)}`);
    for (const n of notes) console.error(`${TAG} ${engine}: also: ${n}`);
  } else if (notes.length) {
    failed++;
    console.error(`${TAG} ${engine}: FAILED (${notes.join('; ')})`);
  } else {
    console.log(`${TAG} ${engine}: ok (` + (res.mode === 'shared'
      ? `handover ${res.handover} ms${res.handover > HANDOVER_TARGET_MS ? `, over the ${HANDOVER_TARGET_MS} ms target` : ''})`
      : `no Web Locks${nolocks ? ' (?nolocks=1)' : ''}: stand-alone managers checked, 2 sockets, close ${res.handover} ms)`));
  }
}
const srvStop = await stopGroup(server);
if (!srvStop.clean) console.error(`${TAG}: the event server did not exit on SIGTERM (killed)`);
process.exit(stopping ? 130 : failed ? 1 : 0);
