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
