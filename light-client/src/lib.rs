//! `poi-light-client`: read poi state from a CosmWasm chain without trusting the server you read
//! it from.
//!
//! Three steps, each a module with no I/O of its own:
//!
//! 1. [`verifier`]: CometBFT headers are verified from a trusted checkpoint, adjacent or by
//!    skipping, with tendermint's light-client predicates and this crate's
//!    [`voting_power::BatchVotingPowerCalculator`], which checks a commit's signatures in one
//!    ed25519-zebra batch.
//! 2. [`proof`]: a raw x/wasm storage value is proven with its two ICS23 proofs (IAVL, then the
//!    multistore) against the app hash of a verified header. [`storage_key`] and [`records`] say
//!    which key holds which poi record and decode it into the shared `poi-types`.
//! 3. `recheck` (native): the claim's model and inputs are fetched, checked against their hashes
//!    and run through the verifier artefact in wasmer.
//!
//! The I/O layers are thin: [`rpc`] (CometBFT JSON-RPC over HTTP) and [`store`] on native targets,
//! and `wasm` — JavaScript bindings whose caller does the fetching — on wasm32.

pub mod checkpoint;
pub mod error;
pub mod light_block;
pub mod proof;
pub mod records;
pub mod storage_key;
pub mod store;
pub mod verifier;
pub mod voting_power;

#[cfg(not(target_arch = "wasm32"))]
pub mod client;
#[cfg(not(target_arch = "wasm32"))]
pub mod recheck;
#[cfg(not(target_arch = "wasm32"))]
pub mod rpc;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::LightClientError;
pub use tendermint_light_client_verifier::types::LightBlock;
