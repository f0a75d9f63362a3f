//! Types shared by every part of poi.
//!
//! The contracts, the `poi` CLI and the light client all speak the same messages and read the same
//! stored records. Keeping them in one crate means a record proven from contract storage by the light
//! client is decoded with exactly the type the contract wrote it with.

pub mod consensus;
pub mod cw20;
pub mod cw721;
pub mod denom;
pub mod hash;
pub mod merkle;
pub mod registry;
pub mod staking;
pub mod uri;

pub use hash::{ContentHash, HashError};
