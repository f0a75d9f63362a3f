//! What `migrate` does to stored state, by the version it migrates from.

use cosmwasm_std::{Order, StdResult, Storage};
use poi_types::consensus::{Claim, InputFormat};

use crate::ContractError;
use crate::state::claims;

/// Before 0.2, inputs did not name their format: readers took it from the URI's extension.
fn names_input_formats(version: &semver::Version) -> bool {
    *version >= semver::Version::new(0, 2, 0)
}

/// Brings stored state up to this version's layout; the number of claims rewritten.
pub fn run(storage: &mut dyn Storage, from: &semver::Version) -> Result<u64, ContractError> {
    if names_input_formats(from) {
        return Ok(0);
    }
    // Every claim, in one transaction: fine for the testnets 0.1 ran on. Index keys (status,
    // model, claimant) do not change.
    let ids: Vec<u64> = claims()
        .keys(storage, None, None, Order::Ascending)
        .collect::<StdResult<_>>()?;
    for id in &ids {
        let mut claim: Claim = claims().load(storage, *id)?;
        for input in &mut claim.inputs {
            // The rule 0.1's readers applied; an input it could not read stays the default.
            if let Some(format) = InputFormat::from_file_name(&input.uri) {
                input.format = format;
            }
        }
        claims().save(storage, *id, &claim)?;
    }
    Ok(ids.len() as u64)
}
