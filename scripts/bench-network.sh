#!/usr/bin/env bash
# `make bench-network`: how fast the local network settles claims. A fresh chain, five honest
# operator daemons (scripts/network.sh, the demo's setup), then N claims submitted back to back;
# each claim's status is watched until it is final. Reports claims settled per minute and the
# latency from submission to settlement (median and p95, by stage), next to the bound the block
# time and the windows set. Rewrites the network section of docs/benchmarks.md.
set -euo pipefail

claims="${BENCH_CLAIMS:-20}"
net="$(mktemp -d)/net"
source "$(dirname "${BASH_SOURCE[0]}")/network.sh"
cd "$root"
trap 'POI_DEMO_DIR="$net" scripts/demo-stop.sh >/dev/null 2>&1 || true; rm -rf "$(dirname "$net")"' EXIT

operators=(honest1 honest2 honest3 liar sleeper)
network_init alice bob carol "${operators[@]}"
network_start_chain >/dev/null
network_deploy alice >/dev/null
network_serve_content 7881
network_register_assets alice bob
truth="$(output_hash_of "$data/digit-7.npy")"
port=9480
for who in "${operators[@]}"; do
    # All five honest here: the benchmark is about the protocol's pace, not its penalties.
    network_add_operator "$who" 1000 "$port" ""
    port=$((port + 1))
done
network_wait_ready 1 "${operators[@]}"

log="$net/timeline.txt"
start_height="$(height)"
t0="$(date +%s.%N)"
ids=()
for _ in $(seq "$claims"); do
    id="$(submit carol "$seven_uri" "$data/digit-7.npy" "$truth")"
    ids+=("$id")
    echo "$id submitted $(date +%s.%N) $(height)" >>"$log"
done
declare -A seen
remaining="${#ids[@]}"
while ((remaining > 0)); do
    for id in "${ids[@]}"; do
        [[ "${seen[$id]:-}" == final ]] && continue
        status="$(claim_field "$id" 'v["status"]')"
        if [[ "$status" != "${seen[$id]:-voting}" ]]; then
            # Seen once per status: decided (first round over), final (settled).
            echo "$id $status $(date +%s.%N) $(height)" >>"$log"
            seen[$id]="$status"
            [[ "$status" == final ]] && remaining=$((remaining - 1))
        fi
    done
    sleep 0.2
done
end_height="$(height)"
t1="$(date +%s.%N)"

table="$(python3 - "$log" "$t0" "$t1" "$start_height" "$end_height" <<'PY'
import sys, tomllib, statistics
log, t0, t1, h0, h1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
p = tomllib.load(open("networks.toml", "rb"))["local-demo"]["consensus"]
events = {}
for line in open(log):
    id, status, t, h = line.split()
    events.setdefault(id, {})[status] = (float(t), int(h))
block = (t1 - t0) / max(h1 - h0, 1)
def stats(xs):
    xs = sorted(xs)
    return statistics.median(xs), xs[min(len(xs) - 1, round(0.95 * (len(xs) - 1)))]
stages = {
    "voting (submitted → decided)": [e["decided"][0] - e["submitted"][0] for e in events.values() if "decided" in e],
    "dispute window and settlement (decided → final)": [e["final"][0] - e["decided"][0] for e in events.values() if "decided" in e],
    "total (submitted → final)": [e["final"][0] - e["submitted"][0] for e in events.values()],
}
bounds = {
    "voting (submitted → decided)": p["commit_window"] + p["reveal_window"],
    "dispute window and settlement (decided → final)": p["dispute_window"],
    "total (submitted → final)": p["commit_window"] + p["reveal_window"] + p["dispute_window"],
}
first = min(e["submitted"][0] for e in events.values())
last = max(e["final"][0] for e in events.values())
print(f"{len(events)} claims; mean block time {block:.2f} s over the run; "
      f"windows: commit {p['commit_window']}, reveal {p['reveal_window']}, dispute {p['dispute_window']} blocks.\n")
print("| stage | median | p95 | bound (windows × block time) |")
print("|---|---:|---:|---:|")
for name, xs in stages.items():
    m, q = stats(xs)
    print(f"| {name} | {m:.1f} s | {q:.1f} s | {bounds[name] * block:.1f} s |")
print(f"\nSettled **{len(events) / (last - first) * 60:.1f} claims per minute** from the first "
      f"submission to the last settlement.")
PY
)"
echo "$table"

machine="$(scripts/machine.sh)"
section="$(mktemp)"
cat >"$section" <<EOT
<!-- network: written by scripts/bench-network.sh (make bench-network) -->
## The operator network: claims settled per minute and latency

Measured by \`make bench-network\` on $(date -u +%Y-%m-%d) — $machine. One local wasmd node with
1 s blocks (\`timeout_commit\`), five \`poi operator run\` daemons on the same machine, the demo's
model (\`scripts/demo-model.py\`) and windows (\`[local-demo]\` in networks.toml). $claims honest
claims are submitted back to back, one per block (each submission waits for its block); their status
is polled every 0.2 s.

$table

The bound is the protocol's floor: a round cannot end before its commit and reveal windows have
passed, nor settle before its dispute window has. Throughput is set by the daemons, not the chain:
each operator signs one transaction at a time and waits for its block, and every claim needs a
commit and a reveal from each member (and a finalize from one of them, twice), so one operator
keeps up with at most one claim per two blocks on its own seats. Batching several votes into one
transaction would lift that.
<!-- /network -->
EOT
python3 scripts/bench/write-section.py docs/benchmarks.md network "$section"
rm -f "$section"
echo "bench-network: docs/benchmarks.md updated"
