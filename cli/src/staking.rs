//! `poi staking …`: operators and their allocations, delegation, withdrawals, services and (for a
//! service's slasher) slashing.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use cosmrs::{Coin, Denom};
use cosmwasm_std::{Decimal, Uint128};
use poi_types::cw20::Cw20ExecuteMsg;
use poi_types::staking::{
    AllocationsResponse, Asset, DelegationResponse, ExecuteMsg, FIRST_STRATEGY, OperatorMetadata,
    PoolsResponse, QueryMsg, ReceiveMsg, RedelegationResponse, RewardsResponse, ServicesResponse,
    StrategiesResponse, WithdrawalsResponse,
};

use poi_client::Chain;
use poi_client::Signer;

#[derive(Subcommand)]
pub enum StakingCommand {
    /// Become an operator.
    RegisterOperator {
        #[arg(long)]
        moniker: String,
        #[arg(long, default_value = "500")]
        commission_bps: u16,
    },
    /// Allocate BPS of your stake to a service (0 to leave it; needs the minimum self-bond). An
    /// increase counts after the allocation delay, a decrease stays slashable for the withdrawal
    /// delay.
    Allocate {
        bps: u16,
        /// Default: the service of the deployed consensus contract.
        #[arg(long)]
        service: Option<u32>,
    },
    /// Make an operator's allocation changes that are due count (anyone may).
    ApplyAllocations {
        /// Default: your own address.
        #[arg(long)]
        operator: Option<String>,
    },
    /// An operator's allocations and the stake each stands for.
    Allocations { operator: String },
    /// The registered services.
    Services,
    /// Bond AMOUNT tokens of a strategy's asset (a bank denom or a cw20 token) to an operator.
    Delegate {
        amount: u128,
        #[arg(long)]
        operator: String,
        #[arg(long, default_value_t = FIRST_STRATEGY)]
        strategy: u16,
    },
    /// Queue AMOUNT of your bond in a strategy for withdrawal after the delay.
    Undelegate {
        amount: u128,
        #[arg(long, default_value_t = FIRST_STRATEGY)]
        strategy: u16,
    },
    /// Move your whole delegation to another operator at once. It counts there from the next
    /// block, answers for the old operator's faults for the withdrawal delay, and cannot be
    /// undelegated until then.
    Redelegate {
        #[arg(long)]
        operator: String,
    },
    /// After the withdrawal delay (anyone): settle a staker's redelegation, taking what the old
    /// operator's slashes cost it. Default: your own.
    SettleRedelegation {
        #[arg(long)]
        staker: Option<String>,
    },
    /// An operator's pools as of now, one per strategy, with the slashed tokens not yet sent.
    Pools {
        #[arg(long)]
        operator: String,
    },
    /// Anyone: send what an operator's slashes took of its pool in a strategy where slashes go.
    CollectSlashed {
        #[arg(long)]
        operator: String,
        #[arg(long, default_value_t = FIRST_STRATEGY)]
        strategy: u16,
    },
    /// The assets accepted as stake, their weights, caps and what is bonded.
    Strategies,
    /// Admin only: accept a bank denom (--denom) or a cw20 token (--cw20) as stake.
    AddStrategy {
        #[arg(long, conflicts_with = "cw20", required_unless_present = "cw20")]
        denom: Option<String>,
        /// The token contract's address.
        #[arg(long)]
        cw20: Option<String>,
        /// Stake weight per token, a decimal (fixed for the strategy's life).
        #[arg(long, value_parser = parse_weight)]
        weight: Decimal,
        /// Most tokens bonded over all operators; default: no cap.
        #[arg(long)]
        cap: Option<u128>,
    },
    /// Admin only: set a strategy's cap (0 closes it to new bonds; without --cap, no cap).
    SetStrategyCap {
        id: u16,
        #[arg(long)]
        cap: Option<u128>,
    },
    /// Pay out your released withdrawals.
    Withdraw,
    /// A service's slasher only: slash an operator's allocation to it for a claim.
    Slash {
        #[arg(long)]
        service: u32,
        #[arg(long)]
        operator: String,
        #[arg(long)]
        bps: u16,
        #[arg(long)]
        claim_id: u64,
        #[arg(long, default_value = "")]
        reason: String,
        /// The height whose stake is cut (the claim's snapshot); default: the current height.
        #[arg(long)]
        snapshot_height: Option<u64>,
    },
    /// A service's slasher only: remove an operator from the service without a slash; its slice
    /// stays slashable for the withdrawal delay.
    Eject {
        #[arg(long)]
        service: u32,
        #[arg(long)]
        operator: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Claim your rewards.
    ClaimRewards,
    /// Admin only: register a service that may slash what operators allocate to it.
    RegisterService {
        #[arg(long)]
        name: String,
        /// The account (or contract) allowed to slash.
        #[arg(long)]
        slasher: String,
        #[arg(long)]
        max_slash_bps: u16,
        #[arg(long)]
        uri: Option<String>,
    },
    /// Admin only: rename a service or name a new slasher (it takes over after twice the
    /// withdrawal delay).
    UpdateService {
        id: u32,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        uri: Option<String>,
        #[arg(long)]
        slasher: Option<String>,
    },
    /// A staker's delegation (weighted value and each position), withdrawals, redelegation and
    /// pending rewards.
    Show { address: String },
}

pub struct StakingSession<'a> {
    pub chain: &'a Chain,
    pub contract: String,
    /// The deployed consensus contract, whose service `allocate` defaults to.
    pub consensus: Option<String>,
    pub signer: &'a dyn Fn() -> Result<Signer>,
    pub json: bool,
}

fn parse_weight(text: &str) -> Result<Decimal, String> {
    text.parse().map_err(|e| format!("{e}"))
}

impl StakingSession<'_> {
    fn execute(&self, msg: &ExecuteMsg) -> Result<()> {
        self.execute_on(&self.contract, msg, vec![])
    }

    fn execute_on(
        &self,
        contract: &str,
        msg: &impl serde::Serialize,
        funds: Vec<Coin>,
    ) -> Result<()> {
        let signer = (self.signer)()?;
        let result = self
            .chain
            .execute_contract(&signer, contract, msg, funds, "poi staking")?;
        crate::output::transaction(self.json, &result, serde_json::json!({}))
    }

    /// Bonds through the strategy's asset: bank coins attached to `Delegate`, or a cw20 `send`
    /// carrying the staking contract's `ReceiveMsg`.
    fn delegate(&self, operator: String, strategy_id: u16, amount: u128) -> Result<()> {
        let strategies: StrategiesResponse = self
            .chain
            .smart_query(&self.contract, &QueryMsg::Strategies {})?;
        let strategy = strategies
            .strategies
            .into_iter()
            .find(|s| s.id == strategy_id)
            .ok_or_else(|| anyhow!("no strategy {strategy_id}: see `poi staking strategies`"))?;
        match strategy.asset {
            Asset::Native { denom } => {
                let denom: Denom = denom.parse().map_err(|e| anyhow!("denom: {e}"))?;
                let funds = vec![Coin { denom, amount }];
                self.execute_on(&self.contract, &ExecuteMsg::Delegate { operator }, funds)
            }
            Asset::Cw20 { address } => {
                let send = Cw20ExecuteMsg::Send {
                    contract: self.contract.clone(),
                    amount: Uint128::new(amount),
                    msg: cosmwasm_std::to_json_binary(&ReceiveMsg::Delegate { operator })
                        .map_err(|e| anyhow!("{e}"))?,
                };
                self.execute_on(&address, &send, vec![])
            }
        }
    }

    fn consensus_service(&self) -> Result<u32> {
        let consensus = self.consensus.as_ref().ok_or_else(|| {
            anyhow!("no consensus contract is deployed on this network: name a --service")
        })?;
        let config: poi_types::consensus::Config = self
            .chain
            .smart_query(consensus, &poi_types::consensus::QueryMsg::Config {})?;
        Ok(config.service_id)
    }

    fn query<T: serde::de::DeserializeOwned + serde::Serialize>(
        &self,
        msg: &QueryMsg,
    ) -> Result<()> {
        let response: T = self.chain.smart_query(&self.contract, msg)?;
        println!("{}", serde_json::to_string_pretty(&response)?);
        Ok(())
    }
}

pub fn run(cmd: StakingCommand, s: &StakingSession) -> Result<()> {
    match cmd {
        StakingCommand::RegisterOperator {
            moniker,
            commission_bps,
        } => s.execute(&ExecuteMsg::RegisterOperator {
            commission_bps,
            metadata: OperatorMetadata { moniker, uri: None },
        }),
        StakingCommand::Allocate { bps, service } => {
            let service_id = match service {
                Some(id) => id,
                None => s.consensus_service()?,
            };
            s.execute(&ExecuteMsg::SetAllocation { service_id, bps })
        }
        StakingCommand::ApplyAllocations { operator } => {
            let operator = match operator {
                Some(address) => address,
                None => (s.signer)()?.address.to_string(),
            };
            s.execute(&ExecuteMsg::ApplyAllocations { operator })
        }
        StakingCommand::Allocations { operator } => {
            s.query::<AllocationsResponse>(&QueryMsg::Allocations { operator })
        }
        StakingCommand::Services => s.query::<ServicesResponse>(&QueryMsg::Services {
            start_after: None,
            limit: None,
        }),
        StakingCommand::Delegate {
            amount,
            operator,
            strategy,
        } => s.delegate(operator, strategy, amount),
        StakingCommand::Undelegate { amount, strategy } => s.execute(&ExecuteMsg::Undelegate {
            strategy_id: strategy,
            amount: Uint128::new(amount),
        }),
        StakingCommand::Redelegate { operator } => s.execute(&ExecuteMsg::Redelegate { operator }),
        StakingCommand::SettleRedelegation { staker } => {
            let staker = match staker {
                Some(address) => address,
                None => (s.signer)()?.address.to_string(),
            };
            s.execute(&ExecuteMsg::SettleRedelegation { staker })
        }
        StakingCommand::Pools { operator } => {
            s.query::<PoolsResponse>(&QueryMsg::Pools { operator })
        }
        StakingCommand::CollectSlashed { operator, strategy } => {
            s.execute(&ExecuteMsg::CollectSlashed {
                operator,
                strategy_id: strategy,
            })
        }
        StakingCommand::Strategies => s.query::<StrategiesResponse>(&QueryMsg::Strategies {}),
        StakingCommand::AddStrategy {
            denom,
            cw20,
            weight,
            cap,
        } => {
            let asset = match (denom, cw20) {
                (Some(denom), _) => Asset::Native { denom },
                (None, Some(address)) => Asset::Cw20 { address },
                (None, None) => unreachable!("clap requires --denom or --cw20"),
            };
            s.execute(&ExecuteMsg::AddStrategy {
                asset,
                weight,
                cap: cap.map(Uint128::new),
            })
        }
        StakingCommand::SetStrategyCap { id, cap } => s.execute(&ExecuteMsg::SetStrategyCap {
            strategy_id: id,
            cap: cap.map(Uint128::new),
        }),
        StakingCommand::Withdraw => s.execute(&ExecuteMsg::CompleteWithdrawals { limit: None }),
        StakingCommand::Slash {
            service,
            operator,
            bps,
            claim_id,
            reason,
            snapshot_height,
        } => s.execute(&ExecuteMsg::Slash {
            service_id: service,
            operator,
            bps,
            claim_id,
            reason,
            snapshot_height,
        }),
        StakingCommand::Eject {
            service,
            operator,
            reason,
        } => s.execute(&ExecuteMsg::Eject {
            service_id: service,
            operator,
            reason,
        }),
        StakingCommand::ClaimRewards => s.execute(&ExecuteMsg::ClaimRewards {}),
        StakingCommand::RegisterService {
            name,
            slasher,
            max_slash_bps,
            uri,
        } => s.execute(&ExecuteMsg::RegisterService {
            name,
            uri,
            slasher,
            max_slash_bps,
        }),
        StakingCommand::UpdateService {
            id,
            name,
            uri,
            slasher,
        } => s.execute(&ExecuteMsg::UpdateService {
            service_id: id,
            name,
            uri,
            slasher,
        }),
        StakingCommand::Show { address } => {
            let delegation: DelegationResponse = s.chain.smart_query(
                &s.contract,
                &QueryMsg::Delegation {
                    staker: address.clone(),
                },
            )?;
            let withdrawals: WithdrawalsResponse = s.chain.smart_query(
                &s.contract,
                &QueryMsg::Withdrawals {
                    staker: address.clone(),
                    start_after: None,
                    limit: None,
                },
            )?;
            let redelegation: RedelegationResponse = s.chain.smart_query(
                &s.contract,
                &QueryMsg::Redelegation {
                    staker: address.clone(),
                },
            )?;
            let rewards: RewardsResponse = s
                .chain
                .smart_query(&s.contract, &QueryMsg::PendingRewards { address })?;
            let out = serde_json::json!({
                "delegation": delegation.delegation.map(|d| d.operator),
                // Weighted over the strategies; `positions` has each one's value in its tokens.
                "value": delegation.stake,
                "positions": delegation.values,
                "withdrawals": withdrawals.withdrawals.iter().map(|w| serde_json::json!({
                    "id": w.withdrawal.id,
                    "strategy_id": w.withdrawal.strategy_id,
                    "amount": w.withdrawal.amount,
                    "payable": w.payable,
                    "released": w.released,
                })).collect::<Vec<_>>(),
                "rewards": rewards.rewards,
                "redelegation": redelegation.redelegation.map(|r| serde_json::json!({
                    "from": r.from,
                    "amounts": r.amounts,
                    "release_at": r.release_at.seconds(),
                    "owed": redelegation.owed,
                    "released": redelegation.released,
                })),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
    }
}
