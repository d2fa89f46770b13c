#!/usr/bin/env bash
# Sets everything up, then runs every test: native core tests (fake clock), the local
# server's self-test, the npm package checks (size budget, types), the packed package
# installed into an app and loaded in each engine, the browser tests of the wasm in
# Chromium, Firefox and WebKit against the server, the end-to-end tests of the React
# hooks, the demo and shareAcrossTabs (several tabs, Chromium), and shareAcrossTabs over
# two windows in Firefox and WebKit. SDK_ENGINES="chrome firefox safari" (the default)
# picks the engines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PATH"
source scripts/server.sh

echo; echo "== native core tests (cargo test)"
cargo test --quiet

echo; echo "== local server self-test (node --test)"
node --test tests/server/
echo; echo "== Socket.IO test servers' self-test (node --test: socket.io, python-socketio, two servers on Redis)"
node --test tests/socketio-server/

echo; echo "== npm package: build, size budget, types, contents"
bash scripts/build.sh
node scripts/size.mjs
bash bench/core-size/run.sh   # the core alone (keeps the size probe building with the core)
npm run --silent check:types
npm pack --dry-run --silent >/dev/null

# Engines of the browser tests and the smoke test: SDK_ENGINES="chrome firefox safari"
# (the default, what CI runs) or any subset, e.g. SDK_ENGINES=chrome for a quick run.
SDK_ENGINES=${SDK_ENGINES:-chrome firefox safari}

echo; echo "== the packed package as an app installs it (npm pack, npm i, each engine; the debug build in Chromium)"
node tests/package/smoke.mjs --engines "$SDK_ENGINES" --debug-build

# Browser tests: every tests/browser_*.rs file in each engine of SDK_ENGINES, against the
# local server. Drivers go to wasm-pack by flag only: the runner takes GECKODRIVER,
# SAFARIDRIVER, CHROMEDRIVER from the environment in that order of preference, so an
# exported GECKODRIVER would make a "WebKit" run silently run Firefox; every run has all
# three unset.
engine_label() {
  case "$1" in
    chrome) echo "Chromium (chromedriver)" ;;
    firefox) echo "Firefox (geckodriver)" ;;
    safari) echo "WebKit (WebKitWebDriver, WebKitGTK MiniBrowser under Xvfb)" ;;
  esac
}
# run_browser_tests ENGINE [FILE...]: the files default to every tests/browser_*.rs.
run_browser_tests() {
  local engine=$1 t name start
  local -a cmd
  case "$engine" in
    chrome) cmd=(wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)") ;;
    firefox) cmd=(wasm-pack test --headless --firefox --geckodriver "$(command -v geckodriver)") ;;
    safari)
      # WebKitWebDriver starts its default MiniBrowser, which has no headless mode:
      # without a display every file would hang until the runner's timeout.
      if ! command -v xvfb-run >/dev/null 2>&1; then
        echo "test: xvfb-run not found; WebKit's MiniBrowser needs a display (run: bash scripts/setup.sh)" >&2
        return 1
      fi
      cmd=(xvfb-run -a wasm-pack test --headless --safari --safaridriver /usr/bin/WebKitWebDriver) ;;
    *) echo "test: unknown engine '$engine' in SDK_ENGINES (chrome, firefox, safari)" >&2; return 1 ;;
  esac
  echo; echo "== browser tests in $(engine_label "$engine")"
  shift
  [ $# -gt 0 ] || set -- tests/browser_*.rs
  start=$(date +%s)
  for t in "$@"; do
    name=$(basename "$t" .rs)
    echo "-- $engine: $name"
    # `std`: the test harness links std (see Cargo.toml).
    env -u GECKODRIVER -u SAFARIDRIVER -u CHROMEDRIVER \
      "${cmd[@]}" --mode no-install -- --features std --test "$name"
  done
  ENGINE_TIMES+=("$engine $(( $(date +%s) - start )) s")
}

start_server
trap stop_server EXIT
export SDK_TEST_SERVER="127.0.0.1:$SERVER_PORT"
start_fastapi   # the FastAPI json example (docs/examples/), for tests/browser_fastapi.rs
trap 'stop_server; stop_fastapi' EXIT
export SDK_FASTAPI_SERVER="127.0.0.1:$FASTAPI_PORT"
# The Socket.IO servers of tests/browser_socketio.rs: socket.io (node) with short pings
# and a small maxPayload, python-socketio.
source scripts/socketio-server.sh
start_socketio --ping-interval 2000 --ping-timeout 1000 --max-payload 10000 --per-message-deflate 1024
start_socketio_py --ping-interval 2000
trap 'stop_server; stop_fastapi; stop_socketio; stop_socketio_py' EXIT
export SDK_SOCKETIO_SERVER="127.0.0.1:$SIO_PORT" SDK_SOCKETIO_PY_SERVER="127.0.0.1:$SIO_PY_PORT"
# A second socket.io server with connection state recovery.
main_sio_pid=$SIO_PID
start_socketio --recovery 60000
recovery_sio_pid=$SIO_PID
export SDK_SOCKETIO_RECOVERY_SERVER="127.0.0.1:$SIO_PORT"
# tests/browser_fleet.rs: a second local event server (a Calimero pair), and a socket.io
# cluster of two servers sharing a real redis-server through the Redis adapter.
main_server_pid=$SERVER_PID main_server_port=$SERVER_PORT
start_server
second_server_pid=$SERVER_PID
export SDK_TEST_SERVER2="127.0.0.1:$SERVER_PORT"
SERVER_PID=$main_server_pid SERVER_PORT=$main_server_port
start_redis
start_socketio --redis "$REDIS_URL" --name A
cluster_a_pid=$SIO_PID
export SDK_CLUSTER_A="127.0.0.1:$SIO_PORT"
start_socketio --redis "$REDIS_URL" --name B
cluster_b_pid=$SIO_PID
export SDK_CLUSTER_B="127.0.0.1:$SIO_PORT"
stop_socketio_both() {
  local p
  for p in $main_sio_pid $recovery_sio_pid $cluster_a_pid $cluster_b_pid; do SIO_PID=$p stop_socketio; done
  SERVER_PID=$second_server_pid stop_server
  stop_redis
}
trap 'stop_server; stop_fastapi; stop_socketio_both; stop_socketio_py' EXIT
export WASM_BINDGEN_TEST_TIMEOUT=120
ENGINE_TIMES=()
for engine in $SDK_ENGINES; do
  run_browser_tests "$engine"
done
stop_server
stop_fastapi
stop_socketio_both
stop_socketio_py
trap - EXIT
echo; echo "== browser tests: time per engine"
printf '   %s\n' "${ENGINE_TIMES[@]}"

echo; echo "== end-to-end tests (React hooks, the demo, shareAcrossTabs across tabs: Playwright + headless Chromium)"
(cd www && npx vite build --logLevel warn)
node --test tests/e2e/

echo; echo "== shareAcrossTabs across two windows in Firefox and WebKit (WebDriver)"
tabs_engines=
for e in $SDK_ENGINES; do [ "$e" = chrome ] || tabs_engines+="$e "; done
[ -z "$tabs_engines" ] || node tests/tabs-webdriver/run.mjs --engines "$tabs_engines"

echo; echo "all tests passed"
