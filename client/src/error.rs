//! The client's errors, by where they arise: configuration files, the key, the chain.

use std::path::PathBuf;
use std::time::Duration;

pub use crate::rpc::RpcError;

/// The SDK's code for a transaction signed with a stale account sequence.
const SDK_WRONG_SEQUENCE: u32 = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("no network {name:?} in {source_name}; known: {known}")]
    UnknownNetwork {
        name: String,
        source_name: String,
        known: String,
    },
    #[error("network {network}: {reason}")]
    BadNetwork { network: String, reason: String },
    #[error("nothing deployed yet ({path} missing): run 'poi deploy'")]
    NotDeployed { path: PathBuf },
    #[error("no {contract} in {path}: run 'poi deploy'")]
    NoContract { contract: String, path: PathBuf },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no key: set POI_MNEMONIC, or POI_MNEMONIC_FILE / --mnemonic-file to a file holding the mnemonic"
    )]
    Missing,
    #[error("cannot read mnemonic file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    /// Deliberately without the parser's message: it could echo words of the phrase.
    #[error("the mnemonic is not a valid BIP-39 English phrase")]
    BadMnemonic,
    #[error("cannot derive the key: {0}")]
    Derive(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Rpc(#[from] RpcError),
    #[error("{rpc} serves chain {actual:?}, but the network is configured for {expected:?}")]
    WrongChain {
        rpc: String,
        expected: String,
        actual: String,
    },
    #[error("account {address} does not exist on {chain_id}: fund it first")]
    NoAccount { address: String, chain_id: String },
    #[error("account {address} is a {kind}, which poi cannot sign for")]
    UnsupportedAccount { address: String, kind: String },
    #[error("cannot build the transaction: {0}")]
    Build(String),
    #[error("contract {contract} answered with unexpected JSON: {reason}")]
    Decode { contract: String, reason: String },
    /// The chain's own reason, from simulating the transaction: nothing was broadcast.
    #[error("transaction would fail: {log}")]
    WouldFail { log: String },
    #[error("transaction refused by the mempool ({codespace} {code}): {log}")]
    Refused {
        codespace: String,
        code: u32,
        log: String,
    },
    #[error("transaction {hash} failed in block {height} ({codespace} {code}): {log}")]
    Failed {
        hash: String,
        height: u64,
        codespace: String,
        code: u32,
        log: String,
    },
    /// Broadcast, but not seen in a block in time: it may still land, so look it up before
    /// sending it again.
    #[error("transaction {hash} not in a block after {waited:?}")]
    NotIncluded { hash: String, waited: Duration },
}

impl ChainError {
    /// Whether the transaction was signed with a stale sequence (another transaction from the same
    /// account got in first): rebuilding it with a fresh sequence may succeed.
    pub fn is_sequence_mismatch(&self) -> bool {
        match self {
            ChainError::Refused {
                codespace, code, ..
            }
            | ChainError::Failed {
                codespace, code, ..
            } => codespace == "sdk" && *code == SDK_WRONG_SEQUENCE,
            ChainError::WouldFail { log } => log.contains("account sequence mismatch"),
            _ => false,
        }
    }

    /// Whether the node could not be reached or answered nonsense: worth retrying elsewhere or
    /// later. A transaction the chain refused is not.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ChainError::Rpc(RpcError::Transport { .. } | RpcError::Malformed { .. })
        )
    }

    /// The contract's (or the SDK's) own words, when the chain refused the transaction.
    pub fn chain_reason(&self) -> Option<&str> {
        match self {
            ChainError::WouldFail { log }
            | ChainError::Refused { log, .. }
            | ChainError::Failed { log, .. } => Some(log),
            _ => None,
        }
    }
}

/// Any error of this crate.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl From<RpcError> for ClientError {
    fn from(e: RpcError) -> Self {
        ClientError::Chain(e.into())
    }
}
