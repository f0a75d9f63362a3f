//! Paying out queued withdrawals, minus whatever was slashed while they waited.

use cosmwasm_std::{
    BankMsg, Decimal256, DepsMut, Env, MessageInfo, Order, Response, Storage, Timestamp, Uint128,
    Uint256, coins,
};
use cw_storage_plus::Bound;
use poi_types::staking::{MAX_WITHDRAWAL_BATCH, Withdrawal};

use crate::ContractError;
use crate::slashing::destination_msg;
use crate::state::{CONFIG, OPEN_WITHDRAWALS, SLASH_FACTORS, WITHDRAWALS};

/// What a withdrawal pays if completed at `now`: slashes up to its release time count, later
/// ones do not.
pub fn payable(
    storage: &dyn Storage,
    w: &Withdrawal,
    now: Timestamp,
) -> Result<Uint128, ContractError> {
    let until = now.min(w.release_at);
    let last = SLASH_FACTORS
        .prefix(&w.operator)
        .range(
            storage,
            None,
            Some(Bound::inclusive(until.nanos())),
            Order::Descending,
        )
        .next()
        .transpose()?;
    let factor = match last {
        None => return Ok(w.amount),
        Some((_, (epoch, _))) if epoch < w.factor_epoch => return Ok(w.amount),
        // A full slash ended the epoch the withdrawal was created in.
        Some((_, (epoch, _))) if epoch > w.factor_epoch => Decimal256::zero(),
        Some((_, (_, factor))) => factor,
    };
    if factor >= w.factor_at_creation {
        return Ok(w.amount);
    }
    // amount × factor / factor_at_creation, rounded down.
    let paid =
        Uint256::from(w.amount).multiply_ratio(factor.atomics(), w.factor_at_creation.atomics());
    Ok(Uint128::try_from(paid).expect("never more than the amount"))
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

    let (mut paid, mut forfeited) = (Uint128::zero(), Uint128::zero());
    for w in &due {
        let amount = payable(deps.storage, w, env.block.time)?;
        paid += amount;
        forfeited += w.amount - amount;
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
        .add_attribute("completed", due.len().to_string())
        .add_attribute("paid", paid)
        .add_attribute("slashed", forfeited);
    if !paid.is_zero() {
        response = response.add_message(BankMsg::Send {
            to_address: info.sender.to_string(),
            amount: coins(paid.u128(), &config.bond_denom),
        });
    }
    if !forfeited.is_zero() {
        response = response.add_message(destination_msg(&config, forfeited));
    }
    Ok(response)
}
