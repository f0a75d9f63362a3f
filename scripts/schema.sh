#!/usr/bin/env bash
# Regenerates schema/<contract>/ from the message types with cosmwasm-schema's write_api!.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
for contract in registry staking consensus; do
    work="$(mktemp -d)"
    # write_api! writes into ./schema of the directory it runs in.
    (cd "$work" && cargo run --locked -q --manifest-path "$root/Cargo.toml" -p "poi-$contract" --bin schema >/dev/null)
    rm -rf "schema/$contract"
    mkdir -p "schema/$contract"
    cp -r "$work/schema/." "schema/$contract/"
    rm -rf "$work"
    echo "schema/$contract: $(ls "schema/$contract" | tr '\n' ' ')"
done
