#!/usr/bin/env bash
# Installs what poi's build, tests and local chain need; does nothing for what is already there.
#
#   - the wasm32-unknown-unknown Rust target, rustfmt and clippy
#   - wasm-opt from the npm package binaryen (>= 121, for --llvm-memory-copy-fill-lowering)
#   - wasmd, built from its Go module (libwasmvm comes with the wasmvm module)
#
# Everything lands in $POI_CACHE (default ~/.cache/poi), outside the clone.
set -euo pipefail

cache="${POI_CACHE:-$HOME/.cache/poi}"
wasmd_version="${WASMD_VERSION:-v0.70.3}"
binaryen_version="${BINARYEN_VERSION:-132.0.0}"
mkdir -p "$cache/bin" "$cache/node"

step() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

for tool in cargo rustup go npm python3 curl; do
    command -v "$tool" >/dev/null || { echo "setup: $tool is required but not installed" >&2; exit 1; }
done

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    step "adding Rust target wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
        step "adding Rust component $component"
        rustup component add "$component"
    fi
done

wasm_opt="$cache/node/node_modules/.bin/wasm-opt"
if ! "$wasm_opt" --version 2>/dev/null | grep -q "version ${binaryen_version%%.*}"; then
    step "installing binaryen $binaryen_version (wasm-opt) from npm"
    npm install --silent --no-audit --no-fund --prefix "$cache/node" "binaryen@$binaryen_version"
fi
"$wasm_opt" --help | grep -q -- --llvm-memory-copy-fill-lowering \
    || { echo "setup: $wasm_opt lacks --llvm-memory-copy-fill-lowering" >&2; exit 1; }

wasmd="$cache/bin/wasmd"
stamp="$cache/bin/wasmd.version"
if [[ ! -x "$wasmd" || "$(cat "$stamp" 2>/dev/null)" != "$wasmd_version" ]] || ! "$wasmd" version >/dev/null 2>&1; then
    step "building wasmd $wasmd_version from its Go module (a few minutes the first time)"
    dir="$(go mod download -json "github.com/CosmWasm/wasmd@$wasmd_version" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
    # `go install …@version` refuses wasmd's replace directives; building inside the module honours them.
    (cd "$dir" && go build -o "$wasmd" ./cmd/wasmd)
    echo "$wasmd_version" >"$stamp"
fi
"$wasmd" version >/dev/null

step "ready: wasmd $wasmd_version at $wasmd, wasm-opt $("$wasm_opt" --version | awk "{print \$3}")"
