//! What `migrate` does to stored state, by the version it migrates from.

use cosmwasm_schema::cw_serde;
use cosmwasm_std::{Addr, DepsMut};
use cw_storage_plus::Item;
use poi_types::registry::Config;

use crate::ContractError;
use crate::state::{ADMIN, CONFIG};

/// 0.1 kept the admin in its config; 0.2 keeps it apart, as `cw_controllers::Admin`.
mod v0_1 {
    use super::*;

    #[cw_serde]
    pub struct Config {
        pub admin: Option<Addr>,
        pub name: String,
        pub symbol: String,
    }

    pub const CONFIG: Item<Config> = Item::new("config");
}

/// Brings stored state up to this version's layout.
pub fn run(mut deps: DepsMut, from: &semver::Version) -> Result<(), ContractError> {
    if *from < semver::Version::new(0, 2, 0) {
        let old = v0_1::CONFIG.load(deps.storage)?;
        ADMIN.set(deps.branch(), old.admin)?;
        CONFIG.save(
            deps.storage,
            &Config {
                name: old.name,
                symbol: old.symbol,
            },
        )?;
    }
    Ok(())
}
