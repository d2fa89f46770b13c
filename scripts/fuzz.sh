#!/usr/bin/env bash
# The long fuzz run of every decoder (tests/fuzz_decoders.rs): 10 million inputs by
# default, release build. Prints inputs/s, panics and disagreements with serde_json
# (both must be 0). Usage: bash scripts/fuzz.sh [inputs] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
FUZZ_INPUTS="${1:-10000000}" FUZZ_SEED="${2:-7}" cargo test --release --quiet --test fuzz_decoders -- --nocapture
