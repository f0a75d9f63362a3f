#!/usr/bin/env bash
# `make e2e`: the end-to-end scripts in two lanes side by side, each lane on its own local chain.
# They spend most of their time waiting for one-second blocks, so two chains take about half the
# wall time of one. Lane one (the contracts and the light client) runs on a second set of ports and
# its own chain home; lane two (the operator network through scripts/network.sh, with its daemons'
# metrics, content and app ports) on the local chain's usual ports. Lane two prints as it goes,
# lane one once done; either failing fails the run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
cd "$root"

lane() { # scripts…: runs each in turn, stopping at the first that fails
    local script
    for script in "$@"; do
        "tests/e2e/$script.sh" || { echo "e2e: $script.sh failed" >&2; return 1; }
    done
}

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
(
    export POI_RPC_PORT=26757 POI_P2P_PORT=26756 POI_GRPC_PORT=9190
    export POI_LOCALNET_HOME="$cache/localnet-e2e"
    lane registry staking consensus light-client
) >"$log" 2>&1 &
first=$!

status=0
lane operators operator-faults || status=1
wait "$first" || status=1
printf '\n\033[1me2e: the contracts and the light client (run beside the operator network)\033[0m\n'
cat "$log"
exit "$status"
