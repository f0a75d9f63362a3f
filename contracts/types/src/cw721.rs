//! Response shapes of the cw721 queries the registry answers, so cw721-aware wallets, explorers and
//! marketplaces can read poi assets without knowing anything else about them.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::Addr;
use cw_utils::Expiration;

/// Someone allowed to transfer one token on its owner's behalf, until `expires`.
#[cw_serde]
pub struct Approval {
    pub spender: Addr,
    pub expires: Expiration,
}

#[cw_serde]
pub struct OwnerOfResponse {
    pub owner: String,
    pub approvals: Vec<Approval>,
}

#[cw_serde]
pub struct NftInfoResponse<T> {
    pub token_uri: Option<String>,
    pub extension: T,
}

#[cw_serde]
pub struct TokensResponse {
    pub tokens: Vec<String>,
}

#[cw_serde]
pub struct NumTokensResponse {
    pub count: u64,
}

#[cw_serde]
pub struct ContractInfoResponse {
    pub name: String,
    pub symbol: String,
}
