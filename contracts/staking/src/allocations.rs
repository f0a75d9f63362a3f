//! Allocations: the unique slice of its stake an operator puts at each service's risk.
//!
//! A slice is a magnitude out of the operator's `max_magnitude`; its stake is
//! `stake × magnitude / max_magnitude`. Magnitudes do not move when delegators come and go,
//! so a delegation changes one stake snapshot however many services the operator serves; and a
//! slash lowers the service's magnitude and `max_magnitude` by the same amount, so every other
//! service's slice keeps its stake.

use cosmwasm_std::{
    Addr, DepsMut, Empty, Env, MessageInfo, Order, Response, StdResult, Storage, Uint64, Uint128,
};
use poi_types::staking::{
    Allocation, AllocationChange, MAX_ALLOCATIONS_PER_OPERATOR, Operator, WHOLE_STAKE,
};

use crate::ContractError;
use crate::operators;
use crate::services;
use crate::state::{
    ALLOCATIONS, CONFIG, COUNTED_MAGNITUDE, MAX_MAGNITUDE, OPERATOR_STAKE, OPERATORS,
    PENDING_ALLOCATIONS,
};

/// The part of `stake` a magnitude stands for, when the whole stake's magnitude is `max`.
pub fn stake_of(stake: Uint128, magnitude: Uint64, max: Uint64) -> Uint128 {
    if max.is_zero() {
        return Uint128::zero();
    }
    // magnitude <= max, so the result is at most `stake`.
    stake.multiply_ratio(magnitude.u64(), max.u64())
}

/// The stake the operator allocated to the service as counted at the start of block `height`.
pub fn stake_at(
    storage: &dyn Storage,
    service_id: u32,
    operator: &Addr,
    height: u64,
) -> StdResult<Uint128> {
    let counted = COUNTED_MAGNITUDE
        .may_load_at_height(storage, (service_id, operator), height)?
        .unwrap_or_default();
    if counted.is_zero() {
        return Ok(Uint128::zero());
    }
    let stake = OPERATOR_STAKE
        .may_load_at_height(storage, operator, height)?
        .unwrap_or_default();
    let max = MAX_MAGNITUDE
        .may_load_at_height(storage, operator, height)?
        .unwrap_or(WHOLE_STAKE);
    Ok(stake_of(stake, counted, max))
}

/// Records the magnitude that counts for the service from this block on.
pub fn save_counted(
    storage: &mut dyn Storage,
    service_id: u32,
    operator: &Addr,
    magnitude: Uint64,
    height: u64,
) -> StdResult<()> {
    let key = (service_id, operator);
    if magnitude.is_zero() {
        if COUNTED_MAGNITUDE.may_load(storage, key)?.is_some() {
            COUNTED_MAGNITUDE.remove(storage, key, height)?;
        }
        Ok(())
    } else {
        COUNTED_MAGNITUDE.save(storage, key, &magnitude, height)
    }
}

/// Saves an allocation, or drops it once nothing is counted or pending, keeping the operator's
/// count of allocations in step.
pub fn save(
    storage: &mut dyn Storage,
    operator: &mut Operator,
    service_id: u32,
    existed: bool,
    allocation: &Allocation,
) -> StdResult<()> {
    let key = (&operator.address, service_id);
    let empty = allocation.magnitude.is_zero() && allocation.pending.is_none();
    match (existed, empty) {
        (true, true) => {
            ALLOCATIONS.remove(storage, key);
            operator.allocations -= 1;
        }
        (_, false) => {
            ALLOCATIONS.save(storage, key, allocation)?;
            operator.allocations += u32::from(!existed);
        }
        (false, true) => {}
    }
    if allocation.pending.is_some() {
        PENDING_ALLOCATIONS.save(storage, key, &Empty {})
    } else {
        PENDING_ALLOCATIONS.remove(storage, key);
        Ok(())
    }
}

/// Settles one allocation's pending change if its time has come: an increase starts counting, a
/// decrease's slice is released back to the operator's free magnitude.
fn settle(
    storage: &mut dyn Storage,
    env: &Env,
    operator: &mut Operator,
    service_id: u32,
    allocation: &mut Allocation,
) -> StdResult<bool> {
    match allocation.pending {
        Some(AllocationChange::Increase { to, effective_at }) if effective_at <= env.block.time => {
            allocation.magnitude = to;
            save_counted(storage, service_id, &operator.address, to, env.block.height)?;
        }
        Some(AllocationChange::Decrease { from, release_at }) if release_at <= env.block.time => {
            operator.encumbered_magnitude -= from - allocation.magnitude;
        }
        _ => return Ok(false),
    }
    allocation.pending = None;
    Ok(true)
}

/// Settles every pending change of the operator whose time has come (of at most
/// [`MAX_ALLOCATIONS_PER_OPERATOR`], reading only those pending); the number settled. The caller saves the operator.
pub fn settle_all(storage: &mut dyn Storage, env: &Env, operator: &mut Operator) -> StdResult<u32> {
    let pending: Vec<u32> = PENDING_ALLOCATIONS
        .prefix(&operator.address)
        .keys(storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
    let mut settled = 0;
    for service_id in pending {
        let mut allocation = ALLOCATIONS.load(storage, (&operator.address, service_id))?;
        if settle(storage, env, operator, service_id, &mut allocation)? {
            save(storage, operator, service_id, true, &allocation)?;
            settled += 1;
        }
    }
    Ok(settled)
}

/// Loads an allocation with its pending change settled; `None` if there is none.
pub fn load_settled(
    storage: &mut dyn Storage,
    env: &Env,
    operator: &mut Operator,
    service_id: u32,
) -> StdResult<Option<Allocation>> {
    let Some(mut allocation) = ALLOCATIONS.may_load(storage, (&operator.address, service_id))?
    else {
        return Ok(None);
    };
    if settle(storage, env, operator, service_id, &mut allocation)? {
        save(storage, operator, service_id, true, &allocation)?;
    }
    Ok(Some(allocation))
}

pub fn set(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    service_id: u32,
    bps: u16,
) -> Result<Response, ContractError> {
    if bps > 10_000 {
        return Err(ContractError::InvalidField {
            field: "bps",
            reason: "at most 10000".into(),
        });
    }
    services::load(deps.storage, service_id)?;
    let config = CONFIG.load(deps.storage)?;
    let mut operator = operators::load(deps.storage, &info.sender)?;
    // Released slices free magnitude for this change.
    settle_all(deps.storage, &env, &mut operator)?;
    let existing = ALLOCATIONS.may_load(deps.storage, (&operator.address, service_id))?;
    let existed = existing.is_some();
    let mut allocation = existing.unwrap_or(Allocation {
        magnitude: Uint64::zero(),
        pending: None,
    });
    if let Some(pending) = allocation.pending {
        return Err(ContractError::AllocationPending {
            service_id,
            pending,
        });
    }
    let target = operator.max_magnitude.multiply_ratio(bps, 10_000u16);
    let current = allocation.magnitude;
    if target == current {
        return Err(ContractError::AllocationUnchanged { service_id });
    }

    if target > current {
        if !existed && operator.allocations >= MAX_ALLOCATIONS_PER_OPERATOR {
            return Err(ContractError::TooManyAllocations {
                max: MAX_ALLOCATIONS_PER_OPERATOR,
            });
        }
        let bonded = operators::self_bond(deps.storage, &operator)?;
        if bonded < config.min_self_bond || bonded.is_zero() {
            return Err(ContractError::SelfBondTooLow {
                bonded,
                required: config.min_self_bond,
            });
        }
        let free = operator.max_magnitude - operator.encumbered_magnitude;
        if target - current > free {
            return Err(ContractError::OverAllocated {
                requested_bps: bps,
                free_bps: free.multiply_ratio(10_000u16, operator.max_magnitude).u64(),
            });
        }
        operator.encumbered_magnitude += target - current;
        if config.allocation_delay == 0 {
            allocation.magnitude = target;
        } else {
            allocation.pending = Some(AllocationChange::Increase {
                to: target,
                effective_at: env.block.time.plus_seconds(config.allocation_delay),
            });
        }
    } else {
        // The slice stops counting now but stays at risk (and reserved) until released.
        allocation.magnitude = target;
        allocation.pending = Some(AllocationChange::Decrease {
            from: current,
            release_at: env.block.time.plus_seconds(config.withdrawal_delay),
        });
    }
    if allocation.magnitude != current {
        save_counted(
            deps.storage,
            service_id,
            &operator.address,
            allocation.magnitude,
            env.block.height,
        )?;
    }
    save(
        deps.storage,
        &mut operator,
        service_id,
        existed,
        &allocation,
    )?;
    OPERATORS.save(deps.storage, &operator.address, &operator)?;
    Ok(Response::new()
        .add_attribute("action", "set_allocation")
        .add_attribute("operator", info.sender)
        .add_attribute(
            poi_types::staking::events::SERVICE_ID,
            service_id.to_string(),
        )
        .add_attribute("bps", bps.to_string())
        .add_attribute("magnitude", target))
}

pub fn apply(deps: DepsMut, env: Env, operator: String) -> Result<Response, ContractError> {
    let address = deps.api.addr_validate(&operator)?;
    let mut operator = operators::load(deps.storage, &address)?;
    let settled = settle_all(deps.storage, &env, &mut operator)?;
    if settled == 0 {
        return Err(ContractError::NothingToApply);
    }
    OPERATORS.save(deps.storage, &address, &operator)?;
    Ok(Response::new()
        .add_attribute("action", "apply_allocations")
        .add_attribute("operator", address)
        .add_attribute("settled", settled.to_string()))
}

/// Longest ejection reason kept in the event.
const MAX_REASON_LEN: usize = 256;

pub fn eject(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    service_id: u32,
    operator: String,
    reason: String,
) -> Result<Response, ContractError> {
    let service = services::load(deps.storage, service_id)?;
    services::assert_slasher(&service, &env, &info.sender)?;
    if reason.len() > MAX_REASON_LEN {
        return Err(ContractError::InvalidField {
            field: "reason",
            reason: format!("at most {MAX_REASON_LEN} bytes"),
        });
    }
    let address = deps.api.addr_validate(&operator)?;
    let mut operator = operators::load(deps.storage, &address)?;
    let nothing = || ContractError::NothingToEject {
        operator: address.to_string(),
        service_id,
    };
    let mut allocation =
        load_settled(deps.storage, &env, &mut operator, service_id)?.ok_or_else(nothing)?;
    let release_at = env
        .block
        .time
        .plus_seconds(CONFIG.load(deps.storage)?.withdrawal_delay);
    // What stays at risk until `release_at`: the counted slice, or a larger one still slashable
    // after an earlier decrease. A pending increase never counted, so it is simply dropped.
    let at_risk = match allocation.pending {
        Some(AllocationChange::Increase { to, .. }) => {
            operator.encumbered_magnitude -= to - allocation.magnitude;
            allocation.magnitude
        }
        // Already leaving with nothing counted.
        Some(AllocationChange::Decrease { .. }) if allocation.magnitude.is_zero() => {
            return Err(nothing());
        }
        Some(AllocationChange::Decrease { from, .. }) => from,
        None if allocation.magnitude.is_zero() => return Err(nothing()),
        None => allocation.magnitude,
    };
    let counted = allocation.magnitude;
    allocation.magnitude = Uint64::zero();
    allocation.pending = (!at_risk.is_zero()).then_some(AllocationChange::Decrease {
        from: at_risk,
        release_at,
    });
    if !counted.is_zero() {
        save_counted(
            deps.storage,
            service_id,
            &address,
            Uint64::zero(),
            env.block.height,
        )?;
    }
    save(deps.storage, &mut operator, service_id, true, &allocation)?;
    OPERATORS.save(deps.storage, &address, &operator)?;
    Ok(Response::new()
        .add_attribute("action", "eject")
        .add_attribute(
            poi_types::staking::events::SERVICE_ID,
            service_id.to_string(),
        )
        .add_attribute("operator", address)
        .add_attribute("reason", reason)
        .add_attribute("slashable_until", release_at.seconds().to_string()))
}
