#!/usr/bin/env bash
# Runs the verifier's fuzz targets (wasm-verifier/fuzz) with libFuzzer on stable Rust, without a
# sanitizer, each for FUZZ_SECONDS (default 300). The corpus grows in the cache between runs; a
# crashing input is written to wasm-verifier/fuzz/artifacts/TARGET/ and fails the run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
seconds="${FUZZ_SECONDS:-300}"
cd "$root"

if [[ ! -x "$cache/cargo-fuzz/bin/cargo-fuzz" ]]; then
    cargo install cargo-fuzz --version 0.13.2 --root "$cache/cargo-fuzz"
fi
export PATH="$cache/cargo-fuzz/bin:$PATH"
export CARGO_TARGET_DIR="$cache/fuzz-target"

for target in ${FUZZ_TARGETS:-request_decoding model_loading}; do
    corpus="$cache/fuzz-corpus/$target"
    mkdir -p "$corpus"
    # Model mutations start from real models: the onnx package's small PyTorch exports.
    if [[ "$target" == model_loading && -z "$(ls -A "$corpus")" ]]; then
        find "$cache/onnx-data/pytorch-operator" "$cache/onnx-data/pytorch-converted" \
            -name model.onnx -size -64k | while read -r model; do
            cp "$model" "$corpus/$(basename "$(dirname "$model")").onnx"
        done
    fi
    echo "fuzz: $target for ${seconds}s (corpus $corpus)"
    cargo fuzz run --fuzz-dir wasm-verifier/fuzz --sanitizer none --release "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 2>&1 |
        grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+== ERROR|SUMMARY|artifact_prefix)' || true
    # The pipe hides cargo fuzz's status; a crash, an out-of-memory or a timeout leaves its input
    # behind. Inputs over ten seconds are kept as slow-unit-* and reported, but do not fail.
    found="wasm-verifier/fuzz/artifacts/$target"
    if compgen -G "$found/slow-unit-*" >/dev/null; then
        echo "fuzz: $target kept slow inputs:" "$found"/slow-unit-*
    fi
    if compgen -G "$found/[!s]*" >/dev/null; then
        echo "fuzz: $target found a failing input:" "$found"/[!s]* >&2
        exit 1
    fi
done
