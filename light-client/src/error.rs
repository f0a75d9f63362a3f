//! Everything that can go wrong, as one typed enum: a caller can tell a lying server (a bad
//! signature, a fork, a wrong proof) from an unreachable one.

use crate::proof::ProofError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LightClientError {
    #[error(
        "the header at height {height} does not match the trusted hash {expected} (it is {found})"
    )]
    TrustHashMismatch {
        height: u64,
        expected: String,
        found: String,
    },
    #[error("the header at height {height} is invalid: {detail}")]
    InvalidHeader { height: u64, detail: String },
    #[error(
        "a signature in the commit for height {height} does not verify (validator {validator})"
    )]
    BadSignature { height: u64, validator: String },
    #[error(
        "the commit for height {height} is signed by {signed} of {total} voting power, not more than {threshold}"
    )]
    InsufficientPower {
        height: u64,
        signed: u64,
        total: u64,
        threshold: String,
    },
    #[error(
        "the trusted state at height {height} is older than the trusting period; start again from a fresh checkpoint"
    )]
    TrustExpired { height: u64 },
    #[error("the chain id is {found}, not the expected {expected}")]
    WrongChainId { expected: String, found: String },
    #[error("the header at height {height} is from the future (time {time})")]
    HeaderFromFuture { height: u64, time: String },
    #[error("height {height} is not above the trusted height {trusted}")]
    NotAfterTrusted { height: u64, trusted: u64 },
    #[error(
        "fork detected at height {height}: the primary's header is {primary}, witness {witness} has {conflicting}"
    )]
    Fork {
        height: u64,
        primary: String,
        witness: String,
        conflicting: String,
    },
    #[error("state proof rejected: {0}")]
    Proof(#[from] ProofError),
    /// A proof that failed for a record the client was reading: which one, and why.
    #[error("the {what} {id} is not proven at height {height}: {source}")]
    RecordProof {
        what: &'static str,
        id: String,
        height: u64,
        source: ProofError,
    },
    #[error("the {what} stored at the proven key is not a valid record: {message}")]
    Decode { what: &'static str, message: String },
    #[error("{what} {id} does not exist (absence proven at height {height})")]
    NotFound {
        what: &'static str,
        id: String,
        height: u64,
    },
    #[error("malformed {what} from the server: {message}")]
    Malformed { what: &'static str, message: String },
    #[error("{url}: {message}")]
    Rpc { url: String, message: String },
    #[error("trust store {path}: {message}")]
    Store { path: String, message: String },
}

impl LightClientError {
    /// The variant's name: stable, for callers that branch on the kind of failure (the JavaScript
    /// bindings put it in front of the message).
    pub fn kind(&self) -> &'static str {
        match self {
            LightClientError::TrustHashMismatch { .. } => "TrustHashMismatch",
            LightClientError::InvalidHeader { .. } => "InvalidHeader",
            LightClientError::BadSignature { .. } => "BadSignature",
            LightClientError::InsufficientPower { .. } => "InsufficientPower",
            LightClientError::TrustExpired { .. } => "TrustExpired",
            LightClientError::WrongChainId { .. } => "WrongChainId",
            LightClientError::HeaderFromFuture { .. } => "HeaderFromFuture",
            LightClientError::NotAfterTrusted { .. } => "NotAfterTrusted",
            LightClientError::Fork { .. } => "Fork",
            LightClientError::Proof(_) | LightClientError::RecordProof { .. } => "Proof",
            LightClientError::Decode { .. } => "Decode",
            LightClientError::NotFound { .. } => "NotFound",
            LightClientError::Malformed { .. } => "Malformed",
            LightClientError::Rpc { .. } => "Rpc",
            LightClientError::Store { .. } => "Store",
        }
    }

    pub(crate) fn malformed(what: &'static str, message: impl ToString) -> Self {
        LightClientError::Malformed {
            what,
            message: message.to_string(),
        }
    }
}
