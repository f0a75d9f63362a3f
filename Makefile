# poi: one entry point for building, checking, testing and running the local chain.
# Every build cache lives outside the clone, under $(POI_CACHE).

POI_CACHE ?= $(HOME)/.cache/poi
export POI_CACHE
export CARGO_TARGET_DIR ?= $(POI_CACHE)/target
export WASM_OPT ?= $(POI_CACHE)/node/node_modules/.bin/wasm-opt
export WASMD ?= $(POI_CACHE)/bin/wasmd
BIN := $(CARGO_TARGET_DIR)/release
POI := $(BIN)/poi

# The native build lints as it compiles: cargo runs clippy-driver (a rustc that also runs clippy's
# lints) on the workspace's own crates and plain rustc on dependencies, so every dependency is
# compiled once, for the lint, the tests, the tools and `poi` alike, instead of once more in
# clippy's check mode. Every native cargo command below runs with the same wrapper, or cargo would
# rebuild the workspace's crates for a command without it. (clippy-driver turns rustc's MIR
# optimisations off for the crates it lints; LLVM still optimises them at opt-level 3, and the
# dependencies, where the heavy code is, are compiled as usual.)
NATIVE_CARGO = RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__ cargo

.PHONY: fuzz setup wasm check-wasm schema schema-check fmt-check lint build unit-test reproducible \
	localnet localnet-stop cli e2e test demo demo-stop bench bench-verifier bench-light-client \
	bench-ci bench-network browser-test www www-lint clean mutation-check

CONTRACTS := artifacts/poi_registry.wasm artifacts/poi_staking.wasm artifacts/poi_consensus.wasm

setup:
	@scripts/setup.sh

# The contracts, then the verifier (both record their sha256 in artifacts/checksums.txt), then
# the light client's wasm-bindgen build into www/light-client/. `+`: the cargo runs inside share
# make's job slots, so `make -j2 build wasm` keeps two cores busy between them and never more.
wasm:
	+@scripts/build-wasm.sh
	+@scripts/build-verifier.sh
	+@scripts/build-light-client.sh

# The whole workspace, every target (tests, benches, tools, `poi`), release profile, one feature
# set: the one native build. clippy -D warnings runs on every crate of it (NATIVE_CARGO above).
build:
	+$(NATIVE_CARGO) build --locked --workspace --release --all-targets

cli: build

check-wasm: build
	$(BIN)/check-wasm $(CONTRACTS)

schema: build
	@scripts/schema.sh

# The committed schema must be what the message types generate.
schema-check: schema
	@git diff --exit-code --stat -- schema/ \
		|| { echo "schema/ is out of date: run 'make schema' and commit it"; exit 1; }
	@test -z "$$(git status --porcelain -- schema/)" \
		|| { echo "schema/ has uncommitted files: run 'make schema' and commit them"; exit 1; }

fmt-check:
	cargo fmt --all -- --check

lint: fmt-check build www-lint

# The browser app: tsc --noEmit and biome (www-lint), then Vite's build into www/dist.
www: wasm
	@scripts/build-www.sh

www-lint: wasm
	@scripts/build-www.sh lint

# Tests that need the artefacts or the ONNX test data are #[ignore]d, so that a plain
# `cargo test --workspace` passes after `make setup` alone; here, after `make wasm` too, they run.
unit-test: build
	$(NATIVE_CARGO) test --locked --workspace --release -- --include-ignored

# Two builds must give the bytes recorded in the committed checksums.
reproducible: wasm
	@git diff --exit-code -- artifacts/checksums.txt \
		|| { echo "artefacts differ from the committed checksums"; exit 1; }

localnet:
	@localnet/localnet.sh start

localnet-stop:
	@localnet/localnet.sh stop

# Two lanes side by side, each on its own local chain (scripts/e2e.sh says which scripts where).
e2e: cli
	@scripts/e2e.sh

# Claims per minute and submission-to-settlement latency of five operator daemons on the local chain.
bench-network: setup wasm cli
	@scripts/bench-network.sh

bench: wasm cli
	@scripts/bench.sh

# The verifier in a real browser: headless Chromium runs the test models through the built app (make www);
# the light client's wasm build gets the CometBFT traces' verdicts in Node.
browser-test: cli
	@node tests/browser/verifier.mjs
	@node tests/light-client/wasm-traces.mjs
	@tests/verifier/real-models.sh

bench-verifier: wasm build www
	@scripts/bench-verifier.sh

bench-light-client: setup
	@scripts/bench-light-client.sh

# A cold and a warm `make test` on a fresh clone of HEAD under a new HOME (about 50 minutes).
bench-ci:
	@scripts/bench-ci.sh

# The restaking property test must catch a slash that ignores allocations (a mutant, in a copy).
mutation-check:
	@scripts/mutation-check.sh

# libFuzzer on the verifier's model loading and request decoding (FUZZ_SECONDS per target).
fuzz:
	@scripts/fuzz.sh

# Every check CI runs, each step timed (scripts/test.sh lists them and prints where the time went).
test:
	@scripts/test.sh

# The protocol running by itself: a fresh chain, five operator daemons, three claims settled.
demo: setup wasm cli www
	@scripts/demo.sh

demo-stop:
	@scripts/demo-stop.sh

clean:
	rm -rf artifacts/*.wasm
