use cosmwasm_std::StdError;
use cw_utils::PaymentError;
use poi_types::HashError;
use thiserror::Error;

#[derive(Error, Debug)]
pub enum ContractError {
    #[error(transparent)]
    Std(#[from] StdError),

    #[error(transparent)]
    Payment(#[from] PaymentError),

    #[error(transparent)]
    Admin(#[from] cw_controllers::AdminError),

    #[error("only the owner of asset {id} may do this")]
    NotOwner { id: u64 },

    #[error("not allowed to transfer asset {id}: neither its owner, nor approved, nor an operator")]
    NotAllowedToTransfer { id: u64 },

    #[error("asset {id} does not exist")]
    AssetNotFound { id: u64 },

    #[error("token id {token_id:?} is not an asset id (a decimal number)")]
    InvalidTokenId { token_id: String },

    #[error("invalid {field}: {source}")]
    InvalidHash {
        field: &'static str,
        source: HashError,
    },

    #[error("content hash {hash} is already registered as asset {existing}")]
    DuplicateContentHash { hash: String, existing: u64 },

    #[error("no asset has content hash {hash}")]
    HashNotFound { hash: String },

    #[error("invalid {field}: {reason}")]
    InvalidField { field: &'static str, reason: String },

    #[error("an asset may name at most {max} parents")]
    TooManyParents { max: usize },

    #[error("parent {id} is named twice")]
    DuplicateParent { id: u64 },

    #[error("parent {id} has weight 0; leave it out instead")]
    ZeroParentWeight { id: u64 },

    #[error("parent weights sum to {total} bps, more than 10000")]
    WeightsExceedTotal { total: u32 },

    #[error("parent asset {id} does not exist")]
    ParentNotFound { id: u64 },

    #[error("previous version {id} does not exist")]
    PreviousVersionNotFound { id: u64 },

    #[error("previous version {id} is a {found}, not a {expected}")]
    PreviousVersionKind {
        id: u64,
        expected: &'static str,
        found: &'static str,
    },

    #[error("previous version {id} belongs to someone else")]
    PreviousVersionNotOwned { id: u64 },

    #[error("a model needs its signature and verification policy")]
    ModelSpecMissing,

    #[error("a {kind} has no model signature or verification policy")]
    ModelSpecNotAllowed { kind: &'static str },

    #[error("asset {id} is deprecated")]
    AssetDeprecated { id: u64 },

    #[error("nothing to update")]
    NothingToUpdate,

    #[error("asset {id} already has {max} approvals; revoke one first")]
    TooManyApprovals { id: u64, max: usize },

    #[error("{spender} has no approval on asset {id}")]
    ApprovalNotFound { spender: String, id: u64 },

    #[error("{operator} is not your operator")]
    OperatorNotFound { operator: String },

    #[error("the expiration has already passed")]
    AlreadyExpired,

    #[error("you cannot approve yourself")]
    SelfApproval,

    #[error("verifier {hash} is already approved")]
    VerifierAlreadyApproved { hash: String },

    #[error("verifier {hash} is not approved")]
    VerifierNotFound { hash: String },

    #[error("verifier {hash} is already revoked")]
    VerifierAlreadyRevoked { hash: String },
}
