//! Storage layout. The namespaces are public: the light client proves records under them.

use cosmwasm_std::{Addr, Decimal256, Empty, Uint128};
use cw_storage_plus::{Item, Map, SnapshotItem, SnapshotMap, Strategy};
use poi_types::staking::{Config, Delegation, Operator, SlashRecord, Withdrawal};

pub const CONFIG: Item<Config> = Item::new("config");
pub const OPERATORS: Map<&Addr, Operator> = Map::new("operators");
/// One delegation per staker.
pub const DELEGATIONS: Map<&Addr, Delegation> = Map::new("delegations");
/// Queued withdrawals by (staker, id); ids grow with time, so id order is release order.
pub const WITHDRAWALS: Map<(&Addr, u64), Withdrawal> = Map::new("withdrawals");
pub const OPEN_WITHDRAWALS: Map<&Addr, u32> = Map::new("open_withdrawals");
pub const NEXT_WITHDRAWAL_ID: Item<u64> = Item::new("next_withdrawal_id");
/// The slash factor after the slashes at each time: (operator, time in ns) -> (factor epoch, factor).
/// A withdrawal reads the last entry at or before its release time: one lookup, however long the
/// history.
pub const SLASH_FACTORS: Map<(&Addr, u64), (u64, Decimal256)> = Map::new("slash_factors");
/// Slashing history by (operator, sequence number).
pub const SLASHES: Map<(&Addr, u64), SlashRecord> = Map::new("slashes");
/// (operator, claim id) pairs already slashed: each at most once.
pub const SLASHED_CLAIMS: Map<(&Addr, u64), Empty> = Map::new("slashed_claims");

/// Rewards each address can claim: delegator rewards and operator commission, once settled.
pub const REWARDS: Map<&Addr, Uint128> = Map::new("rewards");
/// Service-wide rewards per unit of opted-in stake, ever growing.
pub const SERVICE_REWARD_INDEX: Item<Decimal256> = Item::new("service_reward_index");
/// An operator's `reward_per_share` when a full slash ended a pool epoch: shares of that epoch
/// earn up to it and no further.
pub const EPOCH_REWARD_PER_SHARE: Map<(&Addr, u64), Decimal256> =
    Map::new("epoch_reward_per_share");

/// Each operator's bonded stake, readable at past heights.
pub const OPERATOR_STAKE: SnapshotMap<&Addr, Uint128> = SnapshotMap::new(
    "operator_stake",
    "operator_stake__checkpoints",
    "operator_stake__changelog",
    Strategy::EveryBlock,
);
/// Bonded stake of all opted-in operators, readable at past heights.
pub const SERVICE_STAKE: SnapshotItem<Uint128> = SnapshotItem::new(
    "service_stake",
    "service_stake__checkpoints",
    "service_stake__changelog",
    Strategy::EveryBlock,
);
