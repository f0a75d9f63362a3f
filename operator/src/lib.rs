//! `poi-operator`: the daemon a restaked operator runs. It follows the chain, re-runs every claim
//! whose committee it is drawn into (fetching the model and inputs by URI, checking their hashes,
//! running the approved verifier artefact in wasmer), commits and reveals its vote, and finalises
//! claims whose windows have passed.
//!
//! - [`config`]: the configuration file;
//! - [`store`]: the durable record of each committee seat (redb, fsynced before every broadcast);
//! - [`executor`] and [`vote`]: re-running a claim and the vote the protocol defines for each
//!   outcome, including bad content;
//! - [`seat`]: the commit and reveal steps of one committee seat, shared with `poi consensus
//!   commit` / `reveal`, and how each recovers from a lost, refused or delayed transaction;
//! - [`daemon`]: the loop;
//! - [`metrics`]: Prometheus counters on `/metrics`.
//!
//! `poi operator run` and `poi operator status` are thin commands over this crate.

pub mod config;
pub mod daemon;
pub mod error;
pub mod executor;
pub mod metrics;
pub mod seat;
pub mod store;
pub mod vote;

pub use config::OperatorConfig;
pub use daemon::Daemon;
pub use error::OperatorError;
pub use metrics::Metrics;
pub use store::{Duty, Seal, Stage, Store};
