#!/usr/bin/env bash
# End to end on a real chain: start a fresh local wasmd chain, deploy the contracts with `poi deploy`,
# register a dataset and a model derived from it, transfer the model, read everything back, check a
# rejected registration changes nothing, and stop the chain, whatever happens.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

mnemonic_of alice >"$work/alice.mnemonic"
mnemonic_of bob >"$work/bob.mnemonic"
bob="$(address_of bob)"
export POI_NETWORK=local POI_DEPLOYMENTS="$work/deployments.json" POI_MNEMONIC_FILE="$work/alice.mnemonic"

localnet/localnet.sh start

"$poi" deploy --json >"$work/deploy.json"
[[ "$(json 'v[0]["action"]' <"$work/deploy.json")" == instantiated ]] || fail "first deploy did not instantiate"
"$poi" deploy --json >"$work/deploy2.json"
[[ "$(json 'v[0]["action"]' <"$work/deploy2.json")" == unchanged ]] || fail "second deploy was not a no-op"
pass "deploy, and an idempotent re-deploy"

head -c 2500000 /dev/urandom >"$work/digits.bin"
head -c 40000 /dev/urandom >"$work/classifier.onnx"
dataset_hash="$("$poi" registry hash --kind dataset "$work/digits.bin")"

"$poi" registry register --json --kind dataset --file "$work/digits.bin" --uri "ipfs://digits" \
    --name "Handwritten digits" --license CC-BY-4.0 --tag vision >"$work/dataset.json"
dataset_id="$(json 'v["asset_id"]' <"$work/dataset.json")"
[[ "$(json 'v["content_hash"]' <"$work/dataset.json")" == "$dataset_hash" ]] || fail "dataset hash differs"
pass "registered dataset $dataset_id with Merkle root $dataset_hash"

"$poi" registry register --json --kind model --file "$work/classifier.onnx" \
    --uri "https://models.example/classifier.onnx" --name "Digit classifier" --license Apache-2.0 \
    --parent "$dataset_id:3000" --price 250stake \
    --input "image:f32:?x1x28x28" --output "logits:f32:?x10" \
    --policy tolerance --atol 0.0001 --rtol 0.001 >"$work/model.json"
model_id="$(json 'v["asset_id"]' <"$work/model.json")"
pass "registered model $model_id derived from dataset $dataset_id"

if "$poi" registry register --kind dataset --file "$work/digits.bin" --uri "ipfs://again" \
    --name "Same bytes" 2>"$work/dup.err"; then
    fail "a second asset with the same content hash was accepted"
fi
grep -q "already registered as asset $dataset_id" "$work/dup.err" || fail "unexpected error: $(cat "$work/dup.err")"
[[ "$("$poi" registry list --json | json 'len(v["assets"])')" == 2 ]] || fail "rejected registration left state behind"
pass "duplicate content hash rejected with a typed error, nothing stored"

"$poi" registry transfer "$model_id" --to "$bob" >/dev/null
[[ "$("$poi" registry owner "$model_id")" == "$bob" ]] || fail "model not owned by bob after transfer"
pass "model transferred to bob"

if "$poi" registry transfer "$model_id" --to "$(address_of carol)" 2>/dev/null; then
    fail "alice moved a model she no longer owns"
fi
POI_MNEMONIC_FILE="$work/bob.mnemonic" "$poi" registry transfer "$model_id" --to "$bob" >/dev/null
pass "only the new owner may move it"

"$poi" registry show --json "$model_id" >"$work/show.json"
[[ "$(json 'v["owner"]' <"$work/show.json")" == "$bob" ]] || fail "show: wrong owner"
[[ "$(json 'v["parents"][0]["asset_id"]' <"$work/show.json")" == "$dataset_id" ]] || fail "show: lineage lost"
[[ "$(json 'v["model"]["inputs"][0]["shape"]' <"$work/show.json")" == "[None, 1, 28, 28]" ]] || fail "show: signature lost"
"$poi" registry show --json --hash "$dataset_hash" | json 'v["id"]' | grep -qx "$dataset_id" || fail "lookup by hash"
pass "model read back with owner, lineage and signature; dataset found by hash"

"$poi" registry revenue-split --json "$model_id" 1001 >"$work/split.json"
[[ "$(json 'sum(int(p["amount"]) for p in v["payouts"])' <"$work/split.json")" == 1001 ]] || fail "split lost units"
[[ "$(json '[int(p["amount"]) for p in v["payouts"]]' <"$work/split.json")" == "[701, 300]" ]] || fail "split: $(cat "$work/split.json")"
pass "a fee of 1001 splits 701 to the model owner and 300 to the dataset owner"

echo "e2e: $passed passed, 0 failed"
