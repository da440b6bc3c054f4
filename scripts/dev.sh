#!/usr/bin/env bash
# Runs Edgemy sessions locally: installs what is missing, prepares the local D1 (migrations and
# demo data), starts the Daily and Brevo stand-in (unless .dev.vars points at the real Daily and
# the real Brevo) and `wrangler dev`, then prints the URL and the demo users. Ctrl-C stops
# everything.
#   PORT=8787            port of the Worker
#   STANDIN_PORT=8788    port of the stand-in, when .dev.vars is created
#   DEV_VARS=.dev.vars   the local settings file (created from .dev.vars.example if missing)
#   PERSIST_TO=.wrangler/state   where the local D1 lives
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

PORT="${PORT:-8787}"
STANDIN_PORT="${STANDIN_PORT:-8788}"
DEV_VARS="${DEV_VARS:-.dev.vars}"
PERSIST_TO="${PERSIST_TO:-.wrangler/state}"

bash scripts/bootstrap.sh

if [ ! -f "$DEV_VARS" ]; then
  say "creating $DEV_VARS from .dev.vars.example (local settings, git-ignored)"
  sed "s#127.0.0.1:8788#127.0.0.1:$STANDIN_PORT#" .dev.vars.example > "$DEV_VARS"
fi
dev_var() { sed -n "s/^$1=//p" "$DEV_VARS" | tail -n 1; }

say "preparing the local D1 database (migrations, then seed/demo.sql)"
"$WRANGLER" d1 migrations apply edgemy --local --persist-to "$PERSIST_TO" >/dev/null
"$WRANGLER" d1 execute edgemy --local --persist-to "$PERSIST_TO" --file seed/demo.sql >/dev/null

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

is_local() { [[ "$1" == http://127.0.0.1:* || "$1" == http://localhost:* ]]; }
port_of() { sed -E 's#^http://[^:]+:([0-9]+).*#\1#' <<<"$1"; }
daily_base="$(dev_var DAILY_API_BASE_URL)"
brevo_base="$(dev_var BREVO_API_BASE_URL)"
# One stand-in serves both the Daily API (/v1) and the Brevo API (/v3), on one port.
standin_port=""
if is_local "$daily_base"; then
  standin_port="$(port_of "$daily_base")"
elif is_local "$brevo_base"; then
  standin_port="$(port_of "$brevo_base")"
fi
if is_local "$brevo_base" && [ "$(port_of "$brevo_base")" != "$standin_port" ]; then
  die "BREVO_API_BASE_URL and DAILY_API_BASE_URL point at two local ports; the stand-in serves both on one"
fi
if [ -n "$standin_port" ]; then
  say "starting the Daily and Brevo stand-in on port $standin_port"
  cargo build --quiet -p daily-standin
  standin_args=(--port "$standin_port")
  if is_local "$daily_base"; then
    standin_args+=(--api-key "$(dev_var DAILY_API_KEY)")
    # The stand-in sends its webhooks (joins, leaves, recordings) to this Worker, signed with
    # DAILY_WEBHOOK_SECRET, as Daily does once a webhook is registered.
    if [ -n "$(dev_var DAILY_WEBHOOK_SECRET)" ]; then
      standin_args+=(--webhook-url "http://127.0.0.1:$PORT/webhooks/daily" --webhook-secret "$(dev_var DAILY_WEBHOOK_SECRET)")
    fi
  fi
  # The Brevo side takes the Worker's BREVO_API_KEY, as Brevo takes the account's.
  if is_local "$brevo_base" && [ -n "$(dev_var BREVO_API_KEY)" ]; then
    standin_args+=(--brevo-api-key "$(dev_var BREVO_API_KEY)")
  fi
  target/debug/daily-standin "${standin_args[@]}" &
  pids+=($!)
fi
if is_local "$daily_base"; then
  daily_mode="Daily stand-in at http://127.0.0.1:$standin_port (no Daily account needed)"
else
  daily_mode="real Daily API at ${daily_base:-https://api.daily.co/v1}"
fi
if [ -z "$(dev_var BREVO_API_KEY)" ]; then
  mail_mode="off (no BREVO_API_KEY)"
elif is_local "$brevo_base"; then
  mail_mode="Brevo stand-in inbox at http://127.0.0.1:$standin_port/__inbox"
else
  mail_mode="Brevo at ${brevo_base:-https://api.brevo.com/v3}"
fi

# The jobs Worker (jobs/wrangler.toml) reads the .dev.vars beside its config: the same file.
ln -sfn "$(realpath "$DEV_VARS")" jobs/.dev.vars

say "building both Workers and starting wrangler dev on port $PORT (the API; the jobs Worker beside it)"
"$WRANGLER" dev -c wrangler.toml -c jobs/wrangler.toml --ip 127.0.0.1 --port "$PORT" \
  --env-file "$DEV_VARS" --persist-to "$PERSIST_TO" --show-interactive-dev-session=false &
pids+=($!)
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "${pids[-1]}" 2>/dev/null || die "wrangler dev stopped; see its output above"
  sleep 1
done
curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || die "wrangler dev did not answer on port $PORT"

cat <<BANNER

  Edgemy sessions is running:  http://127.0.0.1:$PORT
  Video:                       $daily_mode
  Mail:                        $mail_mode

  Demo users (sign in with POST /dev/login {"userId": "..."}):
    usr_coach_demo    Camille Martin  coach (coach_demo), fr
    usr_player_demo   Léo Dubois      player, fr
    usr_player_other  Ada Lovelace    player, en
  Demo offers of coach_demo: ann_demo_60 (60 min), ann_demo_90 (90 min)

  Ctrl-C stops everything.
BANNER
wait -n "${pids[@]}"
