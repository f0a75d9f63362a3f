#!/usr/bin/env bash
# Builds artifacts/poi_verifier.wasm: the verifier core for wasm32 with simd128 and nothing else
# (no relaxed-simd, no threads, no atomics), no imports (getrandom's custom backend), a 2 GiB memory
# maximum the hosts rely on, paths remapped so the bytes do not depend on the machine; then records
# its sha256 in artifacts/checksums.txt along with the contracts'.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
target="${CARGO_TARGET_DIR:-$cache/target}"
cd "$root"
mkdir -p artifacts

export CARGO_TARGET_DIR="$target"
export RUSTFLAGS="-C target-feature=+simd128 --cfg getrandom_backend=\"custom\" -C link-arg=--max-memory=2147483648 --remap-path-prefix=$root=/poi --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=$target=/target"
cargo rustc --locked -q -p poi-verifier-module --lib --profile verifier --target wasm32-unknown-unknown --crate-type cdylib
# Names and producer sections only: no optimisation pass runs, so wasm-opt cannot change semantics.
"${WASM_OPT:-$cache/node/node_modules/.bin/wasm-opt}" --strip-debug --strip-producers \
    --enable-simd --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
    --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types \
    "$target/wasm32-unknown-unknown/verifier/poi_verifier_module.wasm" -o artifacts/poi_verifier.wasm
scripts/record-checksums.sh poi_verifier.wasm
grep poi_verifier artifacts/checksums.txt
