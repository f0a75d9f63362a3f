//! `poi staking …`: operators, delegation, withdrawals and (for the slasher) slashing.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use cosmrs::{Coin, Denom};
use cosmwasm_std::Uint128;
use poi_types::staking::{
    DelegationResponse, ExecuteMsg, OperatorMetadata, QueryMsg, RewardsResponse,
    WithdrawalsResponse,
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
    /// Start serving (needs the minimum self-bond).
    OptIn,
    /// Stop serving; the stake stays slashable for the withdrawal delay.
    OptOut,
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
    /// Slasher only: slash an operator for a claim.
    Slash {
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
    /// Claim your rewards.
    ClaimRewards,
    /// Admin only: name the account (or contract) allowed to slash.
    SetSlasher { slasher: String },
    /// A staker's delegation, withdrawals and pending rewards.
    Show { address: String },
}

pub struct StakingSession<'a> {
    pub chain: &'a Chain,
    pub contract: String,
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
        StakingCommand::OptIn => s.execute(&ExecuteMsg::OptIn {}, 0),
        StakingCommand::OptOut => s.execute(&ExecuteMsg::OptOut {}, 0),
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
            operator,
            bps,
            claim_id,
            reason,
            snapshot_height,
        } => s.execute(
            &ExecuteMsg::Slash {
                operator,
                bps,
                claim_id,
                reason,
                snapshot_height,
            },
            0,
        ),
        StakingCommand::ClaimRewards => s.execute(&ExecuteMsg::ClaimRewards {}, 0),
        StakingCommand::SetSlasher { slasher } => s.execute(
            &ExecuteMsg::SetSlasher {
                slasher: Some(slasher),
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
