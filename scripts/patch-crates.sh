#!/usr/bin/env bash
# Builds the patched crates the workspace uses in place of their crates.io releases, and links
# each where Cargo.toml's [patch.crates-io] looks for it: .crates/<name> in the clone.
#
# patches/<name>-<version>.patch is applied to the release, downloaded from crates.io and checked
# against patches/crates.sha256 (the checksum Cargo.lock recorded before the crate was patched).
# The patched source lands in $POI_CACHE/crates/, in a directory named by the patch's own sha256,
# so editing a patch gives a new directory and nothing stale is reused.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
mkdir -p "$cache/crates" "$root/.crates"

for patch in "$root"/patches/*.patch; do
    crate="$(basename "$patch" .patch)"           # tract-core-0.23.9
    name="${crate%-*}"                            # tract-core
    version="${crate##*-}"                        # 0.23.9
    dir="$cache/crates/$crate-$(sha256sum "$patch" | cut -c1-12)"
    if [[ ! -f "$dir/.patched" ]]; then
        printf '\033[1msetup:\033[0m patching %s with %s\n' "$crate" "${patch#"$root"/}"
        work="$(mktemp -d "$cache/crates/.work.XXXXXX")"
        curl -sSfL --retry 3 -o "$work/$crate.crate" "https://static.crates.io/crates/$name/$crate.crate"
        (cd "$work" && grep " $crate.crate\$" "$root/patches/crates.sha256" | sha256sum --check --quiet) \
            || { echo "setup: $crate.crate does not have the checksum in patches/crates.sha256" >&2; exit 1; }
        tar -xzf "$work/$crate.crate" -C "$work"
        patch --quiet --forward -p1 -d "$work/$crate" <"$patch"
        touch "$work/$crate/.patched"
        rm -rf "$dir"
        mv "$work/$crate" "$dir"
        rm -rf "$work"
    fi
    ln -sfn "$dir" "$root/.crates/$name"
done
