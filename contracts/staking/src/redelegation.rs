//! Redelegation: moving a delegation to another operator at once, without a withdrawal, while the
//! moved stake stays answerable for the old operator's faults for the withdrawal delay.
//!
//! The moved tokens leave the old operator's pools and join the new one's the same block, so they
//! count for the new operator's services at once. What the old operator's slashes would have taken
//! of them until the release time is read, when the redelegation is settled, from the old
//! operator's slash-factor history, exactly as a queued withdrawal's loss is; it is then taken from
//! the staker's positions at the new operator and sent where slashes go. Until then the moved
//! amounts cannot be undelegated, so the loss can always be taken, and a staker has one
//! redelegation in flight at a time, so no stake escapes by hopping on.

use cosmwasm_std::{
    Addr, CosmosMsg, DepsMut, Env, MessageInfo, Response, Storage, Uint128, Uint256,
};
use poi_types::staking::{Config, Delegation, Position, Redelegation, StrategyAmount};

use crate::ContractError;
use crate::state::{CONFIG, DELEGATIONS, REDELEGATIONS};
use crate::{delegation, operators, pool, pools, rewards, strategies, withdrawals};

/// What the old operator's slashes before the release time (up to `now`, if earlier) take of
/// each moved amount.
pub fn owed(
    storage: &dyn Storage,
    r: &Redelegation,
    now: cosmwasm_std::Timestamp,
) -> Result<Vec<StrategyAmount>, ContractError> {
    let liability = withdrawals::Liability {
        operator: &r.from,
        factor_epoch: r.factor_epoch,
        factor_at_creation: r.factor_at_creation,
        release_at: r.release_at,
    };
    r.amounts
        .iter()
        .map(|moved| {
            let kept = withdrawals::after_slashes(storage, &liability, now, moved.amount)?;
            Ok(StrategyAmount {
                strategy_id: moved.strategy_id,
                amount: moved.amount - kept,
            })
        })
        .collect()
}

/// What of a strategy the staker cannot undelegate yet: the amount moved in it by a redelegation
/// not yet settled.
pub fn locked(
    storage: &dyn Storage,
    staker: &Addr,
    strategy_id: u16,
) -> Result<Uint128, ContractError> {
    Ok(REDELEGATIONS
        .may_load(storage, staker)?
        .and_then(|r| r.amounts.into_iter().find(|a| a.strategy_id == strategy_id))
        .map_or(Uint128::zero(), |a| a.amount))
}

pub fn redelegate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    operator: String,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let staker = info.sender;
    let mut msgs = settle_if_released(deps.storage, &config, &env, &staker)?;
    if let Some(r) = REDELEGATIONS.may_load(deps.storage, &staker)? {
        return Err(ContractError::RedelegationInFlight {
            release_at: r.release_at,
        });
    }
    let to = deps.api.addr_validate(&operator)?;
    let mut d = DELEGATIONS
        .may_load(deps.storage, &staker)?
        .ok_or(ContractError::NoDelegation)?;
    if d.operator == to {
        return Err(ContractError::SameOperator);
    }
    let from_before = operators::load(deps.storage, &d.operator)?;
    let to_before = operators::load(deps.storage, &to)?;
    // An operator keeps its minimum self-bond while it has allocations; to leave, it deallocates.
    if staker == from_before.address && from_before.allocations > 0 {
        return Err(ContractError::SelfBondTooLow {
            bonded: Uint128::zero(),
            required: config.min_self_bond,
        });
    }
    rewards::settle_all(deps.storage, &mut d)?;

    let (mut from_after, mut to_after) = (from_before.clone(), to_before.clone());
    let (mut moved, mut positions) = (vec![], vec![]);
    for p in &d.positions {
        let mut strategy = strategies::load(deps.storage, p.strategy_id)?;
        let mut old = pools::touch(deps.storage, &from_after, strategy.id)?;
        let value = delegation::value(&old.pool, p);
        if value.is_zero() {
            // Shares a full slash voided: nothing to move (their rewards were credited above).
            continue;
        }
        pool::withdraw(&mut old.pool, value, p.shares);
        msgs.extend(pools::save(
            deps.storage,
            &config,
            &mut from_after,
            &mut strategy,
            old,
        )?);
        let mut new = pools::touch(deps.storage, &to_after, strategy.id)?;
        let shares = pool::deposit(&mut new.pool, value).ok_or(ContractError::PoolFull)?;
        positions.push(Position {
            strategy_id: p.strategy_id,
            shares,
            epoch: new.pool.epoch,
            reward_index: new.pool.reward_per_share,
        });
        msgs.extend(pools::save(
            deps.storage,
            &config,
            &mut to_after,
            &mut strategy,
            new,
        )?);
        moved.push(StrategyAmount {
            strategy_id: p.strategy_id,
            amount: value,
        });
    }
    if moved.is_empty() {
        return Err(ContractError::NoDelegation);
    }
    operators::save(deps.storage, env.block.height, &from_before, &from_after)?;
    operators::save(deps.storage, env.block.height, &to_before, &to_after)?;
    DELEGATIONS.save(
        deps.storage,
        &staker,
        &Delegation {
            staker: staker.clone(),
            operator: to.clone(),
            positions,
        },
    )?;
    let redelegation = Redelegation {
        staker: staker.clone(),
        from: from_before.address.clone(),
        to: to.clone(),
        amounts: moved,
        factor_epoch: from_after.factor_epoch,
        factor_at_creation: from_after.slash_factor,
        created_at: env.block.time,
        release_at: env.block.time.plus_seconds(config.withdrawal_delay),
    };
    REDELEGATIONS.save(deps.storage, &staker, &redelegation)?;
    Ok(Response::new()
        .add_messages(msgs)
        .add_attribute("action", "redelegate")
        .add_attribute("staker", staker)
        .add_attribute("from", from_before.address)
        .add_attribute("to", to)
        .add_attribute("release_at", redelegation.release_at.seconds().to_string()))
}

/// Anyone, once the release time has passed.
pub fn settle(deps: DepsMut, env: Env, staker: String) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let staker = deps.api.addr_validate(&staker)?;
    let r = REDELEGATIONS
        .may_load(deps.storage, &staker)?
        .ok_or(ContractError::NoRedelegation)?;
    if r.release_at > env.block.time {
        return Err(ContractError::RedelegationInFlight {
            release_at: r.release_at,
        });
    }
    let msgs = settle_released(deps.storage, &config, &env, r)?;
    Ok(Response::new()
        .add_messages(msgs)
        .add_attribute("action", "settle_redelegation")
        .add_attribute("staker", staker))
}

/// Settles the staker's redelegation if its release time has passed, returning the messages that
/// send what it owed where slashes go; one still in flight is left as it is.
pub fn settle_if_released(
    storage: &mut dyn Storage,
    config: &Config,
    env: &Env,
    staker: &Addr,
) -> Result<Vec<CosmosMsg>, ContractError> {
    match REDELEGATIONS.may_load(storage, staker)? {
        Some(r) if r.release_at <= env.block.time => settle_released(storage, config, env, r),
        _ => Ok(vec![]),
    }
}

/// Ends a released redelegation: takes what the old operator's slashes cost the moved stake out
/// of the staker's positions at the new operator (at most what they are worth) and returns the
/// messages that send it where slashes go.
fn settle_released(
    storage: &mut dyn Storage,
    config: &Config,
    env: &Env,
    r: Redelegation,
) -> Result<Vec<CosmosMsg>, ContractError> {
    REDELEGATIONS.remove(storage, &r.staker);
    let owed = owed(storage, &r, env.block.time)?;
    let mut msgs = vec![];
    let Some(mut d) = DELEGATIONS
        .may_load(storage, &r.staker)?
        .filter(|d| d.operator == r.to)
    else {
        // The staker left the new operator, which it could only do with nothing left there.
        return Ok(msgs);
    };
    let before = operators::load(storage, &r.to)?;
    let mut after = before.clone();
    for debt in owed.iter().filter(|o| !o.amount.is_zero()) {
        let Some(p) = d
            .positions
            .iter_mut()
            .find(|p| p.strategy_id == debt.strategy_id)
        else {
            continue;
        };
        let mut strategy = strategies::load(storage, debt.strategy_id)?;
        let mut touched = pools::touch(storage, &after, strategy.id)?;
        rewards::settle_position(storage, &r.staker, &r.to, &touched.pool, p)?;
        let taken = debt.amount.min(delegation::value(&touched.pool, p));
        if taken.is_zero() {
            continue;
        }
        p.shares -= pool::withdraw(&mut touched.pool, taken, p.shares);
        msgs.extend(pools::save(
            storage,
            config,
            &mut after,
            &mut strategy,
            touched,
        )?);
        msgs.push(strategies::slashed_msg(config, &strategy.asset, taken)?);
    }
    d.positions.retain(|p| p.shares > Uint256::zero());
    if d.positions.is_empty() {
        DELEGATIONS.remove(storage, &r.staker);
    } else {
        DELEGATIONS.save(storage, &r.staker, &d)?;
    }
    operators::save(storage, env.block.height, &before, &after)?;
    Ok(msgs)
}
