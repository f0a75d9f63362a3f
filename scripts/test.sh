#!/usr/bin/env bash
# `make test`: every check CI runs, in order, each step timed. The log ends with a table of where
# the run's time went (also written to $POI_CACHE/test-timings.md), so a slow step shows itself.
#
# The native build and the wasm artefacts have no inputs in common and are built side by side
# (`make -j2`): cargo's serial stretches (the verifier's single-unit LTO, the biggest crates) leave
# a core free that the other build takes. The cargos share make's two job slots, never more.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
cd "$root"
mkdir -p "$cache"
make="${MAKE:-make}"
timings="$(mktemp)"
trap 'rm -f "$timings"' EXIT
started="$(date +%s)"

clock() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

table() {
    echo "| step | time |"
    echo "|---|---:|"
    while IFS=$'\t' read -r name secs; do echo "| $name | $(clock "$secs") |"; done <"$timings"
    echo "| **total** | **$(clock $(($(date +%s) - started)))** |"
}

step() { # name, then the command
    local name="$1" start status=0
    shift
    printf '\n\033[1mtest: %s\033[0m\n' "$name"
    start="$(date +%s)"
    "$@" || status=$?
    printf '%s\t%d\n' "$name" $(($(date +%s) - start)) >>"$timings"
    if [[ $status != 0 ]]; then
        printf '\ntest: FAILED at %s\n' "$name" >&2
        table >&2
        exit "$status"
    fi
}

step "setup" "$make" --no-print-directory setup
step "fmt-check" "$make" --no-print-directory fmt-check
step "build ∥ reproducible" "$make" --no-print-directory -j2 build reproducible
step "check-wasm" "$make" --no-print-directory check-wasm
# The app needs only what the step before built: its own script, not `make www`'s `wasm` again.
step "www" scripts/build-www.sh
step "schema-check" "$make" --no-print-directory schema-check

# The end-to-end tests spend most of their time waiting for one-second blocks, so the unit and
# browser tests (CPU-bound, no chain, no fixed ports) run beside them; their output is printed once
# both are done, and either failing fails the step.
e2e_and_beside() {
    local log status=0 side
    log="$(mktemp)"
    ("$make" --no-print-directory unit-test && "$make" --no-print-directory browser-test) >"$log" 2>&1 &
    side=$!
    "$make" --no-print-directory e2e || status=$?
    wait "$side" || status=$?
    printf '\n\033[1mtest: unit-test and browser-test (run beside e2e)\033[0m\n'
    cat "$log"
    rm -f "$log"
    return "$status"
}
step "e2e ∥ unit-test, browser-test" e2e_and_beside

printf '\ntest: every step passed on %s (%s)\n\n' "$(date -u +%F)" "$(scripts/machine.sh)"
table | tee "$cache/test-timings.md"
