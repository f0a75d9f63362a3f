//! Shared test machinery for poi: a cw-multi-test suite builder that deploys the contracts the way a
//! chain would, and a cosmwasm-vm harness that runs the optimised artefacts and measures their gas.

pub mod consensus;
pub mod consensus_gas;
pub mod cw20;
pub mod staking;
pub mod suite;
pub mod vm;
