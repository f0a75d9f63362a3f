#!/usr/bin/env bash
# End to end on a real chain: deploy the contracts (the consensus contract becomes service 1),
# register a second service with a test slasher, start an operator that splits its stake between
# the two, delegate from two accounts, slash from the second service and eject the operator from it,
# withdraw after the (10 s) delay, and check every balance and slice to the unit, fees included.
# Then a cw20 token (cw-plus's cw20-base) becomes a second strategy: bonded through `send`, weighed,
# slashed (burnt on the token contract) and withdrawn in the token. The chain is stopped whatever
# happens.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
balance() { "$wasmd" q bank balance "$1" stake "${node[@]}" -o json | json 'int(v["balance"]["amount"])'; }
# Fee of a transaction printed by `poi --json`: gas wanted × 0.025, rounded up.
fee() { json 'int(v["gas_wanted"]) * 25 // 1000 + (1 if int(v["gas_wanted"]) * 25 % 1000 else 0)'; }

for who in validator alice bob carol dave; do mnemonic_of "$who" >"$work/$who"; done
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
[[ "$(slice "$consensus_service"),$(slice "$test_service")" == 5000,4500 ]] \
    || fail "the slash reached beyond the test service's slice"
# The slash moved bob's slash factor only; the 500 leave when anyone collects them.
uncollected() { as alice staking pools --operator "$bob" | json "[p['slashed_uncollected'] for p in v['pools'] if p['strategy_id'] == $1][0]"; }
[[ "$(uncollected 1),$(balance "$staking")" == 500,10000 ]] || fail "the slashed 500 are not held for collection"
as dave staking collect-slashed --operator "$bob" >/dev/null
[[ "$(uncollected 1),$(balance "$staking")" == 0,9500 ]] || fail "collecting did not burn the slashed 500"
pass "the test service slashed 10% of its slice (500): alice 2850, carol 5700; the consensus slice keeps 5000; anyone burnt the 500"

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

# A cw20 strategy. The token is stored and instantiated with wasmd's own CLI: it is not poi's.
cw20_wasm="$(scripts/build-cw20.sh)"
wasmd_tx() { # the wasmd tx arguments; waits for the transaction and prints it as JSON
    local hash
    hash="$("$wasmd" tx "$@" --from alice --keyring-backend test --home "$POI_LOCALNET_HOME" \
        --chain-id poi-local-1 "${node[@]}" --gas auto --gas-adjustment 1.4 --gas-prices 0.025stake \
        -y -o json 2>/dev/null | json 'v["txhash"]')"
    for _ in $(seq 30); do
        if "$wasmd" q tx "$hash" "${node[@]}" -o json >"$work/tx.json" 2>/dev/null; then
            [[ "$(json 'v["code"]' <"$work/tx.json")" == 0 ]] || fail "wasmd tx $1 $2 failed: $(json 'v["raw_log"]' <"$work/tx.json")"
            return
        fi
        sleep 1
    done
    fail "wasmd tx $1 $2 was not included"
}
wasmd_tx wasm store "$cw20_wasm"
code_id="$("$wasmd" q wasm list-code "${node[@]}" -o json | json 'v["code_infos"][-1]["code_id"]')"
alice="$(address_of alice)"
wasmd_tx wasm instantiate "$code_id" \
    "{\"name\":\"liquid test\",\"symbol\":\"LQT\",\"decimals\":6,\"initial_balances\":[{\"address\":\"$alice\",\"amount\":\"10000\"}]}" \
    --label lqt --no-admin
token="$("$wasmd" q wasm list-contract-by-code "$code_id" "${node[@]}" -o json | json 'v["contracts"][0]')"
token_query() { "$wasmd" q wasm contract-state smart "$token" "$1" "${node[@]}" -o json; }
tokens() { token_query "{\"balance\":{\"address\":\"$1\"}}" | json 'int(v["data"]["balance"])'; }
supply() { token_query '{"token_info":{}}' | json 'int(v["data"]["total_supply"])'; }

as alice staking add-strategy --cw20 "$token" --weight 0.5 --cap 100000 >/dev/null
strategy="$(as alice staking strategies | json "[s['id'] for s in v['strategies'] if s['asset'] == {'cw20': {'address': '$token'}}][0]")"
# Bob's ejection was released with the withdrawal delay: it may allocate to the test service again.
# Its first slash left it 95% of its magnitude, half of it poi's: 40% of what is left is free.
as bob staking allocate 4000 --service "$test_service" >/dev/null
as alice staking delegate 4000 --operator "$bob" --strategy "$strategy" >/dev/null
[[ "$(tokens "$staking"),$(tokens "$alice")" == 4000,6000 ]] || fail "the 4000 LQT did not move to the contract"
[[ "$(as alice staking show "$alice" | json 'v["value"]')" == 2000 ]] || fail "4000 LQT at weight 0.5 is not 2000"
[[ "$(slice "$test_service")" == 1180 ]] || fail "bob's test slice is not 40% of 950 + 2000"
pass "cw20 strategy $strategy (weight 0.5): alice bonded 4000 LQT by send, weighing 2000; bob's test slice 1180"

as validator staking slash --service "$test_service" --operator "$bob" --bps 1000 --claim-id 2 \
    --reason "wrong output hash" >/dev/null
positions="$(as alice staking show "$alice" | json "[p['amount'] for p in v['positions'] if p['strategy_id'] == $strategy][0]")"
[[ "$positions" == 3840 ]] || fail "alice's LQT position is $positions, not 3840"
[[ "$(uncollected "$strategy"),$(uncollected 1)" == 160,38 ]] || fail "bob's pools did not lose 4% each"
as dave staking collect-slashed --operator "$bob" --strategy "$strategy" >/dev/null
as dave staking collect-slashed --operator "$bob" >/dev/null
[[ "$(tokens "$staking"),$(supply)" == 3840,9840 ]] || fail "the slashed 160 LQT were not burnt"
[[ "$(balance "$staking")" == 912 ]] || fail "bob's pool did not lose 4% (38) too"
pass "a 10% slash of the test slice took 4% of each of bob's pools; collected, 160 LQT were burnt on the token and 38 stake"

as alice staking undelegate 3840 --strategy "$strategy" >/dev/null
sleep 11
as alice staking withdraw >/dev/null
[[ "$(tokens "$alice"),$(tokens "$staking")" == 9840,0 ]] || fail "the withdrawal did not pay 3840 LQT"
pass "after the delay alice got her 3840 LQT back by a transfer on the token"

# Redelegation: carol moves from bob to a new operator, dave, at once; a fault of bob's judged
# within the delay still costs her moved stake, taken at dave's when it is settled.
as dave staking register-operator --moniker "dave's verifier" >/dev/null
as dave staking delegate 500 --operator "$(address_of dave)" >/dev/null
carol="$(address_of carol)"
as carol staking delegate 1000 --operator "$bob" >/dev/null
# What 1000 buys in bob's slashed pool, its share price rounded in the pool's favour.
moved="$(as carol staking show "$carol" | json 'v["value"]')"
as carol staking redelegate --operator "$(address_of dave)" >/dev/null
shown="$(as carol staking show "$carol")"
[[ "$(json 'v["delegation"]' <<<"$shown"),$(json 'v["value"]' <<<"$shown")" == "$(address_of dave),$moved" ]] \
    || fail "carol's $moved did not move to dave: $shown"
as validator staking slash --service "$test_service" --operator "$bob" --bps 1000 --claim-id 3 \
    --reason "wrong output hash" >/dev/null
owed="$(as carol staking show "$carol" | json 'sum(int(o["amount"]) for o in v["redelegation"]["owed"])')"
(( owed > 0 )) || fail "bob's slash did not reach carol's redelegated stake"
if as alice staking settle-redelegation --staker "$carol" 2>/dev/null; then fail "settled before the delay"; fi
sleep 11
as alice staking settle-redelegation --staker "$carol" >/dev/null
shown="$(as carol staking show "$carol")"
[[ "$(json 'v["value"]' <<<"$shown"),$(json 'v["redelegation"]' <<<"$shown")" == "$((moved - owed)),None" ]] \
    || fail "settling did not take $owed from carol at dave's"
pass "carol redelegated $moved from bob to dave at once; bob's slash within the delay cost her $owed, settled at dave's"

echo "e2e: $passed passed, 0 failed"
