// The React hooks (calimero-socket/react) in headless Chromium against the local event
// server, through the test pages built from www/test-pages (React development build).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { openPage, serverAndBrowser, sleep, uniqueSession, waitFor } from "./helpers.mjs";

const env = serverAndBrowser();

const pageUrl = (name, session, extra = "") => `${env.server.origin}/test-pages/${name}.html?session=${session}${extra}`;
const read = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__test)));
const status = (session) => env.server.control("status", session);

async function waitOpen(page, timeoutMs = 10000) {
  await waitFor(async () => (await read(page))?.status === "open", { timeoutMs, what: "status open" });
}

describe("hooks under StrictMode open exactly one connection", () => {
  for (const mode of ["provider", "standalone"]) {
    test(mode, { timeout: 30000 }, async () => {
      const session = uniqueSession(`strict-${mode}`);
      const page = await openPage(env.browser, pageUrl("strict", session, `&mode=${mode}`));
      try {
        await waitOpen(page);
        await sleep(1000); // settle: a late second socket would show up by now
        const s = await status(session);
        assert.equal(s.totalConnections, 1, `connections ever opened: ${JSON.stringify(s)}`);
        assert.equal(s.connections, 1);
        const t = await read(page);
        assert.equal(t.effectMounts, 2, "StrictMode double-mounted the effects (development build)");
        assert.equal(t.stats?.connectAttempts, 1);
        assert.equal(t.errors.length, 0, t.errors.join("\n"));

        // Traffic reaches every hook through the one socket.
        await env.server.control("burst", session, { count: 5, path: "json", kinds: "MessageSent" });
        await waitFor(async () => (await read(page)).frames === 10, { timeoutMs: 5000, what: "5 frames to both useBatches components" });

        await page.evaluate(() => window.__unmount());
        await waitFor(async () => (await status(session)).connections === 0, { timeoutMs: 5000, what: "the socket closed after unmount" });
        assert.equal((await status(session)).totalConnections, 1, "no reconnect after unmount");
        const live = await page.evaluate(() => window.__liveHandles());
        assert.deepEqual(live, { sockets: 0, listeners: 0, timers: 0 }, "the manager was closed and freed");
        assert.deepEqual(page.problems, []);
      } finally {
        await page.close();
      }
    });
  }
});

test("useRefreshFlags calls each raised flag's handler once per burst", { timeout: 30000 }, async () => {
  const session = uniqueSession("flags");
  const page = await openPage(env.browser, pageUrl("flags", session, "&protocol=calimero"));
  try {
    await waitOpen(page);
    await waitFor(async () => (await status(session)).subscriptions[0]?.length === 1, { timeoutMs: 5000, what: "the subscription" });
    await sleep(300);
    const frames = Array.from({ length: 10 }, (_, i) => ({ kinds: [i === 3 ? "ChannelCreated" : i === 7 ? "DMCreated" : "MessageSent"] }));
    const sent = await env.server.control("burst", session, {}, { path: "ws", frames });
    assert.equal(sent.sent, 10);
    await waitFor(async () => (await read(page)).batches.reduce((n, b) => n + b.size, 0) === 10, { timeoutMs: 5000, what: "10 frames batched" });
    await sleep(500); // nothing more may come
    const t = await read(page);
    assert.equal(t.batches.length, 1, `one batch: ${JSON.stringify(t.batches)}`);
    // `changed` is raised by every state frame.
    assert.deepEqual([...t.batches[0].flags].sort(), ["changed", "channels", "dms", "messages"]);
    assert.deepEqual(t.calls, { channels: 1, messages: 1, dms: 1, members: 0 });
    assert.equal(t.errors.length, 0, t.errors.join("\n"));
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test("a burst of 100 frames costs at most one render per batch", { timeout: 30000 }, async (t0) => {
  const session = uniqueSession("renders");
  const page = await openPage(env.browser, pageUrl("renders", session));
  try {
    await waitOpen(page);
    await sleep(300);
    const before = await read(page);
    await env.server.control("burst", session, { count: 100, path: "json" });
    await waitFor(async () => (await read(page)).frames - before.frames === 100, { timeoutMs: 5000, what: "100 frames delivered" });
    await sleep(500);
    const t = await read(page);
    const batches = t.batches - before.batches;
    const renders = t.renders - before.renders;
    t0.diagnostic(`100 frames -> ${batches} batches -> ${renders} renders`);
    assert.ok(batches >= 1 && batches <= 100, `batches: ${batches}`);
    assert.ok(renders <= batches + 1, `renders ${renders} > batches ${batches} + 1`);
    assert.ok(renders <= 25, `renders ${renders}: far fewer than 100 frames`);
    assert.ok(t.flagCalls >= 1);
    assert.equal(t.errors.length, 0, t.errors.join("\n"));
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});
