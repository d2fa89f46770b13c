// `shareAcrossTabs` (issue 15) in headless Chromium against the local event server:
// several tabs of one origin in ONE browser context (they share Web Locks and
// BroadcastChannel) run the test page www/test-pages/tabs.html, one manager each, and
// must share one WebSocket. The server's `/control/status` counts the sockets and their
// subscriptions; `received` shows what the tabs sent through the leader.
//
// Run alone: node --test tests/e2e/tabs.test.mjs   (needs www/dist built from this tree)
//
// Browser facts these tests rely on (checked in headless Debian Chromium 156):
// - tabs opened with context.newPage() get their own renderer process, so a CDP
//   `Debugger.pause` in one stops only that page;
// - a page paused in the debugger keeps its WebSocket open (the server still counts
//   it), gets the frames sent meanwhile once resumed, but LOSES the BroadcastChannel
//   messages posted to it meanwhile; a Web Lock stolen from it is reported (AbortError)
//   once it resumes;
// - page.evaluate() on a paused page never returns, hence `ev()` with a bound.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { launchBrowser, serverAndBrowser, sleep, startSocketIoServer, uniqueSession, waitFor } from "./helpers.mjs";
import { encode } from "../server/base58.mjs";

const env = serverAndBrowser();

/** A valid Calimero context id (base58 of 32 bytes) per name; CTX0 is the page's default. */
const ctxId = (name) => encode(createHash("sha256").update(`tabs-e2e:${name}`).digest());
const CTX0 = "29d2S7vB453rNYFdR5Ycwt7y9haRT5fwVwL9zTmBhfV2";
const CTX1 = ctxId("one");
const CTX2 = ctxId("two");
const CTX_A = ctxId("only-the-first-leader");
const CTX_X = ctxId("followers-only");

/** The spec's handover bound is 1 s; asserted with slack (2 shared cores), measured exactly. */
const HANDOVER_LIMIT_MS = 3000;
const FEATURE_HINT = "shareAcrossTabs (issue 15) is missing from this build: rebuild with `bash scripts/build.sh && (cd www && npx vite build)`";

const status = (session) => env.server.control("status", session);
const received = (session, clear = false) => env.server.control("received", session, clear ? { clear: 1 } : {}).then((r) => r.frames);
const sorted = (a) => [...a].sort();

/** page.evaluate with a bound: a page paused in the debugger never answers. */
async function ev(page, fn, arg, ms = 5000) {
  let timer;
  const bound = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`page.evaluate got no answer in ${ms} ms (page paused or hung?)`)), ms);
  });
  try {
    return await Promise.race([page.evaluate(fn, arg), bound]);
  } finally {
    clearTimeout(timer);
  }
}

/** What a tab saw, as plain JSON. */
const snap = (page, ms) =>
  ev(
    page,
    () => {
      const t = window.__tabs;
      const s = t.stats();
      return JSON.parse(
        JSON.stringify({
          role: t.role(),
          status: t.status(),
          sharedTabs: s.sharedTabs,
          roles: t.roles.map((r) => r.role),
          resyncs: t.resyncs(),
          batches: t.batches,
          errors: t.errors,
          pageErrors: t.pageErrors,
        }),
      );
    },
    undefined,
    ms,
  );
const roleOf = (page, ms) => ev(page, () => window.__tabs.role(), undefined, ms);

/**
 * Opens the tabs page in `context` (query `params` on top of `session`) and waits until
 * its manager exists. Fails at once, with the page's error, when the page threw (an SDK
 * without the option refuses the unknown key `shareAcrossTabs`), and when `m.role` is
 * not a string.
 */
async function openTab(context, session, params = {}) {
  const page = await context.newPage();
  page.pageErrors = [];
  page.on("pageerror", (err) => page.pageErrors.push(err.message));
  page.setDefaultTimeout(10000);
  const q = new URLSearchParams({ session, ...params });
  await page.goto(`${env.server.origin}/test-pages/tabs.html?${q}`, { waitUntil: "load", timeout: 15000 });
  const state = await waitFor(
    () => page.evaluate(() => window.__tabs && (window.__tabs.ready || window.__tabs.pageErrors.length) && { ready: window.__tabs.ready, errors: window.__tabs.pageErrors }),
    { timeoutMs: 10000, what: "the tabs page's manager" },
  );
  if (!state.ready) throw new Error(`the tabs page failed to start: ${state.errors.join("; ")}\n${FEATURE_HINT}`);
  const role = await roleOf(page);
  if (typeof role !== "string") throw new Error(`m.role is ${JSON.stringify(role)}, not a string.\n${FEATURE_HINT}`);
  return page;
}
const openTabs = (context, n, session, params) => Promise.all(Array.from({ length: n }, () => openTab(context, session, params)));

/** Opens the first tab of a group (as `openTab`) and waits until it leads. */
async function openLeader(context, session, params = {}) {
  const page = await openTab(context, session, params);
  await waitFor(async () => (await roleOf(page)) === "leader", { timeoutMs: 5000, what: "the first tab leads" });
  return page;
}

/**
 * Waits until `pages` share one socket: every one leader or follower, exactly one
 * leader, every `stats().sharedTabs` = pages.length. Resolves to the leader's page.
 */
async function waitShared(pages, timeoutMs = 5000) {
  let last;
  let leader;
  try {
    await waitFor(
      async () => {
        last = await Promise.all(pages.map((p) => snap(p)));
        leader = pages[last.findIndex((x) => x.role === "leader")];
        return last.filter((x) => x.role === "leader").length === 1 && last.every((x) => (x.role === "leader" || x.role === "follower") && x.sharedTabs === pages.length);
      },
      { timeoutMs },
    );
  } catch (err) {
    const seen = last && JSON.stringify({ roles: last.map((x) => x.role), sharedTabs: last.map((x) => x.sharedTabs) });
    throw new Error(`${pages.length} tabs not sharing one socket (want one leader, the rest followers, sharedTabs = ${pages.length}) after ${timeoutMs} ms: ${seen ?? err.message}`);
  }
  return leader;
}

/** The server has exactly one open socket, subscribed to at least `contexts`. */
const oneSocketWith = (s, contexts) => s.connections === 1 && contexts.every((c) => s.subscriptions[0]?.includes(c));

/** How often each context id was in a subscribe frame the server got. */
function subscribeCounts(frames, method = "subscribe") {
  const n = {};
  for (const f of frames) {
    let m;
    try {
      m = JSON.parse(f);
    } catch {
      continue;
    }
    if (m?.method !== method) continue;
    for (const c of m.params?.contextIds ?? []) n[c] = (n[c] ?? 0) + 1;
  }
  return n;
}

/** A tab's batches after the first `from`, folded: frames, flags raised, kinds, contexts. */
function fold(batches, from = 0) {
  const out = { size: 0, flags: new Set(), kinds: {}, contextIds: new Set() };
  for (const b of batches.slice(from)) {
    out.size += b.size;
    for (const f of b.flags) if (f !== "resync") out.flags.add(f);
    for (const [k, v] of Object.entries(b.kinds)) out.kinds[k] = (out.kinds[k] ?? 0) + v;
    for (const c of b.contextIds) out.contextIds.add(c);
  }
  return { size: out.size, flags: sorted(out.flags), kinds: out.kinds, contextIds: sorted(out.contextIds) };
}

/** Nearest-rank percentile of sorted numbers. */
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];

/** Closes the context (every page in it) and resets the session's server state. */
async function cleanup(session, ...contexts) {
  await Promise.all(contexts.filter(Boolean).map((c) => c.close().catch(() => {})));
  await env.server.control("reset", session).catch(() => {});
}

const noPageErrors = (pages) => assert.deepEqual(pages.flatMap((p) => p.pageErrors), [], "page errors");

/** A test with a session and a browser context of its own, both cleaned up after it. */
function tabsTest(name, fn, { timeout = 60000 } = {}) {
  test(name, { timeout }, async (t) => {
    const session = uniqueSession("tabs");
    const context = await env.browser.newContext();
    try {
      await fn({ t, session, context });
    } finally {
      await cleanup(session, context);
    }
  });
}

describe("shareAcrossTabs", () => {
  test("5 tabs share one socket: one connection, each context subscribed once, every tab gets the burst", { timeout: 60000 }, async (t) => {
    const session = uniqueSession("tabs-five");
    const context = await env.browser.newContext();
    try {
      // Four tabs want CTX0+CTX1, the fifth CTX2 too: the union is 3 contexts.
      const base = [CTX0, CTX1];
      const pages = await Promise.all([
        ...Array.from({ length: 4 }, () => openTab(context, session, { contexts: base.join(",") })),
        openTab(context, session, { contexts: [...base, CTX2].join(",") }),
      ]);
      await waitShared(pages, 10000);
      await waitFor(async () => oneSocketWith(await status(session), [CTX0, CTX1, CTX2]), { timeoutMs: 5000, what: "the union subscribed" });
      await sleep(500); // a late second socket or a repeated subscribe would show by now
      const s = await status(session);
      assert.equal(s.connections, 1, `open sockets: ${JSON.stringify(s.subscriptions)}`);
      assert.equal(s.totalConnections, 1, "one socket ever opened (no tab connected before the election)");
      assert.deepEqual(sorted(s.subscriptions[0]), sorted([CTX0, CTX1, CTX2]));
      const counts = subscribeCounts(await received(session));
      assert.deepEqual(counts, { [CTX0]: 1, [CTX1]: 1, [CTX2]: 1 }, "each context in exactly one subscribe frame");
      const roles = await Promise.all(pages.map((p) => roleOf(p)));
      assert.deepEqual(sorted(roles), ["follower", "follower", "follower", "follower", "leader"]);
      for (const p of pages) assert.equal((await snap(p)).sharedTabs, 5);

      // A non-shared tab on the same session is the reference: its own socket, same frames.
      const ref = await openTab(context, session, { contexts: base.join(","), share: "0" });
      await waitFor(async () => (await status(session)).connections === 2 && (await status(session)).subscriptions.every((x) => x.length >= 2), { timeoutMs: 5000, what: "the reference tab's socket" });
      assert.equal(await roleOf(ref), "alone");
      assert.equal((await snap(pages[0])).sharedTabs, 5, "a share=0 tab is not counted");
      await sleep(300);
      const before = await Promise.all([...pages, ref].map(async (p) => (await snap(p)).batches.length));
      const kinds = ["MessageSent", "ChannelCreated", "DMCreated", "ChatJoined", "MessageSent", "ReactionUpdated"];
      const frames = Array.from({ length: 12 }, (_, i) => ({ contextId: base[i % 2], kinds: [kinds[i % kinds.length]] }));
      const sent = await env.server.control("burst", session, {}, { path: "ws", frames });
      assert.equal(sent.sent, 12);
      assert.equal(sent.deliveries, 24, "the burst went to 2 sockets (shared + reference)");
      const all = [...pages, ref];
      await waitFor(async () => (await Promise.all(all.map(async (p, i) => fold((await snap(p)).batches, before[i]).size))).every((n) => n === 12), {
        timeoutMs: 5000,
        what: "12 frames batched in every tab",
      });
      await sleep(300); // nothing more may come
      const seen = await Promise.all(all.map(async (p, i) => fold((await snap(p)).batches, before[i])));
      const expected = seen[5];
      assert.deepEqual(expected.flags, ["changed", "channels", "dms", "members", "messages"], "the reference tab's flags");
      assert.deepEqual(expected.kinds, { MessageSent: 4, ChannelCreated: 2, DMCreated: 2, ChatJoined: 2, ReactionUpdated: 2 });
      for (let i = 0; i < 5; i++) assert.deepEqual(seen[i], expected, `tab ${i} got what the non-shared tab got`);
      t.diagnostic(`batches per tab for the burst: ${JSON.stringify(await Promise.all(all.map(async (p, i) => (await snap(p)).batches.length - before[i])))}`);
      noPageErrors(all);
    } finally {
      await cleanup(session, context);
    }
  });

  test("closing the leader tab: a follower takes over, one resync each, the union re-subscribed; handover timing", { timeout: 120000 }, async (t) => {
    const session = uniqueSession("tabs-handover");
    const context = await env.browser.newContext();
    try {
      // The first tab is the leader (opened alone first) and the only one wanting CTX_A.
      const first = await openLeader(context, session, { contexts: [CTX0, CTX_A].join(",") });
      const rest = await Promise.all([
        openTab(context, session, { contexts: CTX0 }),
        openTab(context, session, { contexts: [CTX0, CTX1].join(",") }),
        openTab(context, session, { contexts: [CTX0, CTX2].join(",") }),
      ]);
      assert.ok((await waitShared([first, ...rest])) === first, "the first tab still leads");
      const union = [CTX0, CTX1, CTX2];
      await waitFor(async () => oneSocketWith(await status(session), [...union, CTX_A]), { timeoutMs: 5000, what: "all four contexts subscribed" });
      await sleep(300);
      const resyncsBefore = await Promise.all(rest.map(async (p) => (await snap(p)).resyncs));
      const total0 = (await status(session)).totalConnections;
      await received(session, true);

      const t0 = Date.now();
      await first.close();
      await waitFor(async () => {
        const s = await status(session);
        return s.totalConnections > total0 && oneSocketWith(s, union);
      }, { timeoutMs: 5000, intervalMs: 10, what: "a new socket subscribed to the union" });
      const took = Date.now() - t0;
      t.diagnostic(`first handover: ${took} ms`);
      assert.ok(took < HANDOVER_LIMIT_MS, `handover took ${took} ms (spec: 1 s)`);
      await waitShared(rest);
      await waitFor(async () => (await Promise.all(rest.map(async (p, i) => (await snap(p)).resyncs - resyncsBefore[i]))).every((n) => n >= 1), { timeoutMs: 3000, what: "a resync batch in every remaining tab" });
      await sleep(500);
      const after = await Promise.all(rest.map((p) => snap(p)));
      assert.deepEqual(after.map((x, i) => x.resyncs - resyncsBefore[i]), [1, 1, 1], "exactly one resync batch per tab");
      let s = await status(session);
      assert.equal(s.connections, 1);
      assert.equal(s.totalConnections, total0 + 1, "one new socket");
      // CTX_A belonged to the closed tab only: it is not kept (re-subscribed then released at worst).
      await waitFor(async () => sorted((await status(session)).subscriptions[0] ?? []).join() === sorted(union).join(), { timeoutMs: 5000, what: "the remaining tabs' union exactly" });
      const counts = subscribeCounts(await received(session));
      for (const c of union) assert.equal(counts[c], 1, `${c} re-subscribed once: ${JSON.stringify(counts)}`);

      // Handover measurement: 20 closes of the current leader among 3 tabs, a fresh tab
      // opened after each; page.close() -> the server sees the new socket subscribed.
      let tabs = rest;
      const baseResyncs = new Map(tabs.map((p, i) => [p, after[i].resyncs]));
      const survived = new Map(tabs.map((p) => [p, 0]));
      const times = [];
      for (let i = 0; i < 20; i++) {
        const leader = await waitShared(tabs);
        const others = tabs.filter((p) => p !== leader);
        const want = [CTX0]; // every tab wants CTX0
        const total = (await status(session)).totalConnections;
        await received(session, true);
        const start = Date.now();
        await leader.close();
        // Done when the server counted a new socket and got its subscribe (the old
        // socket may still be closing: both would list CTX0 in `status`).
        await waitFor(async () => {
          const [st, frames] = await Promise.all([status(session), received(session)]);
          return st.totalConnections > total && subscribeCounts(frames)[CTX0] >= 1;
        }, { timeoutMs: 5000, intervalMs: 10, what: `handover ${i + 1}: the new socket subscribed` });
        const ms = Date.now() - start;
        times.push(ms);
        assert.ok(ms < HANDOVER_LIMIT_MS, `handover ${i + 1} took ${ms} ms (spec: 1 s)`);
        await waitFor(async () => oneSocketWith(await status(session), want), { timeoutMs: 3000, what: `handover ${i + 1}: one socket again` });
        for (const p of others) survived.set(p, survived.get(p) + 1);
        const fresh = await openTab(context, session, { contexts: i % 2 ? CTX0 : [CTX0, CTX1].join(",") });
        tabs = [...others, fresh];
        await waitShared(tabs);
        baseResyncs.set(fresh, (await snap(fresh)).resyncs);
        survived.set(fresh, 0);
      }
      const xs = [...times].sort((a, b) => a - b);
      const line = `HANDOVER p50=${pct(xs, 0.5)}ms p99=${pct(xs, 0.99)}ms max=${xs.at(-1)}ms n=${xs.length}`;
      console.log(line); // one line for BENCHMARKS.md
      // Every surviving tab got exactly one resync per handover it lived through.
      await waitFor(async () => (await Promise.all(tabs.map(async (p) => (await snap(p)).resyncs - baseResyncs.get(p) >= survived.get(p)))).every(Boolean), { timeoutMs: 3000, what: "the last handover's resync batches" });
      await sleep(300);
      for (const p of tabs) assert.equal((await snap(p)).resyncs - baseResyncs.get(p), survived.get(p), "one resync per handover survived");
      s = await status(session);
      assert.equal(s.connections, 1);
      noPageErrors(tabs);
    } finally {
      await cleanup(session, context);
    }
  });

  test("a hung leader (Debugger.pause) is replaced; resumed, it becomes a follower and closes its socket", { timeout: 60000 }, async (t) => {
    const session = uniqueSession("tabs-hung");
    const context = await env.browser.newContext();
    let cdp;
    let paused = false;
    try {
      const leader = await openLeader(context, session);
      const followers = await openTabs(context, 2, session);
      await waitShared([leader, ...followers]);
      await waitFor(async () => oneSocketWith(await status(session), [CTX0]), { timeoutMs: 5000, what: "the subscription" });
      const resyncsBefore = await Promise.all([leader, ...followers].map(async (p) => (await snap(p)).resyncs));
      const total0 = (await status(session)).totalConnections;

      cdp = await context.newCDPSession(leader);
      await cdp.send("Debugger.enable");
      let pausedAt = 0;
      cdp.on("Debugger.paused", () => {
        pausedAt ||= Date.now();
      });
      cdp.on("Debugger.resumed", () => {
        paused = false;
      });
      await cdp.send("Debugger.pause");
      // The pause takes effect at the next JS the page runs: make it run some now.
      cdp.send("Runtime.evaluate", { expression: "0" }).catch(() => {});
      await waitFor(() => pausedAt, { timeoutMs: 3000, intervalMs: 10, what: "the leader's page paused" });
      paused = true;
      await assert.rejects(ev(leader, () => 1, undefined, 300), /no answer/, "the leader's page is really paused");

      await waitFor(async () => (await status(session)).totalConnections > total0, { timeoutMs: 10000, intervalMs: 20, what: "a new socket while the leader hangs (spec: 7 s)" });
      const took = Date.now() - pausedAt;
      t.diagnostic(`hung leader replaced after ${took} ms (spec: 7 s)`);
      await waitFor(async () => (await Promise.all(followers.map((p) => roleOf(p)))).filter((r) => r === "leader").length === 1, { timeoutMs: 2000, what: "a follower reports leader" });
      await waitFor(async () => {
        const s = await status(session);
        // Both subscribed: a paused page's socket stays open (the browser's network
        // stack still answers Pings), until the old leader resumes and closes it.
        return s.connections === 2 && s.subscriptions.every((x) => x.includes(CTX0));
      }, { timeoutMs: 3000, what: "the new socket subscribed" });

      await cdp.send("Debugger.resume");
      paused = false;
      await waitFor(async () => (await roleOf(leader)) === "follower", { timeoutMs: 5000, what: "the resumed old leader is a follower" });
      await waitFor(async () => oneSocketWith(await status(session), [CTX0]), { timeoutMs: 5000, what: "back to one socket" });
      const all = [leader, ...followers];
      await waitShared(all);
      await waitFor(async () => (await Promise.all(all.map(async (p, i) => (await snap(p)).resyncs - resyncsBefore[i]))).every((n) => n >= 1), { timeoutMs: 3000, what: "a resync batch in every tab" });
      await sleep(500);
      const resyncs = await Promise.all(all.map(async (p, i) => (await snap(p)).resyncs - resyncsBefore[i]));
      assert.deepEqual(resyncs, [1, 1, 1], "exactly one resync batch per tab (old leader first)");
      const s = await status(session);
      assert.equal(s.connections, 1);
      assert.equal(s.totalConnections, total0 + 1, "one new socket, no more");
      noPageErrors(all);
    } finally {
      if (paused) await cdp?.send("Debugger.resume").catch(() => {});
      await cdp?.detach().catch(() => {});
      await cleanup(session, context);
    }
  });

  test("followers: reference-counted subscriptions, ordered sends, execute through the leader", { timeout: 60000 }, async () => {
    const session = uniqueSession("tabs-follower");
    const context = await env.browser.newContext();
    try {
      const leader = await openLeader(context, session);
      const [b, c] = await openTabs(context, 2, session);
      await waitShared([leader, b, c]);
      await waitFor(async () => oneSocketWith(await status(session), [CTX0]), { timeoutMs: 5000, what: "the subscription" });

      // Two followers want CTX_X, the leader's tab does not.
      await ev(b, (id) => window.__tabs.subscribe([id]), CTX_X);
      await waitFor(async () => oneSocketWith(await status(session), [CTX0, CTX_X]), { timeoutMs: 3000, what: "CTX_X subscribed on the shared socket" });
      await ev(c, (id) => window.__tabs.subscribe([id]), CTX_X);
      await sleep(300);
      assert.equal(subscribeCounts(await received(session))[CTX_X], 1, "CTX_X subscribed once for two tabs");
      await ev(b, (id) => window.__tabs.unsubscribe([id]), CTX_X);
      await sleep(3500); // past the release delay: c still wants it
      let s = await status(session);
      assert.ok(oneSocketWith(s, [CTX0, CTX_X]), `CTX_X still subscribed while a tab wants it: ${JSON.stringify(s.subscriptions)}`);
      assert.equal(subscribeCounts(await received(session), "unsubscribe")[CTX_X], undefined, "no unsubscribe yet");
      const closedAt = Date.now();
      await c.close();
      await waitFor(async () => {
        const st = await status(session);
        return st.connections === 1 && !st.subscriptions[0].includes(CTX_X) && st.subscriptions[0].includes(CTX0);
      }, { timeoutMs: 5000, what: "CTX_X released once no tab wants it (spec: 3 s)" });
      const releasedMs = Date.now() - closedAt;
      assert.equal(subscribeCounts(await received(session), "unsubscribe")[CTX_X], 1);
      await waitShared([leader, b]);

      // 20 numbered sends from each of two followers (started together): each tab's in order.
      const c2 = await openTab(context, session);
      const followers = [b, c2];
      await waitShared([leader, ...followers]);
      await received(session, true);
      await Promise.all(followers.map((p, k) => ev(p, (k) => { for (let i = 0; i < 20; i++) window.__tabs.send(`tabs-seq:${k}:${i}`); }, k)));
      const mine = (frames, k) => frames.filter((f) => f.startsWith(`tabs-seq:${k}:`)).map((f) => Number(f.split(":")[2]));
      await waitFor(async () => { const f = await received(session); return mine(f, 0).length >= 20 && mine(f, 1).length >= 20; }, { timeoutMs: 5000, what: "40 sends at the server" });
      await sleep(200);
      const frames = await received(session);
      const inOrder = Array.from({ length: 20 }, (_, i) => i);
      assert.deepEqual(mine(frames, 0), inOrder, "follower 0's sends, once each, in order");
      assert.deepEqual(mine(frames, 1), inOrder, "follower 1's sends, once each, in order");
      s = await status(session);
      assert.equal(s.connections, 1, "the sends went through the one socket");

      // execute(): each result (and error) comes back to the calling tab.
      const [r0, r1, rf] = await Promise.all([
        ev(b, (id) => window.__tabs.execute(id, "get_value", { tab: "b", n: 1 }), CTX0, 10000),
        ev(c2, (id) => window.__tabs.execute(id, "get_value", { tab: "c", n: 2 }), CTX0, 10000),
        ev(c2, (id) => window.__tabs.execute(id, "fail", { tab: "c" }), CTX0, 10000),
      ]);
      assert.deepEqual(r0, { ok: { tab: "b", n: 1 } });
      assert.deepEqual(r1, { ok: { tab: "c", n: 2 } });
      assert.equal(rf.error, "serverError", `a failing execute rejects in its tab: ${JSON.stringify(rf)}`);
      assert.ok(releasedMs < 5000, `released after ${releasedMs} ms`);
      noPageErrors([leader, ...followers]);
    } finally {
      await cleanup(session, context);
    }
  });

  test("another token, or another browser context, never shares", { timeout: 60000 }, async () => {
    const session = uniqueSession("tabs-identity");
    const context = await env.browser.newContext();
    let context2;
    try {
      const a = await openTab(context, session, { token: "alpha" });
      const b = await openTab(context, session, { token: "beta" });
      await waitFor(async () => (await status(session)).connections === 2, { timeoutMs: 5000, what: "two sockets (two tokens)" });
      for (const p of [a, b]) {
        await waitFor(async () => { const x = await snap(p); return x.role === "leader" && x.sharedTabs === 1; }, { timeoutMs: 5000, what: "a lone sharing tab leads its own socket" });
      }
      const c = await openTab(context, session, { token: "alpha" });
      await waitShared([a, c]);
      assert.equal((await snap(b)).sharedTabs, 1);
      await sleep(300);
      assert.equal((await status(session)).connections, 2, "the second alpha tab shares alpha's socket");

      context2 = await env.browser.newContext();
      const d = await openTab(context2, session, { token: "alpha" });
      await waitFor(async () => (await status(session)).connections === 3, { timeoutMs: 5000, what: "a third socket (second browser context)" });
      await waitFor(async () => { const x = await snap(d); return x.role === "leader" && x.sharedTabs === 1; }, { timeoutMs: 5000, what: "the other context's tab alone in its partition" });
      await sleep(300);
      assert.equal((await snap(a)).sharedTabs, 2);
      const s = await status(session);
      assert.equal(s.connections, 3);
      assert.equal(s.totalConnections, 3);
      noPageErrors([a, b, c, d]);
    } finally {
      await cleanup(session, context, context2);
    }
  });

  test("without Web Locks (?nolocks=1) every tab is alone with its own socket", { timeout: 60000 }, async () => {
    const session = uniqueSession("tabs-nolocks");
    const context = await env.browser.newContext();
    try {
      const pages = await openTabs(context, 3, session, { nolocks: "1" });
      await waitFor(async () => { const s = await status(session); return s.connections === 3 && s.subscriptions.every((x) => x.includes(CTX0)); }, { timeoutMs: 5000, what: "three subscribed sockets" });
      await sleep(500);
      for (const p of pages) {
        const x = await snap(p);
        assert.equal(x.role, "alone");
        assert.equal(x.sharedTabs, 1);
        assert.deepEqual(x.roles.filter((r) => r !== "alone"), [], "never leader nor follower");
        assert.equal(x.status, "open");
      }
      assert.equal((await status(session)).connections, 3);
      const sent = await env.server.control("burst", session, {}, { path: "ws", frames: Array.from({ length: 6 }, () => ({ contextId: CTX0, kinds: ["ChannelCreated"] })) });
      assert.equal(sent.deliveries, 18);
      await waitFor(async () => (await Promise.all(pages.map(async (p) => fold((await snap(p)).batches).size))).every((n) => n === 6), { timeoutMs: 5000, what: "6 frames in every tab" });
      for (const p of pages) assert.deepEqual(fold((await snap(p)).batches).flags, ["changed", "channels"]);
      noPageErrors(pages);
    } finally {
      await cleanup(session, context);
    }
  });

  test("close() in the leader tab hands the socket over; the last close() closes it", { timeout: 60000 }, async (t) => {
    const session = uniqueSession("tabs-close");
    const context = await env.browser.newContext();
    try {
      const leader = await openLeader(context, session);
      const [b, c] = await openTabs(context, 2, session);
      await waitShared([leader, b, c]);
      await waitFor(async () => oneSocketWith(await status(session), [CTX0]), { timeoutMs: 5000, what: "the subscription" });
      const total0 = (await status(session)).totalConnections;

      const t0 = Date.now();
      await ev(leader, () => window.__tabs.close());
      await waitFor(async () => { const s = await status(session); return s.totalConnections > total0 && oneSocketWith(s, [CTX0]); }, { timeoutMs: 5000, intervalMs: 10, what: "a follower's socket after the leader's close()" });
      const took = Date.now() - t0;
      t.diagnostic(`close() handover: ${took} ms`);
      assert.ok(took < HANDOVER_LIMIT_MS, `handover after close() took ${took} ms (spec: 1 s)`);
      const next = await waitShared([b, c]);
      await waitFor(async () => (await roleOf(leader)) === "alone", { timeoutMs: 2000, what: "the closed manager's role is alone" });
      assert.equal((await snap(leader)).status, "closed");

      // The follower's close() keeps the socket; the last one's closes it.
      const follower = next === b ? c : b;
      await ev(follower, () => window.__tabs.close());
      await waitFor(async () => (await snap(next)).sharedTabs === 1, { timeoutMs: 3000, what: "the leader alone in the group" });
      await sleep(500);
      let s = await status(session);
      assert.equal(s.connections, 1, "a follower's close() leaves the socket open");
      assert.equal(s.totalConnections, total0 + 1);
      await ev(next, () => window.__tabs.close());
      await waitFor(async () => (await status(session)).connections === 0, { timeoutMs: 3000, what: "no socket after the last close()" });
      await sleep(1000);
      s = await status(session);
      assert.equal(s.connections, 0, "nothing reconnects");
      assert.equal(s.totalConnections, total0 + 1);
      for (const p of [leader, b, c]) assert.equal(await roleOf(p), "alone");
      // Every page let go of its sockets (the hubs' too), page listeners and timers.
      for (const p of [leader, b, c]) assert.deepEqual(await ev(p, () => window.__tabs.liveHandles()), { sockets: 0, listeners: 0, timers: 0 });
      noPageErrors([leader, b, c]);
    } finally {
      await cleanup(session, context);
    }
  });
});

describe("shareAcrossTabs: sends across a handover", () => {
  tabsTest("sends made while the leader goes away are delivered by the next leader, once each, in order", async ({ session, context }) => {
    const leader = await openLeader(context, session);
    const [b, c] = await openTabs(context, 2, session);
    await waitShared([leader, b, c]);
    await received(session, true);
    // b sends before, during and after the handover; the leader's page goes meanwhile.
    await ev(b, () => { for (let i = 0; i < 10; i++) window.__tabs.send(`handover-seq:${i}`); });
    await leader.close();
    await ev(b, () => { for (let i = 10; i < 20; i++) window.__tabs.send(`handover-seq:${i}`); });
    await sleep(30);
    await ev(b, () => { for (let i = 20; i < 30; i++) window.__tabs.send(`handover-seq:${i}`); });
    const seq = (frames) => frames.filter((f) => f.startsWith("handover-seq:")).map((f) => Number(f.split(":")[1]));
    await waitFor(async () => new Set(seq(await received(session))).size === 30, { timeoutMs: 5000, what: "all 30 sends at the server" });
    await sleep(300);
    const got = seq(await received(session));
    assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => i), "once each, in order, across the handover");
    const snapB = await snap(b);
    assert.deepEqual(snapB.errors.map((e) => e.code).filter((c) => c !== "connectionLost"), [], "no send dropped");
  });
});

describe("shareAcrossTabs: the shared connection drops", () => {
  tabsTest("every tab mirrors the reconnect of the shared socket and gets one resync; the union is subscribed again", async ({ session, context }) => {
    const leader = await openLeader(context, session, { contexts: [CTX0, CTX1].join(",") });
    const follower = await openTab(context, session, { contexts: [CTX0, CTX2].join(",") });
    await waitShared([leader, follower]);
    await waitFor(async () => oneSocketWith(await status(session), [CTX0, CTX1, CTX2]), { timeoutMs: 5000, what: "the union subscribed" });
    const before = await Promise.all([leader, follower].map(async (p) => (await snap(p)).resyncs));
    await received(session, true);
    await env.server.control("drop", session);
    await waitFor(async () => {
      const s = await status(session);
      return s.totalConnections === 2 && oneSocketWith(s, [CTX0, CTX1, CTX2]);
    }, { timeoutMs: 8000, what: "the hub's socket back, the union subscribed" });
    await waitFor(async () => (await Promise.all([leader, follower].map((p) => snap(p)))).every((x, i) => x.resyncs === before[i] + 1 && x.status === "open"), { timeoutMs: 5000, what: "one resync per tab, open again" });
    for (const p of [leader, follower]) {
      const x = await snap(p);
      assert.ok(x.errors.some((e) => e.code === "connectionLost"), "each tab reports the lost connection");
      assert.equal(x.role, p === leader ? "leader" : "follower", "no handover for a dropped socket");
    }
    const statuses = await ev(follower, () => window.__tabs.statuses.map((x) => x.status));
    assert.deepEqual(statuses.slice(-2), ["reconnecting", "open"], `the follower mirrors the shared socket: ${statuses}`);
    assert.equal(subscribeCounts(await received(session))[CTX2], 1, "the follower's context re-subscribed once by the hub");
  });
});

describe("shareAcrossTabs: errors of the shared connection", () => {
  tabsTest("a subscription the server denies is reported to the tab that asked for it, not to the others", async ({ session, context }) => {
    const leader = await openLeader(context, session);
    const follower = await openTab(context, session);
    await waitShared([leader, follower]);
    await env.server.control("deny", session, { contextId: CTX_X });
    await ev(follower, (id) => window.__tabs.subscribe([id]), CTX_X);
    await waitFor(async () => (await snap(follower)).errors.some((e) => e.code === "subscriptionDenied"), { timeoutMs: 5000, what: "subscriptionDenied in the tab that asked" });
    await sleep(300);
    assert.deepEqual((await snap(leader)).errors.map((e) => e.code), [], "nothing in the tab that did not ask");
  });
});

describe("shareAcrossTabs with a throttled leader", () => {
  tabsTest("a leader whose timers are throttled (a background tab) keeps the lead while it relays and answers probes", async ({ session, context }) => {
    // Every timer of the leader's page waits at least 60 s: its beats stop, its hub's
    // heartbeat stops, but its message handlers (socket frames, probes) still run.
    const leader = await openLeader(context, session, { throttle: "60000" });
    const follower = await openTab(context, session);
    await waitShared([leader, follower]);
    // Quiet for three times the follower's silence bound (3 s), then a burst.
    await sleep(9000);
    assert.equal(await roleOf(follower), "follower", "a throttled leader is not taken over");
    assert.equal(await roleOf(leader), "leader");
    const before = fold((await snap(follower)).batches).size;
    await env.server.control("burst", session, { count: 5 });
    await waitFor(async () => fold((await snap(follower)).batches).size === before + 5, { timeoutMs: 3000, what: "the burst relayed to the follower" });
    const s = await status(session);
    assert.equal(s.connections, 1);
    assert.equal(s.totalConnections, 1, "no handover happened");
    assert.equal((await snap(follower)).resyncs, 0, "no resync: nothing was lost");
  });
});

describe("shareAcrossTabs with Socket.IO", () => {
  let sio;
  before(async () => {
    sio = await startSocketIoServer();
  }, { timeout: 15000 });
  after(() => sio?.stop());

  /** The socket.io server's view: open Engine.IO connections, sockets per namespace. */
  const state = async () => {
    const st = await sio.control("state");
    return { connections: st.connections, sockets: Object.fromEntries(Object.entries(st.namespaces).map(([ns, v]) => [ns, v.sockets])) };
  };
  /** Every event of `ns` a tab got in its batches (`latest[ns]`: `{event: args}`). */
  const eventsOf = (snapOf, ns) => snapOf.batches.map((b) => b.latest?.[ns]).filter(Boolean);

  test("namespaces are joined once for all tabs, each tab gets only its own, emits and acks go through the leader, and a handover rejoins", { timeout: 60000 }, async (t) => {
    const n = Date.now() % 1e6;
    const [A, B] = [`/guild/${n}1`, `/guild/${n}2`];
    const context = await env.browser.newContext();
    const snapOf = (p) => ev(p, () => JSON.parse(JSON.stringify({ role: window.__tabs.role(), shared: window.__tabs.stats().sharedTabs, resyncs: window.__tabs.resyncs(), batches: window.__tabs.batches, errors: window.__tabs.errors, ns: window.__tabs.namespaces() })));
    try {
      const params = (nss) => ({ protocol: "socketio", server: sio.host, contexts: nss.join(",") });
      const open = (nss) => openTab(context, "sio", params(nss));
      const first = await openLeader(context, "sio", params([A]));
      const [second, third] = await Promise.all([open([A, B]), open([A])]);
      await waitShared([first, second, third]);
      await waitFor(async () => {
        const s = await state();
        return s.connections === 1 && s.sockets[A] === 1 && s.sockets[B] === 1;
      }, { timeoutMs: 5000, what: "one connection, each namespace joined once" });
      await waitFor(async () => (await snapOf(second)).ns[B] === "joined", { timeoutMs: 5000, what: `${B} joined in the tab that wants it` });

      // An event of B reaches only the tab that wants B; one of A every tab.
      await sio.control("emit", { namespace: B, event: "news", args: [{ n: 1 }] });
      await sio.control("emit", { namespace: A, event: "news", args: [{ n: 2 }] });
      await waitFor(async () => eventsOf(await snapOf(second), B).some((l) => l.news), { timeoutMs: 5000, what: `the ${B} event in the tab that wants it` });
      await waitFor(async () => (await Promise.all([first, second, third].map(snapOf))).every((x) => eventsOf(x, A).some((l) => l.news?.[0]?.n === 2)), { timeoutMs: 5000, what: `the ${A} event in every tab` });
      for (const p of [first, third]) assert.deepEqual(eventsOf(await snapOf(p), B), [], `no ${B} event in a tab that did not join it`);

      // A binary event reaches every tab with its attachment (relayed as an ArrayBuffer).
    await sio.control("emit", { namespace: A, event: "bin", args: [{ n: 4 }], binary: true, bytes: [9, 8, 7] });
    await waitFor(async () => (await Promise.all([first, second, third].map(snapOf))).every((x) => eventsOf(x, A).some((l) => JSON.stringify(l.bin) === JSON.stringify([{ n: 4 }, { bytes: [9, 8, 7] }]))), { timeoutMs: 5000, what: "the binary event in every tab" });

    // A follower's emitWithAck is acked in that tab (the server acks any other event).
      const acked = await ev(third, (ns) => window.__tabs.emitWithAck(ns, "custom", { from: "third" }), A);
      assert.deepEqual(acked, { ok: { ok: true, event: "custom", args: [{ from: "third" }] } });

      // The leader goes: one connection again, both namespaces joined once, a resync each.
      const before = await Promise.all([second, third].map(async (p) => (await snapOf(p)).resyncs));
      const t0 = Date.now();
      await first.close();
      await waitFor(async () => {
        const s = await state();
        return s.connections === 1 && s.sockets[A] === 1 && s.sockets[B] === 1;
      }, { timeoutMs: 5000, intervalMs: 10, what: "the new leader's connection, each namespace once" });
      t.diagnostic(`socketio handover: ${Date.now() - t0} ms`);
      await waitFor(async () => (await Promise.all([second, third].map(snapOf))).every((x, i) => x.resyncs === before[i] + 1), { timeoutMs: 5000, what: "one resync per remaining tab" });
      await sio.control("emit", { namespace: A, event: "news", args: [{ n: 3 }] });
      await waitFor(async () => (await Promise.all([second, third].map(snapOf))).every((x) => eventsOf(x, A).some((l) => l.news?.[0]?.n === 3)), { timeoutMs: 5000, what: "events after the handover" });
      const errors = (await Promise.all([second, third].map(snapOf))).flatMap((x) => x.errors.map((e) => e.code));
      assert.ok(errors.every((c) => c === "connectionLost"), `only the handover's connectionLost: ${errors}`);
    } finally {
      await context.close();
    }
  });
});

describe("shareAcrossTabs with the React provider", () => {
  test("two tabs with the provider (StrictMode) share one socket and both get the burst", { timeout: 30000 }, async () => {
    const session = uniqueSession("tabs-react");
    const context = await env.browser.newContext();
    try {
      const open = async () => {
        const p = await context.newPage();
        await p.goto(`${env.server.origin}/test-pages/tabs-react.html?session=${session}`, { waitUntil: "load", timeout: 15000 });
        return p;
      };
      const pages = [await open(), await open()];
      const read = (p) => ev(p, () => ({ ...window.__test }));
      await waitFor(async () => (await Promise.all(pages.map(read))).every((t) => t.status === "open"), { timeoutMs: 10000, what: "both providers open" });
      await waitFor(async () => {
        const roles = (await Promise.all(pages.map(read))).map((t) => t.role).sort();
        return roles.join() === "follower,leader";
      }, { timeoutMs: 5000, what: "a leader and a follower" });
      await waitFor(async () => (await status(session)).connections === 1, { timeoutMs: 5000, what: "one socket" });
      await env.server.control("burst", session, { count: 7 });
      await waitFor(async () => (await Promise.all(pages.map(read))).every((t) => t.frames === 7), { timeoutMs: 5000, what: "the burst in both tabs" });
      const seen = await Promise.all(pages.map(read));
      assert.deepEqual(seen.map((t) => t.errors), [[], []]);
      assert.equal((await status(session)).totalConnections, 1, "StrictMode's first manager opened no socket of its own");
    } finally {
      await cleanup(session, context);
    }
  });
});

describe("shareAcrossTabs and the back/forward cache", () => {
  test("a leader that navigates away hands over; back from the bfcache it joins again as a follower", { timeout: 60000 }, async (t) => {
    const session = uniqueSession("tabs-bfcache");
    const browser = await launchBrowser({ bfcache: true });
    try {
      const context = await browser.newContext();
      const leader = await openLeader(context, session);
      const follower = await openTab(context, session);
      await waitShared([leader, follower]);
      await leader.evaluate(() => (window.__kept = true));
      const total = (await status(session)).totalConnections;
      // Away: pagehide hands the socket over to the other tab.
      await leader.goto(`${env.server.origin}/test-pages/flags.html?session=${session}-other`, { waitUntil: "load" });
      await waitFor(async () => (await roleOf(follower)) === "leader", { timeoutMs: 3000, what: "the other tab leads after the navigation" });
      await waitFor(async () => {
        const s = await status(session);
        return s.connections === 1 && s.totalConnections === total + 1;
      }, { timeoutMs: 3000, what: "one socket, the new leader's" });
      // Back (a page restored from the bfcache fires no load event).
      await leader.goBack({ waitUntil: "commit" });
      const back = await waitFor(() => leader.evaluate(() => window.__tabs?.ready && { kept: window.__kept === true, why: JSON.stringify(performance.getEntriesByType("navigation")[0]?.notRestoredReasons ?? null) }), { timeoutMs: 5000, what: "the page back" });
      // Kept in the cache only if the page closed its channel on pagehide (a message
      // to a cached page evicts it: "broadcastchannel-message").
      assert.ok(back.kept, `the page came back from the bfcache (not restored: ${back.why})`);
      const restored = back.kept;
      await waitShared([leader, follower]);
      assert.equal((await roleOf(follower)), "leader", "the tab that took over keeps the socket");
      const s = await status(session);
      assert.equal(s.connections, 1, "one socket after coming back");
      assert.equal(s.totalConnections, total + 1, "coming back opened no socket");
      if (restored) {
        const roles = (await snap(leader)).roles;
        assert.deepEqual(roles.slice(-2), ["alone", "follower"], `left on pagehide, joined again on pageshow: ${roles}`);
      }
    } finally {
      await browser.close();
      await env.server.control("reset", session).catch(() => {});
    }
  });
});
