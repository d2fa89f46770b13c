// The React provider with `protocol: "socketio"` in headless Chromium, against the
// socket.io test server (tests/socketio-server): the Socket.IO build is loaded on first
// use, the hooks see its manager, an emit is echoed back into a batch.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openPage, serverAndBrowser, startSocketIoServer, waitFor } from "./helpers.mjs";

const env = serverAndBrowser();
let sio;

before(async () => {
  sio = await startSocketIoServer();
}, { timeout: 15000 });

after(() => sio?.stop());

describe("React with protocol socketio", () => {
  test("the provider loads the Socket.IO build and its hooks get the events", { timeout: 30000 }, async () => {
    const ns = `/guild/${Date.now()}`;
    const page = await openPage(env.browser, `${env.server.origin}/test-pages/socketio.html?sio=${sio.host}&ns=${encodeURIComponent(ns)}`);
    try {
      const read = () => page.evaluate(() => JSON.parse(JSON.stringify(window.__test)));
      const logs = [];
      page.on("console", (m) => logs.push(m.text()));
      page.on("pageerror", (e) => logs.push(String(e)));
      await waitFor(async () => (await read()).status === "open", { timeoutMs: 10000, what: "status open" }).catch(async (e) => {
        throw new Error(`${e.message}; page: ${JSON.stringify(await read())}; console: ${logs.join(" | ")}`);
      });
      await waitFor(async () => (await read()).lastArgs !== null, { timeoutMs: 10000, what: "the echo in a batch" });
      const t = await read();
      assert.deepEqual(t.lastArgs, [{ from: "react" }]);
      assert.ok(t.emitted, "m.of(ns).emit returned true");
      assert.ok(t.batches >= 1 && t.events >= 1);
      assert.deepEqual(t.errors, []);
    } finally {
      await page.close();
    }
  });
});
