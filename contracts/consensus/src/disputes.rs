//! Disputes: anyone may bond to re-open a decided claim before a fresh, larger committee whose
//! verdict is final. The first committee's members, the claimant and the disputer do not sit on it.

use cosmwasm_std::{DepsMut, Env, MessageInfo, Response, Uint128};
use cw_utils::must_pay;
use poi_types::consensus::events;
use poi_types::consensus::{ClaimStatus, Dispute};

use crate::ContractError;
use crate::claims::{self, new_round, seat_committee};
use crate::state::{COMMITTEES, CONFIG, PARAMS, claims as claim_map};

pub fn dispute(
    mut deps: DepsMut,
    env: Env,
    info: MessageInfo,
    claim_id: u64,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    let params = PARAMS.load(deps.storage)?;
    let mut claim = claims::load(deps.storage, claim_id)?;
    if claim.status != ClaimStatus::Decided {
        return Err(ContractError::WrongStatus {
            claim_id,
            status: claim.status,
            action: "a dispute",
        });
    }
    let end = claim.dispute_end.unwrap_or_default();
    let start = claim.round().reveal_end.min(end);
    if env.block.height >= end {
        return Err(ContractError::OutsideWindow {
            claim_id,
            window: "dispute",
            start,
            end,
            height: env.block.height,
        });
    }
    let paid = must_pay(&info, &config.denom)?;
    if paid != cosmwasm_std::Uint256::from(params.dispute_bond) {
        return Err(ContractError::WrongDisputeBond {
            required: params.dispute_bond.u128(),
            paid: Uint128::try_from(paid).map_or(u128::MAX, |p| p.u128()),
            denom: config.denom,
        });
    }

    let mut excluded = vec![claim.claimant.clone(), info.sender.clone()];
    excluded.extend(
        COMMITTEES
            .load(deps.storage, (claim_id, 1))?
            .into_iter()
            .map(|m| m.operator),
    );
    let mut round = new_round(2, env.block.height, &params);
    let members = seat_committee(
        &mut deps,
        claim_id,
        &mut round,
        params.escalation_committee_size,
        &excluded,
    )?;
    claim.status = ClaimStatus::Disputed;
    claim.dispute = Some(Dispute {
        disputer: info.sender.clone(),
        bond: params.dispute_bond,
        height: env.block.height,
    });
    claim.rounds.push(round.clone());
    claim_map().save(deps.storage, claim_id, &claim)?;
    Ok(Response::new()
        .add_attribute("action", "dispute")
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("disputer", info.sender)
        .add_attribute(events::COMMITTEE, members.join(","))
        .add_attribute("commit_end", round.commit_end.to_string())
        .add_attribute("reveal_end", round.reveal_end.to_string()))
}
