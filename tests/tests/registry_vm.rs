//! The optimised registry artefact, run in cosmwasm-vm: every message works in the real VM, within
//! wasmd's capabilities, and its gas is reported.

use poi_tests::vm::registry_gas_report;

const ARTIFACT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../artifacts/poi_registry.wasm"
);

#[test]
#[ignore = "needs the optimised artefacts in artifacts/ (`make wasm`); `make test` runs it"]
fn optimised_registry_runs_every_message_in_cosmwasm_vm() {
    let wasm = std::fs::read(ARTIFACT)
        .unwrap_or_else(|e| panic!("{ARTIFACT}: {e}; build it with 'make wasm' first"));
    let lines = registry_gas_report(&wasm).expect("every message succeeds in the VM");

    println!("{:<40} {:>14}", "message", "CosmWasm gas");
    for line in &lines {
        println!("{:<40} {:>14}", line.step, line.gas);
        assert!(
            line.gas > 0,
            "{} used no gas: the VM did not meter it",
            line.step
        );
    }
    // One wasmd transaction may spend at most the block gas limit; any message that needs more than
    // 10 M SDK gas (1.4e12 CosmWasm gas) could never be included.
    let max = lines.iter().map(|l| l.gas).max().unwrap();
    assert!(max < 1_400_000_000_000, "a message needs {max} gas");
}
