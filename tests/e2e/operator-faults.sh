#!/usr/bin/env bash
# The operator daemon under faults, on a real chain with three honest operators:
# - failover: the first RPC endpoint of one operator dies before any claim; it fails over to the
#   next one and still commits and reveals;
# - restart: another is SIGKILLed right after its commitment landed and restarted; from its store
#   it reveals in time (nothing committed twice) and is not slashed;
# - bad content: a claim whose input URI serves other bytes than the committed hash is rejected by
#   every operator, each recording why;
# - blocks are followed by websocket, and after the failover on the endpoint failed over to.
# Then two more operators join, and the daemons serve the rest of the protocol by themselves:
# - a dispute: an accepted claim is disputed; the operators left out of its first committee are
#   drawn for the dispute round, re-run it, commit and reveal in round 2, and the dispute fails;
# - tolerance claims on a model with a tolerance policy and an input in ONNX TensorProto format:
#   each operator fetches the claimed output, compares it with its own within the model's atol and
#   rtol, and votes accept on the honest claim and reject on the one whose output is another
#   input's.
# The network is `local`'s (committees of three, a dispute round of up to four).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
net="$work/net"
network_name=local
source scripts/network.sh
cleanup() { POI_DEMO_DIR="$net" scripts/demo-stop.sh >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
status_of() { "$poi" --json operator status --config "$net/operators/$1/operator.toml"; }
stage_of() { status_of "$1" | json "[d['stage'] for d in v if d['claim_id'] == $2] or ['none']" | tr -d "[]'"; }

network_init alice bob carol honest1 honest2 honest3 honest4 honest5
network_start_chain >/dev/null
network_deploy alice >/dev/null
network_serve_content 7880
network_register_assets alice bob
consensus="$(json 'v["contracts"]["consensus"]["address"]' <"$net/deployments.json")"
truth="$(output_hash_of "$data/digit-7.npy")"
proxy_port=26700
python3 tests/e2e/tcp-proxy.py "$proxy_port" "${POI_RPC_PORT:-26657}" &
echo $! >"$net/pids/proxy.pid"
network_add_operator honest1 1000 9470 ""
network_add_operator honest2 1000 9471 "" "http://127.0.0.1:$proxy_port" "$rpc_url"
network_add_operator honest3 1000 9472 ""
network_wait_ready 1 honest1 honest2 honest3
pass "three operators bonded 1000 each and running; honest2 reads the chain through a proxy first"

kill "$(cat "$net/pids/proxy.pid")"
honest="$(submit carol "$seven_uri" "$data/digit-7.npy" "$truth")"
# The hash of a 5 nobody has, with a URI that serves the 3: the claim is about bytes nobody can get.
# (Bytes an operator already holds under the committed hash would do: content is named by hash.)
tampered="$(as carol consensus submit --model "$model" --verifier "$verifier" \
    --input "image=$(sha "$data/digit-5.npy")@$three_uri" --output-hash "$truth" | json 'v["claim_id"]')"
pass "honest2's first endpoint is dead; claims $honest (honest) and $tampered (tampered input) submitted"

until [[ "$(stage_of honest3 "$honest")" == committed ]]; do sleep 0.3; done
kill -9 "$(cat "$net/pids/honest3.pid")"
killed_at="$(height)"
commit_end="$(claim_field "$honest" 'v["rounds"][0]["commit_end"]')"
(( killed_at < commit_end )) || fail "honest3 was killed after the commit window; the test cannot show the restart"
sleep 2
network_launch_operator honest3
network_wait_ready 2 honest3
pass "honest3 SIGKILLed at height $killed_at after committing on claim $honest, and restarted"

for c in "$honest" "$tampered"; do
    until [[ "$(claim_field "$c" 'v["status"]')" == final ]]; do
        (($(height) < commit_end + 60)) || fail "claim $c not settled"
        sleep 1
    done
done
[[ "$(claim_field "$honest" 'v["verdict"]')" == accepted ]] || fail "the honest claim was not accepted"
[[ "$(claim_field "$tampered" 'v["verdict"]')" == rejected ]] || fail "the tampered claim was not rejected"
pass "claim $honest accepted, claim $tampered rejected"

for who in honest1 honest2 honest3; do
    for c in "$honest" "$tampered"; do
        [[ "$(stage_of "$who" "$c")" == revealed ]] || fail "$who did not reveal on claim $c: $(status_of "$who")"
    done
    [[ "$(as alice staking show "$(address_of "$who")" | json 'v["value"]')" == 1000 ]] || fail "$who was slashed"
    record="$("$wasmd" q wasm contract-state smart "$consensus" \
        "{\"operator_record\":{\"operator\":\"$(address_of "$who")\"}}" "${node[@]}" -o json)"
    [[ "$(json 'v["data"]["no_shows"], v["data"]["slashes"]' <<<"$record")" == "(0, 0)" ]] \
        || fail "$who has a no-show or slash on record: $record"
done
[[ "$(grep -c "committed claim=$honest " "$net/logs/honest3.log")" == 1 ]] \
    || fail "honest3 committed on claim $honest more than once"
pass "honest2 voted after failing over; honest3 committed once and revealed after its restart; nobody slashed"

grep -q "following new blocks by websocket endpoint=$rpc_url" "$net/logs/honest1.log" \
    || fail "honest1 did not subscribe to new blocks"
grep -q "following new blocks by websocket endpoint=$rpc_url" "$net/logs/honest2.log" \
    || fail "honest2 did not subscribe on the endpoint it failed over to"
pass "the daemons follow blocks by websocket; honest2 resubscribed on its second endpoint"

for who in honest1 honest2 honest3; do
    reason="$(status_of "$who" | json "[d['basis']['reason'] for d in v if d['claim_id'] == $tampered][0]")"
    [[ "$reason" == hash_mismatch ]] || fail "$who rejected the tampered claim for $reason"
done
pass "every operator rejected the tampered claim as hash_mismatch"

network_add_operator honest4 1000 9473 ""
network_add_operator honest5 1000 9474 ""
network_wait_ready 1 honest4 honest5
operators=(honest1 honest2 honest3 honest4 honest5)

# A tolerance model: a convolution from the ONNX package's PyTorch-converted suite, its input a
# TensorProto file, its output claimed as the canonical encoding `poi verify --write-output` gives.
conv="$cache/onnx-data/pytorch-converted/test_Conv2d"
# NAME:f32:DIMS of the model's first input and output, from its graph.
read -r input_name input_spec output_spec < <("$cache/venv/bin/python" - "$conv/model.onnx" <<'PY'
import sys, onnx
graph = onnx.load(sys.argv[1]).graph
spec = lambda v: f"{v.name}:f32:" + "x".join(str(d.dim_value) for d in v.type.tensor_type.shape.dim)
print(graph.input[0].name, spec(graph.input[0]), spec(graph.output[0]))
PY
)
conv_id="$(as bob registry register --kind model --file "$conv/model.onnx" --uri "$(add "$conv/model.onnx")" \
    --name "Conv2d (onnx test suite)" --license MIT --price 10stake --input "$input_spec" \
    --output "$output_spec" --policy tolerance --atol 0.0001 --rtol 0.001 | json 'v["asset_id"]')"
"$cache/venv/bin/python" - "$conv/test_data_set_0/input_0.pb" "$work/other-input.npy" <<'PY'
import sys, numpy, onnx
from onnx import numpy_helper
tensor = onnx.TensorProto()
tensor.ParseFromString(open(sys.argv[1], "rb").read())
numpy.save(sys.argv[2], numpy_helper.to_array(tensor) * 2 + 1)
PY
"$poi" verify --model "$conv/model.onnx" --input "$input_name=$conv/test_data_set_0/input_0.pb" --write-output "$work/conv-out.bin" >/dev/null
"$poi" verify --model "$conv/model.onnx" --input "$input_name=$work/other-input.npy" --write-output "$work/conv-other.bin" >/dev/null
conv_input="$input_name:onnx_pb=$(sha "$conv/test_data_set_0/input_0.pb")@$(add "$conv/test_data_set_0/input_0.pb")"
tol_claim() { # output file
    as carol consensus submit --model "$conv_id" --verifier "$verifier" --input "$conv_input" \
        --output-hash "$(sha "$1")" --output-uri "$(add "$1")" | json 'v["claim_id"]'
}
tol_honest="$(tol_claim "$work/conv-out.bin")"
tol_false="$(tol_claim "$work/conv-other.bin")"
disputed="$(submit carol "$seven_uri" "$data/digit-7.npy" "$truth")"
pass "honest4 and honest5 joined; tolerance claims $tol_honest (honest) and $tol_false (another input's output), claim $disputed to be disputed"

# Disputed as soon as the operators have decided it, within the dispute window.
until [[ "$(claim_field "$disputed" 'v["status"]')" == decided ]]; do
    (($(height) < commit_end + 120)) || fail "claim $disputed was not decided"
    sleep 0.3
done
as carol consensus dispute "$disputed" >"$work/dispute.json"
second=($(json "' '.join(v['committee'])" <"$work/dispute.json"))
((${#second[@]} == 2)) || fail "the dispute round drew ${#second[@]} operators, not the two left out"
pass "claim $disputed accepted by its first committee, then disputed; the other two operators drawn for round 2"

for c in "$tol_honest" "$tol_false" "$disputed"; do
    until [[ "$(claim_field "$c" 'v["status"]')" == final ]]; do
        (($(height) < commit_end + 200)) || fail "claim $c not settled"
        sleep 1
    done
done
[[ "$(claim_field "$disputed" 'v["verdict"], len(v["rounds"]), v["rounds"][1]["verdict"]')" == "('accepted', 2, 'accepted')" ]] \
    || fail "the disputed claim: $(claim_field "$disputed" 'v')"
for who in "${operators[@]}"; do
    address="$(address_of "$who")"
    in_second=""
    for member in "${second[@]}"; do [[ "$member" == "$address" ]] && in_second=1; done
    round2="$(status_of "$who" | json "[d['stage'] for d in v if d['claim_id'] == $disputed and d['round'] == 2]")"
    if [[ -n "$in_second" ]]; then
        [[ "$round2" == "['revealed']" ]] || fail "$who sat in the dispute round but did not reveal: $round2"
    else
        [[ "$round2" == "[]" ]] || fail "$who has a round-2 seat it was not given: $round2"
    fi
    [[ "$(as alice staking show "$address" | json 'v["value"]')" == 1000 ]] || fail "$who was slashed"
done
pass "the dispute round's two members re-ran claim $disputed and revealed in round 2; it stayed accepted, nobody slashed"

[[ "$(claim_field "$tol_honest" 'v["tolerance"], v["verdict"]')" == "(True, 'accepted')" ]] \
    || fail "the honest tolerance claim: $(claim_field "$tol_honest" 'v')"
[[ "$(claim_field "$tol_false" 'v["tolerance"], v["verdict"]')" == "(True, 'rejected')" ]] \
    || fail "the false tolerance claim: $(claim_field "$tol_false" 'v')"
who_is() { local w; for w in "${operators[@]}"; do if [[ "$(address_of "$w")" == "$1" ]]; then echo "$w"; fi; done; }
for pair in "$tol_honest:True" "$tol_false:False"; do
    c="${pair%%:*}"
    for member in $(as alice consensus committee "$c" | json "' '.join(m['operator'] for m in v['members'])"); do
        who="$(who_is "$member")"
        seat="$(status_of "$who" | json "[(d['stage'], d['basis']['within_tolerance']) for d in v if d['claim_id'] == $c]")"
        [[ "$seat" == "[('revealed', ${pair#*:})]" ]] || fail "$who on tolerance claim $c: $seat"
    done
done
pass "tolerance claim $tol_honest accepted, $tol_false rejected: each operator compared the claimed output within atol/rtol"

echo "e2e: $passed passed, 0 failed"
