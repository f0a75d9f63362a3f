//! `poi-content`: the bytes a claim names, by URI and sha256.
//!
//! Claims name their model, inputs and (for tolerance models) output by URI and commit to their
//! sha256. Whoever re-runs a claim — an operator, the light client — fetches them with
//! [`fetch`], never uses bytes whose hash is not the committed one, and may keep them in a
//! [`Store`] addressed by that hash, so a second claim on the same model does not fetch it again.
//! `poi content add` puts files into a store and `poi content serve` serves it over HTTP
//! ([`serve`]); [`site`] serves a static site, such as the browser app, the same small way.

pub mod fetch;
pub mod http;
pub mod serve;
pub mod site;
pub mod store;

pub use fetch::{ContentError, FetchPolicy, fetch, fetch_verified};
pub use store::Store;

use sha2::{Digest, Sha256};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
