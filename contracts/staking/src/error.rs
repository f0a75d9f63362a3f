use cosmwasm_std::{StdError, Uint128};
use cw_utils::PaymentError;
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error("only the admin may do this")]
    NotAdmin,

    #[error("only the slasher may slash")]
    NotSlasher,

    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },

    #[error("{address} is already an operator")]
    AlreadyOperator { address: String },

    #[error("{address} is not an operator")]
    NotOperator { address: String },

    #[error("operator is already opted {state}")]
    AlreadyOpted { state: &'static str },

    #[error("self-bond {bonded} is below the minimum {required}")]
    SelfBondTooLow { bonded: Uint128, required: Uint128 },

    #[error("already delegated to {current}: undelegate and withdraw before delegating elsewhere")]
    DelegatedElsewhere { current: String },

    #[error("nothing delegated")]
    NoDelegation,

    #[error("cannot undelegate {requested}: only {available} is bonded")]
    InsufficientStake {
        requested: Uint128,
        available: Uint128,
    },

    #[error("already {open} open withdrawals, the most allowed; complete some first")]
    TooManyWithdrawals { open: u32 },

    #[error("no withdrawal is released yet")]
    NothingToWithdraw,

    #[error("slash of {bps} bps is outside 1..={max}")]
    SlashOutOfRange { bps: u16, max: u16 },

    #[error("operator {operator} was already slashed for claim {claim_id}")]
    AlreadySlashed { operator: String, claim_id: u64 },

    #[error("snapshot height {snapshot_height} is after the current height {height}")]
    SnapshotInFuture { snapshot_height: u64, height: u64 },

    #[error("the operator's pool cannot take this deposit: its share price is out of range")]
    PoolFull,

    #[error("no opted-in stake to share rewards with")]
    NoServiceStake,

    #[error("no rewards to claim")]
    NothingToClaim,

    #[error(
        "operator {operator} has no stake at risk: opted out longer ago than the withdrawal delay"
    )]
    NotSlashable { operator: String },
}
