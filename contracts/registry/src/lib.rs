//! The poi asset registry contract.
//!
//! Models, datasets and agents are registered as cw721-style tokens carrying a content hash, a URI,
//! metadata, lineage with attribution weights and an optional price per use. The consensus contract
//! reads models and their verification policy from here, and pays fees along their lineage with
//! [`QueryMsg::RevenueSplit`](poi_types::registry::QueryMsg::RevenueSplit).

pub mod assets;
pub mod contract;
pub mod error;
pub mod lineage;
pub mod migrations;
pub mod query;
pub mod state;
pub mod tokens;
pub mod validate;
pub mod verifiers;

pub use error::ContractError;
