//! The restaking contract as a state machine: random sequences of deposits, undelegations,
//! withdrawals, slashes and the passing of time, with the contract's invariants checked after every
//! step.

use std::collections::BTreeMap;

use cosmwasm_std::coins;
use cosmwasm_std::{Addr, Decimal256, Uint128, Uint256};
use cw_multi_test::Executor;
use poi_tests::staking::{WITHDRAWAL_DELAY, default_config, operator, operator2};
use poi_tests::suite::{INITIAL_BALANCE, Suite, SuiteBuilder};
use poi_types::staking::{
    DelegationResponse, ExecuteMsg, OperatorsResponse, QueryMsg, RewardsResponse,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Delegate {
        staker: usize,
        operator: usize,
        amount: u128,
    },
    Undelegate {
        staker: usize,
        percent: u128,
    },
    Complete {
        staker: usize,
        limit: u32,
    },
    /// `back` picks one of the heights the test has passed through as the claim's snapshot
    /// (counted from the latest); `None` slashes the stake bonded now.
    Slash {
        operator: usize,
        bps: u16,
        back: Option<usize>,
    },
    Advance {
        seconds: u64,
    },
    Reward {
        operator: usize,
        amount: u128,
    },
    /// Stakers 0-2, then the two operators.
    Claim {
        account: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, 0..2usize, 1..5_000u128).prop_map(|(staker, operator, amount)| Step::Delegate { staker, operator, amount }),
        2 => (0..3usize, 1..=100u128).prop_map(|(staker, percent)| Step::Undelegate { staker, percent }),
        2 => (0..3usize, 1..4u32).prop_map(|(staker, limit)| Step::Complete { staker, limit }),
        2 => (0..2usize, prop_oneof![1..3_000u16, Just(10_000u16)], prop::option::of(0..4usize))
            .prop_map(|(operator, bps, back)| Step::Slash { operator, bps, back }),
        2 => (1..WITHDRAWAL_DELAY * 3 / 2).prop_map(|seconds| Step::Advance { seconds }),
        2 => (0..2usize, 1..5_000u128)
            .prop_map(|(operator, amount)| Step::Reward { operator, amount }),
        1 => (0..5usize).prop_map(|account| Step::Claim { account }),
    ]
}

/// Everything the invariants look at.
#[derive(Debug, Clone, PartialEq)]
struct View {
    pool_tokens: BTreeMap<Addr, u128>,
    /// (staker, withdrawal id) -> (operator, amount, payable, released)
    withdrawals: BTreeMap<(Addr, u64), (Addr, u128, u128, bool)>,
    values: BTreeMap<Addr, u128>,
    /// The operator each account delegates to, if any.
    delegated_to: BTreeMap<Addr, Option<Addr>>,
    balances: BTreeMap<Addr, u128>,
    /// Rewards each address could claim now.
    rewards: BTreeMap<Addr, u128>,
    contract_balance: u128,
}

fn view(s: &Suite, stakers: &[Addr]) -> View {
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
    let mut withdrawals = BTreeMap::new();
    for staker in stakers {
        for w in s.withdrawals(staker).withdrawals {
            let id = w.withdrawal.id;
            withdrawals.insert(
                (staker.clone(), id),
                (
                    w.withdrawal.operator,
                    w.withdrawal.amount.u128(),
                    w.payable.u128(),
                    w.released,
                ),
            );
        }
    }
    View {
        pool_tokens: ops
            .operators
            .into_iter()
            .map(|o| (o.address, o.pool.tokens.u128()))
            .collect(),
        withdrawals,
        values: stakers
            .iter()
            .map(|a| (a.clone(), s.staked_value(a)))
            .collect(),
        delegated_to: stakers
            .iter()
            .map(|a| {
                let msg = QueryMsg::Delegation {
                    staker: a.to_string(),
                };
                let d: DelegationResponse =
                    s.app.wrap().query_wasm_smart(s.staking(), &msg).unwrap();
                (a.clone(), d.delegation.map(|d| d.operator))
            })
            .collect(),
        balances: stakers.iter().map(|a| (a.clone(), s.balance(a))).collect(),
        rewards: stakers.iter().map(|a| (a.clone(), pending(s, a))).collect(),
        contract_balance: s.balance(&s.staking()),
    }
}

fn pending(s: &Suite, who: &Addr) -> u128 {
    let msg = QueryMsg::PendingRewards {
        address: who.to_string(),
    };
    let resp: RewardsResponse = s.app.wrap().query_wasm_smart(s.staking(), &msg).unwrap();
    resp.rewards.u128()
}

/// Invariant 2: what an account holds (bonded, queued, claimable and paid out) never exceeds what
/// it put in, minus what slashes took from it, plus the rewards credited to it. `adjust` is minus
/// the slashes plus the rewards, plus one unit of rounding per position slashed.
fn check_entitlements(v: &View, adjust: &BTreeMap<Addr, i128>) -> Result<(), TestCaseError> {
    for (account, balance) in &v.balances {
        let queued: u128 = v
            .withdrawals
            .iter()
            .filter(|((s, _), _)| s == account)
            .map(|(_, w)| w.2)
            .sum();
        let held = (balance + v.values[account] + queued + v.rewards[account]) as i128;
        prop_assert!(
            held <= INITIAL_BALANCE as i128 + adjust[account],
            "{} holds {}, more than it put in, less slashes, plus rewards",
            account,
            held
        );
    }
    Ok(())
}

fn check_always(v: &View, rewarded: u128) -> Result<(), TestCaseError> {
    // 1. Solvency: bonded tokens, queued withdrawals and unclaimed rewards are all backed by the
    //    contract's balance; rounding leaves dust in the contract, never a shortfall.
    let bonded: u128 = v.pool_tokens.values().sum();
    let queued: u128 = v.withdrawals.values().map(|w| w.1).sum();
    let unclaimed: u128 = v.rewards.values().sum();
    prop_assert!(bonded + queued + unclaimed <= v.contract_balance);
    prop_assert!(v.contract_balance <= bonded + queued + unclaimed + rewarded);
    // 2. Nobody gets out more than it put in plus the rewards paid in: what an account holds,
    //    has queued, can claim and has been paid stays within its start plus all rewards.
    for (staker, balance) in &v.balances {
        let queued: u128 = v
            .withdrawals
            .iter()
            .filter(|((s, _), _)| s == staker)
            .map(|(_, w)| w.2)
            .sum();
        prop_assert!(
            balance + v.values[staker] + queued + v.rewards[staker] <= INITIAL_BALANCE + rewarded,
            "{staker} got out more than it put in"
        );
    }
    for w in v.withdrawals.values() {
        prop_assert!(w.2 <= w.1);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(steps in prop::collection::vec(step(), 1..40)) {
        let mut s = SuiteBuilder::new().with_staking(default_config()).build();
        let operators = [operator(), operator2()];
        for op in &operators {
            s.start_operator(op, 200);
        }
        let stakers = [s.accounts.alice.clone(), s.accounts.bob.clone(), s.accounts.carol.clone()];
        let mut everyone: Vec<Addr> = stakers.to_vec();
        everyone.extend(operators.iter().cloned());
        let mut claim = 0u64;
        let mut rewarded = 0u128;
        let mut adjust: BTreeMap<Addr, i128> = everyone.iter().map(|a| (a.clone(), 0)).collect();
        let admin = s.accounts.admin.clone();
        // 5. Stake recorded for past heights: (operator, height) -> stake.
        let mut history: BTreeMap<(Addr, u64), u128> = BTreeMap::new();
        let mut heights = vec![s.app.block_info().height];

        for step in steps {
            let before = view(&s, &everyone);
            match step.clone() {
                Step::Delegate { staker, operator, amount } => {
                    let _ = s.delegate(&stakers[staker], &operators[operator], amount);
                }
                Step::Undelegate { staker, percent } => {
                    let value = before.values[&stakers[staker]];
                    let amount = value * percent / 100;
                    let _ = s.stake(&stakers[staker], &ExecuteMsg::Undelegate { amount: Uint128::new(amount) });
                }
                Step::Complete { staker, limit } => {
                    let _ = s.stake(&stakers[staker], &ExecuteMsg::CompleteWithdrawals { limit: Some(limit) });
                }
                Step::Slash { operator, bps, back } => {
                    claim += 1;
                    let target = operators[operator].clone();
                    let snapshot = back.map(|b| heights[heights.len() - 1 - b % heights.len()]);
                    let result = s.slash_at(&target, bps, claim, snapshot);
                    let after = view(&s, &everyone);
                    if result.is_ok() {
                        let record = s.slash_history(&target).slashes.last().cloned().unwrap();
                        prop_assert_eq!(record.claim_id, claim);
                        let fraction = record.fraction;
                        prop_assert!(fraction <= Decimal256::bps(u64::from(bps)));
                        // What each account had at risk with this operator loses its bps.
                        for account in &everyone {
                            let mut at_risk = Vec::new();
                            if before.delegated_to[account].as_ref() == Some(&target) {
                                at_risk.push(before.values[account]);
                            }
                            for ((who, _), w) in &before.withdrawals {
                                if who == account && w.0 == target && !w.3 {
                                    at_risk.push(w.2);
                                }
                            }
                            for stake in at_risk {
                                let cut = Uint256::from(stake).mul_floor(fraction).to_string().parse::<i128>().unwrap();
                                *adjust.get_mut(account).unwrap() -= cut - 1;
                            }
                        }
                        // 3. A slash takes at most its bps of the target's bonded stake, and of
                        // its stake at the snapshot...
                        let (was, is) = (before.pool_tokens[&target], after.pool_tokens[&target]);
                        let at_snapshot = snapshot.map_or(was, |h| s.operator_stake_at(&target, h));
                        prop_assert_eq!(record.stake_at_snapshot.u128(), at_snapshot);
                        prop_assert!(was - is <= (was.min(at_snapshot) * u128::from(bps)).div_ceil(10_000));
                        // ...and touches no other operator, nor their queued withdrawals.
                        for op in operators.iter().filter(|o| **o != target) {
                            prop_assert_eq!(before.pool_tokens[op], after.pool_tokens[op]);
                        }
                        for (key, w) in &before.withdrawals {
                            let now = &after.withdrawals[key];
                            if w.0 != target || w.3 {
                                // 4. ...nor withdrawals already released.
                                prop_assert_eq!(w.2, now.2, "withdrawal {:?} changed", key);
                            } else {
                                // 4. Withdrawals still waiting are slashed too, by the same fraction.
                                let kept: u128 = Uint256::from(w.2).mul_floor(Decimal256::one() - fraction).to_string().parse().unwrap();
                                prop_assert!(now.2 >= kept.saturating_sub(1));
                            }
                        }
                    }
                }
                Step::Reward { operator, amount } => {
                    let msg = ExecuteMsg::DistributeRewards { operator: operators[operator].to_string() };
                    let (staking, funds) = (s.staking(), coins(amount, "stake"));
                    if s.app.execute_contract(admin.clone(), staking, &msg, &funds).is_ok() {
                        rewarded += amount;
                        let after = view(&s, &everyone);
                        for account in &everyone {
                            let gained = after.rewards[account] as i128 - before.rewards[account] as i128;
                            prop_assert!(gained >= 0);
                            *adjust.get_mut(account).unwrap() += gained;
                        }
                    }
                }
                Step::Claim { account } => {
                    let _ = s.stake(&everyone[account], &ExecuteMsg::ClaimRewards {});
                }
                Step::Advance { seconds } => {
                    let height = s.app.block_info().height;
                    s.advance(seconds);
                    heights.push(s.app.block_info().height);
                    for op in &operators {
                        history.insert((op.clone(), height), s.operator_stake_at(op, height));
                    }
                }
            }
            let now = view(&s, &everyone);
            check_always(&now, rewarded)?;
            check_entitlements(&now, &adjust)?;
            // 5. What was recorded for a past height never changes.
            for ((op, height), stake) in &history {
                prop_assert_eq!(s.operator_stake_at(op, *height), *stake);
            }
        }
    }
}
