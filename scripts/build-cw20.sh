#!/usr/bin/env bash
# Builds cw20-base (tests/e2e/cw20-base) for the local chain's e2e test into $POI_CACHE/cw20/, lowered
# by wasm-opt as the contracts are. Not one of poi's artefacts: no checksum is recorded for it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
# Its own target directory: the e2e tests run beside the unit tests' cargo, and a build in the
# shared one waits for that cargo's lock.
target="$cache/target-cw20"
wasm_opt="${WASM_OPT:-$cache/node/node_modules/.bin/wasm-opt}"
out="$cache/cw20/cw20_base.wasm"

mkdir -p "$(dirname "$out")"
CARGO_TARGET_DIR="$target" cargo build --locked -q --release --target wasm32-unknown-unknown \
    --manifest-path "$root/tests/e2e/cw20-base/Cargo.toml"
# Rebuilt only when cargo's output is newer; the lowering is the same as scripts/build-wasm.sh's.
built="$target/wasm32-unknown-unknown/release/poi_e2e_cw20_base.wasm"
if [[ ! -f "$out" || "$built" -nt "$out" ]]; then
    "$wasm_opt" -Os --llvm-memory-copy-fill-lowering --strip-debug --strip-producers "$built" -o "$out"
fi
echo "$out"
