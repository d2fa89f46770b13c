// One build for the demo (index.html) and the hook test pages (test-pages/*.html),
// all into dist/, served by the local event server (`--static www/dist:/`).
// JSX uses React's automatic runtime through Vite's own transform (Oxc): no plugin.
import { defineConfig } from "vite";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const testPages = Object.fromEntries(
  readdirSync(here("./test-pages"))
    .filter((f) => f.endsWith(".html"))
    .map((f) => [`test-${f.replace(/\.html$/, "")}`, here(`./test-pages/${f}`)]),
);

export default defineConfig({
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  // calimero-socket is linked from `..` (file:..): its `import "react"` must resolve to
  // this app's single React copy, not to one beside the package.
  resolve: { dedupe: ["react", "react-dom"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 1024,
    rollupOptions: { input: { main: here("./index.html"), ...testPages } },
  },
  server: { host: "127.0.0.1" },
});
