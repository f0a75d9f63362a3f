//! The restaking contract as a state machine: random sequences of deposits and undelegations in
//! three strategies (the bond denom, an IBC liquid-staking denom and a capped cw20 token, each
//! weighted differently), withdrawals, allocations to two services, slashes by either service and
//! the passing of time, with the contract's invariants checked after every step.

use std::collections::BTreeMap;

use cosmwasm_std::coins;
use cosmwasm_std::{Addr, Decimal, Decimal256, Timestamp, Uint64, Uint128, Uint256};
use cw_multi_test::{Executor, IntoBech32};
use poi_tests::staking::{SERVICE, WITHDRAWAL_DELAY, default_config, operator, operator2, slasher};
use poi_tests::suite::{INITIAL_BALANCE, LIQUID_STAKING_DENOM, Suite, SuiteBuilder};
use poi_types::staking::{
    Allocation, AllocationChange, Asset, DelegationResponse, ExecuteMsg, FIRST_STRATEGY, Operator,
    OperatorsResponse, QueryMsg, RedelegationResponse, RewardsResponse, Strategy as StakeStrategy,
};

/// Increases count half a withdrawal delay after they are made.
const ALLOCATION_DELAY: u64 = WITHDRAWAL_DELAY / 2;
/// The cw20 strategy's cap, low enough for random bonds to reach it.
const TOKEN_CAP: u128 = 6_000;
/// What rounding may add to a slash's weighted cut: per pool, a token of the cut rounded up
/// (weighing at most its weight) and a unit of the weighted sum rounded down, over the three
/// strategies (weights 1, 1.5 and 0.25).
const SLASH_ROUNDING: u128 = 6;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Step {
    Delegate {
        staker: usize,
        operator: usize,
        strategy: usize,
        amount: u128,
    },
    Undelegate {
        staker: usize,
        strategy: usize,
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
    /// A staker moves its delegation to an operator.
    Redelegate {
        staker: usize,
        operator: usize,
    },
    /// Anyone settles a staker's released redelegation.
    Settle {
        staker: usize,
    },
    Claim {
        account: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..3usize, 0..2usize, 0..3usize, 1..5_000u128)
            .prop_map(|(staker, operator, strategy, amount)| Step::Delegate { staker, operator, strategy, amount }),
        2 => (0..3usize, 0..3usize, 1..=100u128)
            .prop_map(|(staker, strategy, percent)| Step::Undelegate { staker, strategy, percent }),
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
        1 => (0..3usize, 0..2usize).prop_map(|(staker, operator)| Step::Redelegate { staker, operator }),
        1 => (0..3usize).prop_map(|staker| Step::Settle { staker }),
    ]
}

/// A queued withdrawal as the invariants see it.
#[derive(Debug, Clone, PartialEq)]
struct Queued {
    operator: Addr,
    amount: u128,
    /// What it would pay now.
    payable: u128,
    released: bool,
    strategy_id: u16,
}

/// A redelegation in flight as the invariants see it.
#[derive(Debug, Clone, PartialEq)]
struct InFlight {
    from: Addr,
    release_at: Timestamp,
    /// By strategy id: (moved, owed to the old operator's slashes so far).
    moved: BTreeMap<u16, (u128, u128)>,
}

/// Everything the invariants look at.
#[derive(Debug, Clone, PartialEq)]
struct View {
    strategies: Vec<StakeStrategy>,
    /// (operator, strategy id) -> tokens in its pool as of now
    pool_tokens: BTreeMap<(Addr, u16), u128>,
    /// (operator, strategy id) -> tokens slashes took of its pool that the contract still holds
    uncollected: BTreeMap<(Addr, u16), u128>,
    /// By (staker, withdrawal id).
    withdrawals: BTreeMap<(Addr, u64), Queued>,
    /// (staker, strategy id) -> what its position is worth
    values: BTreeMap<(Addr, u16), u128>,
    /// Each staker's redelegation in flight: the old operator, its release time, and what the old
    /// operator's slashes have cost each strategy's moved amount so far, with the amount.
    redelegations: BTreeMap<Addr, InFlight>,
    /// The operator each account delegates to, if any.
    delegated_to: BTreeMap<Addr, Option<Addr>>,
    /// (account, strategy id) -> what it holds of the asset outside the contract
    balances: BTreeMap<(Addr, u16), u128>,
    /// Each operator as stored, and its allocations by service id.
    operators: BTreeMap<Addr, Operator>,
    allocations: BTreeMap<(Addr, u32), Allocation>,
    /// The stake each operator's counted magnitude for each service stands for now.
    slices: BTreeMap<(Addr, u32), u128>,
    now: Timestamp,
    /// Rewards each address could claim now.
    rewards: BTreeMap<Addr, u128>,
    /// What the contract holds of each strategy's asset.
    contract_balance: BTreeMap<u16, u128>,
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
                Queued {
                    operator: w.withdrawal.operator,
                    amount: w.withdrawal.amount.u128(),
                    payable: w.payable.u128(),
                    released: w.released,
                    strategy_id: w.withdrawal.strategy_id,
                },
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
    let strategies = s.strategies();
    let per_strategy = |accounts: &[Addr], read: &dyn Fn(&Addr, &StakeStrategy) -> u128| {
        let mut out = BTreeMap::new();
        for account in accounts {
            for st in &strategies {
                out.insert((account.clone(), st.id), read(account, st));
            }
        }
        out
    };
    let operator_addresses: Vec<Addr> = ops.operators.iter().map(|o| o.address.clone()).collect();
    View {
        pool_tokens: per_strategy(&operator_addresses, &|op, st| {
            s.pool_tokens(op).get(&st.id).copied().unwrap_or(0)
        }),
        uncollected: per_strategy(&operator_addresses, &|op, st| {
            s.slashed_uncollected(op).get(&st.id).copied().unwrap_or(0)
        }),
        operators: ops
            .operators
            .into_iter()
            .map(|o| (o.address.clone(), o))
            .collect(),
        allocations,
        slices,
        now: s.app.block_info().time,
        withdrawals,
        values: per_strategy(stakers, &|a, st| s.staked_in(a, st.id)),
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
        balances: per_strategy(stakers, &|a, st| s.balance_of(a, &st.asset)),
        rewards: stakers.iter().map(|a| (a.clone(), pending(s, a))).collect(),
        redelegations: stakers
            .iter()
            .filter_map(|a| {
                let msg = QueryMsg::Redelegation {
                    staker: a.to_string(),
                };
                let r: RedelegationResponse =
                    s.app.wrap().query_wasm_smart(s.staking(), &msg).unwrap();
                let moved = r.redelegation?;
                let owed = moved
                    .amounts
                    .iter()
                    .zip(&r.owed)
                    .map(|(m, o)| (m.strategy_id, (m.amount.u128(), o.amount.u128())))
                    .collect();
                let in_flight = InFlight {
                    from: moved.from,
                    release_at: moved.release_at,
                    moved: owed,
                };
                Some((a.clone(), in_flight))
            })
            .collect(),
        contract_balance: strategies
            .iter()
            .map(|st| (st.id, s.balance_of(&s.staking(), &st.asset)))
            .collect(),
        strategies: strategies.clone(),
    }
}

fn pending(s: &Suite, who: &Addr) -> u128 {
    let msg = QueryMsg::PendingRewards {
        address: who.to_string(),
    };
    let resp: RewardsResponse = s.app.wrap().query_wasm_smart(s.staking(), &msg).unwrap();
    resp.rewards.u128()
}

/// What an account holds of a strategy's asset, bonded, queued and (for the reward denom, which is
/// strategy 1's) claimable, besides its balance.
fn held(v: &View, account: &Addr, strategy_id: u16) -> u128 {
    let queued: u128 = v
        .withdrawals
        .iter()
        .filter(|((s, _), w)| s == account && w.strategy_id == strategy_id)
        .map(|(_, w)| w.payable)
        .sum();
    let rewards = if strategy_id == FIRST_STRATEGY {
        v.rewards[account]
    } else {
        0
    };
    // A redelegation's debt to the old operator's slashes is taken from the position when settled.
    let owed = v
        .redelegations
        .get(account)
        .and_then(|r| r.moved.get(&strategy_id))
        .map_or(0, |(_, owed)| *owed);
    v.balances[&(account.clone(), strategy_id)]
        + v.values[&(account.clone(), strategy_id)].saturating_sub(owed)
        + queued
        + rewards
}

/// Invariant 2: what an account holds of each asset (bonded, queued, claimable and paid out) never
/// exceeds what it put in, minus what slashes took from it, plus the rewards credited to it.
/// `adjust` is minus the slashes plus the rewards, plus one unit of rounding per position slashed.
fn check_entitlements(v: &View, adjust: &BTreeMap<(Addr, u16), i128>) -> Result<(), TestCaseError> {
    for (account, strategy_id) in v.balances.keys() {
        let held = held(v, account, *strategy_id) as i128;
        prop_assert!(
            held <= INITIAL_BALANCE as i128 + adjust[&(account.clone(), *strategy_id)],
            "{} holds {} of strategy {}, more than it put in, less slashes, plus rewards",
            account,
            held,
            strategy_id
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
    for st in &v.strategies {
        // 1. Solvency per strategy: its bonded tokens, slashed tokens not yet collected, queued
        //    withdrawals (and, in the reward denom, unclaimed rewards) are all backed by the
        //    contract's balance of the asset; rounding leaves dust in the contract, never a
        //    shortfall.
        let of_strategy = |map: &BTreeMap<(Addr, u16), u128>| -> u128 {
            map.iter()
                .filter(|((_, id), _)| *id == st.id)
                .map(|(_, t)| t)
                .sum()
        };
        let bonded = of_strategy(&v.pool_tokens) + of_strategy(&v.uncollected);
        let queued: u128 = v
            .withdrawals
            .values()
            .filter(|w| w.strategy_id == st.id)
            .map(|w| w.amount)
            .sum();
        let (unclaimed, paid_in) = if st.id == FIRST_STRATEGY {
            (v.rewards.values().sum(), rewarded)
        } else {
            (0, 0)
        };
        let balance = v.contract_balance[&st.id];
        prop_assert!(
            bonded + queued + unclaimed <= balance,
            "strategy {} is short",
            st.id
        );
        prop_assert!(balance <= bonded + queued + unclaimed + paid_in);
        // The strategy's own count of what is bonded in it is exact, and within its cap.
        prop_assert_eq!(st.bonded.u128(), bonded, "strategy {} miscounts", st.id);
        prop_assert!(st.cap.is_none_or(|cap| st.bonded <= cap));
        // 2. Nobody gets out more of an asset than it put in (plus the rewards paid in).
        for (account, id) in v.balances.keys().filter(|(_, id)| *id == st.id) {
            prop_assert!(
                held(v, account, *id) <= INITIAL_BALANCE + paid_in,
                "{account} got out more than it put in"
            );
        }
    }
    // An operator's stake is the weighted sum of its pools, rounded down once: exactly before
    // any slash; after one, a pool not touched since holds a fraction of a token more than its
    // whole tokens show, so by at most a token's weight per pool.
    for (address, op) in &v.operators {
        let weighted = |extra: u128| -> u128 {
            let sum = v.strategies.iter().fold(Decimal256::zero(), |sum, st| {
                let tokens = v.pool_tokens[&(address.clone(), st.id)] + extra;
                sum + Decimal256::from_ratio(tokens, 1u8) * Decimal256::from(st.weight)
            });
            sum.to_uint_floor().to_string().parse().unwrap()
        };
        let stake = op.stake.u128();
        if op.slash_count == 0 {
            prop_assert_eq!(
                stake,
                weighted(0),
                "{}'s stake is not its weighted pools",
                address
            );
        } else {
            prop_assert!(
                weighted(0) <= stake && stake <= weighted(1),
                "{}'s stake {} is not its weighted pools {}",
                address,
                stake,
                weighted(0)
            );
        }
    }
    for w in v.withdrawals.values() {
        prop_assert!(w.payable <= w.amount);
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
        let token = s.deploy_token();
        let strategies = [
            s.strategies()[0].clone(),
            s.add_strategy(Asset::Native { denom: LIQUID_STAKING_DENOM.into() }, Decimal::percent(150), None),
            s.add_strategy(Asset::Cw20 { address: token.to_string() }, Decimal::percent(25), Some(TOKEN_CAP)),
        ];
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
        let mut adjust: BTreeMap<(Addr, u16), i128> = everyone
            .iter()
            .flat_map(|a| strategies.iter().map(|st| ((a.clone(), st.id), 0)))
            .collect();
        let admin = s.accounts.admin.clone();
        // 5. Stake recorded for past heights: (operator, service, height) -> operator stake and
        // allocated stake.
        let mut history: BTreeMap<(Addr, u32, u64), (u128, u128)> = BTreeMap::new();
        let mut heights = vec![s.app.block_info().height];

        for step in steps {
            let before = view(&s, &everyone);
            match step.clone() {
                Step::Delegate { staker, operator, strategy, amount } => {
                    let st = &strategies[strategy];
                    let result = s.delegate_in(&stakers[staker], &operators[operator], st, amount);
                    // The cap is the only reason besides delegating elsewhere to refuse a bond.
                    let elsewhere = before.delegated_to[&stakers[staker]].as_ref().is_some_and(|d| *d != operators[operator]);
                    let over_cap = st.cap.is_some_and(|cap| before.strategies[strategy].bonded.u128() + amount > cap.u128());
                    if !elsewhere && !over_cap {
                        prop_assert!(result.is_ok(), "bond refused: {:?}", result.err());
                    }
                    if over_cap {
                        prop_assert!(result.is_err(), "a bond over the cap was taken");
                    }
                }
                Step::Undelegate { staker, strategy, percent } => {
                    let id = strategies[strategy].id;
                    let value = before.values[&(stakers[staker].clone(), id)];
                    let amount = value * percent / 100;
                    let _ = s.undelegate(&stakers[staker], id, amount);
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
                        // What each account had at risk with this operator, in every strategy,
                        // loses its bps.
                        for account in &everyone {
                            let mut at_risk = Vec::new();
                            // A redelegation's debt is owed out of the position it moved to, so only
                            // what exceeds the debt is the account's own to lose, whichever
                            // operator's slash takes it.
                            let debt = |id: u16| before.redelegations.get(account).and_then(|r| r.moved.get(&id)).map_or(0, |m| m.1);
                            if before.delegated_to[account].as_ref() == Some(&target) {
                                for st in &strategies {
                                    at_risk.push((st.id, before.values[&(account.clone(), st.id)].saturating_sub(debt(st.id))));
                                }
                            }
                            for ((who, _), w) in &before.withdrawals {
                                if who == account && w.operator == target && !w.released {
                                    at_risk.push((w.strategy_id, w.payable));
                                }
                            }
                            // Stake moved away from the target, not yet released.
                            if let Some(r) = before.redelegations.get(account)
                                && r.from == target
                                && r.release_at > before.now
                            {
                                for (id, (amount, owed)) in &r.moved {
                                    let left = before.values[&(account.clone(), *id)].saturating_sub(*owed);
                                    at_risk.push((*id, (amount - owed).min(left)));
                                }
                            }
                            for (id, stake) in at_risk {
                                let cut = Uint256::from(stake).mul_floor(fraction).to_string().parse::<i128>().unwrap();
                                *adjust.get_mut(&(account.clone(), id)).unwrap() -= cut - 1;
                            }
                        }
                        prop_assert_eq!(record.service_id, service_id);
                        // 3. A slash takes at most its bps of the service's slice (in weighted
                        // stake), now and at the snapshot...
                        let was = before.operators[&target].stake.u128();
                        let is = after.operators[&target].stake.u128();
                        let slice = Uint128::new(was).multiply_ratio(at_risk.u64(), before.operators[&target].max_magnitude.u64()).u128();
                        let at_snapshot = snapshot.map_or(slice, |h| s.allocated_stake_at(service_id, &target, h));
                        prop_assert_eq!(record.stake_at_snapshot.u128(), at_snapshot);
                        prop_assert!(was - is <= (slice.min(at_snapshot) * u128::from(bps)).div_ceil(10_000) + SLASH_ROUNDING,
                            "took {} of a slice of {} (at the snapshot {})", was - is, slice, at_snapshot);
                        // ...cuts every strategy's pool by the same fraction...
                        for st in &strategies {
                            let key = (target.clone(), st.id);
                            let (had, has) = (before.pool_tokens[&key], after.pool_tokens[&key]);
                            let kept: u128 = Uint256::from(had).mul_floor(Decimal256::one() - fraction).to_string().parse().unwrap();
                            // (Both are whole tokens of a pool whose exact value has a fraction.)
                            prop_assert!(has.abs_diff(kept) <= 1, "strategy {}'s pool went from {} to {}, not by {}", st.id, had, has, fraction);
                        }
                        // ...leaves every other service's slice of the target as it was, but for
                        // rounding...
                        for other in services.iter().filter(|id| **id != service_id) {
                            let key = (target.clone(), *other);
                            let (had, has) = (before.slices.get(&key).copied().unwrap_or(0), after.slices.get(&key).copied().unwrap_or(0));
                            // (Rounding of the weighted sums may move it either way by a few units.)
                            prop_assert!(had.abs_diff(has) <= 2 + SLASH_ROUNDING, "service {}'s slice went from {} to {} on {}'s slash", other, had, has, service_id);
                        }
                        // ...and touches no other operator, nor their queued withdrawals.
                        for ((op, id), tokens) in &before.pool_tokens {
                            if *op != target {
                                prop_assert_eq!(*tokens, after.pool_tokens[&(op.clone(), *id)]);
                            }
                        }
                        for (key, w) in &before.withdrawals {
                            let now = &after.withdrawals[key];
                            if w.operator != target || w.released {
                                // 4. ...nor withdrawals already released.
                                prop_assert_eq!(w.payable, now.payable, "withdrawal {:?} changed", key);
                            } else {
                                // 4. Withdrawals still waiting are slashed too, by the same fraction.
                                let kept: u128 = Uint256::from(w.payable).mul_floor(Decimal256::one() - fraction).to_string().parse().unwrap();
                                prop_assert!(now.payable >= kept.saturating_sub(1));
                            }
                        }
                        // 4. Likewise stake redelegated away: answerable for the old operator's
                        // faults until released, and for no other operator's, nor after.
                        for (staker, r) in &before.redelegations {
                            let now = &after.redelegations[staker].moved;
                            if r.from != target || r.release_at <= before.now {
                                prop_assert_eq!(&r.moved, now, "{}'s redelegation debt changed", staker);
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
                            *adjust.get_mut(&(account.clone(), FIRST_STRATEGY)).unwrap() += gained;
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
                Step::Redelegate { staker, operator } => {
                    let msg = ExecuteMsg::Redelegate { operator: operators[operator].to_string() };
                    if s.stake(&stakers[staker], &msg).is_ok() {
                        // The stake moves whole: nobody's holdings change.
                        let after = view(&s, &everyone);
                        for st in &strategies {
                            for account in &everyone {
                                prop_assert!(held(&after, account, st.id) + 1 >= held(&before, account, st.id));
                            }
                        }
                    }
                }
                Step::Settle { staker } => {
                    let msg = ExecuteMsg::SettleRedelegation { staker: stakers[staker].to_string() };
                    let released = before.redelegations.get(&stakers[staker]).is_some_and(|r| r.release_at <= before.now);
                    prop_assert_eq!(s.stake(&stakers[0], &msg).is_ok(), released);
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
