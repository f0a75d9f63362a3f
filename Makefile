# poi: one entry point for building, checking, testing and running the local chain.
# Every build cache lives outside the clone, under $(POI_CACHE).

POI_CACHE ?= $(HOME)/.cache/poi
export POI_CACHE
export CARGO_TARGET_DIR ?= $(POI_CACHE)/target
export WASM_OPT ?= $(POI_CACHE)/node/node_modules/.bin/wasm-opt
export WASMD ?= $(POI_CACHE)/bin/wasmd
POI := $(CARGO_TARGET_DIR)/release/poi

.PHONY: fuzz setup wasm check-wasm schema schema-check lint unit-test reproducible localnet \
	localnet-stop cli e2e test demo bench bench-verifier bench-light-client browser-test clean

CONTRACTS := artifacts/poi_registry.wasm artifacts/poi_staking.wasm artifacts/poi_consensus.wasm

setup:
	@scripts/setup.sh

# The contracts, then the verifier (both record their sha256 in artifacts/checksums.txt), then
# the light client's wasm-bindgen build into www/light-client/.
wasm:
	@scripts/build-wasm.sh
	@scripts/build-verifier.sh
	@scripts/build-light-client.sh

check-wasm:
	cargo run --locked -q --release -p poi-tests --bin check-wasm -- $(CONTRACTS)

schema:
	@scripts/schema.sh

# The committed schema must be what the message types generate.
schema-check: schema
	@git diff --exit-code --stat -- schema/ \
		|| { echo "schema/ is out of date: run 'make schema' and commit it"; exit 1; }
	@test -z "$$(git status --porcelain -- schema/)" \
		|| { echo "schema/ has uncommitted files: run 'make schema' and commit them"; exit 1; }

lint:
	cargo fmt --all -- --check
	cargo clippy --locked --workspace --all-targets -- -D warnings

unit-test:
	cargo test --locked --workspace --release

# Two builds must give the bytes recorded in the committed checksums.
reproducible: wasm
	@git diff --exit-code -- artifacts/checksums.txt \
		|| { echo "artefacts differ from the committed checksums"; exit 1; }

localnet:
	@localnet/localnet.sh start

localnet-stop:
	@localnet/localnet.sh stop

cli:
	cargo build --locked -q --release -p poi-cli

e2e: cli
	@tests/e2e/registry.sh
	@tests/e2e/staking.sh
	@tests/e2e/consensus.sh
	@tests/e2e/light-client.sh

bench: wasm cli
	@scripts/bench.sh

# The verifier in a real browser: headless Chromium runs www/poi-verifier.js on the test models;
# the light client's wasm build gets the CometBFT traces' verdicts in Node.
browser-test: cli
	@node tests/browser/verifier.mjs
	@node tests/light-client/wasm-traces.mjs
	@tests/verifier/real-models.sh

bench-verifier: wasm
	@scripts/bench-verifier.sh

bench-light-client: setup
	@scripts/bench-light-client.sh

# libFuzzer on the verifier's model loading and request decoding (FUZZ_SECONDS per target).
fuzz:
	@scripts/fuzz.sh

# The artefacts come first: the cosmwasm-vm tests among the unit tests run them.
test: setup
	$(MAKE) lint
	$(MAKE) reproducible
	$(MAKE) check-wasm
	$(MAKE) unit-test
	$(MAKE) browser-test
	$(MAKE) schema-check
	$(MAKE) e2e

demo: setup wasm cli
	@scripts/demo.sh

clean:
	rm -rf artifacts/*.wasm
