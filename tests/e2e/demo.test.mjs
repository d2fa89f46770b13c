// The demo page (www/dist/index.html) as a visitor sees it: served by the local event
// server generating chat traffic, it shows batches, survives a forced drop, and leaves
// a screenshot of the dashboard in tests/artifacts/dashboard.png.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { ARTIFACTS, openPage, serverAndBrowser, sleep, uniqueSession, waitFor } from "./helpers.mjs";

const env = serverAndBrowser(["--rate", "20"]);

const value = (page, id) => page.locator(`[data-testid=${id}]`).getAttribute("data-value").then(Number);
const statusText = (page) => page.locator("[data-testid=status-text]").textContent();

test("the dashboard shows batches and recovers after a forced drop", { timeout: 45000 }, async (t) => {
  const session = uniqueSession("demo");
  const page = await openPage(env.browser, `${env.server.origin}/?session=${session}`, { width: 1440, height: 900 });
  try {
    await waitFor(async () => (await statusText(page)) === "open", { timeoutMs: 10000, what: "status open" });
    await waitFor(async () => (await value(page, "batch-count")) > 5, { timeoutMs: 10000, what: "batches on the dashboard" });
    // Some texture for the plots: a WAN-like latency spread and a burst.
    await page.click("[data-testid=net-wan]");
    await sleep(1500);
    await page.click("[data-testid=burst-100]");
    await sleep(1500);

    const before = await env.server.control("status", session);
    assert.equal(before.connections, 1);
    const dropped = await env.server.control("drop", session); // terminate(): the page sees 1006
    assert.equal(dropped.dropped, 1);
    await waitFor(async () => (await env.server.control("status", session)).totalConnections > before.totalConnections, {
      timeoutMs: 10000,
      what: "the SDK to reconnect",
    });
    await waitFor(async () => (await statusText(page)) === "open" && (await value(page, "reconnects")) >= 1, {
      timeoutMs: 10000,
      what: "status back to open with a reconnect counted",
    });
    const batchesAfterReopen = await value(page, "batch-count");
    await waitFor(async () => (await value(page, "batch-count")) > batchesAfterReopen + 3, { timeoutMs: 10000, what: "batches to keep rising" });
    assert.equal((await env.server.control("status", session)).connections, 1, "one socket after the recovery");

    await sleep(1500);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/dashboard.png` });
    t.diagnostic(`screenshot: ${ARTIFACTS}/dashboard.png`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

const FAULTS = ["burst-100", "burst-2000", "drop", "stall", "refuse", "malformed"];
const logText = (page) => page.locator("[data-testid=log]").innerText();

test("every fault button says what it does and what to watch", { timeout: 30000 }, async () => {
  const session = uniqueSession("demo-hints");
  const page = await openPage(env.browser, `${env.server.origin}/?session=${session}`, { width: 1440, height: 900 });
  try {
    await waitFor(async () => (await statusText(page)) === "open", { timeoutMs: 10000, what: "status open" });
    for (const id of FAULTS) {
      const button = page.locator(`[data-testid=${id}]`);
      const label = (await button.innerText()).trim();
      const title = await button.getAttribute("title");
      assert.ok(title && title.includes("Watch:") && title.length > 40, `${id}: tooltip ${JSON.stringify(title)}`);
      const caption = page.locator(`[data-testid=caption-${id}]`);
      assert.ok(await caption.isVisible(), `${id}: no visible caption`);
      assert.ok((await caption.innerText()).trim().length >= 8, `${id}: caption too short`);
      await button.hover();
      await waitFor(async () => (await page.locator("[data-testid=fault-hint]").innerText()).startsWith(label), {
        timeoutMs: 2000,
        what: `the hint line to explain ${label}`,
      });
    }
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test("Refuse 5 s pressed on its own shows refused reconnect attempts", { timeout: 40000 }, async () => {
  const session = uniqueSession("demo-refuse");
  const page = await openPage(env.browser, `${env.server.origin}/?session=${session}`, { width: 1440, height: 900 });
  try {
    await waitFor(async () => (await statusText(page)) === "open", { timeoutMs: 10000, what: "status open" });
    const before = await env.server.control("status", session);
    await page.click("[data-testid=refuse]");
    await waitFor(async () => (await statusText(page)) !== "open", { timeoutMs: 3000, what: "the status to leave open" });
    await waitFor(async () => /connectFailed/.test(await logText(page)), { timeoutMs: 8000, what: "a refused attempt in the log" });
    await waitFor(async () => (await statusText(page)) === "open" && (await value(page, "reconnects")) >= 1, {
      timeoutMs: 15000,
      what: "the reconnect once the refusal is over",
    });
    const after = await env.server.control("status", session);
    assert.equal(after.connections, 1);
    assert.ok(after.totalConnections > before.totalConnections, "reconnected");
  } finally {
    await page.close();
  }
});

test("after Burst 2000 the latency panel is back to loopback latency within 15 s", { timeout: 45000 }, async (t) => {
  const session = uniqueSession("demo-burst");
  const page = await openPage(env.browser, `${env.server.origin}/?session=${session}`, { width: 1440, height: 900 });
  const p50 = () => page.locator("[data-testid=latency-p50]").getAttribute("data-value").then((v) => (v === "" ? NaN : Number(v)));
  try {
    await waitFor(async () => (await statusText(page)) === "open", { timeoutMs: 10000, what: "status open" });
    await waitFor(async () => (await p50()) < 25, { timeoutMs: 10000, what: "a loopback latency before the burst" });
    await page.click("[data-testid=burst-2000]");
    const pressed = Date.now();
    let peak = 0;
    await waitFor(async () => {
      peak = Math.max(peak, (await p50()) || 0);
      return Date.now() - pressed > 3000;
    }, { timeoutMs: 5000, what: "3 s of burst" });
    t.diagnostic(`p50 peak during the burst: ${peak} ms; SDK window: ${await page.locator("[data-testid=sdk-latency]").innerText()}`);
    await waitFor(async () => (await p50()) < 25, { timeoutMs: 15000 - (Date.now() - pressed), what: "p50 under 25 ms within 15 s of the burst" });
    t.diagnostic(`recovered ${Date.now() - pressed} ms after the burst`);
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
  }
});

test("the connection timeline and its log never cut or overlap their text", { timeout: 45000 }, async () => {
  const session = uniqueSession("demo-timeline");
  // A narrow window: the timeline is at its shortest.
  const page = await openPage(env.browser, `${env.server.origin}/?session=${session}`, { width: 1100, height: 900 });
  try {
    await waitFor(async () => (await statusText(page)) === "open", { timeoutMs: 10000, what: "status open" });
    // Reconnects close together, whose outage labels would collide, and long log lines.
    for (let i = 0; i < 4; i++) {
      const n = await value(page, "reconnects");
      await page.click("[data-testid=drop]");
      await waitFor(async () => (await statusText(page)) === "open" && (await value(page, "reconnects")) > n, { timeoutMs: 10000, what: `reconnect ${i + 1}` });
    }
    await page.click("[data-testid=malformed]");
    await waitFor(async () => /badFrame/.test(await logText(page)), { timeoutMs: 5000, what: "the badFrame error in the log" });
    await sleep(700);
    const layout = await page.evaluate(() => {
      const svg = document.querySelector("[data-testid=timeline] svg");
      const box = svg.getBoundingClientRect();
      const texts = [...svg.querySelectorAll("text")].map((el) => {
        const r = el.getBoundingClientRect();
        return { text: el.textContent, left: r.left - box.left, right: r.right - box.left, top: r.top - box.top, bottom: r.bottom - box.top, label: el.classList.contains("reconnect-label") };
      });
      const lines = [...document.querySelectorAll("[data-testid=log] li > span:last-child")].map((el) => ({ text: el.textContent, clipped: el.scrollWidth > el.clientWidth + 1 }));
      return { width: box.width, height: box.height, texts, lines };
    });
    const labels = layout.texts.filter((x) => x.label);
    assert.ok(labels.length >= 1, `no reconnect label: ${JSON.stringify(layout.texts)}`);
    for (const x of layout.texts) {
      assert.ok(x.left >= -0.5 && x.right <= layout.width + 0.5 && x.top >= -0.5 && x.bottom <= layout.height + 0.5, `cut off: ${JSON.stringify(x)} in ${layout.width}x${layout.height}`);
    }
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i], labels[j]];
        const overlap = a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
        assert.ok(!overlap, `labels overlap: ${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }
    }
    assert.ok(layout.lines.length >= 4, "log lines");
    for (const l of layout.lines) assert.ok(!l.clipped, `log line cut: ${l.text}`);
    assert.ok(layout.lines.some((l) => l.text.length > 60), "a long line is shown whole");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.locator("[data-testid=timeline]").screenshot({ path: `${ARTIFACTS}/dashboard-timeline.png` });
  } finally {
    await page.close();
  }
});
