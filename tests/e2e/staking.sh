#!/usr/bin/env bash
# End to end on a real chain: deploy the staking contract, start an operator, delegate from two
# accounts, slash from the test slasher, withdraw after the (10 s) delay, and check every balance to
# the unit, fees included. The chain is stopped whatever happens.
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

as bob staking register-operator --moniker "bob's verifier" --commission-bps 500 >/dev/null
as bob staking delegate 1000 --operator "$bob" >/dev/null
as bob staking opt-in >/dev/null
as alice staking delegate 3000 --operator "$bob" >/dev/null
as carol staking delegate 6000 --operator "$bob" >/dev/null
[[ "$(balance "$staking")" == 10000 ]] || fail "contract does not hold the 10000 bonded"
pass "operator bob with 1000 self-bond, alice 3000 and carol 6000 delegated"

# The deployer administers staking; for this test it names the validator account slasher in place
# of the consensus contract.
as alice staking set-slasher "$(address_of validator)" >/dev/null
if as alice staking slash --operator "$bob" --bps 1000 --claim-id 1 2>/dev/null; then
    fail "alice could slash"
fi
as validator staking slash --operator "$bob" --bps 1000 --claim-id 1 --reason "wrong output hash" >/dev/null
[[ "$(as alice staking show "$(address_of alice)" | json 'v["value"]')" == 2700 ]] || fail "alice not slashed 10%"
[[ "$(as carol staking show "$(address_of carol)" | json 'v["value"]')" == 5400 ]] || fail "carol not slashed 10%"
[[ "$(balance "$staking")" == 9000 ]] || fail "slashed 1000 not burned"
pass "the test slasher slashed bob 10%: alice 2700, carol 5400, 1000 burned"

as alice staking undelegate 2700 >/dev/null
as carol staking undelegate 5400 >/dev/null
if as alice staking withdraw 2>/dev/null; then fail "withdrew before the delay"; fi
sleep 11
for who in alice carol; do
    before="$(balance "$(address_of "$who")")"
    as "$who" staking withdraw >"$work/withdraw-$who.json"
    after="$(balance "$(address_of "$who")")"
    paid=$(( after - before + $(fee <"$work/withdraw-$who.json") ))
    expected=$([[ "$who" == alice ]] && echo 2700 || echo 5400)
    [[ "$paid" == "$expected" ]] || fail "$who was paid $paid, expected $expected"
done
[[ "$(balance "$staking")" == 900 ]] || fail "contract should hold only bob's 900"
pass "after the delay alice got exactly 2700 and carol 5400; the contract holds bob's 900"

echo "e2e: $passed passed, 0 failed"
