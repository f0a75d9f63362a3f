#!/usr/bin/env bash
# Waits for the background wasmd build that scripts/setup.sh starts, then checks the binary runs.
set -euo pipefail

cache="${POI_CACHE:-$HOME/.cache/poi}"
wasmd="${WASMD:-$cache/bin/wasmd}"
building="$cache/bin/wasmd.building"

if [[ -f "$building" ]] && kill -0 "$(cat "$building")" 2>/dev/null; then
    echo "waiting for the wasmd build to finish (log: $cache/bin/wasmd-build.log)" >&2
    while [[ -f "$building" ]] && kill -0 "$(cat "$building")" 2>/dev/null; do sleep 2; done
fi
if [[ -f "$cache/bin/wasmd.failed" ]]; then
    echo "building wasmd failed:" >&2
    tail -20 "$cache/bin/wasmd-build.log" >&2
    exit 1
fi
"$wasmd" version >/dev/null 2>&1 || { echo "$wasmd does not run; run 'make setup'" >&2; exit 1; }
