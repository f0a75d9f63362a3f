//! Entry points: message dispatch, instantiation and migration.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response, Uint128, to_json_binary};
use cw_utils::nonpayable;
use poi_types::staking::{
    Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg, SlashDestination,
};

use crate::error::ContractError;
use crate::state::{CONFIG, SERVICE_STAKE};
use crate::{delegation, operators, query, rewards, slashing, withdrawals};

pub const CONTRACT_NAME: &str = "crates.io:poi-staking";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Longest withdrawal delay accepted: a year.
const MAX_WITHDRAWAL_DELAY: u64 = 365 * 24 * 3600;
const MAX_OPEN_WITHDRAWALS: u32 = 100;

fn invalid(field: &'static str, reason: &str) -> ContractError {
    ContractError::InvalidField {
        field,
        reason: reason.into(),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    if !poi_types::denom::is_valid_denom(&msg.bond_denom) {
        return Err(invalid("bond_denom", "not a valid denom"));
    }
    if msg.withdrawal_delay == 0 || msg.withdrawal_delay > MAX_WITHDRAWAL_DELAY {
        return Err(invalid("withdrawal_delay", "1 second to a year"));
    }
    if msg.max_slash_bps == 0 || msg.max_slash_bps > 10_000 {
        return Err(invalid("max_slash_bps", "1 to 10000"));
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
    let config = Config {
        admin: Some(match msg.admin {
            Some(a) => deps.api.addr_validate(&a)?,
            None => info.sender,
        }),
        bond_denom: msg.bond_denom,
        withdrawal_delay: msg.withdrawal_delay,
        slasher: msg
            .slasher
            .map(|s| deps.api.addr_validate(&s))
            .transpose()?,
        max_slash_bps: msg.max_slash_bps,
        min_self_bond: msg.min_self_bond,
        max_open_withdrawals: msg.max_open_withdrawals,
        slash_destination,
    };
    CONFIG.save(deps.storage, &config)?;
    SERVICE_STAKE.save(deps.storage, &Uint128::zero(), env.block.height)?;
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
        ExecuteMsg::OptIn {} => operators::opt_in(deps, env, info),
        ExecuteMsg::OptOut {} => operators::opt_out(deps, env, info),
        ExecuteMsg::Delegate { operator } => delegation::delegate(deps, env, info, operator),
        ExecuteMsg::Undelegate { amount } => delegation::undelegate(deps, env, info, amount),
        ExecuteMsg::CompleteWithdrawals { limit } => withdrawals::complete(deps, env, info, limit),
        ExecuteMsg::Slash {
            operator,
            bps,
            claim_id,
            reason,
            snapshot_height,
        } => {
            let order = slashing::SlashOrder {
                operator,
                bps,
                claim_id,
                reason,
                snapshot_height,
            };
            slashing::slash(deps, env, info, order)
        }
        ExecuteMsg::SetSlasher { slasher } => slashing::set_slasher(deps, info, slasher),
        ExecuteMsg::DistributeRewards { operator } => rewards::distribute(deps, info, operator),
        ExecuteMsg::ClaimRewards {} => rewards::claim(deps, info),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let binary = match msg {
        QueryMsg::Config {} => to_json_binary(&query::config(deps)?),
        QueryMsg::Operator { address } => to_json_binary(&query::operator(deps, address)?),
        QueryMsg::Operators { start_after, limit } => {
            to_json_binary(&query::operators(deps, start_after, limit)?)
        }
        QueryMsg::Delegation { staker } => to_json_binary(&query::delegation(deps, staker)?),
        QueryMsg::OperatorStakeAt { operator, height } => {
            to_json_binary(&query::operator_stake_at(deps, operator, height)?)
        }
        QueryMsg::ServiceStakeAt { height } => {
            to_json_binary(&query::service_stake_at(deps, height)?)
        }
        QueryMsg::CandidatesAt {
            height,
            start_after,
            limit,
        } => to_json_binary(&query::candidates_at(deps, height, start_after, limit)?),
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
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    let stored = cw2::get_contract_version(deps.storage)?;
    if stored.contract != CONTRACT_NAME {
        return Err(invalid("contract", "cannot migrate from another contract"));
    }
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", stored.version))
}
