#!/usr/bin/env bash
# The wrangler build command of both Workers: compiles the crate to wasm twice with worker-build,
# pointing it at the tools installed by scripts/bootstrap.sh instead of letting it download them:
# the API Worker into build/ and the jobs Worker (`--features jobs`) into build-jobs/. Also puts
# daily-js into public/vendor/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

for tool in "$(worker_build_bin)" "$(wasm_bindgen_bin)"; do
  [ -x "$tool" ] || die "$tool is missing: run scripts/bootstrap.sh first"
done
[ -x node_modules/.bin/wasm-opt ] || die "node_modules is missing: run scripts/bootstrap.sh (or npm ci) first"
# The sessions page serves daily-js from our own assets (the version pinned in package.json).
vendor=public/vendor/daily-js
if [ ! -f "$vendor/daily-esm.js" ] || [ package-lock.json -nt "$vendor/daily-esm.js" ]; then
  mkdir -p "$vendor"
  cp node_modules/@daily-co/daily-js/dist/daily-esm.js node_modules/@daily-co/daily-js/LICENSE "$vendor/"
fi

# Nothing to do when the build is newer than every input (wrangler dev also rebuilds once when
# its watcher starts). EDGEMY_FORCE_BUILD=1 rebuilds anyway.
inputs=(src daily-standin/Cargo.toml Cargo.toml Cargo.lock scripts/build-worker.sh scripts/lib.sh)
up_to_date() {
  [ -f "$1/index.js" ] && [ -f "$1/index_bg.wasm" ] &&
    [ -z "$(find "${inputs[@]}" -newer "$1/index.js" -print -quit)" ]
}
if [ -z "${EDGEMY_FORCE_BUILD:-}" ] && up_to_date build && up_to_date build-jobs; then
  echo "build/ and build-jobs/ are up to date"
  exit 0
fi
export_build_tools
# Panic messages carry the source path of their location: dependencies are named from the
# crates registry of the machine (`$CARGO_HOME/registry/src/<index>/`). Strip that prefix so
# the wasm names no local directory and is the same whichever machine builds it.
remap=""
for registry in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  remap+="${remap:+ }--remap-path-prefix=$registry="
done
# worker-build's own wasm-opt pass is light; -Oz takes about 13 % more off the gzip size
# (see BENCHMARKS.md). The features are the ones rustc enables for wasm32-unknown-unknown.
build_one() {
  local out="$1"
  shift
  RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$remap" "$(worker_build_bin)" --release --out-dir "$out" . "$@"
  "$WASM_OPT_BIN" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/index_bg.wasm" -o "$out/index_bg.wasm"
  touch "$out/index.js"
}
build_one build
build_one build-jobs --features jobs
