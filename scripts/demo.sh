#!/usr/bin/env bash
# The local demo: a fresh chain, the contracts deployed, a dataset and a model derived from it
# registered, the model sold on, and everything read back. The chain keeps running afterwards
# (stop it with 'make localnet-stop'), so you can go on with the `poi` commands printed at the end.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
poi="${CARGO_TARGET_DIR:-$cache/target}/release/poi"
demo="$cache/demo"
cd "$root"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ poi'; printf ' %q' "$@"; printf '\n'; "$poi" "$@"; }
mnemonic_of() { awk -v who="$1" '$1 == who { for (i = 3; i <= NF; i++) printf "%s ", $i }' localnet/accounts.txt; }

rm -rf "$demo" && mkdir -p "$demo"
mnemonic_of alice >"$demo/alice.mnemonic"
export POI_NETWORK=local POI_DEPLOYMENTS="$demo/deployments.json" POI_MNEMONIC_FILE="$demo/alice.mnemonic"
bob="$(awk '$1 == "bob" { print $2 }' localnet/accounts.txt)"

say "Starting a fresh single-node wasmd chain on 127.0.0.1"
localnet/localnet.sh start

say "Deploying the contracts (artefacts from 'make wasm')"
run deploy

say "Alice registers a dataset; its content hash is a Merkle root over 1 MiB chunks"
head -c 3000000 /dev/urandom >"$demo/digits.bin"
run registry register --kind dataset --file "$demo/digits.bin" --uri ipfs://digits-v1 \
    --name "Handwritten digits" --license CC-BY-4.0 --tag vision

say "Alice registers a model trained on it, owing the dataset 30% of every fee"
head -c 50000 /dev/urandom >"$demo/classifier.onnx"
run registry register --kind model --file "$demo/classifier.onnx" \
    --uri https://models.example/classifier.onnx --name "Digit classifier" --license Apache-2.0 \
    --parent 1:3000 --price 250stake --input "image:f32:?x1x28x28" --output "logits:f32:?x10"

say "Alice sells the model to Bob"
run registry transfer 2 --to "$bob"

say "Reading it back"
run registry show 2
run registry owner 2
run registry lineage 2
run registry revenue-split 2 250

cat <<EOT

The chain is still running. Try, for example:
  export POI_DEPLOYMENTS=$demo/deployments.json POI_MNEMONIC_FILE=$demo/alice.mnemonic
  $poi registry list
Stop it with: make localnet-stop
EOT
