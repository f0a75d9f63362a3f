//! Read-only views; lists are paginated and capped.

use cosmwasm_std::{Addr, Deps, Env, Order, StdResult};
use cw_storage_plus::Bound;
use poi_types::staking::{
    Candidate, CandidatesResponse, Config, DEFAULT_PAGE_LIMIT, DelegationResponse,
    MAX_CANDIDATE_PAGE, MAX_PAGE_LIMIT, Operator, OperatorsResponse, RewardsResponse,
    SlashesResponse, StakeResponse, WithdrawalView, WithdrawalsResponse,
};

use crate::ContractError;
use crate::delegation;
use crate::operators;
use crate::rewards;
use crate::state::{
    CONFIG, DELEGATIONS, OPERATOR_STAKE, OPERATORS, SERVICE_STAKE, SLASHES, WITHDRAWALS,
};
use crate::withdrawals;

fn page_limit(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize
}

pub fn config(deps: Deps) -> Result<Config, ContractError> {
    Ok(CONFIG.load(deps.storage)?)
}

pub fn operator(deps: Deps, address: String) -> Result<Operator, ContractError> {
    operators::load(deps.storage, &deps.api.addr_validate(&address)?)
}

pub fn operators(
    deps: Deps,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<OperatorsResponse, ContractError> {
    let start = start_after
        .map(|a| deps.api.addr_validate(&a))
        .transpose()?;
    let operators = OPERATORS
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .map(|item| item.map(|(_, op)| op))
        .collect::<StdResult<_>>()?;
    Ok(OperatorsResponse { operators })
}

pub fn candidates_at(
    deps: Deps,
    height: u64,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<CandidatesResponse, ContractError> {
    // A position, not an address: keys compare as bytes, so any string marks a point in the order.
    let start = start_after.map(Addr::unchecked);
    let limit = limit.unwrap_or(MAX_CANDIDATE_PAGE).min(MAX_CANDIDATE_PAGE) as usize;
    let page = OPERATORS
        .range(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(limit)
        .collect::<StdResult<Vec<_>>>()?;
    let next = (page.len() == limit)
        .then(|| page.last().map(|(address, _)| address.to_string()))
        .flatten();
    let mut candidates = Vec::new();
    for (address, op) in page.into_iter().filter(|(_, op)| op.opted_in) {
        let stake = OPERATOR_STAKE
            .may_load_at_height(deps.storage, &address, height)?
            .unwrap_or_default();
        if !stake.is_zero() {
            candidates.push(Candidate {
                operator: op.address,
                stake,
            });
        }
    }
    Ok(CandidatesResponse { candidates, next })
}

pub fn delegation(deps: Deps, staker: String) -> Result<DelegationResponse, ContractError> {
    let staker = deps.api.addr_validate(&staker)?;
    let Some(d) = DELEGATIONS.may_load(deps.storage, &staker)? else {
        return Ok(DelegationResponse {
            delegation: None,
            value: Default::default(),
        });
    };
    let operator = operators::load(deps.storage, &d.operator)?;
    let value = delegation::value(&operator, &d);
    Ok(DelegationResponse {
        delegation: Some(d),
        value,
    })
}

pub fn operator_stake_at(
    deps: Deps,
    operator: String,
    height: u64,
) -> Result<StakeResponse, ContractError> {
    let operator = deps.api.addr_validate(&operator)?;
    let stake = OPERATOR_STAKE
        .may_load_at_height(deps.storage, &operator, height)?
        .unwrap_or_default();
    Ok(StakeResponse { stake })
}

pub fn service_stake_at(deps: Deps, height: u64) -> Result<StakeResponse, ContractError> {
    let stake = SERVICE_STAKE
        .may_load_at_height(deps.storage, height)?
        .unwrap_or_default();
    Ok(StakeResponse { stake })
}

pub fn withdrawals(
    deps: Deps,
    env: Env,
    staker: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<WithdrawalsResponse, ContractError> {
    let staker = deps.api.addr_validate(&staker)?;
    let mut out = Vec::new();
    for item in WITHDRAWALS
        .prefix(&staker)
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
    {
        let (_, w) = item?;
        let payable = withdrawals::payable(deps.storage, &w, env.block.time)?;
        out.push(WithdrawalView {
            released: w.release_at <= env.block.time,
            payable,
            withdrawal: w,
        });
    }
    Ok(WithdrawalsResponse { withdrawals: out })
}

pub fn slash_history(
    deps: Deps,
    operator: String,
    start_after: Option<u64>,
    limit: Option<u32>,
) -> Result<SlashesResponse, ContractError> {
    let operator = deps.api.addr_validate(&operator)?;
    let slashes = SLASHES
        .prefix(&operator)
        .range(
            deps.storage,
            start_after.map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(page_limit(limit))
        .map(|item| item.map(|(_, s)| s))
        .collect::<StdResult<_>>()?;
    Ok(SlashesResponse { slashes })
}

pub fn pending_rewards(deps: Deps, address: String) -> Result<RewardsResponse, ContractError> {
    let address = deps.api.addr_validate(&address)?;
    Ok(RewardsResponse {
        rewards: rewards::pending(deps.storage, &address)?,
    })
}
