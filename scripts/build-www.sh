#!/usr/bin/env bash
# `make www`: the browser app (www/), type-checked (tsc --noEmit), linted (biome) and built by
# Vite into www/dist, a static folder `poi www serve` or any static host serves. `lint` stops after
# the checks. Needs `make setup` (the npm packages) and `make wasm` (the light client's bindings
# in www/light-client/ and the verifier artefact the app ships with).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root/www"
bin=node_modules/.bin
[[ -x "$bin/vite" ]] || { echo "www: the npm packages are missing: run 'make setup'" >&2; exit 1; }
[[ -f light-client/poi_light_client.js && -f ../artifacts/poi_verifier.wasm ]] \
    || { echo "www: the light client's bindings or the verifier are missing: run 'make wasm'" >&2; exit 1; }

"$bin/tsc" --noEmit -p tsconfig.json
"$bin/biome" check --error-on-warnings .
[[ "${1:-build}" == lint ]] && exit 0
"$bin/vite" build --logLevel warn
echo "www: the app is in www/dist ($(du -sh dist | cut -f1)); serve it with 'poi www serve'"
