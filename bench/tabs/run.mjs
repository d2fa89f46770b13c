// shareAcrossTabs: what the relay costs a tab. In one headless Chromium, a page with its
// own socket (`share=0`) and two pages sharing one (a leader and a follower) each get the
// same burst of N Calimero frames from the local event server (in separate sessions); the
// time from the burst's request until the page's batches hold all N frames is taken per
// role, and printed as medians with the ratio against the page with its own socket, run in
// the same process. Also the handover time over repeated closes of the leader page.
//
//   node bench/tabs/run.mjs [--frames 5000] [--runs 5] [--closes 20]
//
// Needs what the e2e tests need: bash scripts/build.sh && (cd www && npx vite build).
import { launchBrowser, startServer, waitFor } from "../../tests/e2e/helpers.mjs";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const FRAMES = arg("frames", 5000);
const RUNS = arg("runs", 5);
const CLOSES = arg("closes", 20);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)];

const killer = setTimeout(() => {
  console.error("bench/tabs: over 8 minutes, stopping");
  process.exit(2);
}, 8 * 60 * 1000);

const server = await startServer();
const browser = await launchBrowser();
try {
  const context = await browser.newContext();
  const open = async (session, share) => {
    const p = await context.newPage();
    await p.goto(`${server.origin}/test-pages/tabs.html?session=${session}&share=${share}`);
    await waitFor(() => p.evaluate(() => window.__tabs?.ready && window.__tabs.status() === "open"), { timeoutMs: 10000, what: "the page open" });
    return p;
  };
  const frames = (p) => p.evaluate(() => window.__tabs.batches.reduce((n, b) => n + b.size, 0));
  const alone = await open("bench-alone", 0);
  const leader = await open("bench-shared", 1);
  const follower = await open("bench-shared", 1);
  await waitFor(async () => (await follower.evaluate(() => window.__tabs.role())) === "follower", { what: "a follower" });
  const times = { alone: [], leader: [], follower: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const [session, pages] of [["bench-alone", { alone }], ["bench-shared", { leader, follower }]]) {
      const before = Object.fromEntries(await Promise.all(Object.entries(pages).map(async ([k, p]) => [k, await frames(p)])));
      const t0 = Date.now();
      await server.control("burst", session, { count: FRAMES });
      await Promise.all(
        Object.entries(pages).map(async ([k, p]) => {
          await waitFor(async () => (await frames(p)) >= before[k] + FRAMES, { timeoutMs: 60000, intervalMs: 5, what: `${k}: ${FRAMES} frames` });
          times[k].push(Date.now() - t0);
        }),
      );
    }
  }
  const base = median(times.alone);
  console.log(`relay cost, ${FRAMES} frames (~1.4 KB each) per burst, median of ${RUNS}: burst request -> all frames in the page's batches`);
  for (const k of ["alone", "leader", "follower"]) {
    const m = median(times[k]);
    console.log(`  ${k.padEnd(8)} ${String(m).padStart(6)} ms  ${(m / base).toFixed(2)}x the page with its own socket  (${(FRAMES / (m / 1000)).toFixed(0)} frames/s)`);
  }
  // Handover: close the leader, time until the other page leads and is open.
  const handovers = [];
  let tabs = [leader, follower];
  for (let i = 0; i < CLOSES; i++) {
    const roles = await Promise.all(tabs.map((p) => p.evaluate(() => window.__tabs.role())));
    const lead = tabs[roles.indexOf("leader")];
    const rest = tabs.filter((p) => p !== lead);
    const t0 = Date.now();
    await lead.close();
    await waitFor(async () => (await rest[0].evaluate(() => window.__tabs.role() === "leader" && window.__tabs.status() === "open")), { timeoutMs: 5000, intervalMs: 5, what: "the new leader open" });
    handovers.push(Date.now() - t0);
    tabs = [...rest, await open("bench-shared", 1)];
  }
  console.log(`handover, ${CLOSES} closes of the leader page (page.close() -> the follower leads and is open): p50 ${pct(handovers, 0.5)} ms, p99 ${pct(handovers, 0.99)} ms, max ${Math.max(...handovers)} ms`);
} finally {
  clearTimeout(killer);
  await browser.close();
  await server.stop();
}
