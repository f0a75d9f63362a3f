//! Commit-reveal voting. A member first commits `sha256(vote ‖ operator ‖ salt)`, then, once every
//! member had the commit window to commit, reveals the vote and salt. Nobody can see a vote before
//! committing its own, and a commitment copied from another member opens for nobody but that member.

use cosmwasm_std::{Addr, Binary, DepsMut, Env, MessageInfo, Response, Storage};
use poi_types::ContentHash;
use poi_types::consensus::events;
use poi_types::consensus::{Ballot, Claim, ClaimStatus, Member, Vote};

use crate::ContractError;
use crate::claims::{self, check_salt};
use crate::committee;
use crate::state::{BALLOTS, COMMITTEES, RECORDS, claims as claim_map};

/// The claim, if a round of it is voting.
fn voting_claim(
    storage: &dyn Storage,
    claim_id: u64,
    action: &'static str,
) -> Result<Claim, ContractError> {
    let claim = claims::load(storage, claim_id)?;
    match claim.status {
        ClaimStatus::Voting | ClaimStatus::Disputed => Ok(claim),
        status => Err(ContractError::WrongStatus {
            claim_id,
            status,
            action,
        }),
    }
}

fn member(storage: &dyn Storage, claim: &Claim, operator: &Addr) -> Result<Member, ContractError> {
    COMMITTEES
        .load(storage, (claim.id, claim.round().number))?
        .into_iter()
        .find(|m| m.operator == *operator)
        .ok_or_else(|| ContractError::NotOnCommittee {
            operator: operator.to_string(),
            claim_id: claim.id,
        })
}

fn check_window(
    claim: &Claim,
    window: &'static str,
    start: u64,
    end: u64,
    height: u64,
) -> Result<(), ContractError> {
    if height < start || height >= end {
        return Err(ContractError::OutsideWindow {
            claim_id: claim.id,
            window,
            start,
            end,
            height,
        });
    }
    Ok(())
}

pub fn commit(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    claim_id: u64,
    commitment: String,
) -> Result<Response, ContractError> {
    let claim = voting_claim(deps.storage, claim_id, "commitments")?;
    let round = claim.round();
    check_window(
        &claim,
        "commit",
        round.start_height,
        round.commit_end,
        env.block.height,
    )?;
    member(deps.storage, &claim, &info.sender)?;
    let commitment: ContentHash = commitment.parse()?;
    let key = (claim_id, round.number, &info.sender);
    if BALLOTS.has(deps.storage, key) {
        return Err(ContractError::AlreadyCommitted {
            operator: info.sender.to_string(),
            claim_id,
        });
    }
    let ballot = Ballot {
        operator: info.sender.clone(),
        commitment: Some(commitment),
        vote: None,
    };
    BALLOTS.save(deps.storage, key, &ballot)?;
    Ok(Response::new()
        .add_attribute("action", "commit_vote")
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("operator", info.sender))
}

pub fn reveal(
    deps: DepsMut,
    env: Env,
    info: MessageInfo,
    claim_id: u64,
    vote: Vote,
    salt: Binary,
) -> Result<Response, ContractError> {
    let mut claim = voting_claim(deps.storage, claim_id, "reveals")?;
    let round = claim.round().clone();
    check_window(
        &claim,
        "reveal",
        round.commit_end,
        round.reveal_end,
        env.block.height,
    )?;
    let seat = member(deps.storage, &claim, &info.sender)?;
    let key = (claim_id, round.number, &info.sender);
    let Some(mut ballot) = BALLOTS.may_load(deps.storage, key)? else {
        return Err(ContractError::NotCommitted {
            operator: info.sender.to_string(),
            claim_id,
        });
    };
    if ballot.vote.is_some() {
        return Err(ContractError::AlreadyRevealed {
            operator: info.sender.to_string(),
            claim_id,
        });
    }
    let expected = if claim.tolerance {
        "tolerance"
    } else {
        "exact"
    };
    if matches!(vote, Vote::Tolerance { .. }) != claim.tolerance {
        return Err(ContractError::WrongVoteKind { claim_id, expected });
    }
    check_salt(&salt)?;
    if ballot.commitment.as_ref() != Some(&vote.commitment(info.sender.as_str(), &salt)) {
        return Err(ContractError::CommitmentMismatch);
    }

    let agrees = vote.agrees_with(&claim.output.output_hash);
    let current = claim.rounds.last_mut().expect("a claim has a round");
    if agrees {
        current.agree_stake += seat.stake;
    } else {
        current.disagree_stake += seat.stake;
    }
    ballot.vote = Some(vote);
    BALLOTS.save(deps.storage, key, &ballot)?;
    claim_map().save(deps.storage, claim_id, &claim)?;
    committee::mix_into_seed(deps.storage, &info.sender, &salt)?;
    RECORDS.update(
        deps.storage,
        &info.sender,
        |r| -> Result<_, ContractError> {
            let mut r = r.unwrap_or_default();
            r.reveals += 1;
            Ok(r)
        },
    )?;
    Ok(Response::new()
        .add_attribute("action", "reveal_vote")
        .add_attribute(events::CLAIM_ID, claim_id.to_string())
        .add_attribute("operator", info.sender)
        .add_attribute("agrees", agrees.to_string()))
}
