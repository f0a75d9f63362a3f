#!/usr/bin/env bash
# Real models with real weights, shipped inside a PyPI package (rapidocr-onnxruntime 1.4.4: the
# PP-OCRv4 text detector and recogniser and the PP-OCR direction classifier, fetched by
# `make setup`): `poi verify` with the wasm artefact must reproduce onnxruntime's output within
# rtol 1e-3, atol 1e-4, on a seeded random input.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
poi="${CARGO_TARGET_DIR:-$cache/target}/release/poi"
models="$cache/real-models"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"

passed=0
for spec in ch_PP-OCRv4_det_infer:1x3x224x224 ch_PP-OCRv4_rec_infer:1x3x48x320 ch_ppocr_mobile_v2.0_cls_infer:1x3x48x192; do
    model="${spec%%:*}"
    read -r input output < <("$cache/venv/bin/python" tests/verifier/onnxruntime_reference.py \
        "$models/$model.onnx" "${spec#*:}" "$work/$model")
    if ! result="$("$poi" verify --json --model "$models/$model.onnx" --input "$input=$work/$model.input.npy" \
        --expect-output "$output=$work/$model.output.npy" --rtol 1e-3 --atol 1e-4)"; then
        echo "real-models: FAIL: $model differs from onnxruntime: $result" >&2
        exit 1
    fi
    deviation="$(echo "$result" | python3 -c 'import json,sys; print(json.load(sys.stdin)["comparison"]["max_abs_deviation"])')"
    echo "real-models: ok: $model matches onnxruntime (largest deviation $deviation)"
    passed=$((passed + 1))
done
echo "real-models: $passed passed, 0 failed"
