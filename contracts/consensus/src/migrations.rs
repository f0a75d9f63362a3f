//! What `migrate` does to stored state, by the version it migrates from.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, DepsMut, Order, StdResult, Storage};
use cw_storage_plus::Item;
use poi_types::consensus::{Claim, Config, InputFormat};

use crate::ContractError;
use crate::state::{ADMIN, CONFIG, claims};

/// Before 0.3 the admin was kept in the config, and there was one service to slash for: staking
/// 0.1's only one, which staking 0.2's migration makes service 1.
mod v0_2 {
    use super::*;

    #[cw_serde]
    pub struct Config {
        pub admin: Option<Addr>,
        pub registry: Addr,
        pub staking: Addr,
        pub denom: String,
    }

    pub const CONFIG: Item<Config> = Item::new("config");
    pub const SERVICE_ID: u32 = 1;
}

/// Before 0.2, inputs did not name their format: readers took it from the URI's extension.
fn names_input_formats(version: &semver::Version) -> bool {
    *version >= semver::Version::new(0, 2, 0)
}

/// Brings stored state up to this version's layout; the number of claims rewritten.
pub fn run(mut deps: DepsMut, from: &semver::Version) -> Result<u64, ContractError> {
    if *from < semver::Version::new(0, 3, 0) {
        let old = v0_2::CONFIG.load(deps.storage)?;
        ADMIN.set(deps.branch(), old.admin)?;
        CONFIG.save(
            deps.storage,
            &Config {
                registry: old.registry,
                staking: old.staking,
                service_id: v0_2::SERVICE_ID,
                denom: old.denom,
            },
        )?;
    }
    name_input_formats(deps.storage, from)
}

fn name_input_formats(
    storage: &mut dyn Storage,
    from: &semver::Version,
) -> Result<u64, ContractError> {
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
