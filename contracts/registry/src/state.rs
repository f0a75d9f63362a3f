//! Storage layout. Namespaces are part of the public interface: the light client proves records
//! under them from the contract's raw storage, so they never change without a migration.

use cosmwasm_std::Addr;
use cw_controllers::Admin;
use cw_storage_plus::{Index, IndexList, IndexedMap, Item, Map, MultiIndex, UniqueIndex};
use cw_utils::Expiration;
use poi_types::cw721::Approval;
use poi_types::registry::{Asset, Config, Verifier, storage};

pub const CONFIG: Item<Config> = Item::new("config");
/// Approves and revokes verifiers.
pub const ADMIN: Admin = Admin::new("admin");
/// The id the next registered asset gets; ids start at 1.
pub const NEXT_ASSET_ID: Item<u64> = Item::new("next_asset_id");
/// Per-token approvals (cw721 `approve`), cleared on transfer.
pub const TOKEN_APPROVALS: Map<u64, Vec<Approval>> = Map::new("token_approvals");
/// Operators allowed to move all of an owner's tokens (cw721 `approve_all`): (owner, operator).
pub const OPERATORS: Map<(&Addr, &Addr), Expiration> = Map::new("operators");
/// Approved verifier builds by their sha256 hex.
pub const VERIFIERS: Map<&str, Verifier> = Map::new(storage::VERIFIERS);

/// Most approvals one token may carry, so a transfer clears them in bounded time.
pub const MAX_APPROVALS_PER_TOKEN: usize = 16;

pub struct AssetIndexes<'a> {
    pub content_hash: UniqueIndex<'a, String, Asset, u64>,
    pub owner: MultiIndex<'a, Addr, Asset, u64>,
    pub kind: MultiIndex<'a, String, Asset, u64>,
    pub owner_kind: MultiIndex<'a, (Addr, String), Asset, u64>,
}

impl IndexList<Asset> for AssetIndexes<'_> {
    fn get_indexes(&'_ self) -> Box<dyn Iterator<Item = &'_ dyn Index<Asset>> + '_> {
        let indexes: Vec<&dyn Index<Asset>> = vec![
            &self.content_hash,
            &self.owner,
            &self.kind,
            &self.owner_kind,
        ];
        Box::new(indexes.into_iter())
    }
}

/// Assets by id, stored under [`storage::ASSETS`] with the id as a big-endian `u64` key and the
/// [`Asset`] as JSON.
pub fn assets<'a>() -> IndexedMap<u64, Asset, AssetIndexes<'a>> {
    IndexedMap::new(
        storage::ASSETS,
        AssetIndexes {
            content_hash: UniqueIndex::new(|a| a.content_hash.to_string(), "assets__hash"),
            owner: MultiIndex::new(|_, a| a.owner.clone(), storage::ASSETS, "assets__owner"),
            kind: MultiIndex::new(
                |_, a| a.kind.as_str().to_string(),
                storage::ASSETS,
                "assets__kind",
            ),
            owner_kind: MultiIndex::new(
                |_, a| (a.owner.clone(), a.kind.as_str().to_string()),
                storage::ASSETS,
                "assets__owner_kind",
            ),
        },
    )
}
