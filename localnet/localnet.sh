#!/usr/bin/env bash
# A single-node wasmd chain on 127.0.0.1 for development and end-to-end tests.
#
#   localnet.sh start   fresh chain in $POI_LOCALNET_HOME, returns once blocks are produced
#   localnet.sh stop    stops it by its pid
#
# Every start wipes the home: the local chain is disposable. Funded accounts are in accounts.txt.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
wasmd="${WASMD:-$cache/bin/wasmd}"
home="${POI_LOCALNET_HOME:-$cache/localnet}"
chain_id="${POI_CHAIN_ID:-poi-local-1}"
rpc_port="${POI_RPC_PORT:-26657}"
p2p_port="${POI_P2P_PORT:-26656}"
grpc_port="${POI_GRPC_PORT:-9090}"
denom=stake
pidfile="$home/wasmd.pid"

stop() {
    if [[ -f "$pidfile" ]]; then
        local pid
        pid="$(cat "$pidfile")"
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid"
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
            kill -9 "$pid" 2>/dev/null || true
            echo "localnet: stopped wasmd (pid $pid)"
        fi
        rm -f "$pidfile"
    fi
}

set_toml() { # file section key value: sets key = value inside [section] ("" for the top level)
    python3 - "$@" <<'PY'
import re, sys
path, section, key, value = sys.argv[1:5]
lines = open(path).read().split("\n")
current = ""
for i, line in enumerate(lines):
    m = re.match(r"^\[(.+)\]\s*$", line)
    if m:
        current = m.group(1)
        continue
    if current == section and re.match(rf"^{re.escape(key)}\s*=", line):
        lines[i] = f"{key} = {value}"
        break
else:
    sys.exit(f"{path}: no key {key} in [{section}]")
open(path, "w").write("\n".join(lines))
PY
}

start() {
    "$(dirname "${BASH_SOURCE[0]}")/../scripts/await-wasmd.sh"
    [[ -x "$wasmd" ]] || { echo "localnet: $wasmd not found; run 'make setup'" >&2; exit 1; }
    stop
    rm -rf "$home"
    mkdir -p "$home"
    "$wasmd" init poi-local --chain-id "$chain_id" --default-denom "$denom" --home "$home" >/dev/null 2>&1

    local config="$home/config/config.toml" app="$home/config/app.toml"
    set_toml "$config" rpc laddr "\"tcp://127.0.0.1:$rpc_port\""
    set_toml "$config" p2p laddr "\"tcp://127.0.0.1:$p2p_port\""
    set_toml "$config" rpc pprof_laddr '""'
    # Pages served from any local origin (www/) may read the chain: the light client needs no trust in it.
    set_toml "$config" rpc cors_allowed_origins '["*"]'
    set_toml "$config" consensus timeout_commit '"1s"'
    set_toml "$app" "" minimum-gas-prices "\"0.025$denom\""
    set_toml "$app" api enable false
    set_toml "$app" grpc address "\"127.0.0.1:$grpc_port\""
    set_toml "$app" grpc-web enable false

    while read -r name address mnemonic; do
        [[ -z "$name" || "$name" == \#* ]] && continue
        echo "$mnemonic" | "$wasmd" keys add "$name" --recover --keyring-backend test \
            --home "$home" >/dev/null 2>&1
        "$wasmd" genesis add-genesis-account "$address" "1000000000000$denom" --home "$home"
    done <"$here/accounts.txt"
    "$wasmd" genesis gentx validator "10000000000$denom" --chain-id "$chain_id" \
        --keyring-backend test --home "$home" >/dev/null 2>&1
    "$wasmd" genesis collect-gentxs --home "$home" >/dev/null 2>&1

    nohup "$wasmd" start --home "$home" >"$home/wasmd.log" 2>&1 &
    echo $! >"$pidfile"

    local height=0
    for _ in $(seq 120); do
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "localnet: wasmd exited; last lines of $home/wasmd.log:" >&2
            tail -20 "$home/wasmd.log" >&2
            exit 1
        fi
        height="$(curl -s "http://127.0.0.1:$rpc_port/status" \
            | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"]["sync_info"]["latest_block_height"])' \
            2>/dev/null || echo 0)"
        [[ "$height" -ge 2 ]] && break
        sleep 0.5
    done
    if [[ "$height" -lt 2 ]]; then
        echo "localnet: no blocks after 60 s; see $home/wasmd.log" >&2
        stop
        exit 1
    fi
    echo "localnet: $chain_id producing blocks (height $height), RPC http://127.0.0.1:$rpc_port, pid $(cat "$pidfile")"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
