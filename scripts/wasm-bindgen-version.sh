#!/usr/bin/env bash
# The wasm-bindgen crate version in Cargo.lock: wasm-bindgen-cli must be exactly this version.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock"
