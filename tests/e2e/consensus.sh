#!/usr/bin/env bash
# End to end on a real chain: `poi deploy` brings up registry, staking and consensus (and registers
# the consensus contract as a staking service, slashing for itself); three operators bond and
# allocate all their stake to it; a model and
# the verifier are registered; a claim goes through commit, reveal and finalisation with real
# accounts; the operator that voted a wrong hash is slashed, the others are paid. The chain is
# stopped whatever happens.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
height() { curl -s "$rpc/status" | json 'int(v["result"]["sync_info"]["latest_block_height"])'; }
wait_for_height() { while (($(height) < $1)); do sleep 0.3; done; }
smart() { "$wasmd" q wasm contract-state smart "$1" "$2" "${node[@]}" -o json; }

for who in validator alice bob carol; do mnemonic_of "$who" >"$work/$who"; done
as() { local who="$1"; shift; POI_MNEMONIC_FILE="$work/$who" POI_DATA_DIR="$work/data-$who" "$poi" --json "$@"; }
export POI_NETWORK=local POI_DEPLOYMENTS="$work/deployments.json"

localnet/localnet.sh start
as alice deploy >"$work/deploy.json"
address() { json "[c['address'] for c in v if c['contract'] == '$1'][0]" <"$work/deploy.json"; }
consensus="$(address consensus)"
staking="$(address staking)"
service="$(smart "$consensus" '{"config":{}}' | json 'v["data"]["service_id"]')"
[[ "$(smart "$staking" "{\"service\":{\"id\":$service}}" | json 'v["data"]["slasher"]')" == "$consensus" ]] \
    || fail "the consensus contract does not slash for its service $service"
pass "registry, staking and consensus deployed; consensus slashes for service $service"

for who in bob carol validator; do
    as "$who" staking register-operator --moniker "$who's verifier" >/dev/null
    as "$who" staking delegate 1000 --operator "$(address_of "$who")" >/dev/null
    as "$who" staking allocate 10000 >/dev/null
done
pass "operators bob, carol and validator bonded 1000 each and allocated it to consensus"

head -c 30000 /dev/urandom >"$work/classifier.onnx"
head -c 5000 /dev/urandom >"$work/poi_verifier.wasm"
as alice registry register --kind model --file "$work/classifier.onnx" --uri ipfs://classifier \
    --name classifier --price 200stake --input "image:f32:1x1x28x28" --output "logits:f32:1x10" \
    --policy exact >"$work/model.json"
model="$(json 'v["asset_id"]' <"$work/model.json")"
verifier="$(as alice registry approve-verifier "$work/poi_verifier.wasm" --version 0.1.0 \
    --uri ipfs://verifier | json 'v["verifier_hash"]')"
pass "model $model registered at 200stake, verifier $verifier approved"

truth="$(printf 'logits of a 7' | sha256sum | cut -d' ' -f1)"
lie="$(printf 'made up' | sha256sum | cut -d' ' -f1)"
input="$(printf 'a handwritten 7' | sha256sum | cut -d' ' -f1)"
as alice consensus submit --model "$model" --verifier "$verifier" --input "image:npy=$input@ipfs://seven" \
    --output-hash "$truth" >"$work/claim.json"
claim="$(json 'v["claim_id"]' <"$work/claim.json")"
[[ "$(json 'sorted(v["committee"])' <"$work/claim.json")" == \
    "$(python3 -c "print(sorted(['$(address_of bob)', '$(address_of carol)', '$(address_of validator)']))")" ]] \
    || fail "the committee is not the three operators"
pass "claim $claim submitted (paid $(json 'v["paid"]' <"$work/claim.json")), committee of three drawn"

as bob consensus commit "$claim" --output-hash "$truth" >/dev/null
as carol consensus commit "$claim" --output-hash "$truth" >/dev/null
as validator consensus commit "$claim" --output-hash "$lie" >/dev/null
if as bob consensus reveal "$claim" 2>/dev/null; then fail "revealed inside the commit window"; fi
round() { as alice consensus show "$claim" | json "v['rounds'][-1]['$1']"; }
wait_for_height "$(round commit_end)"
for who in bob carol validator; do as "$who" consensus reveal "$claim" >/dev/null; done
pass "three commitments, then three reveals (the salts kept by the CLI in between)"

wait_for_height "$(round reveal_end)"
[[ "$(as carol consensus finalize "$claim" | json 'v["verdict"]')" == Accepted ]] || fail "not accepted"
dispute_end="$(as alice consensus show "$claim" | json 'v["dispute_end"]')"
wait_for_height "$dispute_end"
as carol consensus finalize "$claim" >/dev/null
[[ "$(as alice consensus show "$claim" | json 'v["status"]')" == final ]] || fail "not settled"
pass "claim $claim accepted by two thirds of the committee and settled"

value() { as alice staking show "$(address_of "$1")" | json "int(v['$2'])"; }
[[ "$(value validator value)" == 900 ]] || fail "validator not slashed 10% for the wrong hash"
[[ "$(value bob value)" == 1000 && "$(value carol value)" == 1000 ]] || fail "an honest operator lost stake"
# 50 each, less at most a unit that share rounding keeps in the pool.
for who in bob carol; do
    (($(value "$who" rewards) >= 49 && $(value "$who" rewards) <= 50)) || fail "$who did not get half the reward of 100"
done
[[ "$(smart "$consensus" "{\"operator_record\":{\"operator\":\"$(address_of validator)\"}}" | json 'v["data"]["slashes"]')" == 1 ]] \
    || fail "the slash is not on the operator's record"
"$wasmd" q bank balance "$consensus" stake "${node[@]}" -o json \
    | json 'int(v["balance"]["amount"])' | grep -qx 0 || fail "the consensus contract kept funds"
pass "the liar lost 100 of its 1000, the honest operators shared the reward, nothing left behind"

echo "e2e: $passed passed, 0 failed"
