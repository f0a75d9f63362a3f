//! The restaking contract as a state machine: random sequences of deposits, undelegations,
//! withdrawals, allocations to two services, slashes by either service and the passing of time,
//! with the contract's invariants checked after every step.

use std::collections::BTreeMap;

use cosmwasm_std::coins;
use cosmwasm_std::{Addr, Decimal256, Timestamp, Uint64, Uint128, Uint256};
use cw_multi_test::{Executor, IntoBech32};
use poi_tests::staking::{SERVICE, WITHDRAWAL_DELAY, default_config, operator, operator2, slasher};
use poi_tests::suite::{INITIAL_BALANCE, Suite, SuiteBuilder};
use poi_types::staking::{
    Allocation, AllocationChange, DelegationResponse, ExecuteMsg, Operator, OperatorsResponse,
    QueryMsg, RewardsResponse,
};

/// Increases count half a withdrawal delay after they are made.
const ALLOCATION_DELAY: u64 = WITHDRAWAL_DELAY / 2;
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
    /// (counted from the latest); `None` slashes the slice allocated now. `service` is 0 or 1.
    Slash {
        service: usize,
        operator: usize,
        bps: u16,
        back: Option<usize>,
    },
    Allocate {
        operator: usize,
        service: usize,
        bps: u16,
    },
    /// Anyone makes an operator's due allocation changes count.
    Apply {
        operator: usize,
    },
    /// A service's slasher ejects an operator without a slash.
    Eject {
        service: usize,
        operator: usize,
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
        3 => (0..2usize, 0..2usize, prop_oneof![1..3_000u16, Just(10_000u16)], prop::option::of(0..4usize))
            .prop_map(|(service, operator, bps, back)| Step::Slash { service, operator, bps, back }),
        2 => (0..2usize, 0..2usize, prop_oneof![Just(0u16), 1..10_000u16, Just(5_000u16), Just(10_000u16)])
            .prop_map(|(operator, service, bps)| Step::Allocate { operator, service, bps }),
        1 => (0..2usize).prop_map(|operator| Step::Apply { operator }),
        1 => (0..2usize, 0..2usize).prop_map(|(service, operator)| Step::Eject { service, operator }),
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
    /// Each operator as stored, and its allocations by service id.
    operators: BTreeMap<Addr, Operator>,
    allocations: BTreeMap<(Addr, u32), Allocation>,
    /// The stake each operator's counted magnitude for each service stands for now.
    slices: BTreeMap<(Addr, u32), u128>,
    now: Timestamp,
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
    let mut allocations = BTreeMap::new();
    let mut slices = BTreeMap::new();
    for op in &ops.operators {
        for a in s.allocations(&op.address).allocations {
            slices.insert((op.address.clone(), a.service_id), a.stake.u128());
            allocations.insert((op.address.clone(), a.service_id), a.allocation);
        }
    }
    View {
        pool_tokens: ops
            .operators
            .iter()
            .map(|o| (o.address.clone(), o.pool.tokens.u128()))
            .collect(),
        operators: ops
            .operators
            .into_iter()
            .map(|o| (o.address.clone(), o))
            .collect(),
        allocations,
        slices,
        now: s.app.block_info().time,
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

/// The magnitude an allocation holds back from the operator's free magnitude: what counts, what a
/// pending increase will count, or what a decrease keeps slashable until it is settled.
fn reserved(a: &Allocation) -> Uint64 {
    match a.pending {
        Some(AllocationChange::Increase { to, .. }) => to,
        Some(AllocationChange::Decrease { from, .. }) => from,
        None => a.magnitude,
    }
}

/// What the service can slash at `now`, as the contract will see it once due changes settle.
fn slashable(a: Option<&Allocation>, now: Timestamp) -> Uint64 {
    match a.map(|a| (a.magnitude, &a.pending)) {
        None => Uint64::zero(),
        Some((_, Some(AllocationChange::Increase { to, effective_at })))
            if *effective_at <= now =>
        {
            *to
        }
        Some((_, Some(AllocationChange::Decrease { from, release_at }))) if *release_at > now => {
            *from
        }
        Some((magnitude, _)) => magnitude,
    }
}

/// Invariant 6: allocations are unique. Together they never reserve more than the operator's
/// whole magnitude, and the operator's own count of what they reserve is exact.
fn check_allocations(v: &View) -> Result<(), TestCaseError> {
    for (address, op) in &v.operators {
        let reserved: u64 = v
            .allocations
            .iter()
            .filter(|((o, _), _)| o == address)
            .map(|(_, a)| reserved(a).u64())
            .sum();
        prop_assert_eq!(
            reserved,
            op.encumbered_magnitude.u64(),
            "{} reserves other than it counts",
            address
        );
        prop_assert!(
            op.encumbered_magnitude <= op.max_magnitude,
            "{} allocated over 100%",
            address
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
        let mut config = default_config();
        config.allocation_delay = ALLOCATION_DELAY;
        let mut s = SuiteBuilder::new().with_staking(config).build();
        let operators = [operator(), operator2()];
        // Two services with their own slashers: operator 0 splits its stake 60/40 between them,
        // operator 1 gives all of it to the first.
        let second_slasher: Addr = "second-slasher".into_bech32();
        let services = [SERVICE, s.register_service(&second_slasher, 10_000)];
        let slashers = [slasher(), second_slasher];
        s.start_operator_for(&operators[0], 200, services[0], 6_000);
        s.allocate(&operators[0], services[1], 4_000).unwrap();
        s.start_operator_for(&operators[1], 200, services[0], 10_000);
        s.advance(ALLOCATION_DELAY);
        for op in &operators {
            s.stake(op, &ExecuteMsg::ApplyAllocations { operator: op.to_string() }).unwrap();
        }
        let stakers = [s.accounts.alice.clone(), s.accounts.bob.clone(), s.accounts.carol.clone()];
        let mut everyone: Vec<Addr> = stakers.to_vec();
        everyone.extend(operators.iter().cloned());
        let mut claim = 0u64;
        let mut rewarded = 0u128;
        let mut adjust: BTreeMap<Addr, i128> = everyone.iter().map(|a| (a.clone(), 0)).collect();
        let admin = s.accounts.admin.clone();
        // 5. Stake recorded for past heights: (operator, service, height) -> operator stake and
        // allocated stake.
        let mut history: BTreeMap<(Addr, u32, u64), (u128, u128)> = BTreeMap::new();
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
                Step::Slash { service, operator, bps, back } => {
                    claim += 1;
                    let (service_id, target) = (services[service], operators[operator].clone());
                    let snapshot = back.map(|b| heights[heights.len() - 1 - b % heights.len()]);
                    let result = s.slash_for(&slashers[service], service_id, &target, bps, claim, snapshot);
                    let after = view(&s, &everyone);
                    // 7. A slice is slashable while it is allocated or a decrease of it is not yet
                    // released, and not once released or never allocated.
                    let at_risk = slashable(before.allocations.get(&(target.clone(), service_id)), before.now);
                    prop_assert_eq!(result.is_ok(), !at_risk.is_zero(), "slash of {} for {}: {:?}", target, service_id, result.as_ref().err());
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
                        prop_assert_eq!(record.service_id, service_id);
                        // 3. A slash takes at most its bps of the service's slice, now and at the
                        // snapshot...
                        let (was, is) = (before.pool_tokens[&target], after.pool_tokens[&target]);
                        let slice = Uint128::new(was).multiply_ratio(at_risk.u64(), before.operators[&target].max_magnitude.u64()).u128();
                        let at_snapshot = snapshot.map_or(slice, |h| s.allocated_stake_at(service_id, &target, h));
                        prop_assert_eq!(record.stake_at_snapshot.u128(), at_snapshot);
                        prop_assert!(was - is <= (slice.min(at_snapshot) * u128::from(bps)).div_ceil(10_000) + 1,
                            "took {} of a slice of {} (at the snapshot {})", was - is, slice, at_snapshot);
                        // ...leaves every other service's slice of the target as it was, but for
                        // rounding...
                        for other in services.iter().filter(|id| **id != service_id) {
                            let key = (target.clone(), *other);
                            let (had, has) = (before.slices.get(&key).copied().unwrap_or(0), after.slices.get(&key).copied().unwrap_or(0));
                            prop_assert!(has <= had && had - has <= 2, "service {} lost {} to {}'s slash", other, had - has, service_id);
                        }
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
                Step::Allocate { operator, service, bps } => {
                    let _ = s.allocate(&operators[operator], services[service], bps);
                }
                Step::Eject { service, operator } => {
                    let msg = ExecuteMsg::Eject {
                        service_id: services[service],
                        operator: operators[operator].to_string(),
                        reason: "absent".into(),
                    };
                    if s.stake(&slashers[service], &msg).is_ok() {
                        // Nothing is taken from anyone.
                        prop_assert_eq!(&view(&s, &everyone).pool_tokens, &before.pool_tokens);
                    }
                }
                Step::Apply { operator } => {
                    let _ = s.stake(&stakers[0], &ExecuteMsg::ApplyAllocations { operator: operators[operator].to_string() });
                }
                Step::Claim { account } => {
                    let _ = s.stake(&everyone[account], &ExecuteMsg::ClaimRewards {});
                }
                Step::Advance { seconds } => {
                    let height = s.app.block_info().height;
                    s.advance(seconds);
                    heights.push(s.app.block_info().height);
                    for op in &operators {
                        for id in services {
                            let recorded = (s.operator_stake_at(op, height), s.allocated_stake_at(id, op, height));
                            history.insert((op.clone(), id, height), recorded);
                        }
                    }
                }
            }
            let now = view(&s, &everyone);
            check_always(&now, rewarded)?;
            check_entitlements(&now, &adjust)?;
            check_allocations(&now)?;
            // 5. What was recorded for a past height never changes.
            for ((op, id, height), recorded) in &history {
                prop_assert_eq!((s.operator_stake_at(op, *height), s.allocated_stake_at(*id, op, *height)), *recorded);
            }
        }
    }
}
