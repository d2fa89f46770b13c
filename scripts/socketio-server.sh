#!/usr/bin/env bash
# Starts the local Socket.IO test servers (tests/socketio-server/) and redis-server in the
# background on free loopback ports. Source it from the repository root, like scripts/server.sh:
#
#   source scripts/socketio-server.sh
#   start_redis                              # REDIS_PID, REDIS_PORT, REDIS_URL
#   start_socketio --name A --redis "$REDIS_URL"   # SIO_PID, SIO_PORT (node, socket.io 4.8.4)
#   start_socketio_py                        # SIO_PY_PID, SIO_PY_PORT (python-socketio 5.18.1)
#   ...; stop_socketio; stop_socketio_py; stop_redis
#
# Every wait is bounded (10 s). Logs go to ${TMPDIR:-/tmp}/socketio-*.$$.log(.err).

# _sio_wait_listening PID OUT ERR VAR: waits for `LISTENING <port>` in OUT; sets VAR to the port.
_sio_wait_listening() {
  local pid=$1 out=$2 err=$3 var=$4 port
  for _ in $(seq 1 100); do
    port=$(awk '/^LISTENING/{print $2; exit}' "$out" 2>/dev/null || true)
    if [ -n "$port" ]; then
      printf -v "$var" '%s' "$port"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the Socket.IO test server did not start:" >&2
  cat "$err" >&2
  kill "$pid" 2>/dev/null || true
  return 1
}

# _sio_stop PID: SIGTERM, then SIGKILL if it is still there after 3 s.
_sio_stop() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 30); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# start_socketio [server.mjs args...]: the node server on a free port; sets SIO_PID, SIO_PORT.
start_socketio() {
  local log=${TMPDIR:-/tmp}/socketio-node.$$.${RANDOM}.log
  node tests/socketio-server/server.mjs --port 0 --host 127.0.0.1 "$@" >"$log" 2>"$log.err" &
  SIO_PID=$!
  _sio_wait_listening "$SIO_PID" "$log" "$log.err" SIO_PORT || return 1
  export SIO_PID SIO_PORT
}
stop_socketio() {
  _sio_stop "${SIO_PID:-}"
  SIO_PID=
}

# start_socketio_py [python_server.py args...]: the python server (.venv-socketio) on a free
# port; sets SIO_PY_PID, SIO_PY_PORT.
start_socketio_py() {
  local log=${TMPDIR:-/tmp}/socketio-py.$$.${RANDOM}.log
  if [ ! -x .venv-socketio/bin/python ]; then
    echo "no .venv-socketio: source tests/socketio-server/setup-steps.sh first" >&2
    return 1
  fi
  .venv-socketio/bin/python tests/socketio-server/python_server.py --port 0 --host 127.0.0.1 "$@" >"$log" 2>"$log.err" &
  SIO_PY_PID=$!
  _sio_wait_listening "$SIO_PY_PID" "$log" "$log.err" SIO_PY_PORT || return 1
  export SIO_PY_PID SIO_PY_PORT
}
stop_socketio_py() {
  _sio_stop "${SIO_PY_PID:-}"
  SIO_PY_PID=
}

# _sio_free_port: prints a free loopback TCP port (bind port 0, read it, close).
_sio_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# start_redis: redis-server on a free loopback port, no persistence; waits until PING
# answers; sets REDIS_PID, REDIS_PORT, REDIS_URL.
start_redis() {
  local log=${TMPDIR:-/tmp}/socketio-redis.$$.${RANDOM}.log attempt
  command -v redis-server >/dev/null 2>&1 || { echo "redis-server is not installed" >&2; return 1; }
  for attempt in 1 2 3; do
    REDIS_PORT=$(_sio_free_port)
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize no --loglevel warning >"$log" 2>&1 &
    REDIS_PID=$!
    for _ in $(seq 1 50); do
      if [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; then
        REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
        export REDIS_PID REDIS_PORT REDIS_URL
        return 0
      fi
      kill -0 "$REDIS_PID" 2>/dev/null || break
      sleep 0.1
    done
    _sio_stop "$REDIS_PID"
  done
  echo "redis-server did not start:" >&2
  cat "$log" >&2
  return 1
}
stop_redis() {
  _sio_stop "${REDIS_PID:-}"
  REDIS_PID=
}
