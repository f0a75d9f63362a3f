//! The optimised staking artefact in cosmwasm-vm: every message runs, and none costs more as the
//! contract's state grows (more operators, delegators, slashes and open withdrawals) or as an
//! operator's strategies grow to the cap.

use poi_tests::vm::{GasLine, staking_gas_at_size};
use poi_types::staking::MAX_STRATEGIES;

const ARTIFACT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../artifacts/poi_staking.wasm");

fn artifact() -> Vec<u8> {
    std::fs::read(ARTIFACT)
        .unwrap_or_else(|e| panic!("{ARTIFACT}: {e}; build it with 'make wasm' first"))
}

/// Every message costs the same in `grown` as in `base`, within 5%: gas is deterministic, and
/// keys and numbers may grow by a few bytes, nothing more. A loop over what grew would cost many
/// times over.
fn assert_flat(base: &[GasLine], grown: &[GasLine], what_grew: &str) {
    assert_eq!(base.len(), grown.len());
    for (b, g) in base.iter().zip(grown) {
        assert_eq!(b.step, g.step);
        println!("{:<40} {:>14} {:>14}", b.step, b.gas, g.gas);
        assert!(
            g.gas * 100 <= b.gas * 105,
            "{} grew from {} to {} gas with {what_grew}",
            b.step,
            b.gas,
            g.gas
        );
    }
}

#[test]
#[ignore = "needs the optimised artefacts in artifacts/ (`make wasm`); `make test` runs it"]
fn no_message_costs_more_as_operators_delegators_and_history_grow() {
    let wasm = artifact();
    let small =
        staking_gas_at_size(&wasm, 1, MAX_STRATEGIES).expect("every message succeeds in the VM");
    let large =
        staking_gas_at_size(&wasm, 1000, MAX_STRATEGIES).expect("every message succeeds in the VM");
    assert_flat(&small, &large, "1000 operators, delegators and slashes");
}

#[test]
#[ignore = "needs the optimised artefacts in artifacts/ (`make wasm`); `make test` runs it"]
fn no_message_costs_more_as_an_operator_s_strategies_grow_to_the_cap() {
    let wasm = artifact();
    // A slash moves the operator's factor and a reward payment its accumulator; each pool
    // catches up when it is next touched, so neither reads every pool.
    let few = staking_gas_at_size(&wasm, 1, 2).expect("every message succeeds in the VM");
    let most =
        staking_gas_at_size(&wasm, 1, MAX_STRATEGIES).expect("every message succeeds in the VM");
    assert_flat(&few, &most, &format!("{MAX_STRATEGIES} strategies"));
}

/// The staking artefact of poi 0.1 (staking 0.1.0), as deployed: built from commit 3d6c88b by
/// `scripts/build-wasm.sh`, whose checksum that commit's `artifacts/checksums.txt` records.
const ARTIFACT_0_1: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/poi_staking-0.1.0.wasm"
);
const CHECKSUM_0_1: &str = "fa056b336c6ef5dae7f59ff2b67afadb9d21f83db16359b43bd6b8fa75467143";

#[test]
#[ignore = "needs the optimised artefacts in artifacts/ (`make wasm`); `make test` runs it"]
fn migrating_a_deployed_0_1_contract_keeps_every_stake_withdrawal_and_reward() {
    use poi_tests::vm::VmContract;
    use poi_types::staking::{
        AllocationChange, AllocationsResponse, CandidatesResponse, QueryMsg, Service,
        StakeResponse, WHOLE_STAKE,
    };
    use serde_json::{Value, json};

    let old = std::fs::read(ARTIFACT_0_1).expect("the 0.1 artefact is committed");
    assert_eq!(
        poi_types::ContentHash::digest(&old).as_str(),
        CHECKSUM_0_1,
        "the fixture is the deployed 0.1 artefact"
    );
    let new = artifact();

    // A 0.1 contract with history: two operators opted in (one opts out again), a delegator, a
    // slash, a queued withdrawal and rewards paid to one operator and to the whole service.
    let mut vm = VmContract::new(&old);
    let delay = 7 * 24 * 3600;
    let [op1, op2, alice, slasher, admin] =
        ["op1", "op2", "alice", "slasher", "admin"].map(|name| vm.addr(name).to_string());
    vm.instantiate(
        "instantiate 0.1",
        "admin",
        &json!({
            "admin": null, "bond_denom": "stake", "withdrawal_delay": delay,
            "slasher": slasher, "max_slash_bps": 5000, "min_self_bond": "100",
            "max_open_withdrawals": 10, "slash_destination": { "burn": {} }
        }),
    )
    .unwrap();
    let run = |vm: &mut VmContract, who: &str, msg: Value, funds: u128| {
        if funds > 0 {
            vm.with_funds(vec![cosmwasm_std::coin(funds, "stake")]);
        }
        vm.execute(&msg.to_string(), who, &msg).unwrap();
    };
    for (op, bond) in [("op1", 1_000), ("op2", 500)] {
        let register = json!({ "register_operator": { "commission_bps": 1000, "metadata": { "moniker": op } } });
        run(&mut vm, op, register, 0);
        let delegate = json!({ "delegate": { "operator": vm.addr(op) } });
        run(&mut vm, op, delegate, bond);
        run(&mut vm, op, json!({ "opt_in": {} }), 0);
    }
    run(
        &mut vm,
        "alice",
        json!({ "delegate": { "operator": op1 } }),
        3_000,
    );
    let claim_height = vm.height();
    run(
        &mut vm,
        "admin",
        json!({ "distribute_rewards": { "operator": null } }),
        900,
    );
    let slash = json!({ "slash": {
        "operator": op1, "bps": 1000, "claim_id": 1, "reason": "wrong vote",
        "snapshot_height": claim_height } });
    run(&mut vm, "slasher", slash, 0);
    run(
        &mut vm,
        "alice",
        json!({ "undelegate": { "amount": "900" } }),
        0,
    );
    run(
        &mut vm,
        "admin",
        json!({ "distribute_rewards": { "operator": op1 } }),
        100,
    );
    run(&mut vm, "op2", json!({ "opt_out": {} }), 0);
    let opted_out_at = vm.height() - 1;

    let mut read = |vm: &mut VmContract, msg: Value| -> Value {
        serde_json::from_slice(&vm.query("read", &msg).unwrap()).unwrap()
    };
    // What each account has, as both versions answer it: 0.1 calls a delegation's worth `value`,
    // 0.2 `stake` (its weighted sum over strategies, here the one bond denom).
    let kept = |vm: &mut VmContract,
                read: &mut dyn FnMut(&mut VmContract, Value) -> Value,
                worth: &str| {
        let mut seen = Vec::new();
        for who in [&op1, &op2, &alice] {
            let delegation = read(vm, json!({ "delegation": { "staker": who } }));
            seen.push(json!([
                delegation["delegation"]["operator"],
                delegation[worth]
            ]));
            seen.push(read(vm, json!({ "pending_rewards": { "address": who } })));
            let queued = read(vm, json!({ "withdrawals": { "staker": who } }));
            let queued: Vec<Value> = queued["withdrawals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|w| {
                    let q = &w["withdrawal"];
                    json!([
                        q["id"],
                        q["amount"],
                        q["release_at"],
                        w["payable"],
                        w["released"]
                    ])
                })
                .collect();
            seen.push(Value::Array(queued));
        }
        for op in [&op1, &op2] {
            for height in [claim_height, opted_out_at] {
                seen.push(read(
                    vm,
                    json!({ "operator_stake_at": { "operator": op, "height": height } }),
                ));
            }
        }
        seen
    };
    let before = kept(&mut vm, &mut read, "value");
    // 0.1 credited service-wide rewards lazily: op1's part of the 900 is owed, not yet credited.
    assert_ne!(before[1]["rewards"], "0");

    let (mut vm, response) = vm.migrate(&new, &json!({})).unwrap();
    let attribute = |key: &str| {
        response
            .attributes
            .iter()
            .find(|a| a.key == key)
            .map(|a| a.value.clone())
    };
    assert_eq!(attribute("from_version").as_deref(), Some("0.1.0"));
    assert_eq!(attribute("operators_migrated").as_deref(), Some("2"));

    // Every stake, delegation, withdrawal and reward reads as it did.
    assert_eq!(kept(&mut vm, &mut read, "stake"), before);
    // The bond denom is strategy 1, holding every pool; delegations and withdrawals are its.
    let strategies: Value = read(&mut vm, json!({ "strategies": {} }));
    assert_eq!(
        strategies["strategies"],
        json!([{ "id": 1, "asset": { "native": { "denom": "stake" } }, "weight": "1",
            "cap": null, "bonded": "3200" }])
    );
    let alice_now: Value = read(&mut vm, json!({ "delegation": { "staker": alice } }));
    assert_eq!(
        alice_now["values"],
        json!([{ "strategy_id": 1, "amount": "1800" }])
    );
    let queued: Value = read(&mut vm, json!({ "withdrawals": { "staker": alice } }));
    assert_eq!(queued["withdrawals"][0]["withdrawal"]["strategy_id"], 1);
    let history: Value = read(&mut vm, json!({ "slash_history": { "operator": op1 } }));
    assert_eq!(history["slashes"][0]["service_id"], 1);
    assert_eq!(history["slashes"][0]["claim_id"], 1);
    let admin_now: Value = read(&mut vm, json!({ "admin": {} }));
    assert_eq!(admin_now["admin"], admin);

    // The old slasher is service 1 with the old cap; op1's whole stake is allocated to it, op2's
    // stays slashable until its opt-out's deadline.
    let service: Service =
        serde_json::from_value(read(&mut vm, json!({ "service": { "id": 1 } }))).unwrap();
    assert_eq!(
        (service.slasher.as_str(), service.max_slash_bps),
        (slasher.as_str(), 5000)
    );
    let allocations = |vm: &mut VmContract, op: &str| -> AllocationsResponse {
        let msg = QueryMsg::Allocations {
            operator: op.into(),
        };
        serde_json::from_slice(&vm.query("allocations", &msg).unwrap()).unwrap()
    };
    let a1 = allocations(&mut vm, &op1);
    assert_eq!(a1.allocations[0].allocation.magnitude, WHOLE_STAKE);
    // 4000 bonded, less the 10% slash, less alice's 900 withdrawing.
    assert_eq!(a1.allocations[0].stake.u128(), 2_700);
    let a2 = allocations(&mut vm, &op2);
    assert!(matches!(
        a2.allocations[0].allocation.pending,
        Some(AllocationChange::Decrease { from, .. }) if from == WHOLE_STAKE
    ));

    // Claims drawn before the upgrade weigh and slash the stake they drew.
    for op in [&op1, &op2] {
        let old_stake = &before[if op == &op1 { 9 } else { 11 }]["stake"];
        let msg = QueryMsg::AllocatedStakeAt {
            service_id: 1,
            operator: op.clone(),
            height: claim_height,
        };
        let stake: StakeResponse = serde_json::from_slice(&vm.query("at", &msg).unwrap()).unwrap();
        assert_eq!(&Value::String(stake.stake.to_string()), old_stake, "{op}");
    }
    let candidates: CandidatesResponse = serde_json::from_slice(
        &vm.query(
            "candidates",
            &QueryMsg::CandidatesAt {
                service_id: 1,
                height: vm.height(),
                start_after: None,
                limit: None,
            },
        )
        .unwrap(),
    )
    .unwrap();
    let names: Vec<&str> = candidates
        .candidates
        .iter()
        .map(|c| c.operator.as_str())
        .collect();
    assert_eq!(
        names,
        [op1.as_str()],
        "only op1 still counts for committees"
    );

    // The old slasher slashes through service 1, once per claim as before.
    let slash = |claim_id: u64, op: &str| {
        json!({ "slash": { "service_id": 1, "operator": op, "bps": 1000, "claim_id": claim_id,
            "reason": "wrong vote", "snapshot_height": null } })
    };
    let again = vm.execute("slash claim 1 again", "slasher", &slash(1, &op1));
    assert!(
        again.unwrap_err().contains("already slashed"),
        "claim 1 was slashed in 0.1"
    );
    vm.execute("slash op2 within its deadline", "slasher", &slash(2, &op2))
        .unwrap();
    vm.set_height(vm.height() + delay / 6 + 1);
    let late = vm.execute("slash op2 after its deadline", "slasher", &slash(3, &op2));
    assert!(late.unwrap_err().contains("no stake at risk"));
    vm.execute("slash op1", "slasher", &slash(4, &op1)).unwrap();
}
