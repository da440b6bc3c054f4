#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit tests, integration tests that drive the
# real wasm build in workerd with a local D1 and the Daily stand-in, and browser tests of the
# sessions page in Chromium. Installs what is missing. Screenshots go to target/screenshots/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The Worker's wasm must stay under this gzipped size (BENCHMARKS.md has the current figure).
WASM_GZIP_LIMIT=350000 # 350 KB

bash scripts/bootstrap.sh --browser

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

say "native unit tests"
cargo test --workspace --quiet

say "building the Worker (wasm) and the Daily stand-in"
bash scripts/build-worker.sh >/dev/null
cargo build --quiet -p daily-standin

raw=$(stat -c %s build/index_bg.wasm)
gz=$(gzip -9 -c build/index_bg.wasm | wc -c)
say "wasm size: $raw bytes raw, $gz bytes gzip -9 (limit $WASM_GZIP_LIMIT)"
(( gz <= WASM_GZIP_LIMIT )) || die "the wasm is $gz bytes gzipped, over the $WASM_GZIP_LIMIT-byte limit"

say "integration and browser tests (workerd + local D1 + Daily stand-in + Chromium)"
node --test --test-concurrency=2 tests/integration/*.test.mjs tests/browser/*.test.mjs
