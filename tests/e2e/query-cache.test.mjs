// calimero-socket/tanstack-query and calimero-socket/swr in headless Chromium against the
// local event server, with a real TanStack QueryClient and a real SWR cache whose
// fetchers count their calls (www/test-pages/query-cache.jsx). Each library runs through
// the hook (useInvalidateOnFlags) and the plain function (invalidateOnFlags).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { openPage, serverAndBrowser, sleep, uniqueSession, waitFor } from "./helpers.mjs";

const env = serverAndBrowser();

const read = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__test)));

/** Which query each flag reaches through the page's maps (members also maps to channels). */
const REACHES = { channels: ["channels"], members: ["members", "channels"], messages: ["messages"], dms: ["dms"] };
const MAPPED = ["channels", "members", "messages", "dms"];

/** Per query, how many of `batches` raised a flag that reaches it (all mapped ones on a resync). */
function expectedFetches(batches) {
  const n = { channels: 0, members: 0, messages: 0, dms: 0, profile: 0 };
  for (const b of batches) {
    const hit = new Set(b.resync ? MAPPED : b.flags.flatMap((f) => REACHES[f] || []));
    for (const name of hit) n[name]++;
  }
  return n;
}

const delta = (after, before) => Object.fromEntries(Object.keys(after.fetches).map((k) => [k, after.fetches[k] - before.fetches[k]]));

/** Opens the page and waits for the socket and the first fetch of every query. */
async function openReady(lib, api, name) {
  const session = uniqueSession(`qc-${lib}-${api}-${name}`);
  const page = await openPage(env.browser, `${env.server.origin}/test-pages/query-cache.html?session=${session}&lib=${lib}&api=${api}`);
  await waitFor(async () => {
    const t = await read(page);
    return t.status === "open" && t.ready;
  }, { timeoutMs: 10000, what: "socket open and every query fetched once" });
  await sleep(300);
  return { page, session };
}

/** Resolves once `frames` more frames than in `before` were batched and no fetch runs. */
async function settle(page, before, frames, what) {
  const framesOf = (t) => t.batches.reduce((n, b) => n + b.size, 0);
  await waitFor(async () => {
    const t = await read(page);
    return framesOf(t) - framesOf(before) >= frames && t.inflight === 0;
  }, { timeoutMs: 10000, what });
  await sleep(400); // nothing more may come
  const t = await read(page);
  assert.equal(framesOf(t) - framesOf(before), frames, "no extra frames");
  assert.equal(t.inflight, 0);
  return t;
}

function check(page, t) {
  assert.equal(t.errors.length, 0, t.errors.join("\n"));
  assert.deepEqual(page.problems, []);
}

for (const lib of ["tanstack", "swr"]) {
  for (const api of ["hook", "fn"]) {
    describe(`${lib} (${api === "hook" ? "useInvalidateOnFlags" : "invalidateOnFlags"})`, () => {
      test("a burst of 100 frames refetches each mapped query at most once per batch, and only for raised flags", { timeout: 40000 }, async (tc) => {
        const { page, session } = await openReady(lib, api, "burst");
        try {
          // Only MessageSent: the messages query refetches, nothing else does.
          let before = await read(page);
          await env.server.control("burst", session, { count: 100, path: "json", kinds: "MessageSent" });
          let t = await settle(page, before, 100, "100 MessageSent frames batched and refetched");
          let batches = t.batches.slice(before.batches.length);
          let d = delta(t, before);
          tc.diagnostic(`messages only: 100 frames -> ${batches.length} batches -> fetches ${JSON.stringify(d)}`);
          assert.ok(batches.length >= 1 && batches.length < 100, `batches: ${batches.length}`);
          // `changed` comes with every state frame (and maps to no query here).
          assert.ok(batches.every((b) => !b.resync && b.flags.join() === "changed,messages"), JSON.stringify(batches));
          assert.deepEqual(d, { channels: 0, members: 0, messages: batches.length, dms: 0, profile: 0 });

          // Mixed: ChannelJoined raises channels and members (both reach the channels
          // query), DMCreated dms, MessageSent messages.
          before = t;
          const frames = Array.from({ length: 100 }, (_, i) => ({ kinds: [i % 10 === 3 ? "ChannelJoined" : i % 10 === 7 ? "DMCreated" : "MessageSent"] }));
          const sent = await env.server.control("burst", session, {}, { path: "json", frames });
          assert.equal(sent.sent, 100);
          t = await settle(page, before, 100, "100 mixed frames batched and refetched");
          batches = t.batches.slice(before.batches.length);
          d = delta(t, before);
          tc.diagnostic(`mixed: 100 frames -> ${batches.length} batches -> fetches ${JSON.stringify(d)}`);
          assert.ok(batches.some((b) => b.flags.includes("channels") && b.flags.includes("members")), "a batch raised both flags of the channels query");
          assert.deepEqual(d, expectedFetches(batches), `batches: ${JSON.stringify(batches)}`);
          assert.equal(d.profile, 0, "the unmapped query never refetches");
          check(page, t);
        } finally {
          await page.close();
        }
      });

      test("a resync (server drop, reconnect) refetches every mapped query once", { timeout: 40000 }, async () => {
        const { page, session } = await openReady(lib, api, "resync");
        try {
          const before = await read(page);
          const dropped = await env.server.control("drop", session);
          assert.equal(dropped.dropped, 1);
          await waitFor(async () => {
            const t = await read(page);
            return t.batches.slice(before.batches.length).some((b) => b.resync) && t.inflight === 0;
          }, { timeoutMs: 15000, what: "the resync batch after the reconnect" });
          await sleep(400);
          const t = await read(page);
          const batches = t.batches.slice(before.batches.length);
          assert.deepEqual(batches.map((b) => b.resync), [true], JSON.stringify(batches));
          assert.deepEqual(delta(t, before), { channels: 1, members: 1, messages: 1, dms: 1, profile: 0 });
          assert.equal(t.status, "open");
          check(page, t);
        } finally {
          await page.close();
        }
      });

      test("a slow fetch holds the next batch back (backpressure)", { timeout: 40000 }, async (tc) => {
        const { page, session } = await openReady(lib, api, "backpressure");
        try {
          await page.evaluate(() => {
            window.__test.delayMs = 400;
            window.__test.maxInflight = 0;
          });
          const before = await read(page);
          // Four frames 150 ms apart: the first batch (after the 100 ms window) starts a
          // 400 ms fetch; the three frames arriving during it fold into one held batch.
          await env.server.control("burst", session, { count: 4, intervalMs: 150, path: "json", kinds: "MessageSent" });
          const t = await settle(page, before, 4, "4 frames batched and refetched");
          const batches = t.batches.slice(before.batches.length);
          const fetches = t.log.slice(before.log.length);
          tc.diagnostic(`4 frames -> batches of ${batches.map((b) => b.size).join("+")} at ${batches.map((b) => Math.round(b.t)).join(", ")} ms; fetches ${fetches.map((f) => `${Math.round(f.start)}-${Math.round(f.end)}`).join(", ")}`);
          assert.equal(fetches.length, batches.length, "one fetch per batch");
          assert.ok(fetches.every((f) => f.name === "messages"));
          assert.ok(batches.length >= 2 && batches.length < 4, `the frames during the fetch folded: ${batches.map((b) => b.size)}`);
          for (let i = 1; i < batches.length; i++) {
            assert.ok(batches[i].t >= fetches[i - 1].end, `batch ${i + 1} (${batches[i].t}) waited for fetch ${i} to end (${fetches[i - 1].end})`);
          }
          assert.equal(t.maxInflight, 1, "never two fetches at once");
          check(page, t);
        } finally {
          await page.close();
        }
      });

      if (api === "fn") {
        test("the unsubscribe function stops the refetches", { timeout: 40000 }, async () => {
          const { page, session } = await openReady(lib, api, "unsubscribe");
          try {
            let before = await read(page);
            await env.server.control("burst", session, { count: 5, path: "json", kinds: "ChannelCreated" });
            let t = await settle(page, before, 5, "5 frames while subscribed");
            assert.ok(delta(t, before).channels >= 1, "subscribed: channels refetched");

            await page.evaluate(() => window.__unsubscribe());
            before = await read(page);
            assert.equal(before.unsubscribed, true);
            await env.server.control("burst", session, { count: 20, path: "json", kinds: "ChannelCreated,MessageSent,DMCreated,ChannelJoined" });
            t = await settle(page, before, 20, "20 frames after unsubscribing");
            assert.ok(t.batches.length > before.batches.length, "batches still delivered");
            assert.deepEqual(delta(t, before), { channels: 0, members: 0, messages: 0, dms: 0, profile: 0 });

            await env.server.control("drop", session);
            await waitFor(async () => (await read(page)).batches.slice(t.batches.length).some((b) => b.resync), { timeoutMs: 15000, what: "the resync batch" });
            await sleep(400);
            const t2 = await read(page);
            assert.deepEqual(delta(t2, before), { channels: 0, members: 0, messages: 0, dms: 0, profile: 0 }, "no refetch on resync either");
            check(page, t2);
          } finally {
            await page.close();
          }
        });
      }
    });
  }
}
