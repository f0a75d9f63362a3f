#!/usr/bin/env bash
# Builds every contract alone for wasm32 with the `contract` profile (Cargo.toml), optimises it with wasm-opt, and
# writes artifacts/<contract>.wasm and artifacts/checksums.txt.
#
# Each contract is its own cargo invocation so that no feature another workspace member enables
# (wasm-bindgen, getrandom's JS backend, ...) leaks into it through feature unification.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
target="${CARGO_TARGET_DIR:-$cache/target}"
wasm_opt="${WASM_OPT:-$cache/node/node_modules/.bin/wasm-opt}"
contracts=(poi-registry poi-staking poi-consensus)

cd "$root"
mkdir -p artifacts
# No path of this machine may end up in the artefact, or two machines would build different bytes.
export RUSTFLAGS="--remap-path-prefix=$root=/poi --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo --remap-path-prefix=$target=/target"
export CARGO_TARGET_DIR="$target"

built=()
for package in "${contracts[@]}"; do
    file="${package//-/_}"
    built+=("$file.wasm")
    cargo rustc --locked -q -p "$package" --lib --profile contract --target wasm32-unknown-unknown --crate-type cdylib
    # Rust 1.95 emits bulk-memory instructions that wasmvm refuses; lower them to plain loops.
    "$wasm_opt" -Os --llvm-memory-copy-fill-lowering --strip-debug --strip-producers \
        "$target/wasm32-unknown-unknown/contract/$file.wasm" -o "artifacts/$file.wasm"
done

scripts/record-checksums.sh "${built[@]}"
cat artifacts/checksums.txt
