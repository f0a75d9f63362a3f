//! The poi restaking contract.
//!
//! Operators who verify inferences have stake at risk: stakers delegate to them, the consensus
//! contract slashes them. Slashing costs the same whatever the number of delegators (see
//! [`pool`]), stake that is withdrawing stays slashable until released (see [`withdrawals`]), and
//! committee stake is read at past heights from snapshots.

pub mod contract;
pub mod delegation;
pub mod error;
pub mod operators;
pub mod pool;
pub mod query;
pub mod rewards;
pub mod slashing;
pub mod state;
pub mod withdrawals;

pub use error::ContractError;
