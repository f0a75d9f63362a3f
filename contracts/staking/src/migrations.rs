//! What `migrate` does to stored state, by the version it migrates from.
//!
//! 0.1 had one slasher, an opt-in flag per operator, one bond denom and rewards shared over the
//! whole opted-in stake. 0.2 makes that slasher service 1 and each opted-in operator's whole stake
//! its allocation to it; the bond denom becomes strategy 1 (weight 1, no cap), each operator's pool
//! its pool there, each delegation a position in it and each queued withdrawal a withdrawal of it;
//! rewards owed from the old service-wide index are credited first. Stakes, shares, reward indexes
//! and the slash-factor history keep their values.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{
    Addr, Decimal, Decimal256, DepsMut, Empty, Env, Order, StdResult, Timestamp, Uint64, Uint128,
    Uint256,
};
use cw_storage_plus::{Item, Map};
use poi_types::staking::{
    Allocation, AllocationChange, Asset, Config, Delegation, FIRST_STRATEGY, Operator,
    OperatorMetadata, Pool, Position, Service, SlashDestination, SlashRecord, WHOLE_STAKE,
    Withdrawal,
};

use crate::ContractError;
use crate::state::{
    ADMIN, CONFIG, COUNTED_MAGNITUDE, DELEGATIONS, EPOCH_REWARD_PER_SHARE, NEXT_SERVICE_ID,
    OPERATORS, POOLS, SERVICES, SLASHED_CLAIMS, SLASHES, STRATEGIES, WITHDRAWALS,
};
use crate::{allocations, pool, rewards, strategies};

/// The service 0.1's slasher becomes.
pub const LEGACY_SERVICE_ID: u32 = 1;

mod v0_1 {
    use super::*;

    #[cw_serde]
    pub struct Config {
        pub admin: Option<Addr>,
        pub bond_denom: String,
        pub withdrawal_delay: u64,
        pub slasher: Option<Addr>,
        pub max_slash_bps: u16,
        pub min_self_bond: Uint128,
        pub max_open_withdrawals: u32,
        pub slash_destination: SlashDestination,
    }

    #[cw_serde]
    pub struct Pool {
        pub tokens: Uint128,
        pub shares: Uint256,
        pub epoch: u64,
    }

    #[cw_serde]
    pub struct Operator {
        pub address: Addr,
        pub commission_bps: u16,
        pub metadata: OperatorMetadata,
        pub opted_in: bool,
        pub opted_out_at: Option<Timestamp>,
        pub pool: Pool,
        pub slash_factor: Decimal256,
        pub factor_epoch: u64,
        pub slash_count: u64,
        pub reward_per_share: Decimal256,
        pub service_index: Decimal256,
    }

    #[cw_serde]
    pub struct SlashRecord {
        pub operator: Addr,
        pub claim_id: u64,
        pub bps: u16,
        pub reason: String,
        pub height: u64,
        pub time: Timestamp,
        pub snapshot_height: u64,
        pub stake_at_snapshot: Uint128,
        pub fraction: Decimal256,
        pub bonded_slashed: Uint128,
    }

    #[cw_serde]
    pub struct Delegation {
        pub staker: Addr,
        pub operator: Addr,
        pub shares: Uint256,
        pub epoch: u64,
        pub reward_index: Decimal256,
    }

    #[cw_serde]
    pub struct Withdrawal {
        pub id: u64,
        pub staker: Addr,
        pub operator: Addr,
        pub amount: Uint128,
        pub factor_epoch: u64,
        pub factor_at_creation: Decimal256,
        pub created_at: Timestamp,
        pub release_at: Timestamp,
    }

    pub const CONFIG: Item<Config> = Item::new("config");
    pub const DELEGATIONS: Map<&Addr, Delegation> = Map::new("delegations");
    pub const WITHDRAWALS: Map<(&Addr, u64), Withdrawal> = Map::new("withdrawals");
    pub const EPOCH_REWARD_PER_SHARE: Map<(&Addr, u64), Decimal256> =
        Map::new("epoch_reward_per_share");
    pub const OPERATORS: Map<&Addr, Operator> = Map::new("operators");
    pub const SLASHES: Map<(&Addr, u64), SlashRecord> = Map::new("slashes");
    pub const SLASHED_CLAIMS: Map<(&Addr, u64), Empty> = Map::new("slashed_claims");
    pub const SERVICE_REWARD_INDEX: Item<Decimal256> = Item::new("service_reward_index");
    pub const SERVICE_STAKE: Item<Uint128> = Item::new("service_stake");
}

/// The primary store under `COUNTED_MAGNITUDE` and `MAX_MAGNITUDE`: written directly, with no
/// changelog, a value reads the same at every past height. That is what 0.1's opted-in stake
/// was, so claims opened before the migration are still slashed for the stake they drew.
const COUNTED_PRIMARY: Map<(u32, &Addr), Uint64> = Map::new("counted_magnitude");
const MAX_PRIMARY: Map<&Addr, Uint64> = Map::new("max_magnitude");

fn before_allocations(version: &semver::Version) -> bool {
    *version < semver::Version::new(0, 2, 0)
}

/// Brings stored state up to this version's layout; the number of operators rewritten.
///
/// Every operator, delegation, withdrawal and slash record in one transaction: fine for the
/// testnets 0.1 ran on.
pub fn run(mut deps: DepsMut, env: &Env, from: &semver::Version) -> Result<u64, ContractError> {
    if !before_allocations(from) {
        return Ok(0);
    }
    let old = v0_1::CONFIG.load(deps.storage)?;
    let withdrawal_delay = old.withdrawal_delay;
    ADMIN.set(deps.branch(), old.admin.clone())?;
    let mut strategy = strategies::register(
        deps.storage,
        Asset::Native {
            denom: old.bond_denom.clone(),
        },
        Decimal::one(),
        None,
    )?;
    CONFIG.save(
        deps.storage,
        &Config {
            reward_denom: old.bond_denom,
            withdrawal_delay: old.withdrawal_delay,
            // 0.1's opt-in counted at once.
            allocation_delay: 0,
            min_self_bond: old.min_self_bond,
            max_open_withdrawals: old.max_open_withdrawals,
            slash_destination: old.slash_destination,
        },
    )?;
    let service = old.slasher.map(|slasher| Service {
        id: LEGACY_SERVICE_ID,
        name: "poi consensus".into(),
        uri: None,
        slasher,
        max_slash_bps: old.max_slash_bps,
        pending_slasher: None,
    });
    if let Some(service) = &service {
        SERVICES.save(deps.storage, LEGACY_SERVICE_ID, service)?;
        NEXT_SERVICE_ID.save(deps.storage, &(LEGACY_SERVICE_ID + 1))?;
    }

    let index = v0_1::SERVICE_REWARD_INDEX
        .may_load(deps.storage)?
        .unwrap_or_default();
    let operators: Vec<v0_1::Operator> = v0_1::OPERATORS
        .range(deps.storage, None, None, Order::Ascending)
        .map(|item| item.map(|(_, op)| op))
        .collect::<StdResult<_>>()?;
    for old in &operators {
        strategy.bonded += old.pool.tokens;
        let op = migrate_operator(old, index, &mut *deps.storage)?;
        OPERATORS.save(deps.storage, &op.address, &op)?;
        MAX_PRIMARY.save(deps.storage, &op.address, &WHOLE_STAKE)?;
        if service.is_some() {
            allocate_legacy_stake(deps.storage, env, withdrawal_delay, old, op)?;
        }
    }
    STRATEGIES.save(deps.storage, FIRST_STRATEGY, &strategy)?;
    migrate_delegations(deps.storage)?;
    migrate_slashes(deps.storage)?;
    v0_1::SERVICE_REWARD_INDEX.remove(deps.storage);
    v0_1::SERVICE_STAKE.remove(deps.storage);
    Ok(operators.len() as u64)
}

/// The 0.2 form of a 0.1 operator, credited its part of the old service-wide rewards.
fn migrate_operator(
    old: &v0_1::Operator,
    index: Decimal256,
    storage: &mut dyn cosmwasm_std::Storage,
) -> Result<Operator, ContractError> {
    // 0.1 cut pools at once, so the pool is exact at the operator's factor; weight 1.
    let stake_units = pool::stake_units(old.pool.tokens, Decimal::one(), old.slash_factor)
        .ok_or(ContractError::StakeOverflow)?;
    let mut op = Operator {
        address: old.address.clone(),
        commission_bps: old.commission_bps,
        metadata: old.metadata.clone(),
        // The pool's tokens, as it was: rounding the units up gives them back whole.
        stake: old.pool.tokens,
        stake_units,
        reward_per_unit: Decimal256::zero(),
        max_magnitude: WHOLE_STAKE,
        encumbered_magnitude: Uint64::zero(),
        allocations: 0,
        slash_factor: old.slash_factor,
        factor_epoch: old.factor_epoch,
        slash_count: old.slash_count,
    };
    let pool = Pool {
        tokens: old.pool.tokens,
        shares: old.pool.shares,
        epoch: old.pool.epoch,
        reward_per_share: old.reward_per_share,
        factor_epoch: old.factor_epoch,
        slash_factor: old.slash_factor,
        collected: Uint128::zero(),
        stake_units,
        reward_per_unit: Decimal256::zero(),
    };
    POOLS.save(storage, (&op.address, FIRST_STRATEGY), &pool)?;
    // 0.1 credited an operator lazily from the index; what it had not credited yet is owed now.
    if old.opted_in && index > old.service_index {
        let owed = rewards::floor(
            Decimal256::from_ratio(old.pool.tokens, 1u8) * (index - old.service_index),
        );
        let own = rewards::credit(&mut op, owed);
        rewards::add_reward(storage, &op.address, own)?;
    }
    Ok(op)
}

/// An opted-in operator's whole stake becomes its allocation to service 1; one that opted out
/// within the withdrawal delay keeps its stake slashable until then, as 0.1 did.
fn allocate_legacy_stake(
    storage: &mut dyn cosmwasm_std::Storage,
    env: &Env,
    withdrawal_delay: u64,
    old: &v0_1::Operator,
    mut op: Operator,
) -> Result<(), ContractError> {
    let key = (LEGACY_SERVICE_ID, &op.address);
    let allocation = if old.opted_in {
        COUNTED_PRIMARY.save(storage, key, &WHOLE_STAKE)?;
        Allocation {
            magnitude: WHOLE_STAKE,
            pending: None,
        }
    } else {
        match old.opted_out_at.map(|t| t.plus_seconds(withdrawal_delay)) {
            Some(release_at) if release_at > env.block.time => {
                // Counted until now, as 0.1's snapshots say, and no longer from this block.
                COUNTED_PRIMARY.save(storage, key, &WHOLE_STAKE)?;
                COUNTED_MAGNITUDE.remove(storage, key, env.block.height)?;
                Allocation {
                    magnitude: Uint64::zero(),
                    pending: Some(AllocationChange::Decrease {
                        from: WHOLE_STAKE,
                        release_at,
                    }),
                }
            }
            _ => return Ok(()),
        }
    };
    allocations::save(storage, &mut op, LEGACY_SERVICE_ID, false, &allocation)?;
    op.encumbered_magnitude = WHOLE_STAKE;
    OPERATORS.save(storage, &op.address, &op)?;
    Ok(())
}

/// Delegations become positions in strategy 1, queued withdrawals withdrawals of it, and the
/// reward indexes of ended pool epochs that pool's.
fn migrate_delegations(storage: &mut dyn cosmwasm_std::Storage) -> Result<(), ContractError> {
    let delegations: Vec<v0_1::Delegation> = v0_1::DELEGATIONS
        .range(storage, None, None, Order::Ascending)
        .map(|item| item.map(|(_, d)| d))
        .collect::<StdResult<_>>()?;
    for old in delegations {
        let d = Delegation {
            staker: old.staker,
            operator: old.operator,
            positions: vec![Position {
                strategy_id: FIRST_STRATEGY,
                shares: old.shares,
                epoch: old.epoch,
                reward_index: old.reward_index,
            }],
        };
        DELEGATIONS.save(storage, &d.staker, &d)?;
    }
    let withdrawals: Vec<v0_1::Withdrawal> = v0_1::WITHDRAWALS
        .range(storage, None, None, Order::Ascending)
        .map(|item| item.map(|(_, w)| w))
        .collect::<StdResult<_>>()?;
    for old in withdrawals {
        let w = Withdrawal {
            id: old.id,
            staker: old.staker,
            operator: old.operator,
            strategy_id: FIRST_STRATEGY,
            amount: old.amount,
            factor_epoch: old.factor_epoch,
            factor_at_creation: old.factor_at_creation,
            created_at: old.created_at,
            release_at: old.release_at,
        };
        WITHDRAWALS.save(storage, (&w.staker, w.id), &w)?;
    }
    let ended: Vec<((Addr, u64), Decimal256)> = v0_1::EPOCH_REWARD_PER_SHARE
        .range(storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
    for ((operator, epoch), index) in ended {
        v0_1::EPOCH_REWARD_PER_SHARE.remove(storage, (&operator, epoch));
        EPOCH_REWARD_PER_SHARE.save(storage, (&operator, FIRST_STRATEGY, epoch), &index)?;
    }
    Ok(())
}

/// Slash records and the once-per-claim marks, all of them service 1's.
fn migrate_slashes(storage: &mut dyn cosmwasm_std::Storage) -> Result<(), ContractError> {
    let records: Vec<((Addr, u64), v0_1::SlashRecord)> = v0_1::SLASHES
        .range(storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
    for ((operator, seq), old) in records {
        let record = SlashRecord {
            service_id: LEGACY_SERVICE_ID,
            operator: old.operator,
            claim_id: old.claim_id,
            bps: old.bps,
            reason: old.reason,
            height: old.height,
            time: old.time,
            snapshot_height: old.snapshot_height,
            stake_at_snapshot: old.stake_at_snapshot,
            // 0.1 had no magnitudes; the part of a whole stake the fraction is.
            magnitude: Uint64::try_from(
                (Decimal256::from_ratio(WHOLE_STAKE.u64(), 1u8) * old.fraction).to_uint_floor(),
            )
            .map_err(|_| ContractError::Migration {
                reason: "a slash fraction above one".into(),
            })?,
            fraction: old.fraction,
            // Weight 1: the tokens taken are the stake taken.
            stake_slashed: old.bonded_slashed,
        };
        SLASHES.save(storage, (&operator, seq), &record)?;
    }
    let marks: Vec<(Addr, u64)> = v0_1::SLASHED_CLAIMS
        .keys(storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
    for (operator, claim_id) in marks {
        v0_1::SLASHED_CLAIMS.remove(storage, (&operator, claim_id));
        SLASHED_CLAIMS.save(storage, (LEGACY_SERVICE_ID, &operator, claim_id), &Empty {})?;
    }
    Ok(())
}
