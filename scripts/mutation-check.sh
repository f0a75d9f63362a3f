#!/usr/bin/env bash
# Shows that the restaking property test catches a slash that ignores allocations: in a copy of the
# tree, the slash is made to reach the operator's unallocated stake too, and the property test must
# then fail. Prints what it caught; exits 1 if the mutant survives.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
copy="$(mktemp -d)"
trap 'rm -rf "$copy"' EXIT

(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -C "$copy" -xf -
slashing="$copy/contracts/staking/src/slashing.rs"
anchor='let at_risk = allocations::stake_of(after.stake, slashable, after.max_magnitude);'
grep -qF "$anchor" "$slashing" || { echo "mutation-check: the slash no longer reads as expected" >&2; exit 2; }
# The mutant: whatever the operator has not allocated elsewhere is at this service's risk as well.
sed -i "s|$anchor|let slashable = after.max_magnitude - after.encumbered_magnitude + slashable;\n    $anchor|" "$slashing"

cd "$copy"
if CARGO_TARGET_DIR="${MUTATION_TARGET_DIR:-$cache/target-mutation}" cargo test --locked -q -p poi-tests --test staking_properties \
    >"$copy/out.txt" 2>&1; then
    echo "mutation-check: a slash that ignores allocations SURVIVED the property test" >&2
    exit 1
fi
grep -m1 "Test failed" "$copy/out.txt" | cut -c1-300 || true
echo "mutation-check: the property test caught a slash that ignores allocations"
