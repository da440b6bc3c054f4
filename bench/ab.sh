#!/usr/bin/env bash
# Interleaved A/B of two builds of this Worker on the Miniflare stack: the server's CPU time per
# token request (and per /healthz request), build A then build B, PAIRS times, on the same seeded
# D1. Interleaving pairs cancels the slow drifts of a shared machine that separate runs suffer.
#
#   bench/ab.sh BUILD_A BUILD_B       each a directory holding a worker-build output
#                                     (index.js, index_bg.wasm), e.g. a copy of build/
#
# Knobs: PAIRS (4) DURATION (10s) THREADS (2) CONNS (16) WARMUP (2s) PIN (1; empty: unpinned) PORT (8795)
#        STANDIN_PORT (8796). Writes target/bench/ab.tsv and prints a summary.
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$ROOT"
PIN=${PIN-1}
source "$ROOT/bench/lib.sh"

[ $# -eq 2 ] || die "usage: bench/ab.sh BUILD_A BUILD_B"
# workerd loads modules from under the project only: serve copies from target/bench/ab/.
A=$OUT/ab/A
B=$OUT/ab/B
for pair in "A:$1" "B:$2"; do
  src=${pair#*:} dest=$OUT/ab/${pair%%:*}
  [ -f "$src/index.js" ] && [ -f "$src/index_bg.wasm" ] || die "$src is not a worker-build output"
  rm -rf "$dest" && mkdir -p "$dest" && cp -r "$src"/. "$dest"/
done
PAIRS=${PAIRS:-4}
command -v wrk >/dev/null || { say "installing wrk (Debian)"; apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
bash scripts/bootstrap.sh
cargo build --release --quiet -p daily-standin

write_ours_vars
start_standin
say "seeding D1 (10,000 reservations)"
seed_ours

# One measurement of one build: start it, warm up, then wrk on /healthz and on the token path.
measure_build() { # label dir pair
  local label=$1 dir=$2 pair=$3 tag healthz token
  start_server "$ROOT" env BENCH_BUILD_DIR="$dir" node bench/serve.mjs "$PORT" "$OUT/ours.vars" "$OUT/state-ours"
  export PAIRS_FILE=$OUT/pairs-ours.txt
  wrk_run "$WARMUP" /dev/null "$BASE/healthz"
  wrk_run "$WARMUP" /dev/null -s bench/rotate.lua "$BASE"
  tag=$OUT/ab-$label-$pair
  healthz=$(wrk_cpu "$DURATION" "$tag-healthz.txt" "$BASE/healthz")
  token=$(wrk_cpu "$DURATION" "$tag-token.txt" -s bench/rotate.lua "$BASE")
  [ "$(non2xx "$tag-token.txt")" = 0 ] || die "$label: the token endpoint answered non-2xx (see $tag-token.txt)"
  printf '%s\t%s\t%s\t%s\t%s\n' "$pair" "$label" "$healthz" "$token" "$(rps "$tag-token.txt")" >>"$OUT/ab.tsv"
  stop_server
}

printf 'pair\tbuild\thealthz_cpu_ms\ttoken_cpu_ms\ttoken_rps\n' >"$OUT/ab.tsv"
for pair in $(seq 1 "$PAIRS"); do
  say "pair $pair/$PAIRS: A ($1), then B ($2)"
  measure_build A "$A" "$pair"
  measure_build B "$B" "$pair"
done

node -e '
  const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").slice(1).map((l) => l.split("\t"));
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
  const of = (build, col) => rows.filter((r) => r[1] === build).map((r) => Number(r[col]));
  console.log("pair\tA token ms\tB token ms\tB/A");
  for (const r of rows.filter((r) => r[1] === "A")) {
    const b = rows.find((x) => x[0] === r[0] && x[1] === "B");
    console.log(`${r[0]}\t${r[3]}\t${b[3]}\t${(b[3] / r[3]).toFixed(3)}`);
  }
  for (const [col, name] of [[2, "/healthz"], [3, "token"], [4, "token req/s"]]) {
    const a = median(of("A", col)), b = median(of("B", col));
    console.log(`median ${name}: A ${a.toFixed(3)}, B ${b.toFixed(3)}, B/A ${(b / a).toFixed(3)}`);
  }
  const lower = rows.filter((r) => r[1] === "B").filter((b) => Number(b[3]) < Number(rows.find((a) => a[0] === b[0] && a[1] === "A")[3])).length;
  console.log(`B lower than A on the token path in ${lower} of ${of("A", 3).length} pairs`);
' "$OUT/ab.tsv"
