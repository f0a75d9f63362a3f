# The steps that bring up a local poi network, shared by `make demo` (scripts/demo.sh) and the
# operator end-to-end tests (tests/e2e/operator-faults.sh): a fresh chain, the contracts, a content
# server, the demo's dataset, model and verifier registered, and operators bonded with their
# daemons running. Everything started is recorded by pid under $net/pids, which
# scripts/demo-stop.sh (POI_DEMO_DIR=$net) stops. Source it after setting `net` (a fresh
# directory, and `network_name` to deploy with another network's parameters than local-demo's); do
# not run it.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${POI_CACHE:-$HOME/.cache/poi}"
poi="${CARGO_TARGET_DIR:-$cache/target}/release/poi"
data="$cache/demo-data"
# The chain's RPC: localnet/localnet.sh listens where POI_RPC_PORT says.
rpc_url="http://127.0.0.1:${POI_RPC_PORT:-26657}"
network_name="${network_name:-local-demo}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
mnemonic_of() { awk -v who="$1" '$1 == who { for (i = 3; i <= NF; i++) printf "%s ", $i }' "$root/localnet/accounts.txt"; }
address_of() { awk -v who="$1" '$1 == who { print $2 }' "$root/localnet/accounts.txt"; }
json() { python3 -c "import json,sys; v=json.load(sys.stdin); print(eval(sys.argv[1], {'v': v}))" "$1"; }
as() { local who="$1"; shift; POI_MNEMONIC_FILE="$net/keys/$who" POI_DATA_DIR="$net/data/$who" "$poi" --json "$@"; }
height() { curl -s "$rpc_url/status" | json 'int(v["result"]["sync_info"]["latest_block_height"])'; }
wait_for_height() { while (($(height) < $1)); do sleep 0.3; done; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

# The network's directory, its keys and the environment every `poi` call below uses.
network_init() { # accounts…
    mkdir -p "$net"/{keys,logs,pids,operators}
    for who in "$@"; do mnemonic_of "$who" >"$net/keys/$who"; done
    export POI_NETWORK="$network_name" POI_DEPLOYMENTS="$net/deployments.json" \
        POI_CONTENT_DIR="$net/content"
}

network_start_chain() {
    POI_LOCALNET_HOME="$net/chain" "$root/localnet/localnet.sh" start
    echo "$net/chain/wasmd.pid" >"$net/pids/chain.pidfile"
}

network_deploy() { # deployer
    as "$1" deploy --artifacts "$root/artifacts"
}

# Serves $net/content on 127.0.0.1:PORT; `add FILE` prints the URI a file is served at.
network_serve_content() { # port
    export POI_CONTENT_URL="http://127.0.0.1:$1"
    mkdir -p "$net/content"
    nohup "$poi" content serve --listen "127.0.0.1:$1" >"$net/logs/content.log" 2>&1 &
    echo $! >"$net/pids/content.pid"
    for _ in $(seq 100); do curl -s -o /dev/null "$POI_CONTENT_URL/" && return 0; sleep 0.1; done
    echo "the content server did not start; see $net/logs/content.log" >&2
    return 1
}
add() { "$poi" --json content add "$1" | json 'v["uri"]'; }

# Serves the browser app (www/dist, from `make www`) on 127.0.0.1:PORT, its networks.json naming
# this network's contracts.
network_serve_app() { # port
    nohup "$poi" www serve --listen "127.0.0.1:$1" --dir "$root/www/dist" >"$net/logs/www.log" 2>&1 &
    echo $! >"$net/pids/www.pid"
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1/networks.json" && return 0; sleep 0.1; done
    echo "the app server did not start; see $net/logs/www.log" >&2
    return 1
}

# Registers the demo dataset (owner $1) and the model trained on it (owner $2, 250stake per use,
# 30% to the dataset), approves the verifier (admin $1); sets dataset, model, verifier and the URIs
# of two test images, seven_uri and three_uri.
network_register_assets() { # dataset owner (and registry admin), model owner
    local dataset_uri model_uri verifier_uri
    dataset_uri="$(add "$data/digits.csv")"
    model_uri="$(add "$data/digit-classifier.onnx")"
    verifier_uri="$(add "$root/artifacts/poi_verifier.wasm")"
    seven_uri="$(add "$data/digit-7.npy")"
    three_uri="$(add "$data/digit-3.npy")"
    dataset="$(as "$1" registry register --kind dataset --file "$data/digits.csv" --uri "$dataset_uri" \
        --name "UCI handwritten digits (scikit-learn copy)" --license CC-BY-4.0 --tag vision | json 'v["asset_id"]')"
    model="$(as "$2" registry register --kind model --file "$data/digit-classifier.onnx" --uri "$model_uri" \
        --name "Digit classifier" --license Apache-2.0 --parent "$dataset:3000" --price 250stake \
        --input "image:f32:1x64" --output "probabilities:f32:1x10" --policy exact | json 'v["asset_id"]')"
    verifier="$(as "$1" registry approve-verifier "$root/artifacts/poi_verifier.wasm" --version 0.1.0 \
        --uri "$verifier_uri" | json 'v["verifier_hash"]')"
}

# Bonds STAKE for WHO as an operator, writes its config (the fault lines under [fault], RPC
# endpoints in order) and starts its daemon.
network_add_operator() { # who stake metrics-port fault-lines rpc…
    local who="$1" stake="$2" port="$3" fault="$4"; shift 4
    local rpcs dir="$net/operators/$who"
    as "$who" staking register-operator --moniker "$who" >/dev/null
    as "$who" staking delegate "$stake" --operator "$(address_of "$who")" >/dev/null
    as "$who" staking allocate 10000 >/dev/null
    rpcs="$(printf '"%s", ' "${@:-$rpc_url}")"
    mkdir -p "$dir"
    cat >"$dir/operator.toml" <<TOML
network = "$network_name"
deployments = "$net/deployments.json"
mnemonic_file = "$net/keys/$who"
rpc = [${rpcs%, }]
data_dir = "$dir"
# Shared with \`poi verify\` (output_hash_of), which compiles the verifier before any daemon starts.
wasmer_cache = "$HOME/.cache/poi/wasmer"
metrics = "127.0.0.1:$port"
poll_interval_ms = 400

# Claimed soon after each settlement, so that a run's balances show the rewards paid out.
[rewards]
claim_every_blocks = 5

[fault]
$fault
TOML
    network_launch_operator "$who"
}

network_launch_operator() { # who
    nohup "$poi" operator run --config "$net/operators/$1/operator.toml" >>"$net/logs/$1.log" 2>&1 &
    echo $! >"$net/pids/$1.pid"
    disown "$!"
}

# Waits until each operator's daemon has started COUNT times (default 1): compiled the verifier and
# is following blocks.
network_wait_ready() { # count who…
    local count="$1" who; shift
    for who in "$@"; do
        until (($(grep -c "operator ready" "$net/logs/$who.log" 2>/dev/null || true) >= count)); do
            kill -0 "$(cat "$net/pids/$who.pid")" 2>/dev/null \
                || { echo "operator $who exited:" >&2; tail "$net/logs/$who.log" >&2; return 1; }
            sleep 0.5
        done
    done
}

# Submits a claim on the registered model, as WHO, about the image at URI (hash of FILE) and the
# output hash HASH; prints the claim id. Extra arguments go to `poi consensus submit`.
submit() { # who uri file hash extra…
    local who="$1" uri="$2" file="$3" hash="$4"; shift 4
    as "$who" consensus submit --model "$model" --verifier "$verifier" \
        --input "image=$(sha "$file")@$uri" --output-hash "$hash" "$@" | json 'v["claim_id"]'
}

# The output hash the approved verifier gives for the model on FILE.
output_hash_of() { # file
    (cd "$root" && "$poi" --json verify --model "$data/digit-classifier.onnx" --input "image=$1") | json 'v["output_hash"]'
}

claim_field() { # claim expression-over-v
    as alice consensus show "$1" | json "$2"
}
