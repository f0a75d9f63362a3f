//! Moving to another operator without a withdrawal: the stake counts for the new operator at once,
//! and still answers for the old operator's faults until the withdrawal delay has passed.

use cosmwasm_std::{Addr, Uint128};
use poi_staking::ContractError;
use poi_tests::staking::{WITHDRAWAL_DELAY, community_pool, default_config, operator, operator2};
use poi_tests::suite::{Suite, SuiteBuilder, assert_rejected};
use poi_types::staking::{ExecuteMsg, FIRST_STRATEGY};

/// Two operators with 1 000 self-bonded each, all allocated to service 1; alice delegates 3 000 to
/// the first.
fn alice_with_the_first_operator() -> (Suite, Addr) {
    let mut s = SuiteBuilder::new().with_staking(default_config()).build();
    s.start_operator(&operator(), 1_000);
    s.start_operator(&operator2(), 1_000);
    let alice = s.accounts.alice.clone();
    s.delegate(&alice, &operator(), 3_000).unwrap();
    (s, alice)
}

fn redelegate(s: &mut Suite, staker: &Addr, to: &Addr) -> cosmwasm_std::StdResult<()> {
    let msg = ExecuteMsg::Redelegate {
        operator: to.to_string(),
    };
    s.stake(staker, &msg).map(|_| ())
}

fn settle(s: &mut Suite, staker: &Addr) -> cosmwasm_std::StdResult<()> {
    let anyone = s.accounts.carol.clone();
    let msg = ExecuteMsg::SettleRedelegation {
        staker: staker.to_string(),
    };
    s.stake(&anyone, &msg).map(|_| ())
}

fn stake_next_block(s: &Suite, operator: &Addr) -> u128 {
    s.operator_stake_at(operator, s.app.block_info().height + 1)
}

#[test]
fn redelegated_stake_counts_for_the_new_operator_at_once() {
    let (mut s, alice) = alice_with_the_first_operator();
    redelegate(&mut s, &alice, &operator2()).unwrap();
    assert_eq!(stake_next_block(&s, &operator()), 1_000);
    assert_eq!(stake_next_block(&s, &operator2()), 4_000);
    assert_eq!(
        s.delegation(&alice).delegation.unwrap().operator,
        operator2()
    );
    assert_eq!(s.staked_value(&alice), 3_000);
    // Nothing was paid out: the tokens stay in the contract.
    assert!(s.withdrawals(&alice).withdrawals.is_empty());
}

#[test]
fn a_fault_of_the_old_operator_judged_during_the_delay_still_costs_the_moved_stake() {
    let (mut s, alice) = alice_with_the_first_operator();
    let bob = s.accounts.bob.clone();
    s.delegate(&bob, &operator2(), 2_000).unwrap();
    // A claim drawn a block later, when alice's 3 000 are at the first operator.
    s.advance(6);
    let claim_height = s.app.block_info().height;
    s.advance(60);
    redelegate(&mut s, &alice, &operator2()).unwrap();

    // The old operator is slashed 10% for a claim drawn before alice left.
    s.advance(WITHDRAWAL_DELAY / 2);
    s.slash_at(&operator(), 1_000, 1, Some(claim_height))
        .unwrap();
    assert_rejected(
        settle(&mut s, &alice),
        &ContractError::RedelegationInFlight {
            release_at: s
                .app
                .block_info()
                .time
                .minus_seconds(WITHDRAWAL_DELAY / 2)
                .plus_seconds(WITHDRAWAL_DELAY),
        },
    );
    s.advance(WITHDRAWAL_DELAY);
    let pool_before = s.balance(&community_pool());
    settle(&mut s, &alice).unwrap();

    // Alice loses 10% of what she moved, taken at the new operator; bob there loses nothing.
    assert_eq!(s.staked_value(&alice), 2_700);
    assert_eq!(s.staked_value(&bob), 2_000);
    assert_eq!(s.balance(&community_pool()) - pool_before, 300);
    assert_eq!(stake_next_block(&s, &operator2()), 1_000 + 2_000 + 2_700);
}

#[test]
fn a_slash_after_the_release_costs_the_moved_stake_nothing() {
    let (mut s, alice) = alice_with_the_first_operator();
    redelegate(&mut s, &alice, &operator2()).unwrap();
    s.advance(WITHDRAWAL_DELAY + 1);
    s.slash(&operator(), 1_000, 1).unwrap();
    settle(&mut s, &alice).unwrap();
    assert_eq!(s.staked_value(&alice), 3_000);
}

#[test]
fn moved_stake_stays_bonded_until_settled_and_one_redelegation_is_in_flight_at_a_time() {
    let (mut s, alice) = alice_with_the_first_operator();
    redelegate(&mut s, &alice, &operator2()).unwrap();
    // What she adds at the new operator she may take out; what she moved she may not, yet.
    s.delegate(&alice, &operator2(), 500).unwrap();
    assert_rejected(
        s.undelegate(&alice, FIRST_STRATEGY, 501),
        &ContractError::InsufficientStake {
            requested: Uint128::new(501),
            available: Uint128::new(500),
        },
    );
    s.undelegate(&alice, FIRST_STRATEGY, 500).unwrap();
    let release_at = s.app.block_info().time.plus_seconds(WITHDRAWAL_DELAY);
    assert_rejected(
        redelegate(&mut s, &alice, &operator()),
        &ContractError::RedelegationInFlight { release_at },
    );

    // After the delay an undelegation settles the redelegation first, then takes everything.
    s.advance(WITHDRAWAL_DELAY);
    s.undelegate(&alice, FIRST_STRATEGY, 3_000).unwrap();
    assert_eq!(s.staked_value(&alice), 0);
    assert_rejected(settle(&mut s, &alice), &ContractError::NoRedelegation);
}

#[test]
fn redelegation_is_refused_to_the_same_operator_to_a_non_operator_and_of_a_self_bond() {
    let (mut s, alice) = alice_with_the_first_operator();
    assert_rejected(
        redelegate(&mut s, &alice, &operator()),
        &ContractError::SameOperator,
    );
    let nobody = s.accounts.bob.clone();
    assert_rejected(
        redelegate(&mut s, &alice, &nobody),
        &ContractError::NotOperator {
            address: nobody.to_string(),
        },
    );
    let carol = s.accounts.carol.clone();
    assert_rejected(
        redelegate(&mut s, &carol, &operator2()),
        &ContractError::NoDelegation,
    );
    // An operator serving a service keeps its self-bond where it is.
    assert_rejected(
        redelegate(&mut s, &operator(), &operator2()),
        &ContractError::SelfBondTooLow {
            bonded: Uint128::zero(),
            required: Uint128::new(poi_tests::staking::MIN_SELF_BOND),
        },
    );
    assert_eq!(s.staked_value(&alice), 3_000);
}
