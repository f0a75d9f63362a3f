//! The restaking contract in cw-multi-test: operators, delegators and the slasher, with every
//! balance checked to the unit.

use cosmwasm_std::Uint128;
use poi_staking::ContractError;
use poi_tests::staking::{
    MAX_OPEN_WITHDRAWALS, SERVICE, WITHDRAWAL_DELAY, community_pool, default_config, operator,
    operator2, slasher,
};
use poi_tests::suite::{INITIAL_BALANCE, Suite, SuiteBuilder, assert_rejected};
use poi_types::staking::{ExecuteMsg, FIRST_STRATEGY, OperatorMetadata, QueryMsg, SlashesResponse};

fn suite() -> Suite {
    SuiteBuilder::new().with_staking(default_config()).build()
}

#[test]
fn delegators_share_a_slash_in_proportion_and_withdraw_exactly_what_is_left() {
    let mut s = suite();
    let (alice, bob, op) = (s.accounts.alice.clone(), s.accounts.bob.clone(), operator());
    s.start_operator(&op, 1_000);
    s.delegate(&alice, &op, 6_000).unwrap();
    s.delegate(&bob, &op, 3_000).unwrap();
    s.advance(6);
    let before_slash = s.app.block_info().height;

    s.slash(&op, 1_000, 1).unwrap();
    assert_eq!(
        (
            s.staked_value(&alice),
            s.staked_value(&bob),
            s.staked_value(&op)
        ),
        (5_400, 2_700, 900)
    );
    // The slash moved the operator's factor; anyone then sends the 1 000 where slashes go.
    assert_eq!(s.balance(&community_pool()), 0);
    s.collect_slashed(&op, FIRST_STRATEGY).unwrap();
    assert_eq!(s.balance(&community_pool()), 1_000);
    // The stake before the slash is still what it was at that height.
    assert_eq!(s.operator_stake_at(&op, before_slash), 10_000);
    s.advance(6);
    assert_eq!(s.operator_stake_at(&op, s.app.block_info().height), 9_000);
    assert_eq!(
        s.allocated_stake_at(SERVICE, &op, s.app.block_info().height),
        9_000
    );

    s.stake(
        &alice,
        &ExecuteMsg::Undelegate {
            strategy_id: FIRST_STRATEGY,
            amount: Uint128::new(5_400),
        },
    )
    .unwrap();
    assert_rejected(
        s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: None }),
        &ContractError::NothingToWithdraw,
    );
    s.advance(WITHDRAWAL_DELAY);
    s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: None })
        .unwrap();
    assert_eq!(s.balance(&alice), INITIAL_BALANCE - 6_000 + 5_400);
    assert_eq!(s.staked_value(&alice), 0);
}

#[test]
fn withdrawing_stake_is_slashed_until_its_release_time_and_not_after() {
    let mut s = suite();
    let (alice, bob, op) = (s.accounts.alice.clone(), s.accounts.bob.clone(), operator());
    s.start_operator(&op, 1_000);
    s.delegate(&alice, &op, 2_000).unwrap();
    s.delegate(&bob, &op, 2_000).unwrap();
    s.stake(
        &alice,
        &ExecuteMsg::Undelegate {
            strategy_id: FIRST_STRATEGY,
            amount: Uint128::new(2_000),
        },
    )
    .unwrap();
    s.stake(
        &bob,
        &ExecuteMsg::Undelegate {
            strategy_id: FIRST_STRATEGY,
            amount: Uint128::new(2_000),
        },
    )
    .unwrap();

    // During Alice's and Bob's delay: both withdrawals lose 25%.
    s.advance(WITHDRAWAL_DELAY / 2);
    s.slash(&op, 2_500, 7).unwrap();
    assert_eq!(
        s.withdrawals(&alice).withdrawals[0].payable,
        Uint128::new(1_500)
    );

    // Alice completes on time; Bob waits past his release time and then a second slash comes.
    s.advance(WITHDRAWAL_DELAY / 2 + 1);
    s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: None })
        .unwrap();
    s.advance(60);
    s.slash(&op, 5_000, 8).unwrap();
    s.stake(&bob, &ExecuteMsg::CompleteWithdrawals { limit: None })
        .unwrap();
    assert_eq!(s.balance(&alice), INITIAL_BALANCE - 500);
    assert_eq!(
        s.balance(&bob),
        INITIAL_BALANCE - 500,
        "a slash after release must not touch it"
    );
    // 250 from the bond at the first slash, 500 + 500 forfeited by the withdrawals, 375 at the
    // second: the bond's part of both slashes collected at once.
    s.collect_slashed(&op, FIRST_STRATEGY).unwrap();
    assert_eq!(s.balance(&community_pool()), 250 + 500 + 500 + 375);
}

#[test]
fn a_slash_cuts_the_stake_at_the_claims_snapshot_and_late_stake_pays_only_its_share() {
    let mut s = suite();
    let (alice, op) = (s.accounts.alice.clone(), operator());
    s.start_operator(&op, 1_000);
    s.advance(6);
    let claim_height = s.app.block_info().height;
    // Alice joins after the claim was made: her stake was never at risk for it.
    s.delegate(&alice, &op, 3_000).unwrap();
    s.advance(6);

    s.slash_at(&op, 1_000, 1, Some(claim_height)).unwrap();
    // 10% of the 1 000 at the snapshot is 100, spread over the 4 000 bonded now (2.5% each).
    s.collect_slashed(&op, FIRST_STRATEGY).unwrap();
    assert_eq!(s.balance(&community_pool()), 100);
    assert_eq!((s.staked_value(&op), s.staked_value(&alice)), (975, 2_925));
    let record = &s.slash_history(&op).slashes[0];
    assert_eq!(
        (record.snapshot_height, record.stake_at_snapshot),
        (claim_height, Uint128::new(1_000))
    );
}

#[test]
fn stake_that_left_after_the_snapshot_is_cut_in_its_withdrawal() {
    let mut s = suite();
    let (alice, op) = (s.accounts.alice.clone(), operator());
    s.start_operator(&op, 1_000);
    s.delegate(&alice, &op, 1_000).unwrap();
    s.advance(6);
    let claim_height = s.app.block_info().height;
    s.stake(
        &alice,
        &ExecuteMsg::Undelegate {
            strategy_id: FIRST_STRATEGY,
            amount: Uint128::new(1_000),
        },
    )
    .unwrap();
    s.advance(6);

    s.slash_at(&op, 1_000, 1, Some(claim_height)).unwrap();
    // 10% of the 2 000 at the snapshot: 100 from the bond now, 100 from Alice's withdrawal.
    assert_eq!(s.staked_value(&op), 900);
    assert_eq!(
        s.withdrawals(&alice).withdrawals[0].payable,
        Uint128::new(900)
    );
    s.advance(WITHDRAWAL_DELAY);
    s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: None })
        .unwrap();
    assert_eq!(s.balance(&alice), INITIAL_BALANCE - 100);
    s.collect_slashed(&op, FIRST_STRATEGY).unwrap();
    assert_eq!(s.balance(&community_pool()), 200);
}

#[test]
fn a_slash_for_a_height_not_yet_reached_is_refused() {
    let mut s = suite();
    let op = operator();
    s.start_operator(&op, 1_000);
    let height = s.app.block_info().height;
    assert_rejected(
        s.slash_at(&op, 1_000, 1, Some(height + 1)),
        &ContractError::SnapshotInFuture {
            snapshot_height: height + 1,
            height,
        },
    );
    assert_eq!(s.staked_value(&op), 1_000);
}

#[test]
fn a_full_slash_leaves_a_pool_that_new_stake_can_join_safely() {
    let mut s = suite();
    let (alice, bob, op) = (s.accounts.alice.clone(), s.accounts.bob.clone(), operator());
    s.start_operator(&op, 1_000);
    s.delegate(&alice, &op, 4_000).unwrap();
    s.slash(&op, 10_000, 1).unwrap();
    assert_eq!((s.staked_value(&alice), s.staked_value(&op)), (0, 0));

    s.delegate(&bob, &op, 77).unwrap();
    assert_eq!(s.staked_value(&bob), 77);
    assert_eq!(s.staked_value(&alice), 0, "old shares stay void");
    s.delegate(&alice, &op, 10).unwrap();
    assert_eq!(s.staked_value(&alice), 10);
    // The whole slice was taken, so nothing is at risk until the operator bonds and allocates
    // again.
    assert_rejected(
        s.slash(&op, 5_000, 2),
        &ContractError::NotSlashable {
            operator: op.to_string(),
            service_id: SERVICE,
        },
    );
    s.delegate(&op, &op, 100).unwrap();
    s.allocate(&op, SERVICE, 10_000).unwrap();
    s.slash(&op, 5_000, 2).unwrap();
    assert_eq!((s.staked_value(&bob), s.staked_value(&alice)), (38, 4));
}

#[test]
fn only_the_services_slasher_slashes_within_its_cap_once_per_claim_while_stake_is_at_risk() {
    let mut s = suite();
    let (alice, op) = (s.accounts.alice.clone(), operator());
    let capped = s.register_service(&slasher(), 3_000);
    s.start_operator_for(&op, 1_000, capped, 10_000);
    let slash =
        |s: &mut Suite, bps, claim_id| s.slash_for(&slasher(), capped, &op, bps, claim_id, None);

    assert_rejected(
        s.slash_for(&alice, capped, &op, 100, 1, None),
        &ContractError::NotSlasher { service_id: capped },
    );
    assert_rejected(
        slash(&mut s, 3_001, 1),
        &ContractError::SlashOutOfRange {
            bps: 3_001,
            max: 3_000,
        },
    );
    assert_rejected(
        slash(&mut s, 0, 1),
        &ContractError::SlashOutOfRange { bps: 0, max: 3_000 },
    );
    // Service 1 has nothing of this operator's.
    assert_rejected(
        s.slash(&op, 100, 1),
        &ContractError::NotSlashable {
            operator: op.to_string(),
            service_id: SERVICE,
        },
    );
    slash(&mut s, 100, 1).unwrap();
    assert_rejected(
        slash(&mut s, 100, 1),
        &ContractError::AlreadySlashed {
            operator: op.to_string(),
            service_id: capped,
            claim_id: 1,
        },
    );

    // Deallocating does not end liability until the withdrawal delay has passed.
    s.allocate(&op, capped, 0).unwrap();
    s.advance(WITHDRAWAL_DELAY - 1);
    slash(&mut s, 100, 2).unwrap();
    s.advance(1);
    assert_rejected(
        slash(&mut s, 100, 3),
        &ContractError::NotSlashable {
            operator: op.to_string(),
            service_id: capped,
        },
    );

    let history: SlashesResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            s.staking(),
            &QueryMsg::SlashHistory {
                operator: op.to_string(),
                start_after: None,
                limit: None,
            },
        )
        .unwrap();
    assert_eq!(
        history
            .slashes
            .iter()
            .map(|r| r.claim_id)
            .collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(history.slashes[0].stake_slashed, Uint128::new(10));
}

#[test]
fn open_withdrawals_are_capped_and_complete_in_bounded_batches() {
    let mut s = suite();
    let (alice, op) = (s.accounts.alice.clone(), operator());
    s.start_operator(&op, 1_000);
    s.delegate(&alice, &op, 1_000).unwrap();
    for _ in 0..MAX_OPEN_WITHDRAWALS {
        s.stake(
            &alice,
            &ExecuteMsg::Undelegate {
                strategy_id: FIRST_STRATEGY,
                amount: Uint128::new(10),
            },
        )
        .unwrap();
        s.advance(6);
    }
    assert_rejected(
        s.stake(
            &alice,
            &ExecuteMsg::Undelegate {
                strategy_id: FIRST_STRATEGY,
                amount: Uint128::new(10),
            },
        ),
        &ContractError::TooManyWithdrawals {
            open: MAX_OPEN_WITHDRAWALS,
        },
    );
    s.advance(WITHDRAWAL_DELAY);
    s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: Some(2) })
        .unwrap();
    assert_eq!(s.withdrawals(&alice).withdrawals.len(), 3);
    // Completing frees room, and only then.
    s.stake(
        &alice,
        &ExecuteMsg::Undelegate {
            strategy_id: FIRST_STRATEGY,
            amount: Uint128::new(10),
        },
    )
    .unwrap();
    s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: None })
        .unwrap();
    assert_eq!(s.balance(&alice), INITIAL_BALANCE - 1_000 + 50);
}

#[test]
fn operators_keep_their_self_bond_and_stakers_their_single_operator() {
    let mut s = suite();
    let (alice, op, op2) = (s.accounts.alice.clone(), operator(), operator2());
    let metadata = OperatorMetadata {
        moniker: "two".into(),
        uri: None,
    };
    s.stake(
        &op2,
        &ExecuteMsg::RegisterOperator {
            commission_bps: 0,
            metadata,
        },
    )
    .unwrap();
    assert_rejected(
        s.allocate(&op2, SERVICE, 10_000),
        &ContractError::SelfBondTooLow {
            bonded: Uint128::zero(),
            required: Uint128::new(100),
        },
    );
    s.start_operator(&op, 150);
    assert_rejected(
        s.stake(
            &op,
            &ExecuteMsg::Undelegate {
                strategy_id: FIRST_STRATEGY,
                amount: Uint128::new(51),
            },
        ),
        &ContractError::SelfBondTooLow {
            bonded: Uint128::new(99),
            required: Uint128::new(100),
        },
    );

    s.delegate(&alice, &op, 500).unwrap();
    assert_rejected(
        s.delegate(&alice, &op2, 500),
        &ContractError::DelegatedElsewhere {
            current: op.to_string(),
        },
    );
    // Once everything is withdrawn, Alice may choose another operator.
    s.stake(
        &alice,
        &ExecuteMsg::Undelegate {
            strategy_id: FIRST_STRATEGY,
            amount: Uint128::new(500),
        },
    )
    .unwrap();
    s.delegate(&alice, &op2, 500).unwrap();
    assert_eq!(s.staked_value(&alice), 500);
    assert_eq!(s.balance(&s.staking()), 150 + 500 + 500);
}

/// Every staking message, wrong in the ways we know of: refused with its own typed error, and the
/// contract's records and balances exactly as before.
#[test]
fn every_bad_staking_message_is_refused_and_changes_nothing() {
    use cosmwasm_std::coins;
    use cw_multi_test::Executor;
    use poi_types::staking::{OperatorsResponse, WithdrawalsResponse};

    let mut s = suite();
    let (alice, bob, op, op2) = (
        s.accounts.alice.clone(),
        s.accounts.bob.clone(),
        operator(),
        operator2(),
    );
    s.start_operator(&op, 1_000);
    s.delegate(&alice, &op, 500).unwrap();
    s.slash(&op, 100, 1).unwrap();
    let snapshot = |s: &Suite| {
        let ops: OperatorsResponse = s
            .app
            .wrap()
            .query_wasm_smart(
                s.staking(),
                &QueryMsg::Operators {
                    start_after: None,
                    limit: None,
                },
            )
            .unwrap();
        let w: WithdrawalsResponse = s.withdrawals(&alice);
        format!(
            "{ops:?} {w:?} {} {} {}",
            s.staked_value(&alice),
            s.balance(&alice),
            s.balance(&s.staking())
        )
    };
    let metadata = |moniker: &str| OperatorMetadata {
        moniker: moniker.into(),
        uri: None,
    };
    use ContractError as E;
    let cases: Vec<(
        &str,
        cosmwasm_std::Addr,
        ExecuteMsg,
        Vec<cosmwasm_std::Coin>,
        E,
    )> = vec![
        (
            "commission over 100%",
            op2.clone(),
            ExecuteMsg::RegisterOperator {
                commission_bps: 10_001,
                metadata: metadata("x"),
            },
            vec![],
            E::InvalidField {
                field: "commission_bps",
                reason: "at most 10000".into(),
            },
        ),
        (
            "empty moniker",
            op2.clone(),
            ExecuteMsg::RegisterOperator {
                commission_bps: 0,
                metadata: metadata(""),
            },
            vec![],
            E::InvalidField {
                field: "metadata.moniker",
                reason: "must be 1 to 64 bytes".into(),
            },
        ),
        (
            "registered twice",
            op.clone(),
            ExecuteMsg::RegisterOperator {
                commission_bps: 0,
                metadata: metadata("x"),
            },
            vec![],
            E::AlreadyOperator {
                address: op.to_string(),
            },
        ),
        (
            "update by non-operator",
            bob.clone(),
            ExecuteMsg::UpdateOperator {
                commission_bps: Some(1),
                metadata: None,
            },
            vec![],
            E::NotOperator {
                address: bob.to_string(),
            },
        ),
        (
            "allocate what is already allocated",
            op.clone(),
            ExecuteMsg::SetAllocation {
                service_id: SERVICE,
                bps: 10_000,
            },
            vec![],
            E::AllocationUnchanged {
                service_id: SERVICE,
            },
        ),
        (
            "allocate as a non-operator",
            bob.clone(),
            ExecuteMsg::SetAllocation {
                service_id: SERVICE,
                bps: 1,
            },
            vec![],
            E::NotOperator {
                address: bob.to_string(),
            },
        ),
        (
            "allocate to a service that does not exist",
            op.clone(),
            ExecuteMsg::SetAllocation {
                service_id: 99,
                bps: 1,
            },
            vec![],
            E::NoSuchService { id: 99 },
        ),
        (
            "allocate more than the whole stake",
            op.clone(),
            ExecuteMsg::SetAllocation {
                service_id: SERVICE,
                bps: 10_001,
            },
            vec![],
            E::InvalidField {
                field: "bps",
                reason: "at most 10000".into(),
            },
        ),
        (
            "apply when nothing is due",
            bob.clone(),
            ExecuteMsg::ApplyAllocations {
                operator: op.to_string(),
            },
            vec![],
            E::NothingToApply,
        ),
        (
            "register a service as a stranger",
            alice.clone(),
            ExecuteMsg::RegisterService {
                name: "mine".into(),
                uri: None,
                slasher: alice.to_string(),
                max_slash_bps: 10_000,
            },
            vec![],
            E::Admin(cw_controllers::AdminError::NotAdmin {}),
        ),
        (
            "name a new slasher as a stranger",
            alice.clone(),
            ExecuteMsg::UpdateService {
                service_id: SERVICE,
                name: None,
                uri: None,
                slasher: Some(alice.to_string()),
            },
            vec![],
            E::Admin(cw_controllers::AdminError::NotAdmin {}),
        ),
        (
            "take over the admin as a stranger",
            alice.clone(),
            ExecuteMsg::UpdateAdmin {
                admin: Some(alice.to_string()),
            },
            vec![],
            E::Admin(cw_controllers::AdminError::NotAdmin {}),
        ),
        (
            "delegate nothing",
            bob.clone(),
            ExecuteMsg::Delegate {
                operator: op.to_string(),
            },
            vec![],
            E::Payment(cw_utils::PaymentError::NoFunds {}),
        ),
        (
            "delegate to a non-operator",
            bob.clone(),
            ExecuteMsg::Delegate {
                operator: alice.to_string(),
            },
            coins(5, "stake"),
            E::NotOperator {
                address: alice.to_string(),
            },
        ),
        (
            "undelegate without stake",
            bob.clone(),
            ExecuteMsg::Undelegate {
                strategy_id: FIRST_STRATEGY,
                amount: Uint128::new(1),
            },
            vec![],
            E::NoDelegation,
        ),
        (
            "undelegate too much",
            alice.clone(),
            ExecuteMsg::Undelegate {
                strategy_id: FIRST_STRATEGY,
                amount: Uint128::new(496),
            },
            vec![],
            E::InsufficientStake {
                requested: Uint128::new(496),
                available: Uint128::new(495),
            },
        ),
        (
            "undelegate zero",
            alice.clone(),
            ExecuteMsg::Undelegate {
                strategy_id: FIRST_STRATEGY,
                amount: Uint128::zero(),
            },
            vec![],
            E::InsufficientStake {
                requested: Uint128::zero(),
                available: Uint128::new(495),
            },
        ),
        (
            "complete with nothing released",
            alice.clone(),
            ExecuteMsg::CompleteWithdrawals { limit: None },
            vec![],
            E::NothingToWithdraw,
        ),
        (
            "funds with a message that takes none",
            alice.clone(),
            ExecuteMsg::CompleteWithdrawals { limit: None },
            coins(5, "stake"),
            E::Payment(cw_utils::PaymentError::NonPayable {}),
        ),
        (
            "slash by a stranger",
            alice.clone(),
            ExecuteMsg::Slash {
                service_id: SERVICE,
                operator: op.to_string(),
                bps: 1,
                claim_id: 9,
                reason: String::new(),
                snapshot_height: None,
            },
            vec![],
            E::NotSlasher {
                service_id: SERVICE,
            },
        ),
        (
            "slash a claim twice",
            poi_tests::staking::slasher(),
            ExecuteMsg::Slash {
                service_id: SERVICE,
                operator: op.to_string(),
                bps: 1,
                claim_id: 1,
                reason: String::new(),
                snapshot_height: None,
            },
            vec![],
            E::AlreadySlashed {
                operator: op.to_string(),
                service_id: SERVICE,
                claim_id: 1,
            },
        ),
        (
            "slash a non-operator",
            poi_tests::staking::slasher(),
            ExecuteMsg::Slash {
                service_id: SERVICE,
                operator: bob.to_string(),
                bps: 1,
                claim_id: 2,
                reason: String::new(),
                snapshot_height: None,
            },
            vec![],
            E::NotOperator {
                address: bob.to_string(),
            },
        ),
        (
            "slash with a huge reason",
            poi_tests::staking::slasher(),
            ExecuteMsg::Slash {
                service_id: SERVICE,
                operator: op.to_string(),
                bps: 1,
                claim_id: 3,
                reason: "x".repeat(257),
                snapshot_height: None,
            },
            vec![],
            E::InvalidField {
                field: "reason",
                reason: "at most 256 bytes".into(),
            },
        ),
        (
            "slash for a service that does not exist",
            poi_tests::staking::slasher(),
            ExecuteMsg::Slash {
                service_id: 99,
                operator: op.to_string(),
                bps: 1,
                claim_id: 4,
                reason: String::new(),
                snapshot_height: None,
            },
            vec![],
            E::NoSuchService { id: 99 },
        ),
        (
            "rewards without funds",
            alice.clone(),
            ExecuteMsg::DistributeRewards {
                operator: op.to_string(),
            },
            vec![],
            E::Payment(cw_utils::PaymentError::NoFunds {}),
        ),
        (
            "rewards to a non-operator",
            alice.clone(),
            ExecuteMsg::DistributeRewards {
                operator: bob.to_string(),
            },
            coins(5, "stake"),
            E::NotOperator {
                address: bob.to_string(),
            },
        ),
        (
            "claim with nothing earned",
            bob.clone(),
            ExecuteMsg::ClaimRewards {},
            vec![],
            E::NothingToClaim,
        ),
    ];
    for (name, sender, msg, funds, expected) in cases {
        let before = snapshot(&s);
        let staking = s.staking();
        let err = s
            .app
            .execute_contract(sender, staking, &msg, &funds)
            .expect_err(name)
            .to_string();
        assert!(
            err.contains(&expected.to_string()),
            "{name}: expected {expected:?}, got {err}"
        );
        assert_eq!(snapshot(&s), before, "{name}: state changed");
    }
}

fn pending(s: &Suite, who: &cosmwasm_std::Addr) -> u128 {
    let resp: poi_types::staking::RewardsResponse = s
        .app
        .wrap()
        .query_wasm_smart(
            s.staking(),
            &QueryMsg::PendingRewards {
                address: who.to_string(),
            },
        )
        .unwrap();
    resp.rewards.u128()
}

fn distribute(s: &mut Suite, from: &cosmwasm_std::Addr, to: &cosmwasm_std::Addr, amount: u128) {
    use cw_multi_test::Executor;
    let msg = ExecuteMsg::DistributeRewards {
        operator: to.to_string(),
    };
    let staking = s.staking();
    s.app
        .execute_contract(
            from.clone(),
            staking,
            &msg,
            &cosmwasm_std::coins(amount, "stake"),
        )
        .unwrap();
}

#[test]
fn rewards_pay_commission_first_then_every_share_alike_and_survive_slashes() {
    let mut s = suite();
    let (admin, alice, op, op2) = (
        s.accounts.admin.clone(),
        s.accounts.alice.clone(),
        operator(),
        operator2(),
    );
    s.start_operator(&op, 1_000); // 5% commission
    s.delegate(&alice, &op, 3_000).unwrap();

    // To one operator: 50 commission, then 950 over 4000 bonded.
    distribute(&mut s, &admin, &op, 1_000);
    assert_eq!((pending(&s, &alice), pending(&s, &op)), (712, 50 + 237));

    // Another operator's rewards are its own: op's 400 pays 20 commission, 380 over 4000 bonded.
    s.start_operator(&op2, 1_000);
    distribute(&mut s, &admin, &op2, 100);
    distribute(&mut s, &admin, &op, 400);
    assert_eq!(pending(&s, &alice), 712 + 285);
    assert_eq!(pending(&s, &op), 287 + 20 + 95);
    assert_eq!(pending(&s, &op2), 100);

    // A slash takes stake, not rewards already earned; a full one ends the old shares' earnings.
    s.slash(&op, 10_000, 1).unwrap();
    assert_eq!(pending(&s, &alice), 997);
    s.delegate(&s.accounts.bob.clone(), &op, 1_000).unwrap();
    distribute(&mut s, &admin, &op, 100);
    assert_eq!(pending(&s, &alice), 997);

    let before = s.balance(&alice);
    s.stake(&alice, &ExecuteMsg::ClaimRewards {}).unwrap();
    assert_eq!(s.balance(&alice), before + 997);
    assert_rejected(
        s.stake(&alice, &ExecuteMsg::ClaimRewards {}),
        &ContractError::NothingToClaim,
    );
    assert_eq!(pending(&s, &alice), 0);
}
