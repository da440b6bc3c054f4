#!/usr/bin/env bash
# Installs whatever the build and the tests need and is not there yet. Safe to run again.
#   scripts/bootstrap.sh            Rust target, worker-build, wasm-bindgen-cli, npm packages
#   scripts/bootstrap.sh --contract the same, plus Schemathesis (PyPI, in its own Python venv)
#   scripts/bootstrap.sh --browser  all of the above, plus Debian's Chromium: what scripts/test.sh
#                                   needs
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
command -v node >/dev/null || die "node not found: install Node.js 20 or newer"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ ! -x "$(worker_build_bin)" ]; then
  say "installing worker-build $WORKER_BUILD_VERSION (about 2 min, once per machine)"
  cargo install --quiet --locked --root "$TOOLS_DIR/worker-build-$WORKER_BUILD_VERSION" \
    worker-build --version "$WORKER_BUILD_VERSION"
fi

wb_version="$(wasm_bindgen_version)"
[ -n "$wb_version" ] || die "no wasm-bindgen in Cargo.lock"
if [ ! -x "$(wasm_bindgen_bin)" ]; then
  say "installing wasm-bindgen-cli $wb_version (about 4 min, once per machine)"
  # Its own lockfile may pin a dependency the registry has since yanked; then resolve afresh.
  cargo install --quiet --locked --root "$TOOLS_DIR/wasm-bindgen-$wb_version" \
    wasm-bindgen-cli --version "$wb_version" ||
    cargo install --quiet --root "$TOOLS_DIR/wasm-bindgen-$wb_version" \
      wasm-bindgen-cli --version "$wb_version"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

want="${1:-}"
if { [ "$want" = "--browser" ] || [ "$want" = "--contract" ]; } && [ ! -x "$(schemathesis_bin)" ]; then
  command -v python3 >/dev/null || die "the contract tests need Python 3.10 or newer (python3)"
  say "installing Schemathesis $SCHEMATHESIS_VERSION (PyPI, in its own venv; about 30 s, once per machine)"
  venv="$TOOLS_DIR/schemathesis-$SCHEMATHESIS_VERSION"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

if [ "$want" = "--browser" ] && [ ! -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]; then
  command -v apt-get >/dev/null || die "the browser tests need Chromium: install it, or set CHROMIUM_BIN"
  say "installing Chromium (Debian package) for the browser tests"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
