//! Assets as cw721 tokens: transfers, per-token approvals and operators.

use cosmwasm_std::{Addr, BlockInfo, DepsMut, Env, MessageInfo, Response, Storage};
use cw_utils::Expiration;
use poi_types::cw721::Approval;
use poi_types::registry::Asset;

use crate::ContractError;
use crate::state::{MAX_APPROVALS_PER_TOKEN, OPERATORS, TOKEN_APPROVALS, assets};
use crate::validate;

fn load(storage: &dyn Storage, id: u64) -> Result<Asset, ContractError> {
    assets()
        .may_load(storage, id)?
        .ok_or(ContractError::AssetNotFound { id })
}

/// Whether `who` may move `asset`: its owner, a spender with a live approval, or a live operator.
fn may_transfer(
    storage: &dyn Storage,
    block: &BlockInfo,
    asset: &Asset,
    who: &Addr,
) -> Result<bool, ContractError> {
    if asset.owner == *who {
        return Ok(true);
    }
    let approvals = TOKEN_APPROVALS
        .may_load(storage, asset.id)?
        .unwrap_or_default();
    if approvals
        .iter()
        .any(|a| a.spender == *who && !a.expires.is_expired(block))
    {
        return Ok(true);
    }
    let operator = OPERATORS.may_load(storage, (&asset.owner, who))?;
    Ok(operator.is_some_and(|expires| !expires.is_expired(block)))
}

/// As in cw721, the owner or one of its live operators may grant and withdraw approvals.
fn ensure_may_approve(
    storage: &dyn Storage,
    block: &BlockInfo,
    asset: &Asset,
    who: &Addr,
) -> Result<(), ContractError> {
    let is_operator = OPERATORS
        .may_load(storage, (&asset.owner, who))?
        .is_some_and(|expires| !expires.is_expired(block));
    if asset.owner != *who && !is_operator {
        return Err(ContractError::NotOwner { id: asset.id });
    }
    Ok(())
}

pub fn transfer(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    recipient: String,
    token_id: String,
) -> Result<Response, ContractError> {
    let id = validate::token_id(&token_id)?;
    let recipient = deps.api.addr_validate(&recipient)?;
    let mut asset = load(deps.storage, id)?;
    if !may_transfer(deps.storage, &env.block, &asset, &info.sender)? {
        return Err(ContractError::NotAllowedToTransfer { id });
    }
    asset.owner = recipient;
    assets().save(deps.storage, id, &asset)?;
    // Approvals were the old owner's to give; they do not survive a change of owner.
    TOKEN_APPROVALS.remove(deps.storage, id);
    Ok(Response::new()
        .add_attribute("action", "transfer_nft")
        .add_attribute("sender", info.sender)
        .add_attribute("recipient", asset.owner)
        .add_attribute("token_id", token_id))
}

pub fn approve(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    spender: String,
    token_id: String,
    expires: Option<Expiration>,
) -> Result<Response, ContractError> {
    let id = validate::token_id(&token_id)?;
    let spender = deps.api.addr_validate(&spender)?;
    let expires = expires.unwrap_or_default();
    if expires.is_expired(&env.block) {
        return Err(ContractError::AlreadyExpired);
    }
    let asset = load(deps.storage, id)?;
    if spender == asset.owner {
        return Err(ContractError::SelfApproval);
    }
    ensure_may_approve(deps.storage, &env.block, &asset, &info.sender)?;
    let mut approvals = TOKEN_APPROVALS
        .may_load(deps.storage, id)?
        .unwrap_or_default();
    // Re-approving replaces the old expiry; expired entries make room for new ones.
    approvals.retain(|a| a.spender != spender && !a.expires.is_expired(&env.block));
    if approvals.len() >= MAX_APPROVALS_PER_TOKEN {
        return Err(ContractError::TooManyApprovals {
            id,
            max: MAX_APPROVALS_PER_TOKEN,
        });
    }
    approvals.push(Approval {
        spender: spender.clone(),
        expires,
    });
    TOKEN_APPROVALS.save(deps.storage, id, &approvals)?;
    Ok(Response::new()
        .add_attribute("action", "approve")
        .add_attribute("sender", info.sender)
        .add_attribute("spender", spender)
        .add_attribute("token_id", token_id))
}

pub fn revoke(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    spender: String,
    token_id: String,
) -> Result<Response, ContractError> {
    let id = validate::token_id(&token_id)?;
    let spender = deps.api.addr_validate(&spender)?;
    let asset = load(deps.storage, id)?;
    ensure_may_approve(deps.storage, &env.block, &asset, &info.sender)?;
    let mut approvals = TOKEN_APPROVALS
        .may_load(deps.storage, id)?
        .unwrap_or_default();
    let before = approvals.len();
    approvals.retain(|a| a.spender != spender);
    if approvals.len() == before {
        return Err(ContractError::ApprovalNotFound {
            spender: spender.to_string(),
            id,
        });
    }
    if approvals.is_empty() {
        TOKEN_APPROVALS.remove(deps.storage, id);
    } else {
        TOKEN_APPROVALS.save(deps.storage, id, &approvals)?;
    }
    Ok(Response::new()
        .add_attribute("action", "revoke")
        .add_attribute("sender", info.sender)
        .add_attribute("spender", spender)
        .add_attribute("token_id", token_id))
}

pub fn approve_all(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    operator: String,
    expires: Option<Expiration>,
) -> Result<Response, ContractError> {
    let operator = deps.api.addr_validate(&operator)?;
    let expires = expires.unwrap_or_default();
    if expires.is_expired(&env.block) {
        return Err(ContractError::AlreadyExpired);
    }
    if operator == info.sender {
        return Err(ContractError::SelfApproval);
    }
    OPERATORS.save(deps.storage, (&info.sender, &operator), &expires)?;
    Ok(Response::new()
        .add_attribute("action", "approve_all")
        .add_attribute("sender", info.sender)
        .add_attribute("operator", operator))
}

pub fn revoke_all(
    deps: DepsMut,
    info: MessageInfo,
    operator: String,
) -> Result<Response, ContractError> {
    let operator = deps.api.addr_validate(&operator)?;
    if !OPERATORS.has(deps.storage, (&info.sender, &operator)) {
        return Err(ContractError::OperatorNotFound {
            operator: operator.to_string(),
        });
    }
    OPERATORS.remove(deps.storage, (&info.sender, &operator));
    Ok(Response::new()
        .add_attribute("action", "revoke_all")
        .add_attribute("sender", info.sender)
        .add_attribute("operator", operator))
}
