//! `poi-client`: everything a program needs to talk to a poi chain, shared by the `poi` CLI and the
//! operator daemon.
//!
//! - [`config`]: where `networks.toml`, deployments and keys are found, in one documented order;
//! - [`network`] and [`deployments`]: what those files say;
//! - [`keys`]: the signing key, from a mnemonic that is never printed;
//! - [`rpc`]: CometBFT JSON-RPC over HTTP, failing over between endpoints;
//! - [`blocks`]: when a new block is committed (websocket subscription, else polling);
//! - [`chain`]: smart queries and signed, gas-simulated transactions, with the chain's own error
//!   when one fails;
//! - [`deploy`]: uploading, instantiating and migrating the contracts, recorded in a deployments
//!   file;
//! - [`events`]: the contracts' events, read through the attribute keys `poi-types` exports;
//! - [`directory`]: the networks and contract addresses the browser app offers (`networks.json`).
//!
//! Every error is typed ([`ClientError`] and the enums it wraps), so callers can tell a dead
//! endpoint from a refused transaction from a missing deployment.

pub mod blocks;
pub mod chain;
pub mod config;
pub mod deploy;
pub mod deployments;
pub mod directory;
pub mod error;
pub mod events;
pub mod keys;
pub mod network;
pub mod rpc;

pub use chain::{Chain, SignedTx};
pub use deployments::Deployments;
pub use error::{ChainError, ClientError, ConfigError, KeyError};
pub use keys::Signer;
pub use network::Network;
pub use rpc::{Rpc, RpcError, TxResult};
