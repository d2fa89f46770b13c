#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm (size-tuned profile), wasm-bindgen
# glue for ES modules, then wasm-opt -Oz from npm's binaryen and terser on the JS
# (the glue, the snippets and the entry points in dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
rm -rf pkg   # stale snippet folders would otherwise be packed and measured
wasm-pack build --target web --release --mode no-install --no-pack --out-dir pkg --out-name calimero_socket
wasm="pkg/calimero_socket_bg.wasm"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  --minify-imports-and-exports-and-modules \
  "$wasm" -o "$wasm.opt" | node scripts/short_names.mjs pkg/calimero_socket.js
mv "$wasm.opt" "$wasm"
rm -f pkg/.gitignore   # wasm-pack's "*" would keep pkg/snippets out of `npm pack`
# The generated glue and the snippets ship minified (terser from npm): nobody edits them
# in pkg/, and the glue carries every Rust doc comment as JSDoc (js/index.d.ts has the
# types). Property names are kept, so the glue and the snippets still meet by name.
for f in pkg/calimero_socket.js $(find pkg/snippets -name '*.js'); do
  node_modules/.bin/terser "$f" --module --compress --mangle --output "$f.min"
  mv "$f.min" "$f"
done
# The package's entry points ship minified too (dist/, what package.json exports); their
# commented sources stay in js/ next to the .d.ts files. dist/index.js reaches the glue
# at ../pkg/ and dist/react.js its sibling ./index.js, the same paths as from js/.
mkdir -p dist
for f in index react tanstack-query swr; do
  node_modules/.bin/terser "js/$f.js" --module --compress --mangle --output "dist/$f.js"
done
echo "build: $(wc -c < "$wasm") bytes wasm, $(gzip -9 -c "$wasm" | wc -c) gzip"
