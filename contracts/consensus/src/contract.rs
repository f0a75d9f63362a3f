//! Entry points: message dispatch, instantiation, migration, and the reply to refused slashes.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    Binary, Deps, DepsMut, Env, MessageInfo, Reply, Response, StdError, SubMsgResult,
    to_json_binary,
};
use cw_utils::nonpayable;
use poi_types::consensus::events;
use poi_types::consensus::{Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};
use sha2::{Digest, Sha256};

use crate::error::ContractError;
use crate::payouts::SLASH_REPLY;
use crate::state::{ADMIN, CONFIG, PARAMS, RECORDS, SEED, SETTLEMENTS, SLASHED};
use crate::{claims, disputes, finalize, params, query, votes};

pub const CONTRACT_NAME: &str = "crates.io:poi-consensus";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    if !poi_types::denom::is_valid_denom(&msg.denom) {
        return Err(ContractError::InvalidField {
            field: "denom",
            reason: "not a valid denom".into(),
        });
    }
    let admin = match msg.admin {
        Some(a) => deps.api.addr_validate(&a)?,
        None => info.sender,
    };
    ADMIN.set(deps.branch(), Some(admin))?;
    let config = Config {
        registry: deps.api.addr_validate(&msg.registry)?,
        staking: deps.api.addr_validate(&msg.staking)?,
        service_id: msg.service_id,
        denom: msg.denom,
    };
    let params = params::validate(deps.api, msg.params)?;
    CONFIG.save(deps.storage, &config)?;
    PARAMS.save(deps.storage, &params)?;
    // A starting point only: the seed is mixed with every revealed salt from here on.
    let seed: [u8; 32] = Sha256::new()
        .chain_update(env.contract.address.as_bytes())
        .chain_update(env.block.height.to_be_bytes())
        .chain_update(env.block.time.nanos().to_be_bytes())
        .finalize()
        .into();
    SEED.save(deps.storage, &seed)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("registry", config.registry)
        .add_attribute("staking", config.staking))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Only claims and disputes carry funds; anything sent with another message would be stuck.
    if !matches!(msg, ExecuteMsg::SubmitClaim(_) | ExecuteMsg::Dispute { .. }) {
        nonpayable(&info)?;
    }
    match msg {
        ExecuteMsg::SubmitClaim(new) => claims::submit(deps, env, info, new),
        ExecuteMsg::CommitVote {
            claim_id,
            commitment,
        } => votes::commit(deps, env, info, claim_id, commitment),
        ExecuteMsg::RevealVote {
            claim_id,
            vote,
            salt,
        } => votes::reveal(deps, env, info, claim_id, vote, salt),
        ExecuteMsg::OpenSeal {
            claim_id,
            canary,
            salt,
        } => claims::open_seal(deps, env, info, claim_id, canary, salt),
        ExecuteMsg::Finalize { claim_id } => finalize::finalize(deps, env, claim_id),
        ExecuteMsg::Dispute { claim_id } => disputes::dispute(deps, env, info, claim_id),
        ExecuteMsg::UpdateParams(msg) => params::update(deps, info, msg),
        ExecuteMsg::UpdateAdmin { admin } => update_admin(deps, info, admin),
        ExecuteMsg::UpdateContracts {
            registry,
            staking,
            service_id,
        } => update_contracts(deps, info, registry, staking, service_id),
    }
}

fn update_contracts(
    deps: DepsMut,
    info: MessageInfo,
    registry: Option<String>,
    staking: Option<String>,
    service_id: Option<u32>,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let mut config = CONFIG.load(deps.storage)?;
    if let Some(registry) = registry {
        config.registry = deps.api.addr_validate(&registry)?;
    }
    if let Some(staking) = staking {
        config.staking = deps.api.addr_validate(&staking)?;
    }
    if let Some(service_id) = service_id {
        config.service_id = service_id;
    }
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "update_contracts")
        .add_attribute("registry", config.registry)
        .add_attribute("staking", config.staking)
        .add_attribute(
            poi_types::staking::events::SERVICE_ID,
            config.service_id.to_string(),
        ))
}

fn update_admin(
    deps: DepsMut,
    info: MessageInfo,
    admin: Option<String>,
) -> Result<Response, ContractError> {
    let admin = admin.map(|a| deps.api.addr_validate(&a)).transpose()?;
    Ok(ADMIN.execute_update_admin(deps, info, admin)?)
}

/// A slash the staking contract refused (the operator's stake is no longer at risk, or the bps is
/// over the staking contract's cap) must not stop a claim from settling. Its own changes were
/// rolled back; here the record that it happened is undone too.
#[cfg_attr(not(feature = "library"), entry_point)]
pub fn reply(deps: DepsMut, _env: Env, reply: Reply) -> Result<Response, ContractError> {
    if reply.id != SLASH_REPLY {
        return Err(StdError::msg(format!("unknown reply id {}", reply.id)).into());
    }
    let SubMsgResult::Err(error) = reply.result else {
        return Ok(Response::new());
    };
    let (claim_id, operator): (u64, String) = cosmwasm_std::from_json(&reply.payload)?;
    let operator = deps.api.addr_validate(&operator)?;
    SLASHED.remove(deps.storage, (claim_id, &operator));
    // The settlement is saved before its slashes are dispatched, so its record is there.
    if let Some(mut settlement) = SETTLEMENTS.may_load(deps.storage, claim_id)? {
        for order in settlement
            .slashes
            .iter_mut()
            .filter(|o| o.operator == operator)
        {
            order.refused = true;
        }
        SETTLEMENTS.save(deps.storage, claim_id, &settlement)?;
    }
    RECORDS.update(deps.storage, &operator, |r| -> Result<_, ContractError> {
        let mut r = r.unwrap_or_default();
        r.slashes = r.slashes.saturating_sub(1);
        Ok(r)
    })?;
    Ok(Response::new()
        .add_attribute("action", "slash_refused")
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("operator", operator)
        .add_attribute("error", error))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    Ok(match msg {
        QueryMsg::Config {} => to_json_binary(&CONFIG.load(deps.storage)?)?,
        QueryMsg::Admin {} => to_json_binary(&ADMIN.query_admin(deps)?)?,
        QueryMsg::Params {} => to_json_binary(&PARAMS.load(deps.storage)?)?,
        QueryMsg::Claim { id } => to_json_binary(&claims::load(deps.storage, id)?)?,
        QueryMsg::Claims {
            status,
            model_id,
            claimant,
            start_after,
            limit,
        } => to_json_binary(&query::claims(
            deps,
            status,
            model_id,
            claimant,
            start_after,
            limit,
        )?)?,
        QueryMsg::Committee { claim_id, round } => {
            to_json_binary(&query::committee(deps, claim_id, round)?)?
        }
        QueryMsg::Ballots { claim_id, round } => {
            to_json_binary(&query::ballots(deps, env, claim_id, round)?)?
        }
        QueryMsg::OperatorRecord { operator } => {
            to_json_binary(&query::operator_record(deps, operator)?)?
        }
        QueryMsg::Settlement { claim_id } => {
            to_json_binary(&SETTLEMENTS.may_load(deps.storage, claim_id)?)?
        }
    })
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    // Refuses another contract's state and a downgrade; records the new version.
    let from = cw2::ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    let rewritten = crate::migrations::run(deps, &from)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from.to_string())
        .add_attribute("claims_rewritten", rewritten.to_string()))
}
