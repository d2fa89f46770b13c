#!/usr/bin/env bash
# Starts the local event server in the background on a free loopback port.
# Usage: source scripts/server.sh [server args...]; sets SERVER_PID and SERVER_PORT.
start_server() {
  local log
  log=$(mktemp)
  node tests/server/server.mjs --port 0 --host 127.0.0.1 "$@" >"$log" 2>"$log.err" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    if grep -q '^LISTENING' "$log"; then
      SERVER_PORT=$(awk '/^LISTENING/{print $2}' "$log")
      export SERVER_PID SERVER_PORT
      return 0
    fi
    sleep 0.1
  done
  echo "the local server did not start:" >&2
  cat "$log.err" >&2
  return 1
}
stop_server() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}

# Starts the FastAPI json-protocol example (docs/examples/fastapi_json_server.py) with the
# venv scripts/setup.sh made, on a free loopback port; sets FASTAPI_PID and FASTAPI_PORT.
start_fastapi() {
  local log=${TMPDIR:-/tmp}/fastapi-example.$$.log
  # The log exists before the server (which may not have opened it yet) is read, so the
  # first read cannot fail (under `set -e` that would end the caller).
  : >"$log"
  .venv-examples/bin/uvicorn fastapi_json_server:app --app-dir docs/examples \
    --host 127.0.0.1 --port 0 --log-level info >"$log" 2>&1 &
  FASTAPI_PID=$!
  for _ in $(seq 1 100); do
    FASTAPI_PORT=$(sed -n 's|.*Uvicorn running on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" 2>/dev/null || true)
    if [ -n "$FASTAPI_PORT" ]; then
      export FASTAPI_PID FASTAPI_PORT
      return 0
    fi
    kill -0 "$FASTAPI_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the FastAPI example server did not start:" >&2
  cat "$log" >&2
  return 1
}
stop_fastapi() {
  if [ -n "${FASTAPI_PID:-}" ]; then
    kill "$FASTAPI_PID" 2>/dev/null || true
    wait "$FASTAPI_PID" 2>/dev/null || true
    FASTAPI_PID=
  fi
}
