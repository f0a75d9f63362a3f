use cosmwasm_std::{StdError, Timestamp, Uint128};
use cw_controllers::AdminError;
use cw_utils::PaymentError;
use poi_types::staking::{AllocationChange, Asset};
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error(transparent)]
    Admin(#[from] AdminError),

    #[error("only service {service_id}'s slasher may slash for it")]
    NotSlasher { service_id: u32 },

    #[error("no service {id}")]
    NoSuchService { id: u32 },

    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },

    #[error("{address} is already an operator")]
    AlreadyOperator { address: String },

    #[error("{address} is not an operator")]
    NotOperator { address: String },

    #[error("service {service_id}'s allocation already has a change on its way: {pending:?}")]
    AllocationPending {
        service_id: u32,
        pending: AllocationChange,
    },

    #[error("service {service_id}'s allocation is already that")]
    AllocationUnchanged { service_id: u32 },

    #[error("cannot allocate {requested_bps} bps: only {free_bps} bps of the stake is free")]
    OverAllocated { requested_bps: u16, free_bps: u64 },

    #[error("an operator allocates to at most {max} services")]
    TooManyAllocations { max: u32 },

    #[error("no allocation change is due yet")]
    NothingToApply,

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

    #[error("no slashed tokens of {operator}'s pool in strategy {strategy_id} to collect")]
    NothingSlashed { operator: String, strategy_id: u16 },

    #[error("slash of {bps} bps is outside 1..={max}")]
    SlashOutOfRange { bps: u16, max: u16 },

    #[error("operator {operator} was already slashed by service {service_id} for claim {claim_id}")]
    AlreadySlashed {
        operator: String,
        service_id: u32,
        claim_id: u64,
    },

    #[error("snapshot height {snapshot_height} is after the current height {height}")]
    SnapshotInFuture { snapshot_height: u64, height: u64 },

    #[error("the operator's pool cannot take this deposit: its share price is out of range")]
    PoolFull,

    #[error("no rewards to claim")]
    NothingToClaim,

    #[error(
        "operator {operator} has no stake at risk for service {service_id}: nothing allocated, or released"
    )]
    NotSlashable { operator: String, service_id: u32 },

    #[error("operator {operator} has nothing counted or coming for service {service_id} to eject")]
    NothingToEject { operator: String, service_id: u32 },

    #[error("no strategy {id}")]
    NoSuchStrategy { id: u16 },

    #[error("{asset:?} is not a strategy: the admin has not accepted it as stake")]
    NotAStrategy { asset: Asset },

    #[error("{asset:?} is already a strategy")]
    StrategyExists { asset: Asset },

    #[error("at most {max} strategies")]
    TooManyStrategies { max: u16 },

    #[error("strategy {strategy_id} is at its cap: {bonded} of {cap} bonded")]
    StrategyCapReached {
        strategy_id: u16,
        cap: Uint128,
        bonded: Uint128,
    },

    #[error("a redelegation is in flight until {release_at}: settle it after that")]
    RedelegationInFlight { release_at: Timestamp },

    #[error("no redelegation to settle")]
    NoRedelegation,

    #[error("already delegated to that operator")]
    SameOperator,

    #[error("the stake would not fit its type")]
    StakeOverflow,

    #[error("cannot migrate: {reason}")]
    Migration { reason: String },
}
