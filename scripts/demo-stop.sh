#!/usr/bin/env bash
# `make demo-stop`: stops what `make demo` started, by the pids it recorded, and nothing else.
set -uo pipefail
cache="${POI_CACHE:-$HOME/.cache/poi}"
demo="${POI_DEMO_DIR:-$cache/demo}"
[[ -d "$demo/pids" ]] || { echo "demo-stop: nothing recorded in $demo/pids"; exit 0; }
stop_pid() { # name pid
    kill -0 "$2" 2>/dev/null || return 0
    kill "$2" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$2" 2>/dev/null || true
    echo "demo-stop: stopped $1 (pid $2)"
}
for file in "$demo"/pids/*.pid; do
    [[ -f "$file" ]] && stop_pid "$(basename "$file" .pid)" "$(cat "$file")"
    rm -f "$file"
done
if [[ -f "$demo/pids/chain.pidfile" ]]; then
    pidfile="$(cat "$demo/pids/chain.pidfile")"
    [[ -f "$pidfile" ]] && stop_pid chain "$(cat "$pidfile")"
    rm -f "$pidfile" "$demo/pids/chain.pidfile"
fi
