#!/usr/bin/env bash
# Sets everything up, builds the package and the React demo, and serves the demo with
# the local event server generating chat traffic. Prints the URL; Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
(cd www && npx vite build --logLevel warn)
port="${DEMO_PORT:-8080}"
rate="${DEMO_RATE:-20}"
echo
echo "Demo: http://127.0.0.1:$port/   (local server on the same port, $rate frames/s)"
exec node tests/server/server.mjs --port "$port" --host 127.0.0.1 --rate "$rate" --static "$PWD/www/dist:/"
