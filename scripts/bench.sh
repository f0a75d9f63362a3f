#!/usr/bin/env bash
# Measures what docs/benchmarks.md reports and rewrites it: artefact sizes, CosmWasm gas of every
# registry message in cosmwasm-vm, and Cosmos SDK gas of real transactions on the local wasmd chain.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
target="${CARGO_TARGET_DIR:-$cache/target}"
poi="$target/release/poi"
out="$root/docs/benchmarks.md"
work="$(mktemp -d)"
cd "$root"
trap 'localnet/localnet.sh stop >/dev/null || true; rm -rf "$work"' EXIT

machine="$(scripts/machine.sh)"
vm_table="$("$target/release/gas-report" registry artifacts/poi_registry.wasm)"
staking_table="$("$target/release/gas-report" staking artifacts/poi_staking.wasm)"
consensus_table="$("$target/release/gas-report" consensus artifacts)"

awk '$1 == "alice" { for (i = 3; i <= NF; i++) printf "%s ", $i }' localnet/accounts.txt >"$work/alice"
export POI_NETWORK=local POI_DEPLOYMENTS="$work/deployments.json" POI_MNEMONIC_FILE="$work/alice"
localnet/localnet.sh start >/dev/null
"$poi" deploy >/dev/null
head -c 3000000 /dev/urandom >"$work/data.bin"
head -c 40000 /dev/urandom >"$work/model.onnx"
gas() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["gas_used"], d["gas_wanted"])'; }
read -r ds_used ds_wanted < <("$poi" registry register --json --kind dataset --file "$work/data.bin" \
    --uri ipfs://data --name data | gas)
read -r m_used m_wanted < <("$poi" registry register --json --kind model --file "$work/model.onnx" \
    --uri ipfs://model --name model --parent 1:3000 --price 100stake \
    --input x:f32:?x1x28x28 --output y:f32:?x10 | gas)
read -r t_used t_wanted < <("$poi" registry transfer --json 2 --to wasm1gwrtyecc4lly2ul4vve98xtkuv3azfge6lu4y9 | gas)

for who in bob carol validator; do
    awk -v who="$who" '$1 == who { for (i = 3; i <= NF; i++) printf "%s ", $i }' localnet/accounts.txt >"$work/$who"
done
bob="$(awk '$1 == "bob" { print $2 }' localnet/accounts.txt)"
as() { local who="$1"; shift; POI_MNEMONIC_FILE="$work/$who" POI_DATA_DIR="$work/data-$who" "$poi" --json "$@"; }
read -r so_used so_wanted < <(as bob staking register-operator --moniker bench | gas)
read -r sd_used sd_wanted < <(as bob staking delegate 1000 --operator "$bob" | gas)
as bob staking allocate 5000 >/dev/null
read -r sd2_used sd2_wanted < <(as alice staking delegate 500 --operator "$bob" | gas)
# The deployer (alice) administers staking: it registers a second service whose slasher is the
# validator account, and bob gives it the other half of its stake, for this measurement.
as alice staking register-service --name bench --max-slash-bps 5000 \
    --slasher "$(awk '$1 == "validator" { print $2 }' localnet/accounts.txt)" >/dev/null
bench_service="$(as alice staking services | python3 -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin)["services"] if s["name"] == "bench"][0])')"
as bob staking allocate 5000 --service "$bench_service" >/dev/null
read -r ss_used ss_wanted < <(as validator staking slash --service "$bench_service" --operator "$bob" --bps 100 --claim-id 1 | gas)
read -r su_used su_wanted < <(as alice staking undelegate 100 | gas)

# A claim round with a committee of three: bob, carol and the validator account.
for who in carol validator; do
    addr="$(awk -v who="$who" '$1 == who { print $2 }' localnet/accounts.txt)"
    as "$who" staking register-operator --moniker "$who" >/dev/null
    as "$who" staking delegate 1000 --operator "$addr" >/dev/null
    as "$who" staking allocate 10000 >/dev/null
done
head -c 4000 /dev/urandom >"$work/poi_verifier.wasm"
head -c 30000 /dev/urandom >"$work/exact.onnx"
exact_model="$(as alice registry register --kind model --file "$work/exact.onnx" --uri ipfs://exact \
    --name exact --price 100stake --input x:f32:1x4 --output y:f32:1x2 --policy exact \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["asset_id"])')"
verifier="$(as alice registry approve-verifier "$work/poi_verifier.wasm" --version 0 --uri ipfs://v | python3 -c 'import json,sys; print(json.load(sys.stdin)["verifier_hash"])')"
truth="$(printf truth | sha256sum | cut -d' ' -f1)"
claim_json="$(as alice consensus submit --model "$exact_model" --verifier "$verifier" \
    --input "x:npy=$truth@ipfs://x" --output-hash "$truth")"
claim="$(echo "$claim_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["claim_id"])')"
read -r cs_used cs_wanted < <(echo "$claim_json" | gas)
read -r cc_used cc_wanted < <(as bob consensus commit "$claim" --output-hash "$truth" | gas)
as carol consensus commit "$claim" --output-hash "$truth" >/dev/null
as validator consensus commit "$claim" --output-hash "$truth" >/dev/null
height() { curl -s http://127.0.0.1:26657/status | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sync_info"]["latest_block_height"])'; }
round() { as alice consensus show "$claim" | python3 -c "import json,sys; print(json.load(sys.stdin)['rounds'][-1]['$1'])"; }
until (($(height) >= $(round commit_end))); do sleep 0.3; done
read -r cr_used cr_wanted < <(as bob consensus reveal "$claim" | gas)
as carol consensus reveal "$claim" >/dev/null
as validator consensus reveal "$claim" >/dev/null
read -r cf_used cf_wanted < <(as carol consensus finalize "$claim" | gas)
dispute_end="$(as alice consensus show "$claim" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dispute_end"])')"
until (($(height) >= dispute_end)); do sleep 0.3; done
read -r ce_used ce_wanted < <(as carol consensus finalize "$claim" | gas)

# The sections other scripts write (verifier, light client, CI: `<!-- name: ... <!-- /name -->`)
# are theirs; keep them.
kept_sections="$(python3 -c 'import re,sys; print("\n\n".join(m.group(0) for m in re.finditer(r"<!-- ([\w-]+):.*?<!-- /\1 -->", open(sys.argv[1]).read(), re.S)))' "$out" 2>/dev/null || true)"
cat >"$out" <<EOT
# Benchmarks

Measured by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d) — $machine,
$(rustc --version | cut -d' ' -f1-2), wasmd ${WASMD_VERSION:-v0.70.3}.

## Contract artefacts

Optimised with \`wasm-opt -Os --llvm-memory-copy-fill-lowering\`; the budget is 800 KiB.

| artefact | bytes | KiB |
|---|---:|---:|
$(for f in artifacts/poi_{consensus,registry,staking}.wasm; do printf '| %s | %d | %.1f |\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(echo "$(stat -c %s "$f") / 1024" | bc -l)"; done)

## Registry: gas per message in cosmwasm-vm

The optimised artefact run in cosmwasm-vm (the VM inside wasmd) by \`gas-report\`; each message once,
in the order a user would send them. CosmWasm gas covers execution, storage and API calls; wasmd
charges it at 140 000 CosmWasm gas per SDK gas, plus its own per-byte storage and transaction costs.

$vm_table

## Staking: gas per message in cosmwasm-vm

Same harness. Each message is sent once after the contract's state was grown to a size: that many
other operators allocated to poi's service, that many delegators of the operator under test, that
many slashes in its history, the operator under test serving that many services (capped at the 32 an
operator may serve: 2 at size 1, 32 at 100 and 1000) and bonded in a number of strategies (the bond
denom and a cw20 token, then up to the 16 the contract accepts), and a staker one withdrawal short
of the cap. No message loops over delegators, operators, services, history or the operator's
strategies, so each row stays flat as the state grows (\`tests/tests/staking_vm.rs\` checks it
within 5%, from 1 to 1000 at 16 strategies and from 2 to 16 strategies). A slash moves the
operator's slash factor and a reward payment its reward accumulator; each pool catches up when
next touched, and \`collect_slashed\` sends what slashes took of one pool. The slash is of the
operator with 1, 100 and 1000 delegators and 2 or 32 allocations: it touches no pool and the
slashing service's slice only.

$staking_table

## Consensus: gas per message of a full round in cosmwasm-vm

The three optimised artefacts in cosmwasm-vm (\`tests/src/consensus_gas.rs\`): a claim, its committee
committing and revealing (one member lies, one stays away), the first round's end, a dispute drawing a
committee twice as large (at most 128), its votes, and the settlement that judges every member of both
rounds. The consensus contract's queries run on the registry and staking artefacts; their gas, and that
of the slashes and payouts it emits, is not in these numbers. The first-round committee is capped at 64
and the dispute committee at 128, so the settlement below is the most a claim can cost.

$consensus_table

## Registry: gas of real transactions on the local wasmd chain

Simulated and included by \`poi\` on a fresh \`make localnet\` chain (gas wanted = simulated × 1.4).

| transaction | gas used | gas wanted |
|---|---:|---:|
| register_asset (dataset) | $ds_used | $ds_wanted |
| register_asset (model, 1 parent, price) | $m_used | $m_wanted |
| transfer_nft | $t_used | $t_wanted |

## Staking: gas of real transactions on the local wasmd chain

| transaction | gas used | gas wanted |
|---|---:|---:|
| register_operator | $so_used | $so_wanted |
| delegate (self-bond, first) | $sd_used | $sd_wanted |
| delegate | $sd2_used | $sd2_wanted |
| slash (a second service's slice) | $ss_used | $ss_wanted |
| undelegate | $su_used | $su_wanted |

## Consensus: gas of a real claim round on the local wasmd chain

A committee of three (the local network's parameters); finalise and settle include the staking and bank
messages they emit (rewards to three operators, the fee split along the model's lineage, the refund).

| transaction | gas used | gas wanted |
|---|---:|---:|
| submit_claim (committee of 3 drawn) | $cs_used | $cs_wanted |
| commit_vote | $cc_used | $cc_wanted |
| reveal_vote | $cr_used | $cr_wanted |
| finalize (first round) | $cf_used | $cf_wanted |
| finalize (settlement) | $ce_used | $ce_wanted |
EOT
if [[ -n "$kept_sections" ]]; then printf '\n%s\n' "$kept_sections" >>"$out"; fi
echo "wrote $out"
