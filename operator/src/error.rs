//! What can stop the operator, as opposed to what it votes on (see [`crate::vote`]).

use std::path::PathBuf;

use poi_client::{ChainError, ClientError};

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("operator config {path}: {reason}")]
    Config { path: PathBuf, reason: String },
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("operator store {path}: {reason}")]
    Store { path: PathBuf, reason: String },
    #[error("the content cache: {0}")]
    Content(#[from] poi_content::ContentError),
    #[error("metrics endpoint {addr}: {reason}")]
    Metrics { addr: String, reason: String },
    #[error(
        "{path} is the store of {owner}, not of {address}: give each key its own data directory"
    )]
    StoreOfAnotherKey {
        path: PathBuf,
        owner: String,
        address: String,
    },
    #[error("no randomness for a salt: {0}")]
    Randomness(String),
    /// A seat's vote is decided once: a second decision could lead to a second commitment.
    #[error("a vote on claim {claim_id} (round {round}) was decided already")]
    AlreadyDecided { claim_id: u64, round: u8 },
    #[error(
        "{address} is not a registered operator in the staking contract: register and opt in first"
    )]
    NotAnOperator { address: String },
}
