//! Read-only views. Every list is paginated and capped at [`MAX_PAGE_LIMIT`].

use cosmwasm_std::{Addr, Deps, Env, Order, StdResult, Uint128};
use cw_storage_plus::Bound;
use poi_types::cw721::{
    ContractInfoResponse, NftInfoResponse, NumTokensResponse, OwnerOfResponse, TokensResponse,
};
use poi_types::registry::{
    Asset, AssetKind, AssetsResponse, Config, DEFAULT_PAGE_LIMIT, LineageResponse,
    MAX_LINEAGE_DEPTH, MAX_PAGE_LIMIT, RevenueSplitResponse, Verifier, VerifiersResponse,
};

use crate::ContractError;
use crate::lineage;
use crate::state::{CONFIG, NEXT_ASSET_ID, TOKEN_APPROVALS, VERIFIERS, assets};
use crate::validate;

fn page_limit(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize
}

pub fn config(deps: Deps) -> Result<Config, ContractError> {
    Ok(CONFIG.load(deps.storage)?)
}

pub fn asset(deps: Deps, id: u64) -> Result<Asset, ContractError> {
    assets()
        .may_load(deps.storage, id)?
        .ok_or(ContractError::AssetNotFound { id })
}

pub fn asset_by_hash(deps: Deps, content_hash: String) -> Result<Asset, ContractError> {
    let hash = validate::content_hash("content_hash", &content_hash)?;
    assets()
        .idx
        .content_hash
        .item(deps.storage, hash.to_string())?
        .map(|(_, asset)| asset)
        .ok_or(ContractError::HashNotFound {
            hash: hash.to_string(),
        })
}

pub fn list_assets(
    deps: Deps,
    kind: Option<AssetKind>,
    owner: Option<String>,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<AssetsResponse, ContractError> {
    let owner = owner.map(|o| deps.api.addr_validate(&o)).transpose()?;
    let start = start_after.map(Bound::exclusive);
    let map = assets();
    let range = match (owner, kind) {
        (None, None) => map.range(deps.storage, start, None, Order::Ascending),
        (Some(owner), None) => {
            map.idx
                .owner
                .prefix(owner)
                .range(deps.storage, start, None, Order::Ascending)
        }
        (None, Some(kind)) => map.idx.kind.prefix(kind.as_str().to_string()).range(
            deps.storage,
            start,
            None,
            Order::Ascending,
        ),
        (Some(owner), Some(kind)) => map
            .idx
            .owner_kind
            .prefix((owner, kind.as_str().to_string()))
            .range(deps.storage, start, None, Order::Ascending),
    };
    let assets = range
        .take(page_limit(limit))
        .map(|item| item.map(|(_, asset)| asset))
        .collect::<StdResult<_>>()?;
    Ok(AssetsResponse { assets })
}

pub fn lineage(
    deps: Deps,
    asset_id: u64,
    depth: Option<u32>,
) -> Result<LineageResponse, ContractError> {
    let root = asset(deps, asset_id)?;
    let depth = depth.unwrap_or(MAX_LINEAGE_DEPTH);
    let nodes = lineage::lineage_nodes(deps.storage, &root, depth)?;
    Ok(LineageResponse { asset_id, nodes })
}

pub fn revenue_split(
    deps: Deps,
    asset_id: u64,
    amount: Uint128,
) -> Result<RevenueSplitResponse, ContractError> {
    let root = asset(deps, asset_id)?;
    let payouts = lineage::revenue_split(deps.storage, &root, amount)?;
    Ok(RevenueSplitResponse { payouts })
}

pub fn verifier(deps: Deps, hash: String) -> Result<Verifier, ContractError> {
    let hash = validate::content_hash("hash", &hash)?;
    VERIFIERS
        .may_load(deps.storage, hash.as_str())?
        .ok_or_else(|| ContractError::VerifierNotFound {
            hash: hash.to_string(),
        })
}

pub fn verifiers(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<VerifiersResponse, ContractError> {
    let start = start_after.as_deref().map(Bound::exclusive);
    let verifiers = VERIFIERS
        .range(deps.storage, start, None, Order::Ascending)
        .take(page_limit(limit))
        .map(|item| item.map(|(_, v)| v))
        .collect::<StdResult<_>>()?;
    Ok(VerifiersResponse { verifiers })
}

pub fn owner_of(
    deps: Deps,
    env: Env,
    token_id: String,
    include_expired: bool,
) -> Result<OwnerOfResponse, ContractError> {
    let asset = asset(deps, validate::token_id(&token_id)?)?;
    let approvals = TOKEN_APPROVALS
        .may_load(deps.storage, asset.id)?
        .unwrap_or_default()
        .into_iter()
        .filter(|a| include_expired || !a.expires.is_expired(&env.block))
        .collect();
    Ok(OwnerOfResponse {
        owner: asset.owner.into_string(),
        approvals,
    })
}

pub fn nft_info(deps: Deps, token_id: String) -> Result<NftInfoResponse<Asset>, ContractError> {
    let asset = asset(deps, validate::token_id(&token_id)?)?;
    Ok(NftInfoResponse {
        token_uri: Some(asset.uri.clone()),
        extension: asset,
    })
}

/// cw721 pages token ids as strings; ours are numbers, so the cursor is parsed back into an id.
fn token_cursor(start_after: Option<String>) -> Result<Option<u64>, ContractError> {
    start_after.as_deref().map(validate::token_id).transpose()
}

fn ids_to_tokens(
    ids: impl Iterator<Item = StdResult<u64>>,
    limit: usize,
) -> StdResult<TokensResponse> {
    let tokens = ids
        .take(limit)
        .map(|id| id.map(|id| id.to_string()))
        .collect::<StdResult<_>>()?;
    Ok(TokensResponse { tokens })
}

pub fn tokens(
    deps: Deps,
    owner: String,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<TokensResponse, ContractError> {
    let owner: Addr = deps.api.addr_validate(&owner)?;
    let start = token_cursor(start_after)?.map(Bound::exclusive);
    let ids = assets()
        .idx
        .owner
        .prefix(owner)
        .keys(deps.storage, start, None, Order::Ascending);
    Ok(ids_to_tokens(ids, page_limit(limit))?)
}

pub fn all_tokens(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<TokensResponse, ContractError> {
    let start = token_cursor(start_after)?.map(Bound::exclusive);
    let ids = assets().keys(deps.storage, start, None, Order::Ascending);
    Ok(ids_to_tokens(ids, page_limit(limit))?)
}

pub fn num_tokens(deps: Deps) -> Result<NumTokensResponse, ContractError> {
    // Assets are never burned, so the count is the number of ids handed out.
    let count = NEXT_ASSET_ID.may_load(deps.storage)?.unwrap_or(1) - 1;
    Ok(NumTokensResponse { count })
}

pub fn contract_info(deps: Deps) -> Result<ContractInfoResponse, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    Ok(ContractInfoResponse {
        name: config.name,
        symbol: config.symbol,
    })
}
