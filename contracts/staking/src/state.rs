//! Storage layout. The namespaces are public: the light client proves records under them.

use cosmwasm_std::{Addr, Decimal256, Empty, Uint64, Uint128};
use cw_controllers::Admin;
use cw_storage_plus::{Item, Map, SnapshotMap, Strategy as Checkpoints};
use poi_types::staking::{
    Allocation, Config, Delegation, Operator, Pool, Redelegation, Service, SlashRecord, Strategy,
    Withdrawal,
};

pub const CONFIG: Item<Config> = Item::new("config");
pub const ADMIN: Admin = Admin::new("admin");
pub const OPERATORS: Map<&Addr, Operator> = Map::new("operators");
/// One delegation per staker, with its positions in every strategy.
pub const DELEGATIONS: Map<&Addr, Delegation> = Map::new("delegations");
pub const STRATEGIES: Map<u16, Strategy> = Map::new("strategies");
/// Strategy ids by asset: ("native", denom) or ("cw20", token address).
pub const STRATEGY_IDS: Map<(&str, &str), u16> = Map::new("strategy_ids");
/// What is bonded to each operator in each strategy, by (operator, strategy), as of the last time
/// each was touched (see `crate::pools`).
pub const POOLS: Map<(&Addr, u16), Pool> = Map::new("pools");
/// Queued withdrawals by (staker, id); ids grow with time, so id order is release order.
pub const WITHDRAWALS: Map<(&Addr, u64), Withdrawal> = Map::new("withdrawals");
pub const OPEN_WITHDRAWALS: Map<&Addr, u32> = Map::new("open_withdrawals");
pub const NEXT_WITHDRAWAL_ID: Item<u64> = Item::new("next_withdrawal_id");
/// Each staker's redelegation still answerable for its old operator's faults; one at a time.
pub const REDELEGATIONS: Map<&Addr, Redelegation> = Map::new("redelegations");
/// The slash factor after the slashes at each time: (operator, time in ns) -> (factor epoch, factor).
/// A withdrawal reads the last entry at or before its release time: one lookup, however long the
/// history.
pub const SLASH_FACTORS: Map<(&Addr, u64), (u64, Decimal256)> = Map::new("slash_factors");
/// Slashing history by (operator, sequence number).
pub const SLASHES: Map<(&Addr, u64), SlashRecord> = Map::new("slashes");
/// (service, operator, claim id) triples already slashed: each at most once. Two services may
/// each slash the same operator for the same fault, each within its own slice.
pub const SLASHED_CLAIMS: Map<(u32, &Addr, u64), Empty> = Map::new("service_slashed_claims");

/// Rewards each address can claim: delegator rewards and operator commission, once settled.
pub const REWARDS: Map<&Addr, Uint128> = Map::new("rewards");
/// A pool's `reward_per_share` when a full slash ended one of its epochs, by (operator, strategy,
/// epoch): shares of that epoch earn up to it and no further.
pub const EPOCH_REWARD_PER_SHARE: Map<(&Addr, u16, u64), Decimal256> =
    Map::new("pool_epoch_reward_per_share");
/// An operator's `reward_per_unit` when a full slash ended one of its factor epochs, by
/// (operator, factor epoch): pools of that epoch, caught up later, earn up to it and no further.
pub const FACTOR_EPOCH_REWARD_PER_UNIT: Map<(&Addr, u64), Decimal256> =
    Map::new("factor_epoch_reward_per_unit");

pub const SERVICES: Map<u32, Service> = Map::new("services");
pub const NEXT_SERVICE_ID: Item<u32> = Item::new("next_service_id");
/// Every allocation with something counted or pending, by (operator, service): an operator's
/// allocations are one prefix, which bounds what a change to its stake or a slash touches.
pub const ALLOCATIONS: Map<(&Addr, u32), Allocation> = Map::new("allocations");
/// The allocations of `ALLOCATIONS` with a change pending, so that settling an operator's due
/// changes reads those only, however many services it serves.
pub const PENDING_ALLOCATIONS: Map<(&Addr, u32), Empty> = Map::new("pending_allocations");

/// Each operator's stake (the weighted sum of its pools as of now), readable at past heights.
pub const OPERATOR_STAKE: SnapshotMap<&Addr, Uint128> = SnapshotMap::new(
    "operator_stake",
    "operator_stake__checkpoints",
    "operator_stake__changelog",
    Checkpoints::EveryBlock,
);
/// Each operator's `max_magnitude`, readable at past heights (it moves only when slashed).
pub const MAX_MAGNITUDE: SnapshotMap<&Addr, Uint64> = SnapshotMap::new(
    "max_magnitude",
    "max_magnitude__checkpoints",
    "max_magnitude__changelog",
    Checkpoints::EveryBlock,
);
/// Counted magnitudes by (service, operator), readable at past heights; only those above zero
/// are present now, so a service's prefix lists its committee candidates. Allocated stake at a
/// height is `OPERATOR_STAKE × COUNTED_MAGNITUDE / MAX_MAGNITUDE` there: a delegation moves one
/// snapshot, however many services the operator serves.
pub const COUNTED_MAGNITUDE: SnapshotMap<(u32, &Addr), Uint64> = SnapshotMap::new(
    "counted_magnitude",
    "counted_magnitude__checkpoints",
    "counted_magnitude__changelog",
    Checkpoints::EveryBlock,
);
