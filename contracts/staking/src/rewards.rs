//! Rewards, paid through accumulators so that no action loops over delegators, operators or
//! strategies.
//!
//! Services pay rewards to operators in the reward denom (poi's consensus contract pays each voter
//! its part, weighted by its allocated stake). Rewards credited to an operator first pay its
//! commission; the rest raises the operator's `reward_per_unit`, which its pools turn into their
//! `reward_per_share` when next touched (see [`crate::pools`]); a position is credited lazily
//! from its shares. Every division rounds down, and the whole tokens rounding leaves over go to
//! the operator, so what can be claimed never exceeds what was paid in, and under a token per
//! payment stays in the contract.

use cosmwasm_std::{
    Addr, BankMsg, Decimal256, DepsMut, MessageInfo, Response, Storage, Uint128, Uint256, coins,
};
use cw_utils::must_pay;
use poi_types::staking::{Delegation, Operator, Pool, Position};

use crate::ContractError;
use crate::state::{CONFIG, DELEGATIONS, EPOCH_REWARD_PER_SHARE, OPERATORS, REWARDS};
use crate::{operators, pools};

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

/// Credits `amount` to an operator: its commission, then its pools by stake units (which are in
/// proportion to their weighted stake), through its `reward_per_unit`; each pool takes its part
/// when next touched. Returns what the operator itself is owed (commission and rounding), which
/// the caller adds to its rewards; the caller saves the operator.
pub fn credit(op: &mut Operator, amount: Uint128) -> Uint128 {
    if op.stake_units.is_zero() {
        // Nobody to share with: the operator keeps it all.
        return amount;
    }
    let rest = amount - amount.multiply_ratio(op.commission_bps, 10_000u16);
    // Rounded down, so the pools never get more than `rest` between them.
    let Ok(per_unit) = Decimal256::from_ratio(rest, 1u8).checked_div(op.stake_units) else {
        return amount;
    };
    let Ok(reward_per_unit) = op.reward_per_unit.checked_add(per_unit) else {
        return amount;
    };
    // What the pools can claim of this payment, rounded up: pools earn fractions of a token that
    // add up over payments, so the operator is credited only the whole tokens they cannot reach,
    // and under a token per payment stays in the contract as dust.
    let paid = Uint128::try_from((per_unit * op.stake_units).to_uint_ceil())
        .map_or(rest, |paid| paid.min(rest));
    op.reward_per_unit = reward_per_unit;
    amount - paid
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
        match EPOCH_REWARD_PER_SHARE.may_load(storage, (operator, p.strategy_id, p.epoch))? {
            Some(index) => index,
            // The pool, read as of now, was just emptied by slashes not yet stored: nothing has
            // accrued to it since, so its index is where the position's epoch ended.
            None if p.epoch + 1 == pool.epoch => pool.reward_per_share,
            None => p.reward_index,
        }
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
    let op = operators::load(storage, &d.operator)?;
    for p in &mut d.positions {
        let pool = pools::now(storage, &op, p.strategy_id)?;
        settle_position(storage, &d.staker, &d.operator, &pool, p)?;
    }
    Ok(())
}

/// Everything `address` could claim now, settled or not.
pub fn pending(storage: &dyn Storage, address: &Addr) -> Result<Uint128, ContractError> {
    let mut total = REWARDS.may_load(storage, address)?.unwrap_or_default();
    if let Some(d) = DELEGATIONS.may_load(storage, address)? {
        let op = operators::load(storage, &d.operator)?;
        for p in &d.positions {
            let pool = pools::now(storage, &op, p.strategy_id)?;
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
    let mut op = operators::load(deps.storage, &address)?;
    let own = credit(&mut op, amount);
    OPERATORS.save(deps.storage, &address, &op)?;
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
