//! Bonding to an operator, in any strategy, and queueing stake for withdrawal.

use cosmwasm_std::{
    Addr, DepsMut, Env, MessageInfo, Response, Storage, Uint128, Uint256, from_json,
};
use cw_utils::one_coin;
use poi_types::cw20::Cw20ReceiveMsg;
use poi_types::staking::{
    Asset, Delegation, Pool, Position, ReceiveMsg, Strategy, Withdrawal, events,
};

use crate::ContractError;
use crate::state::{CONFIG, DELEGATIONS, NEXT_WITHDRAWAL_ID, OPEN_WITHDRAWALS, WITHDRAWALS};
use crate::{operators, pool, pools, redelegation, rewards, strategies};

/// What a position is worth now; shares of an epoch a full slash ended are worth nothing.
pub fn value(pool: &Pool, position: &Position) -> Uint128 {
    if position.epoch == pool.epoch {
        pool::value(pool, position.shares)
    } else {
        Uint128::zero()
    }
}

/// Whether anything of the delegation is still worth something.
fn has_value(storage: &dyn Storage, delegation: &Delegation) -> Result<bool, ContractError> {
    let op = operators::load(storage, &delegation.operator)?;
    for position in &delegation.positions {
        let pool = pools::now(storage, &op, position.strategy_id)?;
        if !value(&pool, position).is_zero() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Native funds: one coin of a native strategy's denom.
pub fn delegate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    operator: String,
) -> Result<Response, ContractError> {
    let coin = one_coin(&info)?;
    let amount = Uint128::try_from(coin.amount).map_err(|_| ContractError::InvalidField {
        field: "funds",
        reason: "amount too large".into(),
    })?;
    let asset = Asset::Native { denom: coin.denom };
    let strategy = strategies::of_asset(deps.storage, &asset)?;
    bond(deps, &env, &info.sender, operator, strategy, amount)
}

/// cw20 funds: the token contract calls with what its holder sent.
pub fn receive(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    sent: Cw20ReceiveMsg,
) -> Result<Response, ContractError> {
    let asset = Asset::Cw20 {
        address: info.sender.into_string(),
    };
    let strategy = strategies::of_asset(deps.storage, &asset)?;
    let ReceiveMsg::Delegate { operator } = from_json(&sent.msg)?;
    let staker = deps.api.addr_validate(&sent.sender)?;
    bond(deps, &env, &staker, operator, strategy, sent.amount)
}

/// The staker's delegation to `operator`, ready to take a bond: rewards earned so far credited,
/// and a delegation with nothing left at another operator replaced by a fresh one.
fn delegation_to(
    storage: &mut dyn Storage,
    staker: &Addr,
    operator: &Addr,
) -> Result<Delegation, ContractError> {
    let fresh = Delegation {
        staker: staker.clone(),
        operator: operator.clone(),
        positions: vec![],
    };
    let Some(mut delegation) = DELEGATIONS.may_load(storage, staker)? else {
        return Ok(fresh);
    };
    if delegation.operator == *operator {
        return Ok(delegation);
    }
    if has_value(storage, &delegation)? {
        return Err(ContractError::DelegatedElsewhere {
            current: delegation.operator.to_string(),
        });
    }
    // Nothing left at the old operator: keep what it earned before its pools emptied.
    rewards::settle_all(storage, &mut delegation)?;
    Ok(fresh)
}

fn bond(
    deps: DepsMut,
    env: &Env,
    staker: &Addr,
    operator: String,
    mut strategy: Strategy,
    amount: Uint128,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    strategies::check_cap(&strategy, amount)?;
    let operator = deps.api.addr_validate(&operator)?;
    let before = operators::load(deps.storage, &operator)?;
    let mut delegation = delegation_to(deps.storage, staker, &operator)?;

    let mut touched = pools::touch(deps.storage, &before, strategy.id)?;
    let pool = &mut touched.pool;
    let index = match delegation
        .positions
        .binary_search_by_key(&strategy.id, |p| p.strategy_id)
    {
        Ok(index) => index,
        Err(index) => {
            delegation.positions.insert(
                index,
                Position {
                    strategy_id: strategy.id,
                    shares: Uint256::zero(),
                    epoch: pool.epoch,
                    reward_index: pool.reward_per_share,
                },
            );
            index
        }
    };
    let position = &mut delegation.positions[index];
    rewards::settle_position(deps.storage, staker, &operator, pool, position)?;
    if position.epoch != pool.epoch {
        // A full slash voided these shares: start afresh in the new epoch.
        position.shares = Uint256::zero();
        position.epoch = pool.epoch;
        position.reward_index = pool.reward_per_share;
    }
    position.shares += pool::deposit(pool, amount).ok_or(ContractError::PoolFull)?;

    let mut after = before.clone();
    let slashed = pools::save(deps.storage, &config, &mut after, &mut strategy, touched)?;
    DELEGATIONS.save(deps.storage, staker, &delegation)?;
    operators::save(deps.storage, env.block.height, &before, &after)?;
    Ok(Response::new()
        .add_messages(slashed)
        .add_attribute("action", "delegate")
        .add_attribute("staker", staker)
        .add_attribute("operator", operator)
        .add_attribute(events::STRATEGY_ID, strategy.id.to_string())
        .add_attribute("amount", amount))
}

pub fn undelegate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    strategy_id: u16,
    amount: Uint128,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    // A released redelegation is settled first: its debt comes out of the positions it moved.
    let settled = redelegation::settle_if_released(deps.storage, &config, &env, &info.sender)?;
    let mut delegation = DELEGATIONS
        .may_load(deps.storage, &info.sender)?
        .ok_or(ContractError::NoDelegation)?;
    let index = delegation
        .positions
        .binary_search_by_key(&strategy_id, |p| p.strategy_id)
        .map_err(|_| ContractError::NoDelegation)?;
    let operator = delegation.operator.clone();
    let before = operators::load(deps.storage, &operator)?;
    let mut strategy = strategies::load(deps.storage, strategy_id)?;
    let mut touched = pools::touch(deps.storage, &before, strategy.id)?;
    let position = &mut delegation.positions[index];
    rewards::settle_position(
        deps.storage,
        &info.sender,
        &operator,
        &touched.pool,
        position,
    )?;
    // Stake moved here by a redelegation still answers for the old operator: it stays bonded.
    let locked = redelegation::locked(deps.storage, &info.sender, strategy_id)?;
    let available = value(&touched.pool, position).saturating_sub(locked);
    if amount.is_zero() || amount > available {
        return Err(ContractError::InsufficientStake {
            requested: amount,
            available,
        });
    }
    let open = OPEN_WITHDRAWALS
        .may_load(deps.storage, &info.sender)?
        .unwrap_or(0);
    if open >= config.max_open_withdrawals {
        return Err(ContractError::TooManyWithdrawals { open });
    }

    let burned = pool::withdraw(&mut touched.pool, amount, position.shares);
    position.shares -= burned;
    if position.shares.is_zero() {
        delegation.positions.remove(index);
    }
    let mut after = before.clone();
    let slashed = pools::save(deps.storage, &config, &mut after, &mut strategy, touched)?;
    // An operator with allocations keeps its minimum self-bond; to leave, it deallocates first.
    if info.sender == operator && after.allocations > 0 {
        let bonded = operators::bonded_stake(deps.storage, &delegation)?;
        if bonded < config.min_self_bond {
            return Err(ContractError::SelfBondTooLow {
                bonded,
                required: config.min_self_bond,
            });
        }
    }
    if delegation.positions.is_empty() {
        DELEGATIONS.remove(deps.storage, &info.sender);
    } else {
        DELEGATIONS.save(deps.storage, &info.sender, &delegation)?;
    }
    operators::save(deps.storage, env.block.height, &before, &after)?;

    let id = NEXT_WITHDRAWAL_ID.may_load(deps.storage)?.unwrap_or(1);
    NEXT_WITHDRAWAL_ID.save(deps.storage, &(id + 1))?;
    let withdrawal = Withdrawal {
        id,
        staker: info.sender.clone(),
        operator: operator.clone(),
        strategy_id,
        amount,
        factor_epoch: after.factor_epoch,
        factor_at_creation: after.slash_factor,
        created_at: env.block.time,
        release_at: env.block.time.plus_seconds(config.withdrawal_delay),
    };
    WITHDRAWALS.save(deps.storage, (&info.sender, id), &withdrawal)?;
    OPEN_WITHDRAWALS.save(deps.storage, &info.sender, &(open + 1))?;
    Ok(Response::new()
        .add_messages(settled)
        .add_messages(slashed)
        .add_attribute("action", "undelegate")
        .add_attribute("staker", info.sender)
        .add_attribute("withdrawal_id", id.to_string())
        .add_attribute(events::STRATEGY_ID, strategy_id.to_string())
        .add_attribute("amount", amount)
        .add_attribute("release_at", withdrawal.release_at.seconds().to_string()))
}
