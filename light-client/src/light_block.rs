//! Light blocks from CometBFT RPC responses.
//!
//! A light block at height H is the signed header of H (`/commit?height=H`), the validator set of
//! H (`/validators?height=H`, every page) and the next validator set (`/validators?height=H+1`).
//! Nothing here is trusted yet: the header is hash-checked against its commit and the sets
//! against the header's hashes when the block is verified.

use serde::Deserialize;
use tendermint::node;
use tendermint::validator;
use tendermint_light_client_verifier::types::{LightBlock, SignedHeader, ValidatorSet};

use crate::error::LightClientError;

/// The largest page CometBFT serves.
pub const VALIDATORS_PER_PAGE: usize = 100;

/// Upper bound on validator pages fetched for one height, so a lying server cannot make us page
/// forever (CometBFT chains run well under 10 000 validators).
pub const MAX_VALIDATOR_PAGES: usize = 100;

/// `result` of `/commit`.
#[derive(Deserialize)]
struct CommitResult {
    signed_header: SignedHeader,
}

/// `result` of `/validators`.
#[derive(Deserialize)]
pub struct ValidatorsPage {
    pub validators: Vec<validator::Info>,
    #[serde(with = "tendermint::serializers::from_str")]
    pub total: usize,
}

/// Takes the `result` out of a JSON-RPC response, or its error.
pub fn rpc_result(response: &serde_json::Value) -> Result<&serde_json::Value, LightClientError> {
    if let Some(error) = response.get("error") {
        return Err(LightClientError::malformed("RPC response", error));
    }
    response
        .get("result")
        .ok_or_else(|| LightClientError::malformed("RPC response", "no result"))
}

pub fn parse_signed_header(response: &serde_json::Value) -> Result<SignedHeader, LightClientError> {
    let result: CommitResult = serde_json::from_value(rpc_result(response)?.clone())
        .map_err(|e| LightClientError::malformed("commit", e))?;
    Ok(result.signed_header)
}

pub fn parse_validators_page(
    response: &serde_json::Value,
) -> Result<ValidatorsPage, LightClientError> {
    serde_json::from_value(rpc_result(response)?.clone())
        .map_err(|e| LightClientError::malformed("validators", e))
}

/// A validator set arriving page by page (1-based), joined once every announced validator is in.
#[derive(Default)]
pub struct ValidatorPages {
    validators: Vec<validator::Info>,
    pages: usize,
}

impl ValidatorPages {
    /// Adds the next page; the whole set once it is complete, an error if the pages contradict
    /// their announced total or never end.
    pub fn add(&mut self, page: ValidatorsPage) -> Result<Option<ValidatorSet>, LightClientError> {
        self.pages += 1;
        let ValidatorsPage {
            validators: batch,
            total,
        } = page;
        let ended = batch.is_empty();
        self.validators.extend(batch);
        if self.validators.len() >= total || ended {
            if self.validators.len() != total {
                return Err(LightClientError::malformed(
                    "validators",
                    format!(
                        "{} validators served, {total} announced",
                        self.validators.len()
                    ),
                ));
            }
            return Ok(Some(ValidatorSet::without_proposer(std::mem::take(
                &mut self.validators,
            ))));
        }
        if self.pages >= MAX_VALIDATOR_PAGES {
            return Err(LightClientError::malformed(
                "validators",
                format!("more than {MAX_VALIDATOR_PAGES} pages"),
            ));
        }
        Ok(None)
    }

    /// The number of the page to ask for next.
    pub fn next_page(&self) -> usize {
        self.pages + 1
    }
}

/// The light block assembled from its parts; `provider` names the server it came from.
pub fn light_block(
    signed_header: SignedHeader,
    validators: ValidatorSet,
    next_validators: ValidatorSet,
    provider: node::Id,
) -> LightBlock {
    LightBlock::new(signed_header, validators, next_validators, provider)
}

/// The peer id recorded for blocks fetched over RPC, where the server's node id is not
/// authenticated and so not worth recording.
pub fn rpc_peer() -> node::Id {
    node::Id::new([0; 20])
}
