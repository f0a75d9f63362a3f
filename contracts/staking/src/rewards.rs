//! Rewards, paid per pool share with accumulators so that no action loops over delegators or
//! operators.
//!
//! Services pay rewards to operators in the reward denom (poi's consensus contract pays each voter
//! its part, weighted by its allocated stake). Rewards credited to an operator first pay its
//! commission; the rest is shared by its pools in proportion to their weighted stake and raises
//! each pool's `reward_per_share`; a position is credited lazily from its shares. Every division
//! rounds down, and what rounding leaves over goes to the operator, so what can be claimed never
//! exceeds what was paid in and nothing paid in is stranded.

use cosmwasm_std::{
    Addr, BankMsg, Decimal256, DepsMut, MessageInfo, Response, Storage, Uint128, Uint256, coins,
};
use cw_utils::must_pay;
use poi_types::staking::{Delegation, Operator, Pool, Position};

use crate::ContractError;
use crate::state::{CONFIG, DELEGATIONS, EPOCH_REWARD_PER_SHARE, POOLS, REWARDS};
use crate::{operators, strategies};

pub fn add_reward(
    storage: &mut dyn Storage,
    who: &Addr,
    amount: Uint128,
) -> Result<(), ContractError> {
    if !amount.is_zero() {
        let held = REWARDS.may_load(storage, who)?.unwrap_or_default();
        REWARDS.save(storage, who, &(held + amount))?;
    }
    Ok(())
}

pub fn floor(value: Decimal256) -> Uint128 {
    // Every credited amount is a part of an amount paid in, which fits in Uint128.
    Uint128::try_from(value.to_uint_floor()).expect("a part of an amount paid in")
}

/// Credits `amount` to an operator: its commission, then its pools by weighted stake. Returns
/// what the operator itself is owed (commission and rounding), which the caller adds to its
/// rewards. At most `MAX_STRATEGIES` pools are read and written.
pub fn credit(
    storage: &mut dyn Storage,
    op: &Operator,
    amount: Uint128,
) -> Result<Uint128, ContractError> {
    let mut shared = vec![];
    let mut total = Uint256::zero();
    for (strategy, pool) in strategies::pools(storage, &op.address)? {
        let weight = Uint256::from(strategies::weigh(&strategy, pool.tokens)?);
        if !pool.shares.is_zero() && !weight.is_zero() {
            total += weight;
            shared.push((strategy.id, pool, weight));
        }
    }
    if total.is_zero() {
        // Nobody to share with: the operator keeps it all.
        return Ok(amount);
    }
    let rest = amount - amount.multiply_ratio(op.commission_bps, 10_000u16);
    let mut paid = Uint128::zero();
    for (strategy_id, mut pool, weight) in shared {
        // weight <= total, so the part is at most `rest`.
        let part = Uint128::try_from(Uint256::from(rest).multiply_ratio(weight, total))
            .expect("a part of the amount");
        pool.reward_per_share += Decimal256::from_ratio(part, pool.shares);
        POOLS.save(storage, (&op.address, strategy_id), &pool)?;
        paid += part;
    }
    Ok(amount - paid)
}

/// What a position has earned since it was last settled, and the index it is then settled to.
fn earned(
    storage: &dyn Storage,
    operator: &Addr,
    pool: &Pool,
    p: &Position,
) -> Result<(Uint128, Decimal256), ContractError> {
    // Shares of an epoch a full slash ended earn only until that slash.
    let index = if p.epoch == pool.epoch {
        pool.reward_per_share
    } else {
        EPOCH_REWARD_PER_SHARE
            .may_load(storage, (operator, p.strategy_id, p.epoch))?
            .unwrap_or(p.reward_index)
    };
    if index <= p.reward_index {
        return Ok((Uint128::zero(), p.reward_index.max(index)));
    }
    let amount = floor(Decimal256::from_ratio(p.shares, Uint256::one()) * (index - p.reward_index));
    Ok((amount, index))
}

/// Credits a position's rewards to its staker; call before its shares change.
pub fn settle_position(
    storage: &mut dyn Storage,
    staker: &Addr,
    operator: &Addr,
    pool: &Pool,
    p: &mut Position,
) -> Result<(), ContractError> {
    let (amount, index) = earned(storage, operator, pool, p)?;
    add_reward(storage, staker, amount)?;
    p.reward_index = index;
    Ok(())
}

/// Credits every position of a delegation; the caller saves it.
pub fn settle_all(storage: &mut dyn Storage, d: &mut Delegation) -> Result<(), ContractError> {
    for p in &mut d.positions {
        let pool = strategies::pool(storage, &d.operator, p.strategy_id)?;
        settle_position(storage, &d.staker, &d.operator, &pool, p)?;
    }
    Ok(())
}

/// Everything `address` could claim now, settled or not.
pub fn pending(storage: &dyn Storage, address: &Addr) -> Result<Uint128, ContractError> {
    let mut total = REWARDS.may_load(storage, address)?.unwrap_or_default();
    if let Some(d) = DELEGATIONS.may_load(storage, address)? {
        for p in &d.positions {
            let pool = strategies::pool(storage, &d.operator, p.strategy_id)?;
            total += earned(storage, &d.operator, &pool, p)?.0;
        }
    }
    Ok(total)
}

pub fn distribute(
    deps: DepsMut,
    info: MessageInfo,
    operator: String,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let amount = Uint128::try_from(must_pay(&info, &config.reward_denom)?).map_err(|_| {
        ContractError::InvalidField {
            field: "funds",
            reason: "amount too large".into(),
        }
    })?;
    let address = deps.api.addr_validate(&operator)?;
    let op = operators::load(deps.storage, &address)?;
    let own = credit(deps.storage, &op, amount)?;
    add_reward(deps.storage, &address, own)?;
    Ok(Response::new()
        .add_attribute("action", "distribute_rewards")
        .add_attribute("to", address)
        .add_attribute("amount", amount))
}

pub fn claim(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    // Credit everything earned so far as a delegator; commission is credited when paid.
    if let Some(mut d) = DELEGATIONS.may_load(deps.storage, &info.sender)? {
        settle_all(deps.storage, &mut d)?;
        DELEGATIONS.save(deps.storage, &info.sender, &d)?;
    }

    let amount = REWARDS
        .may_load(deps.storage, &info.sender)?
        .unwrap_or_default();
    if amount.is_zero() {
        return Err(ContractError::NothingToClaim);
    }
    REWARDS.remove(deps.storage, &info.sender);
    Ok(Response::new()
        .add_attribute("action", "claim_rewards")
        .add_attribute("recipient", info.sender.as_str())
        .add_attribute("amount", amount)
        .add_message(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: coins(amount.u128(), &config.reward_denom),
        }))
}
