#!/usr/bin/env node
// Gives the wasm's imports and exports short names. `wasm-opt
// --minify-imports-and-exports-and-modules` renames them in the wasm and prints the
// mapping (JSON on stdin here); this rewrites the wasm-bindgen glue to match: the keys
// of its import object, the module names, and every `wasm.<export>` it calls. The
// names wasm-bindgen makes carry a 16-hex-digit hash each (~1.4 KB gzip of the package
// in all). Any name not found where expected fails the build, so a change in the
// glue's shape cannot go unnoticed.
//
//   wasm-opt ... --minify-imports-and-exports-and-modules in.wasm -o out.wasm | node scripts/short_names.mjs pkg/calimero_socket.js

import { readFileSync, writeFileSync } from 'node:fs';

const gluePath = process.argv[2];
const input = readFileSync(0, 'utf8');
let map;
try {
  map = JSON.parse(input);
} catch (e) {
  const what = input.trim() === '' ? 'nothing' : `text that is not JSON (${e.message}): ${JSON.stringify(input.slice(0, 80))}`;
  console.error(`short_names: expected the JSON name mapping that wasm-opt --minify-imports-and-exports-and-modules prints on stdin, got ${what}; did wasm-opt run (node_modules/.bin/wasm-opt, from \`npm ci\`)?`);
  process.exit(1);
}
if (!map || !Array.isArray(map.imports) || !Array.isArray(map.exports)) {
  console.error('short_names: the JSON on stdin has no "imports" and "exports" arrays; is it the output of wasm-opt --minify-imports-and-exports-and-modules?');
  process.exit(1);
}
let glue = readFileSync(gluePath, 'utf8');

function fail(what) {
  console.error(`short_names: ${what} not found in ${gluePath}; the glue's shape changed`);
  process.exit(1);
}

const escape = (s) => s.replace(/[$]/g, '\\$&');
const GLUE_MODULE = './calimero_socket_bg.js';

// Imports the glue defines itself: object keys `name: function`.
const direct = []; // [module, base, short] served straight from a snippet module
for (const [module, base, short] of map.imports) {
  if (module !== GLUE_MODULE) {
    direct.push([module, base, short]);
    continue;
  }
  const re = new RegExp(`(^|[\\s,{])${escape(base)}(?=\\s*:)`, 'm');
  if (!re.test(glue)) fail(`import ${base}`);
  glue = glue.replace(re, `$1${short}`);
}

// Exports: `wasm.<name>` everywhere. Some are never named by the glue (closure shims
// reached through the table), but the constructor always is.
let renamed = 0;
for (const [name, short] of map.exports) {
  const re = new RegExp(`\\bwasm\\.${escape(name)}\\b`, 'g');
  if (!re.test(glue)) continue;
  glue = glue.replace(re, `wasm.${short}`);
  renamed++;
}
if (!map.exports.some(([name]) => name === 'socketmanager_new') || !/\bwasm\.socketmanager_new\b/.test(readFileSync(gluePath, 'utf8'))) fail('export socketmanager_new');

// The import object: every module becomes the one module the minified wasm names.
const modules = new Set(map.imports.map(([m]) => m));
const ret = /return \{\s*__proto__: null,\s*("[^"]+": import\d+,\s*)+\};/m;
const block = glue.match(ret);
if (!block) fail('the import object');
const aliases = [...block[0].matchAll(/"([^"]+)": (import\d+)/g)].map(([, m, v]) => [m, v]);
const nsOf = (module) => {
  const hit = aliases.find(([m, v]) => m === module && v !== 'import0');
  if (!hit) fail(`a namespace for ${module}`);
  return hit[1];
};
const extra = direct.map(([module, base, short]) => `${short}: ${nsOf(module)}.${base}`).join(', ');
if (modules.size === 0) fail('imports in the mapping');
// binaryen names the one module of the minified imports "a".
glue = glue.replace(ret, `return { __proto__: null, "a": Object.assign(import0, { ${extra} }) };`);

writeFileSync(gluePath, glue);
console.log(`short_names: ${map.imports.length} imports and ${renamed} of ${map.exports.length} exports renamed in the glue`);
