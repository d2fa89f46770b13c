#!/usr/bin/env bash
# The long fuzz run of every decoder: tests/fuzz_decoders.rs (Calimero and json, against
# serde_json) and tests/fuzz_socketio.rs (Engine.IO and Socket.IO packets, against an
# independent reading of the grammar with serde_json, plus writer round trips): 10
# million inputs each by default, release build. Each prints inputs/s, panics and
# disagreements (both must be 0). The test command runs both with a few thousand inputs.
# Usage: bash scripts/fuzz.sh [inputs] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
for t in fuzz_decoders fuzz_socketio; do
  FUZZ_INPUTS="${1:-10000000}" FUZZ_SEED="${2:-7}" cargo test --release --quiet --test "$t" -- --nocapture
done
