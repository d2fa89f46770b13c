#!/usr/bin/env bash
# Sets everything up, then runs every test: native core tests (fake clock), the local
# server's self-test, the npm package checks (size budget, types), the browser tests of
# the wasm in headless Chromium against the server, and the end-to-end tests of the
# React hooks and the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/server.sh

echo; echo "== native core tests (cargo test)"
cargo test --quiet

echo; echo "== local server self-test (node --test)"
node --test tests/server/

echo; echo "== npm package: build, size budget, types, contents"
bash scripts/build.sh
node scripts/size.mjs
bash bench/core-size/run.sh   # the core alone (keeps the size probe building with the core)
npm run --silent check:types
npm pack --dry-run --silent >/dev/null

echo; echo "== browser tests (wasm-pack test --headless --chrome)"
start_server
trap stop_server EXIT
export SDK_TEST_SERVER="127.0.0.1:$SERVER_PORT"
export WASM_BINDGEN_TEST_TIMEOUT=120
for t in tests/browser_*.rs; do
  name=$(basename "$t" .rs)
  # `std`: the test harness links std (see Cargo.toml).
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" --mode no-install -- --features std --test "$name"
done
stop_server
trap - EXIT

echo; echo "== end-to-end tests (React hooks and the demo, Playwright + headless Chromium)"
(cd www && npx vite build --logLevel warn)
node --test tests/e2e/

echo; echo "all tests passed"
