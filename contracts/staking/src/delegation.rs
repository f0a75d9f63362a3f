//! Bonding to an operator and queueing stake for withdrawal.

use cosmwasm_std::{Addr, DepsMut, Env, MessageInfo, Response, Storage, Uint128, Uint256};
use cw_utils::must_pay;
use poi_types::staking::{Delegation, Operator, Withdrawal};

use crate::ContractError;
use crate::operators;
use crate::pool;
use crate::rewards;
use crate::state::{CONFIG, DELEGATIONS, NEXT_WITHDRAWAL_ID, OPEN_WITHDRAWALS, WITHDRAWALS};

/// What a delegation is worth now; shares of an epoch a full slash ended are worth nothing.
pub fn value(operator: &Operator, delegation: &Delegation) -> Uint128 {
    if delegation.epoch == operator.pool.epoch {
        pool::value(&operator.pool, delegation.shares)
    } else {
        Uint128::zero()
    }
}

/// The staker's delegation and its operator, both settled: rewards earned so far are credited
/// before anything about them changes.
fn current(
    storage: &mut dyn Storage,
    staker: &Addr,
) -> Result<Option<(Delegation, Operator)>, ContractError> {
    let Some(mut delegation) = DELEGATIONS.may_load(storage, staker)? else {
        return Ok(None);
    };
    let operator = operators::load(storage, &delegation.operator)?;
    rewards::settle_delegation(storage, &operator, &mut delegation)?;
    Ok(Some((delegation, operator)))
}

pub fn delegate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    operator: String,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let amount = must_pay(&info, &config.bond_denom)?;
    let amount = Uint128::try_from(amount).map_err(|_| ContractError::InvalidField {
        field: "funds",
        reason: "amount too large".into(),
    })?;
    let operator = deps.api.addr_validate(&operator)?;
    let before = operators::load(deps.storage, &operator)?;

    let mut delegation = match current(deps.storage, &info.sender)? {
        Some((d, op)) if d.operator != operator && value(&op, &d) > Uint128::zero() => {
            return Err(ContractError::DelegatedElsewhere {
                current: d.operator.to_string(),
            });
        }
        Some((d, _)) if d.operator == operator && d.epoch == before.pool.epoch => d,
        // Nothing left of an old delegation: start afresh.
        _ => Delegation {
            staker: info.sender.clone(),
            operator: operator.clone(),
            shares: Uint256::zero(),
            epoch: before.pool.epoch,
            reward_index: before.reward_per_share,
        },
    };
    let mut after = before.clone();
    delegation.shares += pool::deposit(&mut after.pool, amount).ok_or(ContractError::PoolFull)?;
    delegation.epoch = after.pool.epoch;
    DELEGATIONS.save(deps.storage, &info.sender, &delegation)?;
    operators::save(deps.storage, env.block.height, &before, &after)?;
    Ok(Response::new()
        .add_attribute("action", "delegate")
        .add_attribute("staker", info.sender)
        .add_attribute("operator", operator)
        .add_attribute("amount", amount))
}

pub fn undelegate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    amount: Uint128,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let (mut delegation, before) =
        current(deps.storage, &info.sender)?.ok_or(ContractError::NoDelegation)?;
    let available = value(&before, &delegation);
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
    // An operator with allocations keeps its minimum self-bond; to leave, it deallocates first.
    if info.sender == before.address
        && before.allocations > 0
        && available - amount < config.min_self_bond
    {
        return Err(ContractError::SelfBondTooLow {
            bonded: available - amount,
            required: config.min_self_bond,
        });
    }

    let mut after = before.clone();
    let burned = pool::withdraw(&mut after.pool, amount, delegation.shares);
    delegation.shares -= burned;
    if delegation.shares.is_zero() {
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
        operator: before.address.clone(),
        amount,
        factor_epoch: after.factor_epoch,
        factor_at_creation: after.slash_factor,
        created_at: env.block.time,
        release_at: env.block.time.plus_seconds(config.withdrawal_delay),
    };
    WITHDRAWALS.save(deps.storage, (&info.sender, id), &withdrawal)?;
    OPEN_WITHDRAWALS.save(deps.storage, &info.sender, &(open + 1))?;
    Ok(Response::new()
        .add_attribute("action", "undelegate")
        .add_attribute("staker", info.sender)
        .add_attribute("withdrawal_id", id.to_string())
        .add_attribute("amount", amount)
        .add_attribute("release_at", withdrawal.release_at.seconds().to_string()))
}
