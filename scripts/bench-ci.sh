#!/usr/bin/env bash
# How long CI takes: `make test` on a fresh clone of HEAD, first cold, then warm, and the time of
# each step of both. Rewrites the CI section of docs/benchmarks.md.
#
# Cold means a new HOME with nothing in it: no cargo registry, no ~/.cache/poi, no Go module or
# build cache, no pip or npm cache. What a machine of this kind comes with stays: the Rust toolchain
# (rustup's home is reused, read-only but for `rustup target add`), Go, Python and Node, their
# registry settings, and Debian's packages (Chromium once installed). The warm run is a second
# `make test` in the same clone, as a developer runs it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/poi-bench-ci.XXXXXX)"
cd "$root"
mkdir -p "$work/home"

# The registries and tools this machine is set up with, not its caches.
for file in .npmrc .gitconfig .config/go/env; do
    if [[ -f "$HOME/$file" ]]; then
        mkdir -p "$(dirname "$work/home/$file")"
        cp "$HOME/$file" "$work/home/$file"
    fi
done
git clone -q "$root" "$work/clone"
commit="$(git -C "$work/clone" rev-parse --short HEAD)"

run() { # label: runs `make test` in the clone under the new HOME, prints its wall time in seconds
    local label="$1" start status=0
    start="$(date +%s)"
    (
        cd "$work/clone"
        # The machine's environment (its CA bundle, pip's wheel folder, ...) with a new HOME, and
        # nothing that would point a build at this session's caches.
        env -u CARGO_TARGET_DIR -u CARGO_HOME -u POI_CACHE -u WASM_OPT -u WASMD -u GOPATH -u GOCACHE \
            -u GOMODCACHE -u npm_config_cache -u PIP_CACHE_DIR -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
            HOME="$work/home" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" PYENV_ROOT="${PYENV_ROOT:-$HOME/.pyenv}" \
            PATH="$(echo "$PATH" | tr ':' '\n' | grep -vx "$HOME/go/bin" | paste -sd:)" \
            CI=true bash .ci/run
    ) >"$work/$label.log" 2>&1 || status=$?
    if [[ $status != 0 ]]; then
        echo "bench-ci: the $label run failed; its log is $work/$label.log" >&2
        tail -30 "$work/$label.log" >&2
        exit 1
    fi
    cp "$work/home/.cache/poi/test-timings.md" "$work/$label.md"
    echo $(($(date +%s) - start))
}

echo "bench-ci: cold run of $commit in $work (logs there)" >&2
cold="$(run cold)"
echo "bench-ci: cold run passed in $((cold / 60)) min; now the warm run" >&2
warm="$(run warm)"

machine="$(scripts/machine.sh)"
section="$work/section.md"
cat >"$section" <<EOT
<!-- ci: written by scripts/bench-ci.sh (make bench-ci); do not edit by hand -->
## CI: how long \`make test\` takes

\`make test\` on a fresh clone of $commit, on $(date -u +%F), $machine.
**Cold** is a new HOME with no cargo registry, no
\`~/.cache/poi\`, no Go, pip or npm cache (the Rust toolchain with its wasm32 target, Go,
Python, Node and Debian's Chromium are the machine's own). **Warm** is a second \`make test\` in the same clone. CI allows 90
minutes; the goals are a cold run under 40 and a warm run under 10. (A cold run took 85 minutes
while clippy check-built every dependency on its own, and \`poi\`, \`check-wasm\` and the schema
writers were each built with their own feature set; now one native build serves them all, linted as
it compiles, beside the wasm artefacts.)

| run | wall time |
|---|---:|
| cold | $((cold / 60))m$(printf %02d $((cold % 60)))s |
| warm | $((warm / 60))m$(printf %02d $((warm % 60)))s |

Cold, by step (\`scripts/test.sh\` prints this table at the end of every run):

$(cat "$work/cold.md")

Warm, by step:

$(cat "$work/warm.md")
<!-- /ci -->
EOT
python3 scripts/bench/write-section.py docs/benchmarks.md ci "$section"
cat "$section"
rm -rf "$work/home" "$work/clone"
