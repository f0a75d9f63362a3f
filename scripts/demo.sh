#!/usr/bin/env bash
# `make demo`: Proof of Inference end to end on a fresh local chain.
#
# The contracts are deployed; a real dataset (the UCI handwritten digits) and a real model trained
# on it (scripts/demo-model.py) are registered, their bytes served by `poi content serve`; five
# operators bond stake and start `poi operator run` daemons: three honest, one that votes a wrong
# hash, one that never reveals. Then an honest claim, a false claim and an auditor's canary are
# submitted, and the daemons re-run, vote and finalise them by themselves while this script only
# watches. At the end a table shows every verdict, slash, reward and balance.
#
# Everything keeps running afterwards (addresses and the log folder are printed), the browser app
# among it: the printed address opens it on this chain, from a checkpoint taken here. `make
# demo-stop` stops it. With POI_DEMO_CHECK=1 (the end-to-end test) nothing is printed for a person
# and everything is stopped at the end, unless POI_DEMO_KEEP=1 (the test then stops it).
set -euo pipefail

demo="${POI_DEMO_DIR:-${POI_CACHE:-$HOME/.cache/poi}/demo}"
check="${POI_DEMO_CHECK:-}"
content_port="${POI_DEMO_CONTENT_PORT:-7878}"
www_port="${POI_DEMO_WWW_PORT:-8080}"
net="$demo"
source "$(dirname "${BASH_SOURCE[0]}")/network.sh"
cd "$root"

operators=(honest1 honest2 honest3 liar sleeper)
declare -A stake=([honest1]=3000 [honest2]=3000 [honest3]=3000 [liar]=1000 [sleeper]=1000)
declare -A fault=([liar]='wrong_hash = true' [sleeper]='no_reveal = true')
people=(alice bob carol dave)

scripts/demo-stop.sh >/dev/null 2>&1 || true
rm -rf "$demo"
network_init "${people[@]}" "${operators[@]}"
# Whatever stops this script early stops what it started, unless the demo is meant to stay up.
trap '[[ -n "${finished:-}" && ( -z "$check" || -n "${POI_DEMO_KEEP:-}" ) ]] || scripts/demo-stop.sh >/dev/null 2>&1 || true' EXIT

say "A fresh single-node wasmd chain on 127.0.0.1"
network_start_chain

say "Deploying registry, staking and consensus (committees of five, dave the auditor)"
network_deploy alice | json "'\\n'.join('%-10s %s' % (c['contract'], c['address']) for c in v)"

say "Serving the content by its sha256 on http://127.0.0.1:$content_port"
network_serve_content "$content_port"

say "Alice registers the digits dataset; Bob the classifier trained on it, owing it 30% of every fee"
network_register_assets alice bob
echo "dataset $dataset, model $model (250stake per use), verifier ${verifier:0:16}… approved"
echo "their bytes, and two test images, are served from $demo/content"

# Computed before the daemons start: it compiles the verifier into the cache they share.
truth="$(output_hash_of "$data/digit-7.npy")"

say "Five operators bond, allocate their stake to poi and start their daemons"
port=9460
for who in "${operators[@]}"; do
    network_add_operator "$who" "${stake[$who]}" "$port" "${fault[$who]:-}"
    printf '%-8s %s bonded %5s  %s\n' "$who" "$(address_of "$who")" "${stake[$who]}" "${fault[$who]:-honest}"
    port=$((port + 1))
done
network_wait_ready 1 "${operators[@]}"
echo "all five daemons ready (verifier compiled); logs in $demo/logs"

snapshot() { # name: every balance and stake the summary compares, and the height it was read at
    height >"$demo/$1.height"
    {
        for who in "${people[@]}" "${operators[@]}"; do
            printf '%s %s %s %s\n' "$who" "$(as "$who" balance | json 'v["amount"]')" \
                "$(as "$who" staking show "$(address_of "$who")" | json 'v["value"]')" \
                "$(as "$who" staking show "$(address_of "$who")" | json 'v["rewards"]')"
        done
    } >"$demo/$1.txt"
}
snapshot before

say "Carol claims what the model says about a 7 (computed with the verifier), then a false claim"
honest="$(submit carol "$seven_uri" "$data/digit-7.npy" "$truth")"
# The 3 with the 7's output: a hash that is real, but not this input's.
false_claim="$(submit carol "$three_uri" "$data/digit-3.npy" "$truth")"
say "Dave, the auditor, slips in a sealed canary: a claim he knows is false"
canary="$(submit dave "$three_uri" "$data/digit-3.npy" "$truth" --seal canary)"
echo "claims: honest $honest, false $false_claim, canary $canary"

say "Waiting for the operators to settle them (nobody else sends a transaction but Dave's seal)"
started_at=$SECONDS
opened=""
while :; do
    line=""
    done_all=1
    for c in "$honest" "$false_claim" "$canary"; do
        status="$(as alice consensus show "$c" | json 'v["status"]')"
        line+="  claim $c: $(printf '%-8s' "$status")"
        [[ "$status" == final ]] || done_all=""
    done
    h="$(height)"
    printf '\r  height %s%s  (%ss)' "$h" "$line" "$((SECONDS - started_at))"
    if [[ -z "$opened" ]] && (( h >= $(as alice consensus show "$canary" | json 'v["rounds"][-1]["reveal_end"]') )); then
        as dave consensus open-seal "$canary" >/dev/null && opened=1
    fi
    [[ -n "$done_all" ]] && break
    (( SECONDS - started_at < 240 )) || { echo; echo "claims not settled after 240 s" >&2; exit 1; }
    sleep 1
done
echo
# The daemons claim their rewards every few blocks; the balances below are read once they have.
pending_rewards() {
    local who total=0
    for who in "${operators[@]}"; do
        total=$((total + $(as "$who" staking show "$(address_of "$who")" | json 'int(v["rewards"])')))
    done
    echo "$total"
}
claimed_at=$SECONDS
until [[ "$(pending_rewards)" == 0 ]]; do
    (( SECONDS - claimed_at < 60 )) || { echo "rewards still unclaimed after 60 s" >&2; exit 1; }
    sleep 1
done
echo "every operator has claimed its rewards"
snapshot after
# What each account paid in gas between the two snapshots, from the node's transaction index.
accounts=()
for who in "${people[@]}" "${operators[@]}"; do accounts+=("$who=$(address_of "$who")"); done
python3 - "$rpc_url" "$(cat "$demo/before.height")" "$(cat "$demo/after.height")" "${accounts[@]}" \
    >"$demo/fees.txt" <<'PY'
import json, re, sys, urllib.parse, urllib.request
rpc, low, high = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for account in sys.argv[4:]:
    who, address = account.split("=")
    paid, page = 0, 1
    while True:
        query = f"tx.fee_payer='{address}' AND tx.height>{low} AND tx.height<={high}"
        url = f"{rpc}/tx_search?query={urllib.parse.quote(json.dumps(query))}&page={page}&per_page=100"
        result = json.load(urllib.request.urlopen(url))["result"]
        for tx in result["txs"]:
            for event in tx["tx_result"]["events"]:
                for attr in event["attributes"] if event["type"] == "tx" else []:
                    if attr["key"] == "fee" and (m := re.match(r"(\d+)", attr["value"] or "")):
                        paid += int(m.group(1))
        if page * 100 >= int(result["total_count"]):
            break
        page += 1
    print(who, paid)
PY
port=9460
for who in "${operators[@]}"; do
    curl -s "http://127.0.0.1:$port/metrics" >"$demo/logs/$who.metrics"
    port=$((port + 1))
done

say "Summary"
for c in "$honest" "$false_claim" "$canary"; do as alice consensus show "$c" >"$demo/claim-$c.json"; done
python3 - "$demo" "$honest" "$false_claim" "$canary" <<'PY' | tee "$demo/verdicts.txt"
import json, sys
demo, ids = sys.argv[1], sys.argv[2:]
print(f"{'claim':>5}  {'kind':<7} {'verdict':<9} {'agree / disagree stake':<24} sealed")
for kind, id in zip(["honest", "false", "canary"], ids):
    c = json.load(open(f"{demo}/claim-{id}.json"))
    r = c["rounds"][0]
    stakes = f"{r['agree_stake']} / {r['disagree_stake']}"
    sealed = "canary" if c.get("canary") else "-"
    print(f"{c['id']:>5}  {kind:<7} {c['verdict']:<9} {stakes:<24} {sealed}")
PY
echo
python3 - "$demo" <<'PY' | tee "$demo/balances.txt"
import sys
demo = sys.argv[1]
load = lambda p: {l.split()[0]: list(map(int, l.split()[1:])) for l in open(f"{demo}/{p}")}
before, after, fees = load("before.txt"), load("after.txt"), load("fees.txt")
roles = {"alice": "dataset owner", "bob": "model owner", "carol": "claimant", "dave": "auditor",
         "honest1": "operator", "honest2": "operator", "honest3": "operator",
         "liar": "operator (wrong hash)", "sleeper": "operator (no reveal)"}
print(f"{'account':<8} {'role':<22} {'stake before':>12} {'after':>6} {'rewards':>8} {'gas paid':>9} {'balance change':>15}")
for who in roles:
    b, a, gas = before[who], after[who], fees[who][0]
    # Rewards earned: still pending, plus what was claimed into the balance (operators receive
    # nothing else there).
    earned = a[2] - b[2] + (a[0] - b[0] + gas if roles[who].startswith("operator") else 0)
    print(f"{who:<8} {roles[who]:<22} {b[1]:>12} {a[1]:>6} {earned:>8} {gas:>9} {a[0] - b[0]:>+15}")
PY
as alice registry revenue-split "$model" 250 \
    | json "'fee split of one use (250): ' + ', '.join('%s to asset %s' % (p['amount'], p['asset_id']) for p in v['payouts'])"

say "The browser app, on http://127.0.0.1:$www_port"
# The checkpoint a person trusts: this chain's height-2 header, read here from the node we started.
checkpoint="2:$(curl -s "$rpc_url/commit?height=2" | json 'v["result"]["signed_header"]["commit"]["block_id"]["hash"]')"
network_serve_app "$www_port"
app_url="http://127.0.0.1:$www_port/?network=$network_name&checkpoint=$checkpoint#/claims"
printf 'APP=http://127.0.0.1:%s\nCHECKPOINT=%s\nCLAIMS="%s %s %s"\nTRUTH=%s\nRPC=%s\n' "$www_port" "$checkpoint" \
    "$honest" "$false_claim" "$canary" "$truth" "$rpc_url" >"$demo/app.env"
echo "open $app_url"
finished=1

if [[ -n "$check" ]]; then
    exit 0
fi
cat <<EOT

Everything is still running:
  chain           $rpc_url (home $demo/chain)
  content server  $POI_CONTENT_URL (store $demo/content)
  browser app     $app_url
                  (list the claims, open one, "Re-run in this browser"; the checkpoint is in the address)
  operators       ${operators[*]} — metrics on http://127.0.0.1:9460/metrics … :9464
  logs            $demo/logs
Look at an operator:  $poi operator status --config $demo/operators/honest1/operator.toml
Stop everything:      make demo-stop
EOT
