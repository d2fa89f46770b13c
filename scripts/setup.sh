#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need, from the package
# registries only (crates.io, npm, Debian). Idempotent: fast when all is in place.
# `--build-only`: only what scripts/build.sh needs (steps 1-3 and the package's npm dev
# tools); no apt, no browsers, no demo or test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=0
[ "${1:-}" = --build-only ] && build_only=1

log() { printf '\n== setup: %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. The wasm32 target of the machine's Rust toolchain.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# 2. wasm-bindgen-cli at exactly the version Cargo.lock pins (wasm-pack must not fetch it).
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  log "cargo install wasm-bindgen-cli $want (have: ${have:-none})"
  cargo install wasm-bindgen-cli --version "$want" --locked --force \
    || cargo install wasm-bindgen-cli --version "$want" --force
fi

# 3. wasm-pack, used with --mode no-install so it downloads nothing itself.
if ! command -v wasm-pack >/dev/null 2>&1; then
  log "cargo install wasm-pack"
  cargo install wasm-pack --locked || cargo install wasm-pack
fi

# 3b. The package's npm dev tools (binaryen's wasm-opt, terser, TypeScript).
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/terser ] \
  || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ "$build_only" = 1 ]; then
  echo "setup: ok (build only)"
  exit 0
fi

# 4. The three browser engines and their WebDriver servers, from Debian: Chromium and
#    chromedriver, Firefox ESR, WebKitGTK's WebKitWebDriver (its MiniBrowser needs a
#    display: Xvfb), plus python3-venv for the FastAPI example's environment.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || need+=(firefox-esr)
[ -x /usr/bin/WebKitWebDriver ] || need+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null 2>&1 || need+=(xvfb xauth)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# 4b. geckodriver (Firefox's WebDriver server) from crates.io, built once (~2 min).
if ! command -v geckodriver >/dev/null 2>&1; then
  log "cargo install geckodriver"
  cargo install geckodriver --locked || cargo install geckodriver
fi

# 5. npm dependencies: the local event server's `ws`, and the demo's (Vite, React,
#    playwright-core).
if [ ! -d tests/server/node_modules/ws ] || [ tests/server/package-lock.json -nt tests/server/node_modules/.package-lock.json ]; then
  log "npm ci (tests/server)"
  (cd tests/server && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -d www/node_modules/vite ] || [ www/package-lock.json -nt www/node_modules/.package-lock.json ]; then
  log "npm ci (www: the demo and the e2e tests)"
  (cd www && npm ci --no-audit --no-fund --loglevel=error)
fi

# 6. The FastAPI json-protocol example's venv (PyPI), which its browser test runs;
#    reinstalled only when docs/examples/requirements.txt changed.
req=docs/examples/requirements.txt
if [ ! -x .venv-examples/bin/uvicorn ] || ! cmp -s "$req" .venv-examples/requirements.installed; then
  log "python3 -m venv .venv-examples; pip install -r $req"
  if ! python3 -m venv .venv-examples; then
    apt-get install -y -qq python3-venv >/dev/null && python3 -m venv .venv-examples
  fi
  .venv-examples/bin/pip install --quiet --disable-pip-version-check -r "$req"
  cp "$req" .venv-examples/requirements.installed
fi

# 7. The Socket.IO test servers: npm ci in tests/socketio-server (socket.io, its Redis
#    adapter), the python-socketio venv (.venv-socketio) and redis-server (Debian).
source tests/socketio-server/setup-steps.sh
echo "setup: ok"
