//! The messages that move money: slashes and rewards through the staking contract, fees through the
//! registry's revenue split, refunds and forfeits through the bank.

use cosmwasm_std::{
    Addr, BankMsg, CosmosMsg, QuerierWrapper, StdResult, SubMsg, Uint128, WasmMsg, coins,
    to_json_binary,
};
use poi_types::consensus::{BPS, Config, Member, Params};
use poi_types::registry::{QueryMsg as RegistryQuery, RevenueSplitResponse};
use poi_types::staking::{ExecuteMsg as StakingMsg, SlashDestination};

/// Reply id of slashes: a slash the staking contract refuses (the operator's stake is no longer at
/// risk, or the bps is over its cap) is recorded and must not block the claim from settling.
pub const SLASH_REPLY: u64 = 1;

pub fn send(to: &Addr, amount: Uint128, denom: &str) -> Option<CosmosMsg> {
    (!amount.is_zero()).then(|| {
        BankMsg::Send {
            to_address: to.to_string(),
            amount: coins(amount.u128(), denom),
        }
        .into()
    })
}

/// `amount × bps / 10 000`, rounded down.
pub fn bps_of(amount: Uint128, bps: u16) -> Uint128 {
    amount.multiply_ratio(bps, BPS)
}

pub fn slash(
    config: &Config,
    operator: &Addr,
    bps: u16,
    claim_id: u64,
    snapshot_height: u64,
    reason: &str,
) -> StdResult<SubMsg> {
    let msg = WasmMsg::Execute {
        contract_addr: config.staking.to_string(),
        msg: to_json_binary(&StakingMsg::Slash {
            operator: operator.to_string(),
            bps,
            claim_id,
            reason: reason.to_string(),
            snapshot_height: Some(snapshot_height),
        })?,
        funds: vec![],
    };
    // The reply needs to know whose slash it was to undo its record.
    let payload = to_json_binary(&(claim_id, operator.as_str()))?;
    Ok(SubMsg::reply_on_error(msg, SLASH_REPLY).with_payload(payload))
}

/// Shares `amount` among `winners` by stake through the staking contract, where each operator's
/// commission and its delegators' shares are worked out. Rounding dust goes to the first winner,
/// so the parts add up to exactly `amount`.
pub fn reward(config: &Config, winners: &[Member], amount: Uint128) -> StdResult<Vec<CosmosMsg>> {
    let total: Uint128 = winners.iter().map(|m| m.stake).sum();
    if amount.is_zero() || total.is_zero() {
        return Ok(vec![]);
    }
    let mut parts: Vec<Uint128> = winners
        .iter()
        .map(|m| amount.multiply_ratio(m.stake, total))
        .collect();
    let dust = amount - parts.iter().copied().sum::<Uint128>();
    parts[0] += dust;
    let mut msgs = Vec::new();
    for (member, part) in winners.iter().zip(parts) {
        if part.is_zero() {
            continue;
        }
        msgs.push(
            WasmMsg::Execute {
                contract_addr: config.staking.to_string(),
                msg: to_json_binary(&StakingMsg::DistributeRewards {
                    operator: Some(member.operator.to_string()),
                })?,
                funds: coins(part.u128(), &config.denom),
            }
            .into(),
        );
    }
    Ok(msgs)
}

/// A forfeited bond: `forfeit_to_voters_bps` of it to the voters who were right (if any), the rest
/// to the forfeit destination.
pub fn forfeit(
    config: &Config,
    params: &Params,
    winners: &[Member],
    bond: Uint128,
) -> StdResult<Vec<CosmosMsg>> {
    let to_voters = if winners.is_empty() {
        Uint128::zero()
    } else {
        bps_of(bond, params.forfeit_to_voters_bps)
    };
    let mut msgs = reward(config, winners, to_voters)?;
    let rest = bond - to_voters;
    if !rest.is_zero() {
        let amount = coins(rest.u128(), &config.denom);
        msgs.push(match &params.forfeit_destination {
            SlashDestination::Burn {} => BankMsg::Burn { amount }.into(),
            SlashDestination::Address { address } => BankMsg::Send {
                to_address: address.clone(),
                amount,
            }
            .into(),
        });
    }
    Ok(msgs)
}

/// The model's price, paid to its owner and to the assets it came from by attribution weight.
pub fn fee(
    querier: &QuerierWrapper,
    config: &Config,
    model_id: u64,
    price: Uint128,
) -> StdResult<Vec<CosmosMsg>> {
    if price.is_zero() {
        return Ok(vec![]);
    }
    let split: RevenueSplitResponse = querier.query_wasm_smart(
        &config.registry,
        &RegistryQuery::RevenueSplit {
            asset_id: model_id,
            amount: price,
        },
    )?;
    Ok(split
        .payouts
        .iter()
        .filter_map(|p| send(&p.recipient, p.amount, &config.denom))
        .collect())
}
