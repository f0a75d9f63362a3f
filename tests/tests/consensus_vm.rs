//! The optimised artefacts play a full round in cosmwasm-vm: claim, commit, reveal, finalise,
//! dispute and settlement, at the largest committee sizes the parameters allow.

use poi_tests::consensus_gas::consensus_round_gas;

fn artifact(name: &str) -> Vec<u8> {
    let path = format!("{}/../artifacts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}; build it with 'make wasm' first"))
}

/// wasmd charges one SDK gas per 140 000 CosmWasm gas.
const GAS_MULTIPLIER: u64 = 140_000;

#[test]
#[ignore = "needs the optimised artefacts in artifacts/ (`make wasm`); `make test` runs it"]
fn a_full_round_with_the_largest_committees_fits_in_a_transaction() {
    let (registry, staking, consensus) = (
        artifact("poi_registry.wasm"),
        artifact("poi_staking.wasm"),
        artifact("poi_consensus.wasm"),
    );
    let lines = consensus_round_gas(&registry, &staking, &consensus, 64)
        .expect("every message of the round succeeds in the VM");
    for line in &lines {
        println!(
            "{:<44} {:>16} {:>10}",
            line.step,
            line.gas,
            line.gas.div_ceil(GAS_MULTIPLIER)
        );
    }
    // The settlement judges 64 + 128 members; its contract execution must leave nearly all of a
    // one-million SDK gas transaction (a small fraction of a block) to the slashes and payouts it
    // emits.
    let settle = lines
        .iter()
        .find(|l| l.step.starts_with("finalize and settle"))
        .unwrap();
    assert!(
        settle.gas.div_ceil(GAS_MULTIPLIER) < 100_000,
        "settling the largest committees costs {} SDK gas",
        settle.gas.div_ceil(GAS_MULTIPLIER)
    );
}
