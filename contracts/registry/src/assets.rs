//! Registering assets and changing what may change about them.

use cosmwasm_std::{Coin, DepsMut, Env, MessageInfo, Response, Storage};
use poi_types::registry::events;
use poi_types::registry::{Asset, AssetKind, AssetStatus, Metadata, NewAsset, VerificationPolicy};

use crate::ContractError;
use crate::state::{NEXT_ASSET_ID, assets};
use crate::validate;

pub fn register(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    new: NewAsset,
) -> Result<Response, ContractError> {
    let content_hash = validate::content_hash("content_hash", &new.content_hash)?;
    validate::uri(&new.uri)?;
    validate::metadata(&new.metadata)?;
    validate::parents(&new.parents)?;
    validate::price(&new.price_per_use)?;
    match (new.kind, &new.model) {
        (AssetKind::Model, Some(spec)) => validate::model_spec(spec)?,
        (AssetKind::Model, None) => return Err(ContractError::ModelSpecMissing),
        (kind, Some(_)) => {
            return Err(ContractError::ModelSpecNotAllowed {
                kind: kind.as_str(),
            });
        }
        (_, None) => {}
    }

    let index = &assets().idx.content_hash;
    if let Some((_, existing)) = index.item(deps.storage, content_hash.to_string())? {
        return Err(ContractError::DuplicateContentHash {
            hash: content_hash.to_string(),
            existing: existing.id,
        });
    }
    // Parents and the previous version must already exist. A new asset's id is larger than every
    // existing one and lineage never changes afterwards, so the lineage graph cannot have cycles.
    for parent in &new.parents {
        if !assets().has(deps.storage, parent.asset_id) {
            return Err(ContractError::ParentNotFound {
                id: parent.asset_id,
            });
        }
    }
    if let Some(prev_id) = new.previous_version {
        let prev = assets()
            .may_load(deps.storage, prev_id)?
            .ok_or(ContractError::PreviousVersionNotFound { id: prev_id })?;
        if prev.kind != new.kind {
            return Err(ContractError::PreviousVersionKind {
                id: prev_id,
                expected: new.kind.as_str(),
                found: prev.kind.as_str(),
            });
        }
        // Otherwise anyone could present their asset as the next version of someone else's.
        if prev.owner != info.sender {
            return Err(ContractError::PreviousVersionNotOwned { id: prev_id });
        }
    }

    let id = NEXT_ASSET_ID.may_load(deps.storage)?.unwrap_or(1);
    let asset = Asset {
        id,
        kind: new.kind,
        owner: info.sender,
        content_hash,
        uri: new.uri,
        metadata: new.metadata,
        previous_version: new.previous_version,
        parents: new.parents,
        price_per_use: new.price_per_use,
        model: new.model,
        status: AssetStatus::Active,
        created_height: env.block.height,
        created_at: env.block.time,
    };
    assets().save(deps.storage, id, &asset)?;
    NEXT_ASSET_ID.save(deps.storage, &(id + 1))?;

    Ok(Response::new()
        .add_attribute("action", "register_asset")
        .add_attribute(events::ASSET_ID, id.to_string())
        .add_attribute("kind", asset.kind.as_str())
        .add_attribute("owner", asset.owner.as_str())
        .add_attribute("content_hash", asset.content_hash.as_str()))
}

/// Loads an asset the sender owns.
fn load_owned(storage: &dyn Storage, info: &MessageInfo, id: u64) -> Result<Asset, ContractError> {
    let asset = assets()
        .may_load(storage, id)?
        .ok_or(ContractError::AssetNotFound { id })?;
    if asset.owner != info.sender {
        return Err(ContractError::NotOwner { id });
    }
    Ok(asset)
}

pub fn update(
    deps: DepsMut,
    info: MessageInfo,
    id: u64,
    uri: Option<String>,
    metadata: Option<Metadata>,
    policy: Option<VerificationPolicy>,
) -> Result<Response, ContractError> {
    if uri.is_none() && metadata.is_none() && policy.is_none() {
        return Err(ContractError::NothingToUpdate);
    }
    let mut asset = load_owned(deps.storage, &info, id)?;
    if let Some(uri) = uri {
        validate::uri(&uri)?;
        asset.uri = uri;
    }
    if let Some(metadata) = metadata {
        validate::metadata(&metadata)?;
        asset.metadata = metadata;
    }
    if let Some(policy) = policy {
        let Some(spec) = asset.model.as_mut() else {
            return Err(ContractError::ModelSpecNotAllowed {
                kind: asset.kind.as_str(),
            });
        };
        validate::policy(&policy)?;
        spec.policy = policy;
    }
    assets().save(deps.storage, id, &asset)?;
    Ok(Response::new()
        .add_attribute("action", "update_asset")
        .add_attribute(events::ASSET_ID, id.to_string()))
}

pub fn set_price(
    deps: DepsMut,
    info: MessageInfo,
    id: u64,
    price_per_use: Option<Coin>,
) -> Result<Response, ContractError> {
    validate::price(&price_per_use)?;
    let mut asset = load_owned(deps.storage, &info, id)?;
    let shown = price_per_use
        .as_ref()
        .map_or_else(|| "free".to_string(), Coin::to_string);
    asset.price_per_use = price_per_use;
    assets().save(deps.storage, id, &asset)?;
    Ok(Response::new()
        .add_attribute("action", "set_price")
        .add_attribute(events::ASSET_ID, id.to_string())
        .add_attribute("price_per_use", shown))
}

pub fn deprecate(deps: DepsMut, info: MessageInfo, id: u64) -> Result<Response, ContractError> {
    let mut asset = load_owned(deps.storage, &info, id)?;
    if asset.status == AssetStatus::Deprecated {
        return Err(ContractError::AssetDeprecated { id });
    }
    asset.status = AssetStatus::Deprecated;
    assets().save(deps.storage, id, &asset)?;
    Ok(Response::new()
        .add_attribute("action", "deprecate_asset")
        .add_attribute(events::ASSET_ID, id.to_string()))
}
