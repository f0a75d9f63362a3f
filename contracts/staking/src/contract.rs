//! Entry points: message dispatch, instantiation and migration.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Decimal, Deps, DepsMut, Env, MessageInfo, Response, to_json_binary};
use cw_utils::nonpayable;
use poi_types::staking::{
    Asset, Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, SlashDestination,
};

use crate::error::ContractError;
use crate::state::{ADMIN, CONFIG};
use crate::{
    allocations, delegation, migrations, operators, pools, query, redelegation, rewards, services,
    slashing, strategies, withdrawals,
};

pub const CONTRACT_NAME: &str = "crates.io:poi-staking";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Longest withdrawal or allocation delay accepted: a year.
const MAX_DELAY: u64 = 365 * 24 * 3600;
const MAX_OPEN_WITHDRAWALS: u32 = 100;

fn invalid(field: &'static str, reason: &str) -> ContractError {
    ContractError::InvalidField {
        field,
        reason: reason.into(),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    mut deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    if !poi_types::denom::is_valid_denom(&msg.bond_denom) {
        return Err(invalid("bond_denom", "not a valid denom"));
    }
    if msg.withdrawal_delay == 0 || msg.withdrawal_delay > MAX_DELAY {
        return Err(invalid("withdrawal_delay", "1 second to a year"));
    }
    if msg.allocation_delay > MAX_DELAY {
        return Err(invalid("allocation_delay", "at most a year"));
    }
    if msg.max_open_withdrawals == 0 || msg.max_open_withdrawals > MAX_OPEN_WITHDRAWALS {
        return Err(invalid("max_open_withdrawals", "1 to 100"));
    }
    let slash_destination = match msg.slash_destination {
        SlashDestination::Burn {} => SlashDestination::Burn {},
        SlashDestination::Address { address } => SlashDestination::Address {
            address: deps.api.addr_validate(&address)?.into_string(),
        },
    };
    let admin = match msg.admin {
        Some(a) => deps.api.addr_validate(&a)?,
        None => info.sender,
    };
    ADMIN.set(deps.branch(), Some(admin))?;
    strategies::register(
        deps.storage,
        Asset::Native {
            denom: msg.bond_denom.clone(),
        },
        Decimal::one(),
        None,
    )?;
    let config = Config {
        reward_denom: msg.bond_denom,
        withdrawal_delay: msg.withdrawal_delay,
        allocation_delay: msg.allocation_delay,
        min_self_bond: msg.min_self_bond,
        max_open_withdrawals: msg.max_open_withdrawals,
        slash_destination,
    };
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new().add_attribute("action", "instantiate"))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Only delegating takes funds; anything sent with another message would be stuck here.
    if !matches!(
        msg,
        ExecuteMsg::Delegate { .. } | ExecuteMsg::DistributeRewards { .. }
    ) {
        nonpayable(&info)?;
    }
    match msg {
        ExecuteMsg::RegisterOperator {
            commission_bps,
            metadata,
        } => operators::register(deps, env, info, commission_bps, metadata),
        ExecuteMsg::UpdateOperator {
            commission_bps,
            metadata,
        } => operators::update(deps, info, commission_bps, metadata),
        ExecuteMsg::SetAllocation { service_id, bps } => {
            allocations::set(deps, env, info, service_id, bps)
        }
        ExecuteMsg::ApplyAllocations { operator } => allocations::apply(deps, env, operator),
        ExecuteMsg::Delegate { operator } => delegation::delegate(deps, env, info, operator),
        ExecuteMsg::Receive(sent) => delegation::receive(deps, env, info, sent),
        ExecuteMsg::Undelegate {
            strategy_id,
            amount,
        } => delegation::undelegate(deps, env, info, strategy_id, amount),
        ExecuteMsg::Redelegate { operator } => redelegation::redelegate(deps, env, info, operator),
        ExecuteMsg::SettleRedelegation { staker } => redelegation::settle(deps, env, staker),
        ExecuteMsg::CompleteWithdrawals { limit } => withdrawals::complete(deps, env, info, limit),
        ExecuteMsg::CollectSlashed {
            operator,
            strategy_id,
        } => pools::collect(deps, operator, strategy_id),
        ExecuteMsg::Slash {
            service_id,
            operator,
            bps,
            claim_id,
            reason,
            snapshot_height,
        } => {
            let order = slashing::SlashOrder {
                service_id,
                operator,
                bps,
                claim_id,
                reason,
                snapshot_height,
            };
            slashing::slash(deps, env, info, order)
        }
        ExecuteMsg::Eject {
            service_id,
            operator,
            reason,
        } => allocations::eject(deps, env, info, service_id, operator, reason),
        ExecuteMsg::RegisterService {
            name,
            uri,
            slasher,
            max_slash_bps,
        } => services::register(deps, info, name, uri, slasher, max_slash_bps),
        ExecuteMsg::AddStrategy { asset, weight, cap } => {
            strategies::add(deps, info, asset, weight, cap)
        }
        ExecuteMsg::SetStrategyCap { strategy_id, cap } => {
            strategies::set_cap(deps, info, strategy_id, cap)
        }
        ExecuteMsg::UpdateService {
            service_id,
            name,
            uri,
            slasher,
        } => services::update(deps, env, info, service_id, name, uri, slasher),
        ExecuteMsg::DistributeRewards { operator } => rewards::distribute(deps, info, operator),
        ExecuteMsg::ClaimRewards {} => rewards::claim(deps, info),
        ExecuteMsg::UpdateAdmin { admin } => {
            let admin = admin.map(|a| deps.api.addr_validate(&a)).transpose()?;
            Ok(ADMIN.execute_update_admin(deps, info, admin)?)
        }
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let binary = match msg {
        QueryMsg::Config {} => to_json_binary(&query::config(deps)?),
        QueryMsg::Admin {} => to_json_binary(&ADMIN.query_admin(deps)?),
        QueryMsg::Service { id } => to_json_binary(&query::service(deps, id)?),
        QueryMsg::Services { start_after, limit } => {
            to_json_binary(&query::services(deps, start_after, limit)?)
        }
        QueryMsg::AllocatedStakeAt {
            service_id,
            operator,
            height,
        } => to_json_binary(&query::allocated_stake_at(
            deps, service_id, operator, height,
        )?),
        QueryMsg::Allocations { operator } => to_json_binary(&query::allocations(deps, operator)?),
        QueryMsg::Strategies {} => to_json_binary(&query::strategies(deps)?),
        QueryMsg::Operator { address } => to_json_binary(&query::operator(deps, address)?),
        QueryMsg::Pools { operator } => to_json_binary(&query::pools(deps, operator)?),
        QueryMsg::Operators { start_after, limit } => {
            to_json_binary(&query::operators(deps, start_after, limit)?)
        }
        QueryMsg::Delegation { staker } => to_json_binary(&query::delegation(deps, staker)?),
        QueryMsg::OperatorStakeAt { operator, height } => {
            to_json_binary(&query::operator_stake_at(deps, operator, height)?)
        }
        QueryMsg::CandidatesAt {
            service_id,
            height,
            start_after,
            limit,
        } => to_json_binary(&query::candidates_at(
            deps,
            service_id,
            height,
            start_after,
            limit,
        )?),
        QueryMsg::Redelegation { staker } => {
            to_json_binary(&query::redelegation(deps, env, staker)?)
        }
        QueryMsg::Withdrawals {
            staker,
            start_after,
            limit,
        } => to_json_binary(&query::withdrawals(deps, env, staker, start_after, limit)?),
        QueryMsg::SlashHistory {
            operator,
            start_after,
            limit,
        } => to_json_binary(&query::slash_history(deps, operator, start_after, limit)?),
        QueryMsg::PendingRewards { address } => {
            to_json_binary(&query::pending_rewards(deps, address)?)
        }
    }?;
    Ok(binary)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    let from = cw2::ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let migrated = migrations::run(deps, &env, &from)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from.to_string())
        .add_attribute("operators_migrated", migrated.to_string()))
}
