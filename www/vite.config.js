// `npx vite build` writes everything into dist/, served by the local event server
// (`--static www/dist:/`):
// - the demo (index.html), a production build;
// - the hook test pages (test-pages/*.html) that tests/e2e drives, built right after
//   in React's development mode, because StrictMode's double mount (the case they
//   test) only happens there, and so that React's warnings reach the console.
// JSX uses React's automatic runtime through Vite's own transform (Oxc): no plugin.
import { build, defineConfig } from "vite";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const jsx = { jsx: { runtime: "automatic", importSource: "react" } };
// calimero-socket is linked from `..` (file:..): its `import "react"` (and the query
// cache entries' `@tanstack/react-query` and `swr`) must resolve to this app's single
// copy, not to one beside the package.
const resolve = { dedupe: ["react", "react-dom", "@tanstack/react-query", "swr"] };

const testPages = Object.fromEntries(
  readdirSync(here("./test-pages"))
    .filter((f) => f.endsWith(".html"))
    .map((f) => [f.replace(/\.html$/, ""), here(`./test-pages/${f}`)]),
);

/** Builds the test pages once the demo's bundle is written. */
const buildTestPages = {
  name: "calimero-socket:test-pages",
  apply: "build",
  async closeBundle() {
    await build({
      configFile: false,
      root: here("."),
      base: "./",
      mode: "development",
      logLevel: "warn",
      define: { "process.env.NODE_ENV": JSON.stringify("development") },
      oxc: jsx,
      resolve,
      build: {
        outDir: "dist",
        emptyOutDir: false,
        minify: false,
        target: "es2022",
        chunkSizeWarningLimit: 4096,
        rollupOptions: {
          input: testPages,
          // TanStack Query's "use client" lines mean nothing to a client-only bundle.
          onwarn: (w, warn) => void (w.code === "MODULE_LEVEL_DIRECTIVE" || warn(w)),
          output: { entryFileNames: "test-assets/[name]-[hash].js", chunkFileNames: "test-assets/[name]-[hash].js", assetFileNames: "test-assets/[name]-[hash][extname]" },
        },
      },
    });
  },
};

export default defineConfig({
  base: "./",
  oxc: jsx,
  resolve,
  plugins: [buildTestPages],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1024,
    rollupOptions: { input: { main: here("./index.html") } },
  },
  // `npx vite` (dev server with hot reload): the page's same-origin `/json`, `/ws` and
  // `/control/*` go to a running event server (EVENT_SERVER, default the demo's port).
  server: {
    host: "127.0.0.1",
    fs: { allow: [here("..")] }, // the linked package (js/, pkg/) lives one level up
    proxy: Object.fromEntries(
      ["/control", "/json", "/ws"].map((p) => [p, { target: process.env.EVENT_SERVER || "http://127.0.0.1:8080", ws: p !== "/control" }]),
    ),
  },
});
