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
        "{address} is not a registered operator in the staking contract: register and opt in first"
    )]
    NotAnOperator { address: String },
}
