//! One stake securing several services: unique allocations, the delays that protect operators
//! and services, slashes that reach only the slashing service's slice, slasher changes, and
//! ejection.

use cosmwasm_std::Addr;
use cw_multi_test::IntoBech32;
use poi_staking::ContractError;
use poi_tests::staking::{
    SERVICE, WITHDRAWAL_DELAY, community_pool, default_config, operator, operator2, slasher,
};
use poi_tests::suite::{Suite, SuiteBuilder, assert_rejected};
use poi_types::staking::{
    AllocationChange, CandidatesResponse, ExecuteMsg, FIRST_STRATEGY, QueryMsg, Service,
};

/// An allocation increase counts a day after it is made.
const ALLOCATION_DELAY: u64 = 24 * 3600;

fn oracle_slasher() -> Addr {
    "oracle-slasher".into_bech32()
}

/// Staking with a day's allocation delay, poi's consensus as service 1 and an oracle network as
/// service 2 with its own slasher; both may take up to 100% of a slice per fault.
fn two_services() -> (Suite, u32) {
    let mut config = default_config();
    config.allocation_delay = ALLOCATION_DELAY;
    let mut s = SuiteBuilder::new().with_staking(config).build();
    let oracle = s.register_service(&oracle_slasher(), 10_000);
    (s, oracle)
}

fn now(s: &Suite) -> u64 {
    s.app.block_info().height
}

fn slice(s: &Suite, service_id: u32, op: &Addr) -> u128 {
    s.allocations(op)
        .allocations
        .iter()
        .find(|a| a.service_id == service_id)
        .map_or(0, |a| a.stake.u128())
}

/// The service's committee candidates with their weights, as the next block will see them.
fn candidates(s: &Suite, service_id: u32) -> Vec<(Addr, u128)> {
    let response: CandidatesResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            s.staking(),
            &QueryMsg::CandidatesAt {
                service_id,
                height: now(s) + 1,
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    response
        .candidates
        .into_iter()
        .map(|c| (c.operator, c.stake.u128()))
        .collect()
}

/// The operator registers, bonds `self_bond` and allocates `consensus_bps` to poi and
/// `oracle_bps` to the oracle; both count once the allocation delay has passed.
fn operator_serving_both(
    s: &mut Suite,
    oracle: u32,
    op: &Addr,
    self_bond: u128,
    consensus_bps: u16,
    oracle_bps: u16,
) {
    s.start_operator_for(op, self_bond, oracle, oracle_bps);
    s.allocate(op, SERVICE, consensus_bps).unwrap();
    s.advance(ALLOCATION_DELAY);
    s.stake(
        op,
        &ExecuteMsg::ApplyAllocations {
            operator: op.to_string(),
        },
    )
    .unwrap();
}

#[test]
fn two_services_slash_the_same_operator_for_the_same_fault_each_within_its_own_slice() {
    let (mut s, oracle) = two_services();
    let (alice, op) = (s.accounts.alice.clone(), operator());
    operator_serving_both(&mut s, oracle, &op, 2_000, 6_000, 4_000);
    s.delegate(&alice, &op, 8_000).unwrap();
    assert_eq!(
        (slice(&s, SERVICE, &op), slice(&s, oracle, &op)),
        (6_000, 4_000)
    );
    s.advance(6);
    let fault = now(&s);

    // Both services saw the same fault in the same window: each takes half of its own slice.
    s.slash_at(&op, 5_000, 7, Some(fault)).unwrap();
    assert_eq!(
        (slice(&s, SERVICE, &op), slice(&s, oracle, &op)),
        (3_000, 4_000)
    );
    s.slash_for(&oracle_slasher(), oracle, &op, 5_000, 7, Some(fault))
        .unwrap();
    assert_eq!(
        (slice(&s, SERVICE, &op), slice(&s, oracle, &op)),
        (3_000, 2_000)
    );
    // 3000 + 2000 left of 10000: delegators lost exactly the two half-slices, which anyone
    // then sends where slashes go.
    s.collect_slashed(&op, FIRST_STRATEGY).unwrap();
    assert_eq!(s.balance(&community_pool()), 5_000);
    assert_eq!(
        (s.staked_value(&alice), s.staked_value(&op)),
        (4_000, 1_000)
    );

    // Each service slashes a claim once; the other's slash does not use up its turn.
    assert_rejected(
        s.slash_for(&oracle_slasher(), oracle, &op, 5_000, 7, Some(fault)),
        &ContractError::AlreadySlashed {
            operator: op.to_string(),
            service_id: oracle,
            claim_id: 7,
        },
    );
    // A full slash by the oracle takes its whole slice and nothing of poi's.
    s.slash_for(&oracle_slasher(), oracle, &op, 10_000, 8, None)
        .unwrap();
    assert_eq!(
        (slice(&s, SERVICE, &op), slice(&s, oracle, &op)),
        (3_000, 0)
    );
    s.collect_slashed(&op, FIRST_STRATEGY).unwrap();
    assert_eq!(s.balance(&community_pool()), 7_000);
}

#[test]
fn allocations_are_unique_and_never_add_up_to_more_than_the_whole_stake() {
    let (mut s, oracle) = two_services();
    let op = operator();
    s.start_operator_for(&op, 1_000, SERVICE, 7_000);
    assert_rejected(
        s.allocate(&op, oracle, 3_001),
        &ContractError::OverAllocated {
            requested_bps: 3_001,
            free_bps: 3_000,
        },
    );
    s.allocate(&op, oracle, 3_000).unwrap();
    // A decrease keeps its slice reserved while it is slashable: nothing is free to re-use yet.
    s.advance(ALLOCATION_DELAY);
    s.stake(
        &op,
        &ExecuteMsg::ApplyAllocations {
            operator: op.to_string(),
        },
    )
    .unwrap();
    s.allocate(&op, SERVICE, 2_000).unwrap();
    assert_rejected(
        s.allocate(&op, oracle, 4_000),
        &ContractError::OverAllocated {
            requested_bps: 4_000,
            free_bps: 0,
        },
    );
    s.advance(WITHDRAWAL_DELAY);
    s.allocate(&op, oracle, 8_000).unwrap();
}

#[test]
fn an_increase_counts_after_the_allocation_delay_and_a_decrease_stays_slashable_for_the_withdrawal_delay()
 {
    let (mut s, oracle) = two_services();
    let op = operator();
    s.start_operator_for(&op, 1_000, oracle, 10_000);
    // Not counted yet: no committee weight, nothing to slash.
    assert_eq!(candidates(&s, oracle), vec![]);
    assert_rejected(
        s.slash_for(&oracle_slasher(), oracle, &op, 100, 1, None),
        &ContractError::NotSlashable {
            operator: op.to_string(),
            service_id: oracle,
        },
    );
    s.advance(ALLOCATION_DELAY - 1);
    assert_rejected(
        s.stake(
            &op,
            &ExecuteMsg::ApplyAllocations {
                operator: op.to_string(),
            },
        ),
        &ContractError::NothingToApply,
    );
    s.advance(1);
    // Anyone may make it count.
    let anyone = s.accounts.carol.clone();
    s.stake(
        &anyone,
        &ExecuteMsg::ApplyAllocations {
            operator: op.to_string(),
        },
    )
    .unwrap();
    assert_eq!(candidates(&s, oracle), vec![(op.clone(), 1_000)]);
    s.advance(6);
    let served = now(&s);

    // Leaving: out of committees at once, still slashable for faults until released.
    s.allocate(&op, oracle, 0).unwrap();
    s.advance(6);
    assert_eq!(candidates(&s, oracle), vec![]);
    assert_eq!(
        s.allocated_stake_at(oracle, &op, served),
        1_000,
        "the past is kept"
    );
    s.advance(WITHDRAWAL_DELAY - 7);
    s.slash_for(&oracle_slasher(), oracle, &op, 1_000, 2, Some(served))
        .unwrap();
    assert_eq!(s.staked_value(&op), 900);
    s.advance(1);
    assert_rejected(
        s.slash_for(&oracle_slasher(), oracle, &op, 1_000, 3, Some(served)),
        &ContractError::NotSlashable {
            operator: op.to_string(),
            service_id: oracle,
        },
    );
}

#[test]
fn a_new_slasher_takes_over_only_after_twice_the_withdrawal_delay() {
    let (mut s, oracle) = two_services();
    let (admin, op, thief) = (s.accounts.admin.clone(), operator(), s.accounts.bob.clone());
    operator_serving_both(&mut s, oracle, &op, 1_000, 5_000, 5_000);
    s.stake(
        &admin,
        &ExecuteMsg::UpdateService {
            service_id: oracle,
            name: None,
            uri: None,
            slasher: Some(thief.to_string()),
        },
    )
    .unwrap();
    let service: Service = s
        .app
        .wrap()
        .query_wasm_smart(s.staking(), &QueryMsg::Service { id: oracle })
        .unwrap();
    assert_eq!(service.pending_slasher.unwrap().address, thief);

    // The old slasher still acts; the new one cannot, so the operator has time to leave.
    s.slash_for(&oracle_slasher(), oracle, &op, 100, 1, None)
        .unwrap();
    assert_rejected(
        s.slash_for(&thief, oracle, &op, 10_000, 2, None),
        &ContractError::NotSlasher { service_id: oracle },
    );
    s.allocate(&op, oracle, 0).unwrap();
    s.advance(WITHDRAWAL_DELAY);
    s.stake(
        &op,
        &ExecuteMsg::ApplyAllocations {
            operator: op.to_string(),
        },
    )
    .unwrap();
    s.advance(WITHDRAWAL_DELAY);
    // Now the new slasher acts, and finds nothing of this operator's left to take.
    assert_rejected(
        s.slash_for(&thief, oracle, &op, 10_000, 2, None),
        &ContractError::NotSlashable {
            operator: op.to_string(),
            service_id: oracle,
        },
    );
    assert_rejected(
        s.slash_for(&oracle_slasher(), oracle, &op, 100, 3, None),
        &ContractError::NotSlasher { service_id: oracle },
    );
    // poi's slice was never at the oracle's risk.
    assert!(slice(&s, SERVICE, &op) > 0);
}

#[test]
fn a_service_ejects_an_absent_operator_without_a_slash() {
    let (mut s, oracle) = two_services();
    let (op, other) = (operator(), operator2());
    operator_serving_both(&mut s, oracle, &op, 1_000, 5_000, 5_000);
    s.start_operator_for(&other, 1_000, oracle, 10_000);
    s.advance(ALLOCATION_DELAY);
    s.stake(
        &other,
        &ExecuteMsg::ApplyAllocations {
            operator: other.to_string(),
        },
    )
    .unwrap();
    assert_rejected(
        s.stake(
            &slasher(),
            &ExecuteMsg::Eject {
                service_id: oracle,
                operator: op.to_string(),
                reason: "not poi's to eject".into(),
            },
        ),
        &ContractError::NotSlasher { service_id: oracle },
    );
    s.stake(
        &oracle_slasher(),
        &ExecuteMsg::Eject {
            service_id: oracle,
            operator: op.to_string(),
            reason: "missed 3 rounds".into(),
        },
    )
    .unwrap();
    // Out of the oracle's committees at once, stake untouched, poi's slice untouched.
    assert_eq!(candidates(&s, oracle), vec![(other.clone(), 1_000)]);
    assert_eq!(s.staked_value(&op), 1_000);
    assert_eq!(slice(&s, SERVICE, &op), 500);
    let pending = s.allocations(&op).allocations[1].allocation.pending.clone();
    assert!(matches!(pending, Some(AllocationChange::Decrease { .. })));
    assert_rejected(
        s.stake(
            &oracle_slasher(),
            &ExecuteMsg::Eject {
                service_id: oracle,
                operator: op.to_string(),
                reason: "again".into(),
            },
        ),
        &ContractError::NothingToEject {
            operator: op.to_string(),
            service_id: oracle,
        },
    );
    // It cannot come straight back, and faults before the ejection can still be punished.
    assert_rejected(
        s.allocate(&op, oracle, 5_000),
        &ContractError::AllocationPending {
            service_id: oracle,
            pending: pending.unwrap(),
        },
    );
    s.slash_for(&oracle_slasher(), oracle, &op, 1_000, 1, None)
        .unwrap();
    assert_eq!(s.staked_value(&op), 950);
    // Once released it may allocate again, out of what poi's slice leaves free: poi's 500 is now
    // a larger part of the smaller whole.
    s.advance(WITHDRAWAL_DELAY);
    assert_eq!(slice(&s, SERVICE, &op), 500);
    assert_rejected(
        s.allocate(&op, oracle, 5_000),
        &ContractError::OverAllocated {
            requested_bps: 5_000,
            free_bps: 4_736,
        },
    );
    s.allocate(&op, oracle, 4_736).unwrap();
}
