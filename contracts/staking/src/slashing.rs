//! Slashing: one bounded-cost cut of an operator's bonded pool, plus a slash-factor entry that
//! queued withdrawals read when they complete.

use cosmwasm_std::{
    BankMsg, CosmosMsg, Decimal256, DepsMut, Empty, Env, MessageInfo, Response, Uint128, coins,
};
use poi_types::staking::events;
use poi_types::staking::{Config, SlashDestination, SlashRecord};

use crate::ContractError;
use crate::operators;
use crate::pool;
use crate::state::{
    CONFIG, EPOCH_REWARD_PER_SHARE, OPERATOR_STAKE, SLASH_FACTORS, SLASHED_CLAIMS, SLASHES,
};

const MAX_REASON_LEN: usize = 256;

/// Sends slashed tokens where the configuration says.
pub fn destination_msg(config: &Config, amount: Uint128) -> CosmosMsg {
    let amount = coins(amount.u128(), &config.bond_denom);
    match &config.slash_destination {
        SlashDestination::Burn {} => BankMsg::Burn { amount }.into(),
        SlashDestination::Address { address } => BankMsg::Send {
            to_address: address.clone(),
            amount,
        }
        .into(),
    }
}

/// What the slasher asks for; see `ExecuteMsg::Slash`.
pub struct SlashOrder {
    pub operator: String,
    pub bps: u16,
    pub claim_id: u64,
    pub reason: String,
    pub snapshot_height: Option<u64>,
}

/// The part of the stake at risk now that a cut of `bps` of the stake at the snapshot comes to.
///
/// Share pools cannot tell stake that joined after the snapshot from stake that was there, so
/// the cut is spread over the whole pool: `bps × min(1, at_snapshot / now)`. The bonded pool then
/// loses `bps` of the snapshot stake (or of what is left, if less), and stake that joined later
/// pays only its proportional part of that, never a larger cut than `bps`. Stake that left after
/// the snapshot is in queued withdrawals, which the slash-factor history cuts by the same fraction.
fn fraction_at_risk(bps: u16, at_snapshot: Uint128, bonded_now: Uint128) -> Decimal256 {
    let full = Decimal256::bps(u64::from(bps));
    if at_snapshot >= bonded_now {
        return full;
    }
    // at_snapshot < bonded_now, so the ratio is below one and the product cannot overflow.
    full * Decimal256::from_ratio(at_snapshot, bonded_now)
}

pub fn slash(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    order: SlashOrder,
) -> Result<Response, ContractError> {
    let SlashOrder {
        operator,
        bps,
        claim_id,
        reason,
        snapshot_height,
    } = order;
    let config = CONFIG.load(deps.storage)?;
    if config.slasher.as_ref() != Some(&info.sender) {
        return Err(ContractError::NotSlasher);
    }
    if bps == 0 || bps > config.max_slash_bps {
        return Err(ContractError::SlashOutOfRange {
            bps,
            max: config.max_slash_bps,
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
    let before = operators::load_settled(deps.storage, &operator)?;
    // Opting out does not end liability at once: the stake stays at risk for the withdrawal delay.
    let at_risk = before.opted_in
        || before
            .opted_out_at
            .is_some_and(|t| t.plus_seconds(config.withdrawal_delay) > env.block.time);
    if !at_risk {
        return Err(ContractError::NotSlashable {
            operator: operator.to_string(),
        });
    }
    if SLASHED_CLAIMS.has(deps.storage, (&operator, claim_id)) {
        return Err(ContractError::AlreadySlashed {
            operator: operator.to_string(),
            claim_id,
        });
    }

    // The snapshot of a height is the stake at its start, before that block's changes; without
    // one, the stake bonded now is what is at risk.
    let stake_at_snapshot = match snapshot_height {
        Some(height) => OPERATOR_STAKE
            .may_load_at_height(deps.storage, &operator, height)?
            .unwrap_or_default(),
        None => before.pool.tokens,
    };
    let snapshot_height = snapshot_height.unwrap_or(env.block.height);
    let fraction = fraction_at_risk(bps, stake_at_snapshot, before.pool.tokens);

    let mut after = before.clone();
    let taken = pool::slash(&mut after.pool, fraction);
    if after.pool.epoch != before.pool.epoch {
        // The pool's shares are void from here on; they earn rewards up to this point only.
        EPOCH_REWARD_PER_SHARE.save(
            deps.storage,
            (&operator, before.pool.epoch),
            &before.reward_per_share,
        )?;
    }
    after.slash_factor *= Decimal256::one() - fraction;
    SLASH_FACTORS.save(
        deps.storage,
        (&operator, env.block.time.nanos()),
        &(after.factor_epoch, after.slash_factor),
    )?;
    if after.slash_factor.is_zero() {
        // Everything at risk was taken; what is queued from now on starts a new factor epoch.
        after.factor_epoch += 1;
        after.slash_factor = Decimal256::one();
    }
    after.slash_count += 1;
    operators::save(deps.storage, env.block.height, &before, &after)?;

    SLASHED_CLAIMS.save(deps.storage, (&operator, claim_id), &Empty {})?;
    let record = SlashRecord {
        operator: operator.clone(),
        claim_id,
        bps,
        reason,
        height: env.block.height,
        time: env.block.time,
        snapshot_height,
        stake_at_snapshot,
        fraction,
        bonded_slashed: taken,
    };
    SLASHES.save(deps.storage, (&operator, after.slash_count), &record)?;

    let mut response = Response::new()
        .add_attribute("action", "slash")
        .add_attribute("operator", operator)
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("bps", bps.to_string())
        .add_attribute("snapshot_height", snapshot_height.to_string())
        .add_attribute("fraction", fraction.to_string())
        .add_attribute("bonded_slashed", taken);
    if !taken.is_zero() {
        response = response.add_message(destination_msg(&config, taken));
    }
    Ok(response)
}

pub fn set_slasher(
    deps: DepsMut,
    info: MessageInfo,
    slasher: Option<String>,
) -> Result<Response, ContractError> {
    let mut config = CONFIG.load(deps.storage)?;
    if config.admin.as_ref() != Some(&info.sender) {
        return Err(ContractError::NotAdmin);
    }
    config.slasher = slasher.map(|s| deps.api.addr_validate(&s)).transpose()?;
    CONFIG.save(deps.storage, &config)?;
    Ok(Response::new()
        .add_attribute("action", "set_slasher")
        .add_attribute(
            "slasher",
            config.slasher.map_or_else(|| "none".into(), String::from),
        ))
}
