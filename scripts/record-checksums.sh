#!/usr/bin/env bash
# Records the sha256 of the named artefacts in artifacts/checksums.txt and keeps every other line:
# each build script records only what it built, whatever else the directory holds.
#
#   scripts/record-checksums.sh poi_verifier.wasm
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../artifacts"
recorded="$(mktemp)"
{
    sha256sum -- "$@"
    if [[ -f checksums.txt ]]; then
        awk -v built="$*" 'BEGIN { n = split(built, names, " "); for (i = 1; i <= n; i++) skip[names[i]] = 1 }
            !($2 in skip)' checksums.txt
    fi
} | sort -k2 >"$recorded"
mv "$recorded" checksums.txt
