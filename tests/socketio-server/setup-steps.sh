# Setup steps for the Socket.IO test servers, to be sourced from the repository root
# (by scripts/setup.sh, or by hand: `source tests/socketio-server/setup-steps.sh`).
# Idempotent, registries only: npm ci (tests/socketio-server), the python venv
# .venv-socketio (PyPI, tests/socketio-server/requirements.txt) and redis-server (Debian).
# Each step runs only when something is missing or its lockfile changed.

_sio_setup_log() { printf '\n== setup (socketio-server): %s\n' "$*"; }

# 1. npm dependencies (socket.io, socket.io-client, the Redis adapter, redis, ws).
if [ ! -d tests/socketio-server/node_modules/socket.io ] \
  || [ tests/socketio-server/package-lock.json -nt tests/socketio-server/node_modules/.package-lock.json ]; then
  _sio_setup_log "npm ci (tests/socketio-server)"
  (cd tests/socketio-server && npm ci --no-audit --no-fund --loglevel=error)
fi

# 2. redis-server (and python3-venv if the venv cannot be made), apt-get update at most once.
_sio_apt_updated=0
_sio_apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$_sio_apt_updated" = 0 ]; then
    apt-get update -qq
    _sio_apt_updated=1
  fi
  apt-get install -y -qq "$@" >/dev/null
}
if ! command -v redis-server >/dev/null 2>&1; then
  _sio_setup_log "apt-get install redis-server"
  _sio_apt_install redis-server
fi

# 3. The python-socketio server's venv; rebuilt only when requirements.txt changed.
_sio_req=tests/socketio-server/requirements.txt
if [ ! -x .venv-socketio/bin/python ] || ! cmp -s "$_sio_req" .venv-socketio/requirements.installed; then
  _sio_setup_log "python3 -m venv .venv-socketio; pip install -r $_sio_req"
  if ! python3 -m venv .venv-socketio; then
    _sio_apt_install python3-venv && python3 -m venv .venv-socketio
  fi
  .venv-socketio/bin/pip install --quiet --disable-pip-version-check -r "$_sio_req"
  cp "$_sio_req" .venv-socketio/requirements.installed
fi
unset _sio_req _sio_apt_updated
unset -f _sio_setup_log _sio_apt_install
