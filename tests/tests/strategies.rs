//! Several assets as stake: the bond denom, an IBC liquid-staking denom and a cw20 token, each
//! with its own weight and cap, adding up to one stake per operator that services draw, weigh and
//! slash.

use cosmwasm_std::{Addr, Decimal, Uint128, coins};
use cw_multi_test::{Executor, IntoBech32};
use poi_staking::ContractError;
use poi_tests::staking::{SERVICE, WITHDRAWAL_DELAY, community_pool, default_config, operator};
use poi_tests::suite::{DENOM, LIQUID_STAKING_DENOM, Suite, SuiteBuilder, assert_rejected};
use poi_types::cw20::Cw20ReceiveMsg;
use poi_types::staking::{Asset, ExecuteMsg, FIRST_STRATEGY, MAX_STRATEGIES, ReceiveMsg, Strategy};

struct World {
    s: Suite,
    bond: Strategy,
    /// Weighs 1.5 per token, no cap.
    liquid: Strategy,
    /// Weighs 0.5 per token, at most 10 000 bonded.
    token: Strategy,
}

fn three_strategies() -> World {
    let mut s = SuiteBuilder::new().with_staking(default_config()).build();
    let token = s.deploy_token();
    let bond = s.strategies()[0].clone();
    let liquid = s.add_strategy(
        Asset::Native {
            denom: LIQUID_STAKING_DENOM.into(),
        },
        Decimal::percent(150),
        None,
    );
    let token = s.add_strategy(
        Asset::Cw20 {
            address: token.to_string(),
        },
        Decimal::percent(50),
        Some(10_000),
    );
    World {
        s,
        bond,
        liquid,
        token,
    }
}

/// The three strategies, an operator with 1 000 of the bond denom self-bonded, and alice
/// delegating 2 000 of the liquid-staking denom and 4 000 of the token to it: the suite, the
/// liquid-staking and token strategies, and alice.
fn alice_bonded_in_every_asset() -> (Suite, Strategy, Strategy, Addr) {
    let World {
        mut s,
        liquid,
        token,
        ..
    } = three_strategies();
    s.start_operator(&operator(), 1_000);
    let alice = s.accounts.alice.clone();
    s.delegate_in(&alice, &operator(), &liquid, 2_000).unwrap();
    s.delegate_in(&alice, &operator(), &token, 4_000).unwrap();
    (s, liquid, token, alice)
}

fn bonded(s: &Suite, operator: &Addr) -> Vec<(u16, u128)> {
    s.pool_tokens(operator).into_iter().collect()
}

#[test]
fn the_bond_denom_is_strategy_one_and_weighs_one() {
    let w = three_strategies();
    assert_eq!(w.bond.id, FIRST_STRATEGY);
    assert_eq!(
        w.bond.asset,
        Asset::Native {
            denom: DENOM.into()
        }
    );
    assert_eq!(w.bond.weight, Decimal::one());
    assert_eq!((w.liquid.id, w.token.id), (2, 3));
}

#[test]
fn an_operator_s_stake_is_the_weighted_sum_of_what_is_bonded_in_each_asset() {
    let (mut s, liquid, token, alice) = alice_bonded_in_every_asset();

    // 1 000 × 1 + 2 000 × 1.5 + 4 000 × 0.5
    assert_eq!(
        bonded(&s, &operator()),
        vec![(1, 1_000), (liquid.id, 2_000), (token.id, 4_000)]
    );
    let height = s.app.block_info().height;
    s.advance(6);
    assert_eq!(s.operator_stake_at(&operator(), height + 1), 6_000);
    // The service's slice (all of it) is weighted the same way: committees draw by it.
    assert_eq!(
        s.allocated_stake_at(SERVICE, &operator(), height + 1),
        6_000
    );
    assert_eq!(s.staked_in(&alice, liquid.id), 2_000);
    assert_eq!(s.staked_in(&alice, token.id), 4_000);
    assert_eq!(s.staked_value(&alice), 5_000);
    // The tokens moved into the staking contract.
    assert_eq!(s.balance_of(&s.staking(), &token.asset), 4_000);
}

#[test]
fn a_slash_cuts_every_asset_by_the_same_fraction_and_anyone_sends_each_where_slashes_go() {
    let (mut s, liquid, token, alice) = alice_bonded_in_every_asset();
    let sink_before = s.balance_of(&community_pool(), &token.asset);

    s.slash(&operator(), 1_000, 1).unwrap();

    // At once: every pool is worth 10% less, and so is the stake (1 000 + 3 000 + 2 000).
    assert_eq!(
        bonded(&s, &operator()),
        vec![(1, 900), (liquid.id, 1_800), (token.id, 3_600)]
    );
    let record = s.slash_history(&operator()).slashes.pop().unwrap();
    assert_eq!(record.stake_slashed, Uint128::new(600));
    assert_eq!(s.staked_in(&alice, token.id), 3_600);
    // The slash touched no pool: the contract holds the slashed tokens until they are collected.
    assert_eq!(
        s.slashed_uncollected(&operator())
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(1, 100), (liquid.id, 200), (token.id, 400)]
    );
    assert_eq!(s.balance_of(&community_pool(), &liquid.asset), 0);

    for id in [FIRST_STRATEGY, liquid.id, token.id] {
        s.collect_slashed(&operator(), id).unwrap();
    }
    // Bank coins by the bank, cw20 tokens by a transfer on the token contract.
    assert_eq!(s.balance_of(&community_pool(), &liquid.asset), 200);
    assert_eq!(
        s.balance_of(&community_pool(), &token.asset),
        sink_before + 400
    );
    assert_eq!(s.strategies()[2].bonded, Uint128::new(3_600));
    // Collected once: a second collection has nothing to send.
    assert_rejected(
        s.collect_slashed(&operator(), token.id),
        &ContractError::NothingSlashed {
            operator: operator().to_string(),
            strategy_id: token.id,
        },
    );
}

#[test]
fn a_pool_s_next_bond_sends_what_slashes_took_of_it() {
    let (mut s, liquid, _token, alice) = alice_bonded_in_every_asset();
    s.slash(&operator(), 1_000, 1).unwrap();
    s.slash(&operator(), 1_000, 2).unwrap();

    // Both slashes are taken together when alice next bonds in the liquid-staking denom:
    // 2 000 × 0.9 × 0.9 = 1 620 is left, and 380 goes where slashes go.
    s.delegate_in(&alice, &operator(), &liquid, 1_000).unwrap();
    assert_eq!(s.balance_of(&community_pool(), &liquid.asset), 380);
    assert_eq!(s.staked_in(&alice, liquid.id), 2_620);
    assert_eq!(s.slashed_uncollected(&operator())[&liquid.id], 0);
    assert_eq!(s.strategies()[1].bonded, Uint128::new(2_620));
}

#[test]
fn a_cw20_withdrawal_waits_the_delay_stays_slashable_and_pays_in_the_token() {
    let World { mut s, token, .. } = three_strategies();
    s.start_operator(&operator(), 1_000);
    let alice = s.accounts.alice.clone();
    let start = s.balance_of(&alice, &token.asset);
    s.delegate_in(&alice, &operator(), &token, 4_000).unwrap();
    s.undelegate(&alice, token.id, 4_000).unwrap();
    assert_eq!(s.strategies()[2].bonded, Uint128::zero());

    // A fault before release reaches the queued tokens too.
    s.advance(WITHDRAWAL_DELAY / 2);
    s.slash(&operator(), 2_500, 1).unwrap();
    s.advance(WITHDRAWAL_DELAY);
    s.stake(&alice, &ExecuteMsg::CompleteWithdrawals { limit: None })
        .unwrap();
    assert_eq!(s.balance_of(&alice, &token.asset), start - 1_000);
    // What the slash kept back of the withdrawal went where slashes go, in the token.
    assert_eq!(s.balance_of(&s.staking(), &token.asset), 0);
}

#[test]
fn a_strategy_s_cap_refuses_bonds_beyond_it_until_raised_and_zero_closes_it() {
    let World {
        mut s,
        token,
        liquid,
        ..
    } = three_strategies();
    s.start_operator(&operator(), 1_000);
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());
    s.delegate_in(&alice, &operator(), &token, 9_000).unwrap();
    assert_rejected(
        s.delegate_in(&bob, &operator(), &token, 1_001),
        &ContractError::StrategyCapReached {
            strategy_id: token.id,
            cap: Uint128::new(10_000),
            bonded: Uint128::new(9_000),
        },
    );
    // A refused send leaves the tokens with their holder.
    assert_eq!(s.balance_of(&s.staking(), &token.asset), 9_000);
    s.delegate_in(&bob, &operator(), &token, 1_000).unwrap();

    let admin = s.accounts.admin.clone();
    let close = ExecuteMsg::SetStrategyCap {
        strategy_id: liquid.id,
        cap: Some(Uint128::zero()),
    };
    assert_rejected(
        s.stake(&alice, &close),
        &cw_controllers::AdminError::NotAdmin {},
    );
    s.stake(&admin, &close).unwrap();
    assert_rejected(
        s.delegate_in(&alice, &operator(), &liquid, 1),
        &ContractError::StrategyCapReached {
            strategy_id: liquid.id,
            cap: Uint128::zero(),
            bonded: Uint128::zero(),
        },
    );
}

#[test]
fn rewards_are_shared_between_the_assets_by_weighted_stake() {
    let World {
        mut s,
        liquid,
        token,
        ..
    } = three_strategies();
    // No commission, so every reward reaches the pools.
    s.stake(
        &operator(),
        &ExecuteMsg::RegisterOperator {
            commission_bps: 0,
            metadata: poi_types::staking::OperatorMetadata {
                moniker: "zero commission".into(),
                uri: None,
            },
        },
    )
    .unwrap();
    let (alice, bob) = (s.accounts.alice.clone(), s.accounts.bob.clone());
    // Weighted: alice 1 000 × 1.5 = 1 500, bob 2 000 × 0.5 = 1 000.
    s.delegate_in(&alice, &operator(), &liquid, 1_000).unwrap();
    s.delegate_in(&bob, &operator(), &token, 2_000).unwrap();
    let admin = s.accounts.admin.clone();
    let pay = ExecuteMsg::DistributeRewards {
        operator: operator().to_string(),
    };
    let staking = s.staking();
    s.app
        .execute_contract(admin, staking, &pay, &coins(1_000, DENOM))
        .unwrap();

    let before = (s.balance(&alice), s.balance(&bob));
    for who in [&alice, &bob] {
        s.stake(who, &ExecuteMsg::ClaimRewards {}).unwrap();
    }
    assert_eq!(s.balance(&alice) - before.0, 600);
    assert_eq!(s.balance(&bob) - before.1, 400);
}

#[test]
fn only_a_strategy_s_own_token_contract_can_bond_through_receive() {
    let World { mut s, .. } = three_strategies();
    s.start_operator(&operator(), 1_000);
    // Anyone can call `receive` claiming a send; only the token's own calls bond anything.
    let forged = ExecuteMsg::Receive(Cw20ReceiveMsg {
        sender: s.accounts.alice.to_string(),
        amount: Uint128::new(1_000_000),
        msg: cosmwasm_std::to_json_binary(&ReceiveMsg::Delegate {
            operator: operator().to_string(),
        })
        .unwrap(),
    });
    let mallory: Addr = "mallory".into_bech32();
    assert_rejected(
        s.stake(&mallory, &forged),
        &ContractError::NotAStrategy {
            asset: Asset::Cw20 {
                address: mallory.to_string(),
            },
        },
    );
    // A token nobody accepted is refused the same way, and keeps its tokens.
    let stranger = s.deploy_token();
    let strange = Strategy {
        id: 0,
        asset: Asset::Cw20 {
            address: stranger.to_string(),
        },
        weight: Decimal::one(),
        cap: None,
        bonded: Uint128::zero(),
    };
    let alice = s.accounts.alice.clone();
    assert_rejected(
        s.delegate_in(&alice, &operator(), &strange, 10),
        &ContractError::NotAStrategy {
            asset: strange.asset.clone(),
        },
    );
    assert_eq!(s.balance_of(&s.staking(), &strange.asset), 0);
}

#[test]
fn coins_of_a_denom_that_is_not_a_strategy_are_refused() {
    // Only the bond denom is accepted here.
    let mut s = SuiteBuilder::new().with_staking(default_config()).build();
    s.start_operator(&operator(), 1_000);
    let alice = s.accounts.alice.clone();
    let staking = s.staking();
    let delegate = ExecuteMsg::Delegate {
        operator: operator().to_string(),
    };
    assert_rejected(
        s.app.execute_contract(
            alice.clone(),
            staking.clone(),
            &delegate,
            &coins(10, LIQUID_STAKING_DENOM),
        ),
        &ContractError::NotAStrategy {
            asset: Asset::Native {
                denom: LIQUID_STAKING_DENOM.into(),
            },
        },
    );
    // Two coins at once are refused before either is looked at.
    let two = vec![
        cosmwasm_std::Coin::new(10u128, DENOM),
        cosmwasm_std::Coin::new(10u128, LIQUID_STAKING_DENOM),
    ];
    assert!(
        s.app
            .execute_contract(alice.clone(), staking, &delegate, &two)
            .is_err()
    );
    assert_eq!(s.staked_value(&alice), 0);
}

#[test]
fn the_admin_alone_adds_strategies_each_asset_once_and_at_most_sixteen() {
    let World { mut s, liquid, .. } = three_strategies();
    let alice = s.accounts.alice.clone();
    let add = |denom: &str| ExecuteMsg::AddStrategy {
        asset: Asset::Native {
            denom: denom.into(),
        },
        weight: Decimal::one(),
        cap: None,
    };
    assert_rejected(
        s.stake(&alice, &add("uosmo")),
        &cw_controllers::AdminError::NotAdmin {},
    );
    let admin = s.accounts.admin.clone();
    assert_rejected(
        s.stake(&admin, &add(LIQUID_STAKING_DENOM)),
        &ContractError::StrategyExists {
            asset: liquid.asset,
        },
    );
    let weightless = ExecuteMsg::AddStrategy {
        asset: Asset::Native {
            denom: "uosmo".into(),
        },
        weight: Decimal::zero(),
        cap: None,
    };
    assert!(s.stake(&admin, &weightless).is_err());
    for i in 4..=MAX_STRATEGIES {
        s.stake(&admin, &add(&format!("denom{i}"))).unwrap();
    }
    assert_rejected(
        s.stake(&admin, &add("onemore")),
        &ContractError::TooManyStrategies {
            max: MAX_STRATEGIES,
        },
    );
}

#[test]
fn a_staker_bonds_several_assets_to_one_operator_only() {
    let World {
        mut s,
        liquid,
        token,
        ..
    } = three_strategies();
    s.start_operator(&operator(), 1_000);
    let other: Addr = poi_tests::staking::operator2();
    s.start_operator(&other, 1_000);
    let alice = s.accounts.alice.clone();
    s.delegate_in(&alice, &operator(), &liquid, 100).unwrap();
    assert_rejected(
        s.delegate_in(&alice, &other, &token, 100),
        &ContractError::DelegatedElsewhere {
            current: operator().to_string(),
        },
    );
    // Once everything is undelegated, the staker may bond elsewhere.
    s.undelegate(&alice, liquid.id, 100).unwrap();
    s.delegate_in(&alice, &other, &token, 100).unwrap();
    assert_eq!(s.staked_in(&alice, token.id), 100);
}
