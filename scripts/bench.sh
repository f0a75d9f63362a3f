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

cpu="$(lscpu | awk -F: '/Model name/ { gsub(/^ +/, "", $2); print $2; exit }')"
mem="$(free -g | awk '/Mem:/ { print $2 " GiB" }')"
vm_table="$(cargo run --locked -q --release -p poi-tests --bin gas-report -- registry artifacts/poi_registry.wasm)"
staking_table="$(cargo run --locked -q --release -p poi-tests --bin gas-report -- staking artifacts/poi_staking.wasm)"

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

for who in bob validator; do
    awk -v who="$who" '$1 == who { for (i = 3; i <= NF; i++) printf "%s ", $i }' localnet/accounts.txt >"$work/$who"
done
bob="$(awk '$1 == "bob" { print $2 }' localnet/accounts.txt)"
as() { local who="$1"; shift; POI_MNEMONIC_FILE="$work/$who" "$poi" --json "$@"; }
read -r so_used so_wanted < <(as bob staking register-operator --moniker bench | gas)
read -r sd_used sd_wanted < <(as bob staking delegate 1000 --operator "$bob" | gas)
as bob staking opt-in >/dev/null
read -r sd2_used sd2_wanted < <(as alice staking delegate 500 --operator "$bob" | gas)
read -r ss_used ss_wanted < <(as validator staking slash --operator "$bob" --bps 100 --claim-id 1 | gas)
read -r su_used su_wanted < <(as alice staking undelegate 100 | gas)

cat >"$out" <<EOT
# Benchmarks

Measured by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d) — $cpu, $(nproc) cores, $mem,
$(rustc --version | cut -d' ' -f1-2), wasmd ${WASMD_VERSION:-v0.70.3}.

## Contract artefacts

Optimised with \`wasm-opt -Os --llvm-memory-copy-fill-lowering\`; the budget is 800 KiB.

| artefact | bytes | KiB |
|---|---:|---:|
$(for f in artifacts/*.wasm; do printf '| %s | %d | %.1f |\n' "$(basename "$f")" "$(stat -c %s "$f")" "$(echo "$(stat -c %s "$f") / 1024" | bc -l)"; done)

## Registry: gas per message in cosmwasm-vm

The optimised artefact run in cosmwasm-vm (the VM inside wasmd) by \`gas-report\`; each message once,
in the order a user would send them. CosmWasm gas covers execution, storage and API calls; wasmd
charges it at 140 000 CosmWasm gas per SDK gas, plus its own per-byte storage and transaction costs.

$vm_table

## Staking: gas per message in cosmwasm-vm

Same harness. Each message is sent once after the contract's state was grown to a size: that many
other opted-in operators, that many delegators of the operator under test, that many slashes in its
history, and a staker one withdrawal short of the cap. No message loops over delegators, operators or
history, so each row stays flat as the state grows (\`tests/tests/staking_vm.rs\` checks it within 5%).
The slash is of the operator with 1, 100 and 1000 delegators: it cuts the share pool once.

$staking_table

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
| slash | $ss_used | $ss_wanted |
| undelegate | $su_used | $su_wanted |
EOT
echo "wrote $out"
