//! Registering operators and keeping their stake snapshots in step.

use cosmwasm_std::{
    Addr, Decimal256, DepsMut, Env, MessageInfo, Response, Storage, Uint64, Uint128,
};
use poi_types::staking::{Delegation, MAX_COMMISSION_BPS, Operator, OperatorMetadata, WHOLE_STAKE};

use crate::ContractError;
use crate::state::{DELEGATIONS, MAX_MAGNITUDE, OPERATOR_STAKE, OPERATORS};
use crate::{delegation, pools, strategies};

const MAX_MONIKER_LEN: usize = 64;
const MAX_URI_LEN: usize = 256;

fn validate(commission_bps: u16, metadata: &OperatorMetadata) -> Result<(), ContractError> {
    if commission_bps > MAX_COMMISSION_BPS {
        return Err(ContractError::InvalidField {
            field: "commission_bps",
            reason: "at most 10000".into(),
        });
    }
    if metadata.moniker.is_empty() || metadata.moniker.len() > MAX_MONIKER_LEN {
        return Err(ContractError::InvalidField {
            field: "metadata.moniker",
            reason: format!("must be 1 to {MAX_MONIKER_LEN} bytes"),
        });
    }
    if metadata
        .uri
        .as_ref()
        .is_some_and(|u| u.is_empty() || u.len() > MAX_URI_LEN || u.contains(char::is_whitespace))
    {
        return Err(ContractError::InvalidField {
            field: "metadata.uri",
            reason: format!("1 to {MAX_URI_LEN} bytes, no whitespace"),
        });
    }
    Ok(())
}

pub fn load(storage: &dyn Storage, address: &Addr) -> Result<Operator, ContractError> {
    OPERATORS
        .may_load(storage, address)?
        .ok_or_else(|| ContractError::NotOperator {
            address: address.to_string(),
        })
}

/// Saves an operator and moves the stake snapshots by what changed.
pub fn save(
    storage: &mut dyn Storage,
    height: u64,
    before: &Operator,
    after: &Operator,
) -> Result<(), ContractError> {
    OPERATORS.save(storage, &after.address, after)?;
    if before.stake != after.stake {
        OPERATOR_STAKE.save(storage, &after.address, &after.stake, height)?;
    }
    if before.max_magnitude != after.max_magnitude {
        MAX_MAGNITUDE.save(storage, &after.address, &after.max_magnitude, height)?;
    }
    Ok(())
}

/// The operator's stake from its stake units: `stake_units × slash_factor`, rounded down.
pub fn stake_of(op: &Operator) -> Result<Uint128, ContractError> {
    let stake = op
        .stake_units
        .checked_mul(op.slash_factor)
        .map_err(|_| ContractError::StakeOverflow)?;
    Uint128::try_from(stake.to_uint_floor()).map_err(|_| ContractError::StakeOverflow)
}

/// What a delegation weighs now: the weighted sum of its positions' values.
pub fn bonded_stake(storage: &dyn Storage, d: &Delegation) -> Result<Uint128, ContractError> {
    let op = load(storage, &d.operator)?;
    let mut stake = Uint128::zero();
    for position in &d.positions {
        let strategy = strategies::load(storage, position.strategy_id)?;
        let pool = pools::now(storage, &op, position.strategy_id)?;
        let weight = strategies::weigh(&strategy, delegation::value(&pool, position))?;
        stake = stake
            .checked_add(weight)
            .map_err(|_| ContractError::StakeOverflow)?;
    }
    Ok(stake)
}

/// What the operator has bonded to itself, weighted.
pub fn self_bond(storage: &dyn Storage, operator: &Operator) -> Result<Uint128, ContractError> {
    match DELEGATIONS.may_load(storage, &operator.address)? {
        Some(d) if d.operator == operator.address => bonded_stake(storage, &d),
        _ => Ok(Uint128::zero()),
    }
}

pub fn register(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    commission_bps: u16,
    metadata: OperatorMetadata,
) -> Result<Response, ContractError> {
    validate(commission_bps, &metadata)?;
    if OPERATORS.has(deps.storage, &info.sender) {
        return Err(ContractError::AlreadyOperator {
            address: info.sender.to_string(),
        });
    }
    let operator = Operator {
        address: info.sender.clone(),
        commission_bps,
        metadata,
        stake: Uint128::zero(),
        stake_units: Decimal256::zero(),
        reward_per_unit: Decimal256::zero(),
        max_magnitude: WHOLE_STAKE,
        encumbered_magnitude: Uint64::zero(),
        allocations: 0,
        slash_factor: Decimal256::one(),
        factor_epoch: 0,
        slash_count: 0,
    };
    OPERATORS.save(deps.storage, &info.sender, &operator)?;
    OPERATOR_STAKE.save(
        deps.storage,
        &info.sender,
        &Uint128::zero(),
        env.block.height,
    )?;
    MAX_MAGNITUDE.save(deps.storage, &info.sender, &WHOLE_STAKE, env.block.height)?;
    Ok(Response::new()
        .add_attribute("action", "register_operator")
        .add_attribute("operator", info.sender))
}

pub fn update(
    deps: DepsMut,
    info: MessageInfo,
    commission_bps: Option<u16>,
    metadata: Option<OperatorMetadata>,
) -> Result<Response, ContractError> {
    let mut operator = load(deps.storage, &info.sender)?;
    let commission = commission_bps.unwrap_or(operator.commission_bps);
    let metadata = metadata.unwrap_or_else(|| operator.metadata.clone());
    validate(commission, &metadata)?;
    operator.commission_bps = commission;
    operator.metadata = metadata;
    OPERATORS.save(deps.storage, &info.sender, &operator)?;
    Ok(Response::new()
        .add_attribute("action", "update_operator")
        .add_attribute("operator", info.sender))
}
