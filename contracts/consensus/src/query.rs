//! Read-only views; lists are paginated and capped.

use cosmwasm_std::{Deps, Env, Order, StdResult};
use cw_storage_plus::Bound;
use poi_types::consensus::{
    BallotsResponse, Claim, ClaimStatus, ClaimsResponse, CommitteeResponse, DEFAULT_PAGE_LIMIT,
    MAX_PAGE_LIMIT, OperatorRecord,
};

use crate::ContractError;
use crate::claims;
use crate::state::{BALLOTS, COMMITTEES, RECORDS, claims as claim_map};

/// Most claims a filtered list looks at, so a query with a rare filter stays bounded.
const MAX_SCAN: usize = 1_000;

pub fn claims(
    deps: Deps,
    status: Option<ClaimStatus>,
    model_id: Option<u64>,
    claimant: Option<String>,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<ClaimsResponse, ContractError> {
    let claimant = claimant.map(|c| deps.api.addr_validate(&c)).transpose()?;
    let limit = limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize;
    let start = start_after.map(Bound::exclusive);
    let map = claim_map();
    // Walk the most selective index given; the other filters are checked on each claim.
    let range: Box<dyn Iterator<Item = StdResult<(u64, Claim)>>> =
        match (&claimant, model_id, status) {
            (Some(c), _, _) => map.idx.claimant.prefix(c.clone()).range(
                deps.storage,
                start,
                None,
                Order::Ascending,
            ),
            (None, Some(m), _) => {
                map.idx
                    .model
                    .prefix(m)
                    .range(deps.storage, start, None, Order::Ascending)
            }
            (None, None, Some(s)) => map.idx.status.prefix(s.as_str().to_string()).range(
                deps.storage,
                start,
                None,
                Order::Ascending,
            ),
            (None, None, None) => map.range(deps.storage, start, None, Order::Ascending),
        };
    let claims = range
        .take(MAX_SCAN)
        .filter(|item| {
            item.as_ref().map_or(true, |(_, c)| {
                status.is_none_or(|s| c.status == s)
                    && model_id.is_none_or(|m| c.model_id == m)
                    && claimant.as_ref().is_none_or(|a| c.claimant == *a)
            })
        })
        .take(limit)
        .map(|item| item.map(|(_, c)| c))
        .collect::<StdResult<_>>()?;
    Ok(ClaimsResponse { claims })
}

fn round_number(claim: &Claim, round: Option<u8>) -> u8 {
    round.unwrap_or_else(|| claim.round().number)
}

pub fn committee(
    deps: Deps,
    claim_id: u64,
    round: Option<u8>,
) -> Result<CommitteeResponse, ContractError> {
    let claim = claims::load(deps.storage, claim_id)?;
    let round = round_number(&claim, round);
    let members = COMMITTEES
        .may_load(deps.storage, (claim_id, round))?
        .unwrap_or_default();
    Ok(CommitteeResponse { round, members })
}

/// Ballots of a round, with the votes once its reveal window is over. (A revealed vote is public in
/// its transaction anyway: what keeps votes secret until every member has committed is the
/// commitment, and a late revealer cannot change the vote it committed to.)
pub fn ballots(
    deps: Deps,
    env: Env,
    claim_id: u64,
    round: Option<u8>,
) -> Result<BallotsResponse, ContractError> {
    let claim = claims::load(deps.storage, claim_id)?;
    let number = round_number(&claim, round);
    let hidden = claim
        .rounds
        .iter()
        .find(|r| r.number == number)
        .is_some_and(|r| r.verdict.is_none() && env.block.height < r.reveal_end);
    let mut ballots = Vec::new();
    for member in COMMITTEES
        .may_load(deps.storage, (claim_id, number))?
        .unwrap_or_default()
    {
        if let Some(mut ballot) =
            BALLOTS.may_load(deps.storage, (claim_id, number, &member.operator))?
        {
            if hidden {
                ballot.vote = None;
            }
            ballots.push(ballot);
        }
    }
    Ok(BallotsResponse {
        round: number,
        ballots,
    })
}

pub fn operator_record(deps: Deps, operator: String) -> Result<OperatorRecord, ContractError> {
    let operator = deps.api.addr_validate(&operator)?;
    Ok(RECORDS
        .may_load(deps.storage, &operator)?
        .unwrap_or_default())
}
