#!/usr/bin/env bash
# The light-client benchmark: one commit of 4, 32, 100 and 150 validators verified by ours (one
# ed25519-zebra batch) and by tendermint's ProdVerifier, side by side, natively and in wasm under
# Node. Rewrites the light-client section of docs/benchmarks.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
runs="${RUNS:-40}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"

# The benchmark build exposes ProdVerifier too; the site's build (make wasm) does not.
LIGHT_CLIENT_FEATURES=bench-prod-verifier scripts/build-light-client.sh "$work/wasm" >/dev/null
{
    cargo bench --locked -q -p poi-light-client --bench commit_verification -- \
        --fixtures "$work/fixtures" --runs "$runs" 2>/dev/null | grep '^{'
    node scripts/bench/light-client.mjs "$work/wasm" "$work/fixtures" "$runs"
} >"$work/results.jsonl"

table="$(python3 - "$work/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print("| engine | validators | ours (batch), ms | ProdVerifier, ms | speed-up |")
print("|---|---:|---:|---:|---:|")
for r in rows:
    print(f'| {r["engine"]} | {r["validators"]} | {r["ours_ms"]:.2f} | {r["prod_ms"]:.2f} | {r["speedup"]:.2f}x |')
PY
)"

machine="$(scripts/machine.sh)"
section="$work/section.md"
cat >"$section" <<EOT
<!-- light-client: written by scripts/bench-light-client.sh -->
## Light client: verifying one commit

Measured by \`make bench-light-client\` on $(date -u +%Y-%m-%d) — $machine, Node
$(node --version). Median of $runs runs, interleaved. One adjacent header verified with
\`verify_update_header\`: validator-set hashes, commit checks, and signatures until more than two
thirds of the power is counted. \`ours\` checks those signatures in one ed25519-zebra batch;
\`ProdVerifier\` is tendermint-light-client-verifier's, one signature at a time. Commits are made by
tendermint-testgen, every validator with equal power. In wasm, both entry points also parse the
JSON of the trusted state and the block, as the page's calls do.

$table

Goals: at least 2x faster than ProdVerifier at 100 validators and more; under 20 ms per
150-validator commit in wasm.
<!-- /light-client -->
EOT
python3 scripts/bench/write-section.py docs/benchmarks.md light-client "$section"
echo "$table"
