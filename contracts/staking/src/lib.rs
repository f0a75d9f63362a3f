//! The poi restaking contract.
//!
//! Operators who verify inferences have stake at risk: stakers delegate to them in any accepted
//! asset (see [`strategies`]), and the same stake secures several services, each slashing only the slice allocated to it (see [`allocations`]).
//! Slashing costs the same whatever the number of delegators (see [`pool`]) and of strategies
//! (see [`pools`]), stake that is
//! withdrawing stays slashable until released (see [`withdrawals`]), and committee stake is read at
//! past heights from snapshots.

pub mod allocations;
pub mod contract;
pub mod delegation;
pub mod error;
pub mod migrations;
pub mod operators;
pub mod pool;
pub mod pools;
pub mod query;
pub mod redelegation;
pub mod rewards;
pub mod services;
pub mod slashing;
pub mod state;
pub mod strategies;
pub mod withdrawals;

pub use error::ContractError;
