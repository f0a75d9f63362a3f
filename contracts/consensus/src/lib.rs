//! The poi consensus contract.
//!
//! A claimed inference is re-run by a committee drawn by stake ([`committee`]); members commit to
//! their votes and then reveal them ([`votes`]); [`finalize`] weighs the revealed stake against the
//! quorum, pays the voters who were right, slashes the others through the staking contract and
//! settles the claimant's fee and bond. A decided claim can be [`disputes`]d before a larger
//! committee, and auditors slip sealed canary claims in among real ones ([`claims`]).

pub mod claims;
pub mod committee;
pub mod contract;
pub mod disputes;
pub mod error;
pub mod finalize;
pub mod migrations;
pub mod params;
pub mod payouts;
pub mod query;
pub mod state;
pub mod votes;

pub use error::ContractError;
