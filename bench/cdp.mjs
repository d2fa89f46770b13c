// A minimal Chrome DevTools Protocol driver over --remote-debugging-pipe, enough for
// the benchmarks: launch, open a page, evaluate, read performance metrics, receive a
// binding's calls, intercept responses to add headers, close.
//
// Why not Playwright: Playwright enables the Network domain on every page it drives,
// and with it Chromium's renderer serialises every WebSocket frame (payload included)
// into a `Network.webSocketFrameReceived` event. On this 2-core machine that cost
// ~20 us of the page's main thread per 1.4 KB frame, more than the contestants
// themselves; this driver never enables the Network domain.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class Browser {
  constructor(proc, userDataDir) {
    this.proc = proc;
    this.userDataDir = userDataDir;
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = new Map(); // `${sessionId}|${method}` -> [fn]
    this.closed = false;
    let buf = '';
    const out = proc.stdio[4];
    out.setEncoding('utf8');
    out.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\0')) >= 0) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        this.onMessage(JSON.parse(text));
      }
    });
    proc.on('exit', () => {
      this.closed = true;
      for (const { reject, method } of this.pending.values()) reject(new Error(`browser exited during ${method}`));
      this.pending.clear();
    });
  }

  onMessage(msg) {
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}${msg.error.data ? ` (${msg.error.data})` : ''}`));
      else p.resolve(msg.result);
      return;
    }
    const fns = this.listeners.get(`${msg.sessionId || ''}|${msg.method}`);
    if (fns) for (const fn of fns) fn(msg.params);
  }

  send(method, params = {}, sessionId = undefined) {
    if (this.closed) return Promise.reject(new Error(`browser closed (${method})`));
    const id = this.nextId++;
    const msg = { id, method, params };
    if (sessionId) msg.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.proc.stdio[3].write(JSON.stringify(msg) + '\0');
    });
  }

  on(sessionId, method, fn) {
    const key = `${sessionId || ''}|${method}`;
    if (!this.listeners.has(key)) this.listeners.set(key, []);
    this.listeners.get(key).push(fn);
  }

  async version() {
    const v = await this.send('Browser.getVersion');
    return v.product.replace(/^(Headless)?Chrome\//, '');
  }

  /** A new tab at about:blank, attached (flattened session). */
  async newPage() {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    return new Page(this, targetId, sessionId);
  }

  async close() {
    if (!this.closed) {
      await Promise.race([this.send('Browser.close').catch(() => {}), new Promise((r) => setTimeout(r, 3000))]);
      if (!this.closed) this.proc.kill('SIGKILL');
      await new Promise((r) => (this.closed ? r() : this.proc.once('exit', r)));
    }
    // Chromium's helper processes may still be finishing writes into the profile.
    for (let i = 0; i < 10; i++) {
      try {
        rmSync(this.userDataDir, { recursive: true, force: true });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
}

export class Page {
  constructor(browser, targetId, sessionId) {
    this.browser = browser;
    this.targetId = targetId;
    this.sessionId = sessionId;
    this.errors = [];
  }

  send(method, params) {
    return this.browser.send(method, params, this.sessionId);
  }

  on(method, fn) {
    this.browser.on(this.sessionId, method, fn);
  }

  /** Collects uncaught exceptions and console errors/warnings of the page. */
  async watchErrors() {
    this.on('Runtime.exceptionThrown', (p) => this.errors.push(`exception: ${p.exceptionDetails.exception?.description || p.exceptionDetails.text}`));
    this.on('Runtime.consoleAPICalled', (p) => {
      if (p.type === 'error' || p.type === 'warning') this.errors.push(`${p.type}: ${p.args.map((a) => a.value ?? a.description).join(' ')}`);
    });
    await this.send('Runtime.enable');
  }

  /**
   * Adds response headers to every response whose URL starts with `prefix`: the
   * response is paused (Fetch domain, response stage) and fulfilled again with its own
   * status and body and the extra headers. (Only overriding the headers with
   * Fetch.continueResponse is not enough for COOP/COEP to take effect.)
   */
  async addResponseHeaders(prefix, headers) {
    this.on('Fetch.requestPaused', async (p) => {
      try {
        const keep = (p.responseHeaders || []).filter((h) => !(h.name.toLowerCase() in headers));
        const extra = Object.entries(headers).map(([name, value]) => ({ name, value }));
        const { body, base64Encoded } = await this.send('Fetch.getResponseBody', { requestId: p.requestId });
        await this.send('Fetch.fulfillRequest', {
          requestId: p.requestId,
          responseCode: p.responseStatusCode,
          responseHeaders: [...keep, ...extra],
          body: base64Encoded ? body : Buffer.from(body).toString('base64'),
        });
      } catch {
        await this.send('Fetch.continueRequest', { requestId: p.requestId }).catch(() => {});
      }
    });
    const prefixes = Array.isArray(prefix) ? prefix : [prefix];
    await this.send('Fetch.enable', { patterns: prefixes.map((x) => ({ urlPattern: `${x}*`, requestStage: 'Response' })) });
  }

  /** Navigates and waits for the load event. */
  async goto(url, timeoutMs = 30000) {
    await this.send('Page.enable');
    const loaded = new Promise((resolve) => this.on('Page.loadEventFired', resolve));
    const nav = await this.send('Page.navigate', { url });
    if (nav.errorText) throw new Error(`navigate ${url}: ${nav.errorText}`);
    await withTimeout(loaded, timeoutMs, `load ${url}`);
  }

  /**
   * Evaluates `fn(arg)` in the page (fn is serialised: it must not close over
   * anything) and returns its JSON result; awaits a returned promise.
   */
  async evaluate(fn, arg, timeoutMs = 180000) {
    const expression = `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`;
    const r = await withTimeout(this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }), timeoutMs, 'evaluate');
    if (r.exceptionDetails) {
      const d = r.exceptionDetails;
      throw new Error(`page: ${d.exception?.description || d.text}`);
    }
    return r.result.value;
  }

  /** `window[name](payload)` in the page calls `fn(payload)` here. */
  async exposeBinding(name, fn) {
    this.on('Runtime.bindingCalled', (p) => {
      if (p.name === name) fn(p.payload);
    });
    await this.send('Runtime.addBinding', { name });
  }
}

export function withTimeout(p, ms, what) {
  let t;
  const timeout = new Promise((_, reject) => {
    t = setTimeout(() => reject(new Error(`timeout: ${what} (${ms} ms)`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/** Launches `executable` headless with the DevTools protocol on fds 3 (in) and 4 (out). */
export async function launch(executable, args = []) {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'bench-chromium-'));
  const proc = spawn(executable, ['--headless', '--remote-debugging-pipe', `--user-data-dir=${userDataDir}`, ...args, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const browser = new Browser(proc, userDataDir);
  try {
    await withTimeout(browser.send('Browser.getVersion'), 30000, 'browser start');
  } catch (e) {
    proc.kill('SIGKILL');
    throw new Error(`${e.message}\n${stderr}`);
  }
  return browser;
}
