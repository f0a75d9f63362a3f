//! `poi-light-client`: read poi state from a CosmWasm chain without trusting the server you read
//! it from.
//!
//! Two steps, each a module with no I/O of its own:
//!
//! 1. [`headers`]: CometBFT headers are verified from a trusted checkpoint, adjacent or by
//!    skipping, with tendermint's light-client predicates and this crate's
//!    [`voting_power::BatchVotingPowerCalculator`], which checks a commit's signatures in one
//!    ed25519-zebra batch.
//! 2. [`proof`]: a raw x/wasm storage value is proven with its two ICS23 proofs (IAVL, then the
//!    multistore) against the app hash of a verified header. [`storage_key`] and [`records`] say
//!    which key holds which poi record and decode it into the shared `poi-types`.
//!
//! [`client::LightClient`] puts them together over a [`node::Node`] (CometBFT JSON-RPC through one
//! async [`node::Transport`]) and a [`store::TrustStore`]. It is the same code natively — `http`,
//! blocking HTTP and a trust file — and in a browser — `wasm`, the wasm-bindgen class `LightClient`
//! over `fetch` and localStorage, which the page only calls.
//!
//! Re-running a claim's inference is not a light client's job: that is `poi-recheck`.

pub mod checkpoint;
pub mod client;
pub mod error;
pub mod headers;
pub mod light_block;
pub mod node;
pub mod proof;
pub mod records;
pub mod storage_key;
pub mod store;
pub mod voting_power;

#[cfg(not(target_arch = "wasm32"))]
pub mod http;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::LightClientError;
pub use tendermint_light_client_verifier::types::LightBlock;
