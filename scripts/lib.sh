# Shared by the project's scripts: where the build tools live and how to find them.
# Source it; it sets ROOT, TOOLS_DIR and the versions the build needs.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Tools are installed once per machine, in versioned folders, so every clone shares them.
TOOLS_DIR="${EDGEMY_TOOLS_DIR:-$HOME/.cache/edgemy-sessions/tools}"
WORKER_BUILD_VERSION="0.8.7"
# Schemathesis (PyPI), which checks the API against public/openapi.json.
SCHEMATHESIS_VERSION="4.32.5"

export WRANGLER_SEND_METRICS=false
export CLOUDFLARE_CF_FETCH_ENABLED=false

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock to the patch.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

worker_build_bin() { echo "$TOOLS_DIR/worker-build-$WORKER_BUILD_VERSION/bin/worker-build"; }
wasm_bindgen_bin() { echo "$TOOLS_DIR/wasm-bindgen-$(wasm_bindgen_version)/bin/wasm-bindgen"; }
schemathesis_bin() { echo "$TOOLS_DIR/schemathesis-$SCHEMATHESIS_VERSION/bin/st"; }

# worker-build downloads wasm-bindgen, wasm-opt and esbuild unless told where they are.
export_build_tools() {
  export WASM_BINDGEN_BIN; WASM_BINDGEN_BIN="$(wasm_bindgen_bin)"
  export WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt"
  export ESBUILD_BIN="$ROOT/node_modules/@esbuild/linux-x64/bin/esbuild"
}
WRANGLER="$ROOT/node_modules/.bin/wrangler"
