#!/usr/bin/env bash
# The wrangler build command: compiles the Worker to wasm with worker-build, pointing it at the
# tools installed by scripts/bootstrap.sh instead of letting it download them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

for tool in "$(worker_build_bin)" "$(wasm_bindgen_bin)"; do
  [ -x "$tool" ] || die "$tool is missing: run scripts/bootstrap.sh first"
done
[ -x node_modules/.bin/wasm-opt ] || die "node_modules is missing: run scripts/bootstrap.sh (or npm ci) first"
export_build_tools
exec "$(worker_build_bin)" --release "$@"
