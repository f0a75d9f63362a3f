//! Read-only views; lists are paginated and capped.

use cosmwasm_std::{Addr, Deps, Env, Order, StdResult, Uint128};
use cw_storage_plus::Bound;
use poi_types::staking::{
    AllocationView, AllocationsResponse, Candidate, CandidatesResponse, Config, DEFAULT_PAGE_LIMIT,
    DelegationResponse, MAX_CANDIDATE_PAGE, MAX_PAGE_LIMIT, Operator, OperatorsResponse, PoolView,
    PoolsResponse, RedelegationResponse, RewardsResponse, Service, ServicesResponse,
    SlashesResponse, StakeResponse, StrategiesResponse, StrategyAmount, WithdrawalView,
    WithdrawalsResponse,
};

use crate::ContractError;
use crate::state::{
    ALLOCATIONS, CONFIG, COUNTED_MAGNITUDE, DELEGATIONS, OPERATOR_STAKE, OPERATORS, POOLS,
    REDELEGATIONS, SERVICES, SLASHES, WITHDRAWALS,
};
use crate::{
    allocations, delegation, operators, pools, redelegation, rewards, services, strategies,
    withdrawals,
};

fn page_limit(limit: Option<u32>) -> usize {
    limit.unwrap_or(DEFAULT_PAGE_LIMIT).min(MAX_PAGE_LIMIT) as usize
}

/// The values of at most a page of a map's `(key, value)` range.
fn page_of<K, V>(
    items: impl Iterator<Item = StdResult<(K, V)>>,
    limit: Option<u32>,
) -> StdResult<Vec<V>> {
    items
        .take(page_limit(limit))
        .map(|item| item.map(|(_, value)| value))
        .collect()
}

pub fn config(deps: Deps) -> Result<Config, ContractError> {
    Ok(CONFIG.load(deps.storage)?)
}

pub fn service(deps: Deps, id: u32) -> Result<Service, ContractError> {
    services::load(deps.storage, id)
}

pub fn services(
    deps: Deps,
    start_after: Option<u32>,
    limit: Option<u32>,
) -> Result<ServicesResponse, ContractError> {
    let range = SERVICES.range(
        deps.storage,
        start_after.map(Bound::exclusive),
        None,
        Order::Ascending,
    );
    let services = page_of(range, limit)?;
    Ok(ServicesResponse { services })
}

pub fn allocations(deps: Deps, operator: String) -> Result<AllocationsResponse, ContractError> {
    let operator = operators::load(deps.storage, &deps.api.addr_validate(&operator)?)?;
    // At most MAX_ALLOCATIONS_PER_OPERATOR entries.
    let allocations = ALLOCATIONS
        .prefix(&operator.address)
        .range(deps.storage, None, None, Order::Ascending)
        .map(|item| {
            item.map(|(service_id, allocation)| AllocationView {
                service_id,
                stake: allocations::stake_of(
                    operator.stake,
                    allocation.magnitude,
                    operator.max_magnitude,
                ),
                allocation,
            })
        })
        .collect::<StdResult<_>>()?;
    Ok(AllocationsResponse { allocations })
}

pub fn allocated_stake_at(
    deps: Deps,
    service_id: u32,
    operator: String,
    height: u64,
) -> Result<StakeResponse, ContractError> {
    let operator = deps.api.addr_validate(&operator)?;
    let stake = allocations::stake_at(deps.storage, service_id, &operator, height)?;
    Ok(StakeResponse { stake })
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
    let range = OPERATORS.range(
        deps.storage,
        start.as_ref().map(Bound::exclusive),
        None,
        Order::Ascending,
    );
    let operators = page_of(range, limit)?;
    Ok(OperatorsResponse { operators })
}

pub fn candidates_at(
    deps: Deps,
    service_id: u32,
    height: u64,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<CandidatesResponse, ContractError> {
    // A position, not an address: keys compare as bytes, so any string marks a point in the order.
    let start = start_after.map(Addr::unchecked);
    let limit = limit.unwrap_or(MAX_CANDIDATE_PAGE).min(MAX_CANDIDATE_PAGE) as usize;
    // Operators whose allocation counts now; each weighted by its slice at the snapshot.
    let page = COUNTED_MAGNITUDE
        .prefix(service_id)
        .keys(
            deps.storage,
            start.as_ref().map(Bound::exclusive),
            None,
            Order::Ascending,
        )
        .take(limit)
        .collect::<StdResult<Vec<Addr>>>()?;
    let next = (page.len() == limit)
        .then(|| page.last().map(Addr::to_string))
        .flatten();
    let mut candidates = Vec::new();
    for operator in page {
        let stake = allocations::stake_at(deps.storage, service_id, &operator, height)?;
        if !stake.is_zero() {
            candidates.push(Candidate { operator, stake });
        }
    }
    Ok(CandidatesResponse { candidates, next })
}

pub fn delegation(deps: Deps, staker: String) -> Result<DelegationResponse, ContractError> {
    let staker = deps.api.addr_validate(&staker)?;
    let Some(d) = DELEGATIONS.may_load(deps.storage, &staker)? else {
        return Ok(DelegationResponse {
            delegation: None,
            values: vec![],
            stake: Uint128::zero(),
        });
    };
    let op = operators::load(deps.storage, &d.operator)?;
    let values = d
        .positions
        .iter()
        .map(|p| {
            let pool = pools::now(deps.storage, &op, p.strategy_id)?;
            Ok(StrategyAmount {
                strategy_id: p.strategy_id,
                amount: delegation::value(&pool, p),
            })
        })
        .collect::<Result<_, ContractError>>()?;
    Ok(DelegationResponse {
        stake: operators::bonded_stake(deps.storage, &d)?,
        delegation: Some(d),
        values,
    })
}

pub fn redelegation(
    deps: Deps,
    env: Env,
    staker: String,
) -> Result<RedelegationResponse, ContractError> {
    let staker = deps.api.addr_validate(&staker)?;
    let Some(r) = REDELEGATIONS.may_load(deps.storage, &staker)? else {
        return Ok(RedelegationResponse {
            redelegation: None,
            owed: vec![],
            released: false,
        });
    };
    Ok(RedelegationResponse {
        owed: redelegation::owed(deps.storage, &r, env.block.time)?,
        released: r.release_at <= env.block.time,
        redelegation: Some(r),
    })
}

pub fn strategies(deps: Deps) -> Result<StrategiesResponse, ContractError> {
    Ok(StrategiesResponse {
        strategies: strategies::all(deps.storage)?,
    })
}

pub fn pools(deps: Deps, operator: String) -> Result<PoolsResponse, ContractError> {
    let op = operators::load(deps.storage, &deps.api.addr_validate(&operator)?)?;
    // At most MAX_STRATEGIES entries.
    let ids = POOLS
        .prefix(&op.address)
        .keys(deps.storage, None, None, Order::Ascending)
        .collect::<StdResult<Vec<u16>>>()?;
    let mut views = Vec::with_capacity(ids.len());
    for strategy_id in ids {
        let touched = pools::touch(deps.storage, &op, strategy_id)?;
        views.push(PoolView {
            strategy_id,
            slashed_uncollected: touched.slashed(),
            pool: touched.pool,
        });
    }
    Ok(PoolsResponse { pools: views })
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
    let range = SLASHES.prefix(&operator).range(
        deps.storage,
        start_after.map(Bound::exclusive),
        None,
        Order::Ascending,
    );
    let slashes = page_of(range, limit)?;
    Ok(SlashesResponse { slashes })
}

pub fn pending_rewards(deps: Deps, address: String) -> Result<RewardsResponse, ContractError> {
    let address = deps.api.addr_validate(&address)?;
    Ok(RewardsResponse {
        rewards: rewards::pending(deps.storage, &address)?,
    })
}
