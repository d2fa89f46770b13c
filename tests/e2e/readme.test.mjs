// The README's "Use it in your app", run as a new user would: the package packed with
// `npm pack`, installed from the tarball into a fresh app folder, the README's own
// index.html and main.js (plain JS, then React) copied out of README.md, served by the
// Vite dev server, and opened in headless Chromium against the local event server with
// chat traffic. The only edit to the snippets is the port (the README names the demo's
// 8080; the test server takes a free one).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, checkPrerequisites, launchBrowser, startServer, waitFor } from "./helpers.mjs";

const README = readFileSync(join(ROOT, "README.md"), "utf8");
const requireFromWww = createRequire(join(ROOT, "www/package.json"));

/** The first fenced block of `lang` after the line containing `marker`. */
function snippet(marker, lang) {
  const at = README.indexOf(marker);
  assert.ok(at >= 0, `README has no "${marker}"`);
  const open = README.indexOf("```" + lang + "\n", at);
  assert.ok(open >= 0, `README has no ${lang} block after "${marker}"`);
  const start = open + lang.length + 4;
  return README.slice(start, README.indexOf("\n```", start) + 1);
}

let server;
let browser;
let app;
let vite;

before(async () => {
  checkPrerequisites();
  app = mkdtempSync(join(tmpdir(), "readme-app-"));
  // What the README says: npm pack in the clone, npm i <tarball> in the app.
  const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", app], { cwd: ROOT, encoding: "utf8" }).trim().split("\n").pop();
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "my-app", version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["i", "--offline", "--no-audit", "--no-fund", "--loglevel=error", join(app, packed)], { cwd: app });
  // `npm i react react-dom` and `vite`, from the copies already installed for the demo.
  for (const dep of ["react", "react-dom", "scheduler"]) {
    symlinkSync(join(ROOT, "www/node_modules", dep), join(app, "node_modules", dep), "dir");
  }
  [server, browser] = await Promise.all([startServer(["--rate", "20"]), launchBrowser()]);
}, { timeout: 120000 });

after(async () => {
  await vite?.close();
  await browser?.close();
  await server?.stop();
  if (app) rmSync(app, { recursive: true, force: true });
}, { timeout: 15000 });

/** Writes the app's files and (re)starts the Vite dev server on it. */
async function serve(files) {
  await vite?.close();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text.replaceAll("127.0.0.1:8080", server.host));
  rmSync(join(app, "node_modules/.vite"), { recursive: true, force: true });
  const { createServer } = requireFromWww("vite");
  vite = await createServer({ root: app, configFile: false, logLevel: "warn", server: { host: "127.0.0.1", port: 0, strictPort: false } });
  await vite.listen();
  const { port } = vite.httpServer.address();
  return `http://127.0.0.1:${port}/`;
}

/** Opens `url`, collecting page errors, console errors and failed responses (by URL). */
async function open(url) {
  const page = await browser.newPage();
  page.problems = [];
  page.logs = [];
  page.on("console", (msg) => page.logs.push(msg.text()));
  page.on("pageerror", (err) => page.problems.push(`pageerror: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/^Failed to load resource/.test(msg.text())) page.problems.push(`console: ${msg.text()}`);
  });
  page.on("response", (res) => {
    if (res.status() >= 400) page.problems.push(`${res.status()} ${res.url()}`);
  });
  await page.goto(url, { waitUntil: "load", timeout: 15000 });
  return page;
}

describe("README: use it in your app", () => {
  test("the installed package holds what the browser loads", () => {
    const pkg = join(app, "node_modules/calimero-socket");
    const shipped = readdirSync(join(pkg, "pkg"));
    assert.ok(shipped.includes("calimero_socket_bg.wasm"), `pkg/ in the tarball: ${shipped}`);
    assert.ok(readdirSync(join(pkg, "dist")).includes("index.js"));
  });

  test("plain JS: status lines, then batches with refresh flags", { timeout: 60000 }, async () => {
    const url = await serve({ "index.html": snippet("`index.html`:", "html"), "main.js": snippet("`main.js` (a context", "js") });
    const page = await open(url);
    try {
      const text = await waitFor(
        async () => {
          const t = await page.textContent("#out");
          return /batch of \d+ frames \(\w+\): refresh changed, (messages|channels|dms|members)/.test(t) && t;
        },
        { timeoutMs: 20000, what: "a batch line with a raised flag in #out" },
      );
      assert.match(text, /^status: connecting\nstatus: open\n/);
      assert.doesNotMatch(text, /error /);
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });

  test("React: the component counts refetches per raised flag", { timeout: 60000 }, async () => {
    const react = snippet("With React (", "js");
    const url = await serve({ "index.html": snippet("`index.html`:", "html"), "main.js": react });
    const page = await open(url);
    try {
      await waitFor(
        async () => /^open: messages refetched [1-9]\d*x/.test((await page.textContent("body p").catch(() => "")) ?? ""),
        { timeoutMs: 20000, what: "an open status and at least one messages refetch" },
      );
      const problems = page.problems.filter((p) => !/Download the React DevTools/.test(p));
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  test("the API in one screen: refetches on flags, then closes and frees", { timeout: 60000 }, async () => {
    const url = await serve({ "index.html": snippet("`index.html`:", "html"), "main.js": snippet("## The API in one screen", "js") });
    const page = await open(url);
    try {
      await waitFor(() => page.logs.some((l) => /^refetch (messages|channels)$/.test(l)), { timeoutMs: 20000, what: "a refetch log line" });
      assert.ok(page.logs.includes("status open"), page.logs.join("\n"));
      // After 5 s the snippet prints stats() and closes.
      await waitFor(() => page.logs.includes("status closed"), { timeoutMs: 15000, what: "status closed after 5 s" });
      assert.deepEqual(page.problems, []);
    } finally {
      await page.close();
    }
  });
});
