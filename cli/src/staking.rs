//! `poi staking …`: operators and their allocations, delegation, withdrawals, services and (for a
//! service's slasher) slashing.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use cosmrs::{Coin, Denom};
use cosmwasm_std::Uint128;
use poi_types::staking::{
    AllocationsResponse, DelegationResponse, ExecuteMsg, OperatorMetadata, QueryMsg,
    RewardsResponse, ServicesResponse, WithdrawalsResponse,
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
    /// Bond AMOUNT of the bond denom to an operator.
    Delegate {
        amount: u128,
        #[arg(long)]
        operator: String,
    },
    /// Queue AMOUNT of your stake for withdrawal after the delay.
    Undelegate { amount: u128 },
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
    /// A staker's delegation, withdrawals and pending rewards.
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

impl StakingSession<'_> {
    fn execute(&self, msg: &ExecuteMsg, amount: u128) -> Result<()> {
        let signer = (self.signer)()?;
        let bond_denom = self.bond_denom()?;
        let funds = if amount == 0 {
            vec![]
        } else {
            let denom: Denom = bond_denom.parse().map_err(|e| anyhow!("denom: {e}"))?;
            vec![Coin { denom, amount }]
        };
        let result =
            self.chain
                .execute_contract(&signer, &self.contract, msg, funds, "poi staking")?;
        crate::output::transaction(self.json, &result, serde_json::json!({}))
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

    fn bond_denom(&self) -> Result<String> {
        let config: poi_types::staking::Config = self
            .chain
            .smart_query(&self.contract, &QueryMsg::Config {})?;
        Ok(config.bond_denom)
    }
}

pub fn run(cmd: StakingCommand, s: &StakingSession) -> Result<()> {
    match cmd {
        StakingCommand::RegisterOperator {
            moniker,
            commission_bps,
        } => s.execute(
            &ExecuteMsg::RegisterOperator {
                commission_bps,
                metadata: OperatorMetadata { moniker, uri: None },
            },
            0,
        ),
        StakingCommand::Allocate { bps, service } => {
            let service_id = match service {
                Some(id) => id,
                None => s.consensus_service()?,
            };
            s.execute(&ExecuteMsg::SetAllocation { service_id, bps }, 0)
        }
        StakingCommand::ApplyAllocations { operator } => {
            let operator = match operator {
                Some(address) => address,
                None => (s.signer)()?.address.to_string(),
            };
            s.execute(&ExecuteMsg::ApplyAllocations { operator }, 0)
        }
        StakingCommand::Allocations { operator } => {
            s.query::<AllocationsResponse>(&QueryMsg::Allocations { operator })
        }
        StakingCommand::Services => s.query::<ServicesResponse>(&QueryMsg::Services {
            start_after: None,
            limit: None,
        }),
        StakingCommand::Delegate { amount, operator } => {
            s.execute(&ExecuteMsg::Delegate { operator }, amount)
        }
        StakingCommand::Undelegate { amount } => s.execute(
            &ExecuteMsg::Undelegate {
                amount: Uint128::new(amount),
            },
            0,
        ),
        StakingCommand::Withdraw => s.execute(&ExecuteMsg::CompleteWithdrawals { limit: None }, 0),
        StakingCommand::Slash {
            service,
            operator,
            bps,
            claim_id,
            reason,
            snapshot_height,
        } => s.execute(
            &ExecuteMsg::Slash {
                service_id: service,
                operator,
                bps,
                claim_id,
                reason,
                snapshot_height,
            },
            0,
        ),
        StakingCommand::Eject {
            service,
            operator,
            reason,
        } => s.execute(
            &ExecuteMsg::Eject {
                service_id: service,
                operator,
                reason,
            },
            0,
        ),
        StakingCommand::ClaimRewards => s.execute(&ExecuteMsg::ClaimRewards {}, 0),
        StakingCommand::RegisterService {
            name,
            slasher,
            max_slash_bps,
            uri,
        } => s.execute(
            &ExecuteMsg::RegisterService {
                name,
                uri,
                slasher,
                max_slash_bps,
            },
            0,
        ),
        StakingCommand::UpdateService {
            id,
            name,
            uri,
            slasher,
        } => s.execute(
            &ExecuteMsg::UpdateService {
                service_id: id,
                name,
                uri,
                slasher,
            },
            0,
        ),
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
            let rewards: RewardsResponse = s
                .chain
                .smart_query(&s.contract, &QueryMsg::PendingRewards { address })?;
            let out = serde_json::json!({
                "delegation": delegation.delegation.map(|d| d.operator),
                "value": delegation.value,
                "withdrawals": withdrawals.withdrawals.iter().map(|w| serde_json::json!({
                    "id": w.withdrawal.id,
                    "amount": w.withdrawal.amount,
                    "payable": w.payable,
                    "released": w.released,
                })).collect::<Vec<_>>(),
                "rewards": rewards.rewards,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
            Ok(())
        }
    }
}
