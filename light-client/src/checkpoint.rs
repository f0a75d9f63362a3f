//! Accepting a checkpoint: the one header trusted without verification, because its hash came from
//! somewhere other than the server.

use tendermint_light_client_verifier::predicates::{ProdPredicates, VerificationPredicates as _};
use tendermint_light_client_verifier::types::LightBlock;

use crate::error::LightClientError;

/// `block` is the checkpoint if its header hashes to `expected_hash`, its next validator set is the
/// one the header commits to, and (when given) it is on `expected_chain_id`. Its own validator set
/// is not checked: verifying from a trusted block uses only the next set.
pub fn check_checkpoint(
    block: &LightBlock,
    expected_hash: &str,
    expected_chain_id: Option<&str>,
) -> Result<(), LightClientError> {
    let header = &block.signed_header.header;
    let height = header.height.value();
    let found = header.hash().to_string();
    if !found.eq_ignore_ascii_case(expected_hash.trim()) {
        return Err(LightClientError::TrustHashMismatch {
            height,
            expected: expected_hash.to_string(),
            found,
        });
    }
    let predicates = ProdPredicates;
    predicates
        .next_validators_match(&block.next_validators, header.next_validators_hash)
        .map_err(|e| LightClientError::InvalidHeader {
            height,
            detail: e.to_string(),
        })?;
    let chain_id = header.chain_id.as_str();
    if let Some(expected) = expected_chain_id
        && expected != chain_id
    {
        return Err(LightClientError::WrongChainId {
            expected: expected.into(),
            found: chain_id.into(),
        });
    }
    Ok(())
}
