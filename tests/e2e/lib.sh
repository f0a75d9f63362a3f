# Shared by the end-to-end scripts: paths, a scratch directory, the local chain (its RPC and home)
# stopped on exit, the test accounts of localnet/accounts.txt, and pass/fail reporting. Source it;
# do not run it.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
poi="${CARGO_TARGET_DIR:-$cache/target}/release/poi"
wasmd="${WASMD:-$cache/bin/wasmd}"
work="$(mktemp -d)"
cd "$root"

# The chain a script starts: the local chain's own ports and home unless the environment names
# others (localnet/localnet.sh reads the same variables), so that scripts/e2e.sh can run two
# chains side by side. `poi` is pointed at it through POI_RPC, wasmd's CLI through `node`.
rpc="http://127.0.0.1:${POI_RPC_PORT:-26657}"
node=(--node "tcp://127.0.0.1:${POI_RPC_PORT:-26657}")
export POI_RPC="$rpc" POI_LOCALNET_HOME="${POI_LOCALNET_HOME:-$cache/localnet}"

cleanup() {
    localnet/localnet.sh stop || true
    rm -rf "$work"
}
trap cleanup EXIT

mnemonic_of() { awk -v who="$1" '$1 == who { for (i = 3; i <= NF; i++) printf "%s ", $i }' localnet/accounts.txt; }
address_of() { awk -v who="$1" '$1 == who { print $2 }' localnet/accounts.txt; }
# Evaluates a Python expression over the JSON on stdin, bound to `v`.
json() { python3 -c "import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1], {'v': v}))" "$1"; }
fail() { echo "e2e: FAIL: $*" >&2; exit 1; }
pass() { echo "e2e: ok: $*"; passed=$((passed + 1)); }
passed=0
