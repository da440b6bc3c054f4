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
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
RATE=${RATE:-}
WARMUP=${WARMUP:-2s}
BOOKINGS=${BOOKINGS:-200}
DAILY_LATENCY_MS=${DAILY_LATENCY_MS:-100}
PORT=${PORT:-8795}
STANDIN_PORT=${STANDIN_PORT:-8796}
PEER_SRC=${PEER_DIR:-$ROOT/../shared/peers/ts-worker}
OUT=$ROOT/target/bench
BASE=http://127.0.0.1:$PORT
STANDIN=http://127.0.0.1:$STANDIN_PORT
SECRET=bench-session-secret
DOMAIN_ID=7d3b1f0e-5c2a-4b8e-9f61-2a4c8e0d9b17

[ -d "$PEER_SRC" ] || die "the peer is not at $PEER_SRC (set PEER_DIR)"
mkdir -p "$OUT"
bash scripts/bootstrap.sh
command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v oha >/dev/null || { say "installing oha (crates.io, a few minutes once)"; cargo install --locked -q oha; }

say "building this Worker (release wasm) and the Daily stand-in"
bash scripts/build-worker.sh >/dev/null
cargo build --release --quiet -p daily-standin

say "preparing the peer in $OUT/peer"
mkdir -p "$OUT/peer"
(cd "$PEER_SRC" && tar --exclude=./node_modules --exclude=./.wrangler --exclude=./bench/out --exclude=./dist -cf - .) | (cd "$OUT/peer" && tar xf -)
(cd "$OUT/peer" && { [ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && { [ -f .dev.vars ] || cp .dev.vars.example .dev.vars; })

cat >"$OUT/ours.vars" <<VARS
AUTH_JWT_SECRET=$SECRET
DAILY_API_KEY=bench-daily-key
DAILY_API_BASE_URL=$STANDIN/v1
DAILY_DOMAIN_ID=$DOMAIN_ID
INSTRUMENT=true
VARS

# ----------------------------------------------------------------------------------------- sizes
gz() { gzip -9 -c "$1" | wc -c; }
(cd "$OUT/peer" && timeout 120 npx wrangler deploy --dry-run --outdir dist >/dev/null 2>&1)
printf 'size\tours_wasm\t%s\t%s\n' "$(stat -c %s build/index_bg.wasm)" "$(gz build/index_bg.wasm)" >"$OUT/sizes.tsv"
printf 'size\tours_glue\t%s\t%s\n' "$(stat -c %s build/index.js)" "$(gz build/index.js)" >>"$OUT/sizes.tsv"
printf 'size\tpeer_bundle\t%s\t%s\n' "$(stat -c %s "$OUT/peer/dist/index.js")" "$(gz "$OUT/peer/dist/index.js")" >>"$OUT/sizes.tsv"

# ------------------------------------------------------------------------------------- processes
SERVER_PGID=""
STANDIN_PID=""
stop_server() {
  [ -n "$SERVER_PGID" ] || return 0
  kill -TERM -- "-$SERVER_PGID" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 -- "-$SERVER_PGID" 2>/dev/null || break; sleep 0.25; done
  kill -KILL -- "-$SERVER_PGID" 2>/dev/null || true
  SERVER_PGID=""
}
cleanup() { stop_server; [ -z "$STANDIN_PID" ] || kill "$STANDIN_PID" 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

if curl -s -o /dev/null --max-time 1 "$BASE/" || curl -s -o /dev/null --max-time 1 "$STANDIN/"; then
  die "port $PORT or $STANDIN_PORT is taken; set PORT / STANDIN_PORT"
fi
target/release/daily-standin --port "$STANDIN_PORT" --api-key bench-daily-key >"$OUT/standin.log" 2>&1 &
STANDIN_PID=$!
curl -s -X POST -H 'content-type: application/json' -d '{"rateLimit":false}' "$STANDIN/__control/settings" >/dev/null \
  || { sleep 1; curl -fs -X POST -H 'content-type: application/json' -d '{"rateLimit":false}' "$STANDIN/__control/settings" >/dev/null; }

# Starts "$@" in its own process group (cwd $1); sets COLD_MS, the ms until /healthz answers 200.
COLD_MS=""
start_server() {
  local dir=$1; shift
  local t0; t0=$(date +%s%N)
  (cd "$dir" && exec setsid "$@" >"$OUT/server.log" 2>&1 </dev/null) &
  SERVER_PGID=$!
  for _ in $(seq 1 1200); do
    if curl -fs -o /dev/null --max-time 1 "$BASE/healthz"; then
      COLD_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
      return 0
    fi
    kill -0 "$SERVER_PGID" 2>/dev/null || break
    sleep 0.05
  done
  tail -n 30 "$OUT/server.log" >&2
  die "the server did not start"
}

to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) ; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
pct() { to_ms "$(awk -v p="$2%" '$1 == p { print $2; exit }' "$1")"; }
non2xx() { awk '/Non-2xx or 3xx responses:/ { print $NF; f = 1 } END { if (!f) print 0 }' "$1"; }
wrk_run() { local d=$1 out=$2; shift 2; timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$d" --timeout 5s --latency "$@" >"$out"; }
# CPU time (user + system, in clock ticks) of every process of the server: node, workerd and
# whatever else the stack started. Unlike req/s, it hardly moves with what else the 2 cores do.
server_ticks() {
  awk -v g="$SERVER_PGID" '{ sub(/^.*\) /, ""); if ($3 == g) t += $12 + $13 } END { print t + 0 }' /proc/[0-9]*/stat 2>/dev/null
}
# Runs wrk_run "$@" and prints the server's CPU ms per request of that run.
wrk_cpu() {
  local out=$2 before after
  before=$(server_ticks)
  wrk_run "$@" || return
  after=$(server_ticks)
  awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    '/ requests in / { n = $1 } END { printf "%.3f", n ? t * 1000 / hz / n : 0 }' "$out"
}
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$OUT/results.tsv"; }

seed_ours() {
  rm -rf "$OUT/state-ours"
  node bench/seed.mjs "$OUT/seed-ours" "$SECRET" >/dev/null
  timeout 120 "$WRANGLER" d1 migrations apply edgemy --local --persist-to "$OUT/state-ours" >/dev/null 2>&1
  timeout 300 "$WRANGLER" d1 execute edgemy --local --persist-to "$OUT/state-ours" --file "$OUT/seed-ours/seed.sql" >/dev/null 2>&1
  cp "$OUT/seed-ours/pairs.txt" "$OUT/pairs-ours.txt"
}

seed_peer() {
  (cd "$OUT/peer" && rm -rf .wrangler/state \
    && timeout 120 npx wrangler d1 migrations apply peer --local >/dev/null 2>&1 \
    && node scripts/seed.mjs >/dev/null \
    && timeout 300 npx wrangler d1 execute peer --local --file=seed/seed.sql >/dev/null 2>&1 \
    && node scripts/gen-tokens.mjs --count 500 >/dev/null)
  cp "$OUT/peer/bench/pairs.txt" "$OUT/pairs-peer.txt"
}

measure() { # stack worker run
  local stack=$1 who=$2 run=$3 dir first tag cpu
  case "$who/$stack" in
    ours/wrangler-dev) dir=$ROOT; set -- "$WRANGLER" dev --ip 127.0.0.1 --port "$PORT" --env-file "$OUT/ours.vars" --persist-to "$OUT/state-ours" --show-interactive-dev-session=false ;;
    ours/miniflare) dir=$ROOT; set -- node bench/serve.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours" ;;
    ours/miniflare-no-assets) dir=$ROOT; set -- env BENCH_NO_ASSETS=1 node bench/serve.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours" ;;
    peer/wrangler-dev) dir=$OUT/peer; set -- npx wrangler dev --ip 127.0.0.1 --port "$PORT" ;;
    peer/miniflare*) dir=$OUT/peer; set -- node scripts/serve.mjs miniflare "$PORT" ;;
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
