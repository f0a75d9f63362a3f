#!/usr/bin/env bash
# The operator daemon under faults, on a real chain with three honest operators:
# - failover: the first RPC endpoint of one operator dies before any claim; it fails over to the
#   next one and still commits and reveals;
# - restart: another is SIGKILLed right after its commitment landed and restarted; from its store
#   it reveals in time (nothing committed twice) and is not slashed;
# - bad content: a claim whose input URI serves other bytes than the committed hash is rejected by
#   every operator, each recording why;
# - blocks are followed by websocket, and after the failover on the endpoint failed over to.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
net="$work/net"
source scripts/network.sh
cleanup() { POI_DEMO_DIR="$net" scripts/demo-stop.sh >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
status_of() { "$poi" --json operator status --config "$net/operators/$1/operator.toml"; }
stage_of() { status_of "$1" | json "[d['stage'] for d in v if d['claim_id'] == $2] or ['none']" | tr -d "[]'"; }

network_init alice bob carol honest1 honest2 honest3
network_start_chain >/dev/null
network_deploy alice >/dev/null
network_serve_content 7880
network_register_assets alice bob
consensus="$(json 'v["contracts"]["consensus"]["address"]' <"$net/deployments.json")"
truth="$(output_hash_of "$data/digit-7.npy")"
proxy_port=26700
python3 tests/e2e/tcp-proxy.py "$proxy_port" 26657 &
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
        "{\"operator_record\":{\"operator\":\"$(address_of "$who")\"}}" --node tcp://127.0.0.1:26657 -o json)"
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
commits="$(grep -c '"committed"\|committed claim\| committed ' "$net/logs/honest3.log" || true)"
pass "every operator rejected the tampered claim as hash_mismatch"

echo "e2e: $passed passed, 0 failed"
