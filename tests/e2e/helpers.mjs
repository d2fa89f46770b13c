// Shared pieces of the end-to-end tests: the local event server (one per test file,
// on a free port, serving the built www/dist), headless Debian Chromium driven by
// playwright-core from www/node_modules, the server's control channel, and bounded
// waits. Nothing here is mocked.

import { spawn } from "node:child_process";
import { after, before } from "node:test";
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DIST = `${ROOT}www/dist`;
export const ARTIFACTS = `${ROOT}tests/artifacts`;
const SERVER = `${ROOT}tests/server/server.mjs`;
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

const requireFromWww = createRequire(`${ROOT}www/package.json`);

/** Fails early with the command that builds what is missing. */
export function checkPrerequisites() {
  const missing = [];
  if (!existsSync(`${DIST}/index.html`)) missing.push("www/dist (run: (cd www && npm ci && npx vite build))");
  if (!existsSync(`${ROOT}tests/server/node_modules/ws`)) missing.push("tests/server/node_modules (run: bash scripts/setup.sh)");
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run: bash scripts/setup.sh)`);
  if (missing.length) throw new Error(`e2e prerequisites missing:\n  ${missing.join("\n  ")}`);
}

/**
 * Starts `tests/server/server.mjs --port 0 --static www/dist:/` (plus `args`) and resolves
 * once it printed `LISTENING <port>`. `stop()` sends SIGTERM and waits for the exit.
 */
export async function startServer(args = [], { timeoutMs = 10000 } = {}) {
  const child = spawn(process.execPath, [SERVER, "--port", "0", "--host", "127.0.0.1", "--static", `${DIST}:/`, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const port = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    child.stdout.on("data", (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stderr}`));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    host: `127.0.0.1:${port}`,
    /** GET (or POST with `body`) `/control/<name>?session=...&params`; resolves to the JSON. */
    async control(name, session, params = {}, body) {
      const q = new URLSearchParams({ session, ...params });
      const res = await fetch(`${origin}/control/${name}?${q}`, {
        method: body ? "POST" : "GET",
        headers: body ? { "content-type": "application/json" } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10000),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`/control/${name}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    stop: () => stopChild(child, exited),
  };
}

/** SIGTERM to a server started here, SIGKILL after 3 s; resolves once it exited. */
async function stopChild(child, exited) {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts the socket.io test server (`tests/socketio-server/server.mjs --port 0`, plus
 * `args`) and resolves once it listens: `{host, control(route, body), stop()}`.
 */
export async function startSocketIoServer(args = [], { timeoutMs = 10000 } = {}) {
  const child = spawn(process.execPath, [`${ROOT}tests/socketio-server/server.mjs`, "--port", "0", "--host", "127.0.0.1", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the socket.io test server did not start in ${timeoutMs} ms`)), timeoutMs);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^LISTENING (\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the socket.io test server exited (${code})`));
    });
  });
  const host = `127.0.0.1:${port}`;
  return {
    host,
    /** GET (or POST with `body`) `/control/<route>`; resolves to the JSON. */
    async control(route, body) {
      const res = await fetch(`http://${host}/control/${route}`, {
        method: body ? "POST" : "GET",
        headers: body ? { "content-type": "application/json" } : undefined,
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(10000),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`socket.io /control/${route}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    stop: () => stopChild(child, exited),
  };
}

/** Headless Debian Chromium (never a downloaded browser). */
export async function launchBrowser({ bfcache = false } = {}) {
  const { chromium } = requireFromWww("playwright-core");
  // `bfcache`: keep the back/forward cache, which Playwright turns off by default.
  const ignoreDefaultArgs = bfcache ? ["--disable-back-forward-cache"] : undefined;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, ignoreDefaultArgs, timeout: 20000 });
}

/** A new page whose console errors and page errors are collected in `page.problems`. */
export async function openPage(browser, url, { width = 1440, height = 900 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.problems = [];
  page.on("pageerror", (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") page.problems.push(`console: ${msg.text()}`);
  });
  page.setDefaultTimeout(10000);
  await page.goto(url, { waitUntil: "load", timeout: 15000 });
  return page;
}

/** Polls `probe()` until it returns a truthy value (returned) or `timeoutMs` passes (throws). */
export async function waitFor(probe, { timeoutMs = 10000, intervalMs = 50, what = "condition" } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(intervalMs);
  }
}

/** A session name no other test uses. */
export function uniqueSession(name) {
  return `e2e-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

export { sleep };

/**
 * The local server (with `serverArgs`) and one browser for a whole test file, started
 * before its first test and stopped after its last: read them as `env.server` and
 * `env.browser`.
 */
export function serverAndBrowser(serverArgs = []) {
  const env = { server: undefined, browser: undefined };
  before(async () => {
    checkPrerequisites();
    [env.server, env.browser] = await Promise.all([startServer(serverArgs), launchBrowser()]);
  }, { timeout: 30000 });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  }, { timeout: 15000 });
  return env;
}
