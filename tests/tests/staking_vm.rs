//! The optimised staking artefact in cosmwasm-vm: every message runs, and slashing costs the same
//! whatever the number of delegators.

use poi_tests::vm::staking_gas_report;

const ARTIFACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../artifacts/poi_staking.wasm");

#[test]
fn slashing_gas_does_not_grow_with_delegators() {
    let wasm = std::fs::read(ARTIFACT)
        .unwrap_or_else(|e| panic!("{ARTIFACT}: {e}; build it with 'make wasm' first"));
    let lines = staking_gas_report(&wasm).expect("every message succeeds in the VM");
    for line in &lines {
        println!("{:<32} {:>14}", line.step, line.gas);
    }
    let slash = |n: usize| {
        lines
            .iter()
            .find(|l| l.step == format!("slash ({n} delegators)"))
            .unwrap()
            .gas
    };
    let (one, thousand) = (slash(1), slash(1000));
    // Gas is deterministic; storage keys and numbers grow by a few bytes, nothing more.
    assert!(
        thousand * 100 <= one * 105,
        "slash gas grew from {one} to {thousand} with 1000 delegators"
    );
}
