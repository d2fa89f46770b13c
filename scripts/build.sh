#!/usr/bin/env bash
# Builds the npm package into pkg/: release wasm (size-tuned profile), wasm-bindgen
# glue for ES modules, then wasm-opt -Oz from npm's binaryen.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
rm -rf pkg   # stale snippet folders would otherwise be packed and measured
wasm-pack build --target web --release --mode no-install --no-pack --out-dir pkg --out-name calimero_socket
wasm="pkg/calimero_socket_bg.wasm"
node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$wasm" -o "$wasm.opt"
mv "$wasm.opt" "$wasm"
rm -f pkg/.gitignore   # wasm-pack's "*" would keep pkg/snippets out of `npm pack`
echo "build: $(wc -c < "$wasm") bytes wasm, $(gzip -9 -c "$wasm" | wc -c) gzip"
