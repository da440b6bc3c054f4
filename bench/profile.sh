#!/usr/bin/env bash
# A V8 CPU profile of this Worker's isolate under load (bench/profile.mjs): Miniflare, the seeded
# benchmark data, wrk on one endpoint. Writes target/bench/profile-<endpoint>[-peer].cpuprofile and
# prints where the time went: per kind, per wasm-bindgen crossing, per function.
#
#   bench/profile.sh [token|healthz|sessions]    (token by default; wrk, closed loop)
#   bench/profile.sh fixed                       the token path at a fixed RATE (300 req/s), oha
#                                                with latency correction: where the tail comes from
#   WHO=peer bench/profile.sh [token|healthz|fixed]   the TypeScript peer's isolate, the same way
#
# Knobs: DURATION (8s) THREADS (2) CONNS (16) RATE (300) PORT (8795) STANDIN_PORT (8796)
#        BENCH_BUILD_DIR (another build than build/, e.g. one with wasm names kept)
#        BENCH_NO_ASSETS=1 (without the Static Assets router in front)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
DURATION=${DURATION:-8s}
source "$ROOT/bench/lib.sh"
endpoint=${1:-token}
command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
bash scripts/bootstrap.sh
bash scripts/build-worker.sh >/dev/null
cargo build --release --quiet -p daily-standin
WHO=${WHO:-ours}
write_ours_vars
start_standin
if [ "$WHO" = peer ]; then
  prepare_peer
  (cd "$OUT/peer" && timeout 120 npx wrangler deploy --dry-run --outdir dist >/dev/null 2>&1)
  export PROFILE_PEER_DIR=$OUT/peer
fi
say "seeding D1 (10,000 reservations)"
"seed_$WHO"
export PAIRS_FILE=$OUT/pairs-$WHO.txt SESSIONS_FILE=$OUT/sessions-ours.txt THREADS CONNS DURATION
case "$endpoint" in
  token) load=(-s bench/rotate.lua "$BASE") ;;
  sessions) load=(-s bench/sessions.lua "$BASE") ;;
  healthz) load=("$BASE/healthz") ;;
  fixed) ;;
  *) die "usage: bench/profile.sh [token|healthz|sessions|fixed]" ;;
esac
name=profile-$endpoint${WHO/#ours/}
name=${name/peer/-peer}
count=$OUT/$name.count
say "profiling $endpoint for $DURATION"
if [ "$endpoint" = fixed ]; then
  first=$(head -n 1 "$PAIRS_FILE")
  export URL="$BASE/reservations/${first%%$'\t'*}/daily-token" TOKEN="${first#*$'\t'}" RATE=${RATE:-300}
  node bench/profile.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours" "$OUT/$name.cpuprofile" "$count" -- \
    bash -c 'out=$1
      if [ "$PROFILE_PHASE" = warmup ]; then exec oha --no-tui -z 3s -q "$RATE" -c "$CONNS" -H "Authorization: Bearer $TOKEN" "$URL" >/dev/null; fi
      oha --no-tui --output-format json -z "$DURATION" -q "$RATE" -c "$CONNS" --latency-correction -H "Authorization: Bearer $TOKEN" "$URL" >"$out.json"
      node -e "const r = JSON.parse(require(\"fs\").readFileSync(process.argv[1], \"utf8\")), p = r.latencyPercentiles;
        console.log(\"latency at \" + process.env.RATE + \" req/s, p50 / p90 / p99 ms: \" + [p.p50, p.p90, p.p99].map((s) => (s * 1000).toFixed(2)).join(\" / \"));
        require(\"fs\").writeFileSync(process.argv[2], String(Math.round(r.summary.requestsPerSec * r.summary.total)))" "$out.json" "$out"' \
    _ "$count"
  exit 0
fi
node bench/profile.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours" "$OUT/$name.cpuprofile" "$count" -- \
  bash -c 'out=$1; shift
    if [ "$PROFILE_PHASE" = warmup ]; then exec wrk -t"$THREADS" -c"$CONNS" -d2s "$@" >/dev/null; fi
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" >"$out.wrk"
    awk "/ requests in / { print \$1 }" "$out.wrk" >"$out"' \
  _ "$count" "${load[@]}"
