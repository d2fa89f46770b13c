#!/usr/bin/env bash
# Sets everything up, then runs every test: native core tests (fake clock), the local
# server's self-test, and the browser tests in headless Chromium against the server.
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
npm run --silent check:types
npm pack --dry-run --silent >/dev/null

echo; echo "== browser tests (wasm-pack test --headless --chrome)"
start_server
trap stop_server EXIT
export SDK_TEST_SERVER="127.0.0.1:$SERVER_PORT"
export WASM_BINDGEN_TEST_TIMEOUT=120
for t in tests/browser_*.rs; do
  name=$(basename "$t" .rs)
  wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" --mode no-install -- --test "$name"
done
echo; echo "all tests passed"
