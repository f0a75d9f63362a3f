//! Entry points: message dispatch, instantiation and migration.

#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{Binary, Deps, DepsMut, Env, MessageInfo, Response, to_json_binary};
use cw_utils::nonpayable;
use poi_types::registry::{Config, ExecuteMsg, InstantiateMsg, MigrateMsg, QueryMsg};

use crate::error::ContractError;
use crate::state::{ADMIN, CONFIG, NEXT_ASSET_ID};
use crate::{assets, migrations, query, tokens, validate, verifiers};

pub const CONTRACT_NAME: &str = "crates.io:poi-registry";
pub const CONTRACT_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(
    deps: DepsMut,
    _env: Env,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    nonpayable(&info)?;
    cw2::set_contract_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    create(deps, info, msg)
}

/// Sets up a fresh registry; split from [`instantiate`] so other contracts' tests can embed it.
pub fn create(
    mut deps: DepsMut,
    info: MessageInfo,
    msg: InstantiateMsg,
) -> Result<Response, ContractError> {
    let admin = match msg.admin {
        Some(admin) => deps.api.addr_validate(&admin)?,
        None => info.sender,
    };
    for (field, value) in [("name", &msg.name), ("symbol", &msg.symbol)] {
        if value.is_empty() || value.len() > validate::MAX_NAME_LEN {
            return Err(ContractError::InvalidField {
                field,
                reason: format!("must be 1 to {} bytes", validate::MAX_NAME_LEN),
            });
        }
    }
    ADMIN.set(deps.branch(), Some(admin.clone()))?;
    let config = Config {
        name: msg.name,
        symbol: msg.symbol,
    };
    CONFIG.save(deps.storage, &config)?;
    NEXT_ASSET_ID.save(deps.storage, &1)?;
    Ok(Response::new()
        .add_attribute("action", "instantiate")
        .add_attribute("admin", admin))
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    msg: ExecuteMsg,
) -> Result<Response, ContractError> {
    // Nothing here is paid for; funds sent by mistake would otherwise be stuck in the contract.
    nonpayable(&info)?;
    match msg {
        ExecuteMsg::RegisterAsset(new) => assets::register(deps, env, info, new),
        ExecuteMsg::UpdateAsset {
            id,
            uri,
            metadata,
            policy,
        } => assets::update(deps, info, id, uri, metadata, policy),
        ExecuteMsg::SetPrice { id, price_per_use } => {
            assets::set_price(deps, info, id, price_per_use)
        }
        ExecuteMsg::DeprecateAsset { id } => assets::deprecate(deps, info, id),
        ExecuteMsg::TransferNft {
            recipient,
            token_id,
        } => tokens::transfer(deps, env, info, recipient, token_id),
        ExecuteMsg::Approve {
            spender,
            token_id,
            expires,
        } => tokens::approve(deps, env, info, spender, token_id, expires),
        ExecuteMsg::Revoke { spender, token_id } => {
            tokens::revoke(deps, env, info, spender, token_id)
        }
        ExecuteMsg::ApproveAll { operator, expires } => {
            tokens::approve_all(deps, env, info, operator, expires)
        }
        ExecuteMsg::RevokeAll { operator } => tokens::revoke_all(deps, info, operator),
        ExecuteMsg::ApproveVerifier { hash, version, uri } => {
            verifiers::approve(deps, env, info, hash, version, uri)
        }
        ExecuteMsg::RevokeVerifier { hash } => verifiers::revoke(deps, env, info, hash),
        ExecuteMsg::UpdateAdmin { admin } => verifiers::update_admin(deps, info, admin),
    }
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, env: Env, msg: QueryMsg) -> Result<Binary, ContractError> {
    let binary = match msg {
        QueryMsg::Config {} => to_json_binary(&query::config(deps)?),
        QueryMsg::Admin {} => to_json_binary(&ADMIN.query_admin(deps)?),
        QueryMsg::Asset { id } => to_json_binary(&query::asset(deps, id)?),
        QueryMsg::AssetByHash { content_hash } => {
            to_json_binary(&query::asset_by_hash(deps, content_hash)?)
        }
        QueryMsg::Assets {
            kind,
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::list_assets(deps, kind, owner, start_after, limit)?),
        QueryMsg::Lineage { asset_id, depth } => {
            to_json_binary(&query::lineage(deps, asset_id, depth)?)
        }
        QueryMsg::RevenueSplit { asset_id, amount } => {
            to_json_binary(&query::revenue_split(deps, asset_id, amount)?)
        }
        QueryMsg::Verifier { hash } => to_json_binary(&query::verifier(deps, hash)?),
        QueryMsg::Verifiers { start_after, limit } => {
            to_json_binary(&query::verifiers(deps, start_after, limit)?)
        }
        QueryMsg::OwnerOf {
            token_id,
            include_expired,
        } => to_json_binary(&query::owner_of(
            deps,
            env,
            token_id,
            include_expired.unwrap_or(false),
        )?),
        QueryMsg::NftInfo { token_id } => to_json_binary(&query::nft_info(deps, token_id)?),
        QueryMsg::Tokens {
            owner,
            start_after,
            limit,
        } => to_json_binary(&query::tokens(deps, owner, start_after, limit)?),
        QueryMsg::AllTokens { start_after, limit } => {
            to_json_binary(&query::all_tokens(deps, start_after, limit)?)
        }
        QueryMsg::NumTokens {} => to_json_binary(&query::num_tokens(deps)?),
        QueryMsg::ContractInfo {} => to_json_binary(&query::contract_info(deps)?),
    }?;
    Ok(binary)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn migrate(deps: DepsMut, _env: Env, _msg: MigrateMsg) -> Result<Response, ContractError> {
    // Refuses another contract's state and a downgrade; records the new version.
    let from = cw2::ensure_from_older_version(deps.storage, CONTRACT_NAME, CONTRACT_VERSION)?;
    migrations::run(deps, &from)?;
    Ok(Response::new()
        .add_attribute("action", "migrate")
        .add_attribute("from_version", from.to_string())
        .add_attribute("to_version", CONTRACT_VERSION))
}
