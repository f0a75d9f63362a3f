#!/usr/bin/env bash
# Builds the light client for browsers and Node: poi-light-client for wasm32, then wasm-bindgen
# (the version Cargo.lock pins, installed by scripts/setup.sh) writes the ES module and its wasm
# into www/light-client/ with its TypeScript declarations. The same client the `poi light`
# commands run natively.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
target="${CARGO_TARGET_DIR:-$cache/target}"
cd "$root"

version="$(scripts/wasm-bindgen-version.sh)"
bindgen="${WASM_BINDGEN:-$cache/wasm-bindgen-$version/bin/wasm-bindgen}"
[[ -x "$bindgen" ]] || { echo "wasm-bindgen $version is missing: run 'make setup'" >&2; exit 1; }

out="${1:-www/light-client}"
features="${LIGHT_CLIENT_FEATURES:-}"
export CARGO_TARGET_DIR="$target"
# A profile of its own (Cargo.toml): no other build invalidates this one, and it never waits for
# the lock of the native release build that `make test` runs beside it.
cargo build --locked -q -p poi-light-client --lib --profile light-client-wasm --target wasm32-unknown-unknown \
    ${features:+--features "$features"}
"$bindgen" --target web --out-dir "$out" \
    "$target/wasm32-unknown-unknown/light-client-wasm/poi_light_client.wasm"
echo "light client: $(du -h "$out/poi_light_client_bg.wasm" | cut -f1) in $out"
