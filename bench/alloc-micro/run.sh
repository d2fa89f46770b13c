#!/usr/bin/env bash
# Builds the allocator probe (see Cargo.toml) three times, one wasm per allocator, like
# the package (release, opt-level z, LTO, wasm-opt -Oz), and times its two workloads in
# Node: median of 7 runs each, ns per step, and the wasm memory at the end.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
target="$root/target/alloc-micro"
mkdir -p "$target/out"
for v in own talc lol; do
  feat=(); [ "$v" = own ] || feat=(--features "$v")
  cargo build --quiet --release --target wasm32-unknown-unknown \
    --manifest-path "$here/Cargo.toml" --target-dir "$target/$v" "${feat[@]}"
  "$root/node_modules/.bin/wasm-opt" -Oz --strip-debug --strip-producers \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$target/$v/wasm32-unknown-unknown/release/alloc_micro_probe.wasm" -o "$target/out/$v.wasm"
done
node "$here/time.mjs" "$target/out"
