#!/usr/bin/env bash
# Regenerates schema/<contract>/ from the message types with cosmwasm-schema's write_api!, run by
# the schema writers that `make build` compiles with the rest of the workspace.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
bin="${CARGO_TARGET_DIR:-$cache/target}/release"
cd "$root"
for contract in registry staking consensus; do
    work="$(mktemp -d)"
    # write_api! writes into ./schema of the directory it runs in.
    (cd "$work" && "$bin/$contract-schema" >/dev/null)
    rm -rf "schema/$contract"
    mkdir -p "schema/$contract"
    cp -r "$work/schema/." "schema/$contract/"
    rm -rf "$work"
    echo "schema/$contract: $(ls "schema/$contract" | tr '\n' ' ')"
done
