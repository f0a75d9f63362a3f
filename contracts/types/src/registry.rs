//! The asset registry: messages and the records it stores.
//!
//! Assets (models, datasets, agents) are cw721-style tokens whose id is a decimal `u64`. Their content
//! hash and kind are fixed at registration; lineage is fixed too, because it decides who is paid
//! when the asset earns fees, and an owner who could rewrite it could cut out the assets it was
//! derived from.

use cosmwasm_schema::{QueryResponses, cw_serde};
use cosmwasm_std::{Addr, Coin, Decimal, Timestamp, Uint128};
use cw_utils::Expiration;

use crate::ContentHash;
// The cw721 response types are named by path in the `#[returns]` attributes below, which are only
// expanded for schema generation, so importing them would leave unused imports in wasm builds.

/// Attribution weights are in basis points: 10 000 bps is the whole fee.
pub const BPS_DENOMINATOR: u16 = 10_000;
/// Most parents one asset may name.
pub const MAX_PARENTS: usize = 8;
/// Deepest lineage the registry will walk; deeper ancestors keep no share.
pub const MAX_LINEAGE_DEPTH: u32 = 4;
/// Largest page a list query returns.
pub const MAX_PAGE_LIMIT: u32 = 100;
pub const DEFAULT_PAGE_LIMIT: u32 = 30;

#[cw_serde]
#[derive(Copy, Eq, PartialOrd, Ord, Hash)]
pub enum AssetKind {
    Model,
    Dataset,
    Agent,
}

impl AssetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Model => "model",
            AssetKind::Dataset => "dataset",
            AssetKind::Agent => "agent",
        }
    }
}

impl std::str::FromStr for AssetKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "model" => Ok(AssetKind::Model),
            "dataset" => Ok(AssetKind::Dataset),
            "agent" => Ok(AssetKind::Agent),
            other => Err(format!(
                "unknown asset kind {other:?}: use model, dataset or agent"
            )),
        }
    }
}

#[cw_serde]
#[derive(Copy, Eq)]
pub enum AssetStatus {
    Active,
    /// Still readable and transferable, but no longer offered for new inference claims.
    Deprecated,
}

#[cw_serde]
#[derive(Default)]
pub struct Metadata {
    pub name: String,
    pub description: String,
    /// An SPDX licence identifier or expression, e.g. `Apache-2.0`.
    pub license: String,
    pub tags: Vec<String>,
}

/// An asset this one was derived from, and the part of every fee it is owed.
#[cw_serde]
#[derive(Copy, Eq)]
pub struct Parent {
    pub asset_id: u64,
    pub weight_bps: u16,
}

/// Element types a model may take or produce; the verifier supports each of them.
#[cw_serde]
#[derive(Copy, Eq)]
pub enum DType {
    F16,
    F32,
    F64,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    Bool,
}

/// One named input or output of a model.
#[cw_serde]
pub struct TensorSpec {
    pub name: String,
    pub dtype: DType,
    /// One entry per dimension; `null` marks a dynamic dimension such as the batch size.
    pub shape: Vec<Option<u64>>,
}

/// How committee members decide whether a claimed output is right.
#[cw_serde]
pub enum VerificationPolicy {
    /// The recomputed canonical output hash must equal the claimed one.
    Exact {},
    /// Every recomputed value `x` must satisfy `|x - y| <= atol + rtol * |y|` against the claimed `y`.
    Tolerance { atol: Decimal, rtol: Decimal },
}

/// What only models carry: their signature and how their inferences are verified.
#[cw_serde]
pub struct ModelSpec {
    pub inputs: Vec<TensorSpec>,
    pub outputs: Vec<TensorSpec>,
    pub policy: VerificationPolicy,
}

/// An asset as the registry stores it under `assets` (key: big-endian `u64` id, value: JSON).
#[cw_serde]
pub struct Asset {
    pub id: u64,
    pub kind: AssetKind,
    pub owner: Addr,
    /// sha256 of the bytes; for datasets the Merkle root of [`crate::merkle`].
    pub content_hash: ContentHash,
    pub uri: String,
    pub metadata: Metadata,
    /// The asset this one is a new version of (same kind, same owner at the time).
    pub previous_version: Option<u64>,
    pub parents: Vec<Parent>,
    /// What one use costs; `None` means free.
    pub price_per_use: Option<Coin>,
    /// Present for models and only for models.
    pub model: Option<ModelSpec>,
    pub status: AssetStatus,
    pub created_height: u64,
    pub created_at: Timestamp,
}

/// An approved build of the verifier (`poi_verifier.wasm`), named by its sha256.
#[cw_serde]
pub struct Verifier {
    pub hash: ContentHash,
    pub version: String,
    pub uri: String,
    pub approved_height: u64,
    /// Set when the admin revokes it; claims must then name another verifier.
    pub revoked_height: Option<u64>,
}

/// The admin, who approves and revokes verifiers, is kept apart as `cw_controllers::Admin`:
/// query it with `QueryMsg::Admin`.
#[cw_serde]
pub struct Config {
    /// cw721 collection name and symbol.
    pub name: String,
    pub symbol: String,
}

#[cw_serde]
pub struct InstantiateMsg {
    /// Defaults to the instantiating account.
    pub admin: Option<String>,
    pub name: String,
    pub symbol: String,
}

/// Everything needed to register an asset.
#[cw_serde]
pub struct NewAsset {
    pub kind: AssetKind,
    pub content_hash: String,
    pub uri: String,
    pub metadata: Metadata,
    pub previous_version: Option<u64>,
    #[serde(default)]
    pub parents: Vec<Parent>,
    pub price_per_use: Option<Coin>,
    /// Required for models, refused for other kinds.
    pub model: Option<ModelSpec>,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Registers an asset owned by the sender. The new id is in the `asset_id` event attribute.
    RegisterAsset(NewAsset),
    /// Changes the mutable fields of an asset; fields left out stay as they are. Owner only.
    UpdateAsset {
        id: u64,
        uri: Option<String>,
        metadata: Option<Metadata>,
        /// Models only.
        policy: Option<VerificationPolicy>,
    },
    /// Sets (`Some`) or clears (`None`) the price per use. Owner only.
    SetPrice {
        id: u64,
        price_per_use: Option<Coin>,
    },
    /// Marks an asset deprecated. Owner only; cannot be undone.
    DeprecateAsset {
        id: u64,
    },

    // cw721 shapes.
    TransferNft {
        recipient: String,
        token_id: String,
    },
    Approve {
        spender: String,
        token_id: String,
        expires: Option<Expiration>,
    },
    Revoke {
        spender: String,
        token_id: String,
    },
    ApproveAll {
        operator: String,
        expires: Option<Expiration>,
    },
    RevokeAll {
        operator: String,
    },

    // Admin.
    ApproveVerifier {
        hash: String,
        version: String,
        uri: String,
    },
    RevokeVerifier {
        hash: String,
    },
    /// Hands the admin role to another account, or renounces it with `None`.
    UpdateAdmin {
        admin: Option<String>,
    },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Config)]
    Config {},
    /// Who approves and revokes verifiers; none once renounced.
    #[returns(cw_controllers::AdminResponse)]
    Admin {},
    #[returns(Asset)]
    Asset { id: u64 },
    #[returns(Asset)]
    AssetByHash { content_hash: String },
    /// Assets in id order, optionally only of one kind and/or one owner.
    #[returns(AssetsResponse)]
    Assets {
        kind: Option<AssetKind>,
        owner: Option<String>,
        start_after: Option<u64>,
        limit: Option<u32>,
    },
    /// The ancestors of an asset down to `depth` (at most [`MAX_LINEAGE_DEPTH`]) and the share of a
    /// fee each one receives.
    #[returns(LineageResponse)]
    Lineage { asset_id: u64, depth: Option<u32> },
    /// How a fee of `amount` paid for using `asset_id` divides between it and its ancestors.
    #[returns(RevenueSplitResponse)]
    RevenueSplit { asset_id: u64, amount: Uint128 },
    #[returns(Verifier)]
    Verifier { hash: String },
    #[returns(VerifiersResponse)]
    Verifiers {
        start_after: Option<String>,
        limit: Option<u32>,
    },

    // cw721 shapes.
    #[returns(crate::cw721::OwnerOfResponse)]
    OwnerOf {
        token_id: String,
        include_expired: Option<bool>,
    },
    #[returns(crate::cw721::NftInfoResponse<Asset>)]
    NftInfo { token_id: String },
    #[returns(crate::cw721::TokensResponse)]
    Tokens {
        owner: String,
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(crate::cw721::TokensResponse)]
    AllTokens {
        start_after: Option<String>,
        limit: Option<u32>,
    },
    #[returns(crate::cw721::NumTokensResponse)]
    NumTokens {},
    #[returns(crate::cw721::ContractInfoResponse)]
    ContractInfo {},
}

#[cw_serde]
pub struct MigrateMsg {}

#[cw_serde]
pub struct AssetsResponse {
    pub assets: Vec<Asset>,
}

/// One asset in a lineage, with the part of a fee that reaches it and the part it keeps.
#[cw_serde]
pub struct LineageNode {
    pub asset_id: u64,
    pub owner: Addr,
    /// Shortest distance from the queried asset (which is depth 0).
    pub depth: u32,
    /// Share of the fee flowing into this asset, summed over every path that reaches it.
    pub share: Decimal,
    /// Share this asset's owner keeps after passing its parents their weights.
    pub retained: Decimal,
}

#[cw_serde]
pub struct LineageResponse {
    pub asset_id: u64,
    /// The queried asset first, then ancestors by depth and id. The `retained` shares sum to one.
    pub nodes: Vec<LineageNode>,
}

#[cw_serde]
pub struct Payout {
    pub asset_id: u64,
    pub recipient: Addr,
    pub amount: Uint128,
}

#[cw_serde]
pub struct RevenueSplitResponse {
    /// One entry per asset with a non-zero amount; the amounts sum to exactly the queried amount.
    pub payouts: Vec<Payout>,
}

#[cw_serde]
pub struct VerifiersResponse {
    pub verifiers: Vec<Verifier>,
}

/// Storage namespaces of the registry's records that clients read from raw contract storage (the
/// light client proves them against the app hash). They are the contract's interface as much as
/// its messages are: renaming one is a storage migration.
pub mod storage {
    /// Assets by id (a cw-storage-plus `IndexedMap`, big-endian `u64` keys, JSON values).
    pub const ASSETS: &str = "assets";
    /// Approved verifier builds by their sha256 hex.
    pub const VERIFIERS: &str = "verifiers";
}

/// Keys of the `wasm` event attributes clients read from the registry's transactions.
pub mod events {
    /// The asset a transaction registered or changed.
    pub const ASSET_ID: &str = "asset_id";
}
