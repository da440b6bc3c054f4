#!/usr/bin/env bash
# Benchmarks this Worker side by side with the TypeScript peer (../shared/peers/ts-worker), the
# same way in one run: same stack, same data volume, same load settings. Loopback only; every
# step is bounded in time. Prints one table and writes target/bench/results.tsv.
#
#   bench/run.sh                         both stacks (wrangler-dev, miniflare), 3 runs each
#   STACKS=miniflare RUNS=1 bench/run.sh
#   STACKS=miniflare-no-assets bench/run.sh   diagnosis only: ours without Workers Static Assets
#                                             in front (the API works, the page is not served)
#
# Knobs: STACKS RUNS DURATION (10s) THREADS (2) CONNS (16) RATE (300 req/s, fixed-rate latency)
#        WARMUP (2s) BOOKINGS (200) DAILY_LATENCY_MS (100) PORT (8795) STANDIN_PORT (8796) PEER_DIR
#        RATE is per stack unless set: 100 req/s under wrangler dev (both Workers saturate near
#        300 there), 300 req/s under Miniflare: moderate, below either Worker's capacity.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"

STACKS=${STACKS:-"wrangler-dev miniflare"}
RUNS=${RUNS:-3}
RATE=${RATE:-}
BOOKINGS=${BOOKINGS:-200}
DAILY_LATENCY_MS=${DAILY_LATENCY_MS:-100}
source "$ROOT/bench/lib.sh"
bash scripts/bootstrap.sh
command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v oha >/dev/null || { say "installing oha (crates.io, a few minutes once)"; cargo install --locked -q oha; }

say "building this Worker (release wasm) and the Daily stand-in"
bash scripts/build-worker.sh >/dev/null
cargo build --release --quiet -p daily-standin

prepare_peer

write_ours_vars

# ----------------------------------------------------------------------------------------- sizes
gz() { gzip -9 -c "$1" | wc -c; }
(cd "$OUT/peer" && timeout 120 npx wrangler deploy --dry-run --outdir dist >/dev/null 2>&1)
printf 'size\tours_wasm\t%s\t%s\n' "$(stat -c %s build/index_bg.wasm)" "$(gz build/index_bg.wasm)" >"$OUT/sizes.tsv"
printf 'size\tours_glue\t%s\t%s\n' "$(stat -c %s build/index.js)" "$(gz build/index.js)" >>"$OUT/sizes.tsv"
printf 'size\tpeer_bundle\t%s\t%s\n' "$(stat -c %s "$OUT/peer/dist/index.js")" "$(gz "$OUT/peer/dist/index.js")" >>"$OUT/sizes.tsv"

start_standin

measure() { # stack worker run
  local stack=$1 who=$2 run=$3 dir first tag cpu
  case "$who/$stack" in
    ours/wrangler-dev) dir=$ROOT; set -- "$WRANGLER" dev --ip 127.0.0.1 --port "$PORT" --env-file "$OUT/ours.vars" --persist-to "$OUT/state-ours" --show-interactive-dev-session=false ;;
    ours/miniflare) dir=$ROOT; set -- node bench/serve.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours" ;;
    ours/miniflare-no-assets) dir=$ROOT; set -- env BENCH_NO_ASSETS=1 node bench/serve.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours" ;;
    peer/wrangler-dev) dir=$OUT/peer; set -- npx wrangler dev --ip 127.0.0.1 --port "$PORT" ;;
    peer/miniflare) dir=$OUT/peer; set -- node scripts/serve.mjs miniflare "$PORT" ;;
    # The peer's serve.mjs drops its assets too when BENCH_NO_ASSETS=1: both without the router.
    peer/miniflare-no-assets) dir=$OUT/peer; set -- env BENCH_NO_ASSETS=1 node scripts/serve.mjs miniflare "$PORT" ;;
  esac
  "seed_$who"
  start_server "$dir" "$@"
  record "$stack" "$who" "$run" cold_start_ms "$COLD_MS"

  # It must answer as specified before its numbers mean anything.
  first=$(head -n 1 "$OUT/pairs-$who.txt")
  local id=${first%%$'\t'*} token=${first#*$'\t'} status
  status=$(curl -s -o "$OUT/smoke.json" -w '%{http_code}' -H "Authorization: Bearer $token" "$BASE/reservations/$id/daily-token")
  [ "$status" = 200 ] || { cat "$OUT/smoke.json" >&2; die "$who: the token endpoint answered $status"; }
  if [ "$who" = ours ]; then
    record "$stack" ours "$run" token_d1_round_trips "$(curl -s -D - -o /dev/null -H "Authorization: Bearer $token" "$BASE/reservations/$id/daily-token" | awk 'tolower($1) == "x-d1-round-trips:" { print $2 + 0 }')"
    curl -s -X DELETE "$STANDIN/__control/calls" >/dev/null
  fi

  export PAIRS_FILE=$OUT/pairs-$who.txt
  if [ "$WARMUP" != 0 ]; then
    wrk_run "$WARMUP" /dev/null "$BASE/healthz"
    wrk_run "$WARMUP" /dev/null -s bench/rotate.lua "$BASE"
  fi
  tag=$OUT/$stack-$who-$run
  cpu=$(wrk_cpu "$DURATION" "$tag-healthz.txt" "$BASE/healthz")
  record "$stack" "$who" "$run" healthz_cpu_ms "$cpu"
  cpu=$(wrk_cpu "$DURATION" "$tag-token.txt" -s bench/rotate.lua "$BASE")
  record "$stack" "$who" "$run" token_cpu_ms "$cpu"
  record "$stack" "$who" "$run" healthz_rps "$(rps "$tag-healthz.txt")"
  record "$stack" "$who" "$run" token_rps "$(rps "$tag-token.txt")"
  for p in 50 90 99; do record "$stack" "$who" "$run" "token_p$p" "$(pct "$tag-token.txt" $p)"; done
  record "$stack" "$who" "$run" token_non2xx "$(non2xx "$tag-token.txt")"
  if [ "$who" = ours ]; then
    # The session list of a player with 50 sessions: the page's first request (the peer has none).
    export SESSIONS_FILE=$OUT/sessions-ours.txt
    local listed
    listed=$(curl -s -H "Authorization: Bearer $(cat "$SESSIONS_FILE")" "$BASE/api/player/sessions" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).sessions.length))')
    [ "$listed" = 50 ] || die "the session list holds $listed sessions, not 50"
    wrk_run "$WARMUP" /dev/null -s bench/sessions.lua "$BASE"
    cpu=$(wrk_cpu "$DURATION" "$tag-sessions.txt" -s bench/sessions.lua "$BASE")
    record "$stack" ours "$run" sessions_cpu_ms "$cpu"
    record "$stack" ours "$run" sessions_rps "$(rps "$tag-sessions.txt")"
    record "$stack" ours "$run" sessions_non2xx "$(non2xx "$tag-sessions.txt")"
    record "$stack" ours "$run" token_daily_requests "$(curl -s "$STANDIN/__control/calls" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).calls.length))')"
  fi

  # Latency at a fixed, moderate rate (open model, corrected for coordinated omission).
  local rate=$RATE
  [ -n "$rate" ] || { [ "$stack" = wrangler-dev ] && rate=100 || rate=300; }
  record "$stack" "$who" "$run" fixed_rate "$rate"
  timeout 60 oha --no-tui --output-format json -z "$DURATION" -q "$rate" -c "$CONNS" --latency-correction \
    -H "Authorization: Bearer $token" "$BASE/reservations/$id/daily-token" >"$tag-fixed.json" 2>/dev/null || true
  [ -s "$tag-fixed.json" ] || die "oha produced no result (see $tag-fixed.json)"
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const p = r.latencyPercentiles, ms = (s) => (s * 1000).toFixed(2);
    console.log([ms(p.p50), ms(p.p90), ms(p.p99), r.summary.successRate].join("\t"));
  ' "$tag-fixed.json" | while IFS=$'\t' read -r p50 p90 p99 ok; do
    record "$stack" "$who" "$run" fixed_p50 "$p50"; record "$stack" "$who" "$run" fixed_p90 "$p90"
    record "$stack" "$who" "$run" fixed_p99 "$p99"; record "$stack" "$who" "$run" fixed_success "$ok"
  done

  if [ "$who" = ours ]; then
    curl -s -X POST -H 'content-type: application/json' -d "{\"method\":\"POST\",\"path\":\"/rooms\",\"latencyMs\":$DAILY_LATENCY_MS}" "$STANDIN/__control/faults" >/dev/null
    node bench/book.mjs "$BASE" "$STANDIN" "$SECRET" "$BOOKINGS" 4 >"$tag-booking.json"
    curl -s -X DELETE "$STANDIN/__control/faults" >/dev/null
    node -e '
      const b = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      for (const k of ["p50", "p99", "dailyPerBooking", "d1PerBooking", "failures"]) console.log(`booking_${k}\t${b[k]}`);
    ' "$tag-booking.json" | while IFS=$'\t' read -r metric value; do record "$stack" ours "$run" "$metric" "$value"; done
  fi
  stop_server
}

printf 'stack\tworker\trun\tmetric\tvalue\n' >"$OUT/results.tsv"
for stack in $STACKS; do
  for run in $(seq 1 "$RUNS"); do
    for who in ours peer; do
      say "$stack, run $run/$RUNS: $who"
      measure "$stack" "$who" "$run"
    done
  done
done
node bench/report.mjs "$OUT/results.tsv" "$OUT/sizes.tsv" "$DAILY_LATENCY_MS"
