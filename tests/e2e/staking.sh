#!/usr/bin/env bash
# End to end on a real chain: deploy the contracts (the consensus contract becomes service 1),
# register a second service with a test slasher, start an operator that splits its stake between
# the two, delegate from two accounts, slash from the second service and eject the operator from it,
# withdraw after the (10 s) delay, and check every balance and slice to the unit, fees included. The
# chain is stopped whatever happens.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
balance() { "$wasmd" q bank balance "$1" stake --node tcp://127.0.0.1:26657 -o json | json 'int(v["balance"]["amount"])'; }
# Fee of a transaction printed by `poi --json`: gas wanted × 0.025, rounded up.
fee() { json 'int(v["gas_wanted"]) * 25 // 1000 + (1 if int(v["gas_wanted"]) * 25 % 1000 else 0)'; }

for who in validator alice bob carol; do mnemonic_of "$who" >"$work/$who"; done
as() { local who="$1"; shift; POI_MNEMONIC_FILE="$work/$who" "$poi" --json "$@"; }
bob="$(address_of bob)"
export POI_NETWORK=local POI_DEPLOYMENTS="$work/deployments.json"

localnet/localnet.sh start
as alice deploy >"$work/deploy.json"
[[ "$(json '[c["action"] for c in v if c["contract"] == "staking"][0]' <"$work/deploy.json")" == instantiated ]] \
    || fail "staking not deployed"
staking="$(json '[c["address"] for c in v if c["contract"] == "staking"][0]' <"$work/deploy.json")"
pass "staking contract deployed at $staking"

# The deployer administers staking; it registers a second service whose slasher is the validator
# account, beside the consensus contract's service.
as alice staking register-service --name "test service" --slasher "$(address_of validator)" \
    --max-slash-bps 5000 >/dev/null
services="$(as alice staking services)"
consensus_service="$(json '[s["id"] for s in v["services"] if s["name"] == "poi consensus"][0]' <<<"$services")"
test_service="$(json '[s["id"] for s in v["services"] if s["name"] == "test service"][0]' <<<"$services")"
pass "services: poi consensus is $consensus_service, the test service $test_service"

as bob staking register-operator --moniker "bob's verifier" --commission-bps 500 >/dev/null
as bob staking delegate 1000 --operator "$bob" >/dev/null
as bob staking allocate 5000 >/dev/null
as bob staking allocate 5000 --service "$test_service" >/dev/null
if as bob staking allocate 5001 --service "$test_service" 2>/dev/null; then
    fail "bob allocated more than its whole stake"
fi
as alice staking delegate 3000 --operator "$bob" >/dev/null
as carol staking delegate 6000 --operator "$bob" >/dev/null
[[ "$(balance "$staking")" == 10000 ]] || fail "contract does not hold the 10000 bonded"
slice() { as alice staking allocations "$bob" | json "[a['stake'] for a in v['allocations'] if a['service_id'] == $1][0]"; }
[[ "$(slice "$consensus_service"),$(slice "$test_service")" == 5000,5000 ]] \
    || fail "bob's stake is not split 5000/5000"
pass "operator bob with 1000 self-bond, alice 3000 and carol 6000 delegated, half to each service"

if as alice staking slash --service "$test_service" --operator "$bob" --bps 1000 --claim-id 1 2>/dev/null; then
    fail "alice could slash"
fi
as validator staking slash --service "$test_service" --operator "$bob" --bps 1000 --claim-id 1 \
    --reason "wrong output hash" >/dev/null
[[ "$(as alice staking show "$(address_of alice)" | json 'v["value"]')" == 2850 ]] || fail "alice not slashed 5%"
[[ "$(as carol staking show "$(address_of carol)" | json 'v["value"]')" == 5700 ]] || fail "carol not slashed 5%"
[[ "$(balance "$staking")" == 9500 ]] || fail "slashed 500 not burned"
[[ "$(slice "$consensus_service"),$(slice "$test_service")" == 5000,4500 ]] \
    || fail "the slash reached beyond the test service's slice"
pass "the test service slashed 10% of its slice (500): alice 2850, carol 5700; the consensus slice keeps 5000"

if as alice staking eject --service "$test_service" --operator "$bob" 2>/dev/null; then
    fail "alice could eject"
fi
as validator staking eject --service "$test_service" --operator "$bob" --reason "missed rounds" >/dev/null
[[ "$(slice "$consensus_service"),$(slice "$test_service")" == 5000,0 ]] \
    || fail "the ejection did not empty only the test service's slice"
[[ "$(balance "$staking")" == 9500 ]] || fail "the ejection took stake"
pass "the test service ejected bob without a slash; the consensus slice keeps 5000"

as alice staking undelegate 2850 >/dev/null
as carol staking undelegate 5700 >/dev/null
if as alice staking withdraw 2>/dev/null; then fail "withdrew before the delay"; fi
sleep 11
for who in alice carol; do
    before="$(balance "$(address_of "$who")")"
    as "$who" staking withdraw >"$work/withdraw-$who.json"
    after="$(balance "$(address_of "$who")")"
    paid=$(( after - before + $(fee <"$work/withdraw-$who.json") ))
    expected=$([[ "$who" == alice ]] && echo 2850 || echo 5700)
    [[ "$paid" == "$expected" ]] || fail "$who was paid $paid, expected $expected"
done
[[ "$(balance "$staking")" == 950 ]] || fail "contract should hold only bob's 950"
pass "after the delay alice got exactly 2850 and carol 5700; the contract holds bob's 950"

echo "e2e: $passed passed, 0 failed"
