//! Slashing: a cut the size of a part of the slice allocated to the slashing service, made by
//! moving the operator's slash factor, with an entry in its history. Every pool of the operator
//! (when next touched, see [`crate::pools`]) and every queued withdrawal (when it completes) reads
//! the factor, so a slash costs the same whatever the number of delegators and strategies.

use cosmwasm_std::{
    Decimal256, DepsMut, Empty, Env, MessageInfo, Response, Timestamp, Uint64, Uint128, Uint256,
};
use poi_types::staking::events;
use poi_types::staking::{Allocation, AllocationChange, SlashRecord, WHOLE_STAKE};

use crate::ContractError;
use crate::state::{FACTOR_EPOCH_REWARD_PER_UNIT, SLASH_FACTORS, SLASHED_CLAIMS, SLASHES};
use crate::{allocations, operators, services};

const MAX_REASON_LEN: usize = 256;

/// What a service's slasher asks for; see `ExecuteMsg::Slash`.
pub struct SlashOrder {
    pub service_id: u32,
    pub operator: String,
    pub bps: u16,
    pub claim_id: u64,
    pub reason: String,
    pub snapshot_height: Option<u64>,
}

/// The magnitude a cut of `bps` of the slice at the snapshot comes to, out of the `slashable`
/// magnitude at risk now (rounded down: the pool rounds the tokens taken up, and rounding both
/// up could take a token more than `bps` of the snapshot stake).
///
/// Share pools cannot tell stake that joined after the snapshot from stake that was there, so
/// the cut is spread over the whole slice: `bps × min(1, at_snapshot / now)`. The slice then
/// loses `bps` of the snapshot stake (or of what is left, if less), and stake that joined later
/// pays only its proportional part of that, never a larger cut than `bps`. Stake that left after
/// the snapshot is in queued withdrawals, which the slash-factor history cuts by the same fraction.
fn magnitude_to_cut(bps: u16, slashable: Uint64, at_snapshot: Uint128, now: Uint128) -> Uint64 {
    let full = Uint256::from(slashable.u64()) * Uint256::from(bps);
    let (numerator, denominator) = if at_snapshot >= now {
        (full, Uint256::from(10_000u32))
    } else {
        (
            full * Uint256::from(at_snapshot),
            Uint256::from(10_000u32) * Uint256::from(now),
        )
    };
    // numerator <= slashable × denominator, so the quotient fits the u64 `slashable` does.
    Uint64::try_from(numerator / denominator).expect("at most the slashable magnitude")
}

/// Takes `cut` out of an allocation: from the counted magnitude and from a still-slashable
/// decrease in proportion, and a pending increase keeps its size on top of what is left.
fn cut_allocation(allocation: &mut Allocation, slashable: Uint64, cut: Uint64, now: Timestamp) {
    let counted = allocation.magnitude;
    // Rounded up, so the decrease's part (the rest) never exceeds what it holds.
    let from_counted = Uint64::new(
        u64::try_from(
            (u128::from(cut.u64()) * u128::from(counted.u64()))
                .div_ceil(u128::from(slashable.u64())),
        )
        .expect("at most the cut"),
    );
    allocation.magnitude = counted - from_counted;
    allocation.pending = match allocation.pending.take() {
        Some(AllocationChange::Decrease { from, release_at }) if release_at > now => {
            Some(AllocationChange::Decrease {
                from: from - cut,
                release_at,
            })
        }
        Some(AllocationChange::Increase { to, effective_at }) => Some(AllocationChange::Increase {
            to: to - from_counted,
            effective_at,
        }),
        other => other,
    };
}

pub fn slash(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    order: SlashOrder,
) -> Result<Response, ContractError> {
    let SlashOrder {
        service_id,
        operator,
        bps,
        claim_id,
        reason,
        snapshot_height,
    } = order;
    let service = services::load(deps.storage, service_id)?;
    services::assert_slasher(&service, &env, &info.sender)?;
    if bps == 0 || bps > service.max_slash_bps {
        return Err(ContractError::SlashOutOfRange {
            bps,
            max: service.max_slash_bps,
        });
    }
    if reason.len() > MAX_REASON_LEN {
        return Err(ContractError::InvalidField {
            field: "reason",
            reason: format!("at most {MAX_REASON_LEN} bytes"),
        });
    }
    if let Some(snapshot_height) = snapshot_height.filter(|h| *h > env.block.height) {
        return Err(ContractError::SnapshotInFuture {
            snapshot_height,
            height: env.block.height,
        });
    }
    let operator = deps.api.addr_validate(&operator)?;
    let before = operators::load(deps.storage, &operator)?;
    let mut after = before.clone();
    // A decrease does not end liability at once: the slice stays at risk for the withdrawal delay.
    let allocation = allocations::load_settled(deps.storage, &env, &mut after, service_id)?;
    let slashable = allocation
        .as_ref()
        .map_or(Uint64::zero(), |a| a.slashable(env.block.time));
    let Some(mut allocation) = allocation.filter(|_| !slashable.is_zero()) else {
        return Err(ContractError::NotSlashable {
            operator: operator.to_string(),
            service_id,
        });
    };
    if SLASHED_CLAIMS.has(deps.storage, (service_id, &operator, claim_id)) {
        return Err(ContractError::AlreadySlashed {
            operator: operator.to_string(),
            service_id,
            claim_id,
        });
    }

    // The snapshot of a height is the slice at its start, before that block's changes; without
    // one, the slice now is what is at risk.
    let at_risk = allocations::stake_of(after.stake, slashable, after.max_magnitude);
    let stake_at_snapshot = match snapshot_height {
        Some(height) => allocations::stake_at(deps.storage, service_id, &operator, height)?,
        None => at_risk,
    };
    let snapshot_height = snapshot_height.unwrap_or(env.block.height);
    let magnitude = magnitude_to_cut(bps, slashable, stake_at_snapshot, at_risk);
    let fraction = Decimal256::from_ratio(magnitude.u64(), after.max_magnitude.u64());

    after.slash_factor *= Decimal256::one() - fraction;
    SLASH_FACTORS.save(
        deps.storage,
        (&operator, env.block.time.nanos()),
        &(after.factor_epoch, after.slash_factor),
    )?;
    if after.slash_factor.is_zero() {
        // Everything at risk was taken; what is bonded or queued from now on starts a new factor
        // epoch. The old epoch's pools earned rewards until now and hold nothing from now on.
        FACTOR_EPOCH_REWARD_PER_UNIT.save(
            deps.storage,
            (&operator, after.factor_epoch),
            &after.reward_per_unit,
        )?;
        after.factor_epoch += 1;
        after.slash_factor = Decimal256::one();
        after.stake_units = Decimal256::zero();
    }
    after.stake = operators::stake_of(&after)?;

    // The slice and the whole shrink by the same magnitude: other services keep their stake.
    let counted_before = allocation.magnitude;
    cut_allocation(&mut allocation, slashable, magnitude, env.block.time);
    after.max_magnitude -= magnitude;
    after.encumbered_magnitude -= magnitude;
    if after.max_magnitude.is_zero() {
        // The service held the whole stake and took it all: start again from a whole magnitude.
        after.max_magnitude = WHOLE_STAKE;
    }
    if allocation.magnitude != counted_before {
        allocations::save_counted(
            deps.storage,
            service_id,
            &operator,
            allocation.magnitude,
            env.block.height,
        )?;
    }
    allocations::save(deps.storage, &mut after, service_id, true, &allocation)?;
    after.slash_count += 1;
    operators::save(deps.storage, env.block.height, &before, &after)?;

    SLASHED_CLAIMS.save(deps.storage, (service_id, &operator, claim_id), &Empty {})?;
    let record = SlashRecord {
        service_id,
        operator: operator.clone(),
        claim_id,
        bps,
        reason,
        height: env.block.height,
        time: env.block.time,
        snapshot_height,
        stake_at_snapshot,
        magnitude,
        fraction,
        stake_slashed: before.stake.saturating_sub(after.stake),
    };
    SLASHES.save(deps.storage, (&operator, after.slash_count), &record)?;

    let response = Response::new()
        .add_attribute("action", "slash")
        .add_attribute(events::SERVICE_ID, service_id.to_string())
        .add_attribute("operator", operator)
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("bps", bps.to_string())
        .add_attribute("snapshot_height", snapshot_height.to_string())
        .add_attribute("fraction", fraction.to_string())
        .add_attribute("stake_slashed", record.stake_slashed);
    Ok(response)
}
