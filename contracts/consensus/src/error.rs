use cosmwasm_std::StdError;
use cw_utils::PaymentError;
use poi_types::HashError;
use poi_types::consensus::ClaimStatus;
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error("invalid hash: {0}")]
    Hash(#[from] HashError),

    #[error(transparent)]
    Admin(#[from] cw_controllers::AdminError),

    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },

    #[error("claim {id} not found")]
    ClaimNotFound { id: u64 },

    #[error("asset {id} is not an active model")]
    NotAnActiveModel { id: u64 },

    #[error("verifier {hash} is not approved")]
    VerifierNotApproved { hash: String },

    #[error("the model's price is in {price_denom}, claims pay in {denom}")]
    PriceDenom { price_denom: String, denom: String },

    #[error(
        "a claim pays at least {required}{denom} (price, fee floor and bond), got {paid}{denom}"
    )]
    Underpaid {
        required: u128,
        paid: u128,
        denom: String,
    },

    #[error("the model's policy is tolerance: the claim needs the output's URI")]
    OutputUriRequired,

    #[error("only auditors may submit sealed claims")]
    NotAuditor,

    #[error("no opted-in operator with stake can sit on this committee")]
    NoCandidates,

    #[error("{operator} is not on the committee of claim {claim_id}")]
    NotOnCommittee { operator: String, claim_id: u64 },

    #[error("claim {claim_id} is {status:?}, not open for {action}")]
    WrongStatus {
        claim_id: u64,
        status: ClaimStatus,
        action: &'static str,
    },

    #[error(
        "{window} window of claim {claim_id} is blocks {start} to {end} (exclusive), now {height}"
    )]
    OutsideWindow {
        claim_id: u64,
        window: &'static str,
        start: u64,
        end: u64,
        height: u64,
    },

    #[error("{operator} already committed on claim {claim_id}")]
    AlreadyCommitted { operator: String, claim_id: u64 },

    #[error("{operator} did not commit on claim {claim_id}")]
    NotCommitted { operator: String, claim_id: u64 },

    #[error("{operator} already revealed on claim {claim_id}")]
    AlreadyRevealed { operator: String, claim_id: u64 },

    #[error("the revealed vote and salt do not open the commitment")]
    CommitmentMismatch,

    #[error("claim {claim_id} takes {expected} votes")]
    WrongVoteKind {
        claim_id: u64,
        expected: &'static str,
    },

    #[error("claim {claim_id} cannot be finalised before block {height}")]
    TooEarly { claim_id: u64, height: u64 },

    #[error("claim {claim_id} is sealed: its auditor may open the seal until block {until}")]
    SealNotOpened { claim_id: u64, until: u64 },

    #[error("claim {claim_id} has no seal to open, or it is already open")]
    NoSeal { claim_id: u64 },

    #[error("only the auditor that submitted claim {claim_id} may open its seal")]
    NotSealOwner { claim_id: u64 },

    #[error("the canary flag and salt do not open the seal")]
    SealMismatch,

    #[error("a dispute bonds exactly {required}{denom}, got {paid}{denom}")]
    WrongDisputeBond {
        required: u128,
        paid: u128,
        denom: String,
    },
}

impl ContractError {
    /// A field of a message that is out of its bounds.
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ContractError::InvalidField {
            field,
            reason: reason.into(),
        }
    }
}
