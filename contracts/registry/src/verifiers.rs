//! The admin's list of approved verifier builds.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response};

use crate::ContractError;
use crate::state::{ADMIN, VERIFIERS};
use crate::validate;
use poi_types::registry::Verifier;

pub fn approve(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    hash: String,
    version: String,
    uri: String,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let hash = validate::content_hash("hash", &hash)?;
    validate::verifier_version(&version)?;
    validate::uri(&uri)?;
    if let Some(existing) = VERIFIERS.may_load(deps.storage, hash.as_str())? {
        // A revoked build stays revoked: re-approving the same bytes would silently revive claims
        // that were meant to be refused. Approve a new build instead.
        return Err(match existing.revoked_height {
            None => ContractError::VerifierAlreadyApproved {
                hash: hash.to_string(),
            },
            Some(_) => ContractError::VerifierAlreadyRevoked {
                hash: hash.to_string(),
            },
        });
    }
    let verifier = Verifier {
        hash: hash.clone(),
        version,
        uri,
        approved_height: env.block.height,
        revoked_height: None,
    };
    VERIFIERS.save(deps.storage, hash.as_str(), &verifier)?;
    Ok(Response::new()
        .add_attribute("action", "approve_verifier")
        .add_attribute("hash", hash.as_str())
        .add_attribute("version", verifier.version))
}

pub fn revoke(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    hash: String,
) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let hash = validate::content_hash("hash", &hash)?;
    let mut verifier = VERIFIERS
        .may_load(deps.storage, hash.as_str())?
        .ok_or_else(|| ContractError::VerifierNotFound {
            hash: hash.to_string(),
        })?;
    if verifier.revoked_height.is_some() {
        return Err(ContractError::VerifierAlreadyRevoked {
            hash: hash.to_string(),
        });
    }
    verifier.revoked_height = Some(env.block.height);
    VERIFIERS.save(deps.storage, hash.as_str(), &verifier)?;
    Ok(Response::new()
        .add_attribute("action", "revoke_verifier")
        .add_attribute("hash", hash.as_str()))
}

pub fn update_admin(
    deps: DepsMut,
    info: MessageInfo,
    admin: Option<String>,
) -> Result<Response, ContractError> {
    let admin = admin.map(|a| deps.api.addr_validate(&a)).transpose()?;
    Ok(ADMIN.execute_update_admin(deps, info, admin)?)
}
