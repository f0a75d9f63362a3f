//! The messages that move money: slashes and rewards through the staking contract, fees through the
//! registry's revenue split, refunds and forfeits through the bank; each payout recorded as the
//! [`Transfer`] a claim's [`poi_types::consensus::Settlement`] lists.

use cosmwasm_std::{
    Addr, BankMsg, CosmosMsg, QuerierWrapper, StdResult, SubMsg, Uint128, WasmMsg, coins,
    to_json_binary,
};
use poi_types::consensus::{BPS, Config, Member, Params, PayoutReason, Transfer};
use poi_types::registry::{QueryMsg as RegistryQuery, RevenueSplitResponse};
use poi_types::staking::{ExecuteMsg as StakingMsg, SlashDestination};

/// Reply id of slashes: a slash the staking contract refuses (the operator's stake is no longer at
/// risk, or the bps is over its cap) is recorded and must not block the claim from settling.
pub const SLASH_REPLY: u64 = 1;

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
            service_id: config.service_id,
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

/// The payouts of one settlement: the bank and staking messages that move the money, and the
/// [`Transfer`] each of them is recorded as, written together so the record is what was sent.
pub struct Ledger<'a> {
    config: &'a Config,
    pub msgs: Vec<CosmosMsg>,
    pub transfers: Vec<Transfer>,
}

impl<'a> Ledger<'a> {
    pub fn new(config: &'a Config) -> Self {
        Ledger {
            config,
            msgs: vec![],
            transfers: vec![],
        }
    }

    fn record(&mut self, to: Option<&Addr>, amount: Uint128, reason: PayoutReason) {
        self.transfers.push(Transfer {
            to: to.cloned(),
            amount,
            reason,
        });
    }

    /// A bank transfer of `amount` (nothing when it is zero).
    pub fn send(&mut self, to: &Addr, amount: Uint128, reason: PayoutReason) {
        if amount.is_zero() {
            return;
        }
        self.msgs.push(
            BankMsg::Send {
                to_address: to.to_string(),
                amount: coins(amount.u128(), &self.config.denom),
            }
            .into(),
        );
        self.record(Some(to), amount, reason);
    }

    /// Shares `amount` among `winners` by stake through the staking contract, where each
    /// operator's commission and its delegators' shares are worked out. Rounding dust goes to the
    /// first winner, so the parts add up to exactly `amount`.
    pub fn reward(
        &mut self,
        winners: &[Member],
        amount: Uint128,
        reason: PayoutReason,
    ) -> StdResult<()> {
        let total: Uint128 = winners.iter().map(|m| m.stake).sum();
        if amount.is_zero() || total.is_zero() {
            return Ok(());
        }
        let mut parts: Vec<Uint128> = winners
            .iter()
            .map(|m| amount.multiply_ratio(m.stake, total))
            .collect();
        let dust = amount - parts.iter().copied().sum::<Uint128>();
        parts[0] += dust;
        for (member, part) in winners.iter().zip(parts) {
            if part.is_zero() {
                continue;
            }
            self.msgs.push(
                WasmMsg::Execute {
                    contract_addr: self.config.staking.to_string(),
                    msg: to_json_binary(&StakingMsg::DistributeRewards {
                        operator: member.operator.to_string(),
                    })?,
                    funds: coins(part.u128(), &self.config.denom),
                }
                .into(),
            );
            self.record(Some(&member.operator), part, reason.clone());
        }
        Ok(())
    }

    /// A forfeited bond: `forfeit_to_voters_bps` of it to the voters who were right (if any), the
    /// rest to the forfeit destination.
    pub fn forfeit(&mut self, params: &Params, winners: &[Member], bond: Uint128) -> StdResult<()> {
        let to_voters = if winners.is_empty() {
            Uint128::zero()
        } else {
            bps_of(bond, params.forfeit_to_voters_bps)
        };
        self.reward(winners, to_voters, PayoutReason::ForfeitToVoters)?;
        let rest = bond - to_voters;
        if !rest.is_zero() {
            let amount = coins(rest.u128(), &self.config.denom);
            match &params.forfeit_destination {
                SlashDestination::Burn {} => {
                    self.msgs.push(BankMsg::Burn { amount }.into());
                    self.record(None, rest, PayoutReason::Forfeit);
                }
                SlashDestination::Address { address } => {
                    self.msgs.push(
                        BankMsg::Send {
                            to_address: address.clone(),
                            amount,
                        }
                        .into(),
                    );
                    // Validated when the parameters were set.
                    self.record(Some(&Addr::unchecked(address)), rest, PayoutReason::Forfeit);
                }
            }
        }
        Ok(())
    }

    /// The model's price, paid to its owner and to the assets it came from by attribution weight.
    pub fn fee(
        &mut self,
        querier: &QuerierWrapper,
        model_id: u64,
        price: Uint128,
    ) -> StdResult<()> {
        if price.is_zero() {
            return Ok(());
        }
        let split: RevenueSplitResponse = querier.query_wasm_smart(
            &self.config.registry,
            &RegistryQuery::RevenueSplit {
                asset_id: model_id,
                amount: price,
            },
        )?;
        for payout in &split.payouts {
            self.send(
                &payout.recipient,
                payout.amount,
                PayoutReason::ModelFee {
                    asset_id: payout.asset_id,
                },
            );
        }
        Ok(())
    }
}
