//! Rewards, paid per pool share with accumulators so that no action loops over delegators or
//! operators.
//!
//! Services pay rewards to operators (poi's consensus contract pays each voter its part, weighted
//! by its allocated stake). Rewards credited to an operator first pay its commission, the rest
//! raises its `reward_per_share`; a delegation is credited lazily from its shares. Every division
//! rounds down, so what can be claimed never exceeds what was paid in.

use cosmwasm_std::{
    Addr, BankMsg, Decimal256, DepsMut, MessageInfo, Response, Storage, Uint128, Uint256, coins,
};
use cw_utils::must_pay;
use poi_types::staking::{Delegation, Operator};

use crate::ContractError;
use crate::operators;
use crate::state::{CONFIG, DELEGATIONS, EPOCH_REWARD_PER_SHARE, OPERATORS, REWARDS};

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

/// Credits `amount` to an operator's pool and returns the operator's commission, which the
/// caller adds to the operator's rewards.
pub fn credit(op: &mut Operator, amount: Uint128) -> Uint128 {
    if op.pool.shares.is_zero() {
        // Nobody to share with: the operator keeps it all.
        return amount;
    }
    let commission = amount.multiply_ratio(op.commission_bps, 10_000u16);
    op.reward_per_share += Decimal256::from_ratio(amount - commission, op.pool.shares);
    commission
}

/// What a delegation has earned since it was last settled, and the index it is then settled to.
fn earned(
    storage: &dyn Storage,
    op: &Operator,
    d: &Delegation,
) -> Result<(Uint128, Decimal256), ContractError> {
    // Shares of an epoch a full slash ended earn only until that slash.
    let index = if d.epoch == op.pool.epoch {
        op.reward_per_share
    } else {
        EPOCH_REWARD_PER_SHARE
            .may_load(storage, (&op.address, d.epoch))?
            .unwrap_or(d.reward_index)
    };
    if index <= d.reward_index {
        return Ok((Uint128::zero(), d.reward_index.max(index)));
    }
    let amount = floor(Decimal256::from_ratio(d.shares, Uint256::one()) * (index - d.reward_index));
    Ok((amount, index))
}

/// Credits a delegation's rewards to its staker; call before its shares change.
pub fn settle_delegation(
    storage: &mut dyn Storage,
    op: &Operator,
    d: &mut Delegation,
) -> Result<(), ContractError> {
    let (amount, index) = earned(storage, op, d)?;
    add_reward(storage, &d.staker, amount)?;
    d.reward_index = index;
    Ok(())
}

/// Everything `address` could claim now, settled or not.
pub fn pending(storage: &dyn Storage, address: &Addr) -> Result<Uint128, ContractError> {
    let mut total = REWARDS.may_load(storage, address)?.unwrap_or_default();
    if let Some(d) = DELEGATIONS.may_load(storage, address)? {
        let op = operators::load(storage, &d.operator)?;
        total += earned(storage, &op, &d)?.0;
    }
    Ok(total)
}

pub fn distribute(
    deps: DepsMut,
    info: MessageInfo,
    operator: String,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let amount = Uint128::try_from(must_pay(&info, &config.bond_denom)?).map_err(|_| {
        ContractError::InvalidField {
            field: "funds",
            reason: "amount too large".into(),
        }
    })?;
    let address = deps.api.addr_validate(&operator)?;
    let mut op = operators::load(deps.storage, &address)?;
    let commission = credit(&mut op, amount);
    add_reward(deps.storage, &address, commission)?;
    OPERATORS.save(deps.storage, &address, &op)?;
    Ok(Response::new()
        .add_attribute("action", "distribute_rewards")
        .add_attribute("to", address)
        .add_attribute("amount", amount))
}

pub fn claim(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    // Credit everything earned so far as a delegator; commission is credited when paid.
    if let Some(mut d) = DELEGATIONS.may_load(deps.storage, &info.sender)? {
        let op = operators::load(deps.storage, &d.operator)?;
        settle_delegation(deps.storage, &op, &mut d)?;
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
            amount: coins(amount.u128(), &config.bond_denom),
        }))
}
