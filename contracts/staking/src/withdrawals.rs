//! Paying out queued withdrawals, minus whatever was slashed while they waited.

use std::collections::BTreeMap;

use cosmwasm_std::{
    Addr, Decimal256, DepsMut, Env, MessageInfo, Order, Response, Storage, Timestamp, Uint128,
    Uint256,
};
use cw_storage_plus::Bound;
use poi_types::staking::{MAX_WITHDRAWAL_BATCH, Withdrawal, events};

use crate::ContractError;
use crate::state::{CONFIG, OPEN_WITHDRAWALS, SLASH_FACTORS, WITHDRAWALS};
use crate::strategies;

/// Stake answerable for an operator's slashes from a point in its slash-factor history until a
/// release time: a queued withdrawal, or a redelegation's moved stake.
pub struct Liability<'a> {
    pub operator: &'a Addr,
    pub factor_epoch: u64,
    pub factor_at_creation: Decimal256,
    pub release_at: Timestamp,
}

/// What is left of `amount` at `now` after the operator's slashes: those before the release time
/// count (and, before it, those up to this block), later ones do not.
pub fn after_slashes(
    storage: &dyn Storage,
    liability: &Liability,
    now: Timestamp,
    amount: Uint128,
) -> Result<Uint128, ContractError> {
    let until = if now < liability.release_at {
        Bound::inclusive(now.nanos())
    } else {
        Bound::exclusive(liability.release_at.nanos())
    };
    let last = SLASH_FACTORS
        .prefix(liability.operator)
        .range(storage, None, Some(until), Order::Descending)
        .next()
        .transpose()?;
    let factor = match last {
        None => return Ok(amount),
        Some((_, (epoch, _))) if epoch < liability.factor_epoch => return Ok(amount),
        // A full slash ended the epoch the liability began in.
        Some((_, (epoch, _))) if epoch > liability.factor_epoch => Decimal256::zero(),
        Some((_, (_, factor))) => factor,
    };
    if factor >= liability.factor_at_creation {
        return Ok(amount);
    }
    // amount × factor / factor_at_creation, rounded down.
    let kept = Uint256::from(amount)
        .multiply_ratio(factor.atomics(), liability.factor_at_creation.atomics());
    Ok(Uint128::try_from(kept).expect("never more than the amount"))
}

/// What a withdrawal pays if completed at `now`.
pub fn payable(
    storage: &dyn Storage,
    w: &Withdrawal,
    now: Timestamp,
) -> Result<Uint128, ContractError> {
    let liability = Liability {
        operator: &w.operator,
        factor_epoch: w.factor_epoch,
        factor_at_creation: w.factor_at_creation,
        release_at: w.release_at,
    };
    after_slashes(storage, &liability, now, w.amount)
}

pub fn complete(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    limit: Option<u32>,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let limit = limit
        .unwrap_or(MAX_WITHDRAWAL_BATCH)
        .clamp(1, MAX_WITHDRAWAL_BATCH) as usize;
    let due: Vec<Withdrawal> = WITHDRAWALS
        .prefix(&info.sender)
        .range(deps.storage, None, None, Order::Ascending)
        .take(limit)
        .map(|item| item.map(|(_, w)| w))
        .take_while(|w| w.as_ref().map_or(true, |w| w.release_at <= env.block.time))
        .collect::<Result<_, _>>()?;
    if due.is_empty() {
        return Err(ContractError::NothingToWithdraw);
    }

    // What each strategy pays and forfeits; a batch spans at most MAX_STRATEGIES of them.
    let mut totals: BTreeMap<u16, (Uint128, Uint128)> = BTreeMap::new();
    for w in &due {
        let amount = payable(deps.storage, w, env.block.time)?;
        let (paid, forfeited) = totals.entry(w.strategy_id).or_default();
        *paid += amount;
        *forfeited += w.amount - amount;
        WITHDRAWALS.remove(deps.storage, (&info.sender, w.id));
    }
    let open = OPEN_WITHDRAWALS.load(deps.storage, &info.sender)? - due.len() as u32;
    if open == 0 {
        OPEN_WITHDRAWALS.remove(deps.storage, &info.sender);
    } else {
        OPEN_WITHDRAWALS.save(deps.storage, &info.sender, &open)?;
    }

    let mut response = Response::new()
        .add_attribute("action", "complete_withdrawals")
        .add_attribute("staker", info.sender.as_str())
        .add_attribute("completed", due.len().to_string());
    for (strategy_id, (paid, forfeited)) in totals {
        let asset = strategies::load(deps.storage, strategy_id)?.asset;
        response = response
            .add_attribute(events::STRATEGY_ID, strategy_id.to_string())
            .add_attribute("paid", paid)
            .add_attribute("slashed", forfeited);
        if !paid.is_zero() {
            response =
                response.add_message(strategies::send_msg(&asset, info.sender.as_str(), paid)?);
        }
        if !forfeited.is_zero() {
            response = response.add_message(strategies::slashed_msg(&config, &asset, forfeited)?);
        }
    }
    Ok(response)
}
