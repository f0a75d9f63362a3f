//! Registering operators, opting in and out, and keeping the stake snapshots in step.

use cosmwasm_std::{Addr, Decimal256, DepsMut, Env, MessageInfo, Response, Storage, Uint128};
use poi_types::staking::{MAX_COMMISSION_BPS, Operator, OperatorMetadata, Pool};

use crate::ContractError;
use crate::pool;
use crate::rewards;
use crate::state::{
    CONFIG, DELEGATIONS, OPERATOR_STAKE, OPERATORS, SERVICE_REWARD_INDEX, SERVICE_STAKE,
};

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

/// Loads an operator credited with every service-wide reward so far: the form to change it in.
///
/// The settled state is saved at once. Settling credits the commission to the operator's
/// rewards, so a settled operator that was not saved would be credited again on the next load.
pub fn load_settled(storage: &mut dyn Storage, address: &Addr) -> Result<Operator, ContractError> {
    let mut operator = load(storage, address)?;
    rewards::settle_operator(storage, &mut operator)?;
    OPERATORS.save(storage, address, &operator)?;
    Ok(operator)
}

/// Saves an operator and moves the stake snapshots by what changed.
pub fn save(
    storage: &mut dyn Storage,
    height: u64,
    before: &Operator,
    after: &Operator,
) -> Result<(), ContractError> {
    OPERATORS.save(storage, &after.address, after)?;
    if before.pool.tokens != after.pool.tokens {
        OPERATOR_STAKE.save(storage, &after.address, &after.pool.tokens, height)?;
    }
    let counted = |op: &Operator| {
        if op.opted_in {
            op.pool.tokens
        } else {
            Uint128::zero()
        }
    };
    let (old, new) = (counted(before), counted(after));
    if old != new {
        let total = SERVICE_STAKE.may_load(storage)?.unwrap_or_default();
        SERVICE_STAKE.save(storage, &(total - old + new), height)?;
    }
    Ok(())
}

/// What the operator has bonded to itself.
pub fn self_bond(storage: &dyn Storage, operator: &Operator) -> Result<Uint128, ContractError> {
    Ok(match DELEGATIONS.may_load(storage, &operator.address)? {
        Some(d) if d.operator == operator.address && d.epoch == operator.pool.epoch => {
            pool::value(&operator.pool, d.shares)
        }
        _ => Uint128::zero(),
    })
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
        opted_in: false,
        opted_out_at: None,
        pool: Pool::default(),
        slash_factor: Decimal256::one(),
        factor_epoch: 0,
        slash_count: 0,
        reward_per_share: Decimal256::zero(),
        // Rewards sent to the service before it joined are not its to share.
        service_index: SERVICE_REWARD_INDEX
            .may_load(deps.storage)?
            .unwrap_or_default(),
    };
    OPERATORS.save(deps.storage, &info.sender, &operator)?;
    OPERATOR_STAKE.save(
        deps.storage,
        &info.sender,
        &Uint128::zero(),
        env.block.height,
    )?;
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

pub fn opt_in(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let before = load_settled(deps.storage, &info.sender)?;
    if before.opted_in {
        return Err(ContractError::AlreadyOpted { state: "in" });
    }
    let required = CONFIG.load(deps.storage)?.min_self_bond;
    let bonded = self_bond(deps.storage, &before)?;
    if bonded < required || bonded.is_zero() {
        return Err(ContractError::SelfBondTooLow { bonded, required });
    }
    let mut after = before.clone();
    after.opted_in = true;
    save(deps.storage, env.block.height, &before, &after)?;
    Ok(Response::new()
        .add_attribute("action", "opt_in")
        .add_attribute("operator", info.sender))
}

pub fn opt_out(deps: DepsMut, env: Env, info: MessageInfo) -> Result<Response, ContractError> {
    let before = load_settled(deps.storage, &info.sender)?;
    if !before.opted_in {
        return Err(ContractError::AlreadyOpted { state: "out" });
    }
    let mut after = before.clone();
    after.opted_in = false;
    after.opted_out_at = Some(env.block.time);
    save(deps.storage, env.block.height, &before, &after)?;
    Ok(Response::new()
        .add_attribute("action", "opt_out")
        .add_attribute("operator", info.sender))
}
