#!/usr/bin/env bash
# End to end with the operator network: `make demo` in check mode (five daemons, three claims, no
# person voting), then every verdict, slash and balance is asserted to the unit against the
# protocol's rules and the network's parameters, the gas each account paid (from the node's
# transaction index) included; then a person's view of it, the browser app in Chromium
# (tests/browser/app.mjs). Everything the demo started is stopped whatever happens.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
demo="$work/demo"
cleanup() { POI_DEMO_DIR="$demo" scripts/demo-stop.sh >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

POI_DEMO_DIR="$demo" POI_DEMO_CHECK=1 POI_DEMO_KEEP=1 POI_DEMO_CONTENT_PORT=7879 POI_DEMO_WWW_PORT=8081 scripts/demo.sh >"$work/demo.log" 2>&1 \
    || { tail -40 "$work/demo.log"; for f in "$demo"/logs/*.log; do echo "== $f"; tail -15 "$f"; done; fail "the demo did not finish"; }
pass "the demo ran: five daemons settled three claims by themselves"

python3 - "$demo" <<'PY' || fail "balances or verdicts differ from the protocol's"
import json, sys, tomllib
demo = sys.argv[1]
params = tomllib.load(open("networks.toml", "rb"))["local-demo"]["consensus"]
load = lambda p: {l.split()[0]: list(map(int, l.split()[1:])) for l in open(f"{demo}/{p}")}
before, after = load("before.txt"), load("after.txt")
verdicts = [l.split() for l in open(f"{demo}/verdicts.txt").read().splitlines()[1:]]
problems = []
def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: {got}, expected {want}")

expect("verdicts", [v[2] for v in verdicts], ["accepted", "rejected", "rejected"])
stake = lambda who, when: (before if when == 0 else after)[who][1]
# Honest operators are never slashed; the liar is wrong once (on the honest claim; its wrong hash
# is on the right side of the two false ones); the sleeper is a no-show on all three.
for who in ["honest1", "honest2", "honest3"]:
    expect(f"{who} stake", stake(who, 1), stake(who, 0))
# A slash lowers the operator's slash factor by its bps of the whole (each operator allocates all
# of its stake to poi); its pool, untouched between slashes, keeps its tokens times the factor,
# rounded down once (staking's pool arithmetic).
from fractions import Fraction
from math import floor, prod
kept = lambda s, *bps: floor(s * prod(Fraction(10000 - b, 10000) for b in bps))
wrong, absent = params["wrong_vote_slash_bps"], params["no_show_slash_bps"]
expect("liar stake", stake("liar", 1), kept(stake("liar", 0), wrong))
expect("sleeper stake", stake("sleeper", 1), kept(stake("sleeper", 0), absent, absent, absent))
# Each balance changed by what the protocol paid or took, less the gas its transactions cost.
fees = load("fees.txt")
net = lambda who: after[who][0] - before[who][0] + fees[who][0]
price, reward, bond = 250, int(params["fee_floor"]), int(params["claimant_bond"])
# The model's one accepted use pays its price: 30% to the dataset's owner, the rest to the model's.
expect("alice (dataset owner) balance change", net("alice"), price * 3000 // 10000)
expect("bob (model owner) balance change", net("bob"), price - price * 3000 // 10000)
# Carol: the accepted claim costs price and reward (the bond comes back); the rejected one reward
# and bond (the price comes back). Dave's opened canary costs its reward only.
expect("carol (claimant) balance change", net("carol"), -(price + reward) - (reward + bond))
expect("dave (auditor) balance change", net("dave"), -reward)
for who in ["alice", "bob"]:
    expect(f"{who} gas", fees[who][0], 0)
operators = ["honest1", "honest2", "honest3", "liar", "sleeper"]
for who in operators + ["carol", "dave"]:
    if fees[who][0] <= 0:
        problems.append(f"{who} sent transactions but paid no gas")
# Rewards: three claims' rewards, and the voters' share of the false claim's forfeited bond, go to
# the operators who voted with the verdict; share rounding may keep a unit per payment in a pool.
# Each daemon claimed its own on schedule, so they are in its balance.
for who in operators:
    expect(f"{who} pending rewards", after[who][2], 0)
earned = {who: after[who][2] - before[who][2] + net(who) for who in operators}
forfeit = bond * params["forfeit_to_voters_bps"] // 10000
want = 3 * reward + forfeit
if not (want - 8 <= sum(earned.values()) <= want):
    problems.append(f"rewards paid {sum(earned.values())}, expected {want} less at most rounding")
expect("sleeper rewards", earned["sleeper"], 0)
for who in ["honest1", "honest2", "honest3"]:
    if earned[who] <= 0:
        problems.append(f"{who} earned no rewards")
if problems:
    sys.exit("\n".join(problems))
PY
pass "verdicts Accepted/Rejected/Rejected; the liar lost 10% once, the sleeper 5% three times; every balance, gas included, as the rules say; rewards claimed on schedule"

# What each daemon says it did, from its /metrics at the end.
metric() { # who series
    awk -v s="$2" '$1 == s { print $2 }' "$demo/logs/$1.metrics"
}
for who in honest1 honest2 honest3 liar sleeper; do
    commits="$(metric "$who" 'poi_operator_votes_total{step="commit",basis="computed"}')"
    reveals="$(metric "$who" 'poi_operator_votes_total{step="reveal",basis="computed"}')"
    want_reveals=3
    [[ "$who" == sleeper ]] && want_reveals=""
    [[ "$commits" == 3 && "$reveals" == "$want_reveals" ]] \
        || fail "$who committed ${commits:-0} and revealed ${reveals:-0} of 3 claims"
    reward_claims="$(metric "$who" poi_operator_reward_claims_total)"
    [[ "$who" != honest* || "${reward_claims:-0}" -ge 1 ]] || fail "$who never claimed its rewards on schedule"
    # Finalising in turn: nobody's transaction was refused, not even a finalize that lost a race.
    [[ -z "$(metric "$who" 'poi_operator_tx_failures_total{msg="commit"}')$(metric "$who" 'poi_operator_tx_failures_total{msg="reveal"}')" ]] \
        || fail "$who had transactions refused: $(grep tx_failures "$demo/logs/$who.metrics")"
done
finalizations="$(awk '$1 == "poi_operator_finalizations_total" { s += $2 } END { print s + 0 }' "$demo"/logs/*.metrics)"
# The two ordinary claims are finalised twice (end of round, then settlement after the dispute
# window), the opened canary once (its truth is known: it settles at once); each by one operator.
[[ "$finalizations" == 5 ]] || fail "$finalizations finalize transactions for the three claims, not 5"
pass "each daemon committed on all three claims and revealed (the sleeper never); five finalizations, none refused; rewards claimed on schedule"

# The browser app the demo serves, on the same chain and claims.
(set -a; source "$demo/app.env"; node tests/browser/app.mjs) || fail "the browser app in Chromium"
pass "the browser app lists, proves and re-runs the demo's claims in Chromium; lies are named; a file check works offline"

echo "e2e: $passed passed, 0 failed"
