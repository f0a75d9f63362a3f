//! The optimised staking artefact in cosmwasm-vm: every message runs, and none costs more as the
//! contract's state grows (more operators, delegators, slashes and open withdrawals).

use poi_tests::vm::staking_gas_at_size;

const ARTIFACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../artifacts/poi_staking.wasm");

#[test]
#[ignore = "needs the optimised artefacts in artifacts/ (`make wasm`); `make test` runs it"]
fn no_message_costs_more_as_operators_delegators_and_history_grow() {
    let wasm = std::fs::read(ARTIFACT)
        .unwrap_or_else(|e| panic!("{ARTIFACT}: {e}; build it with 'make wasm' first"));
    let small = staking_gas_at_size(&wasm, 1).expect("every message succeeds in the VM");
    let large = staking_gas_at_size(&wasm, 1000).expect("every message succeeds in the VM");
    assert_eq!(small.len(), large.len());
    for (s, l) in small.iter().zip(&large) {
        assert_eq!(s.step, l.step);
        println!("{:<40} {:>14} {:>14}", s.step, s.gas, l.gas);
        // Gas is deterministic; keys and numbers grow by a few bytes as the state grows, nothing
        // more. A loop over 1000 of anything would cost many times over.
        assert!(
            l.gas * 100 <= s.gas * 105,
            "{} grew from {} to {} gas with 1000 operators, delegators and slashes",
            s.step,
            s.gas,
            l.gas
        );
    }
}
