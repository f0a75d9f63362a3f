//! `poi-verifier-abi`: what poi's verifier artefact takes, in one place for every side of it.
//!
//! The artefact (`poi-verifier-module`) decodes a [`Request`]; wasmer hosts, the CLI and the
//! browser bindings encode one; claims on chain name each input's [`InputFormat`]; whoever shows
//! or compares a result reads its [`output`] encoding back, and whoever goes on from a result (a
//! generation's next step) feeds its outputs on with [`chain`]. None of it
//! needs tract, so the contracts' types and the light client's wasm build depend on this crate
//! and not on the verifier itself.

pub mod chain;
pub mod format;
pub mod limits;
pub mod output;
pub mod request;

pub use format::{InputFormat, NamedInput};
pub use limits::Limits;
pub use output::{DecodedOutput, ElementType, OutputSummary};
pub use request::{Request, RequestError};
