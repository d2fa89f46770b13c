// The demo page (www/dist/index.html) as a visitor sees it: served by the local event
// server generating chat traffic, it shows batches, survives a forced drop, and leaves
// a screenshot of the dashboard in tests/artifacts/dashboard.png.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { ARTIFACTS, checkPrerequisites, launchBrowser, openPage, sleep, startServer, uniqueSession, waitFor } from "./helpers.mjs";

let server;
let browser;

before(async () => {
  checkPrerequisites();
  [server, browser] = await Promise.all([startServer(["--rate", "20"]), launchBrowser()]);
}, { timeout: 30000 });
after(async () => {
  await browser?.close();
  await server?.stop();
}, { timeout: 15000 });

const value = (page, id) => page.locator(`[data-testid=${id}]`).getAttribute("data-value").then(Number);
const statusText = (page) => page.locator("[data-testid=status-text]").textContent();

test("the dashboard shows batches and recovers after a forced drop", { timeout: 45000 }, async (t) => {
  const session = uniqueSession("demo");
  const page = await openPage(browser, `${server.origin}/?session=${session}`, { width: 1440, height: 900 });
  try {
    await waitFor(async () => (await statusText(page)) === "open", { timeoutMs: 10000, what: "status open" });
    await waitFor(async () => (await value(page, "batch-count")) > 5, { timeoutMs: 10000, what: "batches on the dashboard" });
    // Some texture for the plots: a WAN-like latency spread and a burst.
    await page.click("[data-testid=net-wan]");
    await sleep(1500);
    await page.click("[data-testid=burst-100]");
    await sleep(1500);

    const before = await server.control("status", session);
    assert.equal(before.connections, 1);
    const dropped = await server.control("drop", session); // terminate(): the page sees 1006
    assert.equal(dropped.dropped, 1);
    await waitFor(async () => (await server.control("status", session)).totalConnections > before.totalConnections, {
      timeoutMs: 10000,
      what: "the SDK to reconnect",
    });
    await waitFor(async () => (await statusText(page)) === "open" && (await value(page, "reconnects")) >= 1, {
      timeoutMs: 10000,
      what: "status back to open with a reconnect counted",
    });
    const batchesAfterReopen = await value(page, "batch-count");
    await waitFor(async () => (await value(page, "batch-count")) > batchesAfterReopen + 3, { timeoutMs: 10000, what: "batches to keep rising" });
    assert.equal((await server.control("status", session)).connections, 1, "one socket after the recovery");

    await sleep(1500);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png` });
    t.diagnostic(`screenshot: ${ARTIFACTS}/dashboard.png`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});
