//! Storage layout. Namespaces are part of the public interface: the light client proves claim
//! records under them from the contract's raw storage.

use cosmwasm_std::{Addr, Empty};
use cw_storage_plus::{Index, IndexList, IndexedMap, Item, Map, MultiIndex};
use poi_types::consensus::{
    Ballot, Claim, Config, Member, OperatorRecord, Params, Settlement, storage,
};

pub const CONFIG: Item<Config> = Item::new("config");
/// Changes parameters and the contracts this one calls.
pub const ADMIN: cw_controllers::Admin = cw_controllers::Admin::new("admin");
pub const PARAMS: Item<Params> = Item::new("params");
/// The id the next claim gets; ids start at 1.
pub const NEXT_CLAIM_ID: Item<u64> = Item::new(storage::NEXT_CLAIM_ID);
/// Mixed from every revealed salt; committees are drawn from it. See [`crate::committee`].
pub const SEED: Item<[u8; 32]> = Item::new("seed");
/// Committee of each round: (claim id, round number).
pub const COMMITTEES: Map<(u64, u8), Vec<Member>> = Map::new(storage::COMMITTEES);
/// Ballots by (claim id, round number, operator).
pub const BALLOTS: Map<(u64, u8, &Addr), Ballot> = Map::new(storage::BALLOTS);
pub const RECORDS: Map<&Addr, OperatorRecord> = Map::new("operator_records");
/// (claim id, operator) pairs already slashed: an operator is slashed at most once per claim.
pub const SLASHED: Map<(u64, &Addr), Empty> = Map::new("slashed");
/// What each final claim paid and slashed, by claim id.
pub const SETTLEMENTS: Map<u64, Settlement> = Map::new(storage::SETTLEMENTS);

pub struct ClaimIndexes<'a> {
    pub status: MultiIndex<'a, String, Claim, u64>,
    pub model: MultiIndex<'a, u64, Claim, u64>,
    pub claimant: MultiIndex<'a, Addr, Claim, u64>,
}

impl IndexList<Claim> for ClaimIndexes<'_> {
    fn get_indexes(&'_ self) -> Box<dyn Iterator<Item = &'_ dyn Index<Claim>> + '_> {
        let indexes: Vec<&dyn Index<Claim>> = vec![&self.status, &self.model, &self.claimant];
        Box::new(indexes.into_iter())
    }
}

/// Claims by id, stored under [`storage::CLAIMS`] with the id as a big-endian `u64` key and the
/// [`Claim`] as JSON.
pub fn claims<'a>() -> IndexedMap<u64, Claim, ClaimIndexes<'a>> {
    IndexedMap::new(
        storage::CLAIMS,
        ClaimIndexes {
            status: MultiIndex::new(
                |_, c| c.status.as_str().to_string(),
                storage::CLAIMS,
                "claims__status",
            ),
            model: MultiIndex::new(|_, c| c.model_id, storage::CLAIMS, "claims__model"),
            claimant: MultiIndex::new(
                |_, c| c.claimant.clone(),
                storage::CLAIMS,
                "claims__claimant",
            ),
        },
    )
}
