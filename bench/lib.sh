# Shared by bench/run.sh and bench/ab.sh: settings, the Daily stand-in, starting and stopping a
# server in its own process group, wrk runs and the server's CPU time per request, seeding.
# Source it after scripts/lib.sh, from the project root.

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
WARMUP=${WARMUP:-2s}
PORT=${PORT:-8795}
STANDIN_PORT=${STANDIN_PORT:-8796}
OUT=$ROOT/target/bench
BASE=http://127.0.0.1:$PORT
STANDIN=http://127.0.0.1:$STANDIN_PORT
SECRET=bench-session-secret
DOMAIN_ID=7d3b1f0e-5c2a-4b8e-9f61-2a4c8e0d9b17
mkdir -p "$OUT"
# PIN=1 puts the server on CPU 0 and the load generator on CPU 1 (bench/ab.sh does): on 2 cores,
# this keeps wrk's own work out of the server's caches and its run queue, and the server's CPU
# time per request moves less between runs.
PIN=${PIN:-}
SERVER_PIN=() LOAD_PIN=()
if [ -n "$PIN" ]; then SERVER_PIN=(taskset -c 0) LOAD_PIN=(taskset -c 1); fi

# Our Worker's settings for the benchmark (Daily is the stand-in).
write_ours_vars() {
  cat >"$OUT/ours.vars" <<VARS
AUTH_JWT_SECRET=$SECRET
DAILY_API_KEY=bench-daily-key
DAILY_API_BASE_URL=$STANDIN/v1
DAILY_DOMAIN_ID=$DOMAIN_ID
INSTRUMENT=true
VARS
}

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

# Starts the release stand-in, without its rate limits (the load would only measure those).
start_standin() {
  if curl -s -o /dev/null --max-time 1 "$BASE/" || curl -s -o /dev/null --max-time 1 "$STANDIN/"; then
    die "port $PORT or $STANDIN_PORT is taken; set PORT / STANDIN_PORT"
  fi
  target/release/daily-standin --port "$STANDIN_PORT" --api-key bench-daily-key >"$OUT/standin.log" 2>&1 &
  STANDIN_PID=$!
  curl -s -X POST -H 'content-type: application/json' -d '{"rateLimit":false}' "$STANDIN/__control/settings" >/dev/null \
    || { sleep 1; curl -fs -X POST -H 'content-type: application/json' -d '{"rateLimit":false}' "$STANDIN/__control/settings" >/dev/null; }
}

# Starts "$@" in its own process group (cwd $1); sets COLD_MS, the ms until /healthz answers 200.
COLD_MS=""
start_server() {
  local dir=$1; shift
  local t0; t0=$(date +%s%N)
  (cd "$dir" && exec setsid "${SERVER_PIN[@]}" "$@" >"$OUT/server.log" 2>&1 </dev/null) &
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
wrk_run() { local d=$1 out=$2; shift 2; timeout 120 "${LOAD_PIN[@]}" wrk -t"$THREADS" -c"$CONNS" -d"$d" --timeout 5s --latency "$@" >"$out"; }
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
  cp "$OUT/seed-ours/sessions.txt" "$OUT/sessions-ours.txt"
}

# The peer (../shared/peers/ts-worker, or PEER_DIR), copied to target/bench/peer with its npm
# packages and its development settings.
PEER_SRC=${PEER_DIR:-$ROOT/../shared/peers/ts-worker}
prepare_peer() {
  [ -d "$PEER_SRC" ] || die "the peer is not at $PEER_SRC (set PEER_DIR)"
  say "preparing the peer in $OUT/peer"
  mkdir -p "$OUT/peer"
  (cd "$PEER_SRC" && tar --exclude=./node_modules --exclude=./.wrangler --exclude=./bench/out --exclude=./dist -cf - .) | (cd "$OUT/peer" && tar xf -)
  (cd "$OUT/peer" && { [ -f node_modules/.package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && { [ -f .dev.vars ] || cp .dev.vars.example .dev.vars; })
}

seed_peer() {
  (cd "$OUT/peer" && rm -rf .wrangler/state \
    && timeout 120 npx wrangler d1 migrations apply peer --local >/dev/null 2>&1 \
    && node scripts/seed.mjs >/dev/null \
    && timeout 300 npx wrangler d1 execute peer --local --file=seed/seed.sql >/dev/null 2>&1 \
    && node scripts/gen-tokens.mjs --count 500 >/dev/null)
  cp "$OUT/peer/bench/pairs.txt" "$OUT/pairs-peer.txt"
}
