//! Slashing: one bounded-cost cut of an operator's bonded pool, plus a slash-factor entry that
//! queued withdrawals read when they complete.

use cosmwasm_std::{
    BankMsg, CosmosMsg, Decimal256, DepsMut, Empty, Env, MessageInfo, Response, Uint128, coins,
};
use poi_types::staking::{Config, SlashDestination, SlashRecord};

use crate::ContractError;
use crate::operators;
use crate::pool;
use crate::state::{CONFIG, EPOCH_REWARD_PER_SHARE, SLASH_FACTORS, SLASHED_CLAIMS, SLASHES};

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

pub fn slash(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    operator: String,
    bps: u16,
    claim_id: u64,
    reason: String,
) -> Result<Response, ContractError> {
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

    let mut after = before.clone();
    let taken = pool::slash(&mut after.pool, bps);
    if after.pool.epoch != before.pool.epoch {
        // The pool's shares are void from here on; they earn rewards up to this point only.
        EPOCH_REWARD_PER_SHARE.save(
            deps.storage,
            (&operator, before.pool.epoch),
            &before.reward_per_share,
        )?;
    }
    let keep = Decimal256::one() - Decimal256::bps(u64::from(bps));
    after.slash_factor *= keep;
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
        bonded_slashed: taken,
    };
    SLASHES.save(deps.storage, (&operator, after.slash_count), &record)?;

    let mut response = Response::new()
        .add_attribute("action", "slash")
        .add_attribute("operator", operator)
        .add_attribute("claim_id", claim_id.to_string())
        .add_attribute("bps", bps.to_string())
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
