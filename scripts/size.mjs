#!/usr/bin/env node
// The package's size, tracked like a test: raw, gzip (level 9) and brotli (quality 11)
// bytes of the wasm and every JS file a browser loads, and a failure when the gzip
// total is over size-budget.json's `gzipBytes`. Run after `bash scripts/build.sh`.
// The main entry (`calimero-socket`, with the React hooks) is the table; the Socket.IO
// entry (`calimero-socket/socketio`: its own wasm build) is totalled below it and held
// to the same budget.
//
//   node scripts/size.mjs          table, exit 1 over budget
//   node scripts/size.mjs --json   the same numbers as JSON

import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const root = join(fileURLToPath(import.meta.url), "..", "..");

function jsUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return jsUnder(p);
      return name.endsWith(".js") ? [p] : [];
    });
}

const files = [
  join(root, "pkg/calimero_socket_bg.wasm"),
  join(root, "pkg/calimero_socket.js"),
  ...jsUnder(join(root, "pkg/snippets")),
  join(root, "dist/index.js"),
  join(root, "dist/entry.js"),
  join(root, "dist/react.js"),
];
const socketioFiles = [
  join(root, "pkg/socketio/calimero_socket_bg.wasm"),
  join(root, "pkg/socketio/calimero_socket.js"),
  ...jsUnder(join(root, "pkg/socketio/snippets")),
  join(root, "dist/socketio.js"),
  join(root, "dist/entry.js"),
];

// The query-cache entries (calimero-socket/tanstack-query, calimero-socket/swr) load only
// in apps that import them, each beside its own library: measured and printed, but
// outside the total and the budget.
const optional = [join(root, "dist/tanstack-query.js"), join(root, "dist/swr.js")];

const missing = [...files, ...socketioFiles, ...optional].filter((f) => !existsSync(f));
if (missing.length) {
  console.error(`size: missing ${missing.map((f) => relative(root, f)).join(", ")} (run bash scripts/build.sh)`);
  process.exit(1);
}

const measure = (f) => {
  const data = readFileSync(f);
  return {
    file: relative(root, f),
    raw: data.length,
    gzip: gzipSync(data, { level: 9 }).length,
    brotli: brotliCompressSync(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }).length,
  };
};
const rows = files.map(measure);
const optionalRows = optional.map(measure);

const sum = (list, key) => list.reduce((n, r) => n + r[key], 0);
const total = { file: "total", raw: sum(rows, "raw"), gzip: sum(rows, "gzip"), brotli: sum(rows, "brotli") };
const core = rows.filter((r) => r.file !== "dist/react.js");
const withoutReact = { file: "total without dist/react.js", raw: sum(core, "raw"), gzip: sum(core, "gzip"), brotli: sum(core, "brotli") };

const budget = JSON.parse(readFileSync(join(root, "size-budget.json"), "utf8")).gzipBytes;
if (!Number.isInteger(budget) || budget <= 0) {
  console.error("size: size-budget.json must hold a positive integer gzipBytes");
  process.exit(1);
}
const sio = socketioFiles.map(measure);
const socketio = { file: "calimero-socket/socketio (its wasm, glue, snippets, entry)", raw: sum(sio, "raw"), gzip: sum(sio, "gzip"), brotli: sum(sio, "brotli") };
const over = total.gzip > budget || socketio.gzip > budget;

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ files: rows, total, withoutReact, socketio, optional: optionalRows, budget: { gzipBytes: budget, over } }, null, 2));
} else {
  const width = Math.max(...[...rows, withoutReact, socketio, ...optionalRows].map((r) => r.file.length + 2));
  const line = (r) => `${r.file.padEnd(width)}  ${String(r.raw).padStart(8)}  ${String(r.gzip).padStart(8)}  ${String(r.brotli).padStart(8)}`;
  console.log(`${"file".padEnd(width)}  ${"raw".padStart(8)}  ${"gzip -9".padStart(8)}  ${"brotli".padStart(8)}`);
  rows.forEach((r) => console.log(line(r)));
  console.log(line(withoutReact));
  console.log(line(total));
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(line(socketio));
  console.log("optional entries (not in the total or the budget):");
  optionalRows.forEach((r) => console.log(line({ ...r, file: `  ${r.file}` })));
  console.log(`gzip total ${total.gzip} B (${kb(total.gzip)} KB), socketio entry ${socketio.gzip} B (${kb(socketio.gzip)} KB) / budget ${budget} B (${kb(budget)} KB) each: ${over ? "OVER BUDGET" : "ok"}`);
}
if (over) {
  console.error(`size: gzip total ${total.gzip} B or the socketio entry's ${socketio.gzip} B is over the budget of ${budget} B (size-budget.json; see README "Package and size")`);
  process.exit(1);
}
