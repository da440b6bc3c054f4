#!/usr/bin/env bash
# Runs every test: formatting and lints, native unit tests, integration tests that drive the
# real wasm build in workerd with a local D1 and the Daily stand-in, and browser tests of the
# sessions page in Chromium, then the API contract (Schemathesis against the running Worker) and a
# check that the Worker's logs and D1 hold no secret or token; before those, a deploy dry run of
# each environment. Installs what is missing. Screenshots go to target/screenshots/, logs to
# target/test-logs/, contract reports to target/contract/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Each Worker's wasm must stay under this gzipped size (BENCHMARKS.md has the current figures).
WASM_GZIP_LIMIT=350000 # 350 KB

bash scripts/bootstrap.sh --browser

say "cargo fmt --check"
cargo fmt --all --check
say "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy --all-targets --quiet --features jobs -- -D warnings

say "public/openapi.json is what scripts/openapi.py writes"
python3 scripts/openapi.py --check

say "native unit tests"
cargo test --workspace --quiet

say "building both Workers (wasm) and the Daily stand-in"
bash scripts/build-worker.sh >/dev/null
cargo build --quiet -p daily-standin

for build in build build-jobs; do
  raw=$(stat -c %s "$build/index_bg.wasm")
  gz=$(gzip -9 -c "$build/index_bg.wasm" | wc -c)
  say "$build/ wasm size: $raw bytes raw, $gz bytes gzip -9 (limit $WASM_GZIP_LIMIT)"
  (( gz <= WASM_GZIP_LIMIT )) || die "$build/ is $gz bytes gzipped, over the $WASM_GZIP_LIMIT-byte limit"
done

# What `wrangler deploy --env X` would upload for each Worker, built and bundled without
# uploading it. The build command finds both builds up to date, so this does not compile again.
mkdir -p target/deploy
for env in staging production; do
  for worker in api jobs; do
    config=$([ "$worker" = api ] && echo wrangler.toml || echo jobs/wrangler.toml)
    say "wrangler deploy --dry-run --config $config --env $env"
    # Absolute: wrangler reads a relative --outdir from the config's folder.
    out="$ROOT/target/deploy/$env-$worker"
    "$WRANGLER" deploy --dry-run --config "$config" --outdir "$out" --env "$env" >"$out.log" 2>&1 ||
      { cat "$out.log" >&2; die "the $env deploy dry run of $config failed (log: $out.log)"; }
  done
done

say "integration and browser tests (workerd + local D1 + Daily stand-in + Chromium)"
# Every line the Worker logs and every D1 it leaves go to EDGEMY_LOG_DIR, checked afterwards.
export EDGEMY_LOG_DIR="$ROOT/target/test-logs"
rm -rf "$EDGEMY_LOG_DIR"
mkdir -p "$EDGEMY_LOG_DIR"
node --test --test-concurrency=2 tests/integration/*.test.mjs tests/browser/*.test.mjs

say "API contract: a bounded Schemathesis pass (tests/contract/run.mjs)"
SCHEMATHESIS_BIN="$(schemathesis_bin)" node tests/contract/run.mjs

say "no secret or token in what the Worker logged or stored ($EDGEMY_LOG_DIR)"
node --test tests/after/secrets.test.mjs
