#!/usr/bin/env bash
# Builds the core-only probe (see Cargo.toml) like the package (release, opt-level z,
# LTO, wasm-opt -Oz) and prints its raw and gzip bytes next to the package's wasm.
# Run from anywhere after `bash scripts/build.sh`; needs the setup's tools.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
target="$root/target/core-size"
cargo build --quiet --release --target wasm32-unknown-unknown \
  --manifest-path "$here/Cargo.toml" --target-dir "$target"
out="$target/core.wasm"
"$root/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
  --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$target/wasm32-unknown-unknown/release/core_size_probe.wasm" -o "$out"
row() { printf '%-34s %8s raw %8s gzip\n' "$1" "$(wc -c < "$2")" "$(gzip -9 -c "$2" | wc -c)"; }
row "core alone (rules, no glue)" "$out"
if [ -f "$root/pkg/calimero_socket_bg.wasm" ]; then
  row "package wasm (core + web glue)" "$root/pkg/calimero_socket_bg.wasm"
fi
