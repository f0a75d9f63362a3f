//! Parameters and their bounds. The admin may tune them, but never outside these bounds: a quorum of
//! half or less, or a committee that `finalize` could not settle within a block, is refused.

use cosmwasm_std::{Api, DepsMut, MessageInfo, Response};
use poi_types::consensus::{
    BPS, MAX_AUDITORS, MAX_CANDIDATES, MAX_COMMITTEE_SIZE, MAX_ESCALATION_SIZE, MAX_WINDOW, Params,
    ParamsMsg,
};
use poi_types::staking::SlashDestination;

use crate::ContractError;
use crate::state::{ADMIN, PARAMS};

fn check_bps(field: &'static str, bps: u16) -> Result<(), ContractError> {
    if bps > BPS {
        return Err(ContractError::invalid(field, "at most 10000 bps"));
    }
    Ok(())
}

fn check_window(field: &'static str, blocks: u64) -> Result<(), ContractError> {
    if blocks == 0 || blocks > MAX_WINDOW {
        return Err(ContractError::invalid(
            field,
            format!("1 to {MAX_WINDOW} blocks"),
        ));
    }
    Ok(())
}

/// Checks every field against its bounds and the addresses against the chain.
pub fn validate(api: &dyn Api, msg: ParamsMsg) -> Result<Params, ContractError> {
    if msg.committee_size == 0 || msg.committee_size > MAX_COMMITTEE_SIZE {
        return Err(ContractError::invalid(
            "committee_size",
            format!("1 to {MAX_COMMITTEE_SIZE}"),
        ));
    }
    if msg.escalation_committee_size <= msg.committee_size
        || msg.escalation_committee_size > MAX_ESCALATION_SIZE
    {
        return Err(ContractError::invalid(
            "escalation_committee_size",
            format!("more than committee_size, at most {MAX_ESCALATION_SIZE}"),
        ));
    }
    if msg.max_candidates < msg.escalation_committee_size || msg.max_candidates > MAX_CANDIDATES {
        return Err(ContractError::invalid(
            "max_candidates",
            format!("at least escalation_committee_size, at most {MAX_CANDIDATES}"),
        ));
    }
    if msg.quorum_bps <= BPS / 2 || msg.quorum_bps > BPS {
        return Err(ContractError::invalid(
            "quorum_bps",
            "more than 5000, at most 10000",
        ));
    }
    check_window("commit_window", msg.commit_window)?;
    check_window("reveal_window", msg.reveal_window)?;
    check_window("dispute_window", msg.dispute_window)?;
    check_bps("wrong_vote_slash_bps", msg.wrong_vote_slash_bps)?;
    check_bps("no_show_slash_bps", msg.no_show_slash_bps)?;
    check_bps("forfeit_to_voters_bps", msg.forfeit_to_voters_bps)?;
    if msg.dispute_bond.is_zero() {
        return Err(ContractError::invalid(
            "dispute_bond",
            "must be more than zero",
        ));
    }
    let forfeit_destination = match msg.forfeit_destination {
        SlashDestination::Burn {} => SlashDestination::Burn {},
        SlashDestination::Address { address } => SlashDestination::Address {
            address: api.addr_validate(&address)?.into_string(),
        },
    };
    if msg.auditors.len() > MAX_AUDITORS {
        return Err(ContractError::invalid(
            "auditors",
            format!("at most {MAX_AUDITORS}"),
        ));
    }
    let auditors = msg
        .auditors
        .iter()
        .map(|a| api.addr_validate(a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Params {
        committee_size: msg.committee_size,
        escalation_committee_size: msg.escalation_committee_size,
        max_candidates: msg.max_candidates,
        quorum_bps: msg.quorum_bps,
        commit_window: msg.commit_window,
        reveal_window: msg.reveal_window,
        fee_floor: msg.fee_floor,
        claimant_bond: msg.claimant_bond,
        wrong_vote_slash_bps: msg.wrong_vote_slash_bps,
        no_show_slash_bps: msg.no_show_slash_bps,
        dispute_window: msg.dispute_window,
        dispute_bond: msg.dispute_bond,
        forfeit_to_voters_bps: msg.forfeit_to_voters_bps,
        forfeit_destination,
        auditors,
    })
}

/// Admin only. Claims already open keep the windows and committee they were given.
pub fn update(deps: DepsMut, info: MessageInfo, msg: ParamsMsg) -> Result<Response, ContractError> {
    ADMIN.assert_admin(deps.as_ref(), &info.sender)?;
    let params = validate(deps.api, msg)?;
    PARAMS.save(deps.storage, &params)?;
    Ok(Response::new().add_attribute("action", "update_params"))
}
