#!/usr/bin/env bash
# Builds the npm package into pkg/ and dist/: release wasm (size-tuned profile),
# wasm-bindgen glue for ES modules, then wasm-opt -Oz from npm's binaryen and terser on
# the JS (the glue, the snippets and the entry points in dist/). Two wasm builds, one per
# entry: pkg/ with the calimero and json protocols (`calimero-socket`), pkg/socketio/
# with Socket.IO alone (`calimero-socket/socketio`), so an app downloads one of them.
#
#   bash scripts/build.sh               # the release package
#   bash scripts/build.sh --debug       # development build: panics print their message
#                                       # (feature `debug-panics`), nothing minified
#   bash scripts/build.sh --into DIR    # write DIR/pkg and DIR/dist instead of ./pkg, ./dist
#
# Everything is built in a temporary folder and moved into place only when every step
# succeeded: a failed build leaves the previous pkg/ and dist/ as they were.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

debug=0 into=.
while [ $# -gt 0 ]; do
  case "$1" in
    --debug) debug=1 ;;
    --into) into=${2:?--into needs a folder}; shift ;;
    *) echo "build: unknown argument '$1' (--debug, --into DIR)" >&2; exit 2 ;;
  esac
  shift
done

# The tools first, before the minutes of the Rust build. A missing one stops the build at
# once with the command that installs it, rather than installing it here: `npm pack`
# runs this from its prepack script, and a build should not quietly spend minutes in
# `cargo install` or re-run `npm ci` under npm. `setup.sh --build-only` installs only
# what the build needs (no apt, no browsers).
missing=()
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || missing+=("the wasm32-unknown-unknown target")
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
[ "$have" = "$want" ] || missing+=("wasm-bindgen-cli $want (have: ${have:-none})")
command -v wasm-pack >/dev/null 2>&1 || missing+=("wasm-pack")
[ -x node_modules/.bin/wasm-opt ] || missing+=("node_modules/.bin/wasm-opt")
[ -x node_modules/.bin/terser ] || missing+=("node_modules/.bin/terser")
if [ ${#missing[@]} -gt 0 ]; then
  printf -v list '%s, ' "${missing[@]}"
  echo "build: missing ${list%, }; run: bash scripts/setup.sh --build-only" >&2
  exit 1
fi

mkdir -p target "$into"
tmp=$(mktemp -d target/build.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
entries="index react tanstack-query swr socketio entry"

# One wasm build into $1 with the protocols $2 (cargo features).
build_wasm() {
  local out=$1 features=$2 wasm="$1/calimero_socket_bg.wasm"
  if [ "$debug" = 1 ]; then
    # std's panic machinery and console_error_panic_hook: a panic prints its message and
    # location with console.error before the trap. The glue keeps wasm-bindgen's names
    # and the wasm its name section (readable stack traces); wasm-opt and terser are skipped.
    wasm-pack build --target web --release --mode no-install --no-pack --out-dir "$out" \
      --out-name calimero_socket -- --no-default-features --features "$features,debug-panics"
    rm -f "$out/.gitignore"
    return
  fi
  wasm-pack build --target web --release --mode no-install --no-pack --out-dir "$out" \
    --out-name calimero_socket -- --no-default-features --features "$features"
  node_modules/.bin/wasm-opt -Oz --strip-debug --strip-producers --strip-target-features \
    --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    --minify-imports-and-exports-and-modules \
    "$wasm" -o "$wasm.opt" >"$tmp/names.json"
  node scripts/short_names.mjs "$out/calimero_socket.js" <"$tmp/names.json"
  mv "$wasm.opt" "$wasm"
  rm -f "$out/.gitignore"   # wasm-pack's "*" would keep pkg/snippets out of `npm pack`
  # The generated glue and the snippets ship minified (terser from npm): nobody edits them
  # in pkg/, and the glue carries every Rust doc comment as JSDoc (js/index.d.ts has the
  # types). Property names are kept, so the glue and the snippets still meet by name.
  for f in "$out/calimero_socket.js" $(find "$out/snippets" -name '*.js'); do
    node_modules/.bin/terser "$f" --module --compress --mangle --output "$f.min"
    mv "$f.min" "$f"
  done
}

out="$tmp/pkg"
build_wasm "$out" calimero,json
build_wasm "$tmp/pkg-socketio" socketio
mv "$tmp/pkg-socketio" "$out/socketio"

if [ "$debug" = 1 ]; then
  # Marks the build: package.json's prepack rebuilds the release over it, so `npm pack`
  # never ships a debug build (the file is not in "files" either).
  echo "development build (npm run build:debug); npm run build makes the release" >"$out/DEBUG_BUILD"
  mkdir -p "$tmp/dist"
  for f in $entries; do cp "js/$f.js" "$tmp/dist/$f.js"; done
else
  # The package's entry points ship minified too (dist/, what package.json exports); their
  # commented sources stay in js/ next to the .d.ts files. dist/index.js reaches the glue
  # at ../pkg/ and dist/react.js its sibling ./index.js, the same paths as from js/.
  mkdir -p "$tmp/dist"
  for f in $entries; do
    node_modules/.bin/terser "js/$f.js" --module --compress --mangle --output "$tmp/dist/$f.js"
  done
fi

# Every step succeeded: swap the new pkg/ and dist/ in (same file system, so each is a
# rename; stale snippet folders of an older build cannot survive).
rm -rf "$into/pkg" "$into/dist"
mv "$out" "$into/pkg"
mv "$tmp/dist" "$into/dist"
for wasm in "$into/pkg/calimero_socket_bg.wasm" "$into/pkg/socketio/calimero_socket_bg.wasm"; do
  echo "build: $([ "$debug" = 1 ] && echo "debug, ")${wasm#"$into/"}: $(wc -c < "$wasm") bytes wasm, $(gzip -9 -c "$wasm" | wc -c) gzip"
done
