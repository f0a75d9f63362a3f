//! Staking helpers on the suite: what stakers, operators and the slasher do.

use cosmwasm_std::{Addr, Decimal, StdResult, Uint128, coins, to_json_binary};
use cw_multi_test::{AppResponse, Executor, IntoBech32};
use poi_types::cw20::Cw20ExecuteMsg;
use poi_types::staking::{
    Asset, DelegationResponse, ExecuteMsg, InstantiateMsg, OperatorMetadata, PoolView,
    PoolsResponse, QueryMsg, ReceiveMsg, SlashDestination, SlashesResponse, StakeResponse,
    StrategiesResponse, Strategy, WithdrawalsResponse,
};

use crate::suite::{DENOM, INITIAL_BALANCE, Suite};

/// One week, as on many chains.
pub const WITHDRAWAL_DELAY: u64 = 7 * 24 * 3600;
pub const MIN_SELF_BOND: u128 = 100;
pub const MAX_OPEN_WITHDRAWALS: u32 = 5;

/// The service a staking suite registers first, with [`slasher`] as its slasher (the consensus
/// contract, in a consensus suite).
pub const SERVICE: u32 = 1;

/// The slasher account the tests play for [`SERVICE`].
pub fn slasher() -> Addr {
    "slasher".into_bech32()
}

/// Where slashed funds go in the tests.
pub fn community_pool() -> Addr {
    "community-pool".into_bech32()
}

pub fn operator() -> Addr {
    "operator".into_bech32()
}

pub fn operator2() -> Addr {
    "operator2".into_bech32()
}

pub fn default_config() -> InstantiateMsg {
    InstantiateMsg {
        admin: None,
        bond_denom: DENOM.into(),
        withdrawal_delay: WITHDRAWAL_DELAY,
        allocation_delay: 0,
        min_self_bond: Uint128::new(MIN_SELF_BOND),
        max_open_withdrawals: MAX_OPEN_WITHDRAWALS,
        slash_destination: SlashDestination::Address {
            address: community_pool().to_string(),
        },
    }
}

impl Suite {
    pub fn staking(&self) -> Addr {
        self.staking.clone().expect("suite built with_staking")
    }

    pub fn stake(&mut self, sender: &Addr, msg: &ExecuteMsg) -> StdResult<AppResponse> {
        let staking = self.staking();
        self.app.execute_contract(sender.clone(), staking, msg, &[])
    }

    pub fn delegate(
        &mut self,
        staker: &Addr,
        operator: &Addr,
        amount: u128,
    ) -> StdResult<AppResponse> {
        let staking = self.staking();
        let msg = ExecuteMsg::Delegate {
            operator: operator.to_string(),
        };
        self.app
            .execute_contract(staker.clone(), staking, &msg, &coins(amount, DENOM))
    }

    /// The admin accepts `asset` as stake; the new strategy.
    pub fn add_strategy(&mut self, asset: Asset, weight: Decimal, cap: Option<u128>) -> Strategy {
        let admin = self.accounts.admin.clone();
        let msg = ExecuteMsg::AddStrategy {
            asset,
            weight,
            cap: cap.map(Uint128::new),
        };
        self.stake(&admin, &msg).expect("the admin adds a strategy");
        self.strategies().pop().expect("the strategy just added")
    }

    /// A cw20 token every well-known account (and both operators) holds the initial balance of.
    pub fn deploy_token(&mut self) -> Addr {
        let holders: Vec<Addr> = ["admin", "alice", "bob", "carol", "operator", "operator2"]
            .iter()
            .map(|n| n.into_bech32())
            .collect();
        let admin = self.accounts.admin.clone();
        crate::cw20::deploy(&mut self.app, &admin, &holders, INITIAL_BALANCE)
    }

    /// Bonds `amount` of a strategy's asset: bank coins, or a cw20 `send` to the contract.
    pub fn delegate_in(
        &mut self,
        staker: &Addr,
        operator: &Addr,
        strategy: &Strategy,
        amount: u128,
    ) -> StdResult<AppResponse> {
        let staking = self.staking();
        let operator = operator.to_string();
        match &strategy.asset {
            Asset::Native { denom } => self.app.execute_contract(
                staker.clone(),
                staking,
                &ExecuteMsg::Delegate { operator },
                &coins(amount, denom),
            ),
            Asset::Cw20 { address } => {
                let send = Cw20ExecuteMsg::Send {
                    contract: staking.to_string(),
                    amount: Uint128::new(amount),
                    msg: to_json_binary(&ReceiveMsg::Delegate { operator })?,
                };
                self.app
                    .execute_contract(staker.clone(), Addr::unchecked(address), &send, &[])
            }
        }
    }

    pub fn undelegate(
        &mut self,
        staker: &Addr,
        strategy_id: u16,
        amount: u128,
    ) -> StdResult<AppResponse> {
        let msg = ExecuteMsg::Undelegate {
            strategy_id,
            amount: Uint128::new(amount),
        };
        self.stake(staker, &msg)
    }

    pub fn strategies(&self) -> Vec<Strategy> {
        let response: StrategiesResponse = self
            .app
            .wrap()
            .query_wasm_smart(self.staking(), &QueryMsg::Strategies {})
            .unwrap();
        response.strategies
    }

    /// The operator's pools: tokens by strategy id.
    pub fn pools(&self, operator: &Addr) -> Vec<PoolView> {
        let response: PoolsResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::Pools {
                    operator: operator.to_string(),
                },
            )
            .unwrap();
        response.pools
    }

    /// The operator's pools' tokens as of now, by strategy.
    pub fn pool_tokens(&self, operator: &Addr) -> std::collections::BTreeMap<u16, u128> {
        self.pools(operator)
            .into_iter()
            .map(|p| (p.strategy_id, p.pool.tokens.u128()))
            .collect()
    }

    /// What slashes took of the operator's pools that the contract still holds, by strategy.
    pub fn slashed_uncollected(&self, operator: &Addr) -> std::collections::BTreeMap<u16, u128> {
        self.pools(operator)
            .into_iter()
            .map(|p| (p.strategy_id, p.slashed_uncollected.u128()))
            .collect()
    }

    /// Anyone sends what slashes took of the operator's pool in a strategy where slashes go.
    pub fn collect_slashed(&mut self, operator: &Addr, strategy_id: u16) -> StdResult<AppResponse> {
        let anyone = self.accounts.carol.clone();
        self.stake(
            &anyone,
            &ExecuteMsg::CollectSlashed {
                operator: operator.to_string(),
                strategy_id,
            },
        )
    }

    /// What `who` holds of an asset, outside the contract.
    pub fn balance_of(&self, who: &Addr, asset: &Asset) -> u128 {
        match asset {
            Asset::Native { denom } => {
                let amount = self.app.wrap().query_balance(who, denom).unwrap().amount;
                amount.to_string().parse().unwrap()
            }
            Asset::Cw20 { address } => {
                crate::cw20::balance(&self.app, &Addr::unchecked(address), who)
            }
        }
    }

    /// Registers `operator`, bonds `self_bond` to it and allocates all of it to [`SERVICE`].
    pub fn start_operator(&mut self, operator: &Addr, self_bond: u128) {
        self.start_operator_for(operator, self_bond, SERVICE, 10_000);
    }

    /// Registers `operator`, bonds `self_bond` to it and allocates `bps` of it to `service_id`.
    pub fn start_operator_for(
        &mut self,
        operator: &Addr,
        self_bond: u128,
        service_id: u32,
        bps: u16,
    ) {
        let metadata = OperatorMetadata {
            moniker: "validator one".into(),
            uri: None,
        };
        self.stake(
            operator,
            &ExecuteMsg::RegisterOperator {
                commission_bps: 500,
                metadata,
            },
        )
        .unwrap();
        self.delegate(operator, operator, self_bond).unwrap();
        self.allocate(operator, service_id, bps).unwrap();
    }

    /// The operator allocates `bps` of its stake to `service_id`.
    pub fn allocate(
        &mut self,
        operator: &Addr,
        service_id: u32,
        bps: u16,
    ) -> StdResult<AppResponse> {
        self.stake(operator, &ExecuteMsg::SetAllocation { service_id, bps })
    }

    /// The admin registers a service slashed by `slasher`; its id.
    pub fn register_service(&mut self, slasher: &Addr, max_slash_bps: u16) -> u32 {
        let admin = self.accounts.admin.clone();
        let response = self
            .stake(
                &admin,
                &ExecuteMsg::RegisterService {
                    name: "a second service".into(),
                    uri: None,
                    slasher: slasher.to_string(),
                    max_slash_bps,
                },
            )
            .expect("the admin registers a service");
        response
            .events
            .iter()
            .flat_map(|e| &e.attributes)
            .find(|a| a.key == poi_types::staking::events::SERVICE_ID)
            .and_then(|a| a.value.parse().ok())
            .expect("the service id is reported")
    }

    /// [`SERVICE`]'s slasher slashes `bps` of the operator's slice now.
    pub fn slash(&mut self, operator: &Addr, bps: u16, claim_id: u64) -> StdResult<AppResponse> {
        self.slash_at(operator, bps, claim_id, None)
    }

    /// [`SERVICE`]'s slasher slashes `bps` of the operator's slice at `snapshot_height`.
    pub fn slash_at(
        &mut self,
        operator: &Addr,
        bps: u16,
        claim_id: u64,
        snapshot_height: Option<u64>,
    ) -> StdResult<AppResponse> {
        self.slash_for(
            &slasher(),
            SERVICE,
            operator,
            bps,
            claim_id,
            snapshot_height,
        )
    }

    /// `slasher` slashes for `service_id`.
    pub fn slash_for(
        &mut self,
        slasher: &Addr,
        service_id: u32,
        operator: &Addr,
        bps: u16,
        claim_id: u64,
        snapshot_height: Option<u64>,
    ) -> StdResult<AppResponse> {
        let msg = ExecuteMsg::Slash {
            service_id,
            operator: operator.to_string(),
            bps,
            claim_id,
            reason: "wrong vote".into(),
            snapshot_height,
        };
        self.stake(slasher, &msg)
    }

    /// The staker's delegation, with what each position is worth.
    pub fn delegation(&self, staker: &Addr) -> DelegationResponse {
        self.app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::Delegation {
                    staker: staker.to_string(),
                },
            )
            .unwrap()
    }

    /// What the staker's delegation weighs: its bond-denom value while nothing else is bonded.
    pub fn staked_value(&self, staker: &Addr) -> u128 {
        self.delegation(staker).stake.u128()
    }

    /// What the staker's position in a strategy is worth, in that strategy's tokens.
    pub fn staked_in(&self, staker: &Addr, strategy_id: u16) -> u128 {
        self.delegation(staker)
            .values
            .iter()
            .find(|v| v.strategy_id == strategy_id)
            .map_or(0, |v| v.amount.u128())
    }

    pub fn withdrawals(&self, staker: &Addr) -> WithdrawalsResponse {
        self.app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::Withdrawals {
                    staker: staker.to_string(),
                    start_after: None,
                    limit: None,
                },
            )
            .unwrap()
    }

    pub fn slash_history(&self, operator: &Addr) -> SlashesResponse {
        self.app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::SlashHistory {
                    operator: operator.to_string(),
                    start_after: None,
                    limit: None,
                },
            )
            .unwrap()
    }

    pub fn operator_stake_at(&self, operator: &Addr, height: u64) -> u128 {
        let resp: StakeResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::OperatorStakeAt {
                    operator: operator.to_string(),
                    height,
                },
            )
            .unwrap();
        resp.stake.u128()
    }

    /// The stake `operator` allocated to `service_id`, as counted at the start of `height`.
    pub fn allocated_stake_at(&self, service_id: u32, operator: &Addr, height: u64) -> u128 {
        let resp: StakeResponse = self
            .app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::AllocatedStakeAt {
                    service_id,
                    operator: operator.to_string(),
                    height,
                },
            )
            .unwrap();
        resp.stake.u128()
    }

    /// The operator's allocations, by service.
    pub fn allocations(&self, operator: &Addr) -> poi_types::staking::AllocationsResponse {
        self.app
            .wrap()
            .query_wasm_smart(
                self.staking(),
                &QueryMsg::Allocations {
                    operator: operator.to_string(),
                },
            )
            .unwrap()
    }

    pub fn balance(&self, who: &Addr) -> u128 {
        let amount = self.app.wrap().query_balance(who, DENOM).unwrap().amount;
        amount.to_string().parse().unwrap()
    }

    /// Moves the chain on by `seconds` (and a block per 6 seconds).
    pub fn advance(&mut self, seconds: u64) {
        self.app.update_block(|b| {
            b.time = b.time.plus_seconds(seconds);
            b.height += seconds.div_ceil(6).max(1);
        });
    }
}
