#!/usr/bin/env bash
# The API contract alone, as long as you like: builds the Worker, starts it (workerd, local D1,
# the Daily stand-in) and runs Schemathesis against it (tests/contract/run.mjs).
#   scripts/contract.sh          1000 examples per operation (about 16,000 requests, 4 minutes)
#   scripts/contract.sh 5000     more
# CONTRACT_SEED=N replays a run's choices (each run prints its seed).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/bootstrap.sh --contract
say "building the Worker (wasm)"
bash scripts/build-worker.sh >/dev/null
say "API contract: Schemathesis, ${1:-1000} examples per operation"
CONTRACT_EXAMPLES="${1:-1000}" SCHEMATHESIS_BIN="$(schemathesis_bin)" node tests/contract/run.mjs
